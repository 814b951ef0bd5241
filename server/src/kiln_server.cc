#include "kiln/server/kiln_server.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "kiln/cache/local_artifact_store.h"
#include "kiln/cache/memory_tier.h"

namespace kiln::server {
namespace {

// How often the epoch advances: the granularity of time limits.
constexpr std::chrono::milliseconds kEpochPeriod{5};
// How often running guests' calls are checked for cancellation.
constexpr std::chrono::milliseconds kCancelPollPeriod{20};
// How soon after the last request the heap's free memory goes back.
constexpr std::chrono::milliseconds kHeapTrimPeriod{200};
// Loaded modules kept for reuse beyond those live instances hold.
constexpr size_t kLoadedModulesKept = 64;

absl::StatusOr<std::string> ReadTextFile(const std::string& path, std::string_view flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(flag), ": cannot open ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

absl::StatusOr<std::unique_ptr<cache::ArtifactStore>> OpenStore(const ServerConfig& config) {
  if (!config.cache_dir.empty()) {
    return cache::OpenLocalArtifactStore(config.cache_dir, config.cache_budget_bytes,
                                         config.memory_cache_bytes);
  }
  // No disk tier: compiles are still shared in flight and kept in memory.
  std::vector<std::unique_ptr<cache::ArtifactTier>> tiers;
  if (config.memory_cache_bytes > 0) {
    tiers.push_back(std::make_unique<cache::MemoryTier>(config.memory_cache_bytes));
  }
  return std::make_unique<cache::ArtifactStore>(std::move(tiers));
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const ServerConfig& config) {
  if (config.tls_cert_file.empty()) return grpc::InsecureServerCredentials();
  absl::StatusOr<std::string> cert = ReadTextFile(config.tls_cert_file, "--tls-cert");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadTextFile(config.tls_key_file, "--tls-key");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*std::move(key), *std::move(cert)});
  return grpc::SslServerCredentials(options);
}

}  // namespace

KilnServer::KilnServer(const ServerConfig& config)
    : config_(config),
      memory_budget_(config.max_total_memory_bytes != 0 ? config.max_total_memory_bytes
                                                        : UsableHostMemory() / 2,
                     "this daemon's memory budget (--max-total-memory)"),
      loaded_modules_(kLoadedModulesKept),
      instances_(config.max_instances, std::chrono::seconds(config.idle_instance_timeout_s)),
      ticker_(engine_, kEpochPeriod),
      cancels_(kCancelPollPeriod),
      heap_trimmer_(log_, kHeapTrimPeriod) {}

absl::StatusOr<std::unique_ptr<KilnServer>> KilnServer::Start(const ServerConfig& config) {
  std::unique_ptr<KilnServer> self(new KilnServer(config));
  if (!config.auth_token_file.empty()) {
    absl::StatusOr<BearerTokenAuth> auth = BearerTokenAuth::FromFile(config.auth_token_file);
    if (!auth.ok()) return auth.status();
    self->auth_ = *std::move(auth);
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = Credentials(config);
  if (!credentials.ok()) return credentials.status();
  absl::StatusOr<std::unique_ptr<cache::ArtifactStore>> store = OpenStore(config);
  if (!store.ok()) {
    return absl::Status(store.status().code(), absl::StrCat("cache folder ", config.cache_dir, ": ",
                                                            store.status().message()));
  }
  self->store_ = *std::move(store);
  absl::StatusOr<std::unique_ptr<BatchStore>> batches = BatchStore::Open(config);
  if (!batches.ok()) {
    return absl::Status(batches.status().code(),
                        absl::StrCat("cache folder ", config.cache_dir, "/batches: ",
                                     batches.status().message()));
  }
  self->batches_ = *std::move(batches);
  self->pipeline_ = std::make_unique<CompilePipeline>(
      CompilePipelineOptions{.threads = config.threads,
                             .max_concurrent_compiles = config.max_concurrent_compiles,
                             .max_module_size = config.max_module_size,
                             .budget = &self->memory_budget_,
                             .batches = self->batches_.get()},
      *self->store_);
  self->tiers_ = std::make_unique<TieredCompiler>(*self->pipeline_, &self->memory_budget_,
                                                  config.max_optimize_queue);
  self->compile_service_ = std::make_unique<CompileServiceImpl>(
      *self->pipeline_, *self->tiers_, self->memory_budget_, self->log_, self->auth_,
      config.max_message_size);
  self->execution_service_ = std::make_unique<ExecutionServiceImpl>(
      ExecutionServiceImpl::Dependencies{.engine = self->engine_,
                                         .ticker = self->ticker_,
                                         .cancels = self->cancels_,
                                         .pipeline = *self->pipeline_,
                                         .loaded_modules = self->loaded_modules_,
                                         .instances = self->instances_,
                                         .budget = self->memory_budget_,
                                         .log = self->log_,
                                         .auth = self->auth_},
      ExecutionLimits{.max_memory_bytes = config.max_memory_bytes,
                      .max_table_elements = config.max_table_elements,
                      .time_limit_ms = config.time_limit_ms,
                      .command = {.max_output_bytes = config.max_output_bytes,
                                  .max_request_files = config.max_request_files,
                                  .max_file_bytes_written = config.max_file_bytes_written,
                                  .scratch_dir = config.scratch_dir,
                                  .operator_directories = config.operator_directories}});
  self->admin_service_ = std::make_unique<AdminServiceImpl>(
      *self->pipeline_, *self->tiers_, self->instances_, self->log_, self->auth_);

  // Both are process-wide switches that the builder reads.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, *credentials, &port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_size));
  builder.SetMaxSendMessageSize(static_cast<int>(config.max_message_size));
  // gRPC's synchronous server lets a thread that finished a call go on
  // polling only while fewer than MAX_POLLERS do, and starts a thread when
  // fewer than MIN_POLLERS are left; with its defaults (1 and 2) a steady
  // load of concurrent calls makes it start and end a thread for nearly
  // every call. A ceiling above any expected concurrency keeps the threads.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 64);
  // Without a quota every concurrent call gets a thread: a flood of slow
  // calls (compiles waiting for a slot, guests running to their time
  // limit) would start threads without bound.
  grpc::ResourceQuota quota("kilnd");
  quota.SetMaxThreads(static_cast<int>(config.max_call_threads));
  builder.SetResourceQuota(quota);
  builder.RegisterService(self->compile_service_.get());
  builder.RegisterService(self->execution_service_.get());
  builder.RegisterService(self->admin_service_.get());
  self->server_ = builder.BuildAndStart();
  if (self->server_ == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen));
  }
  self->address_ = absl::StrCat(config.listen.substr(0, config.listen.rfind(':')), ":", port);
  return self;
}

KilnServer::~KilnServer() { Shutdown(std::chrono::milliseconds(0)); }

void KilnServer::Shutdown(std::chrono::milliseconds grace) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService()) {
    health->SetServingStatus(false);
  }
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
}

}  // namespace kiln::server
