#include "cache_test_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "kiln/cache/sealed_blob.h"

namespace kiln::cache::testing {

ScratchDir::ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = (tmp != nullptr && tmp[0] == '/') ? tmp : "/tmp";
  templ += "/kiln-cache-test-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << templ << " failed";
    std::abort();
  }
  path_ = templ;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::vector<uint8_t> SealedBytes(size_t size, uint64_t seed) {
  std::vector<uint8_t> bytes(size - kSealSize);
  std::mt19937_64 random(seed);
  for (uint8_t& byte : bytes) byte = static_cast<uint8_t>(random());
  Seal(bytes);
  return bytes;
}

Blob SealedBlob(size_t size, uint64_t seed) {
  return std::make_shared<const std::vector<uint8_t>>(SealedBytes(size, seed));
}

CacheKey TestKey(uint64_t n) {
  const std::string module = "module-" + std::to_string(n);
  return CacheKey::ForModule({reinterpret_cast<const uint8_t*>(module.data()), module.size()},
                             "test-fingerprint");
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

void SetMtime(const std::string& path, int64_t seconds, int64_t nanos) {
  struct timespec times[2];
  times[0].tv_sec = seconds;
  times[0].tv_nsec = nanos;
  times[1] = times[0];
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

}  // namespace kiln::cache::testing
