#include "kiln/cache/cache_key.h"

#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "gtest/gtest.h"

namespace kiln::cache {
namespace {

std::span<const uint8_t> Bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

TEST(CacheKeyTest, MatchesTheDocumentedScheme) {
  // sha256("kiln-cache-key-v1\0" || u64le(3) || "abc" || "x86_64-v3"), computed
  // independently (Python's hashlib). Changing it orphans every cache.
  EXPECT_EQ(CacheKey::ForModule(Bytes("abc"), "x86_64-v3").ToHex(),
            "071af3077dec8d81b7f26f9113542a5c9fa483a937920313baa61a868cbd463e");
}

TEST(CacheKeyTest, HexRoundTrips) {
  const CacheKey key = CacheKey::ForModule(Bytes("\0asm\1\0\0\0"), "fp");
  const std::string hex = key.ToHex();
  ASSERT_EQ(hex.size(), 64u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  const std::optional<CacheKey> parsed = CacheKey::FromHex(hex);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, key);
  EXPECT_EQ(parsed->digest(), key.digest());
}

TEST(CacheKeyTest, FromHexRejectsOtherSpellings) {
  const std::string hex = CacheKey::ForModule(Bytes("m"), "fp").ToHex();
  EXPECT_FALSE(CacheKey::FromHex("").has_value());
  EXPECT_FALSE(CacheKey::FromHex(hex.substr(1)).has_value());
  EXPECT_FALSE(CacheKey::FromHex(hex + "0").has_value());
  std::string upper = std::string(64, 'A');
  EXPECT_FALSE(CacheKey::FromHex(upper).has_value());
  std::string bad = hex;
  bad[10] = 'g';
  EXPECT_FALSE(CacheKey::FromHex(bad).has_value());
  bad = hex;
  bad[63] = ' ';
  EXPECT_FALSE(CacheKey::FromHex(bad).has_value());
  EXPECT_TRUE(CacheKey::FromHex(std::string(64, 'f')).has_value());
}

TEST(CacheKeyTest, ModuleAndFingerprintBothMatter) {
  const CacheKey base = CacheKey::ForModule(Bytes("module"), "llvm-19;x86_64;O2");
  EXPECT_EQ(base, CacheKey::ForModule(Bytes("module"), "llvm-19;x86_64;O2"));
  EXPECT_NE(base, CacheKey::ForModule(Bytes("modulf"), "llvm-19;x86_64;O2"));
  EXPECT_NE(base, CacheKey::ForModule(Bytes("module"), "llvm-19;x86_64;O3"));
  EXPECT_NE(base, CacheKey::ForModule(Bytes("module"), ""));
  EXPECT_NE(base, CacheKey::ForModule(Bytes(""), "llvm-19;x86_64;O2"));
}

TEST(CacheKeyTest, LengthPrefixSeparatesModuleFromFingerprint) {
  // The same concatenated bytes, split differently, must give different keys.
  EXPECT_NE(CacheKey::ForModule(Bytes("ab"), "c"), CacheKey::ForModule(Bytes("a"), "bc"));
  EXPECT_NE(CacheKey::ForModule(Bytes(""), "abc"), CacheKey::ForModule(Bytes("abc"), ""));
}

TEST(CacheKeyTest, KeysAHashMap) {
  absl::flat_hash_map<CacheKey, int> map;
  for (int i = 0; i < 100; ++i) {
    map[CacheKey::ForModule(Bytes(std::to_string(i)), "fp")] = i;
  }
  ASSERT_EQ(map.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(map.at(CacheKey::ForModule(Bytes(std::to_string(i)), "fp")), i);
  }
}

}  // namespace
}  // namespace kiln::cache
