#include "kiln/cache/local_artifact_store.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>
#include <vector>

#include "kiln/cache/disk_tier.h"
#include "kiln/cache/memory_tier.h"

namespace kiln::cache {
namespace {

std::string HomeDir() {
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') return home;
  std::vector<char> buffer(16384);
  struct passwd entry;
  struct passwd* found = nullptr;
  if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
      found != nullptr && found->pw_dir != nullptr && found->pw_dir[0] == '/') {
    return found->pw_dir;
  }
  return {};
}

}  // namespace

std::string DefaultCacheDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    std::string dir = xdg;
    dir += "/kiln";
    return dir;
  }
  std::string home = HomeDir();
  if (home.empty()) return {};
  home += "/.cache/kiln";
  return home;
}

absl::StatusOr<std::unique_ptr<ArtifactStore>> OpenLocalArtifactStore(const std::string& dir,
                                                                      uint64_t disk_budget_bytes,
                                                                      uint64_t memory_bytes) {
  absl::StatusOr<std::unique_ptr<DiskTier>> disk =
      DiskTier::Open(DiskTierOptions{.root = dir, .budget_bytes = disk_budget_bytes});
  if (!disk.ok()) return disk.status();
  std::vector<std::unique_ptr<ArtifactTier>> tiers;
  if (memory_bytes > 0) tiers.push_back(std::make_unique<MemoryTier>(memory_bytes));
  tiers.push_back(*std::move(disk));
  return std::make_unique<ArtifactStore>(std::move(tiers));
}

}  // namespace kiln::cache
