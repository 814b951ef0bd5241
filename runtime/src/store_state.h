// store_state.h — what a Store owns, and the records its handles point to.
#ifndef KILN_RUNTIME_STORE_STATE_H_
#define KILN_RUNTIME_STORE_STATE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "kiln/runtime/engine.h"
#include "kiln/runtime/extern.h"
#include "kiln/runtime/linear_memory.h"
#include "kiln/runtime/module.h"
#include "kiln/runtime/store.h"
#include "kiln/wasm/vm_abi.h"

namespace kiln::runtime {

class StoreState;

struct MemoryInstance {
  wasm::MemoryType type;  // limits.min tracks the current size
  std::unique_ptr<LinearMemory> memory;
  vm::VMMemory vm{};
  StoreState* store = nullptr;

  // memory.grow under the Store's limit; the previous size or -1.
  int64_t Grow(uint32_t delta_pages);
};

struct TableInstance {
  wasm::TableType type;  // limits.min tracks the current size
  std::vector<void*> elements;
  vm::VMTable vm{};
  uint32_t max_size = 0;  // type maximum and Store limit

  int64_t Grow(uint32_t delta, void* init);
  void Sync() {
    vm.elements = elements.data();
    vm.size = static_cast<uint32_t>(elements.size());
    type.limits.min = elements.size();
  }
};

struct GlobalInstance {
  wasm::GlobalType type;
  vm::VMGlobal cell{};
};

struct HostFuncData;

// The vmctx of a host function's exit trampoline: the ABI part, then the
// way back to the function's data.
struct HostContext {
  vm::VMHostContext vm{};
  HostFuncData* owner = nullptr;
};
static_assert(offsetof(HostContext, vm) == 0);

// A function made by the host; a Func handle points at its funcref.
struct HostFuncData {
  vm::VMFuncRef funcref{};
  HostContext host;
  wasm::FuncType type;
  HostCallback callback;  // empty for native host functions
};

struct InstanceData {
  std::shared_ptr<const Module> module;
  vm::VMContext vmctx{};
  std::vector<vm::VMFuncRef> funcs;
  std::vector<vm::VMGlobal*> globals;
  std::vector<vm::VMTable*> tables;
  std::vector<TableInstance*> table_instances;
  std::vector<GlobalInstance*> global_instances;
  MemoryInstance* memory = nullptr;
  // Element segments' references (empty once dropped) and data segments'
  // bytes (empty once dropped).
  std::vector<std::vector<void*>> elements;
  std::vector<std::span<const uint8_t>> data;
  std::vector<std::pair<std::string, Extern>> exports;
  absl::flat_hash_map<std::string, size_t> export_index;
  StoreState* store = nullptr;
};

class StoreState {
 public:
  StoreState(Engine& engine, StoreLimits limits)
      : engine_(&engine), signatures_(engine.shared_signatures()), limits_(limits) {
    vm_context_.stack_limit = 0;
    vm_context_.epoch_deadline.store(~uint64_t{0}, std::memory_order_relaxed);
    vm_context_.epoch = engine.epoch_counter();
  }
  // Host functions hold their type's id (Store::CreateHostFunc) until now:
  // their funcrefs live in this Store only.
  ~StoreState() {
    for (const HostFuncData& f : host_funcs_) signatures_->Release(f.funcref.type_id);
  }
  StoreState(const StoreState&) = delete;
  StoreState& operator=(const StoreState&) = delete;

  Engine& engine() const { return *engine_; }
  const StoreLimits& limits() const { return limits_; }
  vm::VMStoreContext& vm_context() { return vm_context_; }

  MemoryInstance* NewMemory() { return &memories_.emplace_back(); }
  TableInstance* NewTable() { return &tables_.emplace_back(); }
  GlobalInstance* NewGlobal() { return &globals_.emplace_back(); }
  HostFuncData* NewHostFunc() { return &host_funcs_.emplace_back(); }
  InstanceData* NewInstance() { return &instances_.emplace_back(); }

  // Keeps `module` alive and lets the fault handler find its code.
  void AddModule(const std::shared_ptr<const Module>& module);
  // Async-signal-safe: called by the signal handlers.
  bool ContainsWasmPc(uintptr_t pc) const;
  // The module whose code holds `pc`, or null. Async-signal-safe.
  const Module* ModuleAt(uintptr_t pc) const;
  // Whether `address` lies in the address space reserved for one of the
  // Store's memories (a fault there is an out-of-bounds access).
  // Async-signal-safe.
  bool InMemoryReservation(uintptr_t address) const;
  // Whether the Engine's epoch has reached this Store's deadline, so its
  // guest code must stop. Async-signal-safe.
  bool DeadlineReached() const {
    return vm_context_.epoch->load(std::memory_order_relaxed) >=
           vm_context_.epoch_deadline.load(std::memory_order_relaxed);
  }

  uint64_t memory_bytes() const { return memory_bytes_; }
  void add_memory_bytes(uint64_t bytes) { memory_bytes_ += bytes; }

 private:
  Engine* engine_;
  std::shared_ptr<SignatureRegistry> signatures_;  // holds host_funcs_' type ids
  StoreLimits limits_;
  vm::VMStoreContext vm_context_{};
  std::deque<MemoryInstance> memories_;
  std::deque<TableInstance> tables_;
  std::deque<GlobalInstance> globals_;
  std::deque<HostFuncData> host_funcs_;
  std::deque<InstanceData> instances_;
  std::vector<std::shared_ptr<const Module>> modules_;
  uint64_t memory_bytes_ = 0;
};

// The builtins table generated code calls through VMContext::builtins.
const vm::VMBuiltins* Builtins();

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_STORE_STATE_H_
