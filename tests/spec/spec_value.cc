#include "spec_value.h"

#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kiln::spec {
namespace {

using runtime::Value;
using wasm::ValType;

std::optional<ValType> ParseType(std::string_view name) {
  if (name == "i32") return ValType::kI32;
  if (name == "i64") return ValType::kI64;
  if (name == "f32") return ValType::kF32;
  if (name == "f64") return ValType::kF64;
  if (name == "v128") return ValType::kV128;
  if (name == "funcref") return ValType::kFuncRef;
  if (name == "externref") return ValType::kExternRef;
  return std::nullopt;
}

// The whole of `text` as an unsigned decimal no greater than `max`.
std::optional<uint64_t> ParseUnsigned(std::string_view text, uint64_t max) {
  uint64_t result = 0;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, result);
  if (text.empty() || error != std::errc() || ptr != end || result > max) return std::nullopt;
  return result;
}

absl::Status BadValue(const nlohmann::json& json, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(why), ": ", json.dump()));
}

// The pieces every value has: its type and its "value" text.
struct RawValue {
  ValType type;
  std::string text;
};

absl::StatusOr<RawValue> ReadRaw(const nlohmann::json& json) {
  if (!json.is_object()) return BadValue(json, "a value is not an object");
  auto type_it = json.find("type");
  if (type_it == json.end() || !type_it->is_string()) return BadValue(json, "value without type");
  std::optional<ValType> type = ParseType(type_it->get_ref<const std::string&>());
  if (!type.has_value()) return BadValue(json, "unknown value type");
  auto value_it = json.find("value");
  if (value_it == json.end() || !value_it->is_string()) {
    return BadValue(json, "value without a \"value\" string");
  }
  return RawValue{*type, value_it->get<std::string>()};
}

// A number or a reference given exactly (not a NaN class).
absl::StatusOr<Value> ParseExact(const nlohmann::json& json, const RawValue& raw) {
  constexpr uint64_t kMax32 = std::numeric_limits<uint32_t>::max();
  constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();
  switch (raw.type) {
    case ValType::kI32:
    case ValType::kF32: {
      std::optional<uint64_t> bits = ParseUnsigned(raw.text, kMax32);
      if (!bits.has_value()) return BadValue(json, "not a 32-bit unsigned decimal");
      const auto bits32 = static_cast<uint32_t>(*bits);
      return raw.type == ValType::kI32 ? Value::I32(static_cast<int32_t>(bits32))
                                       : Value::F32Bits(bits32);
    }
    case ValType::kI64:
    case ValType::kF64: {
      std::optional<uint64_t> bits = ParseUnsigned(raw.text, kMax64);
      if (!bits.has_value()) return BadValue(json, "not a 64-bit unsigned decimal");
      return raw.type == ValType::kI64 ? Value::I64(static_cast<int64_t>(*bits))
                                       : Value::F64Bits(*bits);
    }
    case ValType::kFuncRef:
    case ValType::kExternRef: {
      if (raw.text == "null") return Value::Ref(raw.type, nullptr);
      // N + 1 must not wrap to null.
      std::optional<uint64_t> n = ParseUnsigned(raw.text, kMax64 - 1);
      if (!n.has_value()) return BadValue(json, "reference is neither null nor a number");
      if (raw.type == ValType::kFuncRef) {
        return BadValue(json, "a non-null funcref cannot be made from a number");
      }
      return Value::Ref(raw.type, ExternRefPointer(*n));
    }
    case ValType::kV128:
      break;  // ParseV128
  }
  return BadValue(json, "unsupported value type");
}

std::optional<LaneType> ParseLaneType(std::string_view name) {
  if (name == "i8") return LaneType::kI8;
  if (name == "i16") return LaneType::kI16;
  if (name == "i32") return LaneType::kI32;
  if (name == "i64") return LaneType::kI64;
  if (name == "f32") return LaneType::kF32;
  if (name == "f64") return LaneType::kF64;
  return std::nullopt;
}

bool IsFloatLane(LaneType type) { return type == LaneType::kF32 || type == LaneType::kF64; }

// A v128 value: its lane shape, its bytes, and per lane whether it is exact
// or (expected values only) a NaN class.
struct V128Value {
  LaneType lane_type = LaneType::kI32;
  uint8_t bytes[16] = {};
  std::vector<ExpectedValue::Kind> lanes;
};

absl::StatusOr<V128Value> ParseV128(const nlohmann::json& json, bool allow_nan_classes) {
  auto lane_it = json.find("lane_type");
  if (lane_it == json.end() || !lane_it->is_string()) {
    return BadValue(json, "v128 without lane_type");
  }
  std::optional<LaneType> lane_type = ParseLaneType(lane_it->get_ref<const std::string&>());
  if (!lane_type.has_value()) return BadValue(json, "unknown v128 lane_type");
  auto value_it = json.find("value");
  const int lane_bytes = LaneBytes(*lane_type);
  const size_t count = static_cast<size_t>(16 / lane_bytes);
  if (value_it == json.end() || !value_it->is_array() || value_it->size() != count) {
    return BadValue(json, absl::StrCat("v128 needs a \"value\" list of ", count, " lanes"));
  }
  V128Value v128;
  v128.lane_type = *lane_type;
  const uint64_t max = lane_bytes == 8 ? std::numeric_limits<uint64_t>::max()
                                       : (uint64_t{1} << (8 * lane_bytes)) - 1;
  for (size_t i = 0; i < count; ++i) {
    const nlohmann::json& lane = (*value_it)[i];
    if (!lane.is_string()) return BadValue(json, "a v128 lane is not a string");
    const std::string& text = lane.get_ref<const std::string&>();
    if (allow_nan_classes && IsFloatLane(*lane_type) && text == "nan:canonical") {
      v128.lanes.push_back(ExpectedValue::Kind::kCanonicalNan);
      continue;
    }
    if (allow_nan_classes && IsFloatLane(*lane_type) && text == "nan:arithmetic") {
      v128.lanes.push_back(ExpectedValue::Kind::kArithmeticNan);
      continue;
    }
    std::optional<uint64_t> bits = ParseUnsigned(text, max);
    if (!bits.has_value()) {
      return BadValue(json, absl::StrCat("v128 lane ", i, " is not a ", 8 * lane_bytes,
                                         "-bit unsigned decimal"));
    }
    // Little-endian, as wasm lays a v128 out in memory.
    for (int k = 0; k < lane_bytes; ++k) {
      v128.bytes[i * static_cast<size_t>(lane_bytes) + static_cast<size_t>(k)] =
          static_cast<uint8_t>(*bits >> (8 * k));
    }
    v128.lanes.push_back(ExpectedValue::Kind::kExact);
  }
  return v128;
}

uint64_t LaneBits(const uint8_t* bytes, LaneType type, size_t lane) {
  const int lane_bytes = LaneBytes(type);
  uint64_t bits = 0;
  for (int k = lane_bytes; k-- > 0;) {
    bits = (bits << 8) | bytes[lane * static_cast<size_t>(lane_bytes) + static_cast<size_t>(k)];
  }
  return bits;
}

// The masks cover the exponent and the top mantissa bit ("quiet" bit); the
// sign is free in both NaN classes.
bool IsNanOfClass(ExpectedValue::Kind kind, bool is_f32, uint64_t bits) {
  constexpr uint64_t kF32Quiet = 0x7fc00000;
  constexpr uint64_t kF64Quiet = 0x7ff8000000000000;
  constexpr uint64_t kF32NoSign = 0x7fffffff;
  constexpr uint64_t kF64NoSign = 0x7fffffffffffffff;
  const uint64_t quiet = is_f32 ? kF32Quiet : kF64Quiet;
  if (kind == ExpectedValue::Kind::kCanonicalNan) {
    return (bits & (is_f32 ? kF32NoSign : kF64NoSign)) == quiet;
  }
  return (bits & quiet) == quiet;
}

const char* LaneShapeName(LaneType type) {
  switch (type) {
    case LaneType::kI8: return "i8x16";
    case LaneType::kI16: return "i16x8";
    case LaneType::kI32: return "i32x4";
    case LaneType::kI64: return "i64x2";
    case LaneType::kF32: return "f32x4";
    case LaneType::kF64: return "f64x2";
  }
  return "?";
}

// "v128:i32x4[0x00000001 0x00000002 ...]"; `kinds`, when given, replaces
// NaN-class lanes by their class.
std::string DescribeV128(const uint8_t* bytes, LaneType type,
                         const std::vector<ExpectedValue::Kind>* kinds) {
  const int lane_bytes = LaneBytes(type);
  const size_t count = static_cast<size_t>(16 / lane_bytes);
  std::string out = absl::StrCat("v128:", LaneShapeName(type), "[");
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += " ";
    const ExpectedValue::Kind kind =
        kinds != nullptr && i < kinds->size() ? (*kinds)[i] : ExpectedValue::Kind::kExact;
    if (kind == ExpectedValue::Kind::kCanonicalNan) {
      out += "nan:canonical";
    } else if (kind == ExpectedValue::Kind::kArithmeticNan) {
      out += "nan:arithmetic";
    } else {
      absl::StrAppendFormat(&out, "0x%0*x", 2 * lane_bytes, LaneBits(bytes, type, i));
    }
  }
  return out + "]";
}

template <typename T, typename Parse>
absl::StatusOr<std::vector<T>> ParseList(const nlohmann::json& array, Parse parse) {
  if (!array.is_array()) return BadValue(array, "expected a list of values");
  std::vector<T> values;
  values.reserve(array.size());
  for (const nlohmann::json& item : array) {
    absl::StatusOr<T> value = parse(item);
    if (!value.ok()) return value.status();
    values.push_back(*std::move(value));
  }
  return values;
}

bool IsV128(const nlohmann::json& json) {
  return json.is_object() && json.value("type", "") == "v128";
}

}  // namespace

int LaneBytes(LaneType type) {
  switch (type) {
    case LaneType::kI8: return 1;
    case LaneType::kI16: return 2;
    case LaneType::kI32:
    case LaneType::kF32: return 4;
    case LaneType::kI64:
    case LaneType::kF64: return 8;
  }
  return 4;
}

void* ExternRefPointer(uint64_t n) {
  // Never dereferenced: only compared and handed back by wasm code.
  return reinterpret_cast<void*>(static_cast<uintptr_t>(n + 1));
}

absl::StatusOr<Value> ParseArgument(const nlohmann::json& json) {
  if (IsV128(json)) {
    absl::StatusOr<V128Value> v128 = ParseV128(json, /*allow_nan_classes=*/false);
    if (!v128.ok()) return v128.status();
    return Value::V128(v128->bytes);
  }
  absl::StatusOr<RawValue> raw = ReadRaw(json);
  if (!raw.ok()) return raw.status();
  return ParseExact(json, *raw);
}

absl::StatusOr<std::vector<Value>> ParseArguments(const nlohmann::json& array) {
  return ParseList<Value>(array, ParseArgument);
}

absl::StatusOr<ExpectedValue> ParseExpected(const nlohmann::json& json) {
  if (IsV128(json)) {
    absl::StatusOr<V128Value> v128 = ParseV128(json, /*allow_nan_classes=*/true);
    if (!v128.ok()) return v128.status();
    ExpectedValue expected;
    expected.kind = ExpectedValue::Kind::kV128Lanes;
    expected.type = ValType::kV128;
    expected.value = Value::V128(v128->bytes);
    expected.lane_type = v128->lane_type;
    expected.lanes = std::move(v128->lanes);
    return expected;
  }
  absl::StatusOr<RawValue> raw = ReadRaw(json);
  if (!raw.ok()) return raw.status();
  ExpectedValue expected;
  expected.type = raw->type;
  const bool is_float = raw->type == ValType::kF32 || raw->type == ValType::kF64;
  if (is_float && raw->text == "nan:canonical") {
    expected.kind = ExpectedValue::Kind::kCanonicalNan;
    return expected;
  }
  if (is_float && raw->text == "nan:arithmetic") {
    expected.kind = ExpectedValue::Kind::kArithmeticNan;
    return expected;
  }
  if (raw->type == ValType::kFuncRef && raw->text != "null") {
    // A script names no particular function; any non-null one will do.
    if (!ParseUnsigned(raw->text, std::numeric_limits<uint64_t>::max()).has_value()) {
      return BadValue(json, "reference is neither null nor a number");
    }
    expected.kind = ExpectedValue::Kind::kNonNullFuncRef;
    return expected;
  }
  absl::StatusOr<Value> value = ParseExact(json, *raw);
  if (!value.ok()) return value.status();
  expected.value = *value;
  return expected;
}

absl::StatusOr<std::vector<ExpectedValue>> ParseExpectedList(const nlohmann::json& array) {
  return ParseList<ExpectedValue>(array, ParseExpected);
}

bool Matches(const ExpectedValue& expected, const Value& got) {
  if (got.type() != expected.type) return false;
  const bool is_f32 = expected.type == ValType::kF32;
  switch (expected.kind) {
    case ExpectedValue::Kind::kCanonicalNan:
    case ExpectedValue::Kind::kArithmeticNan:
      return IsNanOfClass(expected.kind, is_f32, is_f32 ? got.f32_bits() : got.f64_bits());
    case ExpectedValue::Kind::kNonNullFuncRef:
      return got.ref() != nullptr;
    case ExpectedValue::Kind::kV128Lanes: {
      const bool lanes_f32 = expected.lane_type == LaneType::kF32;
      for (size_t i = 0; i < expected.lanes.size(); ++i) {
        const uint64_t bits = LaneBits(got.v128(), expected.lane_type, i);
        const ExpectedValue::Kind kind = expected.lanes[i];
        const bool lane_matches =
            kind == ExpectedValue::Kind::kExact
                ? bits == LaneBits(expected.value.v128(), expected.lane_type, i)
                : IsNanOfClass(kind, lanes_f32, bits);
        if (!lane_matches) return false;
      }
      return true;
    }
    case ExpectedValue::Kind::kExact:
      break;
  }
  switch (expected.type) {
    case ValType::kI32:
      return got.i32() == expected.value.i32();
    case ValType::kI64:
      return got.i64() == expected.value.i64();
    case ValType::kF32:
      return got.f32_bits() == expected.value.f32_bits();
    case ValType::kF64:
      return got.f64_bits() == expected.value.f64_bits();
    case ValType::kV128:
      return std::memcmp(got.v128(), expected.value.v128(), 16) == 0;
    case ValType::kFuncRef:
    case ValType::kExternRef:
      return got.ref() == expected.value.ref();
  }
  return false;
}

std::string Describe(const ExpectedValue& expected) {
  const std::string type(wasm::ValTypeName(expected.type));
  switch (expected.kind) {
    case ExpectedValue::Kind::kExact:
      return expected.value.ToString();
    case ExpectedValue::Kind::kCanonicalNan:
      return absl::StrCat(type, ":nan:canonical");
    case ExpectedValue::Kind::kArithmeticNan:
      return absl::StrCat(type, ":nan:arithmetic");
    case ExpectedValue::Kind::kNonNullFuncRef:
      return absl::StrCat(type, ":non-null");
    case ExpectedValue::Kind::kV128Lanes:
      return DescribeV128(expected.value.v128(), expected.lane_type, &expected.lanes);
  }
  return "?";
}

std::string DescribeLike(const ExpectedValue& expected, const Value& got) {
  if (expected.kind == ExpectedValue::Kind::kV128Lanes && got.type() == ValType::kV128) {
    return DescribeV128(got.v128(), expected.lane_type, nullptr);
  }
  return got.ToString();
}

}  // namespace kiln::spec
