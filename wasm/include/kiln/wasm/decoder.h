// kiln/wasm/decoder.h — the WebAssembly 2.0 binary format, decoded in one
// pass.
//
// DecodeModule checks everything the binary format requires: the header,
// section order and sizes, every LEB128 (no over-long encodings, no unused
// bits set), UTF-8 names, the agreement of the function and code sections
// and of the data count and data sections. It does not look inside function
// bodies (ValidateModule does, in parallel). Declared counts are checked
// against ImplementationLimits and against the bytes left before anything is
// allocated for them.
#ifndef KILN_WASM_DECODER_H_
#define KILN_WASM_DECODER_H_

#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "kiln/wasm/limits.h"
#include "kiln/wasm/module.h"

namespace kiln::wasm {

struct DecodeOptions {
  ImplementationLimits limits;
};

// The returned Module refers into `bytes`: keep them alive (module.h).
absl::StatusOr<Module> DecodeModule(std::span<const uint8_t> bytes,
                                    const DecodeOptions& options = {});

}  // namespace kiln::wasm

#endif  // KILN_WASM_DECODER_H_
