#include "wasm_debug_info.h"

#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/IR/DebugInfo.h"

namespace kiln::jit {

WasmDebugInfo::WasmDebugInfo(llvm::Module& module)
    : builder_(std::make_unique<llvm::DIBuilder>(module)) {
  // Without these flags LLVM drops the debug info as malformed.
  module.addModuleFlag(llvm::Module::Warning, "Debug Info Version",
                       llvm::DEBUG_METADATA_VERSION);
  module.addModuleFlag(llvm::Module::Warning, "Dwarf Version", 4);
  file_ = builder_->createFile("module.wasm", ".");
  unit_ = builder_->createCompileUnit(
      llvm::dwarf::DW_LANG_C, file_, "kiln", /*isOptimized=*/false, "", 0, "",
      llvm::DICompileUnit::LineTablesOnly, 0, /*SplitDebugInlining=*/false,
      /*DebugInfoForProfiling=*/false, llvm::DICompileUnit::DebugNameTableKind::None);
  type_ = builder_->createSubroutineType(builder_->getOrCreateTypeArray({}));
}

WasmDebugInfo::~WasmDebugInfo() = default;

llvm::DISubprogram* WasmDebugInfo::Attach(llvm::Function* function) {
  llvm::DISubprogram* subprogram = builder_->createFunction(
      file_, function->getName(), "", file_, /*LineNo=*/1, type_, /*ScopeLine=*/1,
      llvm::DINode::FlagZero, llvm::DISubprogram::SPFlagDefinition);
  function->setSubprogram(subprogram);
  return subprogram;
}

llvm::DILocation* WasmDebugInfo::At(llvm::DISubprogram* subprogram, uint32_t body_line) {
  return llvm::DILocation::get(subprogram->getContext(), body_line, 0, subprogram);
}

void WasmDebugInfo::Finalize() { builder_->finalize(); }

}  // namespace kiln::jit
