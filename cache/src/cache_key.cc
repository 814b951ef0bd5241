#include "kiln/cache/cache_key.h"

#include <string_view>

#include "kiln/crypto/sha256.h"

namespace kiln::cache {
namespace {

// Hashed with its terminating NUL so that the domain is prefix-free: a later
// "kiln-cache-key-v10" can never start with the same bytes as this one.
constexpr char kKeyDomain[] = "kiln-cache-key-v1";

std::span<const uint8_t> AsBytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

CacheKey CacheKey::ForModule(std::span<const uint8_t> module_bytes, std::string_view fingerprint) {
  crypto::Sha256 hash;
  hash.Update(AsBytes(std::string_view(kKeyDomain, sizeof(kKeyDomain))));
  uint8_t length[8];
  uint64_t size = module_bytes.size();
  for (uint8_t& byte : length) {
    byte = static_cast<uint8_t>(size & 0xff);
    size >>= 8;
  }
  hash.Update(length);
  hash.Update(module_bytes);
  hash.Update(AsBytes(fingerprint));
  return CacheKey(hash.Finish());
}

std::optional<CacheKey> CacheKey::FromHex(std::string_view hex) {
  if (hex.size() != kHexSize) return std::nullopt;
  Digest digest;
  for (size_t i = 0; i < kSize; ++i) {
    const int high = HexValue(hex[2 * i]);
    const int low = HexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    digest[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return CacheKey(digest);
}

std::string CacheKey::ToHex() const { return crypto::DigestToHex(digest_); }

}  // namespace kiln::cache
