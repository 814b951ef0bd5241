#include "kiln/cache/artifact_store.h"

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache_test_util.h"
#include "gtest/gtest.h"
#include "kiln/cache/disk_tier.h"
#include "kiln/cache/local_artifact_store.h"
#include "kiln/cache/memory_tier.h"

namespace kiln::cache {
namespace {

using testing::FileExists;
using testing::ScratchDir;
using testing::SealedBlob;
using testing::TestKey;

class ArtifactStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto memory = std::make_unique<MemoryTier>(1 << 20);
    absl::StatusOr<std::unique_ptr<DiskTier>> disk =
        DiskTier::Open(DiskTierOptions{.root = dir_.path(), .budget_bytes = 1 << 20});
    ASSERT_TRUE(disk.ok()) << disk.status();
    memory_ = memory.get();
    disk_ = disk->get();
    std::vector<std::unique_ptr<ArtifactTier>> tiers;
    tiers.push_back(std::move(memory));
    tiers.push_back(*std::move(disk));
    store_ = std::make_unique<ArtifactStore>(std::move(tiers));
  }

  ScratchDir dir_;
  MemoryTier* memory_ = nullptr;
  DiskTier* disk_ = nullptr;
  std::unique_ptr<ArtifactStore> store_;
};

TEST_F(ArtifactStoreTest, PutStoresInEveryTier) {
  Blob blob = SealedBlob(1000, 1);
  ASSERT_TRUE(store_->Put(TestKey(1), blob).ok());
  EXPECT_EQ(memory_->stats().entries, 1u);
  EXPECT_EQ(disk_->stats().entries, 1u);
  EXPECT_EQ(store_->Get(TestKey(1)), blob);  // From memory: the same buffer.
  EXPECT_EQ(memory_->stats().hits, 1u);
  EXPECT_EQ(disk_->stats().hits, 0u);
}

TEST_F(ArtifactStoreTest, HitInASlowerTierIsPromoted) {
  Blob blob = SealedBlob(1000, 2);
  ASSERT_TRUE(disk_->Put(TestKey(2), blob).ok());
  Blob got = store_->Get(TestKey(2));
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(*got, *blob);
  EXPECT_EQ(memory_->stats().misses, 1u);
  EXPECT_EQ(disk_->stats().hits, 1u);
  EXPECT_EQ(memory_->stats().entries, 1u);
  // The next Get is served by memory.
  EXPECT_EQ(store_->Get(TestKey(2)), got);
  EXPECT_EQ(memory_->stats().hits, 1u);
  EXPECT_EQ(disk_->stats().hits, 1u);
}

TEST_F(ArtifactStoreTest, ATierFailingToStoreIsReportedWhileOthersStore) {
  // The disk tier refuses unsealed blobs; memory takes anything.
  auto unsealed = std::make_shared<const std::vector<uint8_t>>(100, 7);
  const absl::Status status = store_->Put(TestKey(3), unsealed);
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_TRUE(std::string(status.message()).starts_with("disk tier: ")) << status;
  EXPECT_EQ(memory_->stats().entries, 1u);
  EXPECT_EQ(disk_->stats().entries, 0u);
  EXPECT_EQ(store_->Get(TestKey(3)), unsealed);
  EXPECT_FALSE(store_->Put(TestKey(3), nullptr).ok());
}

TEST_F(ArtifactStoreTest, RemoveDropsFromEveryTier) {
  ASSERT_TRUE(store_->Put(TestKey(4), SealedBlob(500, 4)).ok());
  store_->Remove(TestKey(4));
  EXPECT_EQ(memory_->stats().entries, 0u);
  EXPECT_EQ(disk_->stats().entries, 0u);
  EXPECT_FALSE(FileExists(disk_->EntryPath(TestKey(4))));
  EXPECT_EQ(store_->Get(TestKey(4)), nullptr);
}

TEST_F(ArtifactStoreTest, GetOrComputeComputesOnceThenHits) {
  int computes = 0;
  Blob blob = SealedBlob(800, 5);
  auto compute = [&]() -> absl::StatusOr<Blob> {
    ++computes;
    return blob;
  };
  absl::StatusOr<ArtifactStore::Lookup> first = store_->GetOrCompute(TestKey(5), compute);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->cache_hit);
  EXPECT_FALSE(first->shared);
  EXPECT_EQ(first->blob, blob);
  EXPECT_EQ(disk_->stats().entries, 1u);

  absl::StatusOr<ArtifactStore::Lookup> second = store_->GetOrCompute(TestKey(5), compute);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->cache_hit);
  EXPECT_FALSE(second->shared);
  EXPECT_EQ(computes, 1);

  // Removed (say, made by an incompatible compiler): computed again.
  store_->Remove(TestKey(5));
  absl::StatusOr<ArtifactStore::Lookup> third = store_->GetOrCompute(TestKey(5), compute);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->cache_hit);
  EXPECT_EQ(computes, 2);

  const ArtifactStoreStats stats = store_->stats();
  EXPECT_EQ(stats.computes, 2u);
  EXPECT_EQ(stats.compute_errors, 0u);
  EXPECT_EQ(stats.in_flight, 0u);
  ASSERT_EQ(stats.tiers.size(), 2u);
  EXPECT_EQ(stats.tiers[0].name, "memory");
  EXPECT_EQ(stats.tiers[1].name, "disk");
  EXPECT_EQ(stats.tiers[1].stats.entries, 1u);
}

TEST_F(ArtifactStoreTest, ComputeErrorsAreReturnedButNotCached) {
  int computes = 0;
  auto failing = [&]() -> absl::StatusOr<Blob> {
    ++computes;
    return absl::InvalidArgumentError("type mismatch at offset 17");
  };
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<ArtifactStore::Lookup> lookup = store_->GetOrCompute(TestKey(6), failing);
    EXPECT_TRUE(absl::IsInvalidArgument(lookup.status())) << lookup.status();
    EXPECT_EQ(lookup.status().message(), "type mismatch at offset 17");
  }
  EXPECT_EQ(computes, 3);
  EXPECT_EQ(store_->stats().compute_errors, 3u);
  EXPECT_EQ(store_->Get(TestKey(6)), nullptr);

  absl::StatusOr<ArtifactStore::Lookup> null_result =
      store_->GetOrCompute(TestKey(6), []() -> absl::StatusOr<Blob> { return Blob(); });
  EXPECT_TRUE(absl::IsInternal(null_result.status())) << null_result.status();
}

TEST_F(ArtifactStoreTest, StoreFailureDoesNotFailTheCompute) {
  auto unsealed = std::make_shared<const std::vector<uint8_t>>(100, 1);
  absl::StatusOr<ArtifactStore::Lookup> lookup =
      store_->GetOrCompute(TestKey(7), [&]() -> absl::StatusOr<Blob> { return unsealed; });
  ASSERT_TRUE(lookup.ok()) << lookup.status();
  EXPECT_EQ(lookup->blob, unsealed);
  EXPECT_EQ(store_->stats().store_errors, 1u);
}

TEST_F(ArtifactStoreTest, AlreadyCancelledCallerDoesNotCompute) {
  bool computed = false;
  absl::StatusOr<ArtifactStore::Lookup> lookup = store_->GetOrCompute(
      TestKey(8),
      [&]() -> absl::StatusOr<Blob> {
        computed = true;
        return SealedBlob(100, 8);
      },
      [] { return true; });
  EXPECT_TRUE(absl::IsCancelled(lookup.status())) << lookup.status();
  EXPECT_FALSE(computed);
  EXPECT_EQ(store_->stats().computes, 0u);
}

TEST(LocalArtifactStoreTest, OpensMemoryOverDisk) {
  ScratchDir dir;
  absl::StatusOr<std::unique_ptr<ArtifactStore>> store =
      OpenLocalArtifactStore(dir.Sub("kiln"), 1 << 20, 1 << 16);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_EQ((*store)->tiers().size(), 2u);
  EXPECT_EQ((*store)->tiers()[0]->name(), "memory");
  EXPECT_EQ((*store)->tiers()[1]->name(), "disk");
  ASSERT_TRUE((*store)->Put(TestKey(1), SealedBlob(100, 1)).ok());
  EXPECT_TRUE(FileExists(dir.Sub("kiln")));

  absl::StatusOr<std::unique_ptr<ArtifactStore>> disk_only =
      OpenLocalArtifactStore(dir.Sub("kiln"), 1 << 20, 0);
  ASSERT_TRUE(disk_only.ok());
  ASSERT_EQ((*disk_only)->tiers().size(), 1u);
  EXPECT_NE((*disk_only)->Get(TestKey(1)), nullptr);

  testing::WriteFile(dir.Sub("file"), {0});
  EXPECT_FALSE(OpenLocalArtifactStore(dir.Sub("file"), 1 << 20, 0).ok());
}

// Sets environment variables for one test and puts the old values back.
class ScopedEnv {
 public:
  void Set(const char* name, const char* value) {
    const char* old = std::getenv(name);
    saved_.push_back({name, old ? std::optional<std::string>(old) : std::nullopt});
    if (value == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) {
        ::setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        ::unsetenv(it->first.c_str());
      }
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(DefaultCacheDirTest, FollowsXdgThenHome) {
  ScopedEnv env;
  env.Set("HOME", "/home/kiln-user");
  env.Set("XDG_CACHE_HOME", "/var/cache/someone");
  EXPECT_EQ(DefaultCacheDir(), "/var/cache/someone/kiln");
  env.Set("XDG_CACHE_HOME", "");
  EXPECT_EQ(DefaultCacheDir(), "/home/kiln-user/.cache/kiln");
  env.Set("XDG_CACHE_HOME", "relative/cache");  // The XDG spec says to ignore it.
  EXPECT_EQ(DefaultCacheDir(), "/home/kiln-user/.cache/kiln");
  env.Set("XDG_CACHE_HOME", nullptr);
  EXPECT_EQ(DefaultCacheDir(), "/home/kiln-user/.cache/kiln");
  // No HOME: the password database's home, which is absolute.
  env.Set("HOME", nullptr);
  const std::string fallback = DefaultCacheDir();
  if (!fallback.empty()) {
    EXPECT_EQ(fallback.front(), '/');
    EXPECT_TRUE(fallback.ends_with("/.cache/kiln")) << fallback;
  }
}

}  // namespace
}  // namespace kiln::cache
