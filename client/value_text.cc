#include "value_text.h"

#include <bit>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <system_error>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace kiln::client {
namespace {

using runtime::Value;
using wasm::ValType;

struct Signed {
  bool negative = false;
  std::string_view magnitude;
};

Signed SplitSign(std::string_view text) {
  Signed s;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    s.negative = text[0] == '-';
    text.remove_prefix(1);
  }
  s.magnitude = text;
  return s;
}

bool StartsWithHexPrefix(std::string_view text) {
  return text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
}

// The whole of `digits` in `base` as a uint64_t, or nullopt (empty, a
// stray character, or more than 64 bits).
std::optional<uint64_t> ParseDigits(std::string_view digits, int base) {
  uint64_t result = 0;
  const char* end = digits.data() + digits.size();
  auto [ptr, error] = std::from_chars(digits.data(), end, result, base);
  if (digits.empty() || error != std::errc() || ptr != end) return std::nullopt;
  return result;
}

// An integer of `bits` bits (32 or 64): -2^(bits-1) .. 2^bits - 1.
absl::StatusOr<uint64_t> ParseInteger(std::string_view text, int bits, const std::string& type) {
  const Signed s = SplitSign(text);
  const bool hex = StartsWithHexPrefix(s.magnitude);
  std::optional<uint64_t> magnitude =
      ParseDigits(hex ? s.magnitude.substr(2) : s.magnitude, hex ? 16 : 10);
  const char* form = hex ? "hexadecimal digits after 0x" : "a decimal integer";
  if (!magnitude.has_value()) {
    // Distinguish "too many digits" from "not a number at all".
    bool all_digits = !s.magnitude.empty();
    for (char c : hex ? s.magnitude.substr(2) : s.magnitude) {
      all_digits &= hex ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                        : (c >= '0' && c <= '9');
    }
    if (all_digits && !(hex && s.magnitude.size() == 2)) {
      return absl::InvalidArgumentError(absl::StrCat("out of range for ", type));
    }
    return absl::InvalidArgumentError(absl::StrCat("not ", form));
  }
  const uint64_t max_unsigned =
      bits == 64 ? std::numeric_limits<uint64_t>::max() : (uint64_t{1} << bits) - 1;
  const uint64_t max_negative = uint64_t{1} << (bits - 1);
  if (s.negative ? *magnitude > max_negative : *magnitude > max_unsigned) {
    return absl::InvalidArgumentError(absl::StrCat("out of range for ", type));
  }
  const uint64_t value = s.negative ? (~*magnitude + 1) : *magnitude;
  return bits == 64 ? value : value & max_unsigned;
}

// The IEEE layout of F (float or double) as its unsigned bit pattern U.
template <typename F, typename U>
struct FloatLayout {
  static constexpr int kMantissaBits = std::numeric_limits<F>::digits - 1;
  static constexpr U kMantissaMask = (U{1} << kMantissaBits) - 1;
  static constexpr U kSignBit = U{1} << (sizeof(U) * 8 - 1);
  static constexpr U kExponentMask = ~kSignBit & ~kMantissaMask;
};

template <typename F, typename U>
absl::StatusOr<U> ParseFloat(std::string_view text, const std::string& type) {
  using Layout = FloatLayout<F, U>;
  const Signed s = SplitSign(text);
  const U sign = s.negative ? Layout::kSignBit : U{0};
  if (s.magnitude == "inf") return sign | Layout::kExponentMask;
  if (s.magnitude == "nan") return sign | Layout::kExponentMask | (U{1} << (Layout::kMantissaBits - 1));
  if (s.magnitude.starts_with("nan:")) {
    std::string_view payload_text = s.magnitude.substr(4);
    std::optional<uint64_t> payload;
    if (StartsWithHexPrefix(payload_text)) payload = ParseDigits(payload_text.substr(2), 16);
    if (!payload.has_value()) {
      return absl::InvalidArgumentError("a NaN payload must be written nan:0xHEX");
    }
    if (*payload == 0 || *payload > Layout::kMantissaMask) {
      return absl::InvalidArgumentError(absl::StrCat(
          "NaN payload out of range for ", type, " (0x1 to 0x",
          absl::Hex(static_cast<uint64_t>(Layout::kMantissaMask)), ")"));
    }
    return sign | Layout::kExponentMask | static_cast<U>(*payload);
  }
  // A number: digits or '.' first (after an optional 0x), which also keeps
  // strtod's own spellings ("infinity", "nan(...)", leading blanks) out.
  const std::string_view body = StartsWithHexPrefix(s.magnitude) ? s.magnitude.substr(2) : s.magnitude;
  const bool starts_well = !body.empty() && (std::isxdigit(static_cast<unsigned char>(body[0])) != 0 ||
                                             body[0] == '.');
  if (!starts_well) {
    return absl::InvalidArgumentError(
        "not a decimal or hex float, inf, nan or nan:0xPAYLOAD");
  }
  // strtof/strtod round correctly, decimal and hex alike, in the "C"
  // locale the client never leaves.
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  F value;
  if constexpr (std::is_same_v<F, float>) {
    value = std::strtof(copy.c_str(), &end);
  } else {
    value = std::strtod(copy.c_str(), &end);
  }
  if (end != copy.c_str() + copy.size()) {
    return absl::InvalidArgumentError(
        "not a decimal or hex float, inf, nan or nan:0xPAYLOAD");
  }
  // ERANGE with a finite result is underflow, which rounds (to a subnormal
  // or zero) as the text format does; overflow to infinity is an error.
  if (std::isinf(value)) return absl::InvalidArgumentError(absl::StrCat("out of range for ", type));
  return std::bit_cast<U>(value);
}

template <typename F, typename U>
std::string FormatFloat(U bits) {
  using Layout = FloatLayout<F, U>;
  const F value = std::bit_cast<F>(bits);
  if (std::isnan(value)) {
    return absl::StrCat((bits & Layout::kSignBit) != 0 ? "-" : "", "nan:0x",
                        absl::Hex(static_cast<uint64_t>(bits & Layout::kMantissaMask)));
  }
  char buffer[64];
  // Shortest text that reads back as the same value ("inf", "-0" too).
  auto [ptr, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (error != std::errc()) return "?";
  return std::string(buffer, ptr);
}

// A v128 as "0x" and its 16 bytes in memory order (what FormatValue
// prints), or as "SHAPE:LANES", LANES comma-separated, lane 0 first, each
// read like a scalar of the lane's type (integers in the signed or the
// unsigned range of their width).
absl::StatusOr<Value> ParseV128(std::string_view text) {
  uint8_t bytes[16] = {};
  if (StartsWithHexPrefix(text)) {
    const std::string_view digits = text.substr(2);
    if (digits.size() != 32) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a v128 in hexadecimal is 0x and 32 digits (16 bytes in memory order), not ",
          digits.size(), " digits"));
    }
    for (int i = 0; i < 16; ++i) {
      std::optional<uint64_t> byte = ParseDigits(digits.substr(2 * i, 2), 16);
      if (!byte.has_value()) return absl::InvalidArgumentError("not hexadecimal digits after 0x");
      bytes[i] = static_cast<uint8_t>(*byte);
    }
    return Value::V128(bytes);
  }
  struct Shape {
    const char* name;
    int lane_bits;
    bool is_float;
  };
  constexpr Shape kShapes[] = {{"i8x16", 8, false},  {"i16x8", 16, false}, {"i32x4", 32, false},
                               {"i64x2", 64, false}, {"f32x4", 32, true},  {"f64x2", 64, true}};
  const size_t colon = text.find(':');
  const Shape* shape = nullptr;
  for (const Shape& candidate : kShapes) {
    if (colon != std::string_view::npos && text.substr(0, colon) == candidate.name) {
      shape = &candidate;
    }
  }
  if (shape == nullptr) {
    return absl::InvalidArgumentError(
        "a v128 is 0x and 32 hex digits, or SHAPE:LANES with SHAPE one of i8x16, i16x8, i32x4, "
        "i64x2, f32x4, f64x2 and its lanes separated by commas (\"i32x4:1,2,3,4\")");
  }
  const int lanes = 128 / shape->lane_bits;
  const int lane_bytes = shape->lane_bits / 8;
  std::string_view rest = text.substr(colon + 1);
  for (int lane = 0; lane < lanes; ++lane) {
    const size_t comma = rest.find(',');
    const std::string_view lane_text = rest.substr(0, comma);
    if ((comma == std::string_view::npos) != (lane == lanes - 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat(shape->name, " takes exactly ", lanes, " lanes"));
    }
    const std::string lane_type = absl::StrCat(shape->is_float ? "f" : "i", shape->lane_bits);
    absl::StatusOr<uint64_t> bits;
    if (!shape->is_float) {
      bits = ParseInteger(lane_text, shape->lane_bits, lane_type);
    } else if (shape->lane_bits == 32) {
      bits = ParseFloat<float, uint32_t>(lane_text, lane_type);
    } else {
      bits = ParseFloat<double, uint64_t>(lane_text, lane_type);
    }
    if (!bits.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(shape->name, " lane ", lane, ": ", bits.status().message()));
    }
    // Little-endian, as wasm memory holds it.
    for (int b = 0; b < lane_bytes; ++b) {
      bytes[lane * lane_bytes + b] = static_cast<uint8_t>(*bits >> (8 * b));
    }
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return Value::V128(bytes);
}

}  // namespace

absl::StatusOr<Value> ParseValue(std::string_view text, ValType type) {
  const std::string name(wasm::ValTypeName(type));
  switch (type) {
    case ValType::kI32: {
      absl::StatusOr<uint64_t> v = ParseInteger(text, 32, name);
      if (!v.ok()) return v.status();
      return Value::I32(static_cast<int32_t>(static_cast<uint32_t>(*v)));
    }
    case ValType::kI64: {
      absl::StatusOr<uint64_t> v = ParseInteger(text, 64, name);
      if (!v.ok()) return v.status();
      return Value::I64(static_cast<int64_t>(*v));
    }
    case ValType::kF32: {
      absl::StatusOr<uint32_t> bits = ParseFloat<float, uint32_t>(text, name);
      if (!bits.ok()) return bits.status();
      return Value::F32Bits(*bits);
    }
    case ValType::kF64: {
      absl::StatusOr<uint64_t> bits = ParseFloat<double, uint64_t>(text, name);
      if (!bits.ok()) return bits.status();
      return Value::F64Bits(*bits);
    }
    case ValType::kFuncRef:
    case ValType::kExternRef:
      if (text == "null") return Value::Ref(type, nullptr);
      return absl::InvalidArgumentError(
          "only null references can be passed from the command line");
    case ValType::kV128:
      return ParseV128(text);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown value type ", name));
}

std::string FormatValue(const Value& value) {
  const std::string name(wasm::ValTypeName(value.type()));
  switch (value.type()) {
    case ValType::kI32: return absl::StrCat(name, ":", value.i32());
    case ValType::kI64: return absl::StrCat(name, ":", value.i64());
    case ValType::kF32: return absl::StrCat(name, ":", FormatFloat<float, uint32_t>(value.f32_bits()));
    case ValType::kF64: return absl::StrCat(name, ":", FormatFloat<double, uint64_t>(value.f64_bits()));
    case ValType::kFuncRef:
    case ValType::kExternRef:
      return absl::StrCat(name, value.is_null_ref() ? ":null" : ":non-null");
    case ValType::kV128: {
      std::string text = absl::StrCat(name, ":0x");
      for (int i = 0; i < 16; ++i) absl::StrAppend(&text, absl::Hex(value.v128()[i], absl::kZeroPad2));
      return text;
    }
  }
  return absl::StrCat(name, ":?");
}

}  // namespace kiln::client
