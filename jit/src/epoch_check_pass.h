// epoch_check_pass.h — drops the epoch checks a loop does not need.
//
// The translator puts an epoch check at every function entry and loop
// header so a host can interrupt a runaway guest. Two kinds of loop do not
// need theirs, and the check costs a lot in a hot loop (a load, a compare
// and a branch per iteration; its conditional call also keeps the loop from
// being vectorized):
//   - a loop whose trip count LLVM can bound (an exact count, or an upper
//     bound from one of its exits) ends by itself; the enclosing loop or the
//     next function entry still checks;
//   - a loop that calls nothing runs only generated code, where the runtime
//     interrupts it with a signal once its Store's deadline passes
//     (runtime/src/guest_signals.h). Checks stay where the guest may spend
//     its time outside generated code: in loops that call functions,
//     imports, builtins or libc.
// This pass, run just before the vectorizer (after inlining), removes those
// checks, including the entry checks of functions inlined into such a loop.
#ifndef KILN_JIT_EPOCH_CHECK_PASS_H_
#define KILN_JIT_EPOCH_CHECK_PASS_H_

#include "llvm/IR/PassManager.h"

namespace kiln::jit {

// The metadata kind on every epoch-check branch.
inline constexpr char kEpochCheckMetadata[] = "kiln.epoch_check";

class DropLoopEpochChecks : public llvm::PassInfoMixin<DropLoopEpochChecks> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& function, llvm::FunctionAnalysisManager& analyses);
};

}  // namespace kiln::jit

#endif  // KILN_JIT_EPOCH_CHECK_PASS_H_
