#include "kiln/crypto/sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace kiln::crypto {
namespace {

// See the header: a hash that cannot be computed leaves no safe answer.
void CheckEvp(int ok, const char* what) {
  if (ok != 1) {
    std::fprintf(stderr, "kiln: OpenSSL %s failed\n", what);
    std::abort();
  }
}

// OpenSSL 3 looks EVP_sha256() up in the provider table on every init;
// fetching once keeps hashing a small blob cheap.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    CheckEvp(fetched != nullptr ? 1 : 0, "EVP_MD_fetch(SHA256)");
    return fetched;
  }();
  return md;
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  CheckEvp(ctx_ != nullptr ? 1 : 0, "EVP_MD_CTX_new");
  CheckEvp(EVP_DigestInit_ex(ctx_, Sha256Md(), nullptr), "EVP_DigestInit_ex");
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::Update(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  CheckEvp(EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()), "EVP_DigestUpdate");
}

Sha256Digest Sha256::Finish() {
  Sha256Digest digest;
  unsigned int length = 0;
  CheckEvp(EVP_DigestFinal_ex(ctx_, digest.data(), &length), "EVP_DigestFinal_ex");
  CheckEvp(length == digest.size() ? 1 : 0, "EVP_DigestFinal_ex length");
  return digest;
}

Sha256Digest Sha256::Of(std::span<const uint8_t> bytes) {
  Sha256 hash;
  hash.Update(bytes);
  return hash.Finish();
}

std::string DigestToHex(const Sha256Digest& digest) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

void InitializeForSha256Only() {
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
                          OPENSSL_INIT_NO_ADD_ALL_DIGESTS | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS,
                      nullptr);
}

}  // namespace kiln::crypto
