// script_session.h — the state that one script's execution commands share.
//
// A session owns the script's Store and its Linker, which holds `spectest`
// and every instance a `register` command named. It remembers what each
// `module` command made: the latest module is the default target of
// actions, and a module with a name (`(module $M ...)`) can be targeted by
// it. A module that failed to compile or instantiate is remembered too,
// with its error, so the commands aimed at it fail with that reason instead
// of silently running against an older instance.
#ifndef KILN_TESTS_SPEC_SCRIPT_SESSION_H_
#define KILN_TESTS_SPEC_SCRIPT_SESSION_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "local_engine.h"
#include "kiln/runtime/extern.h"
#include "kiln/runtime/linker.h"
#include "kiln/runtime/module.h"
#include "kiln/runtime/store.h"
#include "kiln/runtime/value.h"

namespace kiln::spec {

class ScriptSession {
 public:
  // Makes a Store on `engine`'s Engine and defines `spectest` in the
  // Linker. Every guest call and instantiation gets `deadline_ticks` epoch
  // ticks (see EpochTicker). `engine` must outlive the session.
  static absl::StatusOr<std::unique_ptr<ScriptSession>> Create(client::LocalEngine& engine,
                                                               uint64_t deadline_ticks);

  // Decodes, validates, compiles and loads a module. An error means Kiln
  // rejected it.
  absl::StatusOr<std::shared_ptr<const runtime::Module>> Load(std::vector<uint8_t> bytes);

  // Instantiates `module` against the Linker: link errors, traps (see
  // GetTrapCode) and Store limits come back as the status.
  absl::StatusOr<runtime::Instance> Instantiate(
      const std::shared_ptr<const runtime::Module>& module);

  // Records the result of the `module` command at `line`: it becomes the
  // default target, and the target called `name` unless `name` is empty.
  void SetCurrent(std::string_view name, absl::StatusOr<runtime::Instance> instance, uint32_t line);

  // The module called `name`, or the latest one when `name` is empty.
  // FAILED_PRECONDITION when it did not instantiate, NOT_FOUND when there
  // is no such module.
  absl::StatusOr<runtime::Instance> Target(std::string_view name) const;

  // `register`: the exports of the `name` (or latest) module become
  // importable under `as`.
  absl::Status Register(std::string_view as, std::string_view name);

  // Performs an `invoke` or `get` action. The outer status is an error when
  // the action could not even start (no such module or export, malformed
  // arguments); the inner one is what the guest did: its results, a trap,
  // or another runtime error.
  absl::StatusOr<absl::StatusOr<std::vector<runtime::Value>>> Perform(const nlohmann::json& action);

 private:
  // What one `module` command left behind.
  struct ModuleSlot {
    absl::StatusOr<runtime::Instance> instance;
    uint32_t line = 0;
  };

  ScriptSession(client::LocalEngine& engine, uint64_t deadline_ticks);
  static absl::StatusOr<runtime::Instance> InstanceOf(const ModuleSlot& slot);

  client::LocalEngine& engine_;
  uint64_t deadline_ticks_;
  // The Store keeps the Modules it instantiated alive itself.
  std::unique_ptr<runtime::Store> store_;
  runtime::Linker linker_;
  std::optional<ModuleSlot> current_;
  std::map<std::string, ModuleSlot, std::less<>> named_;
};

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_SCRIPT_SESSION_H_
