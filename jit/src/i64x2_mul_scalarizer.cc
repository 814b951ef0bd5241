#include "i64x2_mul_scalarizer.h"

#include <array>
#include <map>
#include <set>
#include <vector>

#include "llvm/ADT/PostOrderIterator.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"

namespace kiln::jit {
namespace {

using Lanes = std::array<llvm::Value*, 2>;

// Each multiply moved to scalar registers saves about this many vector
// instructions over splitting or rebuilding one vector at the web's edge
// (two lane moves): the emulated multiply is seven, two imuls replace it.
constexpr int kEdgeCostPerMultiply = 2;

bool IsI64x2(llvm::Type* type) {
  auto* vector = llvm::dyn_cast<llvm::FixedVectorType>(type);
  return vector != nullptr && vector->getNumElements() == 2 &&
         vector->getElementType()->isIntegerTy(64);
}

bool IsMultiply(const llvm::Value* value) {
  const auto* op = llvm::dyn_cast<llvm::BinaryOperator>(value);
  return op != nullptr && op->getOpcode() == llvm::Instruction::Mul && IsI64x2(op->getType());
}

// Lane-wise <2 x i64> operations that have a scalar form per lane.
bool CanJoinWeb(const llvm::Value* value) {
  const auto* inst = llvm::dyn_cast<llvm::Instruction>(value);
  if (inst == nullptr || !IsI64x2(inst->getType())) return false;
  if (const auto* op = llvm::dyn_cast<llvm::BinaryOperator>(inst)) {
    switch (op->getOpcode()) {
      case llvm::Instruction::Add:
      case llvm::Instruction::Sub:
      case llvm::Instruction::Mul:
      case llvm::Instruction::And:
      case llvm::Instruction::Or:
      case llvm::Instruction::Xor:
      case llvm::Instruction::Shl:
      case llvm::Instruction::LShr:
      case llvm::Instruction::AShr:
        return true;
      default:
        return false;
    }
  }
  if (llvm::isa<llvm::PHINode>(inst)) return true;
  // Splitting a load is safe (it has no effect to tear), unlike a store.
  if (const auto* load = llvm::dyn_cast<llvm::LoadInst>(inst)) return load->isSimple();
  if (const auto* call = llvm::dyn_cast<llvm::IntrinsicInst>(inst)) {
    return call->getIntrinsicID() == llvm::Intrinsic::fshl ||
           call->getIntrinsicID() == llvm::Intrinsic::fshr;
  }
  return false;
}

// Lane `lane` of a vector that is not in the web, when it can be had
// without an instruction: a constant's element, or the scalar an
// insertelement or splat put there.
llvm::Value* FreeLane(llvm::Value* vector, unsigned lane) {
  while (true) {
    if (auto* constant = llvm::dyn_cast<llvm::Constant>(vector)) {
      return constant->getAggregateElement(lane);
    }
    if (auto* insert = llvm::dyn_cast<llvm::InsertElementInst>(vector)) {
      auto* index = llvm::dyn_cast<llvm::ConstantInt>(insert->getOperand(2));
      if (index == nullptr) return nullptr;
      if (index->getZExtValue() == lane) return insert->getOperand(1);
      vector = insert->getOperand(0);
      continue;
    }
    if (auto* shuffle = llvm::dyn_cast<llvm::ShuffleVectorInst>(vector)) {
      if (!IsI64x2(shuffle->getOperand(0)->getType())) return nullptr;
      const int pick = shuffle->getMaskValue(lane);
      if (pick < 0) return llvm::PoisonValue::get(shuffle->getType()->getScalarType());
      vector = shuffle->getOperand(pick < 2 ? 0 : 1);
      lane = static_cast<unsigned>(pick % 2);
      continue;
    }
    return nullptr;
  }
}

bool IsLaneExtract(const llvm::User* user) {
  const auto* extract = llvm::dyn_cast<llvm::ExtractElementInst>(user);
  return extract != nullptr && llvm::isa<llvm::ConstantInt>(extract->getIndexOperand());
}

// Where code right after `value`'s definition goes.
llvm::BasicBlock::iterator AfterDefinition(llvm::Value* value, llvm::Function& function) {
  if (auto* inst = llvm::dyn_cast<llvm::Instruction>(value)) {
    if (llvm::isa<llvm::PHINode>(inst)) return inst->getParent()->getFirstInsertionPt();
    return std::next(inst->getIterator());
  }
  return function.getEntryBlock().getFirstInsertionPt();
}

class Web {
 public:
  // The web of lane-wise operations connected to `multiply`.
  Web(llvm::Instruction* multiply, llvm::Function& function,
      std::set<llvm::Instruction*>& claimed) {
    std::vector<llvm::Instruction*> work{multiply};
    claimed.insert(multiply);
    while (!work.empty()) {
      llvm::Instruction* inst = work.back();
      work.pop_back();
      members_.insert(inst);
      auto visit = [&](llvm::Value* next) {
        if (!CanJoinWeb(next)) return;
        auto* next_inst = llvm::cast<llvm::Instruction>(next);
        if (claimed.insert(next_inst).second) work.push_back(next_inst);
      };
      for (llvm::Value* operand : inst->operands()) visit(operand);
      for (llvm::User* user : inst->users()) visit(user);
    }
    // Rewritten in program order, so the output never depends on where the
    // allocator put the instructions.
    for (llvm::BasicBlock& block : function) {
      for (llvm::Instruction& inst : block) {
        if (members_.contains(&inst)) ordered_.push_back(&inst);
      }
    }
  }

  // Whether rewriting pays (see kEdgeCostPerMultiply). A web with a member
  // in a block the entry cannot reach is left alone: the rewrite visits
  // blocks from the entry, so it would never give such a member its lanes.
  bool Worthwhile(const std::set<const llvm::BasicBlock*>& reachable) const {
    for (llvm::Instruction* inst : ordered_) {
      if (!reachable.contains(inst->getParent())) return false;
    }
    int multiplies = 0;
    int edge_cost = 0;
    std::set<llvm::Value*> split;
    for (llvm::Instruction* inst : ordered_) {
      if (IsMultiply(inst)) ++multiplies;
      for (llvm::Value* operand : VectorOperands(inst)) {
        if (members_.contains(operand) || split.contains(operand)) continue;
        if (FreeLane(operand, 0) != nullptr && FreeLane(operand, 1) != nullptr) continue;
        split.insert(operand);
        edge_cost += 2;
      }
      if (NeedsRebuild(inst)) edge_cost += 2;
    }
    return edge_cost <= multiplies * kEdgeCostPerMultiply;
  }

  void Scalarize(llvm::Function& function) {
    llvm::Type* i64 = llvm::Type::getInt64Ty(function.getContext());
    // Phis first, so loop-carried lanes exist before their uses.
    for (llvm::Instruction* inst : ordered_) {
      if (auto* phi = llvm::dyn_cast<llvm::PHINode>(inst)) {
        for (unsigned lane = 0; lane < 2; ++lane) {
          lanes_[phi][lane] = llvm::PHINode::Create(i64, phi->getNumIncomingValues(),
                                                    phi->getName(), phi->getIterator());
        }
      }
    }
    // Then the rest in an order where definitions come before uses.
    llvm::ReversePostOrderTraversal<llvm::Function*> order(&function);
    for (llvm::BasicBlock* block : order) {
      for (llvm::Instruction& inst : *block) {
        if (members_.contains(&inst) && !llvm::isa<llvm::PHINode>(inst)) Split(inst, function);
      }
    }
    for (llvm::Instruction* inst : ordered_) {
      auto* phi = llvm::dyn_cast<llvm::PHINode>(inst);
      if (phi == nullptr) continue;
      for (unsigned lane = 0; lane < 2; ++lane) {
        auto* scalar = llvm::cast<llvm::PHINode>(lanes_[phi][lane]);
        for (unsigned i = 0; i < phi->getNumIncomingValues(); ++i) {
          scalar->addIncoming(Lane(phi->getIncomingValue(i), lane, function),
                              phi->getIncomingBlock(i));
        }
      }
    }
    // Users outside the web get their lane, or the vector rebuilt.
    for (llvm::Instruction* inst : ordered_) {
      const Lanes& lanes = lanes_[inst];
      for (llvm::User* user : llvm::make_early_inc_range(inst->users())) {
        if (!IsLaneExtract(user)) continue;
        auto* extract = llvm::cast<llvm::ExtractElementInst>(user);
        const uint64_t lane =
            llvm::cast<llvm::ConstantInt>(extract->getIndexOperand())->getZExtValue();
        extract->replaceAllUsesWith(lane < 2 ? lanes[lane]
                                             : llvm::PoisonValue::get(extract->getType()));
        extract->eraseFromParent();
      }
      if (!NeedsRebuild(inst)) continue;
      llvm::IRBuilder<> builder(inst->getParent(), AfterDefinition(inst, function));
      llvm::Value* vector = llvm::PoisonValue::get(inst->getType());
      for (unsigned lane = 0; lane < 2; ++lane) {
        vector = builder.CreateInsertElement(vector, lanes[lane], lane);
      }
      inst->replaceUsesWithIf(vector, [&](llvm::Use& use) {
        auto* user = llvm::dyn_cast<llvm::Instruction>(use.getUser());
        return user != nullptr && !members_.contains(user) && user != vector;
      });
    }
    for (llvm::Instruction* inst : ordered_) {
      inst->replaceAllUsesWith(llvm::PoisonValue::get(inst->getType()));
    }
    for (llvm::Instruction* inst : ordered_) inst->eraseFromParent();
  }

 private:
  static std::vector<llvm::Value*> VectorOperands(llvm::Instruction* inst) {
    std::vector<llvm::Value*> operands;
    if (llvm::isa<llvm::LoadInst>(inst)) return operands;
    const unsigned count = llvm::isa<llvm::CallBase>(inst)
                               ? llvm::cast<llvm::CallBase>(inst)->arg_size()
                               : inst->getNumOperands();
    for (unsigned i = 0; i < count; ++i) operands.push_back(inst->getOperand(i));
    return operands;
  }

  // Whether a user outside the web needs `inst` as a whole vector.
  bool NeedsRebuild(llvm::Instruction* inst) const {
    for (llvm::User* user : inst->users()) {
      auto* user_inst = llvm::dyn_cast<llvm::Instruction>(user);
      if (user_inst != nullptr && members_.contains(user_inst)) continue;
      if (!IsLaneExtract(user)) return true;
    }
    return false;
  }

  // Lane `lane` of `value`: the web's own scalar, a free lane, or an
  // extract placed right after the value is defined.
  llvm::Value* Lane(llvm::Value* value, unsigned lane, llvm::Function& function) {
    if (auto* inst = llvm::dyn_cast<llvm::Instruction>(value); inst && members_.contains(inst)) {
      return lanes_.at(inst)[lane];
    }
    if (llvm::Value* free = FreeLane(value, lane)) return free;
    Lanes& extracted = extracted_[value];
    if (extracted[lane] == nullptr) {
      const llvm::BasicBlock::iterator at = AfterDefinition(value, function);
      llvm::IRBuilder<> builder(at->getParent(), at);
      extracted[lane] = builder.CreateExtractElement(value, lane);
    }
    return extracted[lane];
  }

  void Split(llvm::Instruction& inst, llvm::Function& function) {
    llvm::IRBuilder<> builder(&inst);
    Lanes& lanes = lanes_[&inst];
    for (unsigned lane = 0; lane < 2; ++lane) {
      llvm::Value* scalar = nullptr;
      if (auto* op = llvm::dyn_cast<llvm::BinaryOperator>(&inst)) {
        scalar = builder.CreateBinOp(op->getOpcode(), Lane(op->getOperand(0), lane, function),
                                     Lane(op->getOperand(1), lane, function), op->getName());
        if (auto* scalar_inst = llvm::dyn_cast<llvm::Instruction>(scalar)) {
          scalar_inst->copyIRFlags(op);
        }
      } else if (auto* load = llvm::dyn_cast<llvm::LoadInst>(&inst)) {
        llvm::Value* address =
            lane == 0 ? load->getPointerOperand()
                      : builder.CreateConstGEP1_64(builder.getInt8Ty(), load->getPointerOperand(), 8);
        scalar = builder.CreateAlignedLoad(builder.getInt64Ty(), address,
                                           llvm::commonAlignment(load->getAlign(), lane * 8),
                                           load->getName());
      } else {
        auto* call = llvm::cast<llvm::IntrinsicInst>(&inst);
        scalar = builder.CreateIntrinsic(
            call->getIntrinsicID(), {builder.getInt64Ty()},
            {Lane(call->getArgOperand(0), lane, function), Lane(call->getArgOperand(1), lane, function),
             Lane(call->getArgOperand(2), lane, function)});
      }
      lanes[lane] = scalar;
    }
  }

  std::set<const llvm::Value*> members_;  // for lookups only
  std::vector<llvm::Instruction*> ordered_;
  std::map<llvm::Value*, Lanes> lanes_;
  std::map<llvm::Value*, Lanes> extracted_;
};

}  // namespace

int ScalarizeI64x2MulWebsIn(llvm::Function& function) {
  std::vector<llvm::Instruction*> multiplies;
  for (llvm::BasicBlock& block : function) {
    for (llvm::Instruction& inst : block) {
      if (IsMultiply(&inst)) multiplies.push_back(&inst);
    }
  }
  if (multiplies.empty()) return 0;
  std::set<const llvm::BasicBlock*> reachable;
  for (llvm::BasicBlock* block : llvm::ReversePostOrderTraversal<llvm::Function*>(&function)) {
    reachable.insert(block);
  }
  std::set<llvm::Instruction*> claimed;
  std::vector<Web> webs;
  for (llvm::Instruction* multiply : multiplies) {
    if (!claimed.contains(multiply)) webs.emplace_back(multiply, function, claimed);
  }
  int rewritten = 0;
  for (Web& web : webs) {
    if (!web.Worthwhile(reachable)) continue;
    web.Scalarize(function);
    ++rewritten;
  }
  return rewritten;
}

llvm::PreservedAnalyses ScalarizeI64x2MulWebs::run(llvm::Function& function,
                                                  llvm::FunctionAnalysisManager& /*analyses*/) {
  if (ScalarizeI64x2MulWebsIn(function) == 0) return llvm::PreservedAnalyses::all();
  llvm::PreservedAnalyses preserved;
  preserved.preserveSet<llvm::CFGAnalyses>();
  return preserved;
}

}  // namespace kiln::jit
