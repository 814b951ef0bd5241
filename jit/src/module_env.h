// module_env.h — what translating functions of one module into one LLVM
// module needs: the wasm module, LLVM types, and the declarations of the
// functions and trampolines every batch refers to by name.
//
// One ModuleEnv belongs to one compile task (one LLVMContext); nothing in it
// is shared between threads.
#ifndef KILN_JIT_MODULE_ENV_H_
#define KILN_JIT_MODULE_ENV_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "kiln/wasm/module.h"
#include "kiln/wasm/types.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "wasm_debug_info.h"

namespace kiln::jit {

struct TranslateOptions {
  bool epoch_interruption = true;
};

// Returns `results` in the shape ModuleEnv::NativeSignature gives them:
// nothing, the value, or a struct of the values.
void EmitReturn(llvm::IRBuilder<>& builder, std::span<llvm::Value* const> results);

// Symbol names in the objects, resolved when the image is laid out.
std::string FunctionSymbol(uint32_t function_index);
std::string EntryTrampolineSymbol(uint32_t type_index);
std::string ExitTrampolineSymbol(uint32_t type_index);

class ModuleEnv {
 public:
  ModuleEnv(const wasm::Module& module, llvm::Module& llvm_module, TranslateOptions options);

  const wasm::Module& wasm() const { return module_; }
  llvm::Module& llvm_module() const { return llvm_module_; }
  llvm::LLVMContext& context() const { return context_; }
  const TranslateOptions& options() const { return options_; }

  llvm::Type* ValueType(wasm::ValType type) const;
  // The native signature of a wasm function type: (ptr vmctx, params...) ->
  // void | result | {results...}.
  llvm::FunctionType* NativeSignature(const wasm::FuncType& type) const;
  // The declaration (or definition, once translated) of a defined function.
  llvm::Function* DefinedFunction(uint32_t function_index);
  // Attributes every generated function gets.
  void SetCommonAttributes(llvm::Function* function) const;
  // Where the batch's functions' code comes from (finalized by the batch).
  WasmDebugInfo& debug_info() { return debug_info_; }

  llvm::PointerType* ptr_type() const { return ptr_; }
  llvm::IntegerType* i8_type() const { return i8_; }
  llvm::IntegerType* i32_type() const { return i32_; }
  llvm::IntegerType* i64_type() const { return i64_; }

 private:
  const wasm::Module& module_;
  llvm::Module& llvm_module_;
  llvm::LLVMContext& context_;
  TranslateOptions options_;
  llvm::PointerType* ptr_;
  llvm::IntegerType* i8_;
  llvm::IntegerType* i32_;
  llvm::IntegerType* i64_;
  std::vector<llvm::Function*> functions_;  // by defined index, created on demand
  WasmDebugInfo debug_info_;
};

}  // namespace kiln::jit

#endif  // KILN_JIT_MODULE_ENV_H_
