// kiln/cache/artifact_tier.h — one level of the artifact cache.
//
// A tier maps CacheKeys to immutable blobs (serialized artifacts). Tiers are
// caches, not stores of record: any tier may drop any entry at any time
// (eviction, corruption, another process), so a miss is always a legal
// answer and callers must be able to recompute. A hit, however, must return
// exactly the bytes that were Put under that key, or nothing: a tier that
// cannot vouch for an entry's integrity reports a miss.
//
// Blobs are shared, immutable and reference-counted: a tier hands out the
// same buffer to many readers, and eviction never invalidates a blob already
// handed out.
//
// Every implementation is thread-safe: all methods may be called at once from
// any number of threads.
#ifndef KILN_CACHE_ARTIFACT_TIER_H_
#define KILN_CACHE_ARTIFACT_TIER_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "kiln/cache/cache_key.h"

namespace kiln::cache {

using Blob = std::shared_ptr<const std::vector<uint8_t>>;

// Counters since the tier was created (hits .. oversized) and its current
// contents (entries, bytes). Sizes are blob sizes, not disk blocks.
struct TierStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
  // Entries found damaged on read (and dropped). Always 0 for tiers that
  // cannot be damaged behind their back, such as memory.
  uint64_t corrupt = 0;
  // Puts not stored because the blob alone is over the tier's capacity.
  uint64_t oversized = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

class ArtifactTier {
 public:
  virtual ~ArtifactTier() = default;

  // A short stable name for stats and errors ("memory", "disk").
  virtual std::string_view name() const = 0;

  // The blob stored under `key`, or nullptr on a miss.
  virtual Blob Get(const CacheKey& key) = 0;

  // Stores `blob` under `key`, replacing any entry there. OK also when the
  // tier chose not to keep it (e.g. larger than its capacity): caching is
  // best effort. An error means the tier could not store it and says why.
  virtual absl::Status Put(const CacheKey& key, Blob blob) = 0;

  // Drops the entry, if any. Used when a consumer finds an entry unusable
  // (e.g. made by an incompatible compiler) so that it is recomputed.
  virtual void Remove(const CacheKey& key) = 0;

  virtual TierStats stats() const = 0;
};

}  // namespace kiln::cache

#endif  // KILN_CACHE_ARTIFACT_TIER_H_
