// wasm_debug_info.h — debug info that maps machine code back to wasm.
//
// Every instruction a wasm instruction produces carries a DILocation whose
// line is that instruction's body line (its offset in its function's body
// plus one: vm_abi.h), in a subprogram named after the function
// (FunctionSymbol); the image linker turns lines into module offsets. LLVM keeps these through its
// optimizations, inlining included, and emits them as DWARF line tables and
// inlined-subroutine records; address_maps.h reads them back into each
// function's AddressMap. Line-tables-only debug info: no types, no
// variables, nothing that changes the generated code.
#ifndef KILN_JIT_WASM_DEBUG_INFO_H_
#define KILN_JIT_WASM_DEBUG_INFO_H_

#include <cstdint>
#include <memory>

#include "llvm/IR/DIBuilder.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"

namespace kiln::jit {

class WasmDebugInfo {
 public:
  explicit WasmDebugInfo(llvm::Module& module);
  ~WasmDebugInfo();

  // Gives `function` (a defined function) its subprogram.
  llvm::DISubprogram* Attach(llvm::Function* function);

  // The location of the wasm instruction at `body_line` of the subprogram's
  // function.
  static llvm::DILocation* At(llvm::DISubprogram* subprogram, uint32_t body_line);

  // Must run once every function is translated, before the IR is verified.
  void Finalize();

 private:
  std::unique_ptr<llvm::DIBuilder> builder_;
  llvm::DIFile* file_ = nullptr;
  llvm::DICompileUnit* unit_ = nullptr;
  llvm::DISubroutineType* type_ = nullptr;
};

}  // namespace kiln::jit

#endif  // KILN_JIT_WASM_DEBUG_INFO_H_
