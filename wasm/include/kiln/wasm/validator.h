// kiln/wasm/validator.h — the WebAssembly 2.0 validation rules.
//
// ValidateModule checks a decoded module against the spec's validation
// rules: module-level rules (imports, exports, segments, constant
// expressions, start function, reference declarations) and every function
// body, which it also decodes instruction by instruction (so malformed code
// inside a body is reported here). Bodies are validated in parallel on the
// TBB pool when there are enough of them; the error reported is always the
// one in the lowest-numbered failing function, so results do not depend on
// scheduling.
#ifndef KILN_WASM_VALIDATOR_H_
#define KILN_WASM_VALIDATOR_H_

#include <span>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kiln/wasm/limits.h"
#include "kiln/wasm/module.h"

namespace kiln::wasm {

struct ValidateOptions {
  ImplementationLimits limits;
  // Validate function bodies on the TBB pool (the current arena).
  bool parallel = true;
};

absl::Status ValidateModule(const Module& module, const ValidateOptions& options = {});

// The module-level rules alone (imports, exports, segments, constant
// expressions, start function): every index a declaration holds is in
// range, every type well formed. Function bodies are not looked at. For a
// module's declarations without their code, as an artifact carries them.
absl::Status ValidateDeclarations(const Module& module, const ImplementationLimits& limits = {});

// Validates one defined function: `defined_index` indexes module.bodies.
// It assumes the module-level rules hold (ValidateModule checks them) and
// rebuilds the module-level context on every call, so it suits checking one
// body; ValidateModule is the way to check them all.
absl::Status ValidateFunction(const Module& module, uint32_t defined_index,
                              const ImplementationLimits& limits = {});

// Decode and validate in one call. The result refers into `bytes`.
absl::StatusOr<Module> DecodeAndValidate(std::span<const uint8_t> bytes,
                                         const ValidateOptions& options = {});

}  // namespace kiln::wasm

#endif  // KILN_WASM_VALIDATOR_H_
