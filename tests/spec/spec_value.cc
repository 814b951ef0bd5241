#include "spec_value.h"

#include <charconv>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

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
  if (*type == ValType::kV128) return BadValue(json, "v128 values are not supported");
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
      break;
  }
  return BadValue(json, "unsupported value type");
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

bool HasV128(const nlohmann::json& values) {
  if (!values.is_array()) return false;
  for (const nlohmann::json& value : values) {
    if (value.is_object() && value.value("type", "") == "v128") return true;
  }
  return false;
}

}  // namespace

void* ExternRefPointer(uint64_t n) {
  // Never dereferenced: only compared and handed back by wasm code.
  return reinterpret_cast<void*>(static_cast<uintptr_t>(n + 1));
}

absl::StatusOr<Value> ParseArgument(const nlohmann::json& json) {
  absl::StatusOr<RawValue> raw = ReadRaw(json);
  if (!raw.ok()) return raw.status();
  return ParseExact(json, *raw);
}

absl::StatusOr<std::vector<Value>> ParseArguments(const nlohmann::json& array) {
  return ParseList<Value>(array, ParseArgument);
}

absl::StatusOr<ExpectedValue> ParseExpected(const nlohmann::json& json) {
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
  // The masks cover the exponent and the top mantissa bit ("quiet" bit);
  // the sign is free in both NaN classes.
  constexpr uint32_t kF32Quiet = 0x7fc00000;
  constexpr uint64_t kF64Quiet = 0x7ff8000000000000;
  constexpr uint32_t kF32NoSign = 0x7fffffff;
  constexpr uint64_t kF64NoSign = 0x7fffffffffffffff;
  const bool is_f32 = expected.type == ValType::kF32;
  switch (expected.kind) {
    case ExpectedValue::Kind::kCanonicalNan:
      return is_f32 ? (got.f32_bits() & kF32NoSign) == kF32Quiet
                    : (got.f64_bits() & kF64NoSign) == kF64Quiet;
    case ExpectedValue::Kind::kArithmeticNan:
      return is_f32 ? (got.f32_bits() & kF32Quiet) == kF32Quiet
                    : (got.f64_bits() & kF64Quiet) == kF64Quiet;
    case ExpectedValue::Kind::kNonNullFuncRef:
      return got.ref() != nullptr;
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
    case ValType::kFuncRef:
    case ValType::kExternRef:
      return got.ref() == expected.value.ref();
    case ValType::kV128:
      break;
  }
  return false;
}

bool MentionsV128(const nlohmann::json& command) {
  if (HasV128(command.value("expected", nlohmann::json::array()))) return true;
  auto action = command.find("action");
  return action != command.end() && action->is_object() &&
         HasV128(action->value("args", nlohmann::json::array()));
}

}  // namespace kiln::spec
