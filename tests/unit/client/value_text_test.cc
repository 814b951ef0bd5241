// client/value_text: command-line values parse as documented, and every
// printed value reads back to the same bits.
#include "value_text.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kiln::client {
namespace {

using ::testing::HasSubstr;

using runtime::Value;
using wasm::ValType;

Value Parse(const std::string& text, ValType type) {
  absl::StatusOr<Value> value = ParseValue(text, type);
  EXPECT_TRUE(value.ok()) << text << ": " << value.status();
  return value.ok() ? *value : Value();
}

std::string Error(const std::string& text, ValType type) {
  absl::StatusOr<Value> value = ParseValue(text, type);
  EXPECT_FALSE(value.ok()) << text << " parsed as " << FormatValue(*value);
  return value.ok() ? "" : std::string(value.status().message());
}

// FormatValue's text after "TYPE:".
std::string Text(const Value& value) {
  std::string text = FormatValue(value);
  return text.substr(text.find(':') + 1);
}

TEST(ValueText, Integers) {
  EXPECT_EQ(Parse("-1", ValType::kI32).i32(), -1);
  EXPECT_EQ(Parse("4294967295", ValType::kI32).i32(), -1);
  EXPECT_EQ(Parse("0x80000000", ValType::kI32).i32(), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(Parse("-0x1", ValType::kI32).i32(), -1);
  EXPECT_EQ(Parse("+7", ValType::kI32).i32(), 7);
  EXPECT_EQ(Parse("-2147483648", ValType::kI32).i32(), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(Parse("18446744073709551615", ValType::kI64).i64(), -1);
  EXPECT_EQ(Parse("-9223372036854775808", ValType::kI64).i64(),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Error("4294967296", ValType::kI32), "out of range for i32");
  EXPECT_EQ(Error("-2147483649", ValType::kI32), "out of range for i32");
  EXPECT_EQ(Error("0x100000000", ValType::kI32), "out of range for i32");
  EXPECT_EQ(Error("18446744073709551616", ValType::kI64), "out of range for i64");
  EXPECT_EQ(Error("-9223372036854775809", ValType::kI64), "out of range for i64");
  EXPECT_EQ(Error("12abc", ValType::kI32), "not a decimal integer");
  EXPECT_EQ(Error("0x", ValType::kI32), "not hexadecimal digits after 0x");
  Error("", ValType::kI32);
  Error("1.5", ValType::kI64);
  Error(" 1", ValType::kI64);
  EXPECT_EQ(FormatValue(Value::I32(-5)), "i32:-5");
  EXPECT_EQ(FormatValue(Value::I64(6765)), "i64:6765");
}

TEST(ValueText, Floats) {
  EXPECT_EQ(Parse("1.5", ValType::kF32).f32(), 1.5f);
  EXPECT_EQ(Parse("0.1", ValType::kF32).f32(), 0.1f);  // rounded once, to float
  EXPECT_EQ(Parse("0.1", ValType::kF64).f64(), 0.1);
  EXPECT_EQ(Parse("0x1.8p3", ValType::kF64).f64(), 12.0);
  EXPECT_EQ(Parse("-0x1p-149", ValType::kF32).f32_bits(), 0x80000001u);
  EXPECT_EQ(Parse("inf", ValType::kF32).f32_bits(), 0x7f800000u);
  EXPECT_EQ(Parse("-inf", ValType::kF64).f64_bits(), 0xfff0000000000000u);
  EXPECT_EQ(Parse("nan", ValType::kF32).f32_bits(), 0x7fc00000u);
  EXPECT_EQ(Parse("-nan", ValType::kF64).f64_bits(), 0xfff8000000000000u);
  EXPECT_EQ(Parse("nan:0x1", ValType::kF32).f32_bits(), 0x7f800001u);
  EXPECT_EQ(Parse("-nan:0xfffffffffffff", ValType::kF64).f64_bits(), 0xffffffffffffffffu);
  EXPECT_EQ(Parse("-0", ValType::kF32).f32_bits(), 0x80000000u);
  EXPECT_EQ(Parse("1e-50", ValType::kF32).f32_bits(), 0u);  // underflow rounds, as in wat
  EXPECT_EQ(Error("1e39", ValType::kF32), "out of range for f32");
  EXPECT_EQ(Error("1e309", ValType::kF64), "out of range for f64");
  Error("nan:0x0", ValType::kF32);
  Error("nan:0x800000", ValType::kF32);
  Error("nan:1", ValType::kF32);
  Error("infinity", ValType::kF64);
  Error("nan(1)", ValType::kF64);
  Error("1.5x", ValType::kF64);
  Error("0x", ValType::kF64);
  Error("", ValType::kF64);
  Error(" 1", ValType::kF64);
  EXPECT_EQ(FormatValue(Value::F32(1.5f)), "f32:1.5");
  EXPECT_EQ(FormatValue(Value::F64(0.1)), "f64:0.1");
  EXPECT_EQ(FormatValue(Value::F32Bits(0x7fc00000)), "f32:nan:0x400000");
  EXPECT_EQ(FormatValue(Value::F64Bits(0xfff0000000000001)), "f64:-nan:0x1");
  EXPECT_EQ(FormatValue(Value::F64(-INFINITY)), "f64:-inf");
}

TEST(ValueText, References) {
  EXPECT_TRUE(Parse("null", ValType::kFuncRef).is_null_ref());
  EXPECT_TRUE(Parse("null", ValType::kExternRef).is_null_ref());
  Error("0", ValType::kExternRef);
  EXPECT_EQ(FormatValue(Value::Ref(ValType::kFuncRef, nullptr)), "funcref:null");
}

TEST(ValueText, V128) {
  // Hex: the 16 bytes in memory order, as FormatValue prints them.
  const std::string hex = "0x000102030405060708090a0b0c0d0e0f";
  const Value counting = Parse(hex, ValType::kV128);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(counting.v128()[i], i);
  EXPECT_EQ(FormatValue(counting), "v128:" + hex);
  // Shapes, lane 0 first, little-endian lanes.
  EXPECT_EQ(Parse("i32x4:0x03020100,0x07060504,0x0b0a0908,0x0f0e0d0c", ValType::kV128),
            counting);
  EXPECT_EQ(Parse("i8x16:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15", ValType::kV128), counting);
  EXPECT_EQ(Parse("i16x8:0x100,0x302,0x504,0x706,0x908,0xb0a,0xd0c,0xf0e", ValType::kV128),
            counting);
  EXPECT_EQ(Parse("i64x2:0x0706050403020100,0x0f0e0d0c0b0a0908", ValType::kV128), counting);
  // Signed and unsigned spellings of a lane are the same bits.
  EXPECT_EQ(Parse("i8x16:-1,255,-128,128,0,0,0,0,0,0,0,0,0,0,0,0", ValType::kV128),
            Parse("0xffff8080" + std::string(24, '0'), ValType::kV128));
  EXPECT_EQ(Text(Parse("f32x4:1,-0,inf,nan", ValType::kV128)), "0x0000803f00000080" "0000807f0000c07f");
  EXPECT_EQ(Text(Parse("f64x2:1.5,-nan:0x1", ValType::kV128)), "0x000000000000f83f" "010000000000f0ff");

  EXPECT_THAT(Error("0x0001", ValType::kV128), HasSubstr("32 digits"));
  EXPECT_EQ(Error("0x000102030405060708090a0b0c0d0e0g", ValType::kV128),
            "not hexadecimal digits after 0x");
  EXPECT_THAT(Error("0", ValType::kV128), HasSubstr("SHAPE:LANES"));
  EXPECT_THAT(Error("i32x5:1,2,3,4,5", ValType::kV128), HasSubstr("SHAPE:LANES"));
  EXPECT_EQ(Error("i32x4:1,2,3", ValType::kV128), "i32x4 takes exactly 4 lanes");
  EXPECT_EQ(Error("i32x4:1,2,3,4,5", ValType::kV128), "i32x4 takes exactly 4 lanes");
  EXPECT_EQ(Error("i8x16:256,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0", ValType::kV128),
            "i8x16 lane 0: out of range for i8");
  EXPECT_EQ(Error("i16x8:0,0,-32769,0,0,0,0,0", ValType::kV128),
            "i16x8 lane 2: out of range for i16");
  EXPECT_THAT(Error("f32x4:1,2,x,4", ValType::kV128), HasSubstr("f32x4 lane 2: not a decimal"));
  EXPECT_EQ(Error("f64x2:1e309,0", ValType::kV128), "f64x2 lane 0: out of range for f64");
  Error("i32x4:1,,3,4", ValType::kV128);
  Error("i32x4:", ValType::kV128);
}

// Every printed value parses back to the same bits: edge cases, then
// random bit patterns (NaNs, subnormals and all).
TEST(ValueText, RoundTrips) {
  std::vector<Value> values = {
      Value::I32(0), Value::I32(-1), Value::I32(std::numeric_limits<int32_t>::min()),
      Value::I64(std::numeric_limits<int64_t>::min()), Value::I64(std::numeric_limits<int64_t>::max()),
      Value::F32Bits(0), Value::F32Bits(0x80000000), Value::F32Bits(1), Value::F32Bits(0x7f7fffff),
      Value::F32Bits(0x7f800000), Value::F32Bits(0xff800001), Value::F64Bits(1),
      Value::F64Bits(0x7fefffffffffffff), Value::F64Bits(0x7ff8000000000000),
  };
  std::mt19937_64 random(42);
  for (int i = 0; i < 20000; ++i) {
    const uint64_t bits = random();
    values.push_back(Value::I32(static_cast<int32_t>(bits)));
    values.push_back(Value::I64(static_cast<int64_t>(bits)));
    values.push_back(Value::F32Bits(static_cast<uint32_t>(bits)));
    values.push_back(Value::F64Bits(bits));
    uint8_t bytes[16];
    for (int b = 0; b < 16; ++b) bytes[b] = static_cast<uint8_t>(random());
    values.push_back(Value::V128(bytes));
  }
  for (const Value& value : values) {
    const std::string text = Text(value);
    absl::StatusOr<Value> back = ParseValue(text, value.type());
    ASSERT_TRUE(back.ok()) << FormatValue(value) << ": " << back.status();
    EXPECT_EQ(*back, value) << FormatValue(value) << " read back as " << FormatValue(*back);
  }
}

}  // namespace
}  // namespace kiln::client
