// kiln/wasm/sha256.h — SHA-256 (OpenSSL), for artifact digests.
#ifndef KILN_WASM_SHA256_H_
#define KILN_WASM_SHA256_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace kiln::wasm {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(std::span<const uint8_t> bytes);

// Lowercase hex, 64 characters.
std::string DigestToHex(const Sha256Digest& digest);

}  // namespace kiln::wasm

#endif  // KILN_WASM_SHA256_H_
