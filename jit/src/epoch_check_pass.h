// epoch_check_pass.h — drops the epoch check from loops that must end.
//
// The translator puts an epoch check in every loop header so a host can
// interrupt an endless loop. In a loop whose trip count LLVM can bound
// (an exact count, or an upper bound from one of its exits), the check is
// not needed for that (the loop ends by itself; the enclosing
// loop or the next function entry still checks) and it costs a lot: its
// conditional call keeps the loop from being vectorized. This pass, run
// just before the vectorizer, removes the check from such loops.
#ifndef KILN_JIT_EPOCH_CHECK_PASS_H_
#define KILN_JIT_EPOCH_CHECK_PASS_H_

#include "llvm/IR/PassManager.h"

namespace kiln::jit {

// The metadata kind on a loop's epoch-check branch.
inline constexpr char kEpochCheckMetadata[] = "kiln.epoch_check";

class DropCountedLoopEpochChecks : public llvm::PassInfoMixin<DropCountedLoopEpochChecks> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& function, llvm::FunctionAnalysisManager& analyses);
};

}  // namespace kiln::jit

#endif  // KILN_JIT_EPOCH_CHECK_PASS_H_
