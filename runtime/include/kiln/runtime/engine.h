// kiln/runtime/engine.h — what every Store and Module of one process share.
//
// An Engine holds the configuration, the SignatureRegistry that interns
// function types, and the epoch counter that interrupts running guests. It
// is thread-safe and must outlive its Modules and Stores.
#ifndef KILN_RUNTIME_ENGINE_H_
#define KILN_RUNTIME_ENGINE_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "kiln/runtime/signature_registry.h"

namespace kiln::runtime {

struct EngineConfig {
  // The most native stack one call from the host into wasm may use; deeper
  // recursion traps with "call stack exhausted". The calling thread's stack
  // must have this much room plus some for the host.
  uint64_t max_wasm_stack = 1 << 20;
};

class Engine {
 public:
  explicit Engine(EngineConfig config = {});
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const EngineConfig& config() const { return config_; }
  SignatureRegistry& signatures() { return *signatures_; }
  const SignatureRegistry& signatures() const { return *signatures_; }
  // Modules and Stores keep the registry they release their ids into, so
  // that one destroyed after its Engine (against the rule above, but easy
  // to do with shared_ptrs in caches) does not write to freed memory.
  const std::shared_ptr<SignatureRegistry>& shared_signatures() const { return signatures_; }

  // Advances the epoch; any Store whose deadline it reaches traps with
  // kInterrupted at its next function entry or loop iteration (a loop that
  // calls nothing is stopped by a signal to its thread). Call it from any
  // thread, e.g. a timer.
  void IncrementEpoch();
  uint64_t current_epoch() const { return epoch_.load(std::memory_order_relaxed); }
  const std::atomic<uint64_t>* epoch_counter() const { return &epoch_; }

 private:
  EngineConfig config_;
  std::shared_ptr<SignatureRegistry> signatures_ = std::make_shared<SignatureRegistry>();
  std::atomic<uint64_t> epoch_{0};
};

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_ENGINE_H_
