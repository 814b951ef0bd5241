#include "module_env.h"

#include "absl/strings/str_cat.h"
#include "llvm/IR/Attributes.h"
#include "llvm/IR/Type.h"

namespace kiln::jit {

void EmitReturn(llvm::IRBuilder<>& builder, std::span<llvm::Value* const> results) {
  if (results.empty()) {
    builder.CreateRetVoid();
  } else if (results.size() == 1) {
    builder.CreateRet(results[0]);
  } else {
    builder.CreateAggregateRet(results.data(), static_cast<unsigned>(results.size()));
  }
}

std::string FunctionSymbol(uint32_t function_index) {
  return absl::StrCat("kiln_f", function_index);
}
std::string EntryTrampolineSymbol(uint32_t type_index) {
  return absl::StrCat("kiln_entry", type_index);
}
std::string ExitTrampolineSymbol(uint32_t type_index) {
  return absl::StrCat("kiln_exit", type_index);
}

ModuleEnv::ModuleEnv(const wasm::Module& module, llvm::Module& llvm_module,
                     TranslateOptions options)
    : module_(module),
      llvm_module_(llvm_module),
      context_(llvm_module.getContext()),
      options_(options),
      ptr_(llvm::PointerType::get(context_, 0)),
      i8_(llvm::Type::getInt8Ty(context_)),
      i32_(llvm::Type::getInt32Ty(context_)),
      i64_(llvm::Type::getInt64Ty(context_)),
      functions_(module.bodies.size(), nullptr),
      debug_info_(llvm_module) {}

llvm::Type* ModuleEnv::ValueType(wasm::ValType type) const {
  switch (type) {
    case wasm::ValType::kI32: return i32_;
    case wasm::ValType::kI64: return i64_;
    case wasm::ValType::kF32: return llvm::Type::getFloatTy(context_);
    case wasm::ValType::kF64: return llvm::Type::getDoubleTy(context_);
    case wasm::ValType::kV128: return llvm::FixedVectorType::get(i64_, 2);
    case wasm::ValType::kFuncRef:
    case wasm::ValType::kExternRef: return ptr_;
  }
  return i32_;
}

llvm::FunctionType* ModuleEnv::NativeSignature(const wasm::FuncType& type) const {
  std::vector<llvm::Type*> params{ptr_};
  for (wasm::ValType p : type.params) params.push_back(ValueType(p));
  llvm::Type* result;
  if (type.results.empty()) {
    result = llvm::Type::getVoidTy(context_);
  } else if (type.results.size() == 1) {
    result = ValueType(type.results[0]);
  } else {
    // LLVM returns small structs in registers and demotes larger ones to a
    // hidden pointer by itself.
    std::vector<llvm::Type*> fields;
    for (wasm::ValType r : type.results) fields.push_back(ValueType(r));
    result = llvm::StructType::get(context_, fields);
  }
  return llvm::FunctionType::get(result, params, false);
}

llvm::Function* ModuleEnv::DefinedFunction(uint32_t function_index) {
  const uint32_t defined = function_index - module_.num_imported_functions;
  llvm::Function*& function = functions_[defined];
  if (function == nullptr) {
    function = llvm::Function::Create(NativeSignature(module_.function_type(function_index)),
                                      llvm::GlobalValue::ExternalLinkage,
                                      FunctionSymbol(function_index), llvm_module_);
    function->setDSOLocal(true);
    SetCommonAttributes(function);
  }
  return function;
}

void ModuleEnv::SetCommonAttributes(llvm::Function* function) const {
  function->setDSOLocal(true);
  function->addFnAttr(llvm::Attribute::NoUnwind);
  // A trap unwinds with longjmp, never through unwind tables.
  function->setUWTableKind(llvm::UWTableKind::None);
  // Tail-call elimination would turn endless recursion into an endless
  // loop; wasm must exhaust the stack instead.
  function->addFnAttr("disable-tail-calls", "true");
  // Loops that zero or copy memory stay loops: the image links no libc.
  function->addFnAttr("no-builtins");
  // A trap's backtrace walks the chain of saved frame pointers, from a
  // signal handler too: no unwind tables to register or interpret, at the
  // cost of one register (as wasmtime's Cranelift does).
  function->addFnAttr("frame-pointer", "all");
}

}  // namespace kiln::jit
