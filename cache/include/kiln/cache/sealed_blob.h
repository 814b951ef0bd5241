// kiln/cache/sealed_blob.h — the integrity convention for cache entries.
//
// A sealed blob ends with the SHA-256 of everything before it (32 bytes).
// Kiln's artifact files end exactly like that, so a cache entry file is the
// artifact itself, and anyone can check an entry without knowing the artifact
// format. The seal catches torn writes, truncation and bit rot; it is not an
// authenticity check (anyone who can write the folder can reseal), which is
// why artifacts also carry a signature trailer of their own.
//
// A blob shorter than the seal is never sealed; the empty payload sealed is
// just the 32-byte digest of nothing.
#ifndef KILN_CACHE_SEALED_BLOB_H_
#define KILN_CACHE_SEALED_BLOB_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace kiln::cache {

inline constexpr size_t kSealSize = 32;

// True when `bytes` ends with the SHA-256 of the bytes before its last 32.
bool IsSealed(std::span<const uint8_t> bytes);

// Appends the SHA-256 of `bytes` to `bytes`, so that IsSealed(bytes) holds.
void Seal(std::vector<uint8_t>& bytes);

}  // namespace kiln::cache

#endif  // KILN_CACHE_SEALED_BLOB_H_
