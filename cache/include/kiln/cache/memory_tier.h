// kiln/cache/memory_tier.h — an in-process LRU tier bounded in bytes.
//
// Holds blobs by reference: a hit costs a lock and a pointer copy, no bytes
// are copied. The sum of the stored blobs' sizes never exceeds the capacity;
// storing past it evicts the least recently used entries (Get and Put both
// count as use). A blob larger than the whole capacity is not stored (Put
// returns OK and counts it as `oversized`), rather than flushing everything
// else for an entry that could not stay anyway.
//
// Memory held by blobs that were evicted but are still referenced by callers
// is not counted: the bound is on what the tier keeps alive, not on the
// process's memory.
//
// Thread-safe. Blobs are not checked for a seal: the memory tier only ever
// holds what this process Put, so it cannot be damaged behind its back.
#ifndef KILN_CACHE_MEMORY_TIER_H_
#define KILN_CACHE_MEMORY_TIER_H_

#include <cstdint>
#include <list>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "kiln/cache/artifact_tier.h"
#include "kiln/cache/cache_key.h"

namespace kiln::cache {

class MemoryTier final : public ArtifactTier {
 public:
  explicit MemoryTier(uint64_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  std::string_view name() const override { return "memory"; }
  Blob Get(const CacheKey& key) override;
  // INVALID_ARGUMENT for a null blob.
  absl::Status Put(const CacheKey& key, Blob blob) override;
  void Remove(const CacheKey& key) override;
  TierStats stats() const override;

  uint64_t capacity_bytes() const { return capacity_bytes_; }

 private:
  struct Entry {
    CacheKey key;
    Blob blob;
  };
  using Lru = std::list<Entry>;  // Most recently used first.

  void EraseLocked(Lru::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const uint64_t capacity_bytes_;
  mutable absl::Mutex mu_;
  Lru lru_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<CacheKey, Lru::iterator> index_ ABSL_GUARDED_BY(mu_);
  TierStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kiln::cache

#endif  // KILN_CACHE_MEMORY_TIER_H_
