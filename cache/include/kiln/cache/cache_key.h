// kiln/cache/cache_key.h — the name of a compiled artifact in the cache.
//
// A CacheKey is a SHA-256 over everything that decides what the compiler
// produces: the module's bytes and the compiler fingerprint (Kiln version,
// LLVM version, target triple, CPU features, opt level, config). Two requests
// with the same key may share one artifact; anything that could change the
// artifact's bytes must be in the fingerprint, or a stale artifact is served.
//
// The hash input is "kiln-cache-key-v1\0", the module size as a u64 little-
// endian, the module bytes, then the fingerprint. The prefix keeps these keys
// apart from any other SHA-256 Kiln computes; the length prefix makes the
// split between module and fingerprint unambiguous. Changing the scheme
// means changing the prefix, so old entries simply stop matching.
//
// Keys are plain values: cheap to copy, comparable, hashable with absl::Hash
// (usable as an absl::flat_hash_map key), and safe to share between threads.
#ifndef KILN_CACHE_CACHE_KEY_H_
#define KILN_CACHE_CACHE_KEY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace kiln::cache {

class CacheKey {
 public:
  static constexpr size_t kSize = 32;
  static constexpr size_t kHexSize = 2 * kSize;
  using Digest = std::array<uint8_t, kSize>;

  explicit CacheKey(const Digest& digest) : digest_(digest) {}

  // The key of `module_bytes` compiled by the compiler that `fingerprint`
  // describes.
  static CacheKey ForModule(std::span<const uint8_t> module_bytes, std::string_view fingerprint);

  // Parses ToHex()'s form: exactly 64 lowercase hex digits, nothing else.
  // Uppercase is refused so that one key has one spelling, which is also its
  // file name on disk.
  static std::optional<CacheKey> FromHex(std::string_view hex);

  // 64 lowercase hex digits.
  std::string ToHex() const;

  const Digest& digest() const { return digest_; }

  friend bool operator==(const CacheKey& a, const CacheKey& b) = default;

  template <typename H>
  friend H AbslHashValue(H state, const CacheKey& key) {
    return H::combine_contiguous(std::move(state), key.digest_.data(), key.digest_.size());
  }

 private:
  Digest digest_;
};

}  // namespace kiln::cache

#endif  // KILN_CACHE_CACHE_KEY_H_
