#include "kiln/runtime/store.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "guest_signals.h"
#include "kiln/runtime/trap.h"
#include "store_state.h"
#include "trap_handler.h"

namespace kiln::runtime {
namespace {

// VMHostContext::callback of an untyped host function.
int32_t CallHostCallback(vm::VMHostContext* context, vm::ValRaw* values) {
  HostFuncData* data = reinterpret_cast<HostContext*>(context)->owner;
  absl::Status status;
  {
    std::vector<Value> params;
    params.reserve(data->type.params.size());
    for (size_t i = 0; i < data->type.params.size(); ++i) {
      params.push_back(Value::FromRaw(data->type.params[i], values[i]));
    }
    std::vector<Value> results;
    for (wasm::ValType t : data->type.results) results.push_back(Value::Zero(t));
    status = data->callback(params, std::span<Value>(results));
    if (status.ok()) {
      for (size_t i = 0; i < results.size(); ++i) {
        if (results[i].type() != data->type.results[i]) {
          status = absl::InvalidArgumentError(absl::StrCat(
              "host function returned ", results[i].ToString(), " for a result of type ",
              std::string(wasm::ValTypeName(data->type.results[i]))));
          break;
        }
        values[i] = results[i].raw();
      }
    }
    if (!status.ok()) SetPendingTrapDetail(std::string(status.message()));
  }
  return status.ok() ? 0 : 1;
}

// VMHostContext::raise: called by the exit trampoline after the callback's
// frames are gone.
void RaiseHostTrap(vm::VMHostContext*) { RaiseTrap(vm::TrapCode::kHostTrap); }

// VMFuncRef::array_call of an untyped host function, for calls from the
// host (Store::Call) that reach it.
void HostArrayCall(vm::VMContext* vmctx, const void*, vm::ValRaw* values) {
  auto* context = reinterpret_cast<vm::VMHostContext*>(vmctx);
  if (CallHostCallback(context, values) != 0) RaiseHostTrap(context);
}

}  // namespace

void StoreState::AddModule(const std::shared_ptr<const Module>& module) {
  if (std::find(modules_.begin(), modules_.end(), module) == modules_.end()) {
    // A host function may instantiate into its own Store while that Store's
    // guest runs on this thread; the interrupt handler must not read the
    // vector halfway through a reallocation.
    sigset_t interrupt;
    sigset_t previous;
    sigemptyset(&interrupt);
    sigaddset(&interrupt, kInterruptSignal);
    pthread_sigmask(SIG_BLOCK, &interrupt, &previous);
    modules_.push_back(module);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
}

bool StoreState::ContainsWasmPc(uintptr_t pc) const { return ModuleAt(pc) != nullptr; }

const Module* StoreState::ModuleAt(uintptr_t pc) const {
  for (const std::shared_ptr<const Module>& module : modules_) {
    if (module->ContainsPc(pc)) return module.get();
  }
  return nullptr;
}

bool StoreState::InMemoryReservation(uintptr_t address) const {
  for (const MemoryInstance& memory : memories_) {
    if (memory.memory == nullptr) continue;
    const auto base = reinterpret_cast<uintptr_t>(memory.memory->base());
    if (address >= base && address - base < LinearMemory::kReservationBytes) return true;
  }
  return false;
}

void StoreState::AddFuncRefs(const vm::VMFuncRef* first, size_t count) {
  if (count == 0) return;
  const auto start = reinterpret_cast<uintptr_t>(first);
  funcref_ranges_.emplace(start, start + count * sizeof(vm::VMFuncRef));
}

bool StoreState::OwnsFuncRef(const void* ref) const {
  const auto address = reinterpret_cast<uintptr_t>(ref);
  auto it = funcref_ranges_.upper_bound(address);
  if (it == funcref_ranges_.begin()) return false;
  --it;
  return address < it->second && (address - it->first) % sizeof(vm::VMFuncRef) == 0;
}

absl::Status StoreState::CheckOwnsValue(const Value& value, std::string_view where) const {
  if (value.type() != wasm::ValType::kFuncRef || value.ref() == nullptr ||
      OwnsFuncRef(value.ref())) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "a funcref of another Store cannot be used in ", std::string(where),
      ": a Store's values hold only its own functions"));
}

bool StoreState::ChargeBudget(uint64_t bytes) {
  if (charge_.budget == nullptr || bytes == 0) return true;
  if (!charge_.budget->TryCharge(bytes)) return false;
  charge_.bytes += bytes;
  return true;
}

void StoreState::RefundBudget(uint64_t bytes) {
  if (charge_.budget == nullptr || bytes == 0) return;
  charge_.budget->Release(bytes);
  charge_.bytes -= bytes;
}

absl::Status StoreState::BudgetExhausted(uint64_t bytes, std::string_view what) const {
  return charge_.budget->Exhausted(bytes, what);
}

Store::Store(Engine& engine, StoreLimits limits)
    : state_(std::make_unique<StoreState>(engine, limits)) {}
Store::~Store() = default;

Engine& Store::engine() const { return state_->engine(); }
const StoreLimits& Store::limits() const { return state_->limits(); }

void Store::SetEpochDeadline(uint64_t ticks) {
  const uint64_t now = state_->engine().current_epoch();
  state_->vm_context().epoch_deadline.store(ticks > ~uint64_t{0} - now ? ~uint64_t{0} : now + ticks,
                                            std::memory_order_relaxed);
  if (ticks == 0) SignalGuestsPastDeadline();
}

void Store::Interrupt() {
  state_->vm_context().epoch_deadline.store(0, std::memory_order_relaxed);
  SignalGuestsPastDeadline();
}

bool Store::interrupted() const { return state_->DeadlineReached(); }

absl::StatusOr<std::vector<Value>> Store::Call(Func func, std::span<const Value> args) {
  if (func.store() != state_.get()) {
    return absl::InvalidArgumentError("the function belongs to another Store");
  }
  vm::VMFuncRef* ref = func.vm_ref();
  const wasm::FuncType& type = func.type();
  if (args.size() != type.params.size()) {
    return absl::InvalidArgumentError(absl::StrCat("expected ", type.params.size(),
                                                   " arguments, got ", args.size()));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].type() != type.params[i]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "argument ", i, " is ", args[i].ToString(), ", expected type ",
          std::string(wasm::ValTypeName(type.params[i]))));
    }
    if (absl::Status owned = state_->CheckOwnsValue(args[i], absl::StrCat("argument ", i));
        !owned.ok()) {
      return owned;
    }
  }
  // Host functions are called through array_call alone; their native code
  // (an exit trampoline) may not exist until a module imports them.
  if (ref->array_call == nullptr) {
    return absl::FailedPreconditionError("function has no code to call");
  }
  std::vector<vm::ValRaw> values(std::max<size_t>({args.size(), type.results.size(), 1}));
  for (size_t i = 0; i < args.size(); ++i) values[i] = args[i].raw();
  absl::Status status =
      CallWithTrapHandling(*state_, ref->array_call, ref->vmctx, ref->native_code, values.data());
  if (!status.ok()) return status;
  std::vector<Value> results;
  results.reserve(type.results.size());
  for (size_t i = 0; i < type.results.size(); ++i) {
    results.push_back(Value::FromRaw(type.results[i], values[i]));
  }
  return results;
}

Func Store::CreateHostFunc(const wasm::FuncType& type, HostCallback callback) {
  HostFuncData* data = state_->NewHostFunc();
  data->type = type;
  data->callback = std::move(callback);
  data->host.vm.callback = CallHostCallback;
  data->host.vm.raise = RaiseHostTrap;
  data->host.owner = data;
  // native_code (an exit trampoline) comes from the first module that
  // imports this function: only compiled modules have trampolines.
  data->funcref.native_code = nullptr;
  data->funcref.array_call = HostArrayCall;
  data->funcref.vmctx = reinterpret_cast<vm::VMContext*>(&data->host);
  data->funcref.type_id = state_->engine().signatures().Intern(type);
  return Func(state_.get(), &data->funcref);
}

Func Store::CreateNativeHostFunc(const wasm::FuncType& type, const void* native_code,
                                 vm::EntryTrampoline array_call) {
  HostFuncData* data = state_->NewHostFunc();
  data->type = type;
  data->funcref.native_code = native_code;
  data->funcref.array_call = array_call;
  data->funcref.vmctx = nullptr;
  data->funcref.type_id = state_->engine().signatures().Intern(type);
  return Func(state_.get(), &data->funcref);
}

absl::Status StoreState::CheckMemoryRoom(uint64_t pages, std::string_view what) const {
  if (pages > wasm::kMaxMemoryPages) {
    return absl::ResourceExhaustedError(absl::StrCat(
        std::string(what), " of ", pages, " pages: memories hold at most ", wasm::kMaxMemoryPages));
  }
  if (pages > memory_bytes_left() / wasm::kWasmPageSize) {
    return absl::ResourceExhaustedError(absl::StrCat(
        std::string(what), " of ", pages, " pages would pass the Store's limit of ",
        FormatBytes(limits_.max_memory_bytes), " of linear memory (all its memories together; ",
        FormatBytes(memory_bytes_), " in use)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Memory> Store::CreateMemory(const wasm::MemoryType& type) {
  if (absl::Status room = state_->CheckMemoryRoom(type.limits.min, "a linear memory"); !room.ok()) {
    return room;
  }
  const uint64_t left = state_->memory_bytes_left();
  // Charged before the memory is mapped, so that a refusal costs nothing.
  const uint64_t bytes = type.limits.min * wasm::kWasmPageSize;
  if (!state_->ChargeBudget(bytes)) {
    return state_->BudgetExhausted(bytes,
                                   absl::StrCat("a linear memory of ", type.limits.min, " pages"));
  }
  absl::StatusOr<std::unique_ptr<LinearMemory>> memory = LinearMemory::Create(type, left);
  if (!memory.ok()) {
    state_->RefundBudget(bytes);
    return memory.status();
  }
  MemoryInstance* instance = state_->NewMemory();
  instance->type = type;
  instance->memory = std::move(*memory);
  instance->store = state_.get();
  instance->vm.base = instance->memory->base();
  instance->vm.size_bytes = instance->memory->size_bytes();
  state_->add_memory_bytes(instance->memory->size_bytes());
  return Memory(instance);
}

absl::StatusOr<Table> Store::CreateTable(const wasm::TableType& type, const Value& init) {
  if (init.type() != type.element) {
    return absl::InvalidArgumentError("table initial value has the wrong type");
  }
  if (absl::Status owned = state_->CheckOwnsValue(init, "a table's initial value"); !owned.ok()) {
    return owned;
  }
  const uint64_t elements = type.limits.min;
  if (elements > state_->table_elements_left()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "a table of ", elements, " elements would pass the Store's limit of ",
        state_->limits().max_table_elements, " table elements (all its tables together; ",
        state_->table_elements(), " in use)"));
  }
  if (elements > kMaxTableSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("a table of ", elements, " elements: tables hold at most ", kMaxTableSize));
  }
  const uint64_t bytes = elements * sizeof(void*);
  if (!state_->ChargeBudget(bytes)) {
    return state_->BudgetExhausted(bytes, absl::StrCat("a table of ", elements, " elements"));
  }
  state_->add_table_elements(elements);
  TableInstance* table = state_->NewTable();
  table->type = type;
  table->store = state_.get();
  table->max_size =
      static_cast<uint32_t>(std::min(type.limits.max.value_or(kMaxTableSize), kMaxTableSize));
  // assign() on an empty vector allocates exactly `elements`: what was
  // charged.
  table->elements.assign(elements, init.ref());
  table->Sync();
  return Table(table);
}

absl::StatusOr<Global> Store::CreateGlobal(const wasm::GlobalType& type, const Value& value) {
  if (value.type() != type.type) {
    return absl::InvalidArgumentError("global initial value has the wrong type");
  }
  if (absl::Status owned = state_->CheckOwnsValue(value, "a global's initial value"); !owned.ok()) {
    return owned;
  }
  GlobalInstance* global = state_->NewGlobal();
  global->type = type;
  global->cell.value = value.raw();
  return Global(global);
}

}  // namespace kiln::runtime
