// EncodeCompileReply: what it sends parses as the CompileResponse it
// stands for, and the cached artifact it points into stays alive exactly as
// long as gRPC holds the reply.
#include "kiln/server/compile_reply.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <grpcpp/support/slice.h>

namespace kiln::server_test {
namespace {

v1::CompileResponse Head() {
  v1::CompileResponse head;
  head.set_cache_key(std::string(64, 'a'));
  head.set_cache_hit(true);
  head.set_fingerprint("kiln=0.1.0;test");
  head.mutable_stats()->set_artifact_bytes(300);
  return head;
}

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string out;
  for (const grpc::Slice& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

TEST(CompileReplyTest, ParsesAsTheResponseWithItsArtifact) {
  // 300 bytes: the field's length takes two varint bytes.
  std::vector<uint8_t> bytes(300);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7);
  auto blob = std::make_shared<const std::vector<uint8_t>>(bytes);

  const grpc::ByteBuffer reply = server::EncodeCompileReply(Head(), blob);
  v1::CompileResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(Flatten(reply)));
  v1::CompileResponse expected = Head();
  expected.set_artifact(bytes.data(), bytes.size());
  EXPECT_EQ(parsed.SerializeAsString(), expected.SerializeAsString());
}

TEST(CompileReplyTest, WithoutAnArtifactIsTheHeadAlone) {
  const grpc::ByteBuffer reply = server::EncodeCompileReply(Head(), nullptr);
  EXPECT_EQ(Flatten(reply), Head().SerializeAsString());
}

TEST(CompileReplyTest, TheReplyKeepsTheBlobAliveWithoutCopyingIt) {
  auto blob = std::make_shared<const std::vector<uint8_t>>(1 << 20, uint8_t{0x5a});
  std::weak_ptr<const std::vector<uint8_t>> watch = blob;
  auto reply = std::make_unique<grpc::ByteBuffer>(server::EncodeCompileReply(Head(), blob));
  blob.reset();
  ASSERT_FALSE(watch.expired()) << "the reply must hold the artifact until it is sent";
  // The second slice is the cached bytes themselves, not a copy.
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(reply->Dump(&slices).ok());
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(slices[1].begin(), watch.lock()->data());
  slices.clear();
  reply.reset();
  EXPECT_TRUE(watch.expired()) << "the artifact must be released with the reply";
}

}  // namespace
}  // namespace kiln::server_test
