// trap_handler.h — turning faults and explicit traps in wasm code into a
// return to the host call that entered wasm.
//
// Every call from the host into wasm runs inside an Activation (a
// sigsetjmp point). A trap — an explicit one from generated code or a
// builtin, or a SIGSEGV/SIGBUS whose PC is in this thread's Store's code —
// siglongjmps back to it. Wasm frames have nothing to destroy, and builtins
// raise only when they hold no C++ objects, so nothing leaks.
#ifndef KILN_RUNTIME_TRAP_HANDLER_H_
#define KILN_RUNTIME_TRAP_HANDLER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "kiln/wasm/vm_abi.h"

namespace kiln::runtime {

class StoreState;

// Calls `entry(vmctx, code, values)` with traps caught; returns OK or the
// trap status. Re-entrant (host -> wasm -> host -> wasm).
absl::Status CallWithTrapHandling(StoreState& store, vm::EntryTrampoline entry,
                                  vm::VMContext* vmctx, const void* code, vm::ValRaw* values);

// Ends the innermost activation with `code`, with a backtrace of the wasm
// frames that called here; `site` (when not 0) locates the trapping
// instruction (vm::MakeTrapSite). Only from code running inside
// CallWithTrapHandling, with no C++ object alive in the calling frames.
[[noreturn]] void RaiseTrap(vm::TrapCode code, uint64_t site = 0);

// Records the message of a host function's error for the trap that follows.
void SetPendingTrapDetail(std::string detail);

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_TRAP_HANDLER_H_
