// jit/src/numeric_ops.h — WebAssembly numeric instructions as LLVM IR.
//
// "Numeric" here means every non-SIMD instruction that takes only stack
// operands, has no immediate and touches no state: the i32/i64/f32/f64
// comparisons, arithmetic, bitwise ops, shifts and rotates, the float unary
// and binary ops, and every conversion (wrap/extend, the sign-extension ops,
// trunc and trunc_sat, convert, demote/promote, reinterpret). The function
// compiler hands each of them to EmitNumericOp; keeping them here lets them
// be tested one by one against the spec's edge cases.
#ifndef KILN_JIT_SRC_NUMERIC_OPS_H_
#define KILN_JIT_SRC_NUMERIC_OPS_H_

#include <span>

#include "kiln/wasm/opcode.h"
#include "kiln/wasm/vm_abi.h"
#include "llvm/IR/IRBuilder.h"

namespace kiln::jit {

// Emits conditional traps for EmitNumericOp.
class TrapEmitter {
 public:
  virtual ~TrapEmitter() = default;

  // Emits a trap with `code` taken when `condition` (an i1) is true, and
  // leaves the builder positioned where execution continues when it is false.
  // Execution must never continue past a taken trap (the real implementation
  // calls a noreturn builtin): EmitNumericOp relies on that to keep LLVM
  // instructions with undefined behaviour (sdiv by zero, fptosi out of range)
  // off every path that reaches them. The condition is almost always false;
  // marking it unlikely is the emitter's job.
  virtual void TrapIf(llvm::Value* condition, vm::TrapCode code) = 0;
};

// LLVM's default floating-point model folds x - 0.0, x * 1.0, x / 1.0,
// x / -1.0, -0.0 - x and demote(promote(x)) to x or -x, where wasm requires
// a signalling NaN x to come out quiet.
//
// OpaqueFloat passes a float (or float vector) value through an empty
// inline asm that LLVM cannot see through (an x86 register operand).
llvm::Value* OpaqueFloat(llvm::IRBuilder<>& builder, llvm::Value* operand);
// Returns `operand` unchanged unless it is a float constant (or a float
// vector constant with a lane) of 0, 1 or -1, which it passes through
// OpaqueFloat. For the operands of float arithmetic.
llvm::Value* OpaqueIfFoldable(llvm::IRBuilder<>& builder, llvm::Value* operand);

// Whether `op` is a numeric instruction, i.e. one EmitNumericOp handles.
bool IsNumericOp(wasm::Opcode op);

// Emits `op` at the builder's insertion point and returns its result.
// `operands` are in wasm stack order (operands[0] was pushed first), as many
// as the opcode takes. Values are typed i32 -> i32, i64 -> i64, f32 -> float,
// f64 -> double; comparisons and eqz give an i32 that is 0 or 1. Ops that can
// trap (integer division and remainder, trapping float-to-int truncation)
// call traps.TrapIf, which may move the builder to a new block.
// Requires IsNumericOp(op).
llvm::Value* EmitNumericOp(llvm::IRBuilder<>& builder, wasm::Opcode op,
                           std::span<llvm::Value* const> operands, TrapEmitter& traps);

}  // namespace kiln::jit

#endif  // KILN_JIT_SRC_NUMERIC_OPS_H_
