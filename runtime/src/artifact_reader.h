// artifact_reader.h — an artifact's parts, checked, for loading and
// inspecting.
#ifndef KILN_RUNTIME_ARTIFACT_READER_H_
#define KILN_RUNTIME_ARTIFACT_READER_H_

#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "kiln/wasm/artifact_format.h"
#include "kiln/wasm/module.h"

namespace kiln::runtime {

struct ArtifactParts {
  wasm::ArtifactFrame frame;
  std::span<const uint8_t> declarations;  // kModule
  std::span<const uint8_t> code;          // kCode
  wasm::CodeLayout layout;                // kCodeLayout, checked against `code`
};

// The framing checks of wasm::UnframeArtifact, then every section present
// and the code layout inside the code.
absl::StatusOr<ArtifactParts> ReadArtifactParts(std::span<const uint8_t> bytes);

// DATA_LOSS unless `layout` has one function per body of `module` and one
// trampoline slot per type.
absl::Status CheckLayoutMatchesModule(const wasm::CodeLayout& layout, const wasm::Module& module);

// Decodes an artifact's module section (`declarations`, which the result
// points into) and checks what loading and inspecting rely on: the
// module-level validation rules (wasm::ValidateDeclarations: no index out
// of range) and a layout that matches it. The digest only proves that the
// bytes are what their writer sealed, and anyone can seal bytes: a module
// section that does not pass is DATA_LOSS, never a crash.
absl::StatusOr<wasm::Module> DecodeDeclarations(std::span<const uint8_t> declarations,
                                                const wasm::CodeLayout& layout);

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_ARTIFACT_READER_H_
