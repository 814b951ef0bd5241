// outcome.h — what running one spec command came to.
#ifndef KILN_TESTS_SPEC_OUTCOME_H_
#define KILN_TESTS_SPEC_OUTCOME_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"

namespace kiln::spec {

// kUnsupported: the command needs a WebAssembly feature Kiln does not run
// yet (detail names it); neither a pass nor a failure.
enum class Verdict : uint8_t { kPassed, kFailed, kSkipped, kUnsupported };

struct Outcome {
  Verdict verdict = Verdict::kPassed;
  std::string detail;  // kFailed: expected vs got; kSkipped / kUnsupported: why
};

inline Outcome Passed() { return {Verdict::kPassed, {}}; }
inline Outcome Failed(std::string detail) { return {Verdict::kFailed, std::move(detail)}; }
inline Outcome Skipped(std::string_view reason) { return {Verdict::kSkipped, std::string(reason)}; }
inline Outcome Unsupported(std::string_view feature) {
  return {Verdict::kUnsupported, std::string(feature)};
}

// Messages are quoted so leading or trailing text is unambiguous.
inline std::string Quote(std::string_view text) {
  return absl::StrCat("\"", std::string(text), "\"");
}

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_OUTCOME_H_
