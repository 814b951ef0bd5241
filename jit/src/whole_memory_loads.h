// whole_memory_loads.h — keeps wasm memory loads whole, so they trap.
//
// A wasm load's bounds check is the guard region past the end of memory:
// the access faults when any of its bytes is out of bounds. That holds only
// if the machine really performs the whole access. LLVM treats a load as
// free of side effects: it deletes one whose value is unused, and narrows
// one whose value is used only in part (a truncation, a mask, a shift, a
// lane extract) to the part used, in the optimizer and again in
// instruction selection. Either way a load that should trap returns.
//
// The translator tags every load of linear memory (TagMemoryLoads). This
// pass makes a tagged load volatile when its value is unused or only partly
// used, which LLVM neither deletes nor narrows. It runs twice: right after
// locals become SSA values, before any simplification has narrowed or
// deleted anything, and last in the pipeline, before instruction
// selection. Compilers that emit wasm already narrow their loads, so few
// loads qualify and fully used loads keep every optimization.
#ifndef KILN_JIT_WHOLE_MEMORY_LOADS_H_
#define KILN_JIT_WHOLE_MEMORY_LOADS_H_

#include "llvm/IR/Function.h"
#include "llvm/IR/PassManager.h"

namespace kiln::jit {

// The metadata kind that marks a load of linear memory.
inline constexpr char kMemoryLoadMetadata[] = "kiln.memory_load";

// Tags the loads in `function` whose address is computed from `memory_base`.
void TagMemoryLoads(llvm::Function& function, llvm::Value* memory_base);

// Makes the tagged loads of `function` whose value is unused or partly used
// volatile; returns how many it changed.
int KeepMemoryLoadsWholeIn(llvm::Function& function);

class KeepMemoryLoadsWhole : public llvm::PassInfoMixin<KeepMemoryLoadsWhole> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& function, llvm::FunctionAnalysisManager& analyses);
};

}  // namespace kiln::jit

#endif  // KILN_JIT_WHOLE_MEMORY_LOADS_H_
