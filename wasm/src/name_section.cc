#include "name_section.h"

#include <string>
#include <utility>
#include <vector>

#include "binary_reader.h"

namespace kiln::wasm::internal {
namespace {

constexpr uint32_t kMaxNameBytes = 100'000;

using NameMap = std::vector<std::pair<uint32_t, std::string>>;

bool ReadNameMap(BinaryReader& r, NameMap* out) {
  uint32_t count;
  if (!r.ReadCount(&count, UINT32_MAX, "names", 2)) return false;
  out->resize(count);
  for (auto& [index, name] : *out) {
    if (!r.ReadU32(&index) || !r.ReadName(&name, kMaxNameBytes)) return false;
  }
  // The format requires increasing indices; anything else is malformed.
  for (size_t i = 1; i < out->size(); ++i) {
    if ((*out)[i].first <= (*out)[i - 1].first) return false;
  }
  return true;
}

}  // namespace

std::optional<NameSection> DecodeNameSection(std::span<const uint8_t> module, size_t begin,
                                             size_t end) {
  NameSection names;
  BinaryReader r(module, begin, end);
  int last_id = -1;
  while (!r.AtEnd()) {
    uint8_t id;
    uint32_t size;
    if (!r.ReadByte(&id) || !r.ReadU32(&size) || size > r.remaining()) return std::nullopt;
    if (id <= last_id) return std::nullopt;
    last_id = id;
    BinaryReader sub(module, r.pos(), r.pos() + size);
    r.Skip(size);
    switch (id) {
      case 0: {
        std::string name;
        if (!sub.ReadName(&name, kMaxNameBytes)) return std::nullopt;
        names.module_name = std::move(name);
        break;
      }
      case 1:
        if (!ReadNameMap(sub, &names.function_names)) return std::nullopt;
        break;
      case 2: {
        uint32_t count;
        if (!sub.ReadCount(&count, UINT32_MAX, "functions", 2)) return std::nullopt;
        names.local_names.resize(count);
        for (auto& [function, locals] : names.local_names) {
          if (!sub.ReadU32(&function) || !ReadNameMap(sub, &locals)) return std::nullopt;
        }
        break;
      }
      default:
        continue;  // other subsections (labels, types, ...) are skipped
    }
    if (!sub.AtEnd()) return std::nullopt;
  }
  return names;
}

}  // namespace kiln::wasm::internal
