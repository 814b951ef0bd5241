#include "kiln/runtime/engine.h"

#include "guest_signals.h"

namespace kiln::runtime {

Engine::Engine(EngineConfig config) : config_(config) {}

void Engine::IncrementEpoch() {
  epoch_.fetch_add(1, std::memory_order_relaxed);
  SignalGuestsPastDeadline();
}

}  // namespace kiln::runtime
