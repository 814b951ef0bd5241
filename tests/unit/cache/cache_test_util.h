// Helpers shared by the cache tests: scratch folders and sealed blobs.
#ifndef KILN_TESTS_UNIT_CACHE_CACHE_TEST_UTIL_H_
#define KILN_TESTS_UNIT_CACHE_CACHE_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kiln/cache/artifact_tier.h"
#include "kiln/cache/cache_key.h"

namespace kiln::cache::testing {

// A fresh folder from mkdtemp under $TMPDIR (or /tmp), removed with all its
// contents when the object goes away.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// `size` bytes in all (payload and seal, so size >= 32) whose payload is a
// pseudo-random function of `seed`.
std::vector<uint8_t> SealedBytes(size_t size, uint64_t seed);
Blob SealedBlob(size_t size, uint64_t seed);

// A key that depends only on `n` (different n, different key).
CacheKey TestKey(uint64_t n);

bool FileExists(const std::string& path);
std::vector<uint8_t> ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::vector<uint8_t>& bytes);
// Sets a file's mtime (and atime) to `seconds` after the epoch plus `nanos`.
void SetMtime(const std::string& path, int64_t seconds, int64_t nanos = 0);

}  // namespace kiln::cache::testing

#endif  // KILN_TESTS_UNIT_CACHE_CACHE_TEST_UTIL_H_
