// kiln::crypto::Sha256 against FIPS 180-2's published digests, and the
// incremental form against the one-shot one.
#include "kiln/crypto/sha256.h"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace kiln::crypto {
namespace {

std::span<const uint8_t> AsBytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

TEST(Sha256Test, KnownDigests) {
  EXPECT_EQ(DigestToHex(Sha256::Of({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(DigestToHex(Sha256::Of(AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, PiecesHashLikeTheWhole) {
  std::vector<uint8_t> bytes(1000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7);
  Sha256 hash;
  const std::span<const uint8_t> all(bytes);
  hash.Update(all.first(1));
  hash.Update(all.subspan(1, 0));
  hash.Update(all.subspan(1, 500));
  hash.Update(all.subspan(501));
  EXPECT_EQ(hash.Finish(), Sha256::Of(bytes));
}

}  // namespace
}  // namespace kiln::crypto
