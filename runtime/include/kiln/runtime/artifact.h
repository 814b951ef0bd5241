// kiln/runtime/artifact.h — reading serialized artifacts (.kart files).
//
// Module::LoadArtifact loads one into an Engine; InspectArtifact describes
// one without loading it. Both check the framing first (magic, format
// version, size, digest: kiln/wasm/artifact_format.h), so a corrupt or
// truncated file is refused before any of it is used.
#ifndef KILN_RUNTIME_ARTIFACT_H_
#define KILN_RUNTIME_ARTIFACT_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/wasm/module.h"
#include "kiln/wasm/types.h"

namespace kiln::runtime {

struct ArtifactLoadOptions {
  // When set, the artifact's compiler fingerprint must equal it exactly: a
  // cache keyed by this fingerprint uses it to catch a foreign entry. When
  // empty, any artifact this Kiln version made whose code this host's CPU
  // can run is accepted (a fleet host running code compiled elsewhere for
  // a baseline CPU).
  std::string expected_fingerprint;
};

// What `kiln inspect` shows.
struct ArtifactInfo {
  struct Entry {
    std::string module;  // imports only
    std::string name;
    std::string kind;    // "function", "table", "memory", "global"
    std::string type;    // e.g. "[i32] -> [i64]", "mut i32", "min 1 max 2"
  };

  uint32_t format_version = 0;
  std::string kiln_version;
  std::string fingerprint;
  uint64_t size_bytes = 0;
  std::string digest;  // SHA-256, lowercase hex
  bool is_signed = false;
  uint32_t defined_functions = 0;
  uint32_t imported_functions = 0;
  uint32_t types = 0;
  uint64_t text_bytes = 0;  // executable code, trampolines included
  uint64_t read_only_bytes = 0;
  std::vector<Entry> imports;
  std::vector<Entry> exports;
};

// The declared type of entity `index` in `kind`'s index space of `module`,
// as ArtifactInfo::Entry::type spells it: "[i32] -> [i64]", "funcref min 1",
// "min 1 max 2" (a memory), "mut i32".
std::string EntityTypeText(const wasm::Module& module, wasm::ExternKind kind, uint32_t index);

// Refuses (as LoadArtifact would) anything that is not an intact artifact
// of a format this Kiln reads; artifacts of other Kiln versions or CPUs are
// described, not refused.
absl::StatusOr<ArtifactInfo> InspectArtifact(std::span<const uint8_t> bytes);

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_ARTIFACT_H_
