#include "trampolines.h"

#include <algorithm>
#include <vector>

#include "kiln/wasm/vm_abi.h"
#include "llvm/IR/IRBuilder.h"

namespace kiln::jit {
namespace {

// The host's ValRaw arrays are only as aligned as ValRaw itself (8 bytes):
// a v128 slot must not be accessed as if it were 16-byte aligned.
constexpr llvm::Align kSlotAlign = llvm::Align::Constant<alignof(vm::ValRaw)>();

llvm::Value* Slot(llvm::IRBuilder<>& builder, ModuleEnv& env, llvm::Value* values, size_t i) {
  return builder.CreateConstInBoundsGEP1_64(env.i8_type(), values, i * sizeof(vm::ValRaw));
}

}  // namespace

void DefineEntryTrampoline(ModuleEnv& env, uint32_t type_index) {
  const wasm::FuncType& type = env.wasm().types[type_index];
  llvm::Type* ptr = env.ptr_type();
  auto* signature =
      llvm::FunctionType::get(llvm::Type::getVoidTy(env.context()), {ptr, ptr, ptr}, false);
  llvm::Function* function =
      llvm::Function::Create(signature, llvm::GlobalValue::ExternalLinkage,
                             EntryTrampolineSymbol(type_index), env.llvm_module());
  env.SetCommonAttributes(function);
  llvm::IRBuilder<> builder(llvm::BasicBlock::Create(env.context(), "entry", function));
  llvm::Value* values = function->getArg(2);
  std::vector<llvm::Value*> args{function->getArg(0)};
  for (size_t i = 0; i < type.params.size(); ++i) {
    args.push_back(builder.CreateAlignedLoad(env.ValueType(type.params[i]),
                                             Slot(builder, env, values, i), kSlotAlign));
  }
  llvm::Value* result =
      builder.CreateCall(env.NativeSignature(type), function->getArg(1), args);
  for (size_t i = 0; i < type.results.size(); ++i) {
    llvm::Value* value = type.results.size() == 1
                             ? result
                             : builder.CreateExtractValue(result, {static_cast<unsigned>(i)});
    builder.CreateAlignedStore(value, Slot(builder, env, values, i), kSlotAlign);
  }
  builder.CreateRetVoid();
}

void DefineExitTrampoline(ModuleEnv& env, uint32_t type_index) {
  const wasm::FuncType& type = env.wasm().types[type_index];
  llvm::Type* ptr = env.ptr_type();
  llvm::Function* function =
      llvm::Function::Create(env.NativeSignature(type), llvm::GlobalValue::ExternalLinkage,
                             ExitTrampolineSymbol(type_index), env.llvm_module());
  env.SetCommonAttributes(function);
  llvm::LLVMContext& context = env.context();
  llvm::IRBuilder<> builder(llvm::BasicBlock::Create(context, "entry", function));
  llvm::Value* host_context = function->getArg(0);
  const size_t slots = std::max<size_t>({type.params.size(), type.results.size(), 1});
  llvm::AllocaInst* values = builder.CreateAlloca(
      llvm::ArrayType::get(env.i8_type(), slots * sizeof(vm::ValRaw)));
  values->setAlignment(llvm::Align(16));
  for (size_t i = 0; i < type.params.size(); ++i) {
    builder.CreateAlignedStore(function->getArg(static_cast<unsigned>(i + 1)),
                               Slot(builder, env, values, i), kSlotAlign);
  }
  auto* callback_type = llvm::FunctionType::get(env.i32_type(), {ptr, ptr}, false);
  llvm::Value* callback = builder.CreateLoad(
      ptr, builder.CreateConstInBoundsGEP1_64(env.i8_type(), host_context,
                                              offsetof(vm::VMHostContext, callback)));
  llvm::Value* status = builder.CreateCall(callback_type, callback, {host_context, values});

  llvm::BasicBlock* raise = llvm::BasicBlock::Create(context, "raise", function);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(context, "done", function);
  builder.CreateCondBr(builder.CreateICmpNE(status, builder.getInt32(0)), raise, done);
  builder.SetInsertPoint(raise);
  // The trap is raised from generated code, after the host function's C++
  // frames (and their destructors) are gone.
  llvm::Value* raise_fn = builder.CreateLoad(
      ptr, builder.CreateConstInBoundsGEP1_64(env.i8_type(), host_context,
                                              offsetof(vm::VMHostContext, raise)));
  builder.CreateCall(llvm::FunctionType::get(builder.getVoidTy(), {ptr}, false), raise_fn,
                     {host_context})
      ->setDoesNotReturn();
  builder.CreateUnreachable();

  builder.SetInsertPoint(done);
  std::vector<llvm::Value*> results;
  for (size_t i = 0; i < type.results.size(); ++i) {
    results.push_back(builder.CreateAlignedLoad(env.ValueType(type.results[i]),
                                                Slot(builder, env, values, i), kSlotAlign));
  }
  EmitReturn(builder, results);
}

}  // namespace kiln::jit
