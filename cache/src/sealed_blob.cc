#include "kiln/cache/sealed_blob.h"

#include <algorithm>

#include "kiln/crypto/sha256.h"

namespace kiln::cache {

static_assert(kSealSize == crypto::kSha256Size);

bool IsSealed(std::span<const uint8_t> bytes) {
  if (bytes.size() < kSealSize) return false;
  const size_t payload = bytes.size() - kSealSize;
  const crypto::Sha256Digest digest = crypto::Sha256::Of(bytes.first(payload));
  return std::equal(digest.begin(), digest.end(), bytes.begin() + payload);
}

void Seal(std::vector<uint8_t>& bytes) {
  const crypto::Sha256Digest digest = crypto::Sha256::Of(bytes);
  bytes.insert(bytes.end(), digest.begin(), digest.end());
}

}  // namespace kiln::cache
