// spec_value.h — the values of a wast2json script: arguments to pass and
// results to expect.
//
// wast2json writes every value as {"type": T, "value": V}. Numbers are the
// unsigned decimal of their bits ("4294967295" is i32 -1, floats are bit
// patterns), so no float ever goes through decimal rounding. Float results
// may instead be "nan:canonical" or "nan:arithmetic", which match a class
// of bit patterns. References are "null" or a number: ref.extern N is a
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

// One expected result.
struct ExpectedValue {
  enum class Kind : uint8_t {
    kExact,           // `value` bit for bit (references: the same pointer)
    kCanonicalNan,    // f32/f64: exponent all ones, mantissa only its top bit
    kArithmeticNan,   // f32/f64: exponent all ones, top mantissa bit set
    kNonNullFuncRef,  // any funcref but null
  };
  Kind kind = Kind::kExact;
  wasm::ValType type = wasm::ValType::kI32;
  runtime::Value value;  // kExact only
};

// An argument. INVALID_ARGUMENT for a malformed value, a v128 (the runner
// skips those first, see MentionsV128) or a non-null funcref (a script
// cannot name a function as an argument).
absl::StatusOr<runtime::Value> ParseArgument(const nlohmann::json& json);
absl::StatusOr<std::vector<runtime::Value>> ParseArguments(const nlohmann::json& array);

// An expected result; INVALID_ARGUMENT as for ParseArgument.
absl::StatusOr<ExpectedValue> ParseExpected(const nlohmann::json& json);
absl::StatusOr<std::vector<ExpectedValue>> ParseExpectedList(const nlohmann::json& array);

bool Matches(const ExpectedValue& expected, const runtime::Value& got);

// Whether a command passes or expects a v128 anywhere in its action's
// arguments or its expected results. SIMD execution is not supported yet,
// so such commands are skipped rather than failed.
bool MentionsV128(const nlohmann::json& command);

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_SPEC_VALUE_H_
