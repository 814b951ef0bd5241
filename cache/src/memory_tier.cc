#include "kiln/cache/memory_tier.h"

#include <utility>

namespace kiln::cache {

Blob MemoryTier::Get(const CacheKey& key) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  ++stats_.hits;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->blob;
}

absl::Status MemoryTier::Put(const CacheKey& key, Blob blob) {
  if (blob == nullptr) return absl::InvalidArgumentError("memory tier: null blob");
  const uint64_t size = blob->size();
  absl::MutexLock lock(&mu_);
  if (size > capacity_bytes_) {
    ++stats_.oversized;
    return absl::OkStatus();
  }
  if (auto it = index_.find(key); it != index_.end()) EraseLocked(it->second);
  lru_.push_front(Entry{key, std::move(blob)});
  index_.emplace(key, lru_.begin());
  ++stats_.entries;
  stats_.bytes += size;
  // The new entry is at the front and fits alone, so this stops before it.
  while (stats_.bytes > capacity_bytes_) {
    EraseLocked(std::prev(lru_.end()));
    ++stats_.evictions;
  }
  return absl::OkStatus();
}

void MemoryTier::Remove(const CacheKey& key) {
  absl::MutexLock lock(&mu_);
  if (auto it = index_.find(key); it != index_.end()) EraseLocked(it->second);
}

TierStats MemoryTier::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void MemoryTier::EraseLocked(Lru::iterator it) {
  --stats_.entries;
  stats_.bytes -= it->blob->size();
  index_.erase(it->key);
  lru_.erase(it);
}

}  // namespace kiln::cache
