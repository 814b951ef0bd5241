#include "fuzz_contract.h"

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "kiln/wasm/error.h"

namespace kiln::fuzz {

wasm::ValidateOptions SmallLimits() {
  wasm::ValidateOptions options;
  options.parallel = false;
  wasm::ImplementationLimits& limits = options.limits;
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

void ContractBroken(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "error contract broken: %s: %s\n", what, status.ToString().c_str());
  std::abort();
}

void CheckInvalidModuleError(const absl::Status& status, size_t size) {
  // UNIMPLEMENTED: a module that needs a 3.0 feature Kiln lacks (error.h).
  if (status.code() != absl::StatusCode::kInvalidArgument &&
      status.code() != absl::StatusCode::kUnimplemented) {
    ContractBroken("not INVALID_ARGUMENT or UNIMPLEMENTED", status);
  }
  const std::optional<wasm::ErrorLocation> location = wasm::GetErrorLocation(status);
  if (!location.has_value()) ContractBroken("no error location", status);
  if (location->offset > size) ContractBroken("offset past the end of the input", status);
}

}  // namespace kiln::fuzz
