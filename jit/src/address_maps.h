// address_maps.h — reading back where machine code came from.
//
// WasmDebugInfo gives every generated instruction a location (body line,
// vm_abi.h, and function as the subprogram); LLVM emits them as DWARF in
// each batch's object. This reads that DWARF — line table and inlined
// subroutines, through LLVM's own DWARF reader — into the AddressMap of
// each function record, which is all the runtime needs: it never reads
// DWARF, and the DWARF never reaches the image.
#ifndef KILN_JIT_ADDRESS_MAPS_H_
#define KILN_JIT_ADDRESS_MAPS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "absl/status/status.h"
#include "kiln/wasm/code_image.h"
#include "llvm/Object/ObjectFile.h"

namespace kiln::jit {

// The module offset where a defined function's body starts.
using BodyOffsetOf = std::function<uint64_t(uint32_t function_index)>;

// Adds the locations of `object`'s code to `functions` (sorted by code
// offset, as in CodeImage), as module offsets. `image_offset` gives where a
// section of `object` was placed in the image, or nullopt for one that was
// not.
absl::Status ReadAddressMaps(
    const llvm::object::ObjectFile& object,
    const std::function<std::optional<uint64_t>(uint64_t section_index)>& image_offset,
    const BodyOffsetOf& body_offset, std::span<wasm::CompiledFunction> functions);

}  // namespace kiln::jit

#endif  // KILN_JIT_ADDRESS_MAPS_H_
