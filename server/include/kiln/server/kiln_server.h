// kiln/server/kiln_server.h — the whole daemon as one object: the artifact
// cache, compilers, engine and instances, the three Kiln services plus
// health and reflection, on one gRPC server.
//
// kilnd's main is flags, signals and this; tests may embed it the same way.
#ifndef KILN_SERVER_KILN_SERVER_H_
#define KILN_SERVER_KILN_SERVER_H_

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/server.h>

#include "absl/status/statusor.h"
#include "kiln/cache/artifact_store.h"
#include "kiln/runtime/engine.h"
#include "kiln/runtime/memory_budget.h"
#include "kiln/server/admin_service.h"
#include "kiln/server/auth.h"
#include "kiln/server/batch_store.h"
#include "kiln/server/cancel_watcher.h"
#include "kiln/server/compile_pipeline.h"
#include "kiln/server/compile_service.h"
#include "kiln/server/epoch_ticker.h"
#include "kiln/server/execution_service.h"
#include "kiln/server/heap_trimmer.h"
#include "kiln/server/instance_registry.h"
#include "kiln/server/loaded_modules.h"
#include "kiln/server/request_log.h"
#include "kiln/server/server_config.h"
#include "kiln/server/tiered_compiler.h"

namespace kiln::server {

class KilnServer {
 public:
  // Opens the cache, reads the token and TLS files, and starts serving.
  // INVALID_ARGUMENT for unusable settings (unreadable files), UNAVAILABLE
  // when the address cannot be bound, the cache's error when its folder
  // cannot be opened.
  static absl::StatusOr<std::unique_ptr<KilnServer>> Start(const ServerConfig& config);
  // Shuts down (without a grace period) if Shutdown was not called.
  ~KilnServer();
  KilnServer(const KilnServer&) = delete;
  KilnServer& operator=(const KilnServer&) = delete;

  // HOST:PORT with the port actually bound (--listen may say 0).
  const std::string& address() const { return address_; }
  // --max-total-memory, with its default filled in.
  const runtime::MemoryBudget& memory_budget() const { return memory_budget_; }

  // Health checks say NOT_SERVING, new calls are refused, and calls in
  // flight get up to `grace` to finish before they are cancelled; returns
  // once every handler has returned.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  explicit KilnServer(const ServerConfig& config);

  // Declared in dependency order: each member only uses those above it,
  // and they are destroyed in reverse, the gRPC server first.
  const ServerConfig config_;
  BearerTokenAuth auth_;
  RequestLog log_;
  // Everything that holds memory on a client's behalf charges it; it
  // outlives all of them.
  runtime::MemoryBudget memory_budget_;
  runtime::Engine engine_;
  std::unique_ptr<cache::ArtifactStore> store_;
  std::unique_ptr<BatchStore> batches_;
  std::unique_ptr<CompilePipeline> pipeline_;
  std::unique_ptr<TieredCompiler> tiers_;
  LoadedModules loaded_modules_;
  InstanceRegistry instances_;
  EpochTicker ticker_;
  CancelWatcher cancels_;
  HeapTrimmer heap_trimmer_;
  std::unique_ptr<CompileServiceImpl> compile_service_;
  std::unique_ptr<ExecutionServiceImpl> execution_service_;
  std::unique_ptr<AdminServiceImpl> admin_service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  bool shut_down_ = false;
};

}  // namespace kiln::server

#endif  // KILN_SERVER_KILN_SERVER_H_
