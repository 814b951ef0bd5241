#include "kiln/jit/artifact_writer.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "kiln/wasm/artifact_format.h"
#include "kiln/wasm/leb128.h"
#include "kiln/wasm/version.h"

namespace kiln::jit {
namespace {

constexpr uint8_t kCustomSectionId = 0;
constexpr uint8_t kCodeSectionId = 10;
constexpr size_t kWasmHeaderSize = 8;

// A u32 LEB128 at bytes[*at], advancing *at; false if it is not one.
bool ReadLeb(std::span<const uint8_t> bytes, size_t* at, uint32_t* value) {
  uint64_t wide = 0;
  if (wasm::ReadVarUnsigned<32>(bytes.data(), *at, bytes.size(), &wide) != wasm::LebError::kOk) {
    return false;
  }
  *value = static_cast<uint32_t>(wide);
  return true;
}

void AppendLeb(std::vector<uint8_t>& out, uint32_t value) { wasm::WriteVarUnsigned(out, value); }

// Whether a custom section's payload is named "name".
bool IsNameSection(std::span<const uint8_t> payload) {
  size_t at = 0;
  uint32_t length = 0;
  constexpr std::string_view kName = "name";
  return ReadLeb(payload, &at, &length) && length == kName.size() &&
         payload.size() - at >= length &&
         std::equal(kName.begin(), kName.end(), payload.begin() + static_cast<std::ptrdiff_t>(at));
}

absl::Status Malformed(size_t offset) {
  return absl::InvalidArgumentError(
      absl::StrCat("module is malformed at byte ", offset, " (it was not validated)"));
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> ModuleDeclarations(std::span<const uint8_t> wasm_bytes) {
  if (wasm_bytes.size() < kWasmHeaderSize) return Malformed(0);
  std::vector<uint8_t> out(wasm_bytes.begin(), wasm_bytes.begin() + kWasmHeaderSize);
  size_t at = kWasmHeaderSize;
  while (at < wasm_bytes.size()) {
    const size_t section_start = at;
    const uint8_t id = wasm_bytes[at++];
    uint32_t size = 0;
    if (!ReadLeb(wasm_bytes, &at, &size) || wasm_bytes.size() - at < size) {
      return Malformed(section_start);
    }
    const size_t payload = at;
    at += size;
    // Custom sections stay behind, but for the function names a trap's
    // backtrace shows.
    if (id == kCustomSectionId && !IsNameSection(wasm_bytes.subspan(payload, size))) continue;
    if (id != kCodeSectionId) {
      out.insert(out.end(), wasm_bytes.begin() + static_cast<std::ptrdiff_t>(section_start),
                 wasm_bytes.begin() + static_cast<std::ptrdiff_t>(at));
      continue;
    }
    // Each body becomes {size 2: no locals, end}: the decoder still sees
    // one body per declared function, and no instruction is shipped.
    size_t count_at = payload;
    uint32_t count = 0;
    if (!ReadLeb(wasm_bytes, &count_at, &count)) return Malformed(payload);
    std::vector<uint8_t> code;
    AppendLeb(code, count);
    for (uint32_t i = 0; i < count; ++i) code.insert(code.end(), {0x02, 0x00, 0x0b});
    out.push_back(kCodeSectionId);
    AppendLeb(out, static_cast<uint32_t>(code.size()));
    out.insert(out.end(), code.begin(), code.end());
  }
  return out;
}

absl::StatusOr<std::vector<uint8_t>> WriteArtifact(std::span<const uint8_t> wasm_bytes,
                                                   const wasm::CodeImage& image) {
  absl::StatusOr<std::vector<uint8_t>> declarations = ModuleDeclarations(wasm_bytes);
  if (!declarations.ok()) return declarations.status();
  const std::vector<uint8_t> layout = wasm::EncodeCodeLayout(image);
  const std::vector<uint8_t> address_maps = wasm::EncodeAddressMaps(image);
  const std::array<wasm::ArtifactSection, 4> sections = {{
      {wasm::ArtifactSectionKind::kModule, *declarations},
      {wasm::ArtifactSectionKind::kCodeLayout, layout},
      {wasm::ArtifactSectionKind::kCode, image.bytes},
      {wasm::ArtifactSectionKind::kAddressMaps, address_maps},
  }};
  return wasm::FrameArtifact(KilnVersion(), image.fingerprint, sections);
}

}  // namespace kiln::jit
