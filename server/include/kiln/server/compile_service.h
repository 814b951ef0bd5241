// kiln/server/compile_service.h — kiln.v1.CompileService over the
// daemon's CompilePipeline and ArtifactStore.
//
// Unary Compile is bounded by gRPC's message limit (--max-message-size);
// CompileStream takes modules of any size up to --max-module-size in
// chunks, refusing as soon as the bytes received pass the limit. The
// module's bytes are charged to the daemon's MemoryBudget while the
// request lasts (a stream's as they arrive), so that many uploads at once
// meet RESOURCE_EXHAUSTED instead of exhausting the host. Both then take
// the same path. GetArtifact streams an artifact in chunks that fit
// the message limit; FindMissing only checks presence (no tier reads the
// entries' bytes for it, and nothing is promoted).
//
// The service registers its methods itself rather than deriving from the
// generated CompileService::Service: Compile and CompileStream reply with
// a ByteBuffer built by EncodeCompileReply, so that a cached artifact goes
// out without being copied. The wire format is kiln.v1's CompileResponse;
// clients use the generated stub as usual.
#ifndef KILN_SERVER_COMPILE_SERVICE_H_
#define KILN_SERVER_COMPILE_SERVICE_H_

#include <cstdint>
#include <string>
#include <vector>

#include <grpcpp/impl/codegen/service_type.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/sync_stream.h>

#include "kiln/runtime/memory_budget.h"
#include "kiln/server/auth.h"
#include "kiln/server/compile_pipeline.h"
#include "kiln/server/request_log.h"
#include "kiln/server/tiered_compiler.h"
#include "kiln/v1/compile_service.grpc.pb.h"

namespace kiln::server {

class CompileServiceImpl final : public grpc::Service {
 public:
  CompileServiceImpl(CompilePipeline& pipeline, TieredCompiler& tiers,
                     runtime::MemoryBudget& budget, RequestLog& log, const BearerTokenAuth& auth,
                     uint64_t max_message_size);

  // Reply: a CompileResponse (see compile_reply.h).
  grpc::Status Compile(grpc::ServerContext* context, const v1::CompileRequest* request,
                       grpc::ByteBuffer* reply);
  grpc::Status CompileStream(grpc::ServerContext* context,
                             grpc::ServerReader<v1::CompileStreamRequest>* reader,
                             grpc::ByteBuffer* reply);
  // Each message written: a CompileUpdate.
  grpc::Status CompileWithProgress(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<grpc::ByteBuffer, v1::CompileStreamRequest>* stream);
  grpc::Status GetArtifact(grpc::ServerContext* context, const v1::GetArtifactRequest* request,
                           grpc::ServerWriter<v1::ArtifactChunk>* writer);
  grpc::Status FindMissing(grpc::ServerContext* context, const v1::FindMissingRequest* request,
                           v1::FindMissingResponse* response);
  grpc::Status GetFingerprint(grpc::ServerContext* context,
                              const v1::GetFingerprintRequest* request,
                              v1::GetFingerprintResponse* response);

 private:
  // A module streamed in CompileStreamRequests: the first message (its
  // options) and the bytes, charged to the memory budget while it lives.
  struct Upload {
    v1::CompileStreamRequest first;
    runtime::MemoryBudget::Reservation held;  // before `module`: freed after it
    std::string module;
  };
  // Reads the whole upload of CompileStream or CompileWithProgress.
  template <typename Reader>
  grpc::Status ReceiveModule(grpc::ServerContext& context, Reader& reader, Upload& upload);

  // The shared tail of every compile method. `progress`, when given, is
  // told how far the compile is (compile_progress.h).
  grpc::Status CompileModule(const grpc::ServerContext& context, const std::string& module,
                             const v1::CompileOptions& options, v1::CompileTier tier,
                             bool return_artifact, RequestRecord& record, grpc::ByteBuffer* reply,
                             const CompileProgressBoard::Listener& progress = {});
  // Whether the cache holds `key`, without reading or promoting the entry.
  bool IsCached(const cache::CacheKey& key);

  std::vector<std::string> method_names_;  // "/kiln.v1.CompileService/Compile", ...
  CompilePipeline& pipeline_;
  TieredCompiler& tiers_;
  runtime::MemoryBudget& budget_;
  RequestLog& log_;
  const BearerTokenAuth& auth_;
  const uint64_t max_message_size_;
};

}  // namespace kiln::server

#endif  // KILN_SERVER_COMPILE_SERVICE_H_
