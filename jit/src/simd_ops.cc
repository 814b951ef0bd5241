#include "simd_ops.h"

#include <array>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <vector>

#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/IntrinsicsX86.h"
#include "llvm/TargetParser/Triple.h"
#include "numeric_ops.h"

namespace kiln::jit {
namespace {

using wasm::Opcode;
namespace intrinsic = llvm::Intrinsic;
using P = llvm::CmpInst::Predicate;

// The IR for one instruction: lane-shape types and the small helpers every
// instruction needs.
class SimdEmitter {
 public:
  SimdEmitter(llvm::IRBuilder<>& builder, const SimdTarget& target)
      : b_(builder), target_(target), context_(builder.getContext()) {}

  llvm::Value* Emit(const wasm::Instruction& in, std::span<llvm::Value* const> operands);
  llvm::Value* Load(const wasm::Instruction& in, llvm::Value* address, llvm::Value* vector);
  void Store(const wasm::Instruction& in, llvm::Value* address, llvm::Value* vector);

 private:
  // Lane shapes.
  llvm::FixedVectorType* Vec(llvm::Type* lane, unsigned count) {
    return llvm::FixedVectorType::get(lane, count);
  }
  llvm::FixedVectorType* I8x16() { return Vec(b_.getInt8Ty(), 16); }
  llvm::FixedVectorType* I16x8() { return Vec(b_.getInt16Ty(), 8); }
  llvm::FixedVectorType* I32x4() { return Vec(b_.getInt32Ty(), 4); }
  llvm::FixedVectorType* I64x2() { return Vec(b_.getInt64Ty(), 2); }
  llvm::FixedVectorType* F32x4() { return Vec(b_.getFloatTy(), 4); }
  llvm::FixedVectorType* F64x2() { return Vec(b_.getDoubleTy(), 2); }

  // `v` (any 128-bit vector) seen as `shape`, and back to the canonical v128.
  // A constant is reinterpreted here rather than left a constant bitcast
  // expression (which is what IRBuilder makes of a bitcast that changes the
  // lane count), so that OpaqueIfFoldable and LLVM's folds see its lanes.
  llvm::Value* As(llvm::Value* v, llvm::FixedVectorType* shape) {
    if (v->getType() == shape) return v;
    if (llvm::isa<llvm::ConstantAggregateZero>(v)) return llvm::Constant::getNullValue(shape);
    if (auto* data = llvm::dyn_cast<llvm::ConstantDataVector>(v)) {
      return llvm::ConstantDataVector::getRaw(data->getRawDataValues(), shape->getNumElements(),
                                              shape->getElementType());
    }
    return b_.CreateBitCast(v, shape);
  }
  llvm::Value* V128(llvm::Value* v) { return As(v, I64x2()); }

  llvm::Value* Splat(llvm::FixedVectorType* shape, uint64_t value) {
    return llvm::ConstantInt::get(shape, value);
  }
  llvm::Value* SplatF(llvm::FixedVectorType* shape, double value) {
    return llvm::ConstantFP::get(shape, value);
  }
  // A splat of a float given by its bits (exact, NaN payloads included).
  llvm::Value* SplatFBits(llvm::FixedVectorType* shape, uint64_t bits) {
    const bool is_f32 = shape->getElementType()->isFloatTy();
    llvm::APFloat value(is_f32 ? llvm::APFloat::IEEEsingle() : llvm::APFloat::IEEEdouble(),
                        llvm::APInt(is_f32 ? 32 : 64, bits));
    return llvm::ConstantFP::get(shape, value);
  }

  // Lanes [first, first + count) of `v` as a vector of `count` lanes.
  llvm::Value* Slice(llvm::Value* v, unsigned first, unsigned count) {
    std::vector<int> mask(count);
    for (unsigned i = 0; i < count; ++i) mask[i] = static_cast<int>(first + i);
    return b_.CreateShuffleVector(v, mask);
  }
  // The lanes of `a` followed by those of `b` (same type).
  llvm::Value* Concat(llvm::Value* a, llvm::Value* b) {
    const unsigned n = llvm::cast<llvm::FixedVectorType>(a->getType())->getNumElements();
    std::vector<int> mask(2 * n);
    for (unsigned i = 0; i < 2 * n; ++i) mask[i] = static_cast<int>(i);
    return b_.CreateShuffleVector(a, b, mask);
  }

  // Comparisons give all-ones or all-zero lanes of the compared width.
  llvm::Value* Compare(P predicate, llvm::Value* a, llvm::Value* b, llvm::FixedVectorType* shape) {
    llvm::Value* lhs = As(a, shape);
    llvm::Value* rhs = As(b, shape);
    llvm::Type* mask_type = llvm::VectorType::getInteger(shape);
    return V128(b_.CreateSExt(b_.CreateCmp(predicate, lhs, rhs), mask_type));
  }

  llvm::Value* Binary(llvm::Instruction::BinaryOps op, llvm::Value* a, llvm::Value* b,
                      llvm::FixedVectorType* shape) {
    return V128(b_.CreateBinOp(op, As(a, shape), As(b, shape)));
  }
  // Float arithmetic, its operands shielded from NaN-unsafe folds.
  llvm::Value* FloatBinary(llvm::Instruction::BinaryOps op, llvm::Value* a, llvm::Value* b,
                           llvm::FixedVectorType* shape) {
    return V128(b_.CreateBinOp(op, OpaqueIfFoldable(b_, As(a, shape)),
                               OpaqueIfFoldable(b_, As(b, shape))));
  }
  llvm::Value* Intrinsic1(intrinsic::ID id, llvm::Value* a, llvm::FixedVectorType* shape) {
    return V128(b_.CreateUnaryIntrinsic(id, As(a, shape)));
  }
  llvm::Value* Intrinsic2(intrinsic::ID id, llvm::Value* a, llvm::Value* b,
                          llvm::FixedVectorType* shape) {
    return V128(b_.CreateBinaryIntrinsic(id, As(a, shape), As(b, shape)));
  }

  llvm::Value* Shift(llvm::Instruction::BinaryOps op, llvm::Value* a, llvm::Value* count,
                     llvm::FixedVectorType* shape);
  llvm::Value* AllTrue(llvm::Value* a, llvm::FixedVectorType* shape);
  llvm::Value* Bitmask(llvm::Value* a, llvm::FixedVectorType* shape);
  llvm::Value* Narrow(llvm::Value* a, llvm::Value* b, llvm::FixedVectorType* from,
                      llvm::FixedVectorType* to, bool is_signed);
  llvm::Value* Extend(llvm::Value* a, llvm::FixedVectorType* from, bool high, bool is_signed);
  llvm::Value* ExtMul(llvm::Value* a, llvm::Value* b, llvm::FixedVectorType* from, bool high,
                      bool is_signed);
  llvm::Value* ExtAddPairwise(llvm::Value* a, llvm::FixedVectorType* wide, bool is_signed);
  llvm::Value* AvgrU(llvm::Value* a, llvm::Value* b, llvm::FixedVectorType* shape);
  llvm::Value* Q15MulrSat(llvm::Value* a, llvm::Value* b);
  llvm::Value* Dot(llvm::Value* a, llvm::Value* b);
  llvm::Value* Swizzle(llvm::Value* a, llvm::Value* indices);
  llvm::Value* X86MinMax(llvm::Value* x, llvm::Value* y, bool is_min);
  llvm::Value* MinMax(llvm::Value* a, llvm::Value* b, llvm::FixedVectorType* shape, bool is_min);
  llvm::Value* PMinMax(llvm::Value* a, llvm::Value* b, llvm::FixedVectorType* shape, bool is_min);
  llvm::Value* TruncSatF32(llvm::Value* a, bool is_signed);
  llvm::Value* TruncSatF64(llvm::Value* a, bool is_signed);
  llvm::Value* ExtractLane(llvm::Value* a, llvm::FixedVectorType* shape, unsigned lane) {
    return b_.CreateExtractElement(As(a, shape), uint64_t{lane});
  }
  llvm::Value* ReplaceLane(llvm::Value* a, llvm::Value* x, llvm::FixedVectorType* shape,
                           unsigned lane) {
    llvm::Type* lane_type = shape->getElementType();
    if (x->getType() != lane_type) x = b_.CreateTrunc(x, lane_type);
    return V128(b_.CreateInsertElement(As(a, shape), x, uint64_t{lane}));
  }
  llvm::Value* SplatOf(llvm::Value* x, llvm::FixedVectorType* shape) {
    llvm::Type* lane_type = shape->getElementType();
    if (x->getType() != lane_type) x = b_.CreateTrunc(x, lane_type);
    return V128(b_.CreateVectorSplat(shape->getNumElements(), x));
  }

  llvm::IRBuilder<>& b_;
  const SimdTarget& target_;
  llvm::LLVMContext& context_;
};

// Wasm takes shift counts modulo the lane width; an LLVM shift by the width
// or more is poison.
llvm::Value* SimdEmitter::Shift(llvm::Instruction::BinaryOps op, llvm::Value* a,
                                llvm::Value* count, llvm::FixedVectorType* shape) {
  llvm::Type* lane_type = shape->getElementType();
  const unsigned bits = lane_type->getIntegerBitWidth();
  llvm::Value* masked = b_.CreateAnd(count, b_.getInt32(bits - 1));
  llvm::Value* lane_count = b_.CreateZExtOrTrunc(masked, lane_type);
  llvm::Value* counts = b_.CreateVectorSplat(shape->getNumElements(), lane_count);
  return V128(b_.CreateBinOp(op, As(a, shape), counts));
}

// 1 when no lane is zero: the lanes' "nonzero" bits as an integer, all set.
llvm::Value* SimdEmitter::AllTrue(llvm::Value* a, llvm::FixedVectorType* shape) {
  const unsigned n = shape->getNumElements();
  llvm::Value* nonzero = b_.CreateICmpNE(As(a, shape), llvm::Constant::getNullValue(shape));
  llvm::Value* bits = b_.CreateBitCast(nonzero, b_.getIntNTy(n));
  return b_.CreateZExt(b_.CreateICmpEQ(bits, llvm::ConstantInt::getAllOnesValue(bits->getType())),
                       b_.getInt32Ty());
}

// The lanes' sign bits, lane 0 in bit 0: x86's pmovmskb / movmskps /
// movmskpd.
llvm::Value* SimdEmitter::Bitmask(llvm::Value* a, llvm::FixedVectorType* shape) {
  const unsigned n = shape->getNumElements();
  llvm::Value* negative = b_.CreateICmpSLT(As(a, shape), llvm::Constant::getNullValue(shape));
  return b_.CreateZExt(b_.CreateBitCast(negative, b_.getIntNTy(n)), b_.getInt32Ty());
}

// Saturating narrow: the lanes of a then b, clamped to the narrow type's
// (signed or unsigned) range. The inputs are signed either way. LLVM
// recognizes clamp + trunc as packsswb / packuswb / packssdw / packusdw.
llvm::Value* SimdEmitter::Narrow(llvm::Value* a, llvm::Value* b, llvm::FixedVectorType* from,
                                 llvm::FixedVectorType* to, bool is_signed) {
  const unsigned narrow_bits = to->getElementType()->getIntegerBitWidth();
  llvm::Value* wide = Concat(As(a, from), As(b, from));
  auto* wide_type = llvm::cast<llvm::FixedVectorType>(wide->getType());
  const unsigned wide_bits = from->getElementType()->getIntegerBitWidth();
  llvm::APInt low = is_signed ? llvm::APInt::getSignedMinValue(narrow_bits).sext(wide_bits)
                              : llvm::APInt(wide_bits, 0);
  llvm::APInt high = is_signed ? llvm::APInt::getSignedMaxValue(narrow_bits).sext(wide_bits)
                               : llvm::APInt::getMaxValue(narrow_bits).zext(wide_bits);
  llvm::Value* clamped = b_.CreateBinaryIntrinsic(
      intrinsic::smax, wide, llvm::ConstantInt::get(wide_type, low));
  clamped = b_.CreateBinaryIntrinsic(intrinsic::smin, clamped,
                                     llvm::ConstantInt::get(wide_type, high));
  return V128(b_.CreateTrunc(clamped, Vec(to->getElementType(), wide_type->getNumElements())));
}

// The low or high half of the lanes of `from`, each widened to twice its
// width.
llvm::Value* SimdEmitter::Extend(llvm::Value* a, llvm::FixedVectorType* from, bool high,
                                 bool is_signed) {
  const unsigned half = from->getNumElements() / 2;
  llvm::Value* lanes = Slice(As(a, from), high ? half : 0, half);
  llvm::Type* wide_lane = b_.getIntNTy(2 * from->getElementType()->getIntegerBitWidth());
  llvm::Type* wide = Vec(wide_lane, half);
  return is_signed ? b_.CreateSExt(lanes, wide) : b_.CreateZExt(lanes, wide);
}

llvm::Value* SimdEmitter::ExtMul(llvm::Value* a, llvm::Value* b, llvm::FixedVectorType* from,
                                 bool high, bool is_signed) {
  return V128(b_.CreateMul(Extend(a, from, high, is_signed), Extend(b, from, high, is_signed)));
}

// Each pair of adjacent narrow lanes summed into one wide lane.
llvm::Value* SimdEmitter::ExtAddPairwise(llvm::Value* a, llvm::FixedVectorType* wide,
                                         bool is_signed) {
  const unsigned half_bits = wide->getElementType()->getIntegerBitWidth() / 2;
  // On x86 a multiply-add by ones does it in one instruction: pmaddubsw
  // (u8 * s8 pairs summed, saturating; the sums here are at most 510 in
  // magnitude) and pmaddwd (s16 * s16 pairs summed).
  if (target_.x86_ssse3 && half_bits == 8) {
    llvm::Value* x = As(a, I8x16());
    llvm::Value* ones = Splat(I8x16(), 1);
    return V128(b_.CreateIntrinsic(intrinsic::x86_ssse3_pmadd_ub_sw_128, {},
                                   is_signed ? std::array{ones, x} : std::array{x, ones}));
  }
  if (target_.x86_ssse3 && half_bits == 16 && is_signed) {
    return V128(b_.CreateIntrinsic(intrinsic::x86_sse2_pmadd_wd, {},
                                   {As(a, I16x8()), Splat(I16x8(), 1)}));
  }
  // Seen as wide lanes (little-endian), the even narrow lane is the low
  // half and the odd one the high half, so two shifts (or a mask and a
  // shift) extract them: no shuffles needed.
  llvm::Value* x = As(a, wide);
  llvm::Value* shift = Splat(wide, half_bits);
  llvm::Value* even;
  llvm::Value* odd;
  if (is_signed) {
    even = b_.CreateAShr(b_.CreateShl(x, shift), shift);
    odd = b_.CreateAShr(x, shift);
  } else {
    even = b_.CreateAnd(x, Splat(wide, (uint64_t{1} << half_bits) - 1));
    odd = b_.CreateLShr(x, shift);
  }
  return V128(b_.CreateAdd(even, odd));
}

// (a + b + 1) / 2 without overflow, in lanes twice as wide; LLVM recognizes
// it as pavgb / pavgw.
llvm::Value* SimdEmitter::AvgrU(llvm::Value* a, llvm::Value* b, llvm::FixedVectorType* shape) {
  const unsigned n = shape->getNumElements();
  llvm::FixedVectorType* wide = Vec(b_.getIntNTy(2 * shape->getElementType()->getIntegerBitWidth()), n);
  llvm::Value* sum = b_.CreateAdd(b_.CreateZExt(As(a, shape), wide), b_.CreateZExt(As(b, shape), wide));
  sum = b_.CreateAdd(sum, Splat(wide, 1));
  return V128(b_.CreateTrunc(b_.CreateLShr(sum, Splat(wide, 1)), shape));
}

// (a * b + 0x4000) >> 15, saturated to i16. The only product that
// overflows is -32768 * -32768 (giving 32768), and -32768 is not otherwise
// a possible result, so the unsaturated result is fixed up by turning
// -32768 lanes into 32767 (xor with the all-ones compare mask). x86's
// pmulhrsw computes exactly the unsaturated result; LLVM does not match it
// from generic IR (it widens to 32-bit lanes), hence the intrinsic.
llvm::Value* SimdEmitter::Q15MulrSat(llvm::Value* a, llvm::Value* b) {
  llvm::FixedVectorType* i16x8 = I16x8();
  llvm::Value* product;
  if (target_.x86_ssse3) {
    product = b_.CreateIntrinsic(intrinsic::x86_ssse3_pmul_hr_sw_128, {},
                                 {As(a, i16x8), As(b, i16x8)});
  } else {
    llvm::FixedVectorType* i32x8 = Vec(b_.getInt32Ty(), 8);
    llvm::Value* wide = b_.CreateMul(b_.CreateSExt(As(a, i16x8), i32x8),
                                     b_.CreateSExt(As(b, i16x8), i32x8));
    wide = b_.CreateAShr(b_.CreateAdd(wide, Splat(i32x8, 0x4000)), Splat(i32x8, 15));
    product = b_.CreateTrunc(wide, i16x8);
  }
  llvm::Value* overflow = b_.CreateICmpEQ(product, Splat(i16x8, 0x8000));
  return V128(b_.CreateXor(product, b_.CreateSExt(overflow, i16x8)));
}

// Products of the signed i16 lanes, adjacent pairs summed into i32 lanes:
// LLVM recognizes the pattern as pmaddwd.
llvm::Value* SimdEmitter::Dot(llvm::Value* a, llvm::Value* b) {
  llvm::FixedVectorType* i32x8 = Vec(b_.getInt32Ty(), 8);
  llvm::Value* products = b_.CreateMul(b_.CreateSExt(As(a, I16x8()), i32x8),
                                       b_.CreateSExt(As(b, I16x8()), i32x8));
  llvm::Value* even = b_.CreateShuffleVector(products, {0, 2, 4, 6});
  llvm::Value* odd = b_.CreateShuffleVector(products, {1, 3, 5, 7});
  return V128(b_.CreateAdd(even, odd));
}

// result[i] = indices[i] < 16 ? a[indices[i]] : 0.
llvm::Value* SimdEmitter::Swizzle(llvm::Value* a, llvm::Value* indices) {
  llvm::FixedVectorType* i8x16 = I8x16();
  llvm::Value* table = As(a, i8x16);
  llvm::Value* index = As(indices, i8x16);
  if (target_.x86_ssse3) {
    // pshufb takes the low 4 bits of each index and zeroes the lane when
    // bit 7 is set. Adding 0x70 with unsigned saturation keeps 0..15 in
    // 0x70..0x7F (same low bits, bit 7 clear) and lifts 16..255 to 0x80 and
    // above: paddusb + pshufb.
    llvm::Value* adjusted =
        b_.CreateBinaryIntrinsic(intrinsic::uadd_sat, index, Splat(i8x16, 0x70));
    return V128(b_.CreateIntrinsic(intrinsic::x86_ssse3_pshuf_b_128, {}, {table, adjusted}));
  }
  // Generic: a lane-by-lane variable permute, which x86 (and other
  // backends) match as one shuffle instruction. An index of 16 or more
  // makes its extractelement poison, but that lane is replaced by zero.
  llvm::Value* result = llvm::PoisonValue::get(i8x16);
  for (unsigned i = 0; i < 16; ++i) {
    llvm::Value* lane = b_.CreateExtractElement(table, b_.CreateExtractElement(index, uint64_t{i}));
    result = b_.CreateInsertElement(result, lane, uint64_t{i});
  }
  llvm::Value* in_range = b_.CreateICmpULT(index, Splat(i8x16, 16));
  return V128(b_.CreateSelect(in_range, result, llvm::Constant::getNullValue(i8x16)));
}

// x86's minps/minpd (is_min) or maxps/maxpd: `x < y ? x : y` (or `x > y`),
// giving y when either is NaN or both are zeros. Generic IR says the same
// with a select, but for f64x2 InstCombine turns select-of-bitcasts into an
// integer select, which the backend then emits as cmppd + blendvpd; on x86
// the intrinsic keeps it one instruction.
llvm::Value* SimdEmitter::X86MinMax(llvm::Value* x, llvm::Value* y, bool is_min) {
  const bool is_f32 = x->getType()->getScalarType()->isFloatTy();
  if (target_.x86_ssse3) {
    const intrinsic::ID id = is_f32 ? (is_min ? intrinsic::x86_sse_min_ps : intrinsic::x86_sse_max_ps)
                                    : (is_min ? intrinsic::x86_sse2_min_pd : intrinsic::x86_sse2_max_pd);
    return b_.CreateIntrinsic(id, {}, {x, y});
  }
  return b_.CreateSelect(is_min ? b_.CreateFCmpOLT(x, y) : b_.CreateFCmpOGT(x, y), x, y);
}

// Wasm's min/max: NaN if either operand is NaN, and -0 < +0. Where the
// operands are ordered and differ, X86MinMax gives the answer from either
// operand order; where they are equal zeros, the two orders give one zero
// each, and or-ing (min) or and-ing (max) the bits picks -0 or +0. NaN
// lanes become the canonical NaN, which is always an allowed result. Five
// instructions on x86 (minps, minps, orps, cmpunordps, blendvps) plus a
// constant, against eight with llvm.minimum plus quieting.
llvm::Value* SimdEmitter::MinMax(llvm::Value* a, llvm::Value* b, llvm::FixedVectorType* shape,
                                 bool is_min) {
  llvm::Value* x = As(a, shape);
  llvm::Value* y = As(b, shape);
  llvm::Type* bits_type = llvm::VectorType::getInteger(shape);
  llvm::Value* xy_bits = b_.CreateBitCast(X86MinMax(x, y, is_min), bits_type);
  llvm::Value* yx_bits = b_.CreateBitCast(X86MinMax(y, x, is_min), bits_type);
  llvm::Value* merged = b_.CreateBitCast(
      is_min ? b_.CreateOr(xy_bits, yx_bits) : b_.CreateAnd(xy_bits, yx_bits), shape);
  const bool is_f32 = shape->getElementType()->isFloatTy();
  llvm::Value* nan = SplatFBits(shape, is_f32 ? 0x7fc00000 : 0x7ff8000000000000);
  return V128(b_.CreateSelect(b_.CreateFCmpUNO(x, y), nan, merged));
}

// pmin(a, b) = b < a ? b : a; pmax(a, b) = a < b ? b : a: exactly x86's
// minps(b, a) and maxps(b, a), NaN and zero cases included.
llvm::Value* SimdEmitter::PMinMax(llvm::Value* a, llvm::Value* b, llvm::FixedVectorType* shape,
                                  bool is_min) {
  return V128(X86MinMax(As(b, shape), As(a, shape), is_min));
}

// i32x4.trunc_sat_f32x4_s/u: NaN -> 0, out of range -> the nearest bound.
// llvm.fptosi.sat on vectors is scalarized by the x86 backend (four
// cvttss2si plus compares), so the saturation is written out.
llvm::Value* SimdEmitter::TruncSatF32(llvm::Value* a, bool is_signed) {
  llvm::FixedVectorType* f32x4 = F32x4();
  llvm::FixedVectorType* i32x4 = I32x4();
  llvm::Value* x = As(a, f32x4);
  constexpr double kTwo31 = 2147483648.0;
  constexpr double kTwo32 = 4294967296.0;
  if (is_signed) {
    if (target_.x86_ssse3) {
      // cvttps2dq gives 0x80000000 for NaN and every out-of-range input:
      // right for large negative inputs; flipped to 0x7fffffff where
      // x >= 2^31 and cleared where x is NaN.
      llvm::Value* t = b_.CreateIntrinsic(intrinsic::x86_sse2_cvttps2dq, {}, {x});
      llvm::Value* too_big = b_.CreateSExt(b_.CreateFCmpOGE(x, SplatF(f32x4, kTwo31)), i32x4);
      llvm::Value* ordered = b_.CreateSExt(b_.CreateFCmpORD(x, x), i32x4);
      return V128(b_.CreateAnd(b_.CreateXor(t, too_big), ordered));
    }
    // Clamped into range first (fptosi of anything outside is poison): the
    // largest f32 below 2^31 is 2^31 - 128, so x >= 2^31 is fixed up after.
    constexpr double kBelowTwo31 = kTwo31 - 128.0;
    llvm::Value* c = b_.CreateSelect(b_.CreateFCmpOGT(x, SplatF(f32x4, kBelowTwo31)),
                                     SplatF(f32x4, kBelowTwo31), x);
    c = b_.CreateSelect(b_.CreateFCmpOLT(c, SplatF(f32x4, -kTwo31)), SplatF(f32x4, -kTwo31), c);
    c = b_.CreateSelect(b_.CreateFCmpORD(x, x), c, llvm::Constant::getNullValue(f32x4));
    llvm::Value* t = b_.CreateFPToSI(c, i32x4);
    return V128(b_.CreateSelect(b_.CreateFCmpOGE(x, SplatF(f32x4, kTwo31)),
                                Splat(i32x4, 0x7fffffff), t));
  }
  if (target_.x86_ssse3) {
    // x0 = max(x, 0) (NaN -> 0). cvttps2dq(x0) is right below 2^31;
    // cvttps2dq(x0 - 2^31) supplies what lies above 2^31: negative (clamped
    // to 0 by pmaxsd) below it, 0x80000000 at 2^32 and above (flipped to
    // 0x7fffffff), so the wrapping sum is the saturated result. Eleven
    // instructions, against fourteen for the generic clamp + fptoui.
    llvm::Value* zero = llvm::Constant::getNullValue(f32x4);
    llvm::Value* x0 = b_.CreateIntrinsic(intrinsic::x86_sse_max_ps, {}, {x, zero});
    llvm::Value* low = b_.CreateIntrinsic(intrinsic::x86_sse2_cvttps2dq, {}, {x0});
    llvm::Value* x1 = b_.CreateFSub(x0, SplatF(f32x4, kTwo31));
    llvm::Value* high = b_.CreateIntrinsic(intrinsic::x86_sse2_cvttps2dq, {}, {x1});
    llvm::Value* too_big = b_.CreateSExt(b_.CreateFCmpOGE(x1, SplatF(f32x4, kTwo31)), i32x4);
    high = b_.CreateBinaryIntrinsic(intrinsic::smax, b_.CreateXor(high, too_big),
                                    llvm::Constant::getNullValue(i32x4));
    return V128(b_.CreateAdd(low, high));
  }
  // Unsigned: `x > 0 ? x : 0` also maps NaN to 0; the largest f32 below
  // 2^32 is 2^32 - 256.
  constexpr double kBelowTwo32 = kTwo32 - 256.0;
  llvm::Value* zero = llvm::Constant::getNullValue(f32x4);
  llvm::Value* c = b_.CreateSelect(b_.CreateFCmpOGT(x, zero), x, zero);
  c = b_.CreateSelect(b_.CreateFCmpOGT(c, SplatF(f32x4, kBelowTwo32)), SplatF(f32x4, kBelowTwo32),
                      c);
  llvm::Value* t = b_.CreateFPToUI(c, i32x4);
  return V128(b_.CreateSelect(b_.CreateFCmpOGE(x, SplatF(f32x4, kTwo32)),
                              Splat(i32x4, 0xffffffff), t));
}

// i32x4.trunc_sat_f64x2_s/u_zero: both i32 bounds are exact in f64, so
// clamping alone saturates; the two high lanes are zero.
llvm::Value* SimdEmitter::TruncSatF64(llvm::Value* a, bool is_signed) {
  llvm::FixedVectorType* f64x2 = F64x2();
  llvm::Value* x = As(a, f64x2);
  llvm::Value* zero = llvm::Constant::getNullValue(f64x2);
  llvm::Value* c;
  if (is_signed) {
    llvm::Value* high = SplatF(f64x2, 2147483647.0);
    llvm::Value* low = SplatF(f64x2, -2147483648.0);
    c = b_.CreateSelect(b_.CreateFCmpOGT(x, high), high, x);
    c = b_.CreateSelect(b_.CreateFCmpOLT(c, low), low, c);
    c = b_.CreateSelect(b_.CreateFCmpORD(x, x), c, zero);
  } else {
    llvm::Value* high = SplatF(f64x2, 4294967295.0);
    c = b_.CreateSelect(b_.CreateFCmpOGT(x, zero), x, zero);  // NaN -> 0 too
    c = b_.CreateSelect(b_.CreateFCmpOGT(c, high), high, c);
  }
  llvm::Type* i32x2 = Vec(b_.getInt32Ty(), 2);
  llvm::Value* t = is_signed ? b_.CreateFPToSI(c, i32x2) : b_.CreateFPToUI(c, i32x2);
  return V128(Concat(t, llvm::Constant::getNullValue(i32x2)));
}

llvm::Value* SimdEmitter::Emit(const wasm::Instruction& in,
                               std::span<llvm::Value* const> operands) {
  auto arg = [&](size_t i) {
    assert(i < operands.size());
    return operands[i];
  };
  llvm::Value* a = operands.empty() ? nullptr : operands[0];
  llvm::Value* b = operands.size() < 2 ? nullptr : operands[1];
  llvm::FixedVectorType* i8x16 = I8x16();
  llvm::FixedVectorType* i16x8 = I16x8();
  llvm::FixedVectorType* i32x4 = I32x4();
  llvm::FixedVectorType* i64x2 = I64x2();
  llvm::FixedVectorType* f32x4 = F32x4();
  llvm::FixedVectorType* f64x2 = F64x2();
  llvm::Type* i32 = b_.getInt32Ty();
  using BO = llvm::Instruction::BinaryOps;
  const unsigned lane = in.lane;

  switch (in.opcode) {
    case Opcode::kV128Const: {
      std::array<uint64_t, 2> halves;
      std::memcpy(halves.data(), in.v128.data(), 16);  // little-endian lanes
      return llvm::ConstantDataVector::get(context_, llvm::ArrayRef<uint64_t>(halves));
    }

    // Lanes.
    case Opcode::kI8x16Shuffle: {
      std::array<int, 16> mask;
      for (size_t i = 0; i < 16; ++i) mask[i] = in.v128[i];  // 0..31, validated
      return V128(b_.CreateShuffleVector(As(a, i8x16), As(b, i8x16), mask));
    }
    case Opcode::kI8x16Swizzle: return Swizzle(a, b);
    case Opcode::kI8x16Splat: return SplatOf(a, i8x16);
    case Opcode::kI16x8Splat: return SplatOf(a, i16x8);
    case Opcode::kI32x4Splat: return SplatOf(a, i32x4);
    case Opcode::kI64x2Splat: return SplatOf(a, i64x2);
    case Opcode::kF32x4Splat: return SplatOf(a, f32x4);
    case Opcode::kF64x2Splat: return SplatOf(a, f64x2);
    case Opcode::kI8x16ExtractLaneS: return b_.CreateSExt(ExtractLane(a, i8x16, lane), i32);
    case Opcode::kI8x16ExtractLaneU: return b_.CreateZExt(ExtractLane(a, i8x16, lane), i32);
    case Opcode::kI16x8ExtractLaneS: return b_.CreateSExt(ExtractLane(a, i16x8, lane), i32);
    case Opcode::kI16x8ExtractLaneU: return b_.CreateZExt(ExtractLane(a, i16x8, lane), i32);
    case Opcode::kI32x4ExtractLane: return ExtractLane(a, i32x4, lane);
    case Opcode::kI64x2ExtractLane: return ExtractLane(a, i64x2, lane);
    case Opcode::kF32x4ExtractLane: return ExtractLane(a, f32x4, lane);
    case Opcode::kF64x2ExtractLane: return ExtractLane(a, f64x2, lane);
    case Opcode::kI8x16ReplaceLane: return ReplaceLane(a, b, i8x16, lane);
    case Opcode::kI16x8ReplaceLane: return ReplaceLane(a, b, i16x8, lane);
    case Opcode::kI32x4ReplaceLane: return ReplaceLane(a, b, i32x4, lane);
    case Opcode::kI64x2ReplaceLane: return ReplaceLane(a, b, i64x2, lane);
    case Opcode::kF32x4ReplaceLane: return ReplaceLane(a, b, f32x4, lane);
    case Opcode::kF64x2ReplaceLane: return ReplaceLane(a, b, f64x2, lane);

    // Integer comparisons.
    case Opcode::kI8x16Eq: return Compare(P::ICMP_EQ, a, b, i8x16);
    case Opcode::kI8x16Ne: return Compare(P::ICMP_NE, a, b, i8x16);
    case Opcode::kI8x16LtS: return Compare(P::ICMP_SLT, a, b, i8x16);
    case Opcode::kI8x16LtU: return Compare(P::ICMP_ULT, a, b, i8x16);
    case Opcode::kI8x16GtS: return Compare(P::ICMP_SGT, a, b, i8x16);
    case Opcode::kI8x16GtU: return Compare(P::ICMP_UGT, a, b, i8x16);
    case Opcode::kI8x16LeS: return Compare(P::ICMP_SLE, a, b, i8x16);
    case Opcode::kI8x16LeU: return Compare(P::ICMP_ULE, a, b, i8x16);
    case Opcode::kI8x16GeS: return Compare(P::ICMP_SGE, a, b, i8x16);
    case Opcode::kI8x16GeU: return Compare(P::ICMP_UGE, a, b, i8x16);
    case Opcode::kI16x8Eq: return Compare(P::ICMP_EQ, a, b, i16x8);
    case Opcode::kI16x8Ne: return Compare(P::ICMP_NE, a, b, i16x8);
    case Opcode::kI16x8LtS: return Compare(P::ICMP_SLT, a, b, i16x8);
    case Opcode::kI16x8LtU: return Compare(P::ICMP_ULT, a, b, i16x8);
    case Opcode::kI16x8GtS: return Compare(P::ICMP_SGT, a, b, i16x8);
    case Opcode::kI16x8GtU: return Compare(P::ICMP_UGT, a, b, i16x8);
    case Opcode::kI16x8LeS: return Compare(P::ICMP_SLE, a, b, i16x8);
    case Opcode::kI16x8LeU: return Compare(P::ICMP_ULE, a, b, i16x8);
    case Opcode::kI16x8GeS: return Compare(P::ICMP_SGE, a, b, i16x8);
    case Opcode::kI16x8GeU: return Compare(P::ICMP_UGE, a, b, i16x8);
    case Opcode::kI32x4Eq: return Compare(P::ICMP_EQ, a, b, i32x4);
    case Opcode::kI32x4Ne: return Compare(P::ICMP_NE, a, b, i32x4);
    case Opcode::kI32x4LtS: return Compare(P::ICMP_SLT, a, b, i32x4);
    case Opcode::kI32x4LtU: return Compare(P::ICMP_ULT, a, b, i32x4);
    case Opcode::kI32x4GtS: return Compare(P::ICMP_SGT, a, b, i32x4);
    case Opcode::kI32x4GtU: return Compare(P::ICMP_UGT, a, b, i32x4);
    case Opcode::kI32x4LeS: return Compare(P::ICMP_SLE, a, b, i32x4);
    case Opcode::kI32x4LeU: return Compare(P::ICMP_ULE, a, b, i32x4);
    case Opcode::kI32x4GeS: return Compare(P::ICMP_SGE, a, b, i32x4);
    case Opcode::kI32x4GeU: return Compare(P::ICMP_UGE, a, b, i32x4);
    case Opcode::kI64x2Eq: return Compare(P::ICMP_EQ, a, b, i64x2);
    case Opcode::kI64x2Ne: return Compare(P::ICMP_NE, a, b, i64x2);
    case Opcode::kI64x2LtS: return Compare(P::ICMP_SLT, a, b, i64x2);
    case Opcode::kI64x2GtS: return Compare(P::ICMP_SGT, a, b, i64x2);
    case Opcode::kI64x2LeS: return Compare(P::ICMP_SLE, a, b, i64x2);
    case Opcode::kI64x2GeS: return Compare(P::ICMP_SGE, a, b, i64x2);

    // Float comparisons: false on NaN, except ne.
    case Opcode::kF32x4Eq: return Compare(P::FCMP_OEQ, a, b, f32x4);
    case Opcode::kF32x4Ne: return Compare(P::FCMP_UNE, a, b, f32x4);
    case Opcode::kF32x4Lt: return Compare(P::FCMP_OLT, a, b, f32x4);
    case Opcode::kF32x4Gt: return Compare(P::FCMP_OGT, a, b, f32x4);
    case Opcode::kF32x4Le: return Compare(P::FCMP_OLE, a, b, f32x4);
    case Opcode::kF32x4Ge: return Compare(P::FCMP_OGE, a, b, f32x4);
    case Opcode::kF64x2Eq: return Compare(P::FCMP_OEQ, a, b, f64x2);
    case Opcode::kF64x2Ne: return Compare(P::FCMP_UNE, a, b, f64x2);
    case Opcode::kF64x2Lt: return Compare(P::FCMP_OLT, a, b, f64x2);
    case Opcode::kF64x2Gt: return Compare(P::FCMP_OGT, a, b, f64x2);
    case Opcode::kF64x2Le: return Compare(P::FCMP_OLE, a, b, f64x2);
    case Opcode::kF64x2Ge: return Compare(P::FCMP_OGE, a, b, f64x2);

    // Bitwise.
    case Opcode::kV128Not: return b_.CreateNot(a);
    case Opcode::kV128And: return b_.CreateAnd(a, b);
    case Opcode::kV128AndNot: return b_.CreateAnd(a, b_.CreateNot(b));
    case Opcode::kV128Or: return b_.CreateOr(a, b);
    case Opcode::kV128Xor: return b_.CreateXor(a, b);
    case Opcode::kV128Bitselect: {
      // Bits of a where the mask is 1, of b where it is 0.
      llvm::Value* mask = arg(2);
      return b_.CreateOr(b_.CreateAnd(a, mask), b_.CreateAnd(b, b_.CreateNot(mask)));
    }
    case Opcode::kV128AnyTrue: {
      llvm::Value* bits = b_.CreateBitCast(a, b_.getInt128Ty());
      return b_.CreateZExt(b_.CreateICmpNE(bits, b_.getIntN(128, 0)), i32);
    }
    case Opcode::kI8x16AllTrue: return AllTrue(a, i8x16);
    case Opcode::kI16x8AllTrue: return AllTrue(a, i16x8);
    case Opcode::kI32x4AllTrue: return AllTrue(a, i32x4);
    case Opcode::kI64x2AllTrue: return AllTrue(a, i64x2);
    case Opcode::kI8x16Bitmask: return Bitmask(a, i8x16);
    case Opcode::kI16x8Bitmask: return Bitmask(a, i16x8);
    case Opcode::kI32x4Bitmask: return Bitmask(a, i32x4);
    case Opcode::kI64x2Bitmask: return Bitmask(a, i64x2);

    // Integer unary ops. abs(INT_MIN) wraps to INT_MIN: is_int_min_poison
    // is false.
    case Opcode::kI8x16Abs:
    case Opcode::kI16x8Abs:
    case Opcode::kI32x4Abs:
    case Opcode::kI64x2Abs: {
      llvm::FixedVectorType* shape = in.opcode == Opcode::kI8x16Abs    ? i8x16
                                     : in.opcode == Opcode::kI16x8Abs  ? i16x8
                                     : in.opcode == Opcode::kI32x4Abs  ? i32x4
                                                                       : i64x2;
      return V128(b_.CreateIntrinsic(intrinsic::abs, {shape}, {As(a, shape), b_.getFalse()}));
    }
    case Opcode::kI8x16Neg: return V128(b_.CreateNeg(As(a, i8x16)));
    case Opcode::kI16x8Neg: return V128(b_.CreateNeg(As(a, i16x8)));
    case Opcode::kI32x4Neg: return V128(b_.CreateNeg(As(a, i32x4)));
    case Opcode::kI64x2Neg: return V128(b_.CreateNeg(As(a, i64x2)));
    case Opcode::kI8x16Popcnt: return Intrinsic1(intrinsic::ctpop, a, i8x16);

    // Narrowing and widening.
    case Opcode::kI8x16NarrowI16x8S: return Narrow(a, b, i16x8, i8x16, true);
    case Opcode::kI8x16NarrowI16x8U: return Narrow(a, b, i16x8, i8x16, false);
    case Opcode::kI16x8NarrowI32x4S: return Narrow(a, b, i32x4, i16x8, true);
    case Opcode::kI16x8NarrowI32x4U: return Narrow(a, b, i32x4, i16x8, false);
    case Opcode::kI16x8ExtendLowI8x16S: return V128(Extend(a, i8x16, false, true));
    case Opcode::kI16x8ExtendHighI8x16S: return V128(Extend(a, i8x16, true, true));
    case Opcode::kI16x8ExtendLowI8x16U: return V128(Extend(a, i8x16, false, false));
    case Opcode::kI16x8ExtendHighI8x16U: return V128(Extend(a, i8x16, true, false));
    case Opcode::kI32x4ExtendLowI16x8S: return V128(Extend(a, i16x8, false, true));
    case Opcode::kI32x4ExtendHighI16x8S: return V128(Extend(a, i16x8, true, true));
    case Opcode::kI32x4ExtendLowI16x8U: return V128(Extend(a, i16x8, false, false));
    case Opcode::kI32x4ExtendHighI16x8U: return V128(Extend(a, i16x8, true, false));
    case Opcode::kI64x2ExtendLowI32x4S: return V128(Extend(a, i32x4, false, true));
    case Opcode::kI64x2ExtendHighI32x4S: return V128(Extend(a, i32x4, true, true));
    case Opcode::kI64x2ExtendLowI32x4U: return V128(Extend(a, i32x4, false, false));
    case Opcode::kI64x2ExtendHighI32x4U: return V128(Extend(a, i32x4, true, false));
    case Opcode::kI16x8ExtaddPairwiseI8x16S: return ExtAddPairwise(a, i16x8, true);
    case Opcode::kI16x8ExtaddPairwiseI8x16U: return ExtAddPairwise(a, i16x8, false);
    case Opcode::kI32x4ExtaddPairwiseI16x8S: return ExtAddPairwise(a, i32x4, true);
    case Opcode::kI32x4ExtaddPairwiseI16x8U: return ExtAddPairwise(a, i32x4, false);
    case Opcode::kI16x8ExtmulLowI8x16S: return ExtMul(a, b, i8x16, false, true);
    case Opcode::kI16x8ExtmulHighI8x16S: return ExtMul(a, b, i8x16, true, true);
    case Opcode::kI16x8ExtmulLowI8x16U: return ExtMul(a, b, i8x16, false, false);
    case Opcode::kI16x8ExtmulHighI8x16U: return ExtMul(a, b, i8x16, true, false);
    case Opcode::kI32x4ExtmulLowI16x8S: return ExtMul(a, b, i16x8, false, true);
    case Opcode::kI32x4ExtmulHighI16x8S: return ExtMul(a, b, i16x8, true, true);
    case Opcode::kI32x4ExtmulLowI16x8U: return ExtMul(a, b, i16x8, false, false);
    case Opcode::kI32x4ExtmulHighI16x8U: return ExtMul(a, b, i16x8, true, false);
    case Opcode::kI64x2ExtmulLowI32x4S: return ExtMul(a, b, i32x4, false, true);
    case Opcode::kI64x2ExtmulHighI32x4S: return ExtMul(a, b, i32x4, true, true);
    case Opcode::kI64x2ExtmulLowI32x4U: return ExtMul(a, b, i32x4, false, false);
    case Opcode::kI64x2ExtmulHighI32x4U: return ExtMul(a, b, i32x4, true, false);

    // Shifts.
    case Opcode::kI8x16Shl: return Shift(BO::Shl, a, b, i8x16);
    case Opcode::kI8x16ShrS: return Shift(BO::AShr, a, b, i8x16);
    case Opcode::kI8x16ShrU: return Shift(BO::LShr, a, b, i8x16);
    case Opcode::kI16x8Shl: return Shift(BO::Shl, a, b, i16x8);
    case Opcode::kI16x8ShrS: return Shift(BO::AShr, a, b, i16x8);
    case Opcode::kI16x8ShrU: return Shift(BO::LShr, a, b, i16x8);
    case Opcode::kI32x4Shl: return Shift(BO::Shl, a, b, i32x4);
    case Opcode::kI32x4ShrS: return Shift(BO::AShr, a, b, i32x4);
    case Opcode::kI32x4ShrU: return Shift(BO::LShr, a, b, i32x4);
    case Opcode::kI64x2Shl: return Shift(BO::Shl, a, b, i64x2);
    case Opcode::kI64x2ShrS: return Shift(BO::AShr, a, b, i64x2);
    case Opcode::kI64x2ShrU: return Shift(BO::LShr, a, b, i64x2);

    // Integer arithmetic: wrapping, saturating, min/max, average.
    case Opcode::kI8x16Add: return Binary(BO::Add, a, b, i8x16);
    case Opcode::kI8x16Sub: return Binary(BO::Sub, a, b, i8x16);
    case Opcode::kI16x8Add: return Binary(BO::Add, a, b, i16x8);
    case Opcode::kI16x8Sub: return Binary(BO::Sub, a, b, i16x8);
    case Opcode::kI16x8Mul: return Binary(BO::Mul, a, b, i16x8);
    case Opcode::kI32x4Add: return Binary(BO::Add, a, b, i32x4);
    case Opcode::kI32x4Sub: return Binary(BO::Sub, a, b, i32x4);
    case Opcode::kI32x4Mul: return Binary(BO::Mul, a, b, i32x4);
    case Opcode::kI64x2Add: return Binary(BO::Add, a, b, i64x2);
    case Opcode::kI64x2Sub: return Binary(BO::Sub, a, b, i64x2);
    case Opcode::kI64x2Mul: return Binary(BO::Mul, a, b, i64x2);
    case Opcode::kI8x16AddSatS: return Intrinsic2(intrinsic::sadd_sat, a, b, i8x16);
    case Opcode::kI8x16AddSatU: return Intrinsic2(intrinsic::uadd_sat, a, b, i8x16);
    case Opcode::kI8x16SubSatS: return Intrinsic2(intrinsic::ssub_sat, a, b, i8x16);
    case Opcode::kI8x16SubSatU: return Intrinsic2(intrinsic::usub_sat, a, b, i8x16);
    case Opcode::kI16x8AddSatS: return Intrinsic2(intrinsic::sadd_sat, a, b, i16x8);
    case Opcode::kI16x8AddSatU: return Intrinsic2(intrinsic::uadd_sat, a, b, i16x8);
    case Opcode::kI16x8SubSatS: return Intrinsic2(intrinsic::ssub_sat, a, b, i16x8);
    case Opcode::kI16x8SubSatU: return Intrinsic2(intrinsic::usub_sat, a, b, i16x8);
    case Opcode::kI8x16MinS: return Intrinsic2(intrinsic::smin, a, b, i8x16);
    case Opcode::kI8x16MinU: return Intrinsic2(intrinsic::umin, a, b, i8x16);
    case Opcode::kI8x16MaxS: return Intrinsic2(intrinsic::smax, a, b, i8x16);
    case Opcode::kI8x16MaxU: return Intrinsic2(intrinsic::umax, a, b, i8x16);
    case Opcode::kI16x8MinS: return Intrinsic2(intrinsic::smin, a, b, i16x8);
    case Opcode::kI16x8MinU: return Intrinsic2(intrinsic::umin, a, b, i16x8);
    case Opcode::kI16x8MaxS: return Intrinsic2(intrinsic::smax, a, b, i16x8);
    case Opcode::kI16x8MaxU: return Intrinsic2(intrinsic::umax, a, b, i16x8);
    case Opcode::kI32x4MinS: return Intrinsic2(intrinsic::smin, a, b, i32x4);
    case Opcode::kI32x4MinU: return Intrinsic2(intrinsic::umin, a, b, i32x4);
    case Opcode::kI32x4MaxS: return Intrinsic2(intrinsic::smax, a, b, i32x4);
    case Opcode::kI32x4MaxU: return Intrinsic2(intrinsic::umax, a, b, i32x4);
    case Opcode::kI8x16AvgrU: return AvgrU(a, b, i8x16);
    case Opcode::kI16x8AvgrU: return AvgrU(a, b, i16x8);
    case Opcode::kI16x8Q15mulrSatS: return Q15MulrSat(a, b);
    case Opcode::kI32x4DotI16x8S: return Dot(a, b);

    // Float unary ops: abs and neg touch only the sign bit (NaN payloads
    // survive); the roundings and sqrt quiet NaNs like their scalar forms.
    case Opcode::kF32x4Abs: return Intrinsic1(intrinsic::fabs, a, f32x4);
    case Opcode::kF64x2Abs: return Intrinsic1(intrinsic::fabs, a, f64x2);
    case Opcode::kF32x4Neg: return V128(b_.CreateFNeg(As(a, f32x4)));
    case Opcode::kF64x2Neg: return V128(b_.CreateFNeg(As(a, f64x2)));
    case Opcode::kF32x4Sqrt: return Intrinsic1(intrinsic::sqrt, a, f32x4);
    case Opcode::kF64x2Sqrt: return Intrinsic1(intrinsic::sqrt, a, f64x2);
    case Opcode::kF32x4Ceil: return Intrinsic1(intrinsic::ceil, a, f32x4);
    case Opcode::kF64x2Ceil: return Intrinsic1(intrinsic::ceil, a, f64x2);
    case Opcode::kF32x4Floor: return Intrinsic1(intrinsic::floor, a, f32x4);
    case Opcode::kF64x2Floor: return Intrinsic1(intrinsic::floor, a, f64x2);
    case Opcode::kF32x4Trunc: return Intrinsic1(intrinsic::trunc, a, f32x4);
    case Opcode::kF64x2Trunc: return Intrinsic1(intrinsic::trunc, a, f64x2);
    case Opcode::kF32x4Nearest: return Intrinsic1(intrinsic::roundeven, a, f32x4);
    case Opcode::kF64x2Nearest: return Intrinsic1(intrinsic::roundeven, a, f64x2);

    // Float binary ops.
    case Opcode::kF32x4Add: return FloatBinary(BO::FAdd, a, b, f32x4);
    case Opcode::kF32x4Sub: return FloatBinary(BO::FSub, a, b, f32x4);
    case Opcode::kF32x4Mul: return FloatBinary(BO::FMul, a, b, f32x4);
    case Opcode::kF32x4Div: return FloatBinary(BO::FDiv, a, b, f32x4);
    case Opcode::kF64x2Add: return FloatBinary(BO::FAdd, a, b, f64x2);
    case Opcode::kF64x2Sub: return FloatBinary(BO::FSub, a, b, f64x2);
    case Opcode::kF64x2Mul: return FloatBinary(BO::FMul, a, b, f64x2);
    case Opcode::kF64x2Div: return FloatBinary(BO::FDiv, a, b, f64x2);
    case Opcode::kF32x4Min: return MinMax(a, b, f32x4, true);
    case Opcode::kF32x4Max: return MinMax(a, b, f32x4, false);
    case Opcode::kF64x2Min: return MinMax(a, b, f64x2, true);
    case Opcode::kF64x2Max: return MinMax(a, b, f64x2, false);
    case Opcode::kF32x4Pmin: return PMinMax(a, b, f32x4, true);
    case Opcode::kF32x4Pmax: return PMinMax(a, b, f32x4, false);
    case Opcode::kF64x2Pmin: return PMinMax(a, b, f64x2, true);
    case Opcode::kF64x2Pmax: return PMinMax(a, b, f64x2, false);

    // Conversions.
    case Opcode::kI32x4TruncSatF32x4S: return TruncSatF32(a, true);
    case Opcode::kI32x4TruncSatF32x4U: return TruncSatF32(a, false);
    case Opcode::kI32x4TruncSatF64x2SZero: return TruncSatF64(a, true);
    case Opcode::kI32x4TruncSatF64x2UZero: return TruncSatF64(a, false);
    case Opcode::kF32x4ConvertI32x4S: return V128(b_.CreateSIToFP(As(a, i32x4), f32x4));
    case Opcode::kF32x4ConvertI32x4U: return V128(b_.CreateUIToFP(As(a, i32x4), f32x4));
    case Opcode::kF64x2ConvertLowI32x4S:
      return V128(b_.CreateSIToFP(Slice(As(a, i32x4), 0, 2), f64x2));
    case Opcode::kF64x2ConvertLowI32x4U:
      return V128(b_.CreateUIToFP(Slice(As(a, i32x4), 0, 2), f64x2));
    case Opcode::kF32x4DemoteF64x2Zero: {
      llvm::Type* f32x2 = Vec(b_.getFloatTy(), 2);
      // demote(promote(x)) would fold to x, keeping a signalling NaN
      // signalling; wasm quiets it.
      llvm::Value* wide = As(a, f64x2);
      llvm::Value* source = wide;
      while (auto* cast = llvm::dyn_cast<llvm::BitCastInst>(source)) source = cast->getOperand(0);
      if (llvm::isa<llvm::FPExtInst>(source)) wide = OpaqueFloat(b_, wide);
      llvm::Value* low = b_.CreateFPTrunc(wide, f32x2);
      return V128(Concat(low, llvm::Constant::getNullValue(f32x2)));
    }
    case Opcode::kF64x2PromoteLowF32x4:
      return V128(b_.CreateFPExt(Slice(As(a, f32x4), 0, 2), f64x2));

    default: break;
  }
  assert(false && "EmitSimdOp: not a SIMD instruction without memory operand");
  return nullptr;
}

llvm::Value* SimdEmitter::Load(const wasm::Instruction& in, llvm::Value* address,
                               llvm::Value* vector) {
  auto load = [&](llvm::Type* type) {
    return b_.CreateAlignedLoad(type, address, llvm::Align(1));
  };
  llvm::Type* i8 = b_.getInt8Ty();
  llvm::Type* i16 = b_.getInt16Ty();
  llvm::Type* i32 = b_.getInt32Ty();
  llvm::Type* i64 = b_.getInt64Ty();
  // loadMxN_s/u: N lanes of M bits, each extended to 2M bits.
  auto extend = [&](llvm::Type* lane, unsigned count, bool is_signed) {
    llvm::Value* narrow = load(Vec(lane, count));
    llvm::Type* wide = Vec(b_.getIntNTy(2 * lane->getIntegerBitWidth()), count);
    return V128(is_signed ? b_.CreateSExt(narrow, wide) : b_.CreateZExt(narrow, wide));
  };
  auto splat = [&](llvm::Type* lane) {
    return V128(b_.CreateVectorSplat(128 / lane->getIntegerBitWidth(), load(lane)));
  };
  // Lane 0 loaded, the others zero.
  auto zero_extended = [&](llvm::Type* lane) {
    llvm::FixedVectorType* shape = Vec(lane, 128 / lane->getIntegerBitWidth());
    return V128(b_.CreateInsertElement(llvm::Constant::getNullValue(shape), load(lane),
                                       uint64_t{0}));
  };
  auto lane = [&](llvm::Type* lane_type) {
    llvm::FixedVectorType* shape = Vec(lane_type, 128 / lane_type->getIntegerBitWidth());
    return V128(b_.CreateInsertElement(As(vector, shape), load(lane_type), uint64_t{in.lane}));
  };
  switch (in.opcode) {
    case Opcode::kV128Load: return load(I64x2());
    case Opcode::kV128Load8x8S: return extend(i8, 8, true);
    case Opcode::kV128Load8x8U: return extend(i8, 8, false);
    case Opcode::kV128Load16x4S: return extend(i16, 4, true);
    case Opcode::kV128Load16x4U: return extend(i16, 4, false);
    case Opcode::kV128Load32x2S: return extend(i32, 2, true);
    case Opcode::kV128Load32x2U: return extend(i32, 2, false);
    case Opcode::kV128Load8Splat: return splat(i8);
    case Opcode::kV128Load16Splat: return splat(i16);
    case Opcode::kV128Load32Splat: return splat(i32);
    case Opcode::kV128Load64Splat: return splat(i64);
    case Opcode::kV128Load32Zero: return zero_extended(i32);
    case Opcode::kV128Load64Zero: return zero_extended(i64);
    case Opcode::kV128Load8Lane: return lane(i8);
    case Opcode::kV128Load16Lane: return lane(i16);
    case Opcode::kV128Load32Lane: return lane(i32);
    case Opcode::kV128Load64Lane: return lane(i64);
    default: break;
  }
  assert(false && "EmitSimdLoad: not a SIMD load");
  return nullptr;
}

void SimdEmitter::Store(const wasm::Instruction& in, llvm::Value* address, llvm::Value* vector) {
  auto lane = [&](llvm::Type* lane_type) {
    llvm::FixedVectorType* shape = Vec(lane_type, 128 / lane_type->getIntegerBitWidth());
    return b_.CreateExtractElement(As(vector, shape), uint64_t{in.lane});
  };
  llvm::Value* value = nullptr;
  switch (in.opcode) {
    case Opcode::kV128Store: value = vector; break;
    case Opcode::kV128Store8Lane: value = lane(b_.getInt8Ty()); break;
    case Opcode::kV128Store16Lane: value = lane(b_.getInt16Ty()); break;
    case Opcode::kV128Store32Lane: value = lane(b_.getInt32Ty()); break;
    case Opcode::kV128Store64Lane: value = lane(b_.getInt64Ty()); break;
    default: assert(false && "EmitSimdStore: not a SIMD store"); return;
  }
  b_.CreateAlignedStore(value, address, llvm::Align(1));
}

}  // namespace

SimdTarget SimdTarget::For(const llvm::Module& module) {
  SimdTarget target;
  target.x86_ssse3 = llvm::Triple(module.getTargetTriple()).getArch() == llvm::Triple::x86_64;
  return target;
}

bool IsSimdMemoryOp(wasm::Opcode op) {
  const uint32_t value = static_cast<uint32_t>(op);
  if ((value >> 16) != 0xFD) return false;
  const uint32_t code = value & 0xFFFF;
  // 0x00..0x0B: v128.load* and v128.store; 0x54..0x5D: lane loads/stores
  // and the zero-extending loads.
  return code <= 0x0B || (code >= 0x54 && code <= 0x5D);
}

bool IsSimdStore(wasm::Opcode op) {
  switch (op) {
    case Opcode::kV128Store:
    case Opcode::kV128Store8Lane:
    case Opcode::kV128Store16Lane:
    case Opcode::kV128Store32Lane:
    case Opcode::kV128Store64Lane:
      return true;
    default:
      return false;
  }
}

bool IsSimdOp(wasm::Opcode op) {
  const uint32_t value = static_cast<uint32_t>(op);
  return (value >> 16) == 0xFD && !IsSimdMemoryOp(op);
}

size_t SimdArity(wasm::Opcode op) {
  switch (wasm::GetOpcodeInfo(op).sig) {
    case wasm::OpSig::V_: return 0;
    case wasm::OpSig::V_VV:
    case wasm::OpSig::V_VI:
    case wasm::OpSig::V_VL:
    case wasm::OpSig::V_VF:
    case wasm::OpSig::V_VD: return 2;
    case wasm::OpSig::V_VVV: return 3;
    default: return 1;  // V_V, I_V, L_V, F_V, D_V, V_I, V_L, V_F, V_D
  }
}

llvm::Value* EmitSimdOp(llvm::IRBuilder<>& builder, const wasm::Instruction& in,
                        std::span<llvm::Value* const> operands, const SimdTarget& target) {
  assert(IsSimdOp(in.opcode));
  assert(operands.size() == SimdArity(in.opcode));
  return SimdEmitter(builder, target).Emit(in, operands);
}

llvm::Value* EmitSimdLoad(llvm::IRBuilder<>& builder, const wasm::Instruction& in,
                          llvm::Value* address, llvm::Value* vector) {
  SimdTarget target;
  return SimdEmitter(builder, target).Load(in, address, vector);
}

void EmitSimdStore(llvm::IRBuilder<>& builder, const wasm::Instruction& in, llvm::Value* address,
                   llvm::Value* vector) {
  SimdTarget target;
  SimdEmitter(builder, target).Store(in, address, vector);
}

}  // namespace kiln::jit
