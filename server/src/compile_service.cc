#include "kiln/server/compile_service.h"

#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <span>

#include "absl/strings/str_cat.h"
#include "kiln/cache/disk_tier.h"
#include "kiln/server/compile_reply.h"
#include "kiln/server/rpc_status.h"

namespace kiln::server {
namespace {

constexpr uint64_t kMaxArtifactChunk = 1 << 20;
// What a message adds to its payload (field tags, lengths, gRPC framing),
// rounded up generously.
constexpr uint64_t kMessageOverhead = 4096;
// FindMissing answers from the file system per key; a bound keeps one
// request from occupying a thread for minutes.
constexpr int kMaxFindMissingKeys = 100'000;

std::span<const uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

CompileServiceImpl::CompileServiceImpl(CompilePipeline& pipeline, TieredCompiler& tiers,
                                       runtime::MemoryBudget& budget, RequestLog& log,
                                       const BearerTokenAuth& auth, uint64_t max_message_size)
    : pipeline_(pipeline),
      tiers_(tiers),
      budget_(budget),
      log_(log),
      auth_(auth),
      max_message_size_(max_message_size) {
  // What the generated CompileService::Service registers, with Compile's
  // and CompileStream's replies as ByteBuffers (see the header). These
  // handler templates are what generated code uses; they run each call on
  // gRPC's synchronous server threads like the other services' methods.
  using grpc::internal::RpcMethod;
  using grpc::internal::RpcServiceMethod;
  using Self = CompileServiceImpl;
  auto method = [](const char* name) {
    return absl::StrCat("/", std::string(v1::CompileService::service_full_name()), "/", name);
  };
  // RpcServiceMethod keeps the name's pointer: the strings live as long as
  // the service.
  method_names_ = {method("Compile"), method("CompileStream"), method("GetArtifact"),
                   method("FindMissing"), method("GetFingerprint"),
                   method("CompileWithProgress")};
  AddMethod(new RpcServiceMethod(
      method_names_[0].c_str(), RpcMethod::NORMAL_RPC,
      new grpc::internal::RpcMethodHandler<Self, v1::CompileRequest, grpc::ByteBuffer,
                                           grpc::protobuf::MessageLite, grpc::ByteBuffer>(
          [](Self* self, grpc::ServerContext* context, const v1::CompileRequest* request,
             grpc::ByteBuffer* reply) { return self->Compile(context, request, reply); },
          this)));
  AddMethod(new RpcServiceMethod(
      method_names_[1].c_str(), RpcMethod::CLIENT_STREAMING,
      new grpc::internal::ClientStreamingHandler<Self, v1::CompileStreamRequest, grpc::ByteBuffer>(
          [](Self* self, grpc::ServerContext* context,
             grpc::ServerReader<v1::CompileStreamRequest>* reader,
             grpc::ByteBuffer* reply) { return self->CompileStream(context, reader, reply); },
          this)));
  AddMethod(new RpcServiceMethod(
      method_names_[2].c_str(), RpcMethod::SERVER_STREAMING,
      new grpc::internal::ServerStreamingHandler<Self, v1::GetArtifactRequest, v1::ArtifactChunk>(
          [](Self* self, grpc::ServerContext* context, const v1::GetArtifactRequest* request,
             grpc::ServerWriter<v1::ArtifactChunk>* writer) {
            return self->GetArtifact(context, request, writer);
          },
          this)));
  AddMethod(new RpcServiceMethod(
      method_names_[3].c_str(), RpcMethod::NORMAL_RPC,
      new grpc::internal::RpcMethodHandler<Self, v1::FindMissingRequest, v1::FindMissingResponse,
                                           grpc::protobuf::MessageLite,
                                           grpc::protobuf::MessageLite>(
          [](Self* self, grpc::ServerContext* context, const v1::FindMissingRequest* request,
             v1::FindMissingResponse* response) {
            return self->FindMissing(context, request, response);
          },
          this)));
  AddMethod(new RpcServiceMethod(
      method_names_[4].c_str(), RpcMethod::NORMAL_RPC,
      new grpc::internal::RpcMethodHandler<Self, v1::GetFingerprintRequest,
                                           v1::GetFingerprintResponse,
                                           grpc::protobuf::MessageLite,
                                           grpc::protobuf::MessageLite>(
          [](Self* self, grpc::ServerContext* context, const v1::GetFingerprintRequest* request,
             v1::GetFingerprintResponse* response) {
            return self->GetFingerprint(context, request, response);
          },
          this)));
  AddMethod(new RpcServiceMethod(
      method_names_[5].c_str(), RpcMethod::BIDI_STREAMING,
      new grpc::internal::BidiStreamingHandler<Self, v1::CompileStreamRequest, grpc::ByteBuffer>(
          [](Self* self, grpc::ServerContext* context,
             grpc::ServerReaderWriter<grpc::ByteBuffer, v1::CompileStreamRequest>* stream) {
            return self->CompileWithProgress(context, stream);
          },
          this)));
}

grpc::Status CompileServiceImpl::CompileModule(const grpc::ServerContext& context,
                                               const std::string& module,
                                               const v1::CompileOptions& options,
                                               v1::CompileTier tier, bool return_artifact,
                                               RequestRecord& record, grpc::ByteBuffer* reply,
                                               const CompileProgressBoard::Listener& progress) {
  record.Add("module_bytes", uint64_t{module.size()});
  absl::StatusOr<CompileOutcome> outcome = tiers_.Compile(
      AsBytes(module), options, tier,
      CompileControl{.cancelled = CancelledBy(context), .progress = progress});
  if (!outcome.ok()) {
    return record.Finish(ToGrpcStatus(ExplainCancellation(outcome.status(), context)));
  }
  const std::string key = outcome->key.ToHex();
  record.Add("key", key)
      .Add("artifact_bytes", uint64_t{outcome->artifact->size()})
      .Add("cache_hit", outcome->cache_hit)
      .Add("shared", outcome->shared)
      .AddMillis("compile_ms", std::chrono::microseconds(outcome->compile_micros))
      .Add("functions_reused", uint64_t{outcome->functions_reused})
      .Add("tier", outcome->tier == v1::COMPILE_TIER_BASELINE ? "baseline" : "optimized")
      .Add("optimizing", outcome->optimizing);

  v1::CompileResponse head;
  head.set_cache_key(key);
  head.set_cache_hit(outcome->cache_hit);
  head.set_shared(outcome->shared);
  head.set_fingerprint(outcome->fingerprint);
  head.set_tier(outcome->tier);
  head.set_optimizing(outcome->optimizing);
  v1::CompileStats* stats = head.mutable_stats();
  stats->set_defined_functions(outcome->defined_functions);
  stats->set_module_bytes(module.size());
  stats->set_artifact_bytes(outcome->artifact->size());
  stats->set_code_bytes(outcome->code_bytes);
  stats->set_compile_micros(outcome->compile_micros);
  stats->set_functions_reused(outcome->functions_reused);
  if (return_artifact) {
    // gRPC would fail the reply anyway; saying why, and where the artifact
    // is, serves the caller better.
    if (outcome->artifact->size() + kMessageOverhead > max_message_size_) {
      return record.Finish(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("the artifact is ", outcome->artifact->size(),
                       " bytes, too large for one message (--max-message-size ", max_message_size_,
                       "); it is cached as ", key, ": fetch it with GetArtifact")));
    }
  }
  stats->set_total_micros(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(record.elapsed()).count()));
  *reply = EncodeCompileReply(head, return_artifact ? outcome->artifact : nullptr);
  return record.Finish(grpc::Status::OK);
}

grpc::Status CompileServiceImpl::Compile(grpc::ServerContext* context,
                                         const v1::CompileRequest* request,
                                         grpc::ByteBuffer* reply) {
  RequestRecord record(log_, "Compile", context);
  if (grpc::Status status = auth_.Check(*context); !status.ok()) return record.Finish(status);
  absl::StatusOr<runtime::MemoryBudget::Reservation> module_bytes =
      budget_.Reserve(request->module().size(), "this request's module bytes");
  if (!module_bytes.ok()) return record.Finish(ToGrpcStatus(module_bytes.status()));
  return CompileModule(*context, request->module(), request->options(), request->tier(),
                       request->return_artifact(), record, reply);
}

template <typename Reader>
grpc::Status CompileServiceImpl::ReceiveModule(grpc::ServerContext& context, Reader& reader,
                                               Upload& upload) {
  v1::CompileStreamRequest message;
  if (!reader.Read(&message)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "empty stream: the first message carries the options");
  }
  const uint64_t declared = message.module_size();
  const uint64_t limit = pipeline_.max_module_size();
  auto too_large = [&](uint64_t size) {
    return grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat("the module is ", size, " bytes or more, over this daemon's limit of ", limit,
                     " (--max-module-size)"));
  };
  if (declared > limit) return too_large(declared);
  // What `module` allocates is charged to the budget first, and held as
  // long as the upload. The declared size is only the client's word, but
  // it is within --max-module-size, charged like real bytes, and pages
  // that no byte arrives in are never touched.
  upload.held = *budget_.Reserve(0, "receiving this module");
  std::string& module = upload.module;
  auto make_room = [&](uint64_t size) {
    if (size <= module.capacity()) return true;
    // At least double, as std::string grows anyway: then what reserve()
    // allocates is exactly what was charged.
    const uint64_t capacity = std::max<uint64_t>(size, 2 * module.capacity());
    if (!upload.held.Resize(capacity)) return false;
    module.reserve(capacity);
    return true;
  };
  auto no_room = [&](uint64_t size) {
    return ToGrpcStatus(budget_.Exhausted(size, "receiving this module"));
  };
  if (!make_room(declared)) return no_room(declared);
  upload.first = message;
  upload.first.clear_module_chunk();
  do {
    const uint64_t needed = module.size() + message.module_chunk().size();
    if (needed > limit) return too_large(needed);
    if (!make_room(needed)) return no_room(needed);
    module += message.module_chunk();
  } while (reader.Read(&message));
  if (context.IsCancelled()) {
    return ToGrpcStatus(
        ExplainCancellation(absl::CancelledError("the client cancelled the upload"), context));
  }
  if (declared != 0 && module.size() != declared) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("the first message declared a module of ", declared,
                                     " bytes, but ", module.size(), " arrived"));
  }
  return grpc::Status::OK;
}

grpc::Status CompileServiceImpl::CompileStream(grpc::ServerContext* context,
                                               grpc::ServerReader<v1::CompileStreamRequest>* reader,
                                               grpc::ByteBuffer* reply) {
  RequestRecord record(log_, "CompileStream", context);
  if (grpc::Status status = auth_.Check(*context); !status.ok()) return record.Finish(status);
  Upload upload;
  if (grpc::Status status = ReceiveModule(*context, *reader, upload); !status.ok()) {
    return record.Finish(status);
  }
  return CompileModule(*context, upload.module, upload.first.options(), upload.first.tier(),
                       upload.first.return_artifact(), record, reply);
}

grpc::Status CompileServiceImpl::CompileWithProgress(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<grpc::ByteBuffer, v1::CompileStreamRequest>* stream) {
  RequestRecord record(log_, "CompileWithProgress", context);
  if (grpc::Status status = auth_.Check(*context); !status.ok()) return record.Finish(status);
  Upload upload;
  if (grpc::Status status = ReceiveModule(*context, *stream, upload); !status.ok()) {
    return record.Finish(status);
  }
  // Progress is written from the compile's threads; the lock keeps one
  // write at a time, and the watch (CompileModule's) ends before the last
  // update is written.
  absl::Mutex write_mu;
  auto progress = [&](uint32_t done, uint32_t total) {
    v1::CompileUpdate update;
    update.mutable_progress()->set_functions_done(done);
    update.mutable_progress()->set_functions_total(total);
    grpc::Slice slice(update.SerializeAsString());
    absl::MutexLock lock(&write_mu);
    stream->Write(grpc::ByteBuffer(&slice, 1));
  };
  grpc::ByteBuffer reply;
  grpc::Status status =
      CompileModule(*context, upload.module, upload.first.options(), upload.first.tier(),
                    upload.first.return_artifact(), record, &reply, progress);
  if (!status.ok()) return status;
  absl::MutexLock lock(&write_mu);
  if (!stream->Write(EncodeCompileUpdate(reply))) {
    return ToGrpcStatus(ExplainCancellation(
        absl::CancelledError("the client stopped reading the compile's updates"), *context));
  }
  return grpc::Status::OK;
}

grpc::Status CompileServiceImpl::GetArtifact(grpc::ServerContext* context,
                                             const v1::GetArtifactRequest* request,
                                             grpc::ServerWriter<v1::ArtifactChunk>* writer) {
  RequestRecord record(log_, "GetArtifact", context);
  if (grpc::Status status = auth_.Check(*context); !status.ok()) return record.Finish(status);
  std::optional<cache::CacheKey> key = cache::CacheKey::FromHex(request->cache_key());
  if (!key.has_value()) {
    return record.Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                      "malformed cache key: expected 64 lowercase hex digits"));
  }
  record.Add("key", request->cache_key());
  cache::Blob artifact = pipeline_.store().Get(*key);
  if (artifact == nullptr) {
    return record.Finish(
        grpc::Status(grpc::StatusCode::NOT_FOUND,
                     absl::StrCat("no artifact is cached under key ", request->cache_key())));
  }
  record.Add("artifact_bytes", uint64_t{artifact->size()});
  const uint64_t chunk_size =
      std::clamp<uint64_t>(max_message_size_ - kMessageOverhead, 1024, kMaxArtifactChunk);
  v1::ArtifactChunk chunk;
  chunk.set_total_size(artifact->size());
  for (uint64_t offset = 0; offset < artifact->size(); offset += chunk_size) {
    const uint64_t n = std::min<uint64_t>(chunk_size, artifact->size() - offset);
    chunk.set_data(artifact->data() + offset, n);
    if (!writer->Write(chunk)) {
      return record.Finish(ToGrpcStatus(ExplainCancellation(
          absl::CancelledError("the client stopped reading the artifact"), *context)));
    }
    chunk.clear_total_size();
  }
  return record.Finish(grpc::Status::OK);
}

bool CompileServiceImpl::IsCached(const cache::CacheKey& key) {
  for (const std::unique_ptr<cache::ArtifactTier>& tier : pipeline_.store().tiers()) {
    if (const auto* disk = dynamic_cast<const cache::DiskTier*>(tier.get())) {
      struct stat st;
      if (::stat(disk->EntryPath(key).c_str(), &st) == 0 && S_ISREG(st.st_mode)) return true;
    } else if (tier->Get(key) != nullptr) {
      return true;
    }
  }
  return false;
}

grpc::Status CompileServiceImpl::FindMissing(grpc::ServerContext* context,
                                             const v1::FindMissingRequest* request,
                                             v1::FindMissingResponse* response) {
  RequestRecord record(log_, "FindMissing", context);
  if (grpc::Status status = auth_.Check(*context); !status.ok()) return record.Finish(status);
  record.Add("keys", uint64_t(request->cache_keys_size()));
  if (request->cache_keys_size() > kMaxFindMissingKeys) {
    return record.Finish(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     absl::StrCat(request->cache_keys_size(), " keys in one request; at most ",
                                  kMaxFindMissingKeys)));
  }
  std::vector<cache::CacheKey> keys;
  keys.reserve(request->cache_keys_size());
  for (int i = 0; i < request->cache_keys_size(); ++i) {
    std::optional<cache::CacheKey> key = cache::CacheKey::FromHex(request->cache_keys(i));
    if (!key.has_value()) {
      return record.Finish(grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("cache key ", i + 1, " is malformed: expected 64 lowercase hex digits")));
    }
    keys.push_back(*key);
  }
  for (int i = 0; i < request->cache_keys_size(); ++i) {
    if (context->IsCancelled()) {
      return record.Finish(ToGrpcStatus(
          ExplainCancellation(absl::CancelledError("cancelled while looking up keys"), *context)));
    }
    if (!IsCached(keys[static_cast<size_t>(i)])) {
      response->add_missing_cache_keys(request->cache_keys(i));
    }
  }
  record.Add("missing", uint64_t(response->missing_cache_keys_size()));
  return record.Finish(grpc::Status::OK);
}

grpc::Status CompileServiceImpl::GetFingerprint(grpc::ServerContext* context,
                                                const v1::GetFingerprintRequest* request,
                                                v1::GetFingerprintResponse* response) {
  RequestRecord record(log_, "GetFingerprint", context);
  if (grpc::Status status = auth_.Check(*context); !status.ok()) return record.Finish(status);
  absl::StatusOr<const jit::Compiler*> compiler = pipeline_.CompilerFor(request->options());
  if (!compiler.ok()) return record.Finish(ToGrpcStatus(compiler.status()));
  response->set_fingerprint((*compiler)->fingerprint());
  return record.Finish(grpc::Status::OK);
}

}  // namespace kiln::server
