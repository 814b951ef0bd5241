// client/value_text.h — WebAssembly values as command-line text.
//
// Parsing follows the text format's numbers, so what FormatValue prints
// parses back to the same bits:
//   i32, i64  decimal, signed or unsigned range ("-1" and "4294967295" are
//             the same i32), or hexadecimal "0x..." (optionally signed)
//   f32, f64  decimal ("1.5", "-2e-3"), hex float ("0x1.8p3"), "inf",
//             "-inf", "nan" (the canonical NaN), or "nan:0xPAYLOAD" with a
//             non-zero significand payload; "-" before any NaN sets its sign
//   funcref, externref  "null"
//   v128      "0x" and 32 hex digits, its 16 bytes in memory order (as
//             FormatValue prints it), or SHAPE:LANES as in the text
//             format's v128.const, lane 0 first and commas between lanes:
//             "i32x4:1,2,3,-1", "i8x16:...", "i16x8:...", "i64x2:...",
//             "f32x4:1.5,nan,-inf,0x1p-3", "f64x2:..."
#ifndef KILN_CLIENT_VALUE_TEXT_H_
#define KILN_CLIENT_VALUE_TEXT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "kiln/runtime/value.h"
#include "kiln/wasm/types.h"

namespace kiln::client {

// `text` as a value of `type`; INVALID_ARGUMENT saying why not (e.g.
// "out of range for i32").
absl::StatusOr<runtime::Value> ParseValue(std::string_view text, wasm::ValType type);

// "TYPE:TEXT" where TEXT parses back to the same value with ParseValue:
// integers signed decimal ("i32:-1"), floats the shortest decimal that
// rounds to the same value ("f32:0.1", "f64:-inf"), NaNs "nan:0x..." with
// their payload ("f32:nan:0x400000", "f64:-nan:0x8000000000000");
// references "funcref:null" or "funcref:non-null"; v128 as
// "v128:0x" followed by its 16 bytes in memory order.
std::string FormatValue(const runtime::Value& value);

}  // namespace kiln::client

#endif  // KILN_CLIENT_VALUE_TEXT_H_
