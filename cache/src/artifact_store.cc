#include "kiln/cache/artifact_store.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace kiln::cache {
namespace {

// How often a waiter with a cancellation callback looks at it. Short enough
// that a client's disconnect frees its thread promptly, long enough that a
// thousand waiters cost nothing measurable.
constexpr absl::Duration kCancelPollInterval = absl::Milliseconds(5);

bool LeaderGaveUp(const absl::Status& status) {
  return absl::IsCancelled(status) || absl::IsDeadlineExceeded(status);
}

}  // namespace

// One compute in progress for one key, and then its outcome. Waiters hold a
// reference, so the outcome outlives the flight's entry in flights_.
struct ArtifactStore::Flight {
  absl::Mutex mu;
  bool done ABSL_GUARDED_BY(mu) = false;
  // The leader gave up (its caller cancelled, or it never returned): waiters
  // must look again instead of taking its status.
  bool abandoned ABSL_GUARDED_BY(mu) = false;
  absl::Status status ABSL_GUARDED_BY(mu);
  Blob blob ABSL_GUARDED_BY(mu);
  bool cache_hit ABSL_GUARDED_BY(mu) = false;
};

// The leader's side of a flight. Whatever way the leader leaves (including
// an exception thrown through compute), the flight is finished exactly once,
// so no waiter is left waiting forever; by default as abandoned, which makes
// a waiter take over.
class ArtifactStore::FlightLeader {
 public:
  FlightLeader(ArtifactStore* store, const CacheKey& key, std::shared_ptr<Flight> flight)
      : store_(store), key_(key), flight_(std::move(flight)) {}
  ~FlightLeader() {
    if (computing_) store_->in_flight_.fetch_sub(1, std::memory_order_relaxed);
    if (!finished_) Finish(/*abandoned=*/true, absl::OkStatus(), nullptr, false);
  }
  FlightLeader(const FlightLeader&) = delete;
  FlightLeader& operator=(const FlightLeader&) = delete;

  void StartCompute() {
    computing_ = true;
    store_->computes_.fetch_add(1, std::memory_order_relaxed);
    store_->in_flight_.fetch_add(1, std::memory_order_relaxed);
  }
  void EndCompute() {
    computing_ = false;
    store_->in_flight_.fetch_sub(1, std::memory_order_relaxed);
  }

  void Publish(absl::Status status, Blob blob, bool cache_hit) {
    Finish(/*abandoned=*/false, std::move(status), std::move(blob), cache_hit);
  }
  void Abandon() { Finish(/*abandoned=*/true, absl::OkStatus(), nullptr, false); }

 private:
  void Finish(bool abandoned, absl::Status status, Blob blob, bool cache_hit) {
    finished_ = true;
    {
      absl::MutexLock lock(&store_->mu_);
      auto it = store_->flights_.find(key_);
      if (it != store_->flights_.end() && it->second == flight_) store_->flights_.erase(it);
      // Under mu_, so that a caller who becomes the next leader for this key
      // sees the bump and looks in the tiers again (see flights_finished_).
      store_->flights_finished_.fetch_add(1, std::memory_order_release);
    }
    absl::MutexLock lock(&flight_->mu);
    flight_->abandoned = abandoned;
    flight_->status = std::move(status);
    flight_->blob = std::move(blob);
    flight_->cache_hit = cache_hit;
    flight_->done = true;
  }

  ArtifactStore* const store_;
  const CacheKey key_;
  const std::shared_ptr<Flight> flight_;
  bool computing_ = false;
  bool finished_ = false;
};

ArtifactStore::ArtifactStore(std::vector<std::unique_ptr<ArtifactTier>> tiers)
    : tiers_(std::move(tiers)) {}

ArtifactStore::~ArtifactStore() = default;

Blob ArtifactStore::Get(const CacheKey& key) {
  for (size_t i = 0; i < tiers_.size(); ++i) {
    Blob blob = tiers_[i]->Get(key);
    if (blob == nullptr) continue;
    // Promotion is best effort: a faster tier that cannot take the blob
    // only means the next request is slower.
    for (size_t j = 0; j < i; ++j) tiers_[j]->Put(key, blob).IgnoreError();
    return blob;
  }
  return nullptr;
}

absl::Status ArtifactStore::Put(const CacheKey& key, Blob blob) {
  if (blob == nullptr) return absl::InvalidArgumentError("artifact store: null blob");
  absl::Status first_error;
  for (const std::unique_ptr<ArtifactTier>& tier : tiers_) {
    absl::Status status = tier->Put(key, blob);
    if (!status.ok() && first_error.ok()) {
      first_error = absl::Status(
          status.code(), absl::StrCat(std::string(tier->name()), " tier: ", status.message()));
    }
  }
  return first_error;
}

void ArtifactStore::Remove(const CacheKey& key) {
  for (const std::unique_ptr<ArtifactTier>& tier : tiers_) tier->Remove(key);
}

absl::StatusOr<ArtifactStore::Lookup> ArtifactStore::GetOrCompute(
    const CacheKey& key, absl::FunctionRef<absl::StatusOr<Blob>()> compute,
    std::function<bool()> cancelled) {
  for (;;) {
    const uint64_t finished_before_lookup = flights_finished_.load(std::memory_order_acquire);
    if (Blob blob = Get(key)) return Lookup{std::move(blob), /*cache_hit=*/true, /*shared=*/false};

    std::shared_ptr<Flight> flight;
    bool leading = false;
    {
      absl::MutexLock lock(&mu_);
      auto [it, inserted] = flights_.try_emplace(key);
      if (inserted) {
        it->second = std::make_shared<Flight>();
        leading = true;
      }
      flight = it->second;
    }

    if (leading) {
      FlightLeader leader(this, key, flight);
      // A flight for this key may have stored its result and left between our
      // lookup and our taking the lead; computing again would be wasted work.
      if (flights_finished_.load(std::memory_order_acquire) != finished_before_lookup) {
        if (Blob blob = Get(key)) {
          leader.Publish(absl::OkStatus(), blob, /*cache_hit=*/true);
          return Lookup{std::move(blob), /*cache_hit=*/true, /*shared=*/false};
        }
      }
      if (cancelled && cancelled()) {
        leader.Abandon();
        return absl::CancelledError(
            absl::StrCat("cancelled before computing artifact ", key.ToHex()));
      }
      leader.StartCompute();
      absl::StatusOr<Blob> result = compute();
      leader.EndCompute();
      if (result.ok() && *result == nullptr) {
        result = absl::InternalError("artifact store: compute returned a null blob");
      }
      if (!result.ok()) {
        if (LeaderGaveUp(result.status())) {
          compute_cancellations_.fetch_add(1, std::memory_order_relaxed);
          leader.Abandon();
        } else {
          compute_errors_.fetch_add(1, std::memory_order_relaxed);
          leader.Publish(result.status(), nullptr, /*cache_hit=*/false);
        }
        return result.status();
      }
      // Stored before publishing, so that whoever looks after this flight
      // has left flights_ finds the blob in the tiers.
      if (!Put(key, *result).ok()) store_errors_.fetch_add(1, std::memory_order_relaxed);
      leader.Publish(absl::OkStatus(), *result, /*cache_hit=*/false);
      return Lookup{*std::move(result), /*cache_hit=*/false, /*shared=*/false};
    }

    shared_waits_.fetch_add(1, std::memory_order_relaxed);
    const absl::Condition flight_done(&flight->done);
    if (cancelled) {
      // Poll the callback without holding the flight's lock: it is the
      // caller's code and may be slow or take locks of its own.
      while (!flight->mu.LockWhenWithTimeout(flight_done, kCancelPollInterval)) {
        flight->mu.Unlock();
        if (cancelled()) {
          return absl::CancelledError(absl::StrCat(
              "cancelled while waiting for another request's compile of ", key.ToHex()));
        }
      }
    } else {
      flight->mu.LockWhen(flight_done);
    }
    const bool abandoned = flight->abandoned;
    absl::Status status = flight->status;
    Blob blob = flight->blob;
    const bool cache_hit = flight->cache_hit;
    flight->mu.Unlock();

    if (abandoned) continue;  // Look again; maybe lead this time.
    if (!status.ok()) return status;
    return Lookup{std::move(blob), cache_hit, /*shared=*/true};
  }
}

ArtifactStoreStats ArtifactStore::stats() const {
  ArtifactStoreStats stats;
  for (const std::unique_ptr<ArtifactTier>& tier : tiers_) {
    stats.tiers.push_back({std::string(tier->name()), tier->stats()});
  }
  stats.computes = computes_.load(std::memory_order_relaxed);
  stats.compute_errors = compute_errors_.load(std::memory_order_relaxed);
  stats.compute_cancellations = compute_cancellations_.load(std::memory_order_relaxed);
  stats.shared_waits = shared_waits_.load(std::memory_order_relaxed);
  stats.store_errors = store_errors_.load(std::memory_order_relaxed);
  stats.in_flight = in_flight_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace kiln::cache
