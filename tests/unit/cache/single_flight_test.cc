// ArtifactStore::GetOrCompute under concurrency: one compute per key, its
// outcome shared with every waiter, and cancellation that only ever affects
// the caller who cancelled. The tests wait for states (a compute running, N
// callers waiting), never for durations, and assert nothing about timing.
#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "cache_test_util.h"
#include "gtest/gtest.h"
#include "kiln/cache/artifact_store.h"
#include "kiln/cache/disk_tier.h"
#include "kiln/cache/memory_tier.h"

namespace kiln::cache {
namespace {

using testing::ScratchDir;
using testing::SealedBlob;
using testing::TestKey;

using Result = absl::StatusOr<ArtifactStore::Lookup>;

// Polls `condition` until it holds; false if it still does not after a very
// long time, so that a broken build fails instead of hanging.
bool WaitFor(const std::function<bool()>& condition) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

class SingleFlightTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<DiskTier>> disk =
        DiskTier::Open(DiskTierOptions{.root = dir_.path(), .budget_bytes = 64 << 20});
    ASSERT_TRUE(disk.ok()) << disk.status();
    std::vector<std::unique_ptr<ArtifactTier>> tiers;
    tiers.push_back(std::make_unique<MemoryTier>(64 << 20));
    tiers.push_back(*std::move(disk));
    store_ = std::make_unique<ArtifactStore>(std::move(tiers));
  }

  // A blob unlike any other compute's, so that two computes of one key could
  // not go unnoticed by comparing bytes.
  Blob FreshBlob() { return SealedBlob(512, nonce_.fetch_add(1) + 1'000'000); }

  ScratchDir dir_;
  std::unique_ptr<ArtifactStore> store_;
  std::atomic<uint64_t> nonce_{0};
};

TEST_F(SingleFlightTest, EachKeyIsComputedOnceAndEveryoneGetsTheSameBytes) {
  constexpr int kThreads = 16;
  constexpr int kKeys = 8;
  constexpr int kRounds = 25;
  constexpr int kIds = kKeys * kRounds;  // Fresh keys each round.
  std::array<std::atomic<int>, kIds> computes{};
  std::vector<std::vector<Blob>> results(kThreads, std::vector<Blob>(kIds));
  std::barrier round_start(kThreads);

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(static_cast<unsigned>(t));
      for (int round = 0; round < kRounds; ++round) {
        std::array<int, kKeys> order;
        for (int k = 0; k < kKeys; ++k) order[k] = k;
        std::shuffle(order.begin(), order.end(), random);
        round_start.arrive_and_wait();
        for (int k : order) {
          const int id = round * kKeys + k;
          Result result = store_->GetOrCompute(TestKey(10'000 + id), [&]() -> absl::StatusOr<Blob> {
            computes[id].fetch_add(1);
            // Long enough that other threads arrive while it runs.
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            return FreshBlob();
          });
          // No ASSERT here: a thread leaving early would strand the others at
          // the barrier.
          if (result.ok()) {
            results[t][id] = result->blob;
          } else {
            ADD_FAILURE() << result.status();
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  for (int id = 0; id < kIds; ++id) {
    EXPECT_EQ(computes[id].load(), 1) << "key " << id;
    for (int t = 0; t < kThreads; ++t) {
      ASSERT_NE(results[t][id], nullptr);
      EXPECT_EQ(*results[t][id], *results[0][id]) << "key " << id << " thread " << t;
    }
  }
  const ArtifactStoreStats stats = store_->stats();
  EXPECT_EQ(stats.computes, static_cast<uint64_t>(kIds));
  EXPECT_EQ(stats.in_flight, 0u);
  EXPECT_EQ(stats.compute_errors, 0u);
}

TEST_F(SingleFlightTest, AnErrorReachesEveryWaiterOfThatFlightAndIsNotCached) {
  const CacheKey key = TestKey(1);
  absl::Notification release;
  std::atomic<int> computes{0};
  Result leader_result;
  std::thread leader([&] {
    leader_result = store_->GetOrCompute(key, [&]() -> absl::StatusOr<Blob> {
      computes.fetch_add(1);
      release.WaitForNotification();
      return absl::InvalidArgumentError("unknown function 7");
    });
  });
  ASSERT_TRUE(WaitFor([&] { return store_->stats().in_flight == 1; }));

  constexpr int kWaiters = 6;
  std::vector<Result> results(kWaiters);
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&, i] {
      std::function<bool()> never_cancelled;
      if (i % 2 == 0) never_cancelled = [] { return false; };  // Some poll, some block.
      results[i] = store_->GetOrCompute(
          key,
          [&]() -> absl::StatusOr<Blob> {
            computes.fetch_add(1);
            return FreshBlob();
          },
          never_cancelled);
    });
  }
  ASSERT_TRUE(WaitFor([&] { return store_->stats().shared_waits == kWaiters; }));
  release.Notify();
  leader.join();
  for (std::thread& waiter : waiters) waiter.join();

  EXPECT_EQ(computes.load(), 1);
  EXPECT_TRUE(absl::IsInvalidArgument(leader_result.status())) << leader_result.status();
  for (const Result& result : results) {
    EXPECT_TRUE(absl::IsInvalidArgument(result.status())) << result.status();
    EXPECT_EQ(result.status().message(), "unknown function 7");
  }
  EXPECT_EQ(store_->stats().compute_errors, 1u);

  // Not cached: the next request computes.
  Result later = store_->GetOrCompute(key, [&]() -> absl::StatusOr<Blob> {
    computes.fetch_add(1);
    return FreshBlob();
  });
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_FALSE(later->cache_hit);
  EXPECT_EQ(computes.load(), 2);
}

TEST_F(SingleFlightTest, ACancelledWaiterLeavesTheLeaderAndOtherWaitersAlone) {
  const CacheKey key = TestKey(2);
  absl::Notification release;
  std::atomic<int> computes{0};
  Result leader_result;
  std::thread leader([&] {
    leader_result = store_->GetOrCompute(key, [&]() -> absl::StatusOr<Blob> {
      computes.fetch_add(1);
      release.WaitForNotification();
      return FreshBlob();
    });
  });
  ASSERT_TRUE(WaitFor([&] { return store_->stats().in_flight == 1; }));

  auto never_called = [&]() -> absl::StatusOr<Blob> {
    computes.fetch_add(1);
    return FreshBlob();
  };
  std::atomic<bool> give_up{false};
  Result quitter, patient, blocking;
  std::thread quitter_thread(
      [&] { quitter = store_->GetOrCompute(key, never_called, [&] { return give_up.load(); }); });
  std::thread patient_thread(
      [&] { patient = store_->GetOrCompute(key, never_called, [] { return false; }); });
  std::thread blocking_thread([&] { blocking = store_->GetOrCompute(key, never_called); });
  ASSERT_TRUE(WaitFor([&] { return store_->stats().shared_waits == 3; }));

  give_up = true;
  // It returns while the leader is still computing.
  quitter_thread.join();
  EXPECT_TRUE(absl::IsCancelled(quitter.status())) << quitter.status();
  EXPECT_EQ(store_->stats().in_flight, 1u);

  release.Notify();
  leader.join();
  patient_thread.join();
  blocking_thread.join();
  ASSERT_TRUE(leader_result.ok()) << leader_result.status();
  EXPECT_FALSE(leader_result->shared);
  for (const Result* result : {&patient, &blocking}) {
    ASSERT_TRUE(result->ok()) << result->status();
    EXPECT_TRUE((*result)->shared);
    EXPECT_FALSE((*result)->cache_hit);
    EXPECT_EQ(*(*result)->blob, *leader_result->blob);
  }
  EXPECT_EQ(computes.load(), 1);
}

// A memory tier that runs a hook after each miss, to stall a caller between
// its lookup and its joining (or leading) a flight.
class MissHookTier final : public ArtifactTier {
 public:
  std::string_view name() const override { return "hooked"; }
  Blob Get(const CacheKey& key) override {
    Blob blob = inner_.Get(key);
    if (blob == nullptr && on_miss) on_miss();
    return blob;
  }
  absl::Status Put(const CacheKey& key, Blob blob) override { return inner_.Put(key, blob); }
  void Remove(const CacheKey& key) override { inner_.Remove(key); }
  TierStats stats() const override { return inner_.stats(); }

  std::function<void()> on_miss;  // Set before any concurrent use.

 private:
  MemoryTier inner_{1 << 20};
};

TEST(SingleFlightRaceTest, ALookupOvertakenByAFinishingFlightDoesNotComputeAgain) {
  auto owned = std::make_unique<MissHookTier>();
  MissHookTier* tier = owned.get();
  std::vector<std::unique_ptr<ArtifactTier>> tiers;
  tiers.push_back(std::move(owned));
  ArtifactStore store(std::move(tiers));
  const CacheKey key = TestKey(4);
  std::atomic<int> computes{0};
  auto compute_after = [&](absl::Notification* go) {
    return [&computes, go]() -> absl::StatusOr<Blob> {
      computes.fetch_add(1);
      if (go != nullptr) go->WaitForNotification();
      return SealedBlob(100, 4);
    };
  };

  absl::Notification leader_may_finish;
  Result leader_result;
  std::thread leader(
      [&] { leader_result = store.GetOrCompute(key, compute_after(&leader_may_finish)); });
  ASSERT_TRUE(WaitFor([&] { return store.stats().in_flight == 1; }));

  // The late caller misses while the leader computes, then stalls until the
  // leader has stored its result and left; only then does it look for a
  // flight to join, and finds none.
  absl::Notification missed, leader_gone;
  std::atomic<bool> stalled{false};
  tier->on_miss = [&] {
    if (stalled.exchange(true)) return;  // Only the first miss stalls.
    missed.Notify();
    leader_gone.WaitForNotification();
  };
  Result late_result;
  std::thread late([&] { late_result = store.GetOrCompute(key, compute_after(nullptr)); });
  missed.WaitForNotification();
  leader_may_finish.Notify();
  leader.join();
  leader_gone.Notify();
  late.join();

  ASSERT_TRUE(leader_result.ok()) << leader_result.status();
  ASSERT_TRUE(late_result.ok()) << late_result.status();
  EXPECT_EQ(computes.load(), 1);
  EXPECT_TRUE(late_result->cache_hit);
  EXPECT_EQ(*late_result->blob, *leader_result->blob);
}

class LeaderGivesUpTest : public SingleFlightTest,
                          public ::testing::WithParamInterface<absl::StatusCode> {};

TEST_P(LeaderGivesUpTest, AWaiterTakesOverInsteadOfInheritingIt) {
  const CacheKey key = TestKey(3);
  absl::Notification release;
  std::atomic<int> computes{0};
  Result leader_result;
  std::thread leader([&] {
    leader_result = store_->GetOrCompute(key, [&]() -> absl::StatusOr<Blob> {
      computes.fetch_add(1);
      release.WaitForNotification();
      return absl::Status(GetParam(), "the leader's client went away");
    });
  });
  ASSERT_TRUE(WaitFor([&] { return store_->stats().in_flight == 1; }));

  constexpr int kWaiters = 4;
  std::vector<Result> results(kWaiters);
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&, i] {
      results[i] = store_->GetOrCompute(key, [&]() -> absl::StatusOr<Blob> {
        computes.fetch_add(1);
        return FreshBlob();
      });
    });
  }
  ASSERT_TRUE(WaitFor([&] { return store_->stats().shared_waits == kWaiters; }));
  release.Notify();
  leader.join();
  for (std::thread& waiter : waiters) waiter.join();

  EXPECT_EQ(leader_result.status().code(), GetParam());
  // One waiter became the new leader; the others shared its result or found
  // it stored.
  EXPECT_EQ(computes.load(), 2);
  int new_leaders = 0;
  for (const Result& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(*result->blob, *results[0]->blob);
    if (!result->shared && !result->cache_hit) ++new_leaders;
  }
  EXPECT_EQ(new_leaders, 1);
  const ArtifactStoreStats stats = store_->stats();
  EXPECT_EQ(stats.compute_cancellations, 1u);
  EXPECT_EQ(stats.compute_errors, 0u);
  EXPECT_EQ(stats.computes, 2u);
}

INSTANTIATE_TEST_SUITE_P(CancelledOrDeadline, LeaderGivesUpTest,
                         ::testing::Values(absl::StatusCode::kCancelled,
                                           absl::StatusCode::kDeadlineExceeded));

}  // namespace
}  // namespace kiln::cache
