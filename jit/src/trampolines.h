// trampolines.h — the per-signature entry and exit trampolines.
//
// An entry trampoline lets the host call a wasm function through a ValRaw
// array; an exit trampoline is the native code of an untyped host function
// (see kiln/wasm/vm_abi.h for both conventions). Each is made once per
// distinct signature of the module, in the same compile as its functions.
#ifndef KILN_JIT_TRAMPOLINES_H_
#define KILN_JIT_TRAMPOLINES_H_

#include <cstdint>

#include "module_env.h"

namespace kiln::jit {

void DefineEntryTrampoline(ModuleEnv& env, uint32_t type_index);
void DefineExitTrampoline(ModuleEnv& env, uint32_t type_index);

}  // namespace kiln::jit

#endif  // KILN_JIT_TRAMPOLINES_H_
