// store_state.h — what a Store owns, and the records its handles point to.
#ifndef KILN_RUNTIME_STORE_STATE_H_
#define KILN_RUNTIME_STORE_STATE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kiln/runtime/engine.h"
#include "kiln/runtime/extern.h"
#include "kiln/runtime/linear_memory.h"
#include "kiln/runtime/memory_budget.h"
#include "kiln/runtime/module.h"
#include "kiln/runtime/store.h"
#include "kiln/wasm/vm_abi.h"

namespace kiln::runtime {

class StoreState;

// The most elements a table may have: its size is a u32.
inline constexpr uint64_t kMaxTableSize = 0xFFFFFFFFu;

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
  uint32_t max_size = 0;  // the type's maximum (the Store's limit is checked apart)
  StoreState* store = nullptr;

  // table.grow under the Store's limit and budget; the previous size or -1.
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
  StoreState* store = nullptr;
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
      : charge_{.budget = limits.budget},
        engine_(&engine),
        signatures_(engine.shared_signatures()),
        limits_(limits) {
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
  GlobalInstance* NewGlobal() {
    GlobalInstance* global = &globals_.emplace_back();
    global->store = this;
    return global;
  }
  HostFuncData* NewHostFunc() {
    HostFuncData* data = &host_funcs_.emplace_back();
    AddFuncRefs(&data->funcref, 1);
    return data;
  }
  // `funcs` must already have its final size: the Store remembers where
  // its funcrefs are.
  InstanceData* NewInstance(uint32_t num_functions) {
    InstanceData* data = &instances_.emplace_back();
    data->store = this;
    data->funcs.resize(num_functions);
    AddFuncRefs(data->funcs.data(), data->funcs.size());
    return data;
  }

  // Whether `ref` is one of this Store's funcrefs (an instance's function
  // or a host function). Only reads addresses, so a funcref of any other
  // live Store is told apart without being touched.
  bool OwnsFuncRef(const void* ref) const;
  // OK for a value this Store may hold: anything but a funcref of another
  // Store. INVALID_ARGUMENT naming `where` otherwise.
  absl::Status CheckOwnsValue(const Value& value, std::string_view where) const;

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

  // What the Store holds, as its limits count it. Callers check a limit
  // before adding to its count.
  uint64_t memory_bytes() const { return memory_bytes_; }
  void add_memory_bytes(uint64_t bytes) { memory_bytes_ += bytes; }
  uint64_t memory_bytes_left() const {
    return limits_.max_memory_bytes > memory_bytes_ ? limits_.max_memory_bytes - memory_bytes_ : 0;
  }
  uint64_t table_elements() const { return table_elements_; }
  void add_table_elements(uint64_t elements) { table_elements_ += elements; }
  uint64_t table_elements_left() const {
    return limits_.max_table_elements > table_elements_
               ? limits_.max_table_elements - table_elements_
               : 0;
  }

  // OK if `pages` more pages of linear memory fit the Store's limit (and a
  // memory's largest size); RESOURCE_EXHAUSTED saying which otherwise.
  absl::Status CheckMemoryRoom(uint64_t pages, std::string_view what) const;

  // The shared budget (StoreLimits::budget), if any: takes `bytes` more
  // for this Store until it is destroyed, or says false and takes nothing.
  // Always true without a budget.
  bool ChargeBudget(uint64_t bytes);
  // Gives back bytes of a charge whose allocation then failed.
  void RefundBudget(uint64_t bytes);
  // The budget's RESOURCE_EXHAUSTED for `bytes` of `what`.
  absl::Status BudgetExhausted(uint64_t bytes, std::string_view what) const;

 private:
  void AddFuncRefs(const vm::VMFuncRef* first, size_t count);

  // Bytes this Store took from its budget. Declared first, so destroyed
  // last: the budget gets them back only once the memories and tables that
  // held them are freed.
  struct BudgetCharge {
    MemoryBudget* budget = nullptr;
    uint64_t bytes = 0;
    ~BudgetCharge() {
      if (budget != nullptr) budget->Release(bytes);
    }
  };
  BudgetCharge charge_;
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
  // Where this Store's funcrefs lie: first address -> one past the last.
  absl::btree_map<uintptr_t, uintptr_t> funcref_ranges_;
  uint64_t memory_bytes_ = 0;
  uint64_t table_elements_ = 0;
};

// The builtins table generated code calls through VMContext::builtins.
const vm::VMBuiltins* Builtins();

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_STORE_STATE_H_
