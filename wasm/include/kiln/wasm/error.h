// kiln/wasm/error.h — how decode and validation errors are reported.
//
// Every error is an absl::Status whose message reads
//   "<spec message> (at byte offset N[, function F])"
// where the spec message is the phrase the WebAssembly spec suite uses
// ("type mismatch", "unknown function 7", "integer too large", ...). The
// location is also attached as a payload, so programs need not parse text:
// GetErrorLocation() returns it. Malformed binaries (the decoding rules) and
// invalid modules (the validation rules) are both INVALID_ARGUMENT; the
// payload says which. A module that uses a WebAssembly 3.0 feature Kiln does
// not implement yet is UNIMPLEMENTED (kind kUnsupported), and its message
// names the feature; where the 2.0 rules call the same bytes malformed or
// invalid, the message keeps the 2.0 phrase too.
#ifndef KILN_WASM_ERROR_H_
#define KILN_WASM_ERROR_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace kiln::wasm {

enum class ErrorKind : uint8_t {
  kMalformed,  // the bytes do not follow the binary format
  kInvalid,    // well-formed, but breaks a validation rule
  kLimit,      // exceeds an implementation limit (ImplementationLimits)
  kUnsupported,  // needs a WebAssembly 3.0 feature Kiln does not have yet
};

struct ErrorLocation {
  ErrorKind kind = ErrorKind::kMalformed;
  uint64_t offset = 0;                    // byte offset in the module
  std::optional<uint32_t> function_index; // index in the function index space
};

absl::Status MakeWasmError(ErrorKind kind, uint64_t offset, std::string_view message,
                           std::optional<uint32_t> function_index = std::nullopt);

// The location attached by MakeWasmError, or nullopt for any other status.
std::optional<ErrorLocation> GetErrorLocation(const absl::Status& status);

}  // namespace kiln::wasm

#endif  // KILN_WASM_ERROR_H_
