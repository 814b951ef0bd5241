// kiln/runtime/linker.h — resolves a module's imports and instantiates it.
//
// Definitions are looked up by (module name, field name). An import
// matches a definition by the spec's rules: same kind, equal function
// types, memory and table limits that are subtypes (at least the minimum,
// a maximum at most the required one), equal global type and mutability.
// Definitions belong to one Store; instantiating into another Store is
// INVALID_ARGUMENT naming the import, before anything is created.
#ifndef KILN_RUNTIME_LINKER_H_
#define KILN_RUNTIME_LINKER_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kiln/runtime/extern.h"
#include "kiln/runtime/module.h"
#include "kiln/runtime/store.h"

namespace kiln::runtime {

class Linker {
 public:
  Linker() = default;

  // Replaces any earlier definition of the same name.
  void Define(std::string_view module, std::string_view name, Extern value);
  // Defines every export of `instance` under `module` (the spec's register).
  void DefineInstance(std::string_view module, const Instance& instance);

  // Instantiates `module` in spec order: imports, globals, tables,
  // memories, active element then data segments, then the start function.
  // Errors:
  //   NOT_FOUND "unknown import: \"m\" \"n\"" / INVALID_ARGUMENT
  //   "incompatible import type: \"m\" \"n\" ..." when linking fails,
  //   INVALID_ARGUMENT "import \"m\" \"n\": the func defined for it belongs
  //   to another Store";
  //   a trap status (GetTrapCode) when a segment is out of bounds or the
  //   start function traps (effects of earlier segments remain, as in the
  //   spec); RESOURCE_EXHAUSTED when a Store limit is hit.
  absl::StatusOr<Instance> Instantiate(Store& store,
                                       const std::shared_ptr<const Module>& module) const;

 private:
  absl::flat_hash_map<std::pair<std::string, std::string>, Extern> definitions_;
};

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_LINKER_H_
