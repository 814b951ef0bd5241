// Validating a module: its declarations (module_validator.cc), then every
// function body, in parallel on the TBB pool when the module is large.
#include <atomic>
#include <mutex>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/error.h"
#include "kiln/wasm/validator.h"
#include "oneapi/tbb/blocked_range.h"
#include "oneapi/tbb/parallel_for.h"
#include "validation_context.h"

namespace kiln::wasm {
namespace {

using internal::FunctionValidator;
using internal::ValidationContext;

// Below this much code, spreading bodies over threads costs more than it saves.
constexpr size_t kParallelMinBytes = 64 * 1024;
// Functions per task: enough to amortize scheduling, small enough to balance.
constexpr size_t kFunctionsPerTask = 32;

// Validates every body, in parallel when worthwhile, and reports the error of
// the lowest-numbered failing function so the result never depends on
// scheduling.
absl::Status ValidateBodies(const ValidationContext& ctx, bool parallel) {
  const Module& m = ctx.module;
  const size_t n = m.bodies.size();
  size_t code_bytes = 0;
  for (const FunctionBody& b : m.bodies) code_bytes += b.bytes.size();

  if (!parallel || n < 2 || code_bytes < kParallelMinBytes) {
    FunctionValidator validator(ctx);
    for (uint32_t i = 0; i < n; ++i) {
      if (absl::Status s = validator.Validate(i); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  std::atomic<uint32_t> first_failure{UINT32_MAX};
  std::mutex mu;
  absl::Status first_error;
  tbb::parallel_for(
      tbb::blocked_range<uint32_t>(0, static_cast<uint32_t>(n), kFunctionsPerTask),
      [&](const tbb::blocked_range<uint32_t>& range) {
        FunctionValidator validator(ctx);
        for (uint32_t i = range.begin(); i != range.end(); ++i) {
          // A lower-numbered failure already decides the result.
          if (i > first_failure.load(std::memory_order_relaxed)) return;
          absl::Status s = validator.Validate(i);
          if (s.ok()) continue;
          std::lock_guard<std::mutex> lock(mu);
          if (i < first_failure.load(std::memory_order_relaxed)) {
            first_failure.store(i, std::memory_order_relaxed);
            first_error = std::move(s);
          }
          return;
        }
      });
  return first_error;
}

}  // namespace

absl::Status ValidateModule(const Module& module, const ValidateOptions& options) {
  const ValidationContext ctx = internal::MakeValidationContext(module, options.limits);
  absl::Status status = internal::ValidateDeclarations(ctx);
  if (status.ok()) status = ValidateBodies(ctx, options.parallel);
  if (status.ok()) return status;
  // Malformed beats invalid (the spec decodes everything before validating):
  // on the error path only, look for a malformed body from the one that
  // failed onwards.
  std::optional<ErrorLocation> loc = GetErrorLocation(status);
  if (loc.has_value() && loc->kind == ErrorKind::kInvalid) {
    uint32_t first = 0;
    if (loc->function_index.has_value() &&
        *loc->function_index >= module.num_imported_functions) {
      first = *loc->function_index - module.num_imported_functions;
    }
    FunctionValidator scanner(ctx);
    for (uint32_t i = first; i < module.bodies.size(); ++i) {
      if (absl::Status s = scanner.ScanFormat(i); !s.ok()) return s;
    }
  }
  return status;
}

absl::Status ValidateFunction(const Module& module, uint32_t defined_index,
                              const ImplementationLimits& limits) {
  if (defined_index >= module.bodies.size()) {
    return absl::OutOfRangeError(absl::StrCat("no defined function ", defined_index));
  }
  const ValidationContext ctx = internal::MakeValidationContext(module, limits);
  if (module.function_type_indices[module.num_imported_functions + defined_index] >=
      module.types.size()) {
    return MakeWasmError(ErrorKind::kInvalid, module.bodies[defined_index].offset, "unknown type");
  }
  return FunctionValidator(ctx).Validate(defined_index);
}

absl::StatusOr<Module> DecodeAndValidate(std::span<const uint8_t> bytes,
                                         const ValidateOptions& options) {
  DecodeOptions decode_options;
  decode_options.limits = options.limits;
  absl::StatusOr<Module> module = DecodeModule(bytes, decode_options);
  if (!module.ok()) return module.status();
  if (absl::Status s = ValidateModule(*module, options); !s.ok()) return s;
  return module;
}

}  // namespace kiln::wasm
