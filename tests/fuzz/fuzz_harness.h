// fuzz_harness.h — what the libFuzzer targets of tests/fuzz that compile and
// run share: a serial compile, running a loaded module's exports in a small
// Store under an epoch deadline, and the runtime's error contract
// (fuzz_contract.h has the decoder's and validator's).
#ifndef KILN_TESTS_FUZZ_FUZZ_HARNESS_H_
#define KILN_TESTS_FUZZ_FUZZ_HARNESS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fuzz_contract.h"
#include "kiln/jit/compiler.h"
#include "kiln/runtime/engine.h"
#include "kiln/runtime/module.h"
#include "kiln/runtime/trap.h"
#include "kiln/runtime/value.h"
#include "kiln/wasm/code_image.h"
#include "kiln/wasm/validator.h"

namespace kiln::fuzz {

// The process-wide Engine of a fuzzer, with a thread advancing its epoch
// every kEpochPeriod, so that the deadline RunExports sets ends endless
// guests (tests/spec/epoch_ticker.h).
runtime::Engine& FuzzEngine();

// Compiles `module` (validated) on the calling thread alone: inside a
// one-thread TBB arena, so the compile is as deterministic as libFuzzer
// wants and runs only instrumented-visible work on this thread.
absl::StatusOr<wasm::CodeImage> CompileSerially(const jit::Compiler& compiler,
                                                const wasm::Module& module);

// What calling one export gave: its results, or the trap it ended with.
struct CallOutcome {
  std::string name;
  std::vector<runtime::Value> results;
  std::optional<runtime::TrapCode> trap;
  // The call ran into its epoch deadline: its effects are not comparable.
  bool interrupted() const { return trap == runtime::TrapCode::kInterrupted; }
  friend bool operator==(const CallOutcome&, const CallOutcome&) = default;
};

// What instantiating a module and calling its exports gave.
struct RunOutcome {
  absl::Status instantiate;  // OK, a trap, or a refusal (limits, linking)
  std::optional<runtime::TrapCode> instantiate_trap;
  std::vector<CallOutcome> calls;
};

// Instantiates `module` in a fresh Store with small limits, every import
// satisfied by a stub of its type (functions return zeros, memories,
// tables and globals are fresh and zeroed), then calls every exported
// function with zero arguments (null references), each under an epoch
// deadline. Statuses outside the runtime's contract (kiln/runtime/linker.h,
// store.h), and the traps that mean a Kiln bug (kUnexpectedFault,
// kIllegalInstruction: code made for this host faulted outside memory and
// stack), are ContractBroken.
RunOutcome RunExports(const std::shared_ptr<const runtime::Module>& module);

// Whether two runs of the same code agree: the same instantiation outcome
// and, call by call, the same results or trap; a call that hit its deadline
// in either run (timing, not semantics) ends the comparison, since the
// Store's state after it differs.
bool SameOutcome(const RunOutcome& a, const RunOutcome& b);

// "instantiate: OK; f: i32:1; g: trap integer divide by zero; ..." for
// messages.
std::string DescribeOutcome(const RunOutcome& outcome);

}  // namespace kiln::fuzz

#endif  // KILN_TESTS_FUZZ_FUZZ_HARNESS_H_
