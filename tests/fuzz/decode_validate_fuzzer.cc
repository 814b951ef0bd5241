// libFuzzer target: decodes and validates arbitrary bytes as a wasm module.
//
// Besides the sanitizers' own findings (crashes, leaks, undefined behaviour,
// out-of-memory, timeouts), it checks the error contract of kiln/wasm/error.h:
// every failure is INVALID_ARGUMENT with a location inside the input.
//
// Limits are small so that inputs explore the code rather than the limits'
// size: a hostile count must be rejected at any limit, and small limits let
// libFuzzer reach them with short inputs. Validation is serial: libFuzzer
// needs the same coverage for the same input, and TBB is not instrumented.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "kiln/wasm/error.h"
#include "kiln/wasm/validator.h"

namespace {

kiln::wasm::ValidateOptions SmallLimits() {
  kiln::wasm::ValidateOptions options;
  options.parallel = false;
  kiln::wasm::ImplementationLimits& limits = options.limits;
  limits.max_module_size = 1 << 20;
  limits.max_types = 1000;
  limits.max_functions = 1000;
  limits.max_imports = 1000;
  limits.max_exports = 1000;
  limits.max_globals = 1000;
  limits.max_tables = 100;
  limits.max_memories = 10;
  limits.max_element_segments = 1000;
  limits.max_data_segments = 1000;
  limits.max_element_items = 10'000;
  limits.max_params = 100;
  limits.max_results = 100;
  limits.max_locals = 1000;
  limits.max_function_size = 100'000;
  limits.max_nesting_depth = 1000;
  limits.max_br_table_targets = 1000;
  limits.max_name_bytes = 1000;
  return options;
}

[[noreturn]] void ContractBroken(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "error contract broken: %s: %s\n", what, status.ToString().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const kiln::wasm::ValidateOptions options = SmallLimits();
  const absl::StatusOr<kiln::wasm::Module> module =
      kiln::wasm::DecodeAndValidate(std::span<const uint8_t>(data, size), options);
  if (module.ok()) return 0;
  const absl::Status& status = module.status();
  if (status.code() != absl::StatusCode::kInvalidArgument)
    ContractBroken("not INVALID_ARGUMENT", status);
  const std::optional<kiln::wasm::ErrorLocation> location = kiln::wasm::GetErrorLocation(status);
  if (!location.has_value()) ContractBroken("no error location", status);
  if (location->offset > size) ContractBroken("offset past the end of the input", status);
  return 0;
}
