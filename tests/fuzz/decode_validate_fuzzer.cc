// libFuzzer target: decodes and validates arbitrary bytes as a wasm module.
//
// Besides the sanitizers' own findings (crashes, leaks, undefined behaviour,
// out-of-memory, timeouts), it checks the error contract of kiln/wasm/error.h:
// every failure is INVALID_ARGUMENT with a location inside the input.
//
// Limits are small (fuzz_contract.h) so that inputs explore the code rather than the limits'
// size: a hostile count must be rejected at any limit, and small limits let
// libFuzzer reach them with short inputs. Validation is serial: libFuzzer
// needs the same coverage for the same input, and TBB is not instrumented.
#include <cstddef>
#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "fuzz_contract.h"
#include "kiln/wasm/validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const kiln::wasm::ValidateOptions options = kiln::fuzz::SmallLimits();
  const absl::StatusOr<kiln::wasm::Module> module =
      kiln::wasm::DecodeAndValidate(std::span<const uint8_t>(data, size), options);
  if (!module.ok()) kiln::fuzz::CheckInvalidModuleError(module.status(), size);
  return 0;
}
