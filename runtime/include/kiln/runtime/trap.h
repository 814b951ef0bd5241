// kiln/runtime/trap.h — traps as absl::Status values.
//
// A wasm trap ends a call from the host but is not an engine failure: it is
// returned as a Status whose code is kAborted, whose message is the spec's
// trap text, and which carries the TrapCode as a payload. GetTrapCode tells
// a trap from every other error.
#ifndef KILN_RUNTIME_TRAP_H_
#define KILN_RUNTIME_TRAP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "kiln/wasm/vm_abi.h"

namespace kiln::runtime {

using vm::TrapCode;

// One wasm frame of a trap's backtrace.
struct TrapFrame {
  uint32_t function_index = 0;  // in the module's function index space
  std::string function_name;    // from the module's "name" section; may be empty
  uint32_t module_offset = 0;   // of the instruction (0: unknown)
};

// Where a trap happened: wasm frames, innermost (the trapping one) first.
// Very deep stacks keep their innermost frames and count the rest.
struct TrapBacktrace {
  std::vector<TrapFrame> frames;
  uint64_t omitted_frames = 0;
};

// A trap status; `detail` (e.g. a host function's error) follows the
// spec's text in the message. The backtrace travels as a payload, not in
// the message.
absl::Status TrapError(TrapCode code, std::string_view detail = {},
                       const TrapBacktrace& backtrace = {});

// The trap code of a status made by TrapError, or nullopt for any other.
std::optional<TrapCode> GetTrapCode(const absl::Status& status);

// The backtrace of a trap status (empty for other statuses).
TrapBacktrace GetTrapBacktrace(const absl::Status& status);

// "    0: 0x1a - inner (function 3)\n    1: ..." one line per frame, as
// wasmtime prints them (the offset in hex; a function without a name shows
// "<function N>"). Empty for an empty backtrace.
std::string FormatBacktrace(const TrapBacktrace& backtrace);

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_TRAP_H_
