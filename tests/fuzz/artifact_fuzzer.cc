// libFuzzer targets: mutated serialized artifacts (.kart) into the loader.
// Built twice (tests/fuzz/CMakeLists.txt):
//
// artifact_load_fuzzer — the input is loaded as it is. The contract,
// "a mutated artifact is refused or runs identically", is checked
// literally: InspectArtifact and Module::LoadArtifact either refuse it with
// a status of their contract (kiln/runtime/artifact.h, module.h), or load
// it; an artifact that loads and is byte-identical to a reference artifact
// (reference_modules.h) must then run exactly as the reference module
// compiled in-process does (same results, same traps, export by export).
// Blind mutations nearly all stop at the digest; this target is about that
// door, and about the framing checks in front of it.
//
// artifact_reseal_fuzzer (KILN_FUZZ_RESEAL) — after mutation, the input's
// file-size field and its SHA-256 trailer are recomputed (ResealArtifact,
// with the real digest function), so that mutations reach the structural
// checks behind the digest: section table, code layout, address maps, the
// module's declarations. A sealed artifact is trusted as executable code
// (DESIGN.md: a host loads only artifacts it made or that carry a trusted
// signature), so a resealed one with different code, layout or
// declarations may legitimately run garbage machine code: it is loaded and
// inspected but not run. The contract checked is that the parsers never
// crash, hang or over-allocate, and refuse within their error contract;
// a resealed artifact whose code, layout and declarations are unchanged
// (its header strings, section table, address maps or signature slot were
// mutated) and that loads must run identically to its reference — traps
// included, whose backtraces read the mutated address maps.
//
// The seed corpus is the reference artifacts: with KILN_FUZZ_WRITE_SEEDS=DIR
// in the environment the fuzzer writes them to DIR and exits
// (scripts/fuzz.sh does this).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "fuzz_harness.h"
#include "kiln/crypto/sha256.h"
#include "kiln/jit/artifact_writer.h"
#include "kiln/jit/compiler.h"
#include "kiln/runtime/artifact.h"
#include "kiln/runtime/module.h"
#include "kiln/wasm/artifact_format.h"
#include "kiln/wasm/decoder.h"
#include "reference_modules.h"

namespace {

using kiln::fuzz::ContractBroken;

struct Reference {
  std::string name;
  std::vector<uint8_t> artifact;
  kiln::wasm::ArtifactFrame frame;  // views into `artifact`
  kiln::fuzz::RunOutcome outcome;   // of the module compiled in-process
};

std::vector<Reference>& References() {
  static std::vector<Reference>* const references = new std::vector<Reference>();
  return *references;
}

void BuildReferences() {
  kiln::jit::CompilerOptions options;
  options.opt_level = kiln::jit::OptLevel::kO2;  // inlining: address maps with inlined frames
  absl::StatusOr<std::unique_ptr<kiln::jit::Compiler>> compiler =
      kiln::jit::Compiler::Create(options);
  if (!compiler.ok()) ContractBroken("cannot create the compiler", compiler.status());
  kiln::runtime::Engine& engine = kiln::fuzz::FuzzEngine();
  for (kiln::fuzz::ReferenceModule& module : kiln::fuzz::ReferenceModules()) {
    absl::StatusOr<kiln::wasm::CodeImage> image;
    {
      absl::StatusOr<kiln::wasm::Module> decoded =
          kiln::wasm::DecodeAndValidate(module.wasm, kiln::fuzz::SmallLimits());
      if (!decoded.ok()) ContractBroken("a reference module is invalid", decoded.status());
      image = kiln::fuzz::CompileSerially(**compiler, *decoded);
    }
    if (!image.ok()) ContractBroken("a reference module did not compile", image.status());
    absl::StatusOr<std::vector<uint8_t>> artifact = kiln::jit::WriteArtifact(module.wasm, *image);
    if (!artifact.ok()) ContractBroken("cannot write a reference artifact", artifact.status());
    absl::StatusOr<std::shared_ptr<const kiln::runtime::Module>> loaded =
        kiln::runtime::Module::Load(engine, module.wasm, *image);
    if (!loaded.ok()) ContractBroken("a reference module did not load", loaded.status());
    Reference& reference = References().emplace_back();
    reference.name = module.name;
    reference.artifact = *std::move(artifact);
    reference.outcome = kiln::fuzz::RunExports(*loaded);
  }
  // The frames point into the artifacts' bytes, which stay put from here.
  for (Reference& reference : References()) {
    absl::StatusOr<kiln::wasm::ArtifactFrame> frame =
        kiln::wasm::UnframeArtifact(reference.artifact);
    if (!frame.ok()) ContractBroken("a reference artifact does not unframe", frame.status());
    reference.frame = *std::move(frame);
  }
}

void WriteSeeds(const std::string& dir) {
  for (const Reference& reference : References()) {
    const std::string path = dir + "/" + reference.name + ".kart";
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(reference.artifact.data()),
              static_cast<std::streamsize>(reference.artifact.size()));
    std::fprintf(stderr, "%s: %s\n", reference.name.c_str(),
                 kiln::fuzz::DescribeOutcome(reference.outcome).c_str());
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      std::exit(1);
    }
  }
  std::fprintf(stderr, "wrote %zu seed artifacts to %s\n", References().size(), dir.c_str());
}

#ifdef KILN_FUZZ_RESEAL
// Makes `bytes` pass the framing's size and digest checks: the file-size
// field (offset 16) becomes the input's size, the last 32 bytes the SHA-256
// of all before them (kiln/wasm/artifact_format.h). Inputs too short to
// hold a header and a digest are left as they are.
void ResealArtifact(std::vector<uint8_t>& bytes) {
  constexpr size_t kFileSizeOffset = 16;
  constexpr size_t kHeaderSize = 32;
  if (bytes.size() < kHeaderSize + kiln::wasm::kArtifactDigestSize) return;
  const uint64_t size = bytes.size();
  for (size_t i = 0; i < 8; ++i) bytes[kFileSizeOffset + i] = static_cast<uint8_t>(size >> (8 * i));
  const size_t body = bytes.size() - kiln::wasm::kArtifactDigestSize;
  const kiln::crypto::Sha256Digest digest =
      kiln::crypto::Sha256::Of(std::span<const uint8_t>(bytes).first(body));
  std::copy(digest.begin(), digest.end(), bytes.begin() + static_cast<std::ptrdiff_t>(body));
}
#endif

bool SameBytes(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// The reference whose artifact the input is, or whose code, layout and
// declarations it has (`exact` false), or null.
const Reference* FindReference(std::span<const uint8_t> bytes, bool exact) {
  for (const Reference& reference : References()) {
    if (SameBytes(bytes, reference.artifact)) return &reference;
  }
  if (exact) return nullptr;
  absl::StatusOr<kiln::wasm::ArtifactFrame> frame = kiln::wasm::UnframeArtifact(bytes);
  if (!frame.ok()) return nullptr;
  using Kind = kiln::wasm::ArtifactSectionKind;
  for (const Reference& reference : References()) {
    bool same = true;
    for (Kind kind : {Kind::kModule, Kind::kCode, Kind::kCodeLayout}) {
      same = same && SameBytes(frame->section(kind), reference.frame.section(kind));
    }
    if (same) return &reference;
  }
  return nullptr;
}

void CheckRefusal(const char* what, const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:     // not an artifact; declarations malformed
    case absl::StatusCode::kFailedPrecondition:  // another format, Kiln, fingerprint or CPU
    case absl::StatusCode::kDataLoss:            // truncated, corrupt, digest mismatch
      return;
    case absl::StatusCode::kResourceExhausted:   // no memory to map its code
      if (std::string(what) == "load") return;
      [[fallthrough]];
    default:
      ContractBroken(what, status);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  BuildReferences();
  if (const char* dir = std::getenv("KILN_FUZZ_WRITE_SEEDS")) {
    WriteSeeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
#ifdef KILN_FUZZ_RESEAL
  ResealArtifact(bytes);
  constexpr bool kResealed = true;
#else
  constexpr bool kResealed = false;
#endif
  absl::StatusOr<kiln::runtime::ArtifactInfo> info = kiln::runtime::InspectArtifact(bytes);
  if (!info.ok()) CheckRefusal("inspect", info.status());
  absl::StatusOr<std::shared_ptr<const kiln::runtime::Module>> module =
      kiln::runtime::Module::LoadArtifact(kiln::fuzz::FuzzEngine(), bytes);
  if (!module.ok()) {
    CheckRefusal("load", module.status());
    return 0;
  }
  if (!info.ok()) ContractBroken("loaded an artifact that inspect refused", info.status());
  const Reference* reference = FindReference(bytes, /*exact=*/!kResealed);
  // Blind: only an intact artifact gets past the digest. One that is no
  // reference's is someone's genuine artifact (a seed from elsewhere): it
  // runs, with only the runtime's own checks. Resealed: code nobody
  // compiled is not run.
  if (reference == nullptr) {
    if (!kResealed) kiln::fuzz::RunExports(*module);
    return 0;
  }
  const kiln::fuzz::RunOutcome outcome = kiln::fuzz::RunExports(*module);
  if (!kiln::fuzz::SameOutcome(outcome, reference->outcome)) {
    std::fprintf(stderr, "artifact of reference \"%s\" runs differently:\n  loaded:    %s\n  reference: %s\n",
                 reference->name.c_str(), kiln::fuzz::DescribeOutcome(outcome).c_str(),
                 kiln::fuzz::DescribeOutcome(reference->outcome).c_str());
    ContractBroken("a loaded artifact did not run identically", absl::OkStatus());
  }
  return 0;
}
