// cache/src/sha256.h — incremental SHA-256 over OpenSSL's EVP interface.
//
// Internal to cache/: keys and the sealed-blob trailer both need SHA-256, and
// the EVP calls only fail when OpenSSL cannot allocate, which this wrapper
// treats as fatal (a cache that cannot hash cannot answer anything safely).
#ifndef KILN_CACHE_SRC_SHA256_H_
#define KILN_CACHE_SRC_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace kiln::cache {

inline constexpr size_t kSha256Size = 32;
using Sha256Digest = std::array<uint8_t, kSha256Size>;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::span<const uint8_t> bytes);
  // Ends the hash; the object must not be updated afterwards.
  Sha256Digest Finish();

  static Sha256Digest Of(std::span<const uint8_t> bytes);

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace kiln::cache

#endif  // KILN_CACHE_SRC_SHA256_H_
