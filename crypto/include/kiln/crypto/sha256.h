// kiln/crypto/sha256.h — SHA-256, the one hash of Kiln's artifacts (their
// digest trailer) and of its cache (keys, sealed entries).
//
// A thin wrapper over OpenSSL's EVP interface. EVP fails only when OpenSSL
// cannot allocate or has no SHA-256; a hash that cannot be computed leaves
// no safe answer (an artifact without a true digest must never be written or
// trusted, a cache cannot key anything), so that aborts the process with a
// message instead of returning an error every caller would have to handle.
#ifndef KILN_CRYPTO_SHA256_H_
#define KILN_CRYPTO_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace kiln::crypto {

inline constexpr size_t kSha256Size = 32;
using Sha256Digest = std::array<uint8_t, kSha256Size>;

// An incremental hash: Update any number of times, then Finish once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::span<const uint8_t> bytes);
  // Ends the hash; the object must not be updated afterwards.
  Sha256Digest Finish();

  // The digest of `bytes` in one call.
  static Sha256Digest Of(std::span<const uint8_t> bytes);

 private:
  EVP_MD_CTX* ctx_;
};

// Lowercase hex, 64 characters.
std::string DigestToHex(const Sha256Digest& digest);

// For a short-lived program whose only use of OpenSSL is this hash (kiln's
// cached run), before its first hash: keeps OpenSSL from loading what its
// first use otherwise loads and SHA-256 does not need -- the configuration
// file, every cipher's and digest's name, the error strings -- which costs
// such a process more than its hashing. Not for a program that does TLS.
void InitializeForSha256Only();

}  // namespace kiln::crypto

#endif  // KILN_CRYPTO_SHA256_H_
