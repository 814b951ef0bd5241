// outcome.h — what running one spec command came to.
#ifndef KILN_TESTS_SPEC_OUTCOME_H_
#define KILN_TESTS_SPEC_OUTCOME_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
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

// Kiln rejects a module that needs a WebAssembly 3.0 feature it does not
// have yet as UNIMPLEMENTED, with a message ending "...: FEATURE is not
// supported yet" (kiln/wasm/error.h). Returns FEATURE, or empty for any
// other status.
inline std::string UnsupportedFeature(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kUnimplemented) return "";
  const std::string message(status.message());
  const size_t end = message.find(" is not supported yet");
  if (end == std::string::npos) return "";
  const size_t colon = message.rfind(": ", end);
  const size_t begin = colon == std::string::npos ? 0 : colon + 2;
  return message.substr(begin, end - begin);
}

// Messages are quoted so leading or trailing text is unambiguous.
inline std::string Quote(std::string_view text) {
  return absl::StrCat("\"", std::string(text), "\"");
}

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_OUTCOME_H_
