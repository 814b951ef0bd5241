#include "compile_options_wire.h"

namespace kiln::client {

v1::CompileOptions ToWire(const jit::CompilerOptions& options) {
  v1::CompileOptions wire;
  switch (options.opt_level) {
    case jit::OptLevel::kO0: wire.set_opt_level(v1::OPT_LEVEL_O0); break;
    case jit::OptLevel::kO1: wire.set_opt_level(v1::OPT_LEVEL_O1); break;
    case jit::OptLevel::kO2: wire.set_opt_level(v1::OPT_LEVEL_O2); break;
  }
  wire.set_cpu(options.cpu);
  return wire;
}

}  // namespace kiln::client
