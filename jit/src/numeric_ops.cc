#include "numeric_ops.h"

#include <cassert>
#include <cstdint>

#include "llvm/IR/Constants.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Intrinsics.h"

namespace kiln::jit {
namespace {

using wasm::Opcode;

// Whether `value` is 0, 1 or -1 (either sign of zero).
bool IsFoldableFloat(const llvm::APFloat& value) {
  llvm::APFloat one(value.getSemantics(), 1);
  llvm::APFloat minus_one(value.getSemantics(), 1);
  minus_one.changeSign();
  return value.isZero() || value.bitwiseIsEqual(one) || value.bitwiseIsEqual(minus_one);
}

// Wasm has no i1: comparisons produce an i32 that is 0 or 1.
llvm::Value* BoolToI32(llvm::IRBuilder<>& builder, llvm::Value* condition) {
  return builder.CreateZExt(condition, builder.getInt32Ty());
}

// Works for integer and float predicates alike (icmp or fcmp).
llvm::Value* Compare(llvm::IRBuilder<>& builder, llvm::CmpInst::Predicate predicate,
                     llvm::Value* lhs, llvm::Value* rhs) {
  return BoolToI32(builder, builder.CreateCmp(predicate, lhs, rhs));
}

// A shift count is taken modulo the bit width in wasm, while an LLVM shift
// by >= the width is poison, so mask it explicitly. (x86 masks in hardware;
// the `and` folds into the shift instruction there.)
llvm::Value* ShiftCount(llvm::IRBuilder<>& builder, llvm::Value* count) {
  const unsigned bits = count->getType()->getIntegerBitWidth();
  return builder.CreateAnd(count, llvm::ConstantInt::get(count->getType(), bits - 1));
}

enum class DivKind { kDivS, kDivU, kRemS, kRemU };

// Integer division and remainder. LLVM's sdiv/udiv/srem/urem have undefined
// behaviour for a zero divisor and sdiv/srem for INT_MIN / -1, so every such
// case is either trapped first (the trap does not return, so the division
// below is never reached with those operands) or steered away from.
llvm::Value* DivRem(llvm::IRBuilder<>& builder, DivKind kind, llvm::Value* lhs, llvm::Value* rhs,
                    TrapEmitter& traps) {
  auto* type = llvm::cast<llvm::IntegerType>(lhs->getType());
  traps.TrapIf(builder.CreateICmpEQ(rhs, llvm::ConstantInt::get(type, 0)),
               vm::TrapCode::kIntegerDivideByZero);
  llvm::Value* minus_one = llvm::ConstantInt::getSigned(type, -1);
  switch (kind) {
    case DivKind::kDivU:
      return builder.CreateUDiv(lhs, rhs);
    case DivKind::kRemU:
      return builder.CreateURem(lhs, rhs);
    case DivKind::kDivS: {
      // INT_MIN / -1 = 2^(N-1) is not representable: the spec traps.
      llvm::Value* int_min =
          llvm::ConstantInt::get(type, llvm::APInt::getSignedMinValue(type->getBitWidth()));
      llvm::Value* overflow = builder.CreateAnd(builder.CreateICmpEQ(lhs, int_min),
                                                builder.CreateICmpEQ(rhs, minus_one));
      traps.TrapIf(overflow, vm::TrapCode::kIntegerOverflow);
      return builder.CreateSDiv(lhs, rhs);
    }
    case DivKind::kRemS: {
      // INT_MIN % -1 is 0 in wasm but UB for srem (x86's idiv faults on
      // it). Any x % -1 is 0, and so is x % 1, so divide by 1 instead of -1:
      // same result for every x, and no bad operand pair is ever emitted.
      llvm::Value* safe_rhs = builder.CreateSelect(builder.CreateICmpEQ(rhs, minus_one),
                                                   llvm::ConstantInt::get(type, 1), rhs);
      return builder.CreateSRem(lhs, safe_rhs);
    }
  }
  return nullptr;  // not reached
}

// The inputs a trapping float -> int truncation accepts: after rounding
// toward zero the value must fit the integer type. Expressed on the
// *untruncated* input so the check can be done before the conversion
// (fptosi/fptoui of an out-of-range value is poison in LLVM). The bounds
// must be exactly representable in the source float type, or the compare
// would test a rounded bound.
struct TruncBounds {
  double lower;          // inputs below this (or equal, unless lower_inclusive) overflow
  bool lower_inclusive;  // whether `lower` itself is valid
  double upper;          // inputs at or above this overflow; always exclusive
};

constexpr double kTwo31 = 2147483648.0;            // 2^31
constexpr double kTwo32 = 4294967296.0;            // 2^32
constexpr double kTwo63 = 9223372036854775808.0;   // 2^63
constexpr double kTwo64 = 18446744073709551616.0;  // 2^64

// Upper bounds are 2^N (unsigned) or 2^(N-1) (signed): every float below
// them truncates into range, and these powers of two are exact in f32 and
// f64 alike.
//
// Unsigned lower bound: anything in (-1, 0] truncates to 0, which is valid;
// -1.0 and below are not. -1.0 is exact everywhere, so "x > -1.0".
//
// Signed lower bound: the smallest valid result is -2^(N-1), reached by
// every x in (-2^(N-1) - 1, -2^(N-1)]. Whether the exclusive bound
// -2^(N-1) - 1 is representable depends on the precision:
//   - f64 -> i32: -2147483649.0 needs 32 significant bits, f64 has 53: use
//     "x > -2147483649.0", which also accepts e.g. -2147483648.5.
//   - f32 -> i32, f32 -> i64, f64 -> i64: -2^(N-1) - 1 needs more bits than
//     the significand has, and the float just below -2^(N-1) is already a
//     whole number away from it (-2^31 - 128 in f32, -2^63 - 2048 in f64).
//     No valid input lies below -2^(N-1) itself, so use "x >= -2^(N-1)".
constexpr TruncBounds kI32FromF32S{-kTwo31, true, kTwo31};
constexpr TruncBounds kI32FromF64S{-kTwo31 - 1.0, false, kTwo31};
constexpr TruncBounds kI64FromFloatS{-kTwo63, true, kTwo63};
constexpr TruncBounds kI32FromFloatU{-1.0, false, kTwo32};
constexpr TruncBounds kI64FromFloatU{-1.0, false, kTwo64};

// The f32 conversions build their constants through a double: make sure
// nothing is rounded on the way (f64 bounds are exact by construction).
constexpr bool ExactInF32(double value) {
  return static_cast<double>(static_cast<float>(value)) == value;
}
static_assert(ExactInF32(kI32FromF32S.lower) && ExactInF32(kI32FromF32S.upper));
static_assert(ExactInF32(kI64FromFloatS.lower) && ExactInF32(kI64FromFloatS.upper));
static_assert(ExactInF32(kI32FromFloatU.lower) && ExactInF32(kI32FromFloatU.upper));
static_assert(ExactInF32(kI64FromFloatU.lower) && ExactInF32(kI64FromFloatU.upper));
static_assert(kI32FromF64S.lower == -2147483649.0);

// A trapping truncation (i32.trunc_f32_s etc.).
llvm::Value* TruncTrapping(llvm::IRBuilder<>& builder, llvm::Value* input,
                           llvm::IntegerType* result_type, bool is_signed,
                           const TruncBounds& bounds, TrapEmitter& traps) {
  llvm::Type* float_type = input->getType();
  // NaN is its own trap, checked first: "invalid conversion to integer".
  traps.TrapIf(builder.CreateFCmpUNO(input, input), vm::TrapCode::kInvalidConversionToInteger);
  // NaN is gone, so ordered compares are exact here; infinities fall out of
  // range on their own.
  llvm::Value* lower = llvm::ConstantFP::get(float_type, bounds.lower);
  llvm::Value* upper = llvm::ConstantFP::get(float_type, bounds.upper);
  llvm::Value* too_low = bounds.lower_inclusive ? builder.CreateFCmpOLT(input, lower)
                                                : builder.CreateFCmpOLE(input, lower);
  llvm::Value* too_high = builder.CreateFCmpOGE(input, upper);
  traps.TrapIf(builder.CreateOr(too_low, too_high), vm::TrapCode::kIntegerOverflow);
  return is_signed ? builder.CreateFPToSI(input, result_type)
                   : builder.CreateFPToUI(input, result_type);
}

// trunc_sat: NaN -> 0, out of range -> the nearest bound. That is exactly
// what llvm.fpto[su]i.sat are defined to do.
llvm::Value* TruncSaturating(llvm::IRBuilder<>& builder, llvm::Value* input,
                             llvm::IntegerType* result_type, bool is_signed) {
  return builder.CreateIntrinsic(
      is_signed ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat,
      {result_type, input->getType()}, {input});
}

// i32.extend8_s etc.: sign-extend the low `bits` bits in place.
llvm::Value* SignExtendLow(llvm::IRBuilder<>& builder, llvm::Value* value, unsigned bits) {
  return builder.CreateSExt(builder.CreateTrunc(value, builder.getIntNTy(bits)), value->getType());
}

}  // namespace

llvm::Value* OpaqueFloat(llvm::IRBuilder<>& builder, llvm::Value* operand) {
  // One register move at most; these forms are rare in real code.
  auto* type = llvm::FunctionType::get(operand->getType(), {operand->getType()}, false);
  return builder.CreateCall(llvm::InlineAsm::get(type, "", "=x,0", false), {operand});
}

llvm::Value* OpaqueIfFoldable(llvm::IRBuilder<>& builder, llvm::Value* operand) {
  auto* constant = llvm::dyn_cast<llvm::Constant>(operand);
  if (constant == nullptr) return operand;
  bool foldable = false;
  if (auto* scalar = llvm::dyn_cast<llvm::ConstantFP>(constant)) {
    foldable = IsFoldableFloat(scalar->getValueAPF());
  } else if (auto* vector = llvm::dyn_cast<llvm::FixedVectorType>(constant->getType())) {
    // A vector constant folds lane by lane: one such lane is enough. A
    // lane that cannot be read (a constant expression) counts as one.
    for (unsigned i = 0; i < vector->getNumElements() && !foldable; ++i) {
      auto* lane = llvm::dyn_cast_or_null<llvm::ConstantFP>(constant->getAggregateElement(i));
      foldable = lane == nullptr || IsFoldableFloat(lane->getValueAPF());
    }
  }
  return foldable ? OpaqueFloat(builder, operand) : operand;
}

bool IsNumericOp(wasm::Opcode op) {
  // The binary format groups them: 0x45 (i32.eqz) .. 0xC4 (i64.extend32_s)
  // without a gap (the consts just before take immediates and are not
  // ours), plus the saturating truncations 0xFC 0..7.
  const uint32_t value = static_cast<uint32_t>(op);
  const uint32_t prefix = value >> 16;
  const uint32_t code = value & 0xFFFF;
  if (prefix == 0) return code >= 0x45 && code <= 0xC4;
  if (prefix == 0xFC) return code <= 7;
  return false;
}

llvm::Value* EmitNumericOp(llvm::IRBuilder<>& builder, wasm::Opcode op,
                           std::span<llvm::Value* const> operands, TrapEmitter& traps) {
  assert(IsNumericOp(op));
  // Operand accessors that check the arity the opcode needs.
  auto unary = [&]() {
    assert(operands.size() == 1);
    return operands[0];
  };
  auto lhs = [&]() {
    assert(operands.size() == 2);
    return operands[0];
  };
  auto rhs = [&]() {
    assert(operands.size() == 2);
    return operands[1];
  };
  // Float arithmetic operands, shielded from NaN-unsafe identities.
  auto flhs = [&]() { return OpaqueIfFoldable(builder, lhs()); };
  auto frhs = [&]() { return OpaqueIfFoldable(builder, rhs()); };
  auto cmp = [&](llvm::CmpInst::Predicate predicate) {
    return Compare(builder, predicate, lhs(), rhs());
  };
  auto intrinsic1 = [&](llvm::Intrinsic::ID id) {
    return builder.CreateUnaryIntrinsic(id, unary());
  };
  auto intrinsic2 = [&](llvm::Intrinsic::ID id) {
    return builder.CreateBinaryIntrinsic(id, lhs(), rhs());
  };
  // clz/ctz take "is zero poison": false, since wasm defines clz(0) and
  // ctz(0) as the bit width.
  auto count_zeros = [&](llvm::Intrinsic::ID id) {
    llvm::Value* x = unary();
    return builder.CreateIntrinsic(id, {x->getType()}, {x, builder.getFalse()});
  };
  llvm::IntegerType* i32 = builder.getInt32Ty();
  llvm::IntegerType* i64 = builder.getInt64Ty();
  llvm::Type* f32 = builder.getFloatTy();
  llvm::Type* f64 = builder.getDoubleTy();

  using P = llvm::CmpInst::Predicate;
  namespace intrinsic = llvm::Intrinsic;
  switch (op) {
    // Integer comparisons.
    case Opcode::kI32Eqz:
    case Opcode::kI64Eqz:
      return BoolToI32(builder, builder.CreateIsNull(unary()));
    case Opcode::kI32Eq:
    case Opcode::kI64Eq:
      return cmp(P::ICMP_EQ);
    case Opcode::kI32Ne:
    case Opcode::kI64Ne:
      return cmp(P::ICMP_NE);
    case Opcode::kI32LtS:
    case Opcode::kI64LtS:
      return cmp(P::ICMP_SLT);
    case Opcode::kI32LtU:
    case Opcode::kI64LtU:
      return cmp(P::ICMP_ULT);
    case Opcode::kI32GtS:
    case Opcode::kI64GtS:
      return cmp(P::ICMP_SGT);
    case Opcode::kI32GtU:
    case Opcode::kI64GtU:
      return cmp(P::ICMP_UGT);
    case Opcode::kI32LeS:
    case Opcode::kI64LeS:
      return cmp(P::ICMP_SLE);
    case Opcode::kI32LeU:
    case Opcode::kI64LeU:
      return cmp(P::ICMP_ULE);
    case Opcode::kI32GeS:
    case Opcode::kI64GeS:
      return cmp(P::ICMP_SGE);
    case Opcode::kI32GeU:
    case Opcode::kI64GeU:
      return cmp(P::ICMP_UGE);

    // Float comparisons: every one is false on NaN except ne, which is true
    // (IEEE "unordered or not equal").
    case Opcode::kF32Eq:
    case Opcode::kF64Eq:
      return cmp(P::FCMP_OEQ);
    case Opcode::kF32Ne:
    case Opcode::kF64Ne:
      return cmp(P::FCMP_UNE);
    case Opcode::kF32Lt:
    case Opcode::kF64Lt:
      return cmp(P::FCMP_OLT);
    case Opcode::kF32Gt:
    case Opcode::kF64Gt:
      return cmp(P::FCMP_OGT);
    case Opcode::kF32Le:
    case Opcode::kF64Le:
      return cmp(P::FCMP_OLE);
    case Opcode::kF32Ge:
    case Opcode::kF64Ge:
      return cmp(P::FCMP_OGE);

    // Integer unary ops.
    case Opcode::kI32Clz:
    case Opcode::kI64Clz:
      return count_zeros(intrinsic::ctlz);
    case Opcode::kI32Ctz:
    case Opcode::kI64Ctz:
      return count_zeros(intrinsic::cttz);
    case Opcode::kI32Popcnt:
    case Opcode::kI64Popcnt:
      return intrinsic1(intrinsic::ctpop);

    // Integer arithmetic: wraps modulo 2^N, so plain add/sub/mul without
    // nsw/nuw flags.
    case Opcode::kI32Add:
    case Opcode::kI64Add:
      return builder.CreateAdd(lhs(), rhs());
    case Opcode::kI32Sub:
    case Opcode::kI64Sub:
      return builder.CreateSub(lhs(), rhs());
    case Opcode::kI32Mul:
    case Opcode::kI64Mul:
      return builder.CreateMul(lhs(), rhs());
    case Opcode::kI32DivS:
    case Opcode::kI64DivS:
      return DivRem(builder, DivKind::kDivS, lhs(), rhs(), traps);
    case Opcode::kI32DivU:
    case Opcode::kI64DivU:
      return DivRem(builder, DivKind::kDivU, lhs(), rhs(), traps);
    case Opcode::kI32RemS:
    case Opcode::kI64RemS:
      return DivRem(builder, DivKind::kRemS, lhs(), rhs(), traps);
    case Opcode::kI32RemU:
    case Opcode::kI64RemU:
      return DivRem(builder, DivKind::kRemU, lhs(), rhs(), traps);

    // Bitwise ops, shifts, rotates.
    case Opcode::kI32And:
    case Opcode::kI64And:
      return builder.CreateAnd(lhs(), rhs());
    case Opcode::kI32Or:
    case Opcode::kI64Or:
      return builder.CreateOr(lhs(), rhs());
    case Opcode::kI32Xor:
    case Opcode::kI64Xor:
      return builder.CreateXor(lhs(), rhs());
    case Opcode::kI32Shl:
    case Opcode::kI64Shl:
      return builder.CreateShl(lhs(), ShiftCount(builder, rhs()));
    case Opcode::kI32ShrS:
    case Opcode::kI64ShrS:
      return builder.CreateAShr(lhs(), ShiftCount(builder, rhs()));
    case Opcode::kI32ShrU:
    case Opcode::kI64ShrU:
      return builder.CreateLShr(lhs(), ShiftCount(builder, rhs()));
    // A funnel shift of a value with itself is a rotate, and fshl/fshr take
    // the count modulo the width themselves, so no mask is needed.
    case Opcode::kI32Rotl:
    case Opcode::kI64Rotl:
      return builder.CreateIntrinsic(intrinsic::fshl, {lhs()->getType()}, {lhs(), lhs(), rhs()});
    case Opcode::kI32Rotr:
    case Opcode::kI64Rotr:
      return builder.CreateIntrinsic(intrinsic::fshr, {lhs()->getType()}, {lhs(), lhs(), rhs()});

    // Float unary ops. abs, neg and copysign only touch the sign bit (NaN
    // payloads survive, as the spec requires): fabs/fneg/copysign are
    // defined that way in LLVM, whereas e.g. `fsub -0.0, x` is not.
    case Opcode::kF32Abs:
    case Opcode::kF64Abs:
      return intrinsic1(intrinsic::fabs);
    case Opcode::kF32Neg:
    case Opcode::kF64Neg:
      return builder.CreateFNeg(unary());
    case Opcode::kF32Ceil:
    case Opcode::kF64Ceil:
      return intrinsic1(intrinsic::ceil);
    case Opcode::kF32Floor:
    case Opcode::kF64Floor:
      return intrinsic1(intrinsic::floor);
    case Opcode::kF32Trunc:
    case Opcode::kF64Trunc:
      return intrinsic1(intrinsic::trunc);
    // Round half to even (nearest(0.5) = 0, nearest(1.5) = 2), keeping the
    // sign of zero: exactly llvm.roundeven, unlike llvm.round/rint.
    case Opcode::kF32Nearest:
    case Opcode::kF64Nearest:
      return intrinsic1(intrinsic::roundeven);
    case Opcode::kF32Sqrt:
    case Opcode::kF64Sqrt:
      return intrinsic1(intrinsic::sqrt);

    // Float binary ops.
    case Opcode::kF32Add:
    case Opcode::kF64Add:
      return builder.CreateFAdd(flhs(), frhs());
    case Opcode::kF32Sub:
    case Opcode::kF64Sub:
      return builder.CreateFSub(flhs(), frhs());
    case Opcode::kF32Mul:
    case Opcode::kF64Mul:
      return builder.CreateFMul(flhs(), frhs());
    case Opcode::kF32Div:
    case Opcode::kF64Div:
      return builder.CreateFDiv(flhs(), frhs());
    // Wasm min/max return NaN if either operand is NaN and order -0 below
    // +0: IEEE 754-2019 minimum/maximum, i.e. llvm.minimum/maximum (not
    // minnum/maxnum, which return the non-NaN operand). A NaN result must
    // also be quiet, and x86's lowering of minimum/maximum passes a
    // signalling NaN operand through unchanged: when either operand is NaN,
    // the sum of the two is a quiet NaN made from them.
    case Opcode::kF32Min:
    case Opcode::kF64Min:
    case Opcode::kF32Max:
    case Opcode::kF64Max: {
      const bool is_min = op == Opcode::kF32Min || op == Opcode::kF64Min;
      llvm::Value* result = intrinsic2(is_min ? intrinsic::minimum : intrinsic::maximum);
      return builder.CreateSelect(builder.CreateFCmpUNO(lhs(), rhs()),
                                  builder.CreateFAdd(lhs(), rhs()), result);
    }
    case Opcode::kF32Copysign:
    case Opcode::kF64Copysign:
      return intrinsic2(intrinsic::copysign);

    // Integer width changes.
    case Opcode::kI32WrapI64:
      return builder.CreateTrunc(unary(), i32);
    case Opcode::kI64ExtendI32S:
      return builder.CreateSExt(unary(), i64);
    case Opcode::kI64ExtendI32U:
      return builder.CreateZExt(unary(), i64);
    case Opcode::kI32Extend8S:
    case Opcode::kI64Extend8S:
      return SignExtendLow(builder, unary(), 8);
    case Opcode::kI32Extend16S:
    case Opcode::kI64Extend16S:
      return SignExtendLow(builder, unary(), 16);
    case Opcode::kI64Extend32S:
      return SignExtendLow(builder, unary(), 32);

    // Trapping float -> int truncations.
    case Opcode::kI32TruncF32S:
      return TruncTrapping(builder, unary(), i32, true, kI32FromF32S, traps);
    case Opcode::kI32TruncF64S:
      return TruncTrapping(builder, unary(), i32, true, kI32FromF64S, traps);
    case Opcode::kI32TruncF32U:
    case Opcode::kI32TruncF64U:
      return TruncTrapping(builder, unary(), i32, false, kI32FromFloatU, traps);
    case Opcode::kI64TruncF32S:
    case Opcode::kI64TruncF64S:
      return TruncTrapping(builder, unary(), i64, true, kI64FromFloatS, traps);
    case Opcode::kI64TruncF32U:
    case Opcode::kI64TruncF64U:
      return TruncTrapping(builder, unary(), i64, false, kI64FromFloatU, traps);

    // Saturating float -> int truncations.
    case Opcode::kI32TruncSatF32S:
    case Opcode::kI32TruncSatF64S:
      return TruncSaturating(builder, unary(), i32, true);
    case Opcode::kI32TruncSatF32U:
    case Opcode::kI32TruncSatF64U:
      return TruncSaturating(builder, unary(), i32, false);
    case Opcode::kI64TruncSatF32S:
    case Opcode::kI64TruncSatF64S:
      return TruncSaturating(builder, unary(), i64, true);
    case Opcode::kI64TruncSatF32U:
    case Opcode::kI64TruncSatF64U:
      return TruncSaturating(builder, unary(), i64, false);

    // Int -> float, rounding to nearest even (LLVM's semantics and wasm's).
    case Opcode::kF32ConvertI32S:
    case Opcode::kF32ConvertI64S:
      return builder.CreateSIToFP(unary(), f32);
    case Opcode::kF32ConvertI32U:
    case Opcode::kF32ConvertI64U:
      return builder.CreateUIToFP(unary(), f32);
    case Opcode::kF64ConvertI32S:
    case Opcode::kF64ConvertI64S:
      return builder.CreateSIToFP(unary(), f64);
    case Opcode::kF64ConvertI32U:
    case Opcode::kF64ConvertI64U:
      return builder.CreateUIToFP(unary(), f64);

    // Float width changes.
    case Opcode::kF32DemoteF64:
      if (llvm::isa<llvm::FPExtInst>(unary())) {
        return builder.CreateFPTrunc(OpaqueFloat(builder, unary()), f32);
      }
      return builder.CreateFPTrunc(unary(), f32);
    case Opcode::kF64PromoteF32:
      return builder.CreateFPExt(unary(), f64);

    // Reinterpretations: bit-for-bit, signalling NaNs included.
    case Opcode::kI32ReinterpretF32:
      return builder.CreateBitCast(unary(), i32);
    case Opcode::kI64ReinterpretF64:
      return builder.CreateBitCast(unary(), i64);
    case Opcode::kF32ReinterpretI32:
      return builder.CreateBitCast(unary(), f32);
    case Opcode::kF64ReinterpretI64:
      return builder.CreateBitCast(unary(), f64);

    default:
      break;
  }
  assert(false && "EmitNumericOp: not a numeric opcode");
  return nullptr;
}

}  // namespace kiln::jit
