#include "kiln/wasm/artifact_format.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace kiln::wasm {
namespace {

constexpr size_t kFixedHeaderSize = 32;
constexpr size_t kSectionEntrySize = 24;
constexpr size_t kSectionAlignment = 16;

void AppendU32(std::vector<uint8_t>& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

void AppendU64(std::vector<uint8_t>& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

void StoreU64(std::vector<uint8_t>& out, size_t at, uint64_t value) {
  for (int i = 0; i < 8; ++i) out[at + i] = static_cast<uint8_t>(value >> (8 * i));
}

void AppendString(std::vector<uint8_t>& out, std::string_view text) {
  AppendU32(out, static_cast<uint32_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
}

void PadTo(std::vector<uint8_t>& out, size_t alignment) {
  out.resize((out.size() + alignment - 1) / alignment * alignment, 0);
}

// Bounds-checked little-endian reads; the first failure sticks.
class Reader {
 public:
  Reader(std::span<const uint8_t> bytes, size_t position) : bytes_(bytes), position_(position) {}

  bool ok() const { return ok_; }
  size_t position() const { return position_; }

  uint64_t Read(size_t width) {
    if (!ok_ || position_ > bytes_.size() || bytes_.size() - position_ < width) {
      ok_ = false;
      return 0;
    }
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i) value |= uint64_t{bytes_[position_ + i]} << (8 * i);
    position_ += width;
    return value;
  }
  uint32_t U32() { return static_cast<uint32_t>(Read(4)); }
  uint64_t U64() { return Read(8); }

  std::string String() {
    const uint32_t size = U32();
    if (!ok_ || bytes_.size() - position_ < size) {
      ok_ = false;
      return {};
    }
    std::string text(reinterpret_cast<const char*>(bytes_.data() + position_), size);
    position_ += size;
    return text;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t position_;
  bool ok_ = true;
};

absl::Status Truncated(std::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt artifact: ", std::string(what)));
}

}  // namespace

bool HasArtifactMagic(std::span<const uint8_t> bytes) {
  return bytes.size() >= kArtifactMagic.size() &&
         std::memcmp(bytes.data(), kArtifactMagic.data(), kArtifactMagic.size()) == 0;
}

std::vector<uint8_t> FrameArtifact(std::string_view kiln_version, std::string_view fingerprint,
                                   std::span<const ArtifactSection> sections) {
  // Sized once: a large module's artifact is hundreds of megabytes, and
  // growing it by doubling would copy it several times over.
  size_t size = 64 + kiln_version.size() + fingerprint.size() +
                sections.size() * (kSectionEntrySize + kSectionAlignment) + 4 +
                kArtifactDigestSize;
  for (const ArtifactSection& section : sections) size += section.bytes.size();
  std::vector<uint8_t> out;
  out.reserve(size);
  out.assign(kArtifactMagic.begin(), kArtifactMagic.end());
  AppendU32(out, kArtifactFormatVersion);
  AppendU32(out, static_cast<uint32_t>(sections.size()));
  AppendU64(out, 0);  // file size, stored below
  AppendU64(out, 0);  // signature offset, stored below
  AppendString(out, kiln_version);
  AppendString(out, fingerprint);
  const size_t table = out.size();
  out.resize(table + sections.size() * kSectionEntrySize, 0);
  std::vector<uint8_t> entries;
  for (const ArtifactSection& section : sections) {
    PadTo(out, kSectionAlignment);
    AppendU32(entries, static_cast<uint32_t>(section.kind));
    AppendU32(entries, 0);
    AppendU64(entries, out.size());
    AppendU64(entries, section.bytes.size());
    out.insert(out.end(), section.bytes.begin(), section.bytes.end());
  }
  std::memcpy(out.data() + table, entries.data(), entries.size());
  StoreU64(out, 24, out.size());
  AppendU32(out, 0);  // an empty signature
  StoreU64(out, 16, out.size() + kArtifactDigestSize);
  const crypto::Sha256Digest digest = crypto::Sha256::Of(out);
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

absl::StatusOr<ArtifactFrame> UnframeArtifact(std::span<const uint8_t> bytes) {
  if (!HasArtifactMagic(bytes)) {
    return absl::InvalidArgumentError("not a Kiln artifact (it does not start with KILNART)");
  }
  Reader header(bytes, kArtifactMagic.size());
  ArtifactFrame frame;
  frame.format_version = header.U32();
  if (!header.ok()) return Truncated("truncated in its header");
  if (frame.format_version != kArtifactFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "artifact format version ", frame.format_version, " is ",
        frame.format_version > kArtifactFormatVersion ? "newer than" : "older than",
        " the version this Kiln reads (", kArtifactFormatVersion, "); recompile the module"));
  }
  const uint32_t section_count = header.U32();
  const uint64_t file_size = header.U64();
  const uint64_t signature_offset = header.U64();
  if (!header.ok()) return Truncated("truncated in its header");
  if (file_size > bytes.size()) {
    return Truncated(absl::StrCat("truncated: ", bytes.size(), " of its ", file_size, " bytes"));
  }
  if (file_size < bytes.size()) {
    return Truncated(absl::StrCat(bytes.size() - file_size, " bytes past its end (", file_size,
                                  " bytes)"));
  }
  if (file_size < kFixedHeaderSize + kArtifactDigestSize ||
      signature_offset > file_size - kArtifactDigestSize) {
    return Truncated("header gives an impossible signature offset");
  }
  const size_t body_end = file_size - kArtifactDigestSize;
  // The digest first: nothing below is trusted before it matches.
  std::memcpy(frame.digest.data(), bytes.data() + body_end, kArtifactDigestSize);
  if (crypto::Sha256::Of(bytes.first(body_end)) != frame.digest) {
    return absl::DataLossError("corrupt artifact: its digest does not match its contents");
  }
  const std::span<const uint8_t> body = bytes.first(body_end);
  Reader strings(body, kFixedHeaderSize);
  frame.kiln_version = strings.String();
  frame.fingerprint = strings.String();
  if (!strings.ok()) return Truncated("header strings run past the signature");
  Reader table(body, strings.position());
  for (uint32_t i = 0; i < section_count; ++i) {
    const uint32_t kind = table.U32();
    table.U32();
    const uint64_t offset = table.U64();
    const uint64_t size = table.U64();
    if (!table.ok() || table.position() > signature_offset) {
      return Truncated("section table runs past the signature");
    }
    if (offset > signature_offset || size > signature_offset - offset) {
      return Truncated(absl::StrCat("section ", i, " lies outside the artifact"));
    }
    frame.sections.push_back({static_cast<ArtifactSectionKind>(kind),
                              body.subspan(static_cast<size_t>(offset), static_cast<size_t>(size))});
  }
  Reader signature(body, static_cast<size_t>(signature_offset));
  const uint32_t signature_size = signature.U32();
  if (!signature.ok() || body.size() - signature.position() != signature_size) {
    return Truncated("signature block does not end where the digest begins");
  }
  frame.signature = body.subspan(signature.position());
  return frame;
}

std::span<const uint8_t> ArtifactFrame::section(ArtifactSectionKind kind) const {
  for (const ArtifactSection& s : sections) {
    if (s.kind == kind) return s.bytes;
  }
  return {};
}

std::vector<uint8_t> EncodeCodeLayout(const CodeImage& image) {
  std::vector<uint8_t> out;
  AppendU32(out, image.text_size);
  AppendU32(out, static_cast<uint32_t>(image.functions.size()));
  for (const CompiledFunction& f : image.functions) {
    AppendU32(out, f.code_offset);
    AppendU32(out, f.code_size);
  }
  AppendU32(out, static_cast<uint32_t>(image.entry_trampolines.size()));
  for (size_t i = 0; i < image.entry_trampolines.size(); ++i) {
    AppendU32(out, image.entry_trampolines[i]);
    AppendU32(out, image.exit_trampolines[i]);
  }
  return out;
}

absl::StatusOr<CodeLayout> DecodeCodeLayout(std::span<const uint8_t> bytes, size_t code_size) {
  Reader in(bytes, 0);
  CodeLayout layout;
  layout.text_size = in.U32();
  if (!in.ok() || layout.text_size > code_size || layout.text_size % 4096 != 0) {
    return Truncated("code layout gives an impossible text size");
  }
  const uint32_t functions = in.U32();
  if (!in.ok() || functions > bytes.size() / 8) return Truncated("code layout is truncated");
  for (uint32_t i = 0; i < functions; ++i) {
    const uint32_t offset = in.U32();
    const uint32_t size = in.U32();
    if (uint64_t{offset} + size > layout.text_size) {
      return Truncated(absl::StrCat("defined function ", i, " lies outside the code"));
    }
    layout.function_offsets.push_back(offset);
    layout.function_sizes.push_back(size);
  }
  const uint32_t types = in.U32();
  if (!in.ok() || types > bytes.size() / 8) return Truncated("code layout is truncated");
  for (uint32_t i = 0; i < types; ++i) {
    const uint32_t entry = in.U32();
    const uint32_t exit = in.U32();
    for (uint32_t offset : {entry, exit}) {
      if (offset != CodeImage::kNoTrampoline && offset >= layout.text_size) {
        return Truncated(absl::StrCat("trampoline of type ", i, " lies outside the code"));
      }
    }
    layout.entry_trampolines.push_back(entry);
    layout.exit_trampolines.push_back(exit);
  }
  if (!in.ok() || in.position() != bytes.size()) return Truncated("code layout is truncated");
  return layout;
}

std::vector<uint8_t> EncodeAddressMaps(const CodeImage& image) {
  size_t size = 0;
  for (const CompiledFunction& f : image.functions) {
    size += 12 + 16 * f.address_map.entries.size() + 8 * f.address_map.inlined.size();
  }
  std::vector<uint8_t> out;
  out.reserve(size);
  for (const CompiledFunction& f : image.functions) {
    const AddressMap& map = f.address_map;
    AppendU32(out, map.body_offset);
    AppendU32(out, static_cast<uint32_t>(map.entries.size()));
    for (const AddressMapEntry& e : map.entries) {
      AppendU32(out, e.code_offset);
      AppendU32(out, e.wasm_offset);
      AppendU32(out, e.inlined_begin);
      AppendU32(out, e.inlined_count);
    }
    AppendU32(out, static_cast<uint32_t>(map.inlined.size()));
    for (const WasmLocation& frame : map.inlined) {
      AppendU32(out, frame.function_index);
      AppendU32(out, frame.wasm_offset);
    }
  }
  return out;
}

absl::Status DecodeAddressMaps(std::span<const uint8_t> bytes, CodeLayout* layout) {
  Reader in(bytes, 0);
  std::vector<AddressMap> maps(layout->function_offsets.size());
  for (size_t f = 0; f < maps.size(); ++f) {
    AddressMap& map = maps[f];
    map.body_offset = in.U32();
    const uint32_t entries = in.U32();
    if (!in.ok() || entries > bytes.size() / 16) return Truncated("address maps are truncated");
    for (uint32_t i = 0; i < entries; ++i) {
      AddressMapEntry e;
      e.code_offset = in.U32();
      e.wasm_offset = in.U32();
      e.inlined_begin = in.U32();
      e.inlined_count = in.U32();
      const bool ordered = map.entries.empty() || e.code_offset > map.entries.back().code_offset;
      if (!in.ok() || !ordered || e.code_offset >= layout->function_sizes[f]) {
        return Truncated(absl::StrCat("address map of defined function ", f, " is damaged"));
      }
      map.entries.push_back(e);
    }
    const uint32_t inlined = in.U32();
    if (!in.ok() || inlined > bytes.size() / 8) return Truncated("address maps are truncated");
    for (uint32_t i = 0; i < inlined; ++i) {
      const uint32_t function_index = in.U32();
      const uint32_t wasm_offset = in.U32();
      map.inlined.push_back({function_index, wasm_offset});
    }
    for (const AddressMapEntry& e : map.entries) {
      if (uint64_t{e.inlined_begin} + e.inlined_count > map.inlined.size()) {
        return Truncated(absl::StrCat("address map of defined function ", f, " is damaged"));
      }
    }
  }
  if (!in.ok() || in.position() != bytes.size()) return Truncated("address maps are truncated");
  layout->address_maps = std::move(maps);
  return absl::OkStatus();
}

}  // namespace kiln::wasm
