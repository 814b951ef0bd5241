// kiln/jit/artifact_writer.h — a compiled module as an artifact file.
//
// The artifact (format: kiln/wasm/artifact_format.h) holds what loading
// needs: the module's declarations, the code image and its layout, and a
// header naming the Kiln version and the compiler's fingerprint. Its bytes
// depend only on the module and the image, so the same module compiled with
// the same options gives the same artifact on every run and thread count.
// runtime::Module::LoadArtifact reads it back.
#ifndef KILN_JIT_ARTIFACT_WRITER_H_
#define KILN_JIT_ARTIFACT_WRITER_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/wasm/code_image.h"

namespace kiln::jit {

// `wasm_bytes` are the (valid) module `image` was compiled from.
// INVALID_ARGUMENT if they are not a well-formed module.
absl::StatusOr<std::vector<uint8_t>> WriteArtifact(std::span<const uint8_t> wasm_bytes,
                                                   const wasm::CodeImage& image);

// The module's declarations: `wasm_bytes` without custom sections but the
// "name" section (for backtraces), and with every function body emptied
// (kiln/wasm/artifact_format.h, kModule).
absl::StatusOr<std::vector<uint8_t>> ModuleDeclarations(std::span<const uint8_t> wasm_bytes);

}  // namespace kiln::jit

#endif  // KILN_JIT_ARTIFACT_WRITER_H_
