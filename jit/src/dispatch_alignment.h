// dispatch_alignment.h — starts each target of a big jump table on a cache
// line of its own.
//
// An interpreter's loop (a wasm br_table over opcodes) jumps through a
// table to one small block per opcode, and each block ends in a branch
// back. Packed end to end, several of those blocks and their branches share
// one 64-byte line. On AMD Zen 3 (where Kiln's benchmarks run) the
// branch predictor and the op cache work a line at a time, and how many
// cases share a line decides the speed: moving the same code by 16 bytes
// changed the `interp` benchmark by up to 40%. With each target of a
// table of kMinDispatchTargets or more aligned to 64 bytes, every placement
// ran at the fast speed.
//
// Only targets that nothing falls into are aligned, so the padding is
// never executed; it costs at most 63 bytes of code per target (yosys, a
// 31 MB module, grows by 0.14% at O0).
#ifndef KILN_JIT_DISPATCH_ALIGNMENT_H_
#define KILN_JIT_DISPATCH_ALIGNMENT_H_

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

namespace kiln::jit {

// The fewest distinct targets a jump table needs for them to be aligned.
inline constexpr unsigned kMinDispatchTargets = 8;

// Adds to `passes` LLVM's code generation for `machine`, writing a file of
// `type` (an object file, or assembly for tests) to `out`, with dispatch
// targets aligned just before it is emitted. False if the target cannot
// emit that type.
bool AddCodeGenPasses(llvm::TargetMachine& machine, llvm::legacy::PassManager& passes,
                      llvm::raw_pwrite_stream& out, llvm::CodeGenFileType type);

}  // namespace kiln::jit

#endif  // KILN_JIT_DISPATCH_ALIGNMENT_H_
