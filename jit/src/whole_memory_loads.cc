#include "whole_memory_loads.h"

#include <vector>

#include "llvm/IR/Constants.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Metadata.h"

namespace kiln::jit {
namespace {

// Whether `value` is the memory base or an address computed from it.
bool AddressesMemory(const llvm::Value* value, const llvm::Value* memory_base) {
  for (int depth = 0; depth < 4; ++depth) {
    if (value == memory_base) return true;
    const auto* gep = llvm::dyn_cast<llvm::GetElementPtrInst>(value);
    if (gep == nullptr) return false;
    value = gep->getPointerOperand();
  }
  return false;
}

// Whether `value` is a computation nothing (transitively) uses, which
// LLVM deletes, and then the loads it was the only use of.
bool Dead(const llvm::Value* value, int depth = 0) {
  const bool pure = llvm::isa<llvm::BinaryOperator>(value) || llvm::isa<llvm::CastInst>(value) ||
                    llvm::isa<llvm::CmpInst>(value) || llvm::isa<llvm::SelectInst>(value) ||
                    llvm::isa<llvm::ShuffleVectorInst>(value) ||
                    llvm::isa<llvm::ExtractElementInst>(value) ||
                    llvm::isa<llvm::InsertElementInst>(value);
  if (!pure || depth > 4) return false;
  for (const llvm::User* user : value->users()) {
    if (!Dead(user, depth + 1)) return false;
  }
  return true;
}

// Whether `user` needs only part of `value`, so LLVM may load less: it is
// dead, a truncation, a lane extract or replacement, a shuffle that leaves some
// lanes out, a constant mask, or a cast, a shift by a constant or a lane
// insertion whose own users need only part of it.
bool OnlyPartlyUsed(const llvm::Value* value, int depth = 0);

// Whether nothing reads lane `lane` of `vector`: no user that is itself
// used shuffles or extracts it or carries it on (a cast, an operation on
// whole vectors).
bool LaneUnread(const llvm::Value* vector, int lane, int depth) {
  if (depth > 8) return false;
  const int lanes =
      static_cast<int>(llvm::cast<llvm::FixedVectorType>(vector->getType())->getNumElements());
  auto constant = [](const llvm::Value* index) {
    const auto* c = llvm::dyn_cast<llvm::ConstantInt>(index);
    return c == nullptr ? -1 : static_cast<int>(c->getZExtValue());
  };
  for (const llvm::User* user : vector->users()) {
    if (Dead(user)) continue;
    if (const auto* shuffle = llvm::dyn_cast<llvm::ShuffleVectorInst>(user)) {
      for (const int taken : shuffle->getShuffleMask()) {
        if ((shuffle->getOperand(0) == vector && taken == lane) ||
            (shuffle->getOperand(1) == vector && taken == lanes + lane)) {
          return false;
        }
      }
    } else if (const auto* extract = llvm::dyn_cast<llvm::ExtractElementInst>(user)) {
      const int taken = constant(extract->getIndexOperand());
      if (taken < 0 || taken == lane) return false;
    } else if (const auto* insert = llvm::dyn_cast<llvm::InsertElementInst>(user)) {
      const int written = constant(insert->getOperand(2));
      if (insert->getOperand(0) != vector || written < 0) return false;
      if (written != lane && !LaneUnread(insert, lane, depth + 1)) return false;
    } else {
      return false;
    }
  }
  return true;
}

bool NeedsPart(const llvm::User* user, const llvm::Value* value, int depth) {
  if (Dead(user)) return true;
  if (llvm::isa<llvm::TruncInst>(user) || llvm::isa<llvm::ExtractElementInst>(user)) return true;
  if (const auto* shuffle = llvm::dyn_cast<llvm::ShuffleVectorInst>(user)) {
    const auto* type = llvm::cast<llvm::FixedVectorType>(value->getType());
    const int lanes = static_cast<int>(type->getNumElements());
    // Lanes of the first operand are numbered 0..n-1, of the second n..2n-1;
    // `value` may be either operand, or both.
    std::vector<bool> used(lanes, false);
    for (const int lane : shuffle->getShuffleMask()) {
      if (lane < 0) continue;  // poison
      const llvm::Value* from = shuffle->getOperand(lane < lanes ? 0 : 1);
      if (from == value) used[lane % lanes] = true;
    }
    for (const bool u : used) {
      if (!u) return true;
    }
    return false;
  }
  // A vector whose lane is replaced is used in part; a scalar put into a
  // lane (a lane load, a splat) is unused when nothing reads that lane.
  if (const auto* insert = llvm::dyn_cast<llvm::InsertElementInst>(user)) {
    if (insert->getOperand(0) == value) return true;
    const auto* index = llvm::dyn_cast<llvm::ConstantInt>(insert->getOperand(2));
    return index != nullptr && LaneUnread(insert, static_cast<int>(index->getZExtValue()), depth);
  }
  if (const auto* binary = llvm::dyn_cast<llvm::BinaryOperator>(user)) {
    switch (binary->getOpcode()) {
      // A constant mask keeps the low bytes, which LLVM then loads alone.
      case llvm::Instruction::And:
        return llvm::isa<llvm::Constant>(binary->getOperand(0)) ||
               llvm::isa<llvm::Constant>(binary->getOperand(1));
      // A shift by a constant moves the value on whole; it is partly used
      // when what uses the shifted value is (trunc (lshr (load) 8)).
      case llvm::Instruction::Shl:
      case llvm::Instruction::LShr:
      case llvm::Instruction::AShr:
        return binary->getOperand(0) == value &&
               llvm::isa<llvm::Constant>(binary->getOperand(1)) &&
               OnlyPartlyUsed(binary, depth + 1);
      default: return false;
    }
  }
  // A bit cast or an extension passes the value on whole: look at what
  // uses it (an extended load whose lane is extracted is narrowed too).
  if (llvm::isa<llvm::CastInst>(user)) return OnlyPartlyUsed(user, depth + 1);
  return false;
}

bool OnlyPartlyUsed(const llvm::Value* value, int depth) {
  if (depth > 4) return false;
  for (const llvm::User* user : value->users()) {
    if (!NeedsPart(user, value, depth)) return false;
  }
  return true;  // also when nothing uses it
}

}  // namespace

void TagMemoryLoads(llvm::Function& function, llvm::Value* memory_base) {
  if (memory_base == nullptr) return;
  llvm::LLVMContext& context = function.getContext();
  const unsigned kind = context.getMDKindID(kMemoryLoadMetadata);
  llvm::MDNode* tag = llvm::MDNode::get(context, {});
  for (llvm::BasicBlock& block : function) {
    for (llvm::Instruction& instruction : block) {
      auto* load = llvm::dyn_cast<llvm::LoadInst>(&instruction);
      if (load != nullptr && AddressesMemory(load->getPointerOperand(), memory_base)) {
        load->setMetadata(kind, tag);
      }
    }
  }
}

int KeepMemoryLoadsWholeIn(llvm::Function& function) {
  const unsigned kind = function.getContext().getMDKindID(kMemoryLoadMetadata);
  int changed = 0;
  for (llvm::BasicBlock& block : function) {
    for (llvm::Instruction& instruction : block) {
      auto* load = llvm::dyn_cast<llvm::LoadInst>(&instruction);
      if (load == nullptr || load->isVolatile() || load->getMetadata(kind) == nullptr) continue;
      if (!OnlyPartlyUsed(load)) continue;
      load->setVolatile(true);
      ++changed;
    }
  }
  return changed;
}

llvm::PreservedAnalyses KeepMemoryLoadsWhole::run(llvm::Function& function,
                                                  llvm::FunctionAnalysisManager&) {
  if (KeepMemoryLoadsWholeIn(function) == 0) return llvm::PreservedAnalyses::all();
  llvm::PreservedAnalyses preserved;
  preserved.preserveSet<llvm::CFGAnalyses>();
  return preserved;
}

}  // namespace kiln::jit
