// Internal: decoding of the "name" custom section (function and local names).
#ifndef KILN_WASM_SRC_NAME_SECTION_H_
#define KILN_WASM_SRC_NAME_SECTION_H_

#include <cstddef>
#include <optional>
#include <span>

#include "kiln/wasm/module.h"

namespace kiln::wasm::internal {

// Decodes the payload module[begin, end). nullopt when it is malformed; the
// caller then ignores it, as the spec allows for custom sections.
std::optional<NameSection> DecodeNameSection(std::span<const uint8_t> module, size_t begin,
                                             size_t end);

}  // namespace kiln::wasm::internal

#endif  // KILN_WASM_SRC_NAME_SECTION_H_
