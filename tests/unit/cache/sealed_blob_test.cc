#include "kiln/cache/sealed_blob.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kiln/cache/cache_key.h"

namespace kiln::cache {
namespace {

std::string SealHex(const std::vector<uint8_t>& sealed) {
  // The seal is a digest; CacheKey prints 32 bytes as hex.
  CacheKey::Digest digest;
  std::copy(sealed.end() - kSealSize, sealed.end(), digest.begin());
  return CacheKey(digest).ToHex();
}

TEST(SealedBlobTest, SealIsSha256OfThePayload) {
  std::vector<uint8_t> abc = {'a', 'b', 'c'};
  Seal(abc);
  ASSERT_EQ(abc.size(), 3 + kSealSize);
  EXPECT_EQ(abc[0], 'a');
  EXPECT_EQ(SealHex(abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(IsSealed(abc));

  std::vector<uint8_t> empty;
  Seal(empty);
  EXPECT_EQ(SealHex(empty), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_TRUE(IsSealed(empty));
}

TEST(SealedBlobTest, DamageBreaksTheSeal) {
  std::vector<uint8_t> bytes(200);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7);
  Seal(bytes);
  ASSERT_TRUE(IsSealed(bytes));
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::vector<uint8_t> damaged = bytes;
    damaged[i] ^= 0x01;
    EXPECT_FALSE(IsSealed(damaged)) << "byte " << i;
  }
  EXPECT_FALSE(IsSealed(std::span(bytes).first(bytes.size() - 1)));
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(IsSealed(longer));
}

TEST(SealedBlobTest, ShortBlobsAreNotSealed) {
  EXPECT_FALSE(IsSealed({}));
  const std::vector<uint8_t> zeros(kSealSize - 1, 0);
  EXPECT_FALSE(IsSealed(zeros));
  const std::vector<uint8_t> zeros32(kSealSize, 0);
  EXPECT_FALSE(IsSealed(zeros32));
}

}  // namespace
}  // namespace kiln::cache
