#include "kiln/runtime/engine.h"

namespace kiln::runtime {

Engine::Engine(EngineConfig config) : config_(config) {}

}  // namespace kiln::runtime
