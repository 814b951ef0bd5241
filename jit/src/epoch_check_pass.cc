#include "epoch_check_pass.h"

#include <optional>
#include <utility>
#include <vector>

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"

namespace kiln::jit {
namespace {

struct EpochCheck {
  llvm::BranchInst* branch;
  llvm::BasicBlock* reached;  // calls the builtin, then falls into `cont`
  llvm::BasicBlock* cont;
};

// The check branches to %reached, which calls the builtin and falls into
// %continue, or straight to %continue. Optimizations may have inverted the
// condition and swapped the two, so tell them apart by shape.
std::optional<EpochCheck> AsEpochCheck(llvm::BasicBlock& block, unsigned kind) {
  auto* branch = llvm::dyn_cast<llvm::BranchInst>(block.getTerminator());
  if (branch == nullptr || !branch->isConditional() || branch->getMetadata(kind) == nullptr) {
    return std::nullopt;
  }
  llvm::BasicBlock* reached = branch->getSuccessor(0);
  llvm::BasicBlock* cont = branch->getSuccessor(1);
  auto falls_into = [](llvm::BasicBlock* from, llvm::BasicBlock* to) {
    return from->getSingleSuccessor() == to && from->getSinglePredecessor() != nullptr;
  };
  if (falls_into(cont, reached)) std::swap(reached, cont);
  if (!falls_into(reached, cont)) return std::nullopt;
  return EpochCheck{branch, reached, cont};
}

// Whether the loop may spend its time outside generated code, where the
// interrupt signal cannot stop it: a call to a function, an import, a
// builtin, or a memory intrinsic (which may become a libc call). Other
// intrinsics are instructions. The checks' own slow paths do not count.
bool CallsOut(const llvm::Loop& loop, const llvm::SmallPtrSetImpl<llvm::BasicBlock*>& slow_paths) {
  for (llvm::BasicBlock* block : loop.blocks()) {
    if (slow_paths.contains(block)) continue;
    for (llvm::Instruction& instruction : *block) {
      auto* call = llvm::dyn_cast<llvm::CallBase>(&instruction);
      if (call == nullptr) continue;
      if (llvm::isa<llvm::IntrinsicInst>(call) && !llvm::isa<llvm::MemIntrinsic>(call)) continue;
      return true;
    }
  }
  return false;
}

void Remove(const EpochCheck& check, llvm::LoopInfo& loops) {
  auto* condition = llvm::dyn_cast<llvm::Instruction>(check.branch->getCondition());
  check.reached->removePredecessor(check.branch->getParent());
  llvm::BranchInst::Create(check.cont, check.branch);
  check.branch->eraseFromParent();
  if (check.reached->hasNPredecessors(0)) {
    loops.removeBlock(check.reached);
    llvm::DeleteDeadBlock(check.reached);
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

}  // namespace

llvm::PreservedAnalyses DropLoopEpochChecks::run(llvm::Function& function,
                                                 llvm::FunctionAnalysisManager& analyses) {
  const unsigned kind = function.getContext().getMDKindID(kEpochCheckMetadata);
  llvm::LoopInfo& loops = analyses.getResult<llvm::LoopAnalysis>(function);
  llvm::ScalarEvolution& evolution = analyses.getResult<llvm::ScalarEvolutionAnalysis>(function);

  std::vector<EpochCheck> in_loops;
  llvm::SmallPtrSet<llvm::BasicBlock*, 16> slow_paths;
  for (llvm::BasicBlock& block : function) {
    std::optional<EpochCheck> check = AsEpochCheck(block, kind);
    if (!check.has_value()) continue;
    slow_paths.insert(check->reached);
    if (loops.getLoopFor(&block) != nullptr) in_loops.push_back(*check);
  }

  // Decide first, then change: LoopInfo and SCEV describe the unchanged IR.
  std::vector<EpochCheck> needless;
  for (const EpochCheck& check : in_loops) {
    llvm::Loop& loop = *loops.getLoopFor(check.branch->getParent());
    // An upper bound on the iterations is enough: a loop that leaves by one
    // exit after at most N iterations, whatever its other exits do, ends.
    // (An insertion sort's `while (j >= 0 && v[j] > x)` has such a bound
    // but no exact count.)
    const bool ends = !llvm::isa<llvm::SCEVCouldNotCompute>(
        evolution.getSymbolicMaxBackedgeTakenCount(&loop));
    if (ends || !CallsOut(loop, slow_paths)) needless.push_back(check);
  }
  if (needless.empty()) return llvm::PreservedAnalyses::all();
  for (const EpochCheck& check : needless) Remove(check, loops);
  return llvm::PreservedAnalyses::none();
}

}  // namespace kiln::jit
