#include "kiln/cache/memory_tier.h"

#include <memory>
#include <vector>

#include "cache_test_util.h"
#include "gtest/gtest.h"

namespace kiln::cache {
namespace {

using testing::SealedBlob;
using testing::TestKey;

Blob Bytes(size_t size, uint8_t fill) {
  return std::make_shared<const std::vector<uint8_t>>(size, fill);
}

TEST(MemoryTierTest, GetReturnsWhatWasPut) {
  MemoryTier tier(1000);
  EXPECT_EQ(tier.name(), "memory");
  EXPECT_EQ(tier.Get(TestKey(1)), nullptr);
  Blob blob = SealedBlob(100, 1);
  ASSERT_TRUE(tier.Put(TestKey(1), blob).ok());
  EXPECT_EQ(tier.Get(TestKey(1)), blob);  // The same buffer, not a copy.
  const TierStats stats = tier.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ(stats.bytes, 100u);
}

TEST(MemoryTierTest, EvictsLeastRecentlyUsedWithinTheByteBound) {
  MemoryTier tier(300);
  ASSERT_TRUE(tier.Put(TestKey(1), Bytes(100, 1)).ok());
  ASSERT_TRUE(tier.Put(TestKey(2), Bytes(100, 2)).ok());
  ASSERT_TRUE(tier.Put(TestKey(3), Bytes(100, 3)).ok());
  // Key 1 is now the most recently used, so key 2 goes first.
  ASSERT_NE(tier.Get(TestKey(1)), nullptr);
  ASSERT_TRUE(tier.Put(TestKey(4), Bytes(100, 4)).ok());
  EXPECT_EQ(tier.Get(TestKey(2)), nullptr);
  EXPECT_NE(tier.Get(TestKey(1)), nullptr);
  EXPECT_NE(tier.Get(TestKey(3)), nullptr);
  EXPECT_NE(tier.Get(TestKey(4)), nullptr);
  // Order now (newest first): 4, 3, 1. A 250-byte blob leaves room for no
  // 100-byte entry, so all three go, oldest first.
  ASSERT_TRUE(tier.Put(TestKey(5), Bytes(250, 5)).ok());
  EXPECT_EQ(tier.Get(TestKey(1)), nullptr);
  EXPECT_EQ(tier.Get(TestKey(3)), nullptr);
  EXPECT_EQ(tier.Get(TestKey(4)), nullptr);
  EXPECT_NE(tier.Get(TestKey(5)), nullptr);
  const TierStats stats = tier.stats();
  EXPECT_EQ(stats.evictions, 4u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ(stats.bytes, 250u);
}

TEST(MemoryTierTest, StaysWithinCapacityUnderManyPuts) {
  MemoryTier tier(10'000);
  for (uint64_t i = 0; i < 500; ++i) {
    ASSERT_TRUE(tier.Put(TestKey(i), Bytes(37 + (i * 131) % 900, 0)).ok());
    ASSERT_LE(tier.stats().bytes, 10'000u);
  }
  EXPECT_NE(tier.Get(TestKey(499)), nullptr);
}

TEST(MemoryTierTest, BlobLargerThanCapacityIsNotStored) {
  MemoryTier tier(100);
  ASSERT_TRUE(tier.Put(TestKey(1), Bytes(60, 1)).ok());
  ASSERT_TRUE(tier.Put(TestKey(2), Bytes(101, 2)).ok());
  EXPECT_EQ(tier.Get(TestKey(2)), nullptr);
  // Nothing else was flushed for it.
  EXPECT_NE(tier.Get(TestKey(1)), nullptr);
  const TierStats stats = tier.stats();
  EXPECT_EQ(stats.oversized, 1u);
  EXPECT_EQ(stats.evictions, 0u);
  // Exactly the capacity fits.
  ASSERT_TRUE(tier.Put(TestKey(3), Bytes(100, 3)).ok());
  EXPECT_NE(tier.Get(TestKey(3)), nullptr);
  EXPECT_EQ(tier.stats().bytes, 100u);
}

TEST(MemoryTierTest, PutReplacesAndRemoveDrops) {
  MemoryTier tier(1000);
  ASSERT_TRUE(tier.Put(TestKey(1), Bytes(100, 1)).ok());
  Blob replacement = Bytes(40, 9);
  ASSERT_TRUE(tier.Put(TestKey(1), replacement).ok());
  EXPECT_EQ(tier.Get(TestKey(1)), replacement);
  EXPECT_EQ(tier.stats().entries, 1u);
  EXPECT_EQ(tier.stats().bytes, 40u);
  tier.Remove(TestKey(1));
  tier.Remove(TestKey(2));  // Absent: nothing happens.
  EXPECT_EQ(tier.Get(TestKey(1)), nullptr);
  EXPECT_EQ(tier.stats().entries, 0u);
  EXPECT_EQ(tier.stats().bytes, 0u);
  EXPECT_FALSE(tier.Put(TestKey(1), nullptr).ok());
}

TEST(MemoryTierTest, EvictedBlobStaysValidForItsHolder) {
  MemoryTier tier(100);
  ASSERT_TRUE(tier.Put(TestKey(1), Bytes(100, 7)).ok());
  Blob held = tier.Get(TestKey(1));
  ASSERT_TRUE(tier.Put(TestKey(2), Bytes(100, 8)).ok());
  EXPECT_EQ(tier.Get(TestKey(1)), nullptr);
  ASSERT_EQ(held->size(), 100u);
  EXPECT_EQ((*held)[99], 7);
}

}  // namespace
}  // namespace kiln::cache
