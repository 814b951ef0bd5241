// kiln/runtime/trap.h — traps as absl::Status values.
//
// A wasm trap ends a call from the host but is not an engine failure: it is
// returned as a Status whose code is kAborted, whose message is the spec's
// trap text, and which carries the TrapCode as a payload. GetTrapCode tells
// a trap from every other error.
#ifndef KILN_RUNTIME_TRAP_H_
#define KILN_RUNTIME_TRAP_H_

#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "kiln/wasm/vm_abi.h"

namespace kiln::runtime {

using vm::TrapCode;

// A trap status; `detail` (e.g. a host function's error) follows the
// spec's text in the message.
absl::Status TrapError(TrapCode code, std::string_view detail = {});

// The trap code of a status made by TrapError, or nullopt for any other.
std::optional<TrapCode> GetTrapCode(const absl::Status& status);

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_TRAP_H_
