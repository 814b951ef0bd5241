// kiln/wasm/artifact_format.h — the framing of a serialized artifact (.kart).
//
// An artifact is one self-contained file with everything a runtime needs to
// load a compiled module and nothing else. jit/ writes it
// (kiln/jit/artifact_writer.h) and runtime/ reads it (kiln/runtime/artifact.h);
// the framing they share is here. All integers are little-endian.
//
//   offset 0   magic "KILNART\0"
//          8   u32 format version (kArtifactFormatVersion)
//         12   u32 section count
//         16   u64 file size (the whole artifact, digest included)
//         24   u64 offset of the signature block
//         32   string Kiln version, string compiler fingerprint
//              (a string is a u32 length and that many bytes)
//              section table: per section {u32 kind, u32 zero, u64 offset, u64 size}
//              section payloads, each at a 16-byte aligned offset, zero padded
//   signature  u32 length and that many bytes: empty until the shared cache
//              tier signs artifacts (the slot exists from the first format on)
//   digest     the last 32 bytes: SHA-256 of every byte before them
//
// The magic and format version stay at their offsets in every future
// format, so any Kiln can tell a newer artifact from a corrupt one.
#ifndef KILN_WASM_ARTIFACT_FORMAT_H_
#define KILN_WASM_ARTIFACT_FORMAT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/wasm/code_image.h"
#include "kiln/crypto/sha256.h"

namespace kiln::wasm {

inline constexpr std::string_view kArtifactMagic{"KILNART\0", 8};
inline constexpr uint32_t kArtifactFormatVersion = 3;
inline constexpr size_t kArtifactDigestSize = crypto::kSha256Size;

enum class ArtifactSectionKind : uint32_t {
  // The module's declarations as a WebAssembly binary: every section of the
  // compiled module but custom ones (the "name" section stays, for
  // backtraces), with each function body replaced by an empty one. The runtime reads it with the same decoder as any module, and
  // no function body travels with the code.
  kModule = 1,
  // u32 text size, u32 defined function count, per function {u32 code
  // offset, u32 code size}, u32 type count, per type {u32 entry trampoline,
  // u32 exit trampoline} (CodeImage::kNoTrampoline when none).
  kCodeLayout = 2,
  // CodeImage::bytes: text, then read-only data.
  kCode = 3,
  // Per defined function, its AddressMap: u32 entry count, per entry {u32
  // code offset, u32 wasm offset, u32 inlined begin, u32 inlined count},
  // u32 inlined frame count, per frame {u32 function index, u32 wasm
  // offset}. Optional: without it, backtraces have no offsets.
  kAddressMaps = 4,
};

struct ArtifactSection {
  ArtifactSectionKind kind;
  std::span<const uint8_t> bytes;
};

// A whole artifact file made of `sections`, sealed with its digest.
std::vector<uint8_t> FrameArtifact(std::string_view kiln_version, std::string_view fingerprint,
                                   std::span<const ArtifactSection> sections);

// An artifact's header, with views of its sections into the file's bytes.
struct ArtifactFrame {
  uint32_t format_version = 0;
  std::string kiln_version;
  std::string fingerprint;
  std::vector<ArtifactSection> sections;
  std::span<const uint8_t> signature;
  crypto::Sha256Digest digest{};

  // The section of `kind`, or an empty span when there is none.
  std::span<const uint8_t> section(ArtifactSectionKind kind) const;
};

// Checks, in this order, and refuses with an error that says which:
//   not an artifact (no magic)                       INVALID_ARGUMENT
//   another format version                            FAILED_PRECONDITION
//   truncated, or with bytes past its end             DATA_LOSS
//   a header or section table pointing outside it     DATA_LOSS
//   a digest that does not match the bytes            DATA_LOSS
absl::StatusOr<ArtifactFrame> UnframeArtifact(std::span<const uint8_t> bytes);

// The contents of a kCodeLayout section: where the image's functions and
// trampolines are (CodeImage without its code bytes and relocations, which
// were resolved when the image was laid out).
struct CodeLayout {
  uint32_t text_size = 0;
  std::vector<uint32_t> function_offsets;  // per defined function
  std::vector<uint32_t> function_sizes;
  std::vector<uint32_t> entry_trampolines;  // per type index
  std::vector<uint32_t> exit_trampolines;
  std::vector<AddressMap> address_maps;     // per defined function, or none
};

std::vector<uint8_t> EncodeCodeLayout(const CodeImage& image);
std::vector<uint8_t> EncodeAddressMaps(const CodeImage& image);
// Fills layout->address_maps from a kAddressMaps section; DATA_LOSS unless
// it has one map per function of `layout`, each inside its function's code.
absl::Status DecodeAddressMaps(std::span<const uint8_t> bytes, CodeLayout* layout);
// Checks that every function and trampoline lies inside the text of a
// `code_size`-byte image whose text is page aligned; DATA_LOSS otherwise.
absl::StatusOr<CodeLayout> DecodeCodeLayout(std::span<const uint8_t> bytes, size_t code_size);

// Whether `bytes` start like an artifact (as opposed to a wasm module).
bool HasArtifactMagic(std::span<const uint8_t> bytes);

}  // namespace kiln::wasm

#endif  // KILN_WASM_ARTIFACT_FORMAT_H_
