// kiln/cache/local_artifact_store.h — the usual cache of one machine: a
// memory tier in front of a disk tier in the user's cache folder.
//
// Used by `kiln` in local mode and by kilnd when no other layout is
// configured. Several processes may share the folder (see disk_tier.h).
#ifndef KILN_CACHE_LOCAL_ARTIFACT_STORE_H_
#define KILN_CACHE_LOCAL_ARTIFACT_STORE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kiln/cache/artifact_store.h"

namespace kiln::cache {

// $XDG_CACHE_HOME/kiln when XDG_CACHE_HOME is set to an absolute path (the
// XDG spec says to ignore relative ones), else $HOME/.cache/kiln, else the
// password database's home for this user plus /.cache/kiln. Empty when no
// home folder can be found: callers should then run without a disk cache
// rather than guess a shared place such as /tmp, where another user could
// plant executable code.
std::string DefaultCacheDir();

// A memory tier of `memory_bytes` (none when 0) over a disk tier in `dir`
// holding at most `disk_budget_bytes`. Fails when the folder cannot be
// created or opened.
absl::StatusOr<std::unique_ptr<ArtifactStore>> OpenLocalArtifactStore(const std::string& dir,
                                                                      uint64_t disk_budget_bytes,
                                                                      uint64_t memory_bytes);

}  // namespace kiln::cache

#endif  // KILN_CACHE_LOCAL_ARTIFACT_STORE_H_
