// i64x2_mul_scalarizer.h — runs i64x2 multiply chains on scalar registers
// where the vector unit has no 64-bit lane multiply.
//
// x86 before AVX-512DQ has no 64-bit vector multiply: LLVM builds each
// `mul <2 x i64>` from three 32-bit multiplies (pmuludq) plus shifts and
// adds, about twice the work of two scalar `imul`s, all on the one port
// that multiplies vectors. Code that clang auto-vectorized for wasm SIMD,
// such as hashing lanes with 64-bit multiplies, then runs slower than the
// same program built without SIMD.
//
// Scalarizing just the multiply makes it worse: every value crosses
// between vector and scalar registers twice on the chain. So this pass
// takes the whole web of lane-wise <2 x i64> integer operations connected
// to a multiply (arithmetic, bitwise ops, shifts, rotates, phis and loads)
// and rewrites it as two scalar webs, one a lane. Values entering the web
// are split into lanes (free for constants and for vectors built from
// scalars); values leaving it are rebuilt as vectors, except where a user
// only extracts a lane. A web is rewritten only when its multiplies
// outweigh the vector values it would have to split or rebuild. Stores are
// never split: a v128.store must write all 16 bytes or trap.
//
// It runs last in the optimizer pipeline, so the SLP vectorizer, whose
// cost model prefers the vector multiply, does not undo it.
#ifndef KILN_JIT_I64X2_MUL_SCALARIZER_H_
#define KILN_JIT_I64X2_MUL_SCALARIZER_H_

#include "llvm/IR/PassManager.h"

namespace kiln::jit {

class ScalarizeI64x2MulWebs : public llvm::PassInfoMixin<ScalarizeI64x2MulWebs> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& function, llvm::FunctionAnalysisManager& analyses);
};

// Rewrites the profitable webs of `function`; returns how many.
int ScalarizeI64x2MulWebsIn(llvm::Function& function);

}  // namespace kiln::jit

#endif  // KILN_JIT_I64X2_MUL_SCALARIZER_H_
