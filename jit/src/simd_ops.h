// jit/src/simd_ops.h — WebAssembly SIMD128 instructions as LLVM IR.
//
// On the operand stack, in locals, globals and across calls a v128 is
// always an LLVM <2 x i64> (ModuleEnv::ValueType). Each instruction bitcasts
// its operands to the lane shape it works on (<16 x i8>, <8 x i16>,
// <4 x i32>, <2 x i64>, <4 x float>, <2 x double>) and its v128 result back
// to <2 x i64>; bitcasts between vector types are free in machine code.
// Lane i of a v128 is the i-th lane in memory order (wasm is little-endian,
// and so is every target Kiln compiles for).
//
// Most instructions are written with target-independent IR (vector
// arithmetic, llvm.sadd.sat, llvm.smin, llvm.abs, llvm.ctpop,
// llvm.roundeven, ...) chosen so that LLVM's x86 backend selects one or a
// few SSE/AVX instructions; jit/SIMD_CODEGEN.md lists what each hot
// instruction becomes. A few have no such IR form that LLVM lowers well and
// use x86 intrinsics on x86 targets (see SimdTarget), with a generic
// fallback elsewhere.
#ifndef KILN_JIT_SRC_SIMD_OPS_H_
#define KILN_JIT_SRC_SIMD_OPS_H_

#include <cstddef>
#include <span>

#include "kiln/wasm/instruction.h"
#include "kiln/wasm/opcode.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

namespace kiln::jit {

// What the SIMD lowering may assume about the target beyond LLVM's
// generic vector support.
struct SimdTarget {
  // x86-64 with at least SSSE3 (Compiler::Create refuses x86-64 CPUs
  // without SSE4.1, so this is every x86-64 target Kiln compiles for):
  // pshufb, pmulhrsw and cvttps2dq may be used through their intrinsics.
  bool x86_ssse3 = false;

  static SimdTarget For(const llvm::Module& module);
};

// Whether `op` is a SIMD instruction without a memory operand (every 0xFD
// instruction but the loads and stores), i.e. one EmitSimdOp handles.
bool IsSimdOp(wasm::Opcode op);

// Whether `op` is a SIMD load or store (v128.load*, v128.store*, the lane
// loads and stores): EmitSimdLoad and EmitSimdStore handle them.
bool IsSimdMemoryOp(wasm::Opcode op);
bool IsSimdStore(wasm::Opcode op);

// How many stack operands `op` (IsSimdOp) takes.
size_t SimdArity(wasm::Opcode op);

// Emits `in` (IsSimdOp) and returns its result: a v128 as <2 x i64>, i32,
// i64, float or double as its signature says. `operands` are in wasm stack
// order. Immediates (lane index, shuffle lanes, v128.const bytes) come from
// `in`. No SIMD instruction traps.
llvm::Value* EmitSimdOp(llvm::IRBuilder<>& builder, const wasm::Instruction& in,
                        std::span<llvm::Value* const> operands, const SimdTarget& target);

// Emits the load `in` (IsSimdMemoryOp, not a store) from `address`, the
// effective address (already offset: the first byte accessed). `vector` is
// the v128 operand of a lane load, else null. Returns the v128 result.
// Accesses are unaligned (align 1); an out-of-bounds access faults like the
// scalar loads do.
llvm::Value* EmitSimdLoad(llvm::IRBuilder<>& builder, const wasm::Instruction& in,
                          llvm::Value* address, llvm::Value* vector);

// Emits the store `in` (IsSimdStore) of `vector` (or its lane) to `address`.
void EmitSimdStore(llvm::IRBuilder<>& builder, const wasm::Instruction& in,
                   llvm::Value* address, llvm::Value* vector);

}  // namespace kiln::jit

#endif  // KILN_JIT_SRC_SIMD_OPS_H_
