#include "kiln/wasm/validator.h"
#include "kiln/wasm/decoder.h"

namespace kiln::wasm {
absl::Status ValidateModule(const Module&, const ValidateOptions&) { return absl::OkStatus(); }
absl::StatusOr<Module> DecodeAndValidate(std::span<const uint8_t> bytes, const ValidateOptions& options) {
  DecodeOptions d; d.limits = options.limits;
  absl::StatusOr<Module> m = DecodeModule(bytes, d);
  if (!m.ok()) return m.status();
  if (absl::Status s = ValidateModule(*m, options); !s.ok()) return s;
  return m;
}
}  // namespace kiln::wasm
