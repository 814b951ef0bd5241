// numbers.h — the numeric literals of the text format.
//
// Integers: decimal or 0x-hex digits with single underscores between
// digits, an optional sign. Floats additionally: fractions, exponents
// (e / p for hex), inf, nan and nan:0xPAYLOAD. Results are bit patterns, so
// no float ever goes through a lossy step: decimal and hex text is rounded
// once, to nearest-even, by the C library's correctly rounding strtof /
// strtod.
#ifndef KILN_WASM_TEXT_NUMBERS_H_
#define KILN_WASM_TEXT_NUMBERS_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace kiln::wasm::text {

// An unsigned literal (no sign) up to `max`; nullopt when malformed or
// larger.
std::optional<uint64_t> ParseNat(std::string_view text, uint64_t max = UINT64_MAX);

// An iN literal: a signed value in [-2^(N-1), 2^N - 1], returned as its N-bit
// pattern. nullopt when malformed or out of range.
std::optional<uint64_t> ParseIntBits(std::string_view text, int bits);

// Whether `text` is a well-formed integer literal, whatever its size.
bool IsIntegerSyntax(std::string_view text);

enum class FloatError : uint8_t { kOk, kMalformed, kOutOfRange };

// An f32 / f64 literal as its bit pattern.
FloatError ParseF32Bits(std::string_view text, uint32_t* bits);
FloatError ParseF64Bits(std::string_view text, uint64_t* bits);

}  // namespace kiln::wasm::text

#endif  // KILN_WASM_TEXT_NUMBERS_H_
