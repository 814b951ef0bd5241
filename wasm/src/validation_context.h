// Internal: what validating one function needs to know about its module.
#ifndef KILN_WASM_SRC_VALIDATION_CONTEXT_H_
#define KILN_WASM_SRC_VALIDATION_CONTEXT_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "kiln/wasm/limits.h"
#include "kiln/wasm/module.h"

namespace kiln::wasm::internal {

struct ValidationContext {
  const Module& module;
  const ImplementationLimits& limits;
  // declared_refs[f] is true when function f may be named by ref.func in a
  // body: it occurs outside function bodies (elements, exports, globals).
  std::vector<bool> declared_refs;
};

ValidationContext MakeValidationContext(const Module& module, const ImplementationLimits& limits);

// Everything outside function bodies (module_validator.cc).
absl::Status ValidateDeclarations(const ValidationContext& ctx);

// Validates bodies[defined_index]. Scratch buffers live in a FunctionValidator
// so a worker validating many functions reuses them.
class FunctionValidator {
 public:
  explicit FunctionValidator(const ValidationContext& context);
  ~FunctionValidator();
  FunctionValidator(const FunctionValidator&) = delete;
  FunctionValidator& operator=(const FunctionValidator&) = delete;

  absl::Status Validate(uint32_t defined_index);
  // Checks only the binary format of the body (no types): the spec decodes
  // the whole module before validating, so a malformed body anywhere is
  // reported in preference to an invalid construct found earlier.
  absl::Status ScanFormat(uint32_t defined_index);

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace kiln::wasm::internal

#endif  // KILN_WASM_SRC_VALIDATION_CONTEXT_H_
