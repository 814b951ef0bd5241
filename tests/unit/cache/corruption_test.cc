// A damaged disk entry must never be served: every single-byte change and
// every truncation is a miss that deletes the file, and the store then
// recomputes the artifact.
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "cache_test_util.h"
#include "gtest/gtest.h"
#include "kiln/cache/artifact_store.h"
#include "kiln/cache/disk_tier.h"
#include "kiln/cache/sealed_blob.h"

namespace kiln::cache {
namespace {

using testing::FileExists;
using testing::ReadFile;
using testing::ScratchDir;
using testing::SealedBlob;
using testing::TestKey;
using testing::WriteFile;

class CorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<DiskTier>> disk =
        DiskTier::Open(DiskTierOptions{.root = dir_.path(), .budget_bytes = 1 << 20});
    ASSERT_TRUE(disk.ok()) << disk.status();
    disk_ = disk->get();
    std::vector<std::unique_ptr<ArtifactTier>> tiers;
    tiers.push_back(*std::move(disk));
    // Disk only: a memory tier in front would serve the good copy.
    store_ = std::make_unique<ArtifactStore>(std::move(tiers));
  }

  // Damages the stored entry with `damage`, then checks that the disk tier
  // refuses it and that GetOrCompute recomputes a good one in its place.
  template <typename Damage>
  void ExpectRejectedAndRecomputed(const std::string& what, Damage damage) {
    SCOPED_TRACE(what);
    const std::string path = disk_->EntryPath(key_);
    ASSERT_TRUE(FileExists(path));
    std::vector<uint8_t> bytes = ReadFile(path);
    damage(bytes);
    ASSERT_FALSE(IsSealed(bytes));
    WriteFile(path, bytes);

    const uint64_t corrupt_before = disk_->stats().corrupt;
    EXPECT_EQ(disk_->Get(key_), nullptr);
    EXPECT_FALSE(FileExists(path));
    EXPECT_EQ(disk_->stats().corrupt, corrupt_before + 1);
    EXPECT_EQ(disk_->stats().entries, 0u);

    // Damage it again (the file is gone now: write the damaged bytes back),
    // this time finding it through the store.
    WriteFile(path, bytes);
    int computes = 0;
    absl::StatusOr<ArtifactStore::Lookup> lookup =
        store_->GetOrCompute(key_, [&]() -> absl::StatusOr<Blob> {
          ++computes;
          return blob_;
        });
    ASSERT_TRUE(lookup.ok()) << lookup.status();
    EXPECT_EQ(computes, 1);
    EXPECT_FALSE(lookup->cache_hit);
    EXPECT_EQ(*lookup->blob, *blob_);
    EXPECT_EQ(disk_->stats().corrupt, corrupt_before + 2);
    // The recomputed entry replaced the damaged file.
    EXPECT_EQ(ReadFile(path), *blob_);
  }

  ScratchDir dir_;
  DiskTier* disk_ = nullptr;
  std::unique_ptr<ArtifactStore> store_;
  const CacheKey key_ = TestKey(42);
  const Blob blob_ = SealedBlob(300, 42);
};

TEST_F(CorruptionTest, EveryFlippedByteIsRejected) {
  ASSERT_TRUE(store_->Put(key_, blob_).ok());
  for (size_t offset = 0; offset < blob_->size(); ++offset) {
    for (uint8_t pattern : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
      ExpectRejectedAndRecomputed(
          "offset " + std::to_string(offset) + " xor " + std::to_string(pattern),
          [&](std::vector<uint8_t>& bytes) { bytes[offset] ^= pattern; });
      if (HasFatalFailure()) return;
    }
  }
}

TEST_F(CorruptionTest, EveryTruncationIsRejected) {
  ASSERT_TRUE(store_->Put(key_, blob_).ok());
  for (size_t length : std::vector<size_t>{0, 1, 16, 31, 32, 33, 150, 267, 268, 269, 298, 299}) {
    ExpectRejectedAndRecomputed("truncated to " + std::to_string(length),
                                [&](std::vector<uint8_t>& bytes) { bytes.resize(length); });
    if (HasFatalFailure()) return;
  }
}

TEST_F(CorruptionTest, AppendedBytesAreRejected) {
  ASSERT_TRUE(store_->Put(key_, blob_).ok());
  ExpectRejectedAndRecomputed("one byte appended",
                              [](std::vector<uint8_t>& bytes) { bytes.push_back(0); });
  ExpectRejectedAndRecomputed("doubled", [](std::vector<uint8_t>& bytes) {
    const std::vector<uint8_t> copy = bytes;
    bytes.insert(bytes.end(), copy.begin(), copy.end());
  });
}

TEST_F(CorruptionTest, ADifferentSealedBlobUnderTheKeyIsServed) {
  // The seal says "whole", not "the right artifact": a consumer that finds an
  // entry unusable (e.g. a foreign compiler's) removes it through the store.
  ASSERT_TRUE(store_->Put(key_, blob_).ok());
  Blob other = SealedBlob(300, 43);
  WriteFile(disk_->EntryPath(key_), *other);
  Blob got = store_->Get(key_);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(*got, *other);
  store_->Remove(key_);
  EXPECT_FALSE(FileExists(disk_->EntryPath(key_)));
  EXPECT_EQ(store_->Get(key_), nullptr);
}

}  // namespace
}  // namespace kiln::cache
