// SIMD instructions through the whole pipeline (hand-assembled module, JIT,
// runtime), at O0 and O2, on the cases where a plausible lowering goes
// wrong: swizzle indices past 15, saturating narrows, q15mulr's one
// overflowing product, float min/max with NaN and signed zeros, trunc_sat
// of NaN and infinities, bitmask lane order, and lane loads and stores at
// the end of memory (each must trap without touching memory). Also v128
// values across calls, host functions, globals and the entry trampoline.
//
// Operands come from arguments unless a test says otherwise, so LLVM cannot
// fold the instruction away; the "const" variants put them in the body to
// check that constant folding agrees with the machine.
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engine_test_util.h"
#include "gtest/gtest.h"

namespace kiln::engine_test {
namespace {

// ---------------------------------------------------------------------------
// v128 values as lanes.

template <typename T>
using Lanes = std::array<T, 16 / sizeof(T)>;

template <typename T>
Value V128(const Lanes<T>& lanes) {
  uint8_t bytes[16];
  std::memcpy(bytes, lanes.data(), 16);  // little-endian host, like wasm
  return Value::V128(bytes);
}

template <typename T>
Lanes<T> LanesOf(const Value& value) {
  Lanes<T> lanes;
  std::memcpy(lanes.data(), value.v128(), 16);
  return lanes;
}

template <typename T>
Encoder& V128Const(Encoder& e, const Lanes<T>& lanes) {
  uint8_t bytes[16];
  std::memcpy(bytes, lanes.data(), 16);
  return e.Op(Opcode::kV128Const).Raw(std::span<const uint8_t>(bytes, 16));
}

constexpr uint32_t kCanonicalNanF32 = 0x7fc00000;
constexpr uint32_t kQuietBitF32 = 0x00400000;
constexpr uint64_t kQuietBitF64 = 0x0008000000000000;

bool IsArithmeticNanF32(uint32_t bits) {
  return (bits & 0x7f800000) == 0x7f800000 && (bits & kQuietBitF32) != 0;
}
bool IsArithmeticNanF64(uint64_t bits) {
  return (bits & 0x7ff0000000000000) == 0x7ff0000000000000 && (bits & kQuietBitF64) != 0;
}
uint32_t Bits(float f) { return std::bit_cast<uint32_t>(f); }
uint64_t Bits(double d) { return std::bit_cast<uint64_t>(d); }

// ---------------------------------------------------------------------------
// The fixture: one Store per test, compiled at the parameter's opt level.

class SimdTest : public ::testing::TestWithParam<jit::OptLevel> {
 protected:
  SimdTest() : store_(engine_) {}

  // Exports `name`: (v128) -> v128 applying `op`.
  void Unary(std::string_view name, Opcode op) {
    Export(name, Type({ValType::kV128}, {ValType::kV128}), Encoder().LocalGet(0).Op(op).End());
  }
  // Exports `name`: (v128, v128) -> v128 applying `op`.
  void Binary(std::string_view name, Opcode op) {
    Export(name, Type({ValType::kV128, ValType::kV128}, {ValType::kV128}),
           Encoder().LocalGet(0).LocalGet(1).Op(op).End());
  }
  void Export(std::string_view name, uint32_t type, const Encoder& body,
              std::vector<LocalDecl> locals = {}) {
    module_.AddExport(name, ExternKind::kFunc, module_.AddFunction(type, std::move(locals), body));
  }
  uint32_t Type(std::vector<ValType> params, std::vector<ValType> results) {
    return module_.AddType(std::move(params), std::move(results));
  }

  void Instantiate(const runtime::Linker& linker = {}) {
    jit::CompilerOptions options;
    options.opt_level = GetParam();
    absl::StatusOr<runtime::Instance> instance =
        engine_test::Instantiate(store_, module_.Build(), linker, options);
    ASSERT_TRUE(instance.ok()) << instance.status();
    instance_.emplace(*instance);
  }

  absl::StatusOr<std::vector<Value>> Call(std::string_view name, std::vector<Value> args = {}) {
    return Invoke(store_, *instance_, name, std::move(args));
  }
  // The single v128 result of `name`, or a failure.
  Value CallV128(std::string_view name, std::vector<Value> args = {}) {
    absl::StatusOr<std::vector<Value>> results = Call(name, std::move(args));
    EXPECT_TRUE(results.ok()) << name << ": " << results.status();
    if (!results.ok() || results->size() != 1 || (*results)[0].type() != ValType::kV128) {
      ADD_FAILURE() << name << ": no v128 result";
      return Value::Zero(ValType::kV128);
    }
    return (*results)[0];
  }

  runtime::Engine engine_;
  runtime::Store store_;
  ModuleBuilder module_;
  std::optional<runtime::Instance> instance_;
};

INSTANTIATE_TEST_SUITE_P(OptLevels, SimdTest,
                         ::testing::Values(jit::OptLevel::kO0, jit::OptLevel::kO2),
                         [](const ::testing::TestParamInfo<jit::OptLevel>& info) {
                           return info.param == jit::OptLevel::kO0 ? "O0" : "O2";
                         });

// ---------------------------------------------------------------------------
// i8x16.swizzle: an index of 16 or more selects 0, including indices with
// the top bit set (which x86's pshufb alone would also zero) and 16..127
// (which pshufb alone would wrap modulo 16).

TEST_P(SimdTest, SwizzleZeroesOutOfRangeLanes) {
  const Lanes<uint8_t> table = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
  const Lanes<uint8_t> indices = {0, 15, 16, 17, 31, 32, 112, 127,
                                  128, 129, 143, 200, 240, 255, 1, 14};
  Binary("swizzle", Opcode::kI8x16Swizzle);
  Encoder constant;
  V128Const(constant, table);
  V128Const(constant, indices).Op(Opcode::kI8x16Swizzle).End();
  Export("swizzle_const", Type({}, {ValType::kV128}), constant);
  Instantiate();

  Lanes<uint8_t> expected;
  for (size_t i = 0; i < 16; ++i) expected[i] = indices[i] < 16 ? table[indices[i]] : 0;
  EXPECT_EQ(LanesOf<uint8_t>(CallV128("swizzle", {V128(table), V128(indices)})), expected);
  EXPECT_EQ(LanesOf<uint8_t>(CallV128("swizzle_const")), expected);
}

// ---------------------------------------------------------------------------
// Narrowing saturates signed inputs into the narrow signed or unsigned range.

template <typename Wide, typename Narrow>
Narrow SaturateTo(Wide v) {
  constexpr auto lo = static_cast<Wide>(std::numeric_limits<Narrow>::min());
  constexpr auto hi = static_cast<Wide>(std::numeric_limits<Narrow>::max());
  return static_cast<Narrow>(v < lo ? lo : v > hi ? hi : v);
}

TEST_P(SimdTest, NarrowSaturates) {
  Binary("i8x16.narrow_i16x8_s", Opcode::kI8x16NarrowI16x8S);
  Binary("i8x16.narrow_i16x8_u", Opcode::kI8x16NarrowI16x8U);
  Binary("i16x8.narrow_i32x4_s", Opcode::kI16x8NarrowI32x4S);
  Binary("i16x8.narrow_i32x4_u", Opcode::kI16x8NarrowI32x4U);
  Instantiate();

  const Lanes<int16_t> a16 = {-32768, -129, -128, -1, 0, 127, 128, 32767};
  const Lanes<int16_t> b16 = {255, 256, -200, 1, 254, -32767, 200, 100};
  Lanes<int8_t> s8;
  Lanes<uint8_t> u8;
  for (size_t i = 0; i < 16; ++i) {
    const int16_t v = i < 8 ? a16[i] : b16[i - 8];
    s8[i] = SaturateTo<int16_t, int8_t>(v);
    u8[i] = SaturateTo<int16_t, uint8_t>(v);
  }
  EXPECT_EQ(LanesOf<int8_t>(CallV128("i8x16.narrow_i16x8_s", {V128(a16), V128(b16)})), s8);
  EXPECT_EQ(LanesOf<uint8_t>(CallV128("i8x16.narrow_i16x8_u", {V128(a16), V128(b16)})), u8);
  // Spot checks of the reference itself.
  EXPECT_EQ(s8[0], -128);
  EXPECT_EQ(u8[0], 0);
  EXPECT_EQ(u8[8], 255);
  EXPECT_EQ(u8[9], 255);

  const Lanes<int32_t> a32 = {INT32_MIN, -32769, -32768, 65535};
  const Lanes<int32_t> b32 = {65536, 32767, 32768, INT32_MAX};
  Lanes<int16_t> s16;
  Lanes<uint16_t> u16;
  for (size_t i = 0; i < 8; ++i) {
    const int32_t v = i < 4 ? a32[i] : b32[i - 4];
    s16[i] = SaturateTo<int32_t, int16_t>(v);
    u16[i] = SaturateTo<int32_t, uint16_t>(v);
  }
  EXPECT_EQ(LanesOf<int16_t>(CallV128("i16x8.narrow_i32x4_s", {V128(a32), V128(b32)})), s16);
  EXPECT_EQ(LanesOf<uint16_t>(CallV128("i16x8.narrow_i32x4_u", {V128(a32), V128(b32)})), u16);
}

// ---------------------------------------------------------------------------
// i16x8.q15mulr_sat_s: (a * b + 0x4000) >> 15, saturated. -32768 * -32768
// is the one product that overflows (x86's pmulhrsw gives -32768 there).

int16_t Q15MulrSat(int16_t a, int16_t b) {
  const int32_t r = (int32_t{a} * int32_t{b} + 0x4000) >> 15;
  return static_cast<int16_t>(r > 32767 ? 32767 : r < -32768 ? -32768 : r);
}

TEST_P(SimdTest, Q15MulrSatSaturatesTheOneOverflow) {
  Binary("q15mulr", Opcode::kI16x8Q15mulrSatS);
  Encoder constant;
  V128Const(constant, Lanes<int16_t>{-32768, -32768, -32768, 1, 1, -1, 16384, 32767});
  V128Const(constant, Lanes<int16_t>{-32768, 32767, -32767, 16384, 16383, 16384, 16384, 32767})
      .Op(Opcode::kI16x8Q15mulrSatS)
      .End();
  Export("q15mulr_const", Type({}, {ValType::kV128}), constant);
  Instantiate();

  EXPECT_EQ(LanesOf<int16_t>(CallV128("q15mulr_const")),
            (Lanes<int16_t>{32767, -32767, 32767, 1, 0, 0, 8192, 32766}));
  // Every pair of some interesting values against the reference, 8 a lane.
  const std::vector<int16_t> values = {-32768, -32767, -16385, -16384, -12345, -2, -1, 0,
                                       1,      2,      12345,  16383,  16384,  16385, 32766, 32767};
  std::vector<std::pair<int16_t, int16_t>> pairs;
  for (int16_t a : values) {
    for (int16_t b : values) pairs.emplace_back(a, b);
  }
  for (size_t start = 0; start < pairs.size(); start += 8) {
    Lanes<int16_t> a{}, b{}, expected{};
    for (size_t i = 0; i < 8; ++i) {
      a[i] = pairs[start + i].first;
      b[i] = pairs[start + i].second;
      expected[i] = Q15MulrSat(a[i], b[i]);
    }
    EXPECT_EQ(LanesOf<int16_t>(CallV128("q15mulr", {V128(a), V128(b)})), expected)
        << "pairs from " << start;
  }
  EXPECT_EQ(Q15MulrSat(-32768, -32768), 32767);  // the reference itself
}

// ---------------------------------------------------------------------------
// f32x4/f64x2 min and max: NaN in, (quiet) NaN out; -0 < +0 in both operand
// orders.

TEST_P(SimdTest, FloatMinMaxPropagateNanAndOrderZeros) {
  Binary("f32x4.min", Opcode::kF32x4Min);
  Binary("f32x4.max", Opcode::kF32x4Max);
  Binary("f64x2.min", Opcode::kF64x2Min);
  Binary("f64x2.max", Opcode::kF64x2Max);
  Binary("f32x4.pmin", Opcode::kF32x4Pmin);
  Binary("f32x4.pmax", Opcode::kF32x4Pmax);
  Instantiate();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const float snan = std::bit_cast<float>(0x7fa00000u);  // signalling, payload

  {
    const Lanes<float> a = {-0.0f, 0.0f, 1.0f, -inf};
    const Lanes<float> b = {0.0f, -0.0f, 2.0f, inf};
    const Lanes<uint32_t> min = LanesOf<uint32_t>(CallV128("f32x4.min", {V128(a), V128(b)}));
    const Lanes<uint32_t> max = LanesOf<uint32_t>(CallV128("f32x4.max", {V128(a), V128(b)}));
    EXPECT_EQ(min, (Lanes<uint32_t>{Bits(-0.0f), Bits(-0.0f), Bits(1.0f), Bits(-inf)}));
    EXPECT_EQ(max, (Lanes<uint32_t>{Bits(0.0f), Bits(0.0f), Bits(2.0f), Bits(inf)}));
  }
  {
    // NaN in either position, quiet or signalling: an arithmetic NaN out,
    // and the canonical NaN when the only NaN in was canonical.
    const Lanes<float> a = {nan, 1.0f, snan, -0.0f};
    const Lanes<float> b = {1.0f, nan, 0.0f, snan};
    for (const char* name : {"f32x4.min", "f32x4.max"}) {
      const Lanes<uint32_t> r = LanesOf<uint32_t>(CallV128(name, {V128(a), V128(b)}));
      for (size_t i = 0; i < 4; ++i) {
        EXPECT_TRUE(IsArithmeticNanF32(r[i])) << name << " lane " << i << ": 0x" << std::hex << r[i];
      }
      EXPECT_EQ(r[0] & 0x7fffffff, kCanonicalNanF32) << name;
      EXPECT_EQ(r[1] & 0x7fffffff, kCanonicalNanF32) << name;
    }
  }
  {
    const Lanes<double> a = {-0.0, std::numeric_limits<double>::quiet_NaN()};
    const Lanes<double> b = {0.0, -1.0};
    const Lanes<uint64_t> min = LanesOf<uint64_t>(CallV128("f64x2.min", {V128(a), V128(b)}));
    const Lanes<uint64_t> max = LanesOf<uint64_t>(CallV128("f64x2.max", {V128(b), V128(a)}));
    EXPECT_EQ(min[0], Bits(-0.0));
    EXPECT_EQ(max[0], Bits(0.0));
    EXPECT_TRUE(IsArithmeticNanF64(min[1]));
    EXPECT_TRUE(IsArithmeticNanF64(max[1]));
  }
  {
    // pmin/pmax are `b < a ? b : a` / `a < b ? b : a`: the first operand
    // whenever the comparison is false, NaNs and zeros included, bit for bit.
    const Lanes<float> a = {nan, 1.0f, -0.0f, snan};
    const Lanes<float> b = {1.0f, nan, 0.0f, 2.0f};
    const Lanes<uint32_t> pmin = LanesOf<uint32_t>(CallV128("f32x4.pmin", {V128(a), V128(b)}));
    const Lanes<uint32_t> pmax = LanesOf<uint32_t>(CallV128("f32x4.pmax", {V128(a), V128(b)}));
    EXPECT_EQ(pmin, (Lanes<uint32_t>{Bits(nan), Bits(1.0f), Bits(-0.0f), Bits(snan)}));
    EXPECT_EQ(pmax, (Lanes<uint32_t>{Bits(nan), Bits(1.0f), Bits(-0.0f), Bits(snan)}));
  }
}

// ---------------------------------------------------------------------------
// x * 1, x - 0, x + -0, x / -1 and demote(promote(x)) are identities LLVM
// folds, but wasm arithmetic quiets a signalling NaN x.

TEST_P(SimdTest, IdentityArithmeticStillQuietsSignallingNans) {
  const uint32_t v_v = Type({ValType::kV128}, {ValType::kV128});
  auto with_constant = [&](std::string_view name, Opcode op, auto constant) {
    Encoder e;
    e.LocalGet(0);
    V128Const(e, constant).Op(op).End();
    Export(name, v_v, e);
  };
  with_constant("mul1", Opcode::kF32x4Mul, Lanes<float>{1.0f, 1.0f, 1.0f, 1.0f});
  with_constant("sub0", Opcode::kF32x4Sub, Lanes<float>{0.0f, 2.0f, 0.0f, 2.0f});
  with_constant("add-0", Opcode::kF64x2Add, Lanes<double>{-0.0, -0.0});
  with_constant("div-1", Opcode::kF64x2Div, Lanes<double>{-1.0, -1.0});
  Export("demote_promote", v_v,
         Encoder().LocalGet(0).Op(Opcode::kF64x2PromoteLowF32x4)
             .Op(Opcode::kF32x4DemoteF64x2Zero).End());
  Instantiate();
  const Value snan32 =
      V128(Lanes<uint32_t>{0x7fa00000, 0xffa00001, Bits(2.0f), Bits(-3.0f)});
  const Value snan64 = V128(Lanes<uint64_t>{0x7ff4000000000000, Bits(2.0)});
  for (const char* name : {"mul1", "sub0", "demote_promote"}) {
    const Lanes<uint32_t> r = LanesOf<uint32_t>(CallV128(name, {snan32}));
    EXPECT_TRUE(IsArithmeticNanF32(r[0])) << name << ": 0x" << std::hex << r[0];
    EXPECT_TRUE(IsArithmeticNanF32(r[1])) << name << ": 0x" << std::hex << r[1];
  }
  for (const char* name : {"add-0", "div-1"}) {
    const Lanes<uint64_t> r = LanesOf<uint64_t>(CallV128(name, {snan64}));
    EXPECT_TRUE(IsArithmeticNanF64(r[0])) << name << ": 0x" << std::hex << r[0];
  }
  EXPECT_EQ(LanesOf<float>(CallV128("sub0", {snan32}))[3], -5.0f);
  EXPECT_EQ(LanesOf<double>(CallV128("div-1", {snan64}))[1], -2.0);
}

// ---------------------------------------------------------------------------
// trunc_sat: NaN -> 0, out of range (infinities included) -> the nearest
// bound; the f64x2 forms zero the two high lanes.

TEST_P(SimdTest, TruncSatOfNanAndInfinities) {
  Unary("s", Opcode::kI32x4TruncSatF32x4S);
  Unary("u", Opcode::kI32x4TruncSatF32x4U);
  Unary("s_zero", Opcode::kI32x4TruncSatF64x2SZero);
  Unary("u_zero", Opcode::kI32x4TruncSatF64x2UZero);
  Instantiate();
  const float nanf = std::numeric_limits<float>::quiet_NaN();
  const float inff = std::numeric_limits<float>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();

  auto s = [&](Lanes<float> in) { return LanesOf<int32_t>(CallV128("s", {V128(in)})); };
  auto u = [&](Lanes<float> in) { return LanesOf<uint32_t>(CallV128("u", {V128(in)})); };
  EXPECT_EQ(s({nanf, inff, -inff, -nanf}), (Lanes<int32_t>{0, INT32_MAX, INT32_MIN, 0}));
  EXPECT_EQ(s({2147483648.0f, -2147483648.0f, 2147483520.0f, -2147483904.0f}),
            (Lanes<int32_t>{INT32_MAX, INT32_MIN, 2147483520, INT32_MIN}));
  EXPECT_EQ(s({1.9f, -1.9f, -0.0f, 0.5f}), (Lanes<int32_t>{1, -1, 0, 0}));
  EXPECT_EQ(u({nanf, inff, -inff, 4294967296.0f}), (Lanes<uint32_t>{0, UINT32_MAX, 0, UINT32_MAX}));
  EXPECT_EQ(u({4294967040.0f, 2147483648.0f, -0.9f, -1.0f}),
            (Lanes<uint32_t>{4294967040u, 2147483648u, 0, 0}));
  EXPECT_EQ(u({1.9f, 3000000000.0f, 0.0f, 2147483520.0f}),
            (Lanes<uint32_t>{1, 3000000000u, 0, 2147483520u}));

  auto s_zero = [&](Lanes<double> in) { return LanesOf<int32_t>(CallV128("s_zero", {V128(in)})); };
  auto u_zero = [&](Lanes<double> in) {
    return LanesOf<uint32_t>(CallV128("u_zero", {V128(in)}));
  };
  EXPECT_EQ(s_zero({nan, inf}), (Lanes<int32_t>{0, INT32_MAX, 0, 0}));
  EXPECT_EQ(s_zero({-inf, -nan}), (Lanes<int32_t>{INT32_MIN, 0, 0, 0}));
  EXPECT_EQ(s_zero({2147483647.9, -2147483648.9}), (Lanes<int32_t>{INT32_MAX, INT32_MIN, 0, 0}));
  EXPECT_EQ(s_zero({2147483648.0, -2147483649.0}), (Lanes<int32_t>{INT32_MAX, INT32_MIN, 0, 0}));
  EXPECT_EQ(u_zero({nan, inf}), (Lanes<uint32_t>{0, UINT32_MAX, 0, 0}));
  EXPECT_EQ(u_zero({-inf, -0.9}), (Lanes<uint32_t>{0, 0, 0, 0}));
  EXPECT_EQ(u_zero({4294967295.9, 4294967296.0}), (Lanes<uint32_t>{UINT32_MAX, UINT32_MAX, 0, 0}));
  EXPECT_EQ(u_zero({2147483648.5, 1.5}), (Lanes<uint32_t>{2147483648u, 1, 0, 0}));
}

// ---------------------------------------------------------------------------
// bitmask: lane i's sign bit is bit i of the result.

TEST_P(SimdTest, BitmaskTakesEachLanesSignBitInOrder) {
  const uint32_t v_i = Type({ValType::kV128}, {ValType::kI32});
  for (auto [name, op] : {std::pair{"i8x16", Opcode::kI8x16Bitmask},
                          std::pair{"i16x8", Opcode::kI16x8Bitmask},
                          std::pair{"i32x4", Opcode::kI32x4Bitmask},
                          std::pair{"i64x2", Opcode::kI64x2Bitmask}}) {
    Export(name, v_i, Encoder().LocalGet(0).Op(op).End());
  }
  Instantiate();
  auto bitmask = [&](const char* name, const Value& v) {
    absl::StatusOr<std::vector<Value>> r = Call(name, {v});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? (*r)[0].i32() : -1;
  };
  // Only the sign bit counts: 0x7f and 1 are "positive".
  EXPECT_EQ(bitmask("i8x16", V128(Lanes<uint8_t>{0x80, 0x7f, 0xff, 0, 1, 0xc0, 0, 0, 0, 0, 0, 0,
                                                  0, 0, 0, 0x80})),
            0x8025);
  EXPECT_EQ(bitmask("i8x16", V128(Lanes<int8_t>{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                                 -1, -1, -1, -1})),
            0xffff);
  EXPECT_EQ(bitmask("i16x8", V128(Lanes<int16_t>{-1, 0x7fff, INT16_MIN, 0, 0, 0, 0, -2})), 0x85);
  EXPECT_EQ(bitmask("i32x4", V128(Lanes<int32_t>{0, INT32_MIN, 1, -1})), 0xa);
  EXPECT_EQ(bitmask("i64x2", V128(Lanes<int64_t>{INT64_MIN, INT64_MAX})), 1);
  EXPECT_EQ(bitmask("i64x2", V128(Lanes<int64_t>{1, -1})), 2);
}

// ---------------------------------------------------------------------------
// Loads and stores at the end of memory: in bounds up to the last byte,
// a trap one byte further, and a trapping store writes nothing.

TEST_P(SimdTest, LaneAndWideAccessesTrapPastTheEndOfMemory) {
  module_.AddMemory(1);
  const uint32_t i_v = Type({ValType::kI32}, {ValType::kV128});
  const uint32_t i_v_ = Type({ValType::kI32}, {});
  const uint32_t i_i = Type({ValType::kI32}, {ValType::kI32});
  auto lane_load = [&](std::string_view name, Opcode op, uint32_t align, uint32_t offset,
                       uint8_t lane) {
    Encoder e;
    e.LocalGet(0);
    V128Const(e, Lanes<uint8_t>{0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                0x11, 0x11, 0x11, 0x11, 0x11, 0x11});
    e.Mem(op, align, offset).Byte(lane).End();
    Export(name, i_v, e);
  };
  auto lane_store = [&](std::string_view name, Opcode op, uint32_t align, uint8_t lane) {
    Encoder e;
    e.LocalGet(0);
    V128Const(e, Lanes<uint8_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
    e.Mem(op, align, 0).Byte(lane).End();
    Export(name, i_v_, e);
  };
  lane_load("load8_lane", Opcode::kV128Load8Lane, 0, 0, 15);
  lane_load("load32_lane", Opcode::kV128Load32Lane, 2, 0, 1);
  lane_load("load64_lane_offset", Opcode::kV128Load64Lane, 3, 0xfff8, 0);
  lane_store("store16_lane", Opcode::kV128Store16Lane, 1, 7);
  lane_store("store64_lane", Opcode::kV128Store64Lane, 3, 1);
  Export("load", i_v, Encoder().LocalGet(0).Mem(Opcode::kV128Load, 4, 0).End());
  Export("load_offset_past_4g", i_v,
         Encoder().LocalGet(0).Mem(Opcode::kV128Load, 4, 0xfffffff0u).End());
  Export("load32_zero", i_v, Encoder().LocalGet(0).Mem(Opcode::kV128Load32Zero, 2, 0).End());
  Export("load16x4_s", i_v, Encoder().LocalGet(0).Mem(Opcode::kV128Load16x4S, 3, 0).End());
  // Dropped results: the loads must still happen.
  Export("drop_load64_splat", i_v_,
         Encoder().LocalGet(0).Mem(Opcode::kV128Load64Splat, 3, 0).Op(Opcode::kDrop).End());
  {
    Encoder e;
    e.LocalGet(0);
    V128Const(e, Lanes<uint32_t>{0, 0, 0, 0});
    e.Mem(Opcode::kV128Load16Lane, 1, 0).Byte(3).Op(Opcode::kDrop).End();
    Export("drop_load16_lane", i_v_, e);
  }
  {
    Encoder e;
    e.LocalGet(0);
    V128Const(e, Lanes<uint8_t>{0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
                                0xee, 0xee, 0xee, 0xee, 0xee});
    e.Mem(Opcode::kV128Store, 4, 0).End();
    Export("store", i_v_, e);
  }
  Export("byte", i_i, Encoder().LocalGet(0).Mem(Opcode::kI32Load8U, 0, 0).End());
  Instantiate();

  constexpr int32_t kEnd = 65536;
  auto traps = [&](std::string_view name, int32_t address) {
    return IsTrap(Call(name, {Value::I32(address)}).status(), TrapCode::kMemoryOutOfBounds);
  };
  auto ok = [&](std::string_view name, int32_t address) {
    absl::StatusOr<std::vector<Value>> r = Call(name, {Value::I32(address)});
    EXPECT_TRUE(r.ok()) << name << " at " << address << ": " << r.status();
    return r.ok();
  };

  // Memory is zero: each load shows where it put the loaded bytes.
  EXPECT_EQ(LanesOf<uint8_t>(CallV128("load8_lane", {Value::I32(kEnd - 1)}))[15], 0);
  EXPECT_EQ(LanesOf<uint8_t>(CallV128("load8_lane", {Value::I32(kEnd - 1)}))[14], 0x11);
  EXPECT_TRUE(traps("load8_lane", kEnd));
  EXPECT_TRUE(traps("load8_lane", -1));
  EXPECT_EQ(LanesOf<uint32_t>(CallV128("load32_lane", {Value::I32(kEnd - 4)})),
            (Lanes<uint32_t>{0x11111111, 0, 0x11111111, 0x11111111}));
  for (int32_t k = 1; k < 4; ++k) EXPECT_TRUE(traps("load32_lane", kEnd - 4 + k)) << k;
  EXPECT_TRUE(ok("load64_lane_offset", 0x10000 - 0xfff8 - 8));
  EXPECT_TRUE(traps("load64_lane_offset", 0x10000 - 0xfff8 - 7));
  EXPECT_TRUE(ok("load", kEnd - 16));
  for (int32_t k = 1; k < 16; ++k) EXPECT_TRUE(traps("load", kEnd - 16 + k)) << k;
  EXPECT_TRUE(traps("load_offset_past_4g", 0x20));
  EXPECT_TRUE(traps("load_offset_past_4g", -1));
  EXPECT_TRUE(ok("load32_zero", kEnd - 4));
  EXPECT_TRUE(traps("load32_zero", kEnd - 3));
  EXPECT_TRUE(ok("load16x4_s", kEnd - 8));
  EXPECT_TRUE(traps("load16x4_s", kEnd - 7));
  EXPECT_TRUE(ok("drop_load64_splat", kEnd - 8));
  EXPECT_TRUE(traps("drop_load64_splat", kEnd - 7));
  EXPECT_TRUE(ok("drop_load16_lane", kEnd - 2));
  EXPECT_TRUE(traps("drop_load16_lane", kEnd - 1));

  auto byte = [&](int32_t address) {
    absl::StatusOr<std::vector<Value>> r = Call("byte", {Value::I32(address)});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? (*r)[0].i32() : -1;
  };
  // store16_lane 7 writes bytes 14 and 15 of the vector.
  EXPECT_TRUE(ok("store16_lane", kEnd - 2));
  EXPECT_EQ(byte(kEnd - 2), 14);
  EXPECT_EQ(byte(kEnd - 1), 15);
  EXPECT_TRUE(ok("store64_lane", kEnd - 16));
  EXPECT_EQ(byte(kEnd - 16), 8);
  EXPECT_EQ(byte(kEnd - 9), 15);
  // A trapping store changes nothing, not even the bytes still in bounds.
  EXPECT_TRUE(traps("store16_lane", kEnd - 1));
  EXPECT_EQ(byte(kEnd - 1), 15);
  EXPECT_TRUE(traps("store64_lane", kEnd - 4));
  EXPECT_EQ(byte(kEnd - 4), 0);
  EXPECT_TRUE(traps("store", kEnd - 15));
  for (int32_t a = kEnd - 15; a < kEnd - 2; ++a) {
    if (a >= kEnd - 16 && a < kEnd - 8) continue;  // written by store64_lane above
    EXPECT_EQ(byte(a), 0) << a;
  }
  EXPECT_TRUE(ok("store", kEnd - 16));
  EXPECT_EQ(byte(kEnd - 1), 0xee);
}

// ---------------------------------------------------------------------------
// i64x2 multiply chains: where the host has no 64-bit vector multiply, the
// optimizer moves a loop of them to scalar registers (jit/src/
// i64x2_mul_scalarizer.h). Lane order, loads split in two, the rotate
// built from shifts and the loop-carried value must all come out as the
// vector code says, at O0 (no rewrite) and O2 alike.

TEST_P(SimdTest, I64x2MultiplyLoopMatchesLaneByLaneMath) {
  constexpr uint64_t kK1 = 0x9E3779B185EBCA87ull;
  constexpr uint64_t kK2 = 0xC2B2AE3D27D4EB4Full;
  // Eight words of memory, read two at a time.
  std::vector<uint64_t> words(8);
  for (size_t i = 0; i < words.size(); ++i) words[i] = 0x0123456789ABCDEFull * (i + 3) ^ (i << 60);
  module_.AddMemory(1);
  module_.AddActiveData(0, std::string_view(reinterpret_cast<const char*>(words.data()),
                                            words.size() * sizeof(uint64_t)));
  // mix(acc: v128, n: i32) -> v128, with local i: i32:
  //   do { acc = rotl(acc + load((i & 3) * 16) * K2, 31) * K1 } while (++i < n)
  Encoder body;
  body.Block().Loop().LocalGet(0);
  body.LocalGet(2).I32Const(3).Op(Opcode::kI32And).I32Const(4).Op(Opcode::kI32Shl);
  body.Mem(Opcode::kV128Load, 0, 0);
  V128Const(body, Lanes<uint64_t>{kK2, kK2}).Op(Opcode::kI64x2Mul).Op(Opcode::kI64x2Add);
  body.LocalTee(0).I32Const(31).Op(Opcode::kI64x2Shl);
  body.LocalGet(0).I32Const(33).Op(Opcode::kI64x2ShrU).Op(Opcode::kV128Or);
  V128Const(body, Lanes<uint64_t>{kK1, kK1}).Op(Opcode::kI64x2Mul).LocalSet(0);
  body.LocalGet(2).I32Const(1).Op(Opcode::kI32Add).LocalTee(2).LocalGet(1);
  body.Op(Opcode::kI32LtU).BrIf(0).End().End().LocalGet(0).End();
  Export("mix", Type({ValType::kV128, ValType::kI32}, {ValType::kV128}), body,
         {LocalDecl{1, ValType::kI32}});
  Instantiate();

  auto expected = [&](Lanes<uint64_t> acc, uint32_t n) {
    uint32_t i = 0;
    do {
      for (int lane = 0; lane < 2; ++lane) {
        const uint64_t sum = acc[lane] + words[(i & 3) * 2 + lane] * kK2;
        acc[lane] = ((sum << 31) | (sum >> 33)) * kK1;
      }
    } while (++i < n);
    return acc;
  };
  for (uint32_t n : {1u, 2u, 7u, 1000u}) {
    const Lanes<uint64_t> seed{0x1111222233334444ull * n, ~0ull - n};
    EXPECT_EQ(LanesOf<uint64_t>(CallV128("mix", {V128(seed), Value::I32(static_cast<int32_t>(n))})),
              expected(seed, n))
        << "n = " << n;
  }
}

// ---------------------------------------------------------------------------
// v128 crossing every boundary: many parameters (some on the stack), several
// results (returned through memory), a host function both ways, and a
// mutable global read and written by wasm and by the host.

TEST_P(SimdTest, V128CrossesCallsHostFunctionsAndGlobals) {
  // host.swap: (v128, i32, v128) -> (v128, v128): the two vectors swapped,
  // the first one's lanes plus the i32.
  const wasm::FuncType swap_type{{ValType::kV128, ValType::kI32, ValType::kV128},
                                 {ValType::kV128, ValType::kV128}};
  const uint32_t swap_index = module_.AddType(swap_type.params, swap_type.results);
  const uint32_t swap = module_.ImportFunction("host", "swap", swap_index);
  Encoder init;
  V128Const(init, Lanes<uint32_t>{1, 2, 3, 4}).End();
  const uint32_t global = module_.AddGlobal(ValType::kV128, true, init);
  module_.AddExport("g", ExternKind::kGlobal, global);

  // sum10: ten v128 parameters, returns their i32x4 sum and the last one.
  std::vector<ValType> ten(10, ValType::kV128);
  Encoder sum;
  sum.LocalGet(0);
  for (uint32_t i = 1; i < 10; ++i) sum.LocalGet(i).Op(Opcode::kI32x4Add);
  sum.LocalGet(9).End();
  const uint32_t sum10 =
      module_.AddFunction(Type(ten, {ValType::kV128, ValType::kV128}), {}, sum);
  module_.AddExport("sum10", ExternKind::kFunc, sum10);
  // call_sum10: calls sum10 with the global and nine splats of its argument,
  // stores the sum into the global and returns the second result.
  Encoder call;
  call.GlobalGet(global);
  for (int i = 0; i < 9; ++i) call.LocalGet(0).Op(Opcode::kI32x4Splat);
  call.Call(sum10).LocalSet(1).GlobalSet(global).LocalGet(1).End();
  Export("call_sum10", Type({ValType::kI32}, {ValType::kV128}), call,
         {{1, ValType::kV128}});
  Export("call_swap", swap_index,
         Encoder().LocalGet(0).LocalGet(1).LocalGet(2).Call(swap).End());

  runtime::Linker linker;
  linker.Define("host", "swap",
                store_.CreateHostFunc(swap_type, [](std::span<const Value> params,
                                                    std::span<Value> results) {
                  Lanes<uint32_t> first = LanesOf<uint32_t>(params[0]);
                  for (uint32_t& lane : first) lane += static_cast<uint32_t>(params[1].i32());
                  results[0] = params[2];
                  results[1] = V128(first);
                  return absl::OkStatus();
                }));
  Instantiate(linker);

  absl::StatusOr<std::vector<Value>> swapped =
      Call("call_swap", {V128(Lanes<uint32_t>{10, 20, 30, 40}), Value::I32(5),
                         V128(Lanes<uint32_t>{7, 8, 9, 0xffffffff})});
  ASSERT_TRUE(swapped.ok()) << swapped.status();
  ASSERT_EQ(swapped->size(), 2u);
  EXPECT_EQ(LanesOf<uint32_t>((*swapped)[0]), (Lanes<uint32_t>{7, 8, 9, 0xffffffff}));
  EXPECT_EQ(LanesOf<uint32_t>((*swapped)[1]), (Lanes<uint32_t>{15, 25, 35, 45}));

  EXPECT_EQ(LanesOf<uint32_t>(CallV128("call_sum10", {Value::I32(100)})),
            (Lanes<uint32_t>{100, 100, 100, 100}));
  std::optional<runtime::Extern> g = instance_->GetExport("g");
  ASSERT_TRUE(g.has_value());
  runtime::Global* cell = std::get_if<runtime::Global>(&*g);
  ASSERT_NE(cell, nullptr);
  EXPECT_EQ(LanesOf<uint32_t>(cell->Get()), (Lanes<uint32_t>{901, 902, 903, 904}));
  ASSERT_TRUE(cell->Set(V128(Lanes<uint32_t>{0, 0, 0, 0xfffffff0})).ok());
  CallV128("call_sum10", {Value::I32(1)});
  EXPECT_EQ(LanesOf<uint32_t>(cell->Get()), (Lanes<uint32_t>{9, 9, 9, 0xfffffff9}));
}

}  // namespace
}  // namespace kiln::engine_test
