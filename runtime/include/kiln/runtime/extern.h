// kiln/runtime/extern.h — handles to what a Store holds: functions, tables,
// memories, globals, and instances.
//
// Handles are small values pointing into their Store; they stay valid for
// the Store's lifetime. Each knows its Store: using one with another Store
// (calling it, importing it, storing a funcref in another Store's table or
// global) is INVALID_ARGUMENT, never a crash. An Extern is one of the four
// importable kinds: using it as the wrong kind is a typed error
// (std::get_if gives null), never a crash.
#ifndef KILN_RUNTIME_EXTERN_H_
#define KILN_RUNTIME_EXTERN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kiln/runtime/value.h"
#include "kiln/wasm/types.h"
#include "kiln/wasm/vm_abi.h"

namespace kiln::runtime {

class Store;
class StoreState;
struct TableInstance;
struct MemoryInstance;
struct GlobalInstance;
struct InstanceData;

class Func {
 public:
  Func(StoreState* store, vm::VMFuncRef* ref) : store_(store), ref_(ref) {}
  // The funcref value for this function.
  Value AsValue() const { return Value::Ref(wasm::ValType::kFuncRef, ref_); }
  const wasm::FuncType& type() const;
  vm::VMFuncRef* vm_ref() const { return ref_; }
  // The Store the function lives in.
  StoreState* store() const { return store_; }
  friend bool operator==(const Func&, const Func&) = default;

 private:
  StoreState* store_;
  vm::VMFuncRef* ref_;
};

class Table {
 public:
  explicit Table(TableInstance* table) : table_(table) {}
  const wasm::TableType& type() const;  // limits.min is the current size
  uint32_t size() const;
  absl::StatusOr<Value> Get(uint32_t index) const;
  absl::Status Set(uint32_t index, const Value& value);
  // table.grow: the previous size, or -1 when it may not grow that far (or
  // `init` is of the wrong type or from another Store).
  int64_t Grow(uint32_t delta, const Value& init);
  TableInstance* instance() const { return table_; }

 private:
  TableInstance* table_;
};

class Memory {
 public:
  explicit Memory(MemoryInstance* memory) : memory_(memory) {}
  const wasm::MemoryType& type() const;  // limits.min is the current size
  uint8_t* data() const;
  uint64_t size_bytes() const;
  uint32_t pages() const;
  // memory.grow: the previous size in pages, or -1.
  int64_t Grow(uint32_t delta_pages);
  MemoryInstance* instance() const { return memory_; }

 private:
  MemoryInstance* memory_;
};

class Global {
 public:
  explicit Global(GlobalInstance* global) : global_(global) {}
  const wasm::GlobalType& type() const;
  Value Get() const;
  // FAILED_PRECONDITION for an immutable global, INVALID_ARGUMENT for a
  // value of the wrong type.
  absl::Status Set(const Value& value);
  GlobalInstance* instance() const { return global_; }

 private:
  GlobalInstance* global_;
};

using Extern = std::variant<Func, Table, Memory, Global>;

// "func", "table", "memory" or "global".
std::string_view ExternKindName(const Extern& e);

class Instance {
 public:
  explicit Instance(InstanceData* data) : data_(data) {}
  std::optional<Extern> GetExport(std::string_view name) const;
  // A function export, or NOT_FOUND / INVALID_ARGUMENT naming the problem.
  absl::StatusOr<Func> GetFunc(std::string_view name) const;
  // In the module's export order.
  const std::vector<std::pair<std::string, Extern>>& exports() const;
  InstanceData* data() const { return data_; }

 private:
  InstanceData* data_;
};

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_EXTERN_H_
