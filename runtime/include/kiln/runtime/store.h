// kiln/runtime/store.h — the unit of isolation.
//
// A Store owns everything one tenant's instances create: memories, tables,
// globals, host functions and instances. Nothing but immutable code is
// shared with other Stores; a trap, a limit hit or an interrupt in one Store
// never disturbs another. A Store is used by one thread at a time.
#ifndef KILN_RUNTIME_STORE_H_
#define KILN_RUNTIME_STORE_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kiln/runtime/engine.h"
#include "kiln/runtime/extern.h"
#include "kiln/runtime/memory_budget.h"
#include "kiln/runtime/value.h"
#include "kiln/wasm/types.h"

namespace kiln::runtime {

// What one Store may hold. Each limit covers all of the Store's memories
// (or tables) together, however many instances made them: growing past a
// limit fails the way the spec lets it (memory.grow and table.grow return
// -1); creating past it, or instantiating a module whose memories and
// tables would pass it at their initial sizes, is RESOURCE_EXHAUSTED,
// refused before anything is allocated.
struct StoreLimits {
  // Bytes of linear memory, all memories together.
  uint64_t max_memory_bytes = std::numeric_limits<uint64_t>::max();
  // Elements of all tables together. An element is a pointer, so this is
  // also the tables' memory: 10 million elements are 80 MB on 64-bit hosts.
  uint64_t max_table_elements = 10'000'000;
  // When set, the Store also charges this budget, shared with other Stores,
  // for its memories' bytes and its tables' storage, and gives them back
  // when it is destroyed; the budget must outlive the Store.
  MemoryBudget* budget = nullptr;
};

// An untyped host function: reads `params` (already checked against its
// type) and writes every entry of `results` with a value of its result
// type. A non-OK status traps the calling wasm code (kHostTrap, with the
// status message).
using HostCallback =
    std::function<absl::Status(std::span<const Value> params, std::span<Value> results)>;

class StoreState;

class Store {
 public:
  explicit Store(Engine& engine, StoreLimits limits = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Engine& engine() const;
  const StoreLimits& limits() const;

  // Calls `func` with `args` (checked against its type). A trap returns a
  // status for which GetTrapCode is set; the Store stays usable. A `func`
  // of another Store, or a funcref argument of another Store, is
  // INVALID_ARGUMENT.
  absl::StatusOr<std::vector<Value>> Call(Func func, std::span<const Value> args);

  // Guest code traps with kInterrupted once the Engine's epoch has advanced
  // `ticks` beyond its current value. The default is never.
  void SetEpochDeadline(uint64_t ticks);
  // Makes the guest code running in this Store now (if any) trap with
  // kInterrupted at its next function entry or loop iteration, and any
  // later call do the same until SetEpochDeadline moves the deadline
  // again. Safe to call from any thread while another one is in Call: it
  // is how a host stops a guest whose caller has gone away.
  void Interrupt();
  // Whether guest code in this Store must stop now: its epoch deadline has
  // passed (or Interrupt was called). For host functions that wait, so
  // that they stop waiting too. Safe from any thread.
  bool interrupted() const;

  Func CreateHostFunc(const wasm::FuncType& type, HostCallback callback);
  // A host function with ready-made native and array entry points, as the
  // templates in host_func.h produce. `native_code` is called with a null
  // vmctx.
  Func CreateNativeHostFunc(const wasm::FuncType& type, const void* native_code,
                            vm::EntryTrampoline array_call);
  absl::StatusOr<Memory> CreateMemory(const wasm::MemoryType& type);
  absl::StatusOr<Table> CreateTable(const wasm::TableType& type, const Value& init);
  absl::StatusOr<Global> CreateGlobal(const wasm::GlobalType& type, const Value& value);

  StoreState& state() const { return *state_; }

 private:
  std::unique_ptr<StoreState> state_;
};

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_STORE_H_
