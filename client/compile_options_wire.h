// client/compile_options_wire.h — compiler options as kilnd's requests carry them.
#ifndef KILN_CLIENT_COMPILE_OPTIONS_WIRE_H_
#define KILN_CLIENT_COMPILE_OPTIONS_WIRE_H_

#include "kiln/jit/compiler_options.h"
#include "kiln/v1/types.pb.h"

namespace kiln::client {

// The wire form of compiler options.
v1::CompileOptions ToWire(const jit::CompilerOptions& options);

}  // namespace kiln::client

#endif  // KILN_CLIENT_COMPILE_OPTIONS_WIRE_H_
