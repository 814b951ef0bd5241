#include "spec_value.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace kiln::spec {
namespace {

using nlohmann::json;
using runtime::Value;
using wasm::ValType;

json V(const std::string& type, const std::string& value) {
  return json{{"type", type}, {"value", value}};
}

ExpectedValue Expect(const std::string& type, const std::string& value) {
  absl::StatusOr<ExpectedValue> expected = ParseExpected(V(type, value));
  EXPECT_TRUE(expected.ok()) << expected.status();
  return expected.ok() ? *expected : ExpectedValue{};
}

TEST(SpecValueTest, IntegersAreUnsignedDecimalsOfTheirBits) {
  absl::StatusOr<Value> i32 = ParseArgument(V("i32", "4294967295"));
  ASSERT_TRUE(i32.ok());
  EXPECT_EQ(i32->type(), ValType::kI32);
  EXPECT_EQ(i32->i32(), -1);
  absl::StatusOr<Value> i64 = ParseArgument(V("i64", "9223372036854775808"));
  ASSERT_TRUE(i64.ok());
  EXPECT_EQ(i64->i64(), INT64_MIN);
}

TEST(SpecValueTest, FloatsKeepTheirExactBits) {
  // A signalling NaN with a payload must survive untouched.
  absl::StatusOr<Value> f32 = ParseArgument(V("f32", "2139095041"));  // 0x7f800001
  ASSERT_TRUE(f32.ok());
  EXPECT_EQ(f32->f32_bits(), 0x7f800001u);
  absl::StatusOr<Value> f64 = ParseArgument(V("f64", "18442240474082181120"));  // 0xfff0...0
  ASSERT_TRUE(f64.ok());
  EXPECT_EQ(f64->f64_bits(), 0xfff0000000000000u);
}

TEST(SpecValueTest, OutOfRangeOrMalformedNumbersAreErrors) {
  EXPECT_FALSE(ParseArgument(V("i32", "4294967296")).ok());
  EXPECT_FALSE(ParseArgument(V("i64", "18446744073709551616")).ok());
  EXPECT_FALSE(ParseArgument(V("i32", "-1")).ok());
  EXPECT_FALSE(ParseArgument(V("i32", "12x")).ok());
  EXPECT_FALSE(ParseArgument(V("i32", "")).ok());
  EXPECT_FALSE(ParseArgument(V("f32", "nan:canonical")).ok());  // only expected values
  EXPECT_FALSE(ParseArgument(json{{"type", "i32"}}).ok());
  EXPECT_FALSE(ParseArgument(V("i128", "0")).ok());
  EXPECT_FALSE(ParseArgument(json::array()).ok());
}

TEST(SpecValueTest, ExternRefNIsAHostPointerThatIsNeverNull) {
  absl::StatusOr<Value> zero = ParseArgument(V("externref", "0"));
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->type(), ValType::kExternRef);
  EXPECT_NE(zero->ref(), nullptr);
  EXPECT_EQ(zero->ref(), ExternRefPointer(0));
  absl::StatusOr<Value> null = ParseArgument(V("externref", "null"));
  ASSERT_TRUE(null.ok());
  EXPECT_TRUE(null->is_null_ref());
  // An argument and an expected result of the same N match.
  EXPECT_TRUE(Matches(Expect("externref", "0"), *zero));
  EXPECT_FALSE(Matches(Expect("externref", "1"), *zero));
  EXPECT_FALSE(Matches(Expect("externref", "null"), *zero));
  EXPECT_TRUE(Matches(Expect("externref", "null"), *null));
}

TEST(SpecValueTest, FuncRefArgumentsCanOnlyBeNull) {
  absl::StatusOr<Value> null = ParseArgument(V("funcref", "null"));
  ASSERT_TRUE(null.ok());
  EXPECT_EQ(null->type(), ValType::kFuncRef);
  EXPECT_TRUE(null->is_null_ref());
  EXPECT_FALSE(ParseArgument(V("funcref", "3")).ok());
}

TEST(SpecValueTest, AnExpectedNonNullFuncRefMatchesAnyFunction) {
  int stand_in = 0;
  const Value func = Value::Ref(ValType::kFuncRef, &stand_in);
  const Value null = Value::Ref(ValType::kFuncRef, nullptr);
  EXPECT_TRUE(Matches(Expect("funcref", "0"), func));
  EXPECT_FALSE(Matches(Expect("funcref", "0"), null));
  EXPECT_TRUE(Matches(Expect("funcref", "null"), null));
  EXPECT_FALSE(Matches(Expect("funcref", "null"), func));
  // An externref is not a funcref, whatever its pointer.
  EXPECT_FALSE(Matches(Expect("funcref", "0"), Value::Ref(ValType::kExternRef, &stand_in)));
}

TEST(SpecValueTest, ExactMatchesNeedTheSameTypeAndBits) {
  EXPECT_TRUE(Matches(Expect("i32", "4294967295"), Value::I32(-1)));
  EXPECT_FALSE(Matches(Expect("i32", "1"), Value::I32(2)));
  EXPECT_FALSE(Matches(Expect("i32", "1"), Value::I64(1)));
  // +0 and -0 are different results.
  EXPECT_TRUE(Matches(Expect("f32", "0"), Value::F32Bits(0)));
  EXPECT_FALSE(Matches(Expect("f32", "0"), Value::F32Bits(0x80000000)));
  // A NaN given as bits matches only those bits.
  EXPECT_TRUE(Matches(Expect("f64", "9221120237041090561"), Value::F64Bits(0x7ff8000000000001)));
  EXPECT_FALSE(Matches(Expect("f64", "9221120237041090561"), Value::F64Bits(0x7ff8000000000000)));
}

TEST(SpecValueTest, CanonicalNanIsOnlyTheQuietBitWithEitherSign) {
  const ExpectedValue f32 = Expect("f32", "nan:canonical");
  EXPECT_EQ(f32.kind, ExpectedValue::Kind::kCanonicalNan);
  EXPECT_TRUE(Matches(f32, Value::F32Bits(0x7fc00000)));
  EXPECT_TRUE(Matches(f32, Value::F32Bits(0xffc00000)));
  EXPECT_FALSE(Matches(f32, Value::F32Bits(0x7fc00001)));  // a payload
  EXPECT_FALSE(Matches(f32, Value::F32Bits(0x7fa00000)));  // signalling
  EXPECT_FALSE(Matches(f32, Value::F32Bits(0x7f800000)));  // infinity
  EXPECT_FALSE(Matches(f32, Value::F64Bits(0x7ff8000000000000)));

  const ExpectedValue f64 = Expect("f64", "nan:canonical");
  EXPECT_TRUE(Matches(f64, Value::F64Bits(0x7ff8000000000000)));
  EXPECT_TRUE(Matches(f64, Value::F64Bits(0xfff8000000000000)));
  EXPECT_FALSE(Matches(f64, Value::F64Bits(0x7ff8000000000001)));
  EXPECT_FALSE(Matches(f64, Value::F64Bits(0x7ff4000000000000)));
}

TEST(SpecValueTest, ArithmeticNanIsAnyNanWithTheQuietBit) {
  const ExpectedValue f32 = Expect("f32", "nan:arithmetic");
  EXPECT_EQ(f32.kind, ExpectedValue::Kind::kArithmeticNan);
  EXPECT_TRUE(Matches(f32, Value::F32Bits(0x7fc00000)));
  EXPECT_TRUE(Matches(f32, Value::F32Bits(0xffc00001)));
  EXPECT_TRUE(Matches(f32, Value::F32Bits(0x7fffffff)));
  EXPECT_FALSE(Matches(f32, Value::F32Bits(0x7fa00000)));  // quiet bit clear
  EXPECT_FALSE(Matches(f32, Value::F32Bits(0x3fc00000)));  // not a NaN

  const ExpectedValue f64 = Expect("f64", "nan:arithmetic");
  EXPECT_TRUE(Matches(f64, Value::F64Bits(0x7ff8000000000000)));
  EXPECT_TRUE(Matches(f64, Value::F64Bits(0xfffc000000000001)));
  EXPECT_FALSE(Matches(f64, Value::F64Bits(0x7ff0000000000001)));
}

TEST(SpecValueTest, NanClassesAreOnlyForFloats) {
  EXPECT_FALSE(ParseExpected(V("i32", "nan:canonical")).ok());
  EXPECT_FALSE(ParseExpected(V("f32", "nan:other")).ok());
}

TEST(SpecValueTest, ListsParseInOrderAndStopAtTheFirstError) {
  absl::StatusOr<std::vector<Value>> args =
      ParseArguments(json::array({V("i32", "1"), V("i64", "2")}));
  ASSERT_TRUE(args.ok());
  ASSERT_EQ(args->size(), 2u);
  EXPECT_EQ((*args)[0].i32(), 1);
  EXPECT_EQ((*args)[1].i64(), 2);
  EXPECT_FALSE(ParseArguments(json::array({V("i32", "1"), V("i32", "x")})).ok());
  EXPECT_FALSE(ParseExpectedList(json::object()).ok());
  absl::StatusOr<std::vector<ExpectedValue>> none = ParseExpectedList(json::array());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

json V128(const std::string& lane_type, std::vector<std::string> lanes) {
  return json{{"type", "v128"}, {"lane_type", lane_type}, {"value", lanes}};
}

TEST(SpecValueTest, V128LanesAreLittleEndian) {
  absl::StatusOr<Value> i32 = ParseArgument(V128("i32", {"1", "2", "3", "4294967295"}));
  ASSERT_TRUE(i32.ok()) << i32.status();
  EXPECT_EQ(i32->type(), ValType::kV128);
  const uint8_t expected[16] = {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(std::memcmp(i32->v128(), expected, 16), 0);
  absl::StatusOr<Value> i16 =
      ParseArgument(V128("i16", {"258", "0", "0", "0", "0", "0", "0", "65535"}));
  ASSERT_TRUE(i16.ok()) << i16.status();
  EXPECT_EQ(i16->v128()[0], 2);
  EXPECT_EQ(i16->v128()[1], 1);
  EXPECT_EQ(i16->v128()[15], 0xff);
  // The same bits written in another lane shape are the same value.
  absl::StatusOr<ExpectedValue> as_i64 =
      ParseExpected(V128("i64", {"8589934593", "18446744069414584323"}));
  ASSERT_TRUE(as_i64.ok()) << as_i64.status();
  EXPECT_TRUE(Matches(*as_i64, *i32));
}

TEST(SpecValueTest, V128NeedsTheRightLaneCountAndWidth) {
  EXPECT_FALSE(ParseArgument(V128("i32", {"0", "0", "0"})).ok());
  EXPECT_FALSE(ParseArgument(V128("i8", {"256", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0",
                                         "0", "0", "0", "0", "0"}))
                   .ok());
  EXPECT_FALSE(ParseArgument(V128("i128", {"0"})).ok());
  EXPECT_FALSE(ParseArgument(json{{"type", "v128"}, {"value", {"0", "0", "0", "0"}}}).ok());
  // NaN classes only in expected values.
  EXPECT_FALSE(ParseArgument(V128("f32", {"nan:canonical", "0", "0", "0"})).ok());
  EXPECT_FALSE(ParseExpected(V128("i32", {"nan:canonical", "0", "0", "0"})).ok());
}

TEST(SpecValueTest, V128FloatLanesMatchNanClassesOneByOne) {
  absl::StatusOr<ExpectedValue> expected =
      ParseExpected(V128("f32", {"nan:canonical", "nan:arithmetic", "1065353216", "0"}));
  ASSERT_TRUE(expected.ok()) << expected.status();
  auto v128 = [](uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    uint32_t lanes[4] = {a, b, c, d};
    uint8_t bytes[16];
    std::memcpy(bytes, lanes, 16);
    return Value::V128(bytes);
  };
  EXPECT_TRUE(Matches(*expected, v128(0x7fc00000, 0x7fc00001, 0x3f800000, 0)));
  EXPECT_TRUE(Matches(*expected, v128(0xffc00000, 0xffffffff, 0x3f800000, 0)));
  EXPECT_FALSE(Matches(*expected, v128(0x7fc00001, 0x7fc00001, 0x3f800000, 0)));  // not canonical
  EXPECT_FALSE(Matches(*expected, v128(0x7fc00000, 0x7f800001, 0x3f800000, 0)));  // signalling
  EXPECT_FALSE(Matches(*expected, v128(0x7fc00000, 0x7fc00000, 0x3f800001, 0)));  // exact lane
  EXPECT_FALSE(Matches(*expected, v128(0x7fc00000, 0x7fc00000, 0x3f800000, 0x80000000)));
  EXPECT_FALSE(Matches(*expected, Value::I32(0)));
  EXPECT_EQ(Describe(*expected),
            "v128:f32x4[nan:canonical nan:arithmetic 0x3f800000 0x00000000]");
  EXPECT_EQ(DescribeLike(*expected, v128(1, 2, 3, 4)),
            "v128:f32x4[0x00000001 0x00000002 0x00000003 0x00000004]");

  absl::StatusOr<ExpectedValue> f64 =
      ParseExpected(V128("f64", {"nan:canonical", "9221120237041090560"}));
  ASSERT_TRUE(f64.ok()) << f64.status();
  uint64_t lanes[2] = {0xfff8000000000000, 0x7ff8000000000000};
  uint8_t bytes[16];
  std::memcpy(bytes, lanes, 16);
  EXPECT_TRUE(Matches(*f64, Value::V128(bytes)));
}

}  // namespace
}  // namespace kiln::spec
