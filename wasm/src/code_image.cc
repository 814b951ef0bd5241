#include "kiln/wasm/code_image.h"

#include <algorithm>

namespace kiln::wasm {

const CompiledFunction* CodeImage::FindFunction(uint32_t offset) const {
  // The last function starting at or before `offset`, if `offset` is inside it.
  auto it = std::upper_bound(
      functions.begin(), functions.end(), offset,
      [](uint32_t value, const CompiledFunction& f) { return value < f.code_offset; });
  if (it == functions.begin()) return nullptr;
  --it;
  return offset < it->code_offset + it->code_size ? &*it : nullptr;
}

const AddressMapEntry* AddressMap::Find(uint32_t code_offset) const {
  auto it = std::upper_bound(
      entries.begin(), entries.end(), code_offset,
      [](uint32_t value, const AddressMapEntry& e) { return value < e.code_offset; });
  return it == entries.begin() ? nullptr : &*(it - 1);
}

}  // namespace kiln::wasm
