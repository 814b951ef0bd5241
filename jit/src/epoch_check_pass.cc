#include "epoch_check_pass.h"

#include <utility>
#include <vector>

#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/IR/Instructions.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"

namespace kiln::jit {

llvm::PreservedAnalyses DropCountedLoopEpochChecks::run(llvm::Function& function,
                                                        llvm::FunctionAnalysisManager& analyses) {
  const unsigned kind = function.getContext().getMDKindID(kEpochCheckMetadata);
  llvm::LoopInfo& loops = analyses.getResult<llvm::LoopAnalysis>(function);
  llvm::ScalarEvolution& evolution = analyses.getResult<llvm::ScalarEvolutionAnalysis>(function);

  // Find first, then change: LoopInfo and SCEV describe the unchanged IR.
  std::vector<llvm::BranchInst*> checks;
  for (llvm::BasicBlock& block : function) {
    auto* branch = llvm::dyn_cast<llvm::BranchInst>(block.getTerminator());
    if (branch == nullptr || !branch->isConditional() || branch->getMetadata(kind) == nullptr) {
      continue;
    }
    llvm::Loop* loop = loops.getLoopFor(&block);
    if (loop == nullptr) continue;
    // An upper bound on the iterations is enough: a loop that leaves by one
    // exit after at most N iterations, whatever its other exits do, ends.
    // (An insertion sort's `while (j >= 0 && v[j] > x)` has such a bound
    // but no exact count.)
    if (llvm::isa<llvm::SCEVCouldNotCompute>(evolution.getSymbolicMaxBackedgeTakenCount(loop))) {
      continue;
    }
    checks.push_back(branch);
  }
  if (checks.empty()) return llvm::PreservedAnalyses::all();

  for (llvm::BranchInst* branch : checks) {
    // The check branches to %reached, which calls the builtin and falls into
    // %continue, or straight to %continue. Optimizations may have inverted
    // the condition and swapped the two, so tell them apart by shape.
    llvm::BasicBlock* reached = branch->getSuccessor(0);
    llvm::BasicBlock* cont = branch->getSuccessor(1);
    auto falls_into = [](llvm::BasicBlock* from, llvm::BasicBlock* to) {
      return from->getSingleSuccessor() == to && from->getSinglePredecessor() != nullptr;
    };
    if (falls_into(cont, reached)) std::swap(reached, cont);
    if (!falls_into(reached, cont)) continue;
    auto* condition = llvm::dyn_cast<llvm::Instruction>(branch->getCondition());
    reached->removePredecessor(branch->getParent());
    llvm::BranchInst::Create(cont, branch);
    branch->eraseFromParent();
    if (reached->hasNPredecessors(0)) {
      loops.removeBlock(reached);
      llvm::DeleteDeadBlock(reached);
    }
    // The monotonic epoch load counts as a side effect: remove it by hand.
    if (condition != nullptr && condition->use_empty()) {
      std::vector<llvm::Instruction*> operands;
      for (llvm::Value* operand : condition->operands()) {
        if (auto* i = llvm::dyn_cast<llvm::Instruction>(operand)) operands.push_back(i);
      }
      condition->eraseFromParent();
      for (llvm::Instruction* operand : operands) {
        if (operand->use_empty() && llvm::isa<llvm::LoadInst>(operand)) operand->eraseFromParent();
      }
    }
  }
  return llvm::PreservedAnalyses::none();
}

}  // namespace kiln::jit
