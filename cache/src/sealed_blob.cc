#include "kiln/cache/sealed_blob.h"

#include <algorithm>

#include "sha256.h"

namespace kiln::cache {

static_assert(kSealSize == kSha256Size);

bool IsSealed(std::span<const uint8_t> bytes) {
  if (bytes.size() < kSealSize) return false;
  const size_t payload = bytes.size() - kSealSize;
  const Sha256Digest digest = Sha256::Of(bytes.first(payload));
  return std::equal(digest.begin(), digest.end(), bytes.begin() + payload);
}

void Seal(std::vector<uint8_t>& bytes) {
  const Sha256Digest digest = Sha256::Of(bytes);
  bytes.insert(bytes.end(), digest.begin(), digest.end());
}

}  // namespace kiln::cache
