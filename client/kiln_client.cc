#include "kiln/client/kiln_client.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "kiln/v1/admin_service.grpc.pb.h"
#include "kiln/v1/compile_service.grpc.pb.h"
#include "kiln/v1/execution_service.grpc.pb.h"

namespace kiln::client {

struct KilnClient::Stubs {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::CompileService::Stub> compile;
  std::unique_ptr<v1::ExecutionService::Stub> execution;
  std::unique_ptr<v1::AdminService::Stub> admin;
};

namespace {

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace

// The context of one call (its deadline and bearer token), on the client's
// in-flight list while it lives so that CancelAll can reach it.
class KilnClient::CallContext {
 public:
  explicit CallContext(KilnClient& client) : client_(client) {
    context_.set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoMilliseconds(client.options_.timeout));
    if (!client.options_.bearer_token.empty()) {
      context_.AddMetadata("authorization", absl::StrCat("Bearer ", client.options_.bearer_token));
    }
    std::lock_guard lock(client_.in_flight_mutex_);
    client_.in_flight_.push_back(&context_);
  }
  ~CallContext() {
    std::lock_guard lock(client_.in_flight_mutex_);
    std::erase(client_.in_flight_, &context_);
  }
  CallContext(const CallContext&) = delete;
  CallContext& operator=(const CallContext&) = delete;

  grpc::ClientContext* get() { return &context_; }

 private:
  KilnClient& client_;
  grpc::ClientContext context_;
};

void KilnClient::CancelAll() {
  std::lock_guard lock(in_flight_mutex_);
  for (grpc::ClientContext* context : in_flight_) context->TryCancel();
}

absl::StatusOr<std::unique_ptr<KilnClient>> KilnClient::Connect(const ClientOptions& options) {
  if (options.target.empty()) return absl::InvalidArgumentError("no daemon address (HOST:PORT)");
  if (options.chunk_bytes == 0) return absl::InvalidArgumentError("chunk_bytes must be positive");
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_root_certs;
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments arguments;
  // Artifacts of large modules come back whole in CompileResponse.
  arguments.SetMaxReceiveMessageSize(std::numeric_limits<int>::max());
  arguments.SetMaxSendMessageSize(std::numeric_limits<int>::max());
  auto stubs = std::make_unique<Stubs>();
  stubs->channel = grpc::CreateCustomChannel(options.target, credentials, arguments);
  stubs->compile = v1::CompileService::NewStub(stubs->channel);
  stubs->execution = v1::ExecutionService::NewStub(stubs->channel);
  stubs->admin = v1::AdminService::NewStub(stubs->channel);
  return std::unique_ptr<KilnClient>(new KilnClient(options, std::move(stubs)));
}

KilnClient::KilnClient(const ClientOptions& options, std::unique_ptr<Stubs> stubs)
    : options_(options), stubs_(std::move(stubs)) {}

KilnClient::~KilnClient() = default;

namespace {

// Writes `module` as CompileStreamRequests, the options in the first, and
// half-closes. A failed write means the daemon ended the call (e.g. the
// module is over its size limit); the call's status says why.
template <typename Writer>
void SendModule(Writer& stream, std::span<const uint8_t> module, const v1::CompileOptions& options,
                bool return_artifact, v1::CompileTier tier, size_t chunk_bytes) {
  size_t sent = 0;
  bool first = true;
  // An empty module still sends its first message, which carries the options.
  while (first || sent < module.size()) {
    const size_t size = std::min(chunk_bytes, module.size() - sent);
    v1::CompileStreamRequest chunk;
    if (first) {
      *chunk.mutable_options() = options;
      chunk.set_return_artifact(return_artifact);
      chunk.set_module_size(module.size());
      chunk.set_tier(tier);
    }
    chunk.set_module_chunk(module.data() + sent, size);
    if (!stream.Write(chunk)) break;
    sent += size;
    first = false;
  }
  stream.WritesDone();
}

}  // namespace

absl::StatusOr<v1::CompileResponse> KilnClient::Compile(std::span<const uint8_t> module,
                                                        const v1::CompileOptions& options,
                                                        bool return_artifact,
                                                        v1::CompileTier tier) {
  CallContext context(*this);
  v1::CompileResponse response;
  if (module.size() <= options_.max_unary_module_bytes) {
    v1::CompileRequest request;
    request.set_module(module.data(), module.size());
    *request.mutable_options() = options;
    request.set_return_artifact(return_artifact);
    request.set_tier(tier);
    grpc::Status status = stubs_->compile->Compile(context.get(), request, &response);
    if (!status.ok()) return FromGrpc(status);
    return response;
  }
  std::unique_ptr<grpc::ClientWriter<v1::CompileStreamRequest>> stream =
      stubs_->compile->CompileStream(context.get(), &response);
  SendModule(*stream, module, options, return_artifact, tier, options_.chunk_bytes);
  grpc::Status status = stream->Finish();
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::StatusOr<v1::CompileResponse> KilnClient::CompileWithProgress(
    std::span<const uint8_t> module, const v1::CompileOptions& options, v1::CompileTier tier,
    const Progress& progress, bool return_artifact) {
  CallContext context(*this);
  std::unique_ptr<grpc::ClientReaderWriter<v1::CompileStreamRequest, v1::CompileUpdate>> stream =
      stubs_->compile->CompileWithProgress(context.get());
  SendModule(*stream, module, options, return_artifact, tier, options_.chunk_bytes);
  std::optional<v1::CompileResponse> response;
  v1::CompileUpdate update;
  while (stream->Read(&update)) {
    if (update.has_progress()) {
      if (progress) progress(update.progress().functions_done(), update.progress().functions_total());
    } else if (update.has_response()) {
      response = std::move(*update.mutable_response());
    }
  }
  grpc::Status status = stream->Finish();
  if (!status.ok()) return FromGrpc(status);
  if (!response.has_value()) {
    return absl::InternalError("the daemon ended CompileWithProgress without a response");
  }
  return *std::move(response);
}

absl::StatusOr<std::vector<uint8_t>> KilnClient::GetArtifact(std::string_view cache_key) {
  CallContext context(*this);
  v1::GetArtifactRequest request;
  request.set_cache_key(std::string(cache_key));
  std::unique_ptr<grpc::ClientReader<v1::ArtifactChunk>> stream =
      stubs_->compile->GetArtifact(context.get(), request);
  std::vector<uint8_t> artifact;
  v1::ArtifactChunk chunk;
  while (stream->Read(&chunk)) {
    if (artifact.empty() && chunk.total_size() > 0) {
      artifact.reserve(static_cast<size_t>(chunk.total_size()));
    }
    artifact.insert(artifact.end(), chunk.data().begin(), chunk.data().end());
  }
  grpc::Status status = stream->Finish();
  if (!status.ok()) return FromGrpc(status);
  return artifact;
}

absl::StatusOr<std::vector<std::string>> KilnClient::FindMissing(
    const std::vector<std::string>& cache_keys) {
  CallContext context(*this);
  v1::FindMissingRequest request;
  for (const std::string& key : cache_keys) request.add_cache_keys(key);
  v1::FindMissingResponse response;
  grpc::Status status = stubs_->compile->FindMissing(context.get(), request, &response);
  if (!status.ok()) return FromGrpc(status);
  return std::vector<std::string>(response.missing_cache_keys().begin(),
                                  response.missing_cache_keys().end());
}

absl::StatusOr<std::string> KilnClient::GetFingerprint(const v1::CompileOptions& options) {
  CallContext context(*this);
  v1::GetFingerprintRequest request;
  *request.mutable_options() = options;
  v1::GetFingerprintResponse response;
  grpc::Status status = stubs_->compile->GetFingerprint(context.get(), request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response.fingerprint();
}

absl::StatusOr<v1::InstantiateResponse> KilnClient::Instantiate(
    const v1::InstantiateRequest& request) {
  CallContext context(*this);
  v1::InstantiateResponse response;
  grpc::Status status = stubs_->execution->Instantiate(context.get(), request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::StatusOr<v1::InvokeResponse> KilnClient::Invoke(std::string_view instance_id,
                                                      std::string_view export_name,
                                                      std::vector<v1::Value> args) {
  CallContext context(*this);
  v1::InvokeRequest request;
  request.set_instance_id(std::string(instance_id));
  request.set_export_name(std::string(export_name));
  for (v1::Value& arg : args) *request.add_args() = std::move(arg);
  v1::InvokeResponse response;
  grpc::Status status = stubs_->execution->Invoke(context.get(), request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::Status KilnClient::DropInstance(std::string_view instance_id) {
  CallContext context(*this);
  v1::DropInstanceRequest request;
  request.set_instance_id(std::string(instance_id));
  v1::DropInstanceResponse response;
  return FromGrpc(stubs_->execution->DropInstance(context.get(), request, &response));
}

absl::StatusOr<v1::ExecuteResponse> KilnClient::Execute(const v1::ExecuteRequest& request) {
  CallContext context(*this);
  v1::ExecuteResponse response;
  grpc::Status status = stubs_->execution->Execute(context.get(), request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::StatusOr<v1::RunCommandResult> KilnClient::RunCommand(const v1::RunCommandRequest& request,
                                                            const CommandOutput& output) {
  CallContext context(*this);
  std::unique_ptr<grpc::ClientReader<v1::RunCommandReply>> reader =
      stubs_->execution->RunCommand(context.get(), request);
  v1::RunCommandReply reply;
  std::optional<v1::RunCommandResult> result;
  while (reader->Read(&reply)) {
    switch (reply.event_case()) {
      case v1::RunCommandReply::kStdout:
        if (output.on_stdout) output.on_stdout(reply.stdout());
        break;
      case v1::RunCommandReply::kStderr:
        if (output.on_stderr) output.on_stderr(reply.stderr());
        break;
      case v1::RunCommandReply::kResult: result = std::move(*reply.mutable_result()); break;
      default: break;
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return FromGrpc(status);
  if (!result.has_value()) return absl::InternalError("kilnd ended RunCommand without a result");
  return *std::move(result);
}

absl::StatusOr<v1::StatsResponse> KilnClient::Stats() {
  CallContext context(*this);
  v1::StatsResponse response;
  grpc::Status status = stubs_->admin->Stats(context.get(), v1::StatsRequest(), &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

}  // namespace kiln::client
