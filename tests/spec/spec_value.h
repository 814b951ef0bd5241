// spec_value.h — the values of a wast2json script: arguments to pass and
// results to expect.
//
// wast2json writes every value as {"type": T, "value": V}. Numbers are the
// unsigned decimal of their bits ("4294967295" is i32 -1, floats are bit
// patterns), so no float ever goes through decimal rounding. Float results
// may instead be "nan:canonical" or "nan:arithmetic", which match a class
// of bit patterns. A v128 is {"type": "v128", "lane_type": L, "value":
// [lanes...]} with L one of i8 i16 i32 i64 f32 f64 and each lane the
// unsigned decimal of its bits; an expected f32/f64 lane may be a NaN class,
// and lanes are then compared one by one. References are "null" or a number: ref.extern N is a
// host reference that the runner makes up (see ExternRefPointer), and an
// expected non-null funcref matches any non-null funcref.
//
// Matching compares bits itself rather than using Value's operator== so
// this file needs only the runtime's headers (its unit test links nothing
// else).
#ifndef KILN_TESTS_SPEC_SPEC_VALUE_H_
#define KILN_TESTS_SPEC_SPEC_VALUE_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "kiln/runtime/value.h"
#include "kiln/wasm/types.h"

namespace kiln::spec {

// The host pointer that stands for ref.extern N. N + 1 keeps ref.extern 0
// apart from null (nullptr); arguments and expected results use the same
// mapping, so a reference that went through wasm compares equal.
void* ExternRefPointer(uint64_t n);

// The lane shape a script writes a v128 in.
enum class LaneType : uint8_t { kI8, kI16, kI32, kI64, kF32, kF64 };

// Bytes per lane of `type`.
int LaneBytes(LaneType type);

// One expected result.
struct ExpectedValue {
  enum class Kind : uint8_t {
    kExact,           // `value` bit for bit (references: the same pointer)
    kCanonicalNan,    // f32/f64: exponent all ones, mantissa only its top bit
    kArithmeticNan,   // f32/f64: exponent all ones, top mantissa bit set
    kNonNullFuncRef,  // any funcref but null
    kV128Lanes,       // v128: lane by lane, each as `lanes` says
  };
  Kind kind = Kind::kExact;
  wasm::ValType type = wasm::ValType::kI32;
  // kExact; for kV128Lanes the bits of the lanes that are kExact (NaN-class
  // lanes are zero here).
  runtime::Value value;
  // kV128Lanes only: the shape, and per lane kExact, kCanonicalNan or
  // kArithmeticNan (16 / LaneBytes(lane_type) entries).
  LaneType lane_type = LaneType::kI32;
  std::vector<Kind> lanes;
};

// An argument. INVALID_ARGUMENT for a malformed value or a non-null funcref
// (a script cannot name a function as an argument).
absl::StatusOr<runtime::Value> ParseArgument(const nlohmann::json& json);
absl::StatusOr<std::vector<runtime::Value>> ParseArguments(const nlohmann::json& array);

// An expected result; INVALID_ARGUMENT as for ParseArgument.
absl::StatusOr<ExpectedValue> ParseExpected(const nlohmann::json& json);
absl::StatusOr<std::vector<ExpectedValue>> ParseExpectedList(const nlohmann::json& array);

bool Matches(const ExpectedValue& expected, const runtime::Value& got);

// For messages: the expected value ("i32:7", "f32:nan:canonical",
// "v128:f32x4[0x3f800000 nan:arithmetic ...]"), and a result shown the way
// `expected` is written (a v128 in the expected lane shape).
std::string Describe(const ExpectedValue& expected);
std::string DescribeLike(const ExpectedValue& expected, const runtime::Value& got);

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_SPEC_VALUE_H_
