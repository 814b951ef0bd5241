#include "dispatch_alignment.h"

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/CodeGen/MachineBasicBlock.h"
#include "llvm/CodeGen/MachineFunction.h"
#include "llvm/CodeGen/MachineFunctionPass.h"
#include "llvm/CodeGen/MachineJumpTableInfo.h"
#include "llvm/CodeGen/MachineModuleInfo.h"
#include "llvm/CodeGen/Passes.h"
#include "llvm/CodeGen/TargetPassConfig.h"

namespace kiln::jit {
namespace {

// x86's cache line, and the window Zen's op cache and predictor work in.
constexpr llvm::Align kDispatchTargetAlignment = llvm::Align::Constant<64>();

class AlignDispatchTargets : public llvm::MachineFunctionPass {
 public:
  static char ID;
  AlignDispatchTargets() : llvm::MachineFunctionPass(ID) {}

  llvm::StringRef getPassName() const override { return "kiln: align dispatch targets"; }

  void getAnalysisUsage(llvm::AnalysisUsage& usage) const override {
    usage.setPreservesAll();
    llvm::MachineFunctionPass::getAnalysisUsage(usage);
  }

  bool runOnMachineFunction(llvm::MachineFunction& function) override {
    const llvm::MachineJumpTableInfo* tables = function.getJumpTableInfo();
    if (tables == nullptr) return false;
    bool changed = false;
    for (const llvm::MachineJumpTableEntry& table : tables->getJumpTables()) {
      llvm::SmallPtrSet<llvm::MachineBasicBlock*, 32> targets(table.MBBs.begin(),
                                                              table.MBBs.end());
      if (targets.size() < kMinDispatchTargets) continue;
      for (llvm::MachineBasicBlock* target : targets) {
        // Padding in front of a block that its layout predecessor falls
        // into would be executed.
        llvm::MachineBasicBlock* before = target->getPrevNode();
        if (before != nullptr && before->canFallThrough()) continue;
        if (target->getAlignment() >= kDispatchTargetAlignment) continue;
        target->setAlignment(kDispatchTargetAlignment);
        changed = true;
      }
    }
    return changed;
  }
};

char AlignDispatchTargets::ID = 0;

}  // namespace

// LLVMTargetMachine::addPassesToEmitFile, with one pass of ours between
// the machine passes and the AsmPrinter, where LLVM offers no hook.
bool AddCodeGenPasses(llvm::TargetMachine& machine, llvm::legacy::PassManager& passes,
                      llvm::raw_pwrite_stream& out, llvm::CodeGenFileType type) {
  auto& llvm_machine = static_cast<llvm::LLVMTargetMachine&>(machine);
  llvm::TargetPassConfig* config = llvm_machine.createPassConfig(passes);
  config->setDisableVerify(true);
  passes.add(config);
  auto* machine_info = new llvm::MachineModuleInfoWrapperPass(&llvm_machine);
  passes.add(machine_info);
  if (config->addISelPasses()) return false;
  config->addMachinePasses();
  config->setInitialized();
  passes.add(new AlignDispatchTargets());
  if (llvm_machine.addAsmPrinter(passes, out, nullptr, type, machine_info->getMMI().getContext())) {
    return false;
  }
  passes.add(llvm::createFreeMachineFunctionPass());
  return true;
}

}  // namespace kiln::jit
