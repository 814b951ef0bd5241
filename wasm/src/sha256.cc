#include "kiln/wasm/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace kiln::wasm {

Sha256Digest Sha256(std::span<const uint8_t> bytes) {
  Sha256Digest digest;
  unsigned int size = 0;
  // EVP_Digest fails only when OpenSSL cannot allocate or has no SHA-256,
  // and an artifact without a digest must never be written or trusted.
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != digest.size()) {
    std::abort();
  }
  return digest;
}

std::string DigestToHex(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (uint8_t byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  return hex;
}

}  // namespace kiln::wasm
