#include "function_translator.h"

#include <array>
#include <cstddef>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kiln/wasm/instruction.h"
#include "kiln/wasm/leb128.h"
#include "kiln/wasm/opcode.h"
#include "kiln/wasm/vm_abi.h"
#include "llvm/IR/BasicBlock.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/MDBuilder.h"
#include "epoch_check_pass.h"
#include "numeric_ops.h"
#include "simd_ops.h"
#include "wasm_debug_info.h"
#include "whole_memory_loads.h"

namespace kiln::jit {
namespace {

using wasm::Opcode;
using wasm::ValType;

// Reads a u32 LEB128 from a body the validator has already checked, so it
// cannot fail.
uint32_t ReadVarU32(std::span<const uint8_t> bytes, size_t* pos) {
  uint64_t value = 0;
  wasm::ReadVarUnsigned<32>(bytes.data(), *pos, bytes.size(), &value);
  return static_cast<uint32_t>(value);
}

struct ControlFrame {
  enum class Kind { kFunction, kBlock, kLoop, kIf, kElse };
  Kind kind = Kind::kBlock;
  std::vector<ValType> params;
  std::vector<ValType> results;
  size_t stack_height = 0;                  // operand stack below the params
  llvm::BasicBlock* merge = nullptr;        // where `end` continues
  std::vector<llvm::PHINode*> merge_phis;   // the results, at `merge`
  llvm::BasicBlock* header = nullptr;       // loops: the branch target
  std::vector<llvm::PHINode*> header_phis;  // loops: the params, at `header`
  llvm::BasicBlock* else_block = nullptr;   // if: the false edge, until `else`
  std::vector<llvm::Value*> if_params;      // if: the params, for the else arm
};

class Translator final : public TrapEmitter {
 public:
  Translator(ModuleEnv& env, uint32_t function_index)
      : env_(env),
        module_(env.wasm()),
        builder_(env.context()),
        function_index_(function_index),
        type_(module_.function_type(function_index)),
        function_(env.DefinedFunction(function_index)),
        simd_target_(SimdTarget::For(env.llvm_module())) {}

  absl::Status Translate();

  void TrapIf(llvm::Value* condition, vm::TrapCode code) override;

 private:
  // Calls the trap builtin and ends the block.
  void EmitTrapCall(vm::TrapCode code, llvm::Value* site);
  // Makes the instructions built from now on come from the instruction at
  // `body_offset` of the function's body, in the debug info and in trap
  // sites (as a body line, vm_abi.h: code holds no module offsets).
  void SetBodyOffset(size_t body_offset) {
    body_line_ = static_cast<uint32_t>(body_offset + 1);
    builder_.SetCurrentDebugLocation(WasmDebugInfo::At(subprogram_, body_line_));
  }
  // Entry, locals and the per-function loads of the vmctx.
  void EmitPrologue(std::span<const ValType> local_types);
  void EmitStackCheck();
  // Marked with kEpochCheckMetadata so DropLoopEpochChecks may remove it
  // from a loop (a loop header's, or an entry check inlined into a loop).
  void EmitEpochCheck();

  // The instruction dispatch, and its counterpart for unreachable code,
  // which only tracks nesting.
  absl::Status TranslateInstruction(const wasm::Instruction& in);
  absl::Status TranslateSkipped(const wasm::Instruction& in);

  // Control.
  void BlockSignature(const wasm::BlockType& block, std::vector<ValType>* params,
                      std::vector<ValType>* results) const;
  ControlFrame& PushFrame(ControlFrame::Kind kind, const wasm::BlockType& block);
  void MakeMergePhis(ControlFrame& frame);
  // Feeds the top values of the stack to `phis` on the edge from `from`.
  void AddIncoming(std::vector<llvm::PHINode*>& phis, llvm::BasicBlock* from);
  // A branch to `frame`'s label: a loop's header, any other frame's end.
  static std::vector<llvm::PHINode*>& LabelPhis(ControlFrame& frame) {
    return frame.kind == ControlFrame::Kind::kLoop ? frame.header_phis : frame.merge_phis;
  }
  static llvm::BasicBlock* LabelBlock(const ControlFrame& frame) {
    return frame.kind == ControlFrame::Kind::kLoop ? frame.header : frame.merge;
  }
  void BranchTo(uint32_t depth);
  void EndFrame();
  void Else();
  void EnterUnreachable();
  void EmitReturnBlock(ControlFrame& frame);

  // Calls.
  void EmitCall(uint32_t function_index);
  void EmitCallIndirect(uint32_t type_index, uint32_t table_index);
  void PushResults(llvm::Value* call, const wasm::FuncType& type);

  // Memory, tables, globals.
  llvm::Value* EffectiveAddress(uint64_t offset);
  void EmitLoad(const wasm::Instruction& in);
  void EmitStore(const wasm::Instruction& in);
  void EmitSimdMemoryOp(const wasm::Instruction& in);
  // memory.copy (is_copy) or memory.fill: short lengths in line, long
  // ones through the builtin.
  void EmitBulkMemoryOp(bool is_copy);
  // The memory's current size in bytes (i64), read anew: memory.grow moves it.
  llvm::Value* MemorySizeBytes();
  llvm::Value* GlobalCell(uint32_t global_index);
  llvm::Value* TablePointer(uint32_t table_index);
  llvm::Value* FuncRefPointer(uint32_t function_index);
  llvm::Value* CallBuiltin(size_t field_offset, llvm::Type* result,
                           std::initializer_list<llvm::Value*> args);

  // Helpers.
  llvm::Value* LoadField(llvm::Type* type, llvm::Value* base, uint64_t offset, bool invariant);
  llvm::Value* I32(uint32_t v) { return builder_.getInt32(v); }
  llvm::Value* I64(uint64_t v) { return builder_.getInt64(v); }
  llvm::Value* Pop() {
    llvm::Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  std::vector<llvm::Value*> PopN(size_t n) {
    std::vector<llvm::Value*> values(stack_.end() - n, stack_.end());
    stack_.resize(stack_.size() - n);
    return values;
  }
  void Push(llvm::Value* v) { stack_.push_back(v); }
  llvm::BasicBlock* NewBlock(const char* name) {
    return llvm::BasicBlock::Create(env_.context(), name, function_);
  }

  ModuleEnv& env_;
  const wasm::Module& module_;
  llvm::IRBuilder<> builder_;
  uint32_t function_index_;
  const wasm::FuncType& type_;
  llvm::Function* function_;
  SimdTarget simd_target_;

  llvm::Value* vmctx_ = nullptr;
  llvm::Value* memory_base_ = nullptr;
  llvm::Value* builtins_ = nullptr;
  llvm::Value* store_ = nullptr;
  llvm::Value* funcs_ = nullptr;
  llvm::Value* globals_ = nullptr;
  llvm::Value* tables_ = nullptr;
  llvm::Value* type_ids_ = nullptr;

  std::vector<llvm::AllocaInst*> locals_;
  std::vector<llvm::Type*> local_llvm_types_;
  std::vector<llvm::Value*> stack_;
  std::vector<ControlFrame> frames_;
  bool unreachable_ = false;
  uint32_t skipped_depth_ = 0;  // blocks opened inside unreachable code
  // One trap block per trap kind and function; the phi says which site
  // branched there (vm::MakeTrapSite), so traps stay exact at no cost on
  // the path that does not trap.
  struct TrapBlock {
    llvm::BasicBlock* block = nullptr;
    llvm::PHINode* site = nullptr;
  };
  std::array<TrapBlock, 16> trap_blocks_{};
  llvm::DISubprogram* subprogram_ = nullptr;
  uint32_t body_line_ = 0;  // of the instruction being translated (vm_abi.h)
};

llvm::Value* Translator::LoadField(llvm::Type* type, llvm::Value* base, uint64_t offset,
                                   bool invariant) {
  llvm::Value* address = builder_.CreateConstInBoundsGEP1_64(env_.i8_type(), base, offset);
  llvm::LoadInst* load = builder_.CreateLoad(type, address);
  if (invariant) {
    // Set once when the instance is created, never written again.
    load->setMetadata(llvm::LLVMContext::MD_invariant_load,
                      llvm::MDNode::get(env_.context(), {}));
  }
  return load;
}

void Translator::TrapIf(llvm::Value* condition, vm::TrapCode code) {
  TrapBlock& trap = trap_blocks_[static_cast<size_t>(code)];
  if (trap.block == nullptr) {
    trap.block = NewBlock("trap");
    llvm::IRBuilderBase::InsertPointGuard guard(builder_);
    builder_.SetInsertPoint(trap.block);
    trap.site = builder_.CreatePHI(env_.i64_type(), 2, "trap_site");
    EmitTrapCall(code, trap.site);
  }
  llvm::BasicBlock* cont = NewBlock("ok");
  llvm::MDBuilder md(env_.context());
  trap.site->addIncoming(I64(vm::MakeTrapSite(function_index_, body_line_)),
                         builder_.GetInsertBlock());
  builder_.CreateCondBr(condition, trap.block, cont, md.createBranchWeights(1, 1 << 20));
  builder_.SetInsertPoint(cont);
}

void Translator::EmitTrapCall(vm::TrapCode code, llvm::Value* site) {
  llvm::Value* fn = LoadField(env_.ptr_type(), builtins_, offsetof(vm::VMBuiltins, trap), true);
  auto* type = llvm::FunctionType::get(
      builder_.getVoidTy(), {env_.ptr_type(), env_.i32_type(), env_.i64_type()}, false);
  llvm::CallInst* call =
      builder_.CreateCall(type, fn, {vmctx_, I32(static_cast<uint32_t>(code)), site});
  call->setDoesNotReturn();
  builder_.CreateUnreachable();
}

llvm::Value* Translator::CallBuiltin(size_t field_offset, llvm::Type* result,
                                     std::initializer_list<llvm::Value*> args) {
  std::vector<llvm::Value*> call_args{vmctx_};
  std::vector<llvm::Type*> param_types{env_.ptr_type()};
  for (llvm::Value* arg : args) {
    call_args.push_back(arg);
    param_types.push_back(arg->getType());
  }
  llvm::Value* fn = LoadField(env_.ptr_type(), builtins_, field_offset, true);
  return builder_.CreateCall(llvm::FunctionType::get(result, param_types, false), fn, call_args);
}

void Translator::EmitPrologue(std::span<const ValType> local_types) {
  llvm::BasicBlock* entry = NewBlock("entry");
  builder_.SetInsertPoint(entry);
  vmctx_ = function_->getArg(0);
  llvm::Type* ptr = env_.ptr_type();
  builtins_ = LoadField(ptr, vmctx_, vm::kVmctxBuiltins, true);
  store_ = LoadField(ptr, vmctx_, vm::kVmctxStore, true);
  if (!module_.memories.empty()) memory_base_ = LoadField(ptr, vmctx_, vm::kVmctxMemoryBase, true);
  funcs_ = LoadField(ptr, vmctx_, vm::kVmctxFuncs, true);
  globals_ = LoadField(ptr, vmctx_, vm::kVmctxGlobals, true);
  tables_ = LoadField(ptr, vmctx_, vm::kVmctxTables, true);
  type_ids_ = LoadField(ptr, vmctx_, vm::kVmctxTypeIds, true);

  for (size_t i = 0; i < local_types.size(); ++i) {
    llvm::Type* type = env_.ValueType(local_types[i]);
    llvm::AllocaInst* slot = builder_.CreateAlloca(type);
    locals_.push_back(slot);
    local_llvm_types_.push_back(type);
    if (i < type_.params.size()) {
      builder_.CreateStore(function_->getArg(static_cast<unsigned>(i + 1)), slot);
    } else {
      builder_.CreateStore(llvm::Constant::getNullValue(type), slot);
    }
  }
  EmitStackCheck();
  EmitEpochCheck();
}

void Translator::EmitStackCheck() {
  llvm::Value* sp = builder_.CreatePtrToInt(builder_.CreateStackSave(), env_.i64_type());
  llvm::Value* limit = LoadField(env_.i64_type(), store_,
                                 offsetof(vm::VMStoreContext, stack_limit), false);
  TrapIf(builder_.CreateICmpULT(sp, limit), vm::TrapCode::kCallStackExhausted);
}

void Translator::EmitEpochCheck() {
  if (!env_.options().epoch_interruption) return;
  llvm::Value* counter =
      LoadField(env_.ptr_type(), store_, offsetof(vm::VMStoreContext, epoch), true);
  // Both loads are monotonic, so they are repeated on every iteration
  // instead of being hoisted out of the loop: another thread advances the
  // epoch, and another thread may move the deadline (Store::Interrupt).
  llvm::LoadInst* epoch = builder_.CreateAlignedLoad(env_.i64_type(), counter, llvm::Align(8));
  epoch->setAtomic(llvm::AtomicOrdering::Monotonic);
  llvm::LoadInst* deadline = builder_.CreateAlignedLoad(
      env_.i64_type(),
      builder_.CreateConstInBoundsGEP1_64(env_.i8_type(), store_,
                                          offsetof(vm::VMStoreContext, epoch_deadline)),
      llvm::Align(8));
  deadline->setAtomic(llvm::AtomicOrdering::Monotonic);
  llvm::BasicBlock* reached = NewBlock("epoch_reached");
  llvm::BasicBlock* cont = NewBlock("epoch_ok");
  llvm::MDBuilder md(env_.context());
  llvm::BranchInst* check = builder_.CreateCondBr(builder_.CreateICmpUGE(epoch, deadline),
                                                 reached, cont, md.createBranchWeights(1, 1 << 20));
  check->setMetadata(env_.context().getMDKindID(kEpochCheckMetadata),
                     llvm::MDNode::get(env_.context(), {}));
  builder_.SetInsertPoint(reached);
  // It returns when the deadline has moved past the epoch.
  CallBuiltin(offsetof(vm::VMBuiltins, epoch_reached), builder_.getVoidTy(), {});
  builder_.CreateBr(cont);
  builder_.SetInsertPoint(cont);
}

void Translator::BlockSignature(const wasm::BlockType& block, std::vector<ValType>* params,
                                std::vector<ValType>* results) const {
  params->clear();
  results->clear();
  switch (block.kind) {
    case wasm::BlockType::Kind::kEmpty: break;
    case wasm::BlockType::Kind::kValue: results->push_back(block.value); break;
    case wasm::BlockType::Kind::kTypeIndex:
      *params = module_.types[block.type_index].params;
      *results = module_.types[block.type_index].results;
      break;
  }
}

void Translator::MakeMergePhis(ControlFrame& frame) {
  for (ValType t : frame.results) {
    frame.merge_phis.push_back(llvm::PHINode::Create(env_.ValueType(t), 2, "", frame.merge));
  }
}

ControlFrame& Translator::PushFrame(ControlFrame::Kind kind, const wasm::BlockType& block) {
  ControlFrame frame;
  frame.kind = kind;
  BlockSignature(block, &frame.params, &frame.results);
  frame.stack_height = stack_.size() - frame.params.size();
  frame.merge = NewBlock(kind == ControlFrame::Kind::kLoop ? "loop_end" : "block_end");
  MakeMergePhis(frame);
  frames_.push_back(std::move(frame));
  return frames_.back();
}

void Translator::AddIncoming(std::vector<llvm::PHINode*>& phis, llvm::BasicBlock* from) {
  const size_t n = phis.size();
  for (size_t i = 0; i < n; ++i) phis[i]->addIncoming(stack_[stack_.size() - n + i], from);
}

void Translator::BranchTo(uint32_t depth) {
  ControlFrame& target = frames_[frames_.size() - 1 - depth];
  AddIncoming(LabelPhis(target), builder_.GetInsertBlock());
  builder_.CreateBr(LabelBlock(target));
}

void Translator::EnterUnreachable() {
  unreachable_ = true;
  skipped_depth_ = 0;
}

void Translator::Else() {
  ControlFrame& frame = frames_.back();
  if (!unreachable_) {
    AddIncoming(frame.merge_phis, builder_.GetInsertBlock());
    builder_.CreateBr(frame.merge);
  }
  stack_.resize(frame.stack_height);
  stack_.insert(stack_.end(), frame.if_params.begin(), frame.if_params.end());
  builder_.SetInsertPoint(frame.else_block);
  frame.else_block = nullptr;
  frame.kind = ControlFrame::Kind::kElse;
  unreachable_ = false;
}

void Translator::EndFrame() {
  ControlFrame& frame = frames_.back();
  if (!unreachable_) {
    AddIncoming(frame.merge_phis, builder_.GetInsertBlock());
    builder_.CreateBr(frame.merge);
  }
  if (frame.else_block != nullptr) {
    // An `if` without `else`: the false edge passes the params through as
    // the results (validation made their types equal).
    builder_.SetInsertPoint(frame.else_block);
    for (size_t i = 0; i < frame.merge_phis.size(); ++i) {
      frame.merge_phis[i]->addIncoming(frame.if_params[i], frame.else_block);
    }
    builder_.CreateBr(frame.merge);
  }
  stack_.resize(frame.stack_height);
  builder_.SetInsertPoint(frame.merge);
  const bool reachable = frame.merge->hasNPredecessorsOrMore(1);
  if (frame.kind == ControlFrame::Kind::kFunction) {
    EmitReturnBlock(frame);
    frames_.pop_back();
    return;
  }
  if (reachable) {
    for (llvm::PHINode* phi : frame.merge_phis) stack_.push_back(phi);
    unreachable_ = false;
  } else {
    for (llvm::PHINode* phi : frame.merge_phis) phi->eraseFromParent();
    builder_.CreateUnreachable();
    EnterUnreachable();
  }
  frames_.pop_back();
}

void Translator::EmitReturnBlock(ControlFrame& frame) {
  if (!frame.merge->hasNPredecessorsOrMore(1)) {
    for (llvm::PHINode* phi : frame.merge_phis) phi->eraseFromParent();
    builder_.CreateUnreachable();
    return;
  }
  std::vector<llvm::Value*> results(frame.merge_phis.begin(), frame.merge_phis.end());
  EmitReturn(builder_, results);
}

void Translator::PushResults(llvm::Value* call, const wasm::FuncType& type) {
  if (type.results.size() == 1) {
    Push(call);
  } else {
    for (size_t i = 0; i < type.results.size(); ++i) {
      Push(builder_.CreateExtractValue(call, {static_cast<unsigned>(i)}));
    }
  }
}

llvm::Value* Translator::FuncRefPointer(uint32_t function_index) {
  return builder_.CreateConstInBoundsGEP1_64(env_.i8_type(), funcs_,
                                             uint64_t{function_index} * sizeof(vm::VMFuncRef));
}

void Translator::EmitCall(uint32_t function_index) {
  const wasm::FuncType& type = module_.function_type(function_index);
  std::vector<llvm::Value*> args = PopN(type.params.size());
  llvm::CallInst* call;
  if (function_index >= module_.num_imported_functions) {
    args.insert(args.begin(), vmctx_);
    call = builder_.CreateCall(env_.DefinedFunction(function_index), args);
  } else {
    // Imports go through the instance's copy of the callee's funcref.
    llvm::Value* ref = FuncRefPointer(function_index);
    llvm::Value* code = LoadField(env_.ptr_type(), ref, offsetof(vm::VMFuncRef, native_code), true);
    llvm::Value* callee_vmctx =
        LoadField(env_.ptr_type(), ref, offsetof(vm::VMFuncRef, vmctx), true);
    args.insert(args.begin(), callee_vmctx);
    call = builder_.CreateCall(env_.NativeSignature(type), code, args);
  }
  PushResults(call, type);
}

llvm::Value* Translator::TablePointer(uint32_t table_index) {
  return LoadField(env_.ptr_type(), tables_, uint64_t{table_index} * sizeof(void*), true);
}

void Translator::EmitCallIndirect(uint32_t type_index, uint32_t table_index) {
  const wasm::FuncType& type = module_.types[type_index];
  llvm::Value* index = Pop();
  std::vector<llvm::Value*> args = PopN(type.params.size());
  llvm::Value* table = TablePointer(table_index);
  llvm::Value* size = LoadField(env_.i32_type(), table, offsetof(vm::VMTable, size), false);
  TrapIf(builder_.CreateICmpUGE(index, size), vm::TrapCode::kUndefinedElement);
  llvm::Value* elements =
      LoadField(env_.ptr_type(), table, offsetof(vm::VMTable, elements), false);
  llvm::Value* slot = builder_.CreateInBoundsGEP(
      env_.ptr_type(), elements, builder_.CreateZExt(index, env_.i64_type()));
  llvm::Value* ref = builder_.CreateLoad(env_.ptr_type(), slot);
  TrapIf(builder_.CreateIsNull(ref), vm::TrapCode::kIndirectCallToNull);
  llvm::Value* expected =
      LoadField(env_.i32_type(), type_ids_, uint64_t{type_index} * sizeof(uint32_t), true);
  // The funcref records themselves never change once made.
  llvm::Value* actual = LoadField(env_.i32_type(), ref, offsetof(vm::VMFuncRef, type_id), true);
  TrapIf(builder_.CreateICmpNE(expected, actual), vm::TrapCode::kIndirectCallTypeMismatch);
  llvm::Value* code = LoadField(env_.ptr_type(), ref, offsetof(vm::VMFuncRef, native_code), true);
  llvm::Value* callee_vmctx = LoadField(env_.ptr_type(), ref, offsetof(vm::VMFuncRef, vmctx), true);
  args.insert(args.begin(), callee_vmctx);
  llvm::CallInst* call = builder_.CreateCall(env_.NativeSignature(type), code, args);
  PushResults(call, type);
}

// memory.copy and memory.fill of at most this many bytes are done in line.
// Short copies are common (a struct, a string's tail) and the call into the
// builtin, its checks and libc's size dispatch cost more than the copy;
// past this length libc's memmove and memset are the faster code.
constexpr uint32_t kInlineBulkBytes = 32;

void Translator::EmitBulkMemoryOp(bool is_copy) {
  std::vector<llvm::Value*> operands = PopN(3);
  llvm::Value* dst = operands[0];
  llvm::Value* src_or_value = operands[1];
  llvm::Value* length = operands[2];
  llvm::BasicBlock* inline_block = NewBlock("bulk_inline");
  llvm::BasicBlock* call_block = NewBlock("bulk_call");
  llvm::BasicBlock* done = NewBlock("bulk_done");
  builder_.CreateCondBr(builder_.CreateICmpULE(length, I32(kInlineBulkBytes)), inline_block,
                        call_block);

  builder_.SetInsertPoint(call_block);
  CallBuiltin(is_copy ? offsetof(vm::VMBuiltins, memory_copy)
                      : offsetof(vm::VMBuiltins, memory_fill),
              builder_.getVoidTy(), {dst, src_or_value, length});
  builder_.CreateBr(done);

  // Both ranges are checked before anything is written, as the spec wants;
  // in 64 bits, where address + length cannot wrap.
  builder_.SetInsertPoint(inline_block);
  llvm::Value* size = MemorySizeBytes();
  llvm::Value* length64 = builder_.CreateZExt(length, env_.i64_type());
  llvm::Value* dst64 = builder_.CreateZExt(dst, env_.i64_type());
  llvm::Value* out_of_bounds = builder_.CreateICmpUGT(builder_.CreateAdd(dst64, length64), size);
  llvm::Value* src_address = nullptr;
  if (is_copy) {
    llvm::Value* src64 = builder_.CreateZExt(src_or_value, env_.i64_type());
    out_of_bounds = builder_.CreateOr(
        out_of_bounds, builder_.CreateICmpUGT(builder_.CreateAdd(src64, length64), size));
    src_address = builder_.CreateInBoundsGEP(env_.i8_type(), memory_base_, src64);
  }
  TrapIf(out_of_bounds, vm::TrapCode::kMemoryOutOfBounds);
  llvm::Value* dst_address = builder_.CreateInBoundsGEP(env_.i8_type(), memory_base_, dst64);
  llvm::Value* fill_byte =
      is_copy ? nullptr : builder_.CreateTrunc(src_or_value, env_.i8_type());

  // A length in [w, 2w] is two accesses of w bytes, one at each end; they
  // overlap below 2w. Both loads come before both stores, so overlapping
  // source and destination behave as memmove. Widest first: 16 covers
  // 16..32, 8 covers 8..15, ... 1 covers 1; 0 touches nothing.
  for (uint32_t width : {16u, 8u, 4u, 2u, 1u}) {
    llvm::BasicBlock* this_width = NewBlock("bulk_width");
    llvm::BasicBlock* narrower = width == 1 ? done : NewBlock("bulk_narrower");
    builder_.CreateCondBr(builder_.CreateICmpUGE(length, I32(width)), this_width, narrower);
    builder_.SetInsertPoint(this_width);
    llvm::Type* type = width == 16 ? static_cast<llvm::Type*>(
                                         llvm::FixedVectorType::get(env_.i8_type(), 16))
                                   : builder_.getIntNTy(width * 8);
    llvm::Value* tail_offset = builder_.CreateSub(length64, I64(width));
    llvm::Value* head;
    llvm::Value* tail;
    if (is_copy) {
      head = builder_.CreateAlignedLoad(type, src_address, llvm::Align(1));
      tail = builder_.CreateAlignedLoad(
          type, builder_.CreateInBoundsGEP(env_.i8_type(), src_address, tail_offset),
          llvm::Align(1));
    } else if (width == 16) {
      head = tail = builder_.CreateVectorSplat(16, fill_byte);
    } else {
      // The byte repeated: byte * 0x01...01, one 0x01 per byte of the width.
      const uint64_t ones = 0x0101010101010101ull >> (64 - 8 * width);
      head = tail = builder_.CreateMul(builder_.CreateZExt(fill_byte, type),
                                       llvm::ConstantInt::get(type, ones));
    }
    builder_.CreateAlignedStore(head, dst_address, llvm::Align(1));
    builder_.CreateAlignedStore(
        tail, builder_.CreateInBoundsGEP(env_.i8_type(), dst_address, tail_offset),
        llvm::Align(1));
    builder_.CreateBr(done);
    builder_.SetInsertPoint(narrower);
  }
}

llvm::Value* Translator::MemorySizeBytes() {
  llvm::Value* memory = LoadField(env_.ptr_type(), vmctx_, vm::kVmctxMemory, true);
  return LoadField(env_.i64_type(), memory, offsetof(vm::VMMemory, size_bytes), false);
}

llvm::Value* Translator::EffectiveAddress(uint64_t offset) {
  // i32 address + u32 offset < 8 GiB, inside the memory's reservation:
  // anything past the current size faults, and the fault is the trap.
  llvm::Value* address = builder_.CreateZExt(Pop(), env_.i64_type());
  if (offset != 0) address = builder_.CreateAdd(address, I64(offset), "", true, true);
  return builder_.CreateInBoundsGEP(env_.i8_type(), memory_base_, address);
}

void Translator::EmitLoad(const wasm::Instruction& in) {
  llvm::Value* address = EffectiveAddress(in.memarg.offset);
  auto load = [&](llvm::Type* type) {
    return builder_.CreateAlignedLoad(type, address, llvm::Align(1));
  };
  llvm::Type* i8 = env_.i8_type();
  llvm::Type* i16 = builder_.getInt16Ty();
  llvm::Type* i32 = env_.i32_type();
  llvm::Type* i64 = env_.i64_type();
  switch (in.opcode) {
    case Opcode::kI32Load: Push(load(i32)); break;
    case Opcode::kI64Load: Push(load(i64)); break;
    case Opcode::kF32Load: Push(load(builder_.getFloatTy())); break;
    case Opcode::kF64Load: Push(load(builder_.getDoubleTy())); break;
    case Opcode::kI32Load8S: Push(builder_.CreateSExt(load(i8), i32)); break;
    case Opcode::kI32Load8U: Push(builder_.CreateZExt(load(i8), i32)); break;
    case Opcode::kI32Load16S: Push(builder_.CreateSExt(load(i16), i32)); break;
    case Opcode::kI32Load16U: Push(builder_.CreateZExt(load(i16), i32)); break;
    case Opcode::kI64Load8S: Push(builder_.CreateSExt(load(i8), i64)); break;
    case Opcode::kI64Load8U: Push(builder_.CreateZExt(load(i8), i64)); break;
    case Opcode::kI64Load16S: Push(builder_.CreateSExt(load(i16), i64)); break;
    case Opcode::kI64Load16U: Push(builder_.CreateZExt(load(i16), i64)); break;
    case Opcode::kI64Load32S: Push(builder_.CreateSExt(load(i32), i64)); break;
    case Opcode::kI64Load32U: Push(builder_.CreateZExt(load(i32), i64)); break;
    default: break;
  }
}

void Translator::EmitStore(const wasm::Instruction& in) {
  llvm::Value* value = Pop();
  llvm::Value* address = EffectiveAddress(in.memarg.offset);
  switch (in.opcode) {
    case Opcode::kI32Store8:
    case Opcode::kI64Store8: value = builder_.CreateTrunc(value, env_.i8_type()); break;
    case Opcode::kI32Store16:
    case Opcode::kI64Store16: value = builder_.CreateTrunc(value, builder_.getInt16Ty()); break;
    case Opcode::kI64Store32: value = builder_.CreateTrunc(value, env_.i32_type()); break;
    default: break;
  }
  builder_.CreateAlignedStore(value, address, llvm::Align(1));
}

void Translator::EmitSimdMemoryOp(const wasm::Instruction& in) {
  // Operands: address, then (stores, lane loads) the v128 on top of it.
  const bool has_vector = IsSimdStore(in.opcode) || in.info->imm == wasm::ImmKind::kMemArgLane;
  llvm::Value* vector = has_vector ? Pop() : nullptr;
  llvm::Value* address = EffectiveAddress(in.memarg.offset);
  if (IsSimdStore(in.opcode)) {
    EmitSimdStore(builder_, in, address, vector);
  } else {
    Push(EmitSimdLoad(builder_, in, address, vector));
  }
}

llvm::Value* Translator::GlobalCell(uint32_t global_index) {
  return LoadField(env_.ptr_type(), globals_, uint64_t{global_index} * sizeof(void*), true);
}

absl::Status Translator::TranslateSkipped(const wasm::Instruction& in) {
  switch (in.opcode) {
    case Opcode::kBlock:
    case Opcode::kLoop:
    case Opcode::kIf: ++skipped_depth_; break;
    case Opcode::kElse:
      if (skipped_depth_ == 0) Else();
      break;
    case Opcode::kEnd:
      if (skipped_depth_ == 0) {
        EndFrame();
      } else {
        --skipped_depth_;
      }
      break;
    default: break;
  }
  return absl::OkStatus();
}

absl::Status Translator::TranslateInstruction(const wasm::Instruction& in) {
  using vm::VMBuiltins;
  llvm::Type* void_type = builder_.getVoidTy();
  llvm::Type* i32 = env_.i32_type();
  switch (in.opcode) {
    case Opcode::kUnreachable: {
      EmitTrapCall(vm::TrapCode::kUnreachable, I64(vm::MakeTrapSite(function_index_, body_line_)));
      EnterUnreachable();
      return absl::OkStatus();
    }
    case Opcode::kNop: return absl::OkStatus();
    case Opcode::kBlock: PushFrame(ControlFrame::Kind::kBlock, in.block); return absl::OkStatus();
    case Opcode::kLoop: {
      ControlFrame& frame = PushFrame(ControlFrame::Kind::kLoop, in.block);
      frame.header = NewBlock("loop");
      for (ValType t : frame.params) {
        frame.header_phis.push_back(
            llvm::PHINode::Create(env_.ValueType(t), 2, "", frame.header));
      }
      AddIncoming(frame.header_phis, builder_.GetInsertBlock());
      builder_.CreateBr(frame.header);
      builder_.SetInsertPoint(frame.header);
      stack_.resize(frame.stack_height);
      for (llvm::PHINode* phi : frame.header_phis) stack_.push_back(phi);
      EmitEpochCheck();
      return absl::OkStatus();
    }
    case Opcode::kIf: {
      llvm::Value* condition = builder_.CreateICmpNE(Pop(), I32(0));
      ControlFrame& frame = PushFrame(ControlFrame::Kind::kIf, in.block);
      frame.if_params.assign(stack_.begin() + static_cast<ptrdiff_t>(frame.stack_height),
                             stack_.end());
      llvm::BasicBlock* then_block = NewBlock("then");
      frame.else_block = NewBlock("else");
      builder_.CreateCondBr(condition, then_block, frame.else_block);
      builder_.SetInsertPoint(then_block);
      return absl::OkStatus();
    }
    case Opcode::kElse: Else(); return absl::OkStatus();
    case Opcode::kEnd: EndFrame(); return absl::OkStatus();
    case Opcode::kBr:
      BranchTo(in.index);
      EnterUnreachable();
      return absl::OkStatus();
    case Opcode::kBrIf: {
      llvm::Value* condition = builder_.CreateICmpNE(Pop(), I32(0));
      ControlFrame& target = frames_[frames_.size() - 1 - in.index];
      AddIncoming(LabelPhis(target), builder_.GetInsertBlock());
      llvm::BasicBlock* cont = NewBlock("br_if_cont");
      builder_.CreateCondBr(condition, LabelBlock(target), cont);
      builder_.SetInsertPoint(cont);
      return absl::OkStatus();
    }
    case Opcode::kBrTable: {
      llvm::Value* index = Pop();
      auto target_block = [&](uint32_t depth) {
        ControlFrame& target = frames_[frames_.size() - 1 - depth];
        // One phi entry per edge: a block reached by several cases has the
        // switch as a predecessor several times.
        AddIncoming(LabelPhis(target), builder_.GetInsertBlock());
        return LabelBlock(target);
      };
      llvm::SwitchInst* sw = builder_.CreateSwitch(index, target_block(in.br_default),
                                                   static_cast<unsigned>(in.br_targets.size()));
      for (size_t i = 0; i < in.br_targets.size(); ++i) {
        sw->addCase(builder_.getInt32(static_cast<uint32_t>(i)), target_block(in.br_targets[i]));
      }
      EnterUnreachable();
      return absl::OkStatus();
    }
    case Opcode::kReturn:
      BranchTo(static_cast<uint32_t>(frames_.size() - 1));
      EnterUnreachable();
      return absl::OkStatus();
    case Opcode::kCall: EmitCall(in.index); return absl::OkStatus();
    case Opcode::kCallIndirect: EmitCallIndirect(in.index, in.index2); return absl::OkStatus();
    case Opcode::kDrop:
      // A dropped load still traps: KeepMemoryLoadsWhole keeps it.
      Pop();
      return absl::OkStatus();
    case Opcode::kSelect:
    case Opcode::kSelectT: {
      llvm::Value* condition = builder_.CreateICmpNE(Pop(), I32(0));
      llvm::Value* if_false = Pop();
      llvm::Value* if_true = Pop();
      Push(builder_.CreateSelect(condition, if_true, if_false));
      return absl::OkStatus();
    }
    case Opcode::kLocalGet:
      Push(builder_.CreateLoad(local_llvm_types_[in.index], locals_[in.index]));
      return absl::OkStatus();
    case Opcode::kLocalSet: builder_.CreateStore(Pop(), locals_[in.index]); return absl::OkStatus();
    case Opcode::kLocalTee: builder_.CreateStore(stack_.back(), locals_[in.index]); return absl::OkStatus();
    // A cell is a vm::ValRaw, only 8-byte aligned: a v128 must not be
    // accessed as if it were 16-byte aligned.
    case Opcode::kGlobalGet:
      Push(builder_.CreateAlignedLoad(env_.ValueType(module_.globals[in.index].type),
                                      GlobalCell(in.index), llvm::Align(alignof(vm::VMGlobal))));
      return absl::OkStatus();
    case Opcode::kGlobalSet:
      builder_.CreateAlignedStore(Pop(), GlobalCell(in.index), llvm::Align(alignof(vm::VMGlobal)));
      return absl::OkStatus();
    case Opcode::kTableGet: {
      llvm::Value* index = Pop();
      Push(CallBuiltin(offsetof(VMBuiltins, table_get), env_.ptr_type(), {I32(in.index), index}));
      return absl::OkStatus();
    }
    case Opcode::kTableSet: {
      llvm::Value* value = Pop();
      llvm::Value* index = Pop();
      CallBuiltin(offsetof(VMBuiltins, table_set), void_type, {I32(in.index), index, value});
      return absl::OkStatus();
    }
    case Opcode::kTableSize:
      Push(LoadField(i32, TablePointer(in.index), offsetof(vm::VMTable, size), false));
      return absl::OkStatus();
    case Opcode::kTableGrow: {
      llvm::Value* delta = Pop();
      llvm::Value* init = Pop();
      Push(CallBuiltin(offsetof(VMBuiltins, table_grow), i32, {I32(in.index), init, delta}));
      return absl::OkStatus();
    }
    case Opcode::kTableFill: {
      llvm::Value* n = Pop();
      llvm::Value* value = Pop();
      llvm::Value* dst = Pop();
      CallBuiltin(offsetof(VMBuiltins, table_fill), void_type, {I32(in.index), dst, value, n});
      return absl::OkStatus();
    }
    case Opcode::kTableCopy: {
      std::vector<llvm::Value*> v = PopN(3);
      CallBuiltin(offsetof(VMBuiltins, table_copy), void_type,
                  {I32(in.index), I32(in.index2), v[0], v[1], v[2]});
      return absl::OkStatus();
    }
    case Opcode::kTableInit: {
      std::vector<llvm::Value*> v = PopN(3);
      CallBuiltin(offsetof(VMBuiltins, table_init), void_type,
                  {I32(in.index2), I32(in.index), v[0], v[1], v[2]});
      return absl::OkStatus();
    }
    case Opcode::kElemDrop:
      CallBuiltin(offsetof(VMBuiltins, elem_drop), void_type, {I32(in.index)});
      return absl::OkStatus();
    case Opcode::kMemorySize: {
      llvm::Value* bytes = MemorySizeBytes();
      Push(builder_.CreateTrunc(builder_.CreateLShr(bytes, I64(16)), i32));
      return absl::OkStatus();
    }
    case Opcode::kMemoryGrow: {
      llvm::Value* delta = Pop();
      Push(CallBuiltin(offsetof(VMBuiltins, memory_grow), i32, {delta}));
      return absl::OkStatus();
    }
    case Opcode::kMemoryFill: EmitBulkMemoryOp(/*is_copy=*/false); return absl::OkStatus();
    case Opcode::kMemoryCopy: EmitBulkMemoryOp(/*is_copy=*/true); return absl::OkStatus();
    case Opcode::kMemoryInit: {
      std::vector<llvm::Value*> v = PopN(3);
      CallBuiltin(offsetof(VMBuiltins, memory_init), void_type, {I32(in.index), v[0], v[1], v[2]});
      return absl::OkStatus();
    }
    case Opcode::kDataDrop:
      CallBuiltin(offsetof(VMBuiltins, data_drop), void_type, {I32(in.index)});
      return absl::OkStatus();
    case Opcode::kI32Const: Push(I32(static_cast<uint32_t>(in.i32))); return absl::OkStatus();
    case Opcode::kI64Const: Push(I64(static_cast<uint64_t>(in.i64))); return absl::OkStatus();
    case Opcode::kF32Const:
      // From the bits, so NaN payloads are kept exactly.
      Push(llvm::ConstantFP::get(env_.context(), llvm::APFloat(llvm::APFloat::IEEEsingle(),
                                                                llvm::APInt(32, in.f32_bits))));
      return absl::OkStatus();
    case Opcode::kF64Const:
      Push(llvm::ConstantFP::get(env_.context(), llvm::APFloat(llvm::APFloat::IEEEdouble(),
                                                                llvm::APInt(64, in.f64_bits))));
      return absl::OkStatus();
    case Opcode::kRefNull: Push(llvm::ConstantPointerNull::get(env_.ptr_type())); return absl::OkStatus();
    case Opcode::kRefIsNull:
      Push(builder_.CreateZExt(builder_.CreateIsNull(Pop()), i32));
      return absl::OkStatus();
    case Opcode::kRefFunc: Push(FuncRefPointer(in.index)); return absl::OkStatus();
    default: break;
  }
  if (IsSimdMemoryOp(in.opcode)) {
    EmitSimdMemoryOp(in);
    return absl::OkStatus();
  }
  if (IsSimdOp(in.opcode)) {
    std::vector<llvm::Value*> operands = PopN(SimdArity(in.opcode));
    Push(EmitSimdOp(builder_, in, operands, simd_target_));
    return absl::OkStatus();
  }
  if (in.info->imm == wasm::ImmKind::kMemArg) {
    if (in.info->sig == wasm::OpSig::kSpecial) {
      return absl::UnimplementedError(absl::StrCat("instruction ", std::string(in.info->text)));
    }
    const wasm::OpSig sig = in.info->sig;
    if (sig == wasm::OpSig::_II || sig == wasm::OpSig::_IL || sig == wasm::OpSig::_IF ||
        sig == wasm::OpSig::_ID) {
      EmitStore(in);
    } else {
      EmitLoad(in);
    }
    return absl::OkStatus();
  }
  if (IsNumericOp(in.opcode)) {
    const wasm::OpSig sig = in.info->sig;
    // Binary ops are RESULT_PARAMS with two params, e.g. I_II.
    size_t arity = 1;
    switch (sig) {
      case wasm::OpSig::I_II: case wasm::OpSig::L_LL: case wasm::OpSig::I_LL:
      case wasm::OpSig::F_FF: case wasm::OpSig::D_DD: case wasm::OpSig::I_FF:
      case wasm::OpSig::I_DD:
        arity = 2;
        break;
      default: break;
    }
    std::vector<llvm::Value*> operands = PopN(arity);
    Push(EmitNumericOp(builder_, in.opcode, operands, *this));
    return absl::OkStatus();
  }
  return absl::UnimplementedError(
      absl::StrCat("instruction ", std::string(in.info->text), " in function ", function_index_,
                   " is not supported by the compiler yet"));
}

absl::Status Translator::Translate() {
  const wasm::FunctionBody& body =
      module_.bodies[function_index_ - module_.num_imported_functions];
  std::vector<ValType> local_types = type_.params;
  size_t pos = 0;
  const uint32_t groups = ReadVarU32(body.bytes, &pos);
  for (uint32_t g = 0; g < groups; ++g) {
    const uint32_t count = ReadVarU32(body.bytes, &pos);
    const auto type = static_cast<ValType>(body.bytes[pos++]);
    local_types.insert(local_types.end(), count, type);
  }
  subprogram_ = env_.debug_info().Attach(function_);
  // The prologue's checks (stack, epoch) belong to the function's start.
  SetBodyOffset(0);
  EmitPrologue(local_types);

  ControlFrame function_frame;
  function_frame.kind = ControlFrame::Kind::kFunction;
  function_frame.results = type_.results;
  function_frame.merge = NewBlock("return");
  MakeMergePhis(function_frame);
  frames_.push_back(std::move(function_frame));

  wasm::InstructionReader reader(body.bytes, pos, body.bytes.size());
  reader.set_function_index(function_index_);
  wasm::Instruction in;
  while (!frames_.empty()) {
    if (absl::Status s = reader.Next(&in); !s.ok()) return s;
    SetBodyOffset(in.offset);
    absl::Status s = unreachable_ ? TranslateSkipped(in) : TranslateInstruction(in);
    if (!s.ok()) return s;
  }
  TagMemoryLoads(*function_, memory_base_);
  return absl::OkStatus();
}

}  // namespace

absl::Status TranslateFunction(ModuleEnv& env, uint32_t function_index) {
  return Translator(env, function_index).Translate();
}

}  // namespace kiln::jit
