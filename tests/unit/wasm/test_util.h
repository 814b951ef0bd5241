// tests/unit/wasm/test_util.h — assertions about decode and validation
// errors, shared by the wasm unit tests.
//
// Errors are checked the way the spec suite checks them: the message must
// start with the spec's phrase ("type mismatch", "unknown function 7"). Every
// error must also carry a location (GetErrorLocation), since that is how
// programs find the offending byte.
#ifndef KILN_TESTS_UNIT_WASM_TEST_UTIL_H_
#define KILN_TESTS_UNIT_WASM_TEST_UTIL_H_

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/error.h"
#include "kiln/wasm/validator.h"
#include "module_builder.h"

namespace kiln::wasm::test {

// The message as a std::string_view (Debian's abseil has its own string_view).
inline std::string_view Message(const absl::Status& status) {
  return std::string_view(status.message().data(), status.message().size());
}

inline absl::Status DecodeStatus(const Bytes& bytes, const DecodeOptions& options = {}) {
  return DecodeModule(bytes, options).status();
}

// Decodes (which must succeed: the test is about validation) and validates.
inline absl::Status ValidateStatus(const Bytes& bytes, bool parallel = false) {
  absl::StatusOr<Module> module = DecodeModule(bytes);
  if (!module.ok()) {
    return absl::InternalError("decode failed: " + std::string(Message(module.status())));
  }
  ValidateOptions options;
  options.parallel = parallel;
  return ValidateModule(*module, options);
}

// When KILN_WASM_TEST_DUMP names a folder, writes `bytes` there as
// `<name>.wasm`, so that test modules can be cross-checked with other tools
// (wabt's wasm-validate). Characters other than [A-Za-z0-9_-] in the name
// become '_'.
inline void DumpForCrossCheck(std::string name, const Bytes& bytes) {
  const char* dir = std::getenv("KILN_WASM_TEST_DUMP");
  if (dir == nullptr || *dir == '\0') return;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  }
  std::ofstream out(std::string(dir) + "/" + name + ".wasm", std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

inline std::string Describe(const absl::Status& status) {
  if (status.ok()) return "OK";
  std::string text(Message(status));
  if (!GetErrorLocation(status).has_value()) text += " [no error location]";
  return text;
}

// The status is an error whose message starts with `phrase` and that carries
// a location.
inline ::testing::AssertionResult IsWasmError(const absl::Status& status, std::string_view phrase) {
  if (status.ok()) return ::testing::AssertionFailure() << "expected \"" << phrase << "\", got OK";
  const std::string_view message = Message(status);
  if (message.substr(0, phrase.size()) != phrase) {
    return ::testing::AssertionFailure()
           << "expected a message starting \"" << phrase << "\", got \"" << message << "\"";
  }
  // UNIMPLEMENTED: bytes 2.0 rejects that mean a 3.0 feature Kiln lacks;
  // the 2.0 phrase still leads the message.
  if (status.code() != absl::StatusCode::kInvalidArgument &&
      status.code() != absl::StatusCode::kUnimplemented) {
    return ::testing::AssertionFailure() << "expected INVALID_ARGUMENT, got " << status;
  }
  if (!GetErrorLocation(status).has_value()) {
    return ::testing::AssertionFailure() << "no error location attached to \"" << message << "\"";
  }
  return ::testing::AssertionSuccess();
}

// As IsWasmError, with the message starting with any of `phrases`.
inline ::testing::AssertionResult IsWasmErrorAmong(const absl::Status& status,
                                                   std::span<const std::string_view> phrases) {
  std::string wanted;
  for (std::string_view phrase : phrases) {
    if (IsWasmError(status, phrase)) return ::testing::AssertionSuccess();
    wanted += (wanted.empty() ? "\"" : ", \"") + std::string(phrase) + "\"";
  }
  return ::testing::AssertionFailure()
         << "expected an error starting with one of " << wanted << ", got " << Describe(status);
}
inline ::testing::AssertionResult IsWasmErrorAmong(
    const absl::Status& status, std::initializer_list<std::string_view> phrases) {
  return IsWasmErrorAmong(status,
                          std::span<const std::string_view>(phrases.begin(), phrases.size()));
}

// As IsWasmError, and the error location's offset is `offset`.
inline ::testing::AssertionResult IsWasmErrorAt(const absl::Status& status, std::string_view phrase,
                                                uint64_t offset) {
  if (::testing::AssertionResult r = IsWasmError(status, phrase); !r) return r;
  const ErrorLocation location = *GetErrorLocation(status);
  if (location.offset != offset) {
    return ::testing::AssertionFailure() << "expected offset " << offset << ", got "
                                         << location.offset << " in \"" << Message(status) << "\"";
  }
  return ::testing::AssertionSuccess();
}

// The error was reported in function `function_index` (function index space).
inline ::testing::AssertionResult IsInFunction(const absl::Status& status,
                                               uint32_t function_index) {
  const std::optional<ErrorLocation> location = GetErrorLocation(status);
  if (!location.has_value()) {
    return ::testing::AssertionFailure() << "no error location: " << Describe(status);
  }
  if (location->function_index != function_index) {
    return ::testing::AssertionFailure()
           << "expected function " << function_index << ", got "
           << (location->function_index ? std::to_string(*location->function_index) : "none")
           << " in \"" << Message(status) << "\"";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace kiln::wasm::test

#endif  // KILN_TESTS_UNIT_WASM_TEST_UTIL_H_
