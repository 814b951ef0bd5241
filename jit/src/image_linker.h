// image_linker.h — lays the compiled batches' object files out as one
// CodeImage.
//
// All text sections come first (in batch order, so function offsets grow
// with the function index), then the read-only data on its own pages. Every
// relocation must be PC-relative to something inside the image: the result
// needs no patching when loaded at any address.
#ifndef KILN_JIT_IMAGE_LINKER_H_
#define KILN_JIT_IMAGE_LINKER_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/wasm/code_image.h"
#include "kiln/wasm/module.h"

namespace kiln::jit {

// `objects` are ELF relocatable objects defining FunctionSymbol(i) for every
// defined function i and the trampolines of every type index in
// `trampoline_types` (the first type index of each distinct signature);
// `canonical_type[t]` is the type index whose trampolines type t uses.
absl::StatusOr<wasm::CodeImage> LinkImage(const wasm::Module& module,
                                          std::span<const std::span<const uint8_t>> objects,
                                          const std::vector<uint32_t>& canonical_type);

}  // namespace kiln::jit

#endif  // KILN_JIT_IMAGE_LINKER_H_
