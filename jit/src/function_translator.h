// function_translator.h — one wasm function body to one LLVM function.
#ifndef KILN_JIT_FUNCTION_TRANSLATOR_H_
#define KILN_JIT_FUNCTION_TRANSLATOR_H_

#include <cstdint>

#include "absl/status/status.h"
#include "module_env.h"

namespace kiln::jit {

// Defines env.DefinedFunction(function_index) from its (validated) body.
absl::Status TranslateFunction(ModuleEnv& env, uint32_t function_index);

}  // namespace kiln::jit

#endif  // KILN_JIT_FUNCTION_TRANSLATOR_H_
