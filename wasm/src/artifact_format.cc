#include "kiln/wasm/artifact_format.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "kiln/wasm/leb128.h"

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
  uint64_t Leb() {
    uint64_t value = 0;
    if (ok_ && ReadVarUnsigned<64>(bytes_.data(), position_, bytes_.size(), &value) != LebError::kOk) {
      ok_ = false;
    }
    return ok_ ? value : 0;
  }
  int64_t SignedLeb() {
    int64_t value = 0;
    if (ok_ && ReadVarSigned<64>(bytes_.data(), position_, bytes_.size(), &value) != LebError::kOk) {
      ok_ = false;
    }
    return ok_ ? value : 0;
  }
  size_t remaining() const { return position_ < bytes_.size() ? bytes_.size() - position_ : 0; }

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

// Address maps are most of a large artifact, so they are packed: LEB128s,
// each entry's code and wasm offsets as differences from the entry before
// it (the code offsets grow; the wasm offsets mostly move a little), and
// its inlined frames' start as the difference from where the entry before
// it ended.
std::vector<uint8_t> EncodeAddressMaps(const CodeImage& image) {
  size_t size = 0;
  for (const CompiledFunction& f : image.functions) {
    size += 12 + 6 * f.address_map.entries.size() + 5 * f.address_map.inlined.size();
  }
  std::vector<uint8_t> out;
  out.reserve(size);
  for (const CompiledFunction& f : image.functions) {
    const AddressMap& map = f.address_map;
    WriteVarUnsigned(out, map.body_offset);
    WriteVarUnsigned(out, map.entries.size());
    uint64_t code = 0;
    int64_t wasm = 0;
    int64_t next_inlined = 0;
    for (const AddressMapEntry& e : map.entries) {
      WriteVarUnsigned(out, e.code_offset - code);
      WriteVarSigned(out, int64_t{e.wasm_offset} - wasm);
      WriteVarSigned(out, int64_t{e.inlined_begin} - next_inlined);
      WriteVarUnsigned(out, e.inlined_count);
      code = e.code_offset;
      wasm = e.wasm_offset;
      next_inlined = int64_t{e.inlined_begin} + e.inlined_count;
    }
    WriteVarUnsigned(out, map.inlined.size());
    int64_t frame_wasm = 0;
    for (const WasmLocation& frame : map.inlined) {
      WriteVarUnsigned(out, frame.function_index);
      WriteVarSigned(out, int64_t{frame.wasm_offset} - frame_wasm);
      frame_wasm = frame.wasm_offset;
    }
  }
  return out;
}

absl::Status DecodeAddressMaps(std::span<const uint8_t> bytes, CodeLayout* layout) {
  Reader in(bytes, 0);
  std::vector<AddressMap> maps(layout->function_offsets.size());
  auto damaged = [](size_t f) {
    return Truncated(absl::StrCat("address map of defined function ", f, " is damaged"));
  };
  // A value decoded from differences must stay a u32.
  auto u32 = [](int64_t v) { return v >= 0 && v <= int64_t{UINT32_MAX}; };
  for (size_t f = 0; f < maps.size(); ++f) {
    AddressMap& map = maps[f];
    const uint64_t body_offset = in.Leb();
    const uint64_t entries = in.Leb();
    // Each entry takes at least four bytes: a hostile count allocates nothing.
    if (!in.ok() || body_offset > UINT32_MAX || entries > in.remaining() / 4) {
      return Truncated("address maps are truncated");
    }
    map.body_offset = static_cast<uint32_t>(body_offset);
    map.entries.reserve(entries);
    uint64_t code = 0;
    int64_t wasm = 0;
    int64_t next_inlined = 0;
    for (uint64_t i = 0; i < entries; ++i) {
      const uint64_t code_delta = in.Leb();
      wasm += in.SignedLeb();
      const int64_t inlined_begin = next_inlined + in.SignedLeb();
      const uint64_t inlined_count = in.Leb();
      const bool ordered = i == 0 || code_delta > 0;
      code += code_delta;
      if (!in.ok() || !ordered || code_delta >= layout->function_sizes[f] ||
          code >= layout->function_sizes[f] || !u32(wasm) || !u32(inlined_begin) ||
          inlined_count > UINT32_MAX) {
        return damaged(f);
      }
      AddressMapEntry e;
      e.code_offset = static_cast<uint32_t>(code);
      e.wasm_offset = static_cast<uint32_t>(wasm);
      e.inlined_begin = static_cast<uint32_t>(inlined_begin);
      e.inlined_count = static_cast<uint32_t>(inlined_count);
      next_inlined = inlined_begin + static_cast<int64_t>(inlined_count);
      map.entries.push_back(e);
    }
    const uint64_t inlined = in.Leb();
    // Each frame takes at least two bytes.
    if (!in.ok() || inlined > in.remaining() / 2) return Truncated("address maps are truncated");
    map.inlined.reserve(inlined);
    int64_t frame_wasm = 0;
    for (uint64_t i = 0; i < inlined; ++i) {
      const uint64_t function_index = in.Leb();
      frame_wasm += in.SignedLeb();
      if (!in.ok() || function_index > UINT32_MAX || !u32(frame_wasm)) return damaged(f);
      map.inlined.push_back(
          {static_cast<uint32_t>(function_index), static_cast<uint32_t>(frame_wasm)});
    }
    for (const AddressMapEntry& e : map.entries) {
      if (uint64_t{e.inlined_begin} + e.inlined_count > map.inlined.size()) return damaged(f);
    }
  }
  if (!in.ok() || in.position() != bytes.size()) return Truncated("address maps are truncated");
  layout->address_maps = std::move(maps);
  return absl::OkStatus();
}

}  // namespace kiln::wasm
