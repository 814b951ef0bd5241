// kiln/cache/artifact_store.h — the artifact cache as Kiln uses it: ordered
// tiers plus single-flight compiles.
//
// An ArtifactStore asks its tiers in order, fastest first (memory, disk, ...).
// A hit in a later tier is copied into the earlier ones (promotion), so the
// next request is served by the fastest tier. Put stores into every tier; a
// tier that fails is reported, and the others still store.
//
// GetOrCompute is the entry point for compiles. For each key at most one
// compute runs at a time in this process: the first caller that misses (the
// leader) runs `compute` on its own thread and stores an OK result in every
// tier; callers that arrive meanwhile wait for that result instead of
// compiling the same module again (`shared`). Then:
//   - An error from compute (e.g. an invalid module) is delivered to every
//     waiter of that flight but not cached: a later request computes again.
//   - A leader whose compute returns CANCELLED or DEADLINE_EXCEEDED gave up
//     for its own caller's reasons. Waiters do not inherit that; one of them
//     becomes the new leader and computes.
//   - A waiter whose `cancelled()` turns true stops waiting within a few
//     milliseconds and gets CANCELLED; the leader and the other waiters are
//     not affected.
// Failing to store a computed result is not an error for the caller (the
// blob is good; only caching failed); it is counted in `store_errors`.
//
// Thread-safe. The tiers are owned by the store and must outlive every call.
#ifndef KILN_CACHE_ARTIFACT_STORE_H_
#define KILN_CACHE_ARTIFACT_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kiln/cache/artifact_tier.h"
#include "kiln/cache/cache_key.h"

namespace kiln::cache {

struct ArtifactStoreStats {
  struct Tier {
    std::string name;
    TierStats stats;
  };
  std::vector<Tier> tiers;  // In lookup order.
  uint64_t computes = 0;    // compute calls started.
  // compute calls that returned an error other than a cancellation.
  uint64_t compute_errors = 0;
  // compute calls that returned CANCELLED or DEADLINE_EXCEEDED.
  uint64_t compute_cancellations = 0;
  uint64_t shared_waits = 0;  // Callers that waited for another caller's flight.
  uint64_t store_errors = 0;  // Computed results some tier failed to store.
  uint64_t in_flight = 0;     // compute calls running now.
};

class ArtifactStore {
 public:
  struct Lookup {
    Blob blob;
    // Found in a tier (by this caller, or by the leader it waited for).
    bool cache_hit = false;
    // This caller waited for another caller's flight instead of looking up or
    // computing itself.
    bool shared = false;
  };

  explicit ArtifactStore(std::vector<std::unique_ptr<ArtifactTier>> tiers);
  ~ArtifactStore();
  ArtifactStore(const ArtifactStore&) = delete;
  ArtifactStore& operator=(const ArtifactStore&) = delete;

  // The first tier's blob for `key`, promoted into the tiers before it, or
  // nullptr when no tier has it.
  Blob Get(const CacheKey& key);

  // Stores into every tier. The first tier error, prefixed with the tier's
  // name, when some tier failed (the others still stored).
  absl::Status Put(const CacheKey& key, Blob blob);

  // Drops the entry from every tier, e.g. because a consumer found it
  // unusable (made by an incompatible compiler); the next request recomputes.
  void Remove(const CacheKey& key);

  // The cached blob for `key`, or the result of `compute` (see the top of
  // this file for how concurrent callers share one compute). `compute` must
  // return a non-null blob or an error. `cancelled`, when given, is polled
  // while waiting for another caller's compute. A caller that becomes the
  // leader with `cancelled()` already true returns CANCELLED without
  // computing (a waiter takes over).
  absl::StatusOr<Lookup> GetOrCompute(const CacheKey& key,
                                      absl::FunctionRef<absl::StatusOr<Blob>()> compute,
                                      std::function<bool()> cancelled = {});

  ArtifactStoreStats stats() const;

  const std::vector<std::unique_ptr<ArtifactTier>>& tiers() const { return tiers_; }

 private:
  struct Flight;
  class FlightLeader;

  const std::vector<std::unique_ptr<ArtifactTier>> tiers_;

  absl::Mutex mu_;
  absl::flat_hash_map<CacheKey, std::shared_ptr<Flight>> flights_ ABSL_GUARDED_BY(mu_);
  // Bumped after each flight has stored its result and left flights_; a
  // caller that saw no change since its own lookup knows no flight's result
  // can have appeared in the tiers meanwhile.
  std::atomic<uint64_t> flights_finished_{0};

  std::atomic<uint64_t> computes_{0};
  std::atomic<uint64_t> compute_errors_{0};
  std::atomic<uint64_t> compute_cancellations_{0};
  std::atomic<uint64_t> shared_waits_{0};
  std::atomic<uint64_t> store_errors_{0};
  std::atomic<uint64_t> in_flight_{0};
};

}  // namespace kiln::cache

#endif  // KILN_CACHE_ARTIFACT_STORE_H_
