#include "kiln/server/compile_reply.h"

#include <string>
#include <utility>
#include <vector>

#include <grpcpp/support/slice.h>

namespace kiln::server {
namespace {

// Protocol Buffers' base-128 varint.
void AppendVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// The slice's reference to the blob, dropped once gRPC has sent it.
void ReleaseBlob(void* blob) { delete static_cast<cache::Blob*>(blob); }

}  // namespace

grpc::ByteBuffer EncodeCompileReply(const v1::CompileResponse& head, cache::Blob artifact) {
  std::string bytes = head.SerializeAsString();
  if (artifact == nullptr || artifact->empty()) {
    grpc::Slice only(bytes);
    return grpc::ByteBuffer(&only, 1);
  }
  // Field 6, wire type 2 (length-delimited); one byte while the field
  // number is below 16.
  constexpr int kField = v1::CompileResponse::kArtifactFieldNumber;
  static_assert(kField < 16);
  bytes.push_back(static_cast<char>(kField << 3 | 2));
  AppendVarint(bytes, artifact->size());
  auto* kept = new cache::Blob(std::move(artifact));
  // gRPC only reads a slice it sends; the const_cast is for its signature.
  grpc::Slice slices[] = {
      grpc::Slice(bytes),
      grpc::Slice(const_cast<uint8_t*>((*kept)->data()), (*kept)->size(), ReleaseBlob, kept)};
  return grpc::ByteBuffer(slices, 2);
}

grpc::ByteBuffer EncodeCompileUpdate(const grpc::ByteBuffer& reply) {
  std::vector<grpc::Slice> slices;
  (void)reply.Dump(&slices);
  constexpr int kField = v1::CompileUpdate::kResponseFieldNumber;
  static_assert(kField < 16);
  std::string head;
  head.push_back(static_cast<char>(kField << 3 | 2));
  AppendVarint(head, reply.Length());
  slices.insert(slices.begin(), grpc::Slice(head));
  return grpc::ByteBuffer(slices.data(), slices.size());
}

}  // namespace kiln::server
