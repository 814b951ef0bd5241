// kiln/jit/compiler_options.h — what a Compiler is asked to make.
//
// Apart from compiler.h so that programs which only read or pass these
// options on (command lines, the fast path of `kiln run`, the wire) link no
// LLVM: this header and its library (kiln_jit_options) need only abseil.
#ifndef KILN_JIT_COMPILER_OPTIONS_H_
#define KILN_JIT_COMPILER_OPTIONS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace kiln::jit {

enum class OptLevel : uint8_t { kO0, kO1, kO2 };

// "O0", "O1", "O2" (also "0".."2"); INVALID_ARGUMENT otherwise.
absl::StatusOr<OptLevel> ParseOptLevel(std::string_view text);

// "O0", "O1" or "O2".
std::string_view OptLevelName(OptLevel level);

struct CompilerOptions {
  OptLevel opt_level = OptLevel::kO2;
  // The CPU to generate code for: empty for this host's CPU and all its
  // features, or an LLVM CPU name such as "x86-64-v2" so the code runs on
  // every machine of a fleet that has at least that.
  std::string cpu;
  // Check the Store's epoch deadline at function entry and loop back-edges
  // so a host can interrupt a runaway guest. Loops that end by themselves
  // or call nothing lose theirs: the runtime stops the latter with a
  // signal.
  bool epoch_interruption = true;
  // Defined functions per compile task; 0 cuts by content, about 64 KiB of
  // bodies a task (batch_cache.h).
  uint32_t functions_per_batch = 0;
};

}  // namespace kiln::jit

#endif  // KILN_JIT_COMPILER_OPTIONS_H_
