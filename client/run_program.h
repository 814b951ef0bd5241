// client/run_program.h — what `kiln run` does with a module once it has it.
//
// Shared by the full run (which may compile, kiln-full) and the cached run
// of kiln_main.cc, which links no compiler; the helpers below serve the
// remote run too, so that every way of running prints the same.
#ifndef KILN_CLIENT_RUN_PROGRAM_H_
#define KILN_CLIENT_RUN_PROGRAM_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/runtime/engine.h"
#include "kiln/runtime/module.h"
#include "kiln/runtime/trap.h"
#include "kiln/runtime/value.h"
#include "kiln/wasm/types.h"
#include "run_options.h"

namespace kiln::client {

// Links `module` with WASI (the only imports offered; any other is named
// and refused) and runs it: a WASI command's _start with the program's
// arguments, environment and folders, or the export options.invoke after
// a reactor's _initialize. Returns the exit status.
int RunLoadedModule(const RunOptions& options, runtime::Engine& engine,
                    const std::shared_ptr<const runtime::Module>& module);

// `args` read as the parameters of the export `name` of type `type`; a
// usage error saying what was expected otherwise.
absl::StatusOr<std::vector<runtime::Value>> ParseArguments(const std::string& name,
                                                           const wasm::FuncType& type,
                                                           const std::vector<std::string>& args);

// "wasm backtrace:" and its frames, or nothing without frames.
std::string BacktraceText(const runtime::TrapBacktrace& backtrace);

// A trap's kind as `kiln run` prints it: "integer_divide_by_zero", ...
std::string_view TrapKindName(runtime::TrapCode code);

}  // namespace kiln::client

#endif  // KILN_CLIENT_RUN_PROGRAM_H_
