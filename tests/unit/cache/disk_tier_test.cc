#include "kiln/cache/disk_tier.h"

#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cache_test_util.h"
#include "gtest/gtest.h"
#include "kiln/cache/sealed_blob.h"

namespace kiln::cache {
namespace {

using testing::FileExists;
using testing::ReadFile;
using testing::ScratchDir;
using testing::SealedBlob;
using testing::SealedBytes;
using testing::SetMtime;
using testing::TestKey;
using testing::WriteFile;

std::unique_ptr<DiskTier> OpenTier(const std::string& root, uint64_t budget = uint64_t{1} << 30) {
  absl::StatusOr<std::unique_ptr<DiskTier>> tier =
      DiskTier::Open(DiskTierOptions{.root = root, .budget_bytes = budget});
  EXPECT_TRUE(tier.ok()) << tier.status();
  return tier.ok() ? *std::move(tier) : nullptr;
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

int64_t NowSeconds() { return static_cast<int64_t>(::time(nullptr)); }

TEST(DiskTierTest, PutThenGet) {
  ScratchDir dir;
  std::unique_ptr<DiskTier> tier = OpenTier(dir.path());
  ASSERT_NE(tier, nullptr);
  EXPECT_EQ(tier->name(), "disk");
  EXPECT_EQ(tier->Get(TestKey(1)), nullptr);

  Blob blob = SealedBlob(5000, 1);
  ASSERT_TRUE(tier->Put(TestKey(1), blob).ok());
  Blob got = tier->Get(TestKey(1));
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(*got, *blob);
  EXPECT_EQ(tier->Get(TestKey(2)), nullptr);

  const TierStats stats = tier->stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ(stats.bytes, 5000u);
  EXPECT_EQ(stats.corrupt, 0u);
}

TEST(DiskTierTest, CreatesMissingRootWithParents) {
  ScratchDir dir;
  const std::string root = dir.Sub("a/b/c");
  std::unique_ptr<DiskTier> tier = OpenTier(root);
  ASSERT_NE(tier, nullptr);
  struct stat st;
  ASSERT_EQ(::stat(root.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(DiskTierTest, EntriesAreShardedFilesHoldingTheBlob) {
  ScratchDir dir;
  std::unique_ptr<DiskTier> tier = OpenTier(dir.path());
  ASSERT_NE(tier, nullptr);
  const CacheKey key = TestKey(7);
  Blob blob = SealedBlob(1234, 7);
  ASSERT_TRUE(tier->Put(key, blob).ok());

  const std::string hex = key.ToHex();
  const std::string expected = dir.path() + "/" + hex.substr(0, 2) + "/" + hex + ".kart";
  EXPECT_EQ(tier->EntryPath(key), expected);
  EXPECT_EQ(ReadFile(expected), *blob);
  // Only the shard folder at the root, only the entry in it: no temporary
  // file is left behind.
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{hex.substr(0, 2)});
  EXPECT_EQ(ListDir(dir.Sub(hex.substr(0, 2))), std::vector<std::string>{hex + ".kart"});
}

TEST(DiskTierTest, RefusesUnsealedAndNullBlobs) {
  ScratchDir dir;
  std::unique_ptr<DiskTier> tier = OpenTier(dir.path());
  ASSERT_NE(tier, nullptr);
  std::vector<uint8_t> bytes = SealedBytes(500, 3);
  bytes[10] ^= 0xff;
  const absl::Status status =
      tier->Put(TestKey(3), std::make_shared<const std::vector<uint8_t>>(bytes));
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_FALSE(FileExists(tier->EntryPath(TestKey(3))));
  EXPECT_TRUE(absl::IsInvalidArgument(tier->Put(TestKey(3), nullptr)));
  EXPECT_TRUE(absl::IsInvalidArgument(
      tier->Put(TestKey(3), std::make_shared<const std::vector<uint8_t>>(10, 0))));
  EXPECT_EQ(tier->stats().entries, 0u);
}

TEST(DiskTierTest, PersistsAcrossReopen) {
  ScratchDir dir;
  std::vector<Blob> blobs;
  {
    std::unique_ptr<DiskTier> tier = OpenTier(dir.path());
    ASSERT_NE(tier, nullptr);
    for (uint64_t i = 0; i < 20; ++i) {
      blobs.push_back(SealedBlob(100 + i * 50, i));
      ASSERT_TRUE(tier->Put(TestKey(i), blobs.back()).ok());
    }
  }
  std::unique_ptr<DiskTier> tier = OpenTier(dir.path());
  ASSERT_NE(tier, nullptr);
  uint64_t total = 0;
  for (const Blob& blob : blobs) total += blob->size();
  EXPECT_EQ(tier->open_report().entries, 20u);
  EXPECT_EQ(tier->stats().entries, 20u);
  EXPECT_EQ(tier->stats().bytes, total);
  for (uint64_t i = 0; i < 20; ++i) {
    Blob got = tier->Get(TestKey(i));
    ASSERT_NE(got, nullptr) << i;
    EXPECT_EQ(*got, *blobs[i]);
  }
}

TEST(DiskTierTest, PutReplacesAndRemoveDeletes) {
  ScratchDir dir;
  std::unique_ptr<DiskTier> tier = OpenTier(dir.path());
  ASSERT_NE(tier, nullptr);
  ASSERT_TRUE(tier->Put(TestKey(1), SealedBlob(300, 1)).ok());
  Blob second = SealedBlob(200, 2);
  ASSERT_TRUE(tier->Put(TestKey(1), second).ok());
  EXPECT_EQ(*tier->Get(TestKey(1)), *second);
  EXPECT_EQ(tier->stats().entries, 1u);
  EXPECT_EQ(tier->stats().bytes, 200u);

  tier->Remove(TestKey(1));
  tier->Remove(TestKey(2));
  EXPECT_FALSE(FileExists(tier->EntryPath(TestKey(1))));
  EXPECT_EQ(tier->Get(TestKey(1)), nullptr);
  EXPECT_EQ(tier->stats().entries, 0u);
  EXPECT_EQ(tier->stats().bytes, 0u);
}

TEST(DiskTierTest, WriteErrorNamesThePathAndLeavesNoTemporaryFile) {
  ScratchDir dir;
  std::unique_ptr<DiskTier> tier = OpenTier(dir.path());
  ASSERT_NE(tier, nullptr);
  // A folder where the entry should go makes the final rename fail.
  const std::string path = tier->EntryPath(TestKey(1));
  const std::string shard = path.substr(0, path.rfind('/'));
  ASSERT_EQ(::mkdir(shard.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(path.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((path + "/x").c_str(), 0755), 0);  // Not empty: no rename over it.

  const absl::Status status = tier->Put(TestKey(1), SealedBlob(400, 1));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(path), absl::string_view::npos) << status;
  EXPECT_EQ(ListDir(shard), std::vector<std::string>{path.substr(path.rfind('/') + 1)});
  EXPECT_EQ(tier->stats().entries, 0u);
}

TEST(DiskTierTest, OpenFailsOnAFileInsteadOfAFolder) {
  ScratchDir dir;
  WriteFile(dir.Sub("file"), {1, 2, 3});
  absl::StatusOr<std::unique_ptr<DiskTier>> tier =
      DiskTier::Open(DiskTierOptions{.root = dir.Sub("file/cache"), .budget_bytes = 1000});
  ASSERT_FALSE(tier.ok());
  EXPECT_NE(tier.status().message().find(dir.Sub("file")), absl::string_view::npos)
      << tier.status();
  EXPECT_FALSE(DiskTier::Open(DiskTierOptions{.root = "", .budget_bytes = 1000}).ok());
}

TEST(DiskTierTest, BlobLargerThanBudgetIsNotStored) {
  ScratchDir dir;
  std::unique_ptr<DiskTier> tier = OpenTier(dir.path(), 1000);
  ASSERT_NE(tier, nullptr);
  ASSERT_TRUE(tier->Put(TestKey(1), SealedBlob(600, 1)).ok());
  EXPECT_TRUE(tier->Put(TestKey(2), SealedBlob(1001, 2)).ok());
  EXPECT_FALSE(FileExists(tier->EntryPath(TestKey(2))));
  EXPECT_NE(tier->Get(TestKey(1)), nullptr);
  EXPECT_EQ(tier->stats().oversized, 1u);
  EXPECT_EQ(tier->stats().evictions, 0u);
}

TEST(DiskTierTest, OpenIgnoresForeignFilesAndCleansOnlyStaleTemporaries) {
  ScratchDir dir;
  const CacheKey key = TestKey(1);
  const std::string hex = key.ToHex();
  const std::string shard = dir.Sub(hex.substr(0, 2));
  {
    std::unique_ptr<DiskTier> tier = OpenTier(dir.path());
    ASSERT_NE(tier, nullptr);
    ASSERT_TRUE(tier->Put(key, SealedBlob(300, 1)).ok());
  }
  const std::vector<uint8_t> sealed = SealedBytes(300, 9);
  // Things that are not entries, even if they look close.
  WriteFile(dir.Sub("README"), {'h', 'i'});
  WriteFile(shard + "/notes.txt", sealed);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  WriteFile(shard + "/" + upper + ".kart", sealed);
  WriteFile(shard + "/" + hex + ".kart.bak", sealed);
  std::string other_shard = hex;
  other_shard[0] = other_shard[0] == '0' ? '1' : '0';
  WriteFile(shard + "/" + other_shard + ".kart", sealed);  // In the wrong shard.
  ASSERT_EQ(::mkdir((shard + "/" + TestKey(2).ToHex() + ".kart").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(dir.Sub("zz").c_str(), 0755), 0);
  WriteFile(dir.Sub("zz") + "/" + hex + ".kart", sealed);
  // A dead writer's temporary file, and a live one's.
  const std::string stale = shard + "/.tmp-" + hex + "-1-stale";
  const std::string young = shard + "/.tmp-" + hex + "-2-young";
  WriteFile(stale, sealed);
  WriteFile(young, sealed);
  SetMtime(stale, NowSeconds() - 16 * 60);
  SetMtime(young, NowSeconds() - 60);

  std::unique_ptr<DiskTier> tier = OpenTier(dir.path());
  ASSERT_NE(tier, nullptr);
  EXPECT_EQ(tier->stats().entries, 1u);
  EXPECT_EQ(tier->stats().bytes, 300u);
  EXPECT_EQ(tier->open_report().stale_temp_removed, 1u);
  EXPECT_EQ(tier->open_report().ignored, 5u);  // Not counting zz/, never scanned.
  EXPECT_FALSE(FileExists(stale));
  EXPECT_TRUE(FileExists(young));
  EXPECT_TRUE(FileExists(shard + "/notes.txt"));
  EXPECT_NE(tier->Get(key), nullptr);
}

TEST(DiskTierTest, EvictsLeastRecentlyUsedToStayWithinBudget) {
  ScratchDir dir;
  constexpr uint64_t kEntry = 1000;
  std::unique_ptr<DiskTier> tier = OpenTier(dir.path(), 10 * kEntry);
  ASSERT_NE(tier, nullptr);
  for (uint64_t i = 0; i < 10; ++i) ASSERT_TRUE(tier->Put(TestKey(i), SealedBlob(kEntry, i)).ok());
  EXPECT_EQ(tier->stats().bytes, 10 * kEntry);
  EXPECT_EQ(tier->stats().evictions, 0u);

  // Keys 0 and 1 are touched, so 2 and 3 are now the least recently used.
  ASSERT_NE(tier->Get(TestKey(0)), nullptr);
  ASSERT_NE(tier->Get(TestKey(1)), nullptr);
  ASSERT_TRUE(tier->Put(TestKey(10), SealedBlob(kEntry, 10)).ok());
  ASSERT_TRUE(tier->Put(TestKey(11), SealedBlob(kEntry, 11)).ok());

  EXPECT_EQ(tier->stats().evictions, 2u);
  EXPECT_LE(tier->stats().bytes, 10 * kEntry);
  EXPECT_FALSE(FileExists(tier->EntryPath(TestKey(2))));
  EXPECT_FALSE(FileExists(tier->EntryPath(TestKey(3))));
  for (uint64_t i : {0, 1, 4, 5, 6, 7, 8, 9, 10, 11}) {
    EXPECT_TRUE(FileExists(tier->EntryPath(TestKey(i)))) << i;
  }

  // A bigger entry evicts as many as it needs.
  ASSERT_TRUE(tier->Put(TestKey(12), SealedBlob(3 * kEntry, 12)).ok());
  EXPECT_EQ(tier->stats().evictions, 5u);
  EXPECT_LE(tier->stats().bytes, 10 * kEntry);
  for (uint64_t i : {4, 5, 6}) EXPECT_FALSE(FileExists(tier->EntryPath(TestKey(i)))) << i;
  for (uint64_t i : {0, 1, 7, 8, 9, 10, 11, 12}) {
    EXPECT_TRUE(FileExists(tier->EntryPath(TestKey(i)))) << i;
  }
}

TEST(DiskTierTest, RestartKeepsLruOrderAndEnforcesTheBudget) {
  ScratchDir dir;
  constexpr uint64_t kEntry = 1000;
  {
    std::unique_ptr<DiskTier> tier = OpenTier(dir.path(), 100 * kEntry);
    ASSERT_NE(tier, nullptr);
    for (uint64_t i = 0; i < 10; ++i) {
      ASSERT_TRUE(tier->Put(TestKey(i), SealedBlob(kEntry, i)).ok());
    }
    // Puts a few milliseconds apart can share a file time (the kernel's
    // clock for them is coarse), so give each entry its own, half a second
    // apart: the nanoseconds decide every other comparison.
    const int64_t base = NowSeconds() - 3600;
    for (uint64_t i = 0; i < 10; ++i) {
      SetMtime(tier->EntryPath(TestKey(i)), base + static_cast<int64_t>(i / 2),
               static_cast<int64_t>(i % 2) * 500'000'000);
    }
  }
  {
    // Same budget: everything is indexed, nothing evicted.
    std::unique_ptr<DiskTier> tier = OpenTier(dir.path(), 100 * kEntry);
    ASSERT_NE(tier, nullptr);
    EXPECT_EQ(tier->stats().entries, 10u);
    EXPECT_EQ(tier->open_report().evicted, 0u);
    // A hit refreshes the file's mtime, so key 0 becomes the newest on disk.
    ASSERT_NE(tier->Get(TestKey(0)), nullptr);
  }
  {
    // A budget of 6 entries: the 4 oldest by mtime (1, 2, 3, 4) go.
    std::unique_ptr<DiskTier> tier = OpenTier(dir.path(), 6 * kEntry);
    ASSERT_NE(tier, nullptr);
    EXPECT_EQ(tier->open_report().evicted, 4u);
    EXPECT_EQ(tier->stats().entries, 6u);
    EXPECT_EQ(tier->stats().bytes, 6 * kEntry);
    for (uint64_t i : {1, 2, 3, 4}) EXPECT_FALSE(FileExists(tier->EntryPath(TestKey(i)))) << i;
    for (uint64_t i : {0, 5, 6, 7, 8, 9}) {
      EXPECT_TRUE(FileExists(tier->EntryPath(TestKey(i)))) << i;
    }
    // The rebuilt index continues in the same order: 5 is the oldest now.
    ASSERT_TRUE(tier->Put(TestKey(20), SealedBlob(kEntry, 20)).ok());
    EXPECT_FALSE(FileExists(tier->EntryPath(TestKey(5))));
    EXPECT_TRUE(FileExists(tier->EntryPath(TestKey(6))));
    EXPECT_LE(tier->stats().bytes, 6 * kEntry);
  }
}

TEST(DiskTierTest, TiersSharingAFolderSeeEachOthersEntries) {
  ScratchDir dir;
  std::unique_ptr<DiskTier> a = OpenTier(dir.path());
  std::unique_ptr<DiskTier> b = OpenTier(dir.path());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Blob blob = SealedBlob(700, 5);
  ASSERT_TRUE(a->Put(TestKey(5), blob).ok());
  // b never indexed it, but the file is there: a hit, now in b's index too.
  EXPECT_EQ(b->stats().entries, 0u);
  Blob got = b->Get(TestKey(5));
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(*got, *blob);
  EXPECT_EQ(b->stats().entries, 1u);
  EXPECT_EQ(b->stats().bytes, 700u);
  // a removes it: b's next Get misses and forgets it.
  a->Remove(TestKey(5));
  EXPECT_EQ(b->Get(TestKey(5)), nullptr);
  EXPECT_EQ(b->stats().entries, 0u);
  EXPECT_EQ(b->stats().corrupt, 0u);
}

TEST(DiskTierTest, ConcurrentPutsAndGetsOfTheSameKeys) {
  ScratchDir dir;
  std::unique_ptr<DiskTier> tier = OpenTier(dir.path(), 40 * 2000);
  ASSERT_NE(tier, nullptr);
  std::vector<Blob> blobs;
  for (uint64_t i = 0; i < 50; ++i) blobs.push_back(SealedBlob(1000 + i * 20, i));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 100; ++round) {
        const uint64_t i = static_cast<uint64_t>(t * 7 + round * 3) % blobs.size();
        if (round % 3 == 0) {
          EXPECT_TRUE(tier->Put(TestKey(i), blobs[i]).ok());
        } else if (Blob got = tier->Get(TestKey(i))) {
          EXPECT_EQ(*got, *blobs[i]);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(tier->stats().corrupt, 0u);
  EXPECT_LE(tier->stats().bytes, 40u * 2000);
  // Nothing but entries (no temporaries) is left in the shard folders.
  for (const std::string& shard : ListDir(dir.path())) {
    for (const std::string& name : ListDir(dir.Sub(shard))) {
      EXPECT_TRUE(DiskTier::IsEntryFileName(name)) << name;
    }
  }
}

}  // namespace
}  // namespace kiln::cache
