#include "numbers.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

namespace kiln::wasm::text {
namespace {

int DigitValue(char c, bool hex) {
  if (c >= '0' && c <= '9') return c - '0';
  if (hex && c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (hex && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of a digit run with single underscores between digits at
// text[i...], or 0 when there is none. Calls on_digit(c) for each digit.
template <typename OnDigit>
size_t DigitRun(std::string_view text, size_t i, bool hex, OnDigit on_digit) {
  size_t n = 0;
  bool last_digit = false;
  while (i + n < text.size()) {
    const char c = text[i + n];
    if (c == '_') {
      if (!last_digit) return 0;
      last_digit = false;
    } else if (DigitValue(c, hex) >= 0) {
      last_digit = true;
      on_digit(c);
    } else {
      break;
    }
    ++n;
  }
  return last_digit ? n : 0;
}

// Reads sign? and returns whether it was '-'.
bool TakeSign(std::string_view& text) {
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    const bool negative = text[0] == '-';
    text.remove_prefix(1);
    return negative;
  }
  return false;
}

// For DigitRun callers that only check the syntax.
void IgnoreDigit(char) {}

// A whole float literal without its sign, cleaned of underscores into the
// form strtod takes; false when malformed.
bool CleanFloat(std::string_view text, std::string* out) {
  auto append = [out](char c) { *out += c; };
  const bool hex = text.starts_with("0x") || text.starts_with("0X");
  size_t i = 0;
  if (hex) {
    *out += "0x";
    i = 2;
  }
  const size_t whole = DigitRun(text, i, hex, append);
  if (whole == 0) return false;
  i += whole;
  if (i < text.size() && text[i] == '.') {
    *out += '.';
    ++i;
    i += DigitRun(text, i, hex, append);  // the fraction may be empty
  }
  if (i < text.size()) {
    const char e = text[i];
    const bool is_exp = hex ? (e == 'p' || e == 'P') : (e == 'e' || e == 'E');
    if (!is_exp) return false;
    *out += hex ? 'p' : 'e';
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) *out += text[i++];
    const size_t exp = DigitRun(text, i, false, append);
    if (exp == 0) return false;
    i += exp;
  }
  return i == text.size();
}

template <typename Bits, int kMantissaBits, int kExponentBits>
FloatError ParseFloat(std::string_view text, Bits* bits) {
  constexpr Bits kSignBit = Bits{1} << (kMantissaBits + kExponentBits);
  constexpr Bits kExponentMask = ((Bits{1} << kExponentBits) - 1) << kMantissaBits;
  constexpr Bits kMantissaMask = (Bits{1} << kMantissaBits) - 1;
  const bool negative = TakeSign(text);
  const Bits sign = negative ? kSignBit : 0;
  if (text == "inf") {
    *bits = sign | kExponentMask;
    return FloatError::kOk;
  }
  if (text == "nan") {
    *bits = sign | kExponentMask | (Bits{1} << (kMantissaBits - 1));
    return FloatError::kOk;
  }
  if (text.starts_with("nan:0x")) {
    const std::string_view payload = text.substr(6);
    if (DigitRun(payload, 0, true, IgnoreDigit) != payload.size()) return FloatError::kMalformed;
    const std::optional<uint64_t> value = ParseNat(text.substr(4));
    if (!value || *value == 0 || *value > kMantissaMask) return FloatError::kOutOfRange;
    *bits = sign | kExponentMask | static_cast<Bits>(*value);
    return FloatError::kOk;
  }
  std::string clean;
  if (!CleanFloat(text, &clean)) return FloatError::kMalformed;
  errno = 0;
  if constexpr (sizeof(Bits) == 4) {
    const float value = std::strtof(clean.c_str(), nullptr);
    if (std::isinf(value)) return FloatError::kOutOfRange;
    std::memcpy(bits, &value, 4);
  } else {
    const double value = std::strtod(clean.c_str(), nullptr);
    if (std::isinf(value)) return FloatError::kOutOfRange;
    std::memcpy(bits, &value, 8);
  }
  *bits |= sign;
  return FloatError::kOk;
}

}  // namespace

std::optional<uint64_t> ParseNat(std::string_view text, uint64_t max) {
  const bool hex = text.starts_with("0x");
  const size_t start = hex ? 2 : 0;
  // The value is worked out in the same pass that checks the digits.
  const uint64_t base = hex ? 16 : 10;
  uint64_t value = 0;
  bool overflow = false;
  const size_t run = DigitRun(text, start, hex, [&](char c) {
    const uint64_t d = DigitValue(c, hex);
    if (value > (UINT64_MAX - d) / base) overflow = true;
    value = value * base + d;
  });
  if (run == 0 || run != text.size() - start || overflow || value > max) return std::nullopt;
  return value;
}

std::optional<uint64_t> ParseIntBits(std::string_view text, int bits) {
  const bool negative = TakeSign(text);
  const uint64_t umax = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
  const uint64_t neg_max = uint64_t{1} << (bits - 1);
  std::optional<uint64_t> value = ParseNat(text, negative ? neg_max : umax);
  if (!value) return std::nullopt;
  const uint64_t result = negative ? (0 - *value) : *value;
  return bits == 64 ? result : (result & umax);
}

bool IsIntegerSyntax(std::string_view text) {
  TakeSign(text);
  const bool hex = text.starts_with("0x");
  const size_t start = hex ? 2 : 0;
  return text.size() > start && DigitRun(text, start, hex, IgnoreDigit) == text.size() - start;
}

FloatError ParseF32Bits(std::string_view text, uint32_t* bits) {
  return ParseFloat<uint32_t, 23, 8>(text, bits);
}

FloatError ParseF64Bits(std::string_view text, uint64_t* bits) {
  return ParseFloat<uint64_t, 52, 11>(text, bits);
}

}  // namespace kiln::wasm::text
