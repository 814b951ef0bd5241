// kiln/server/compile_reply.h — a CompileResponse as gRPC sends it, with
// the artifact not copied.
//
// A cache hit's artifact is already in memory, shared by the cache. Put
// into the CompileResponse message, it would be copied twice on its way
// out (into the message's string, then into gRPC's send buffers), and the
// copy of a megabyte costs more than the rest of a cache hit. Instead the
// reply is the message without its artifact, serialized, followed by the
// artifact field written by hand: its tag and length, then one gRPC slice
// that points into the cached blob and keeps it alive until sent. Protocol
// Buffers parse a field that follows the others exactly as if the message
// had held it, so clients see a normal CompileResponse.
#ifndef KILN_SERVER_COMPILE_REPLY_H_
#define KILN_SERVER_COMPILE_REPLY_H_

#include <grpcpp/support/byte_buffer.h>

#include "kiln/cache/artifact_tier.h"
#include "kiln/v1/compile_service.pb.h"

namespace kiln::server {

// `head` with `artifact` (which may be null: no artifact) as its artifact
// field. `head` must not have an artifact of its own.
grpc::ByteBuffer EncodeCompileReply(const v1::CompileResponse& head, cache::Blob artifact);

// A CompileUpdate whose response is `reply` (as EncodeCompileReply made
// it), the artifact still not copied.
grpc::ByteBuffer EncodeCompileUpdate(const grpc::ByteBuffer& reply);

}  // namespace kiln::server

#endif  // KILN_SERVER_COMPILE_REPLY_H_
