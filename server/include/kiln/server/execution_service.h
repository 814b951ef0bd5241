// kiln/server/execution_service.h — kiln.v1.ExecutionService: load,
// instantiate and run modules for clients, each instance in its own Store.
//
// Guests are hostile until proven otherwise, and none may hurt the daemon
// or another guest:
//   - time: every call (and start function) gets an epoch deadline of the
//     Store's time limit (--time-limit-ms at most, and never past the
//     caller's gRPC deadline); a guest that runs longer traps with
//     TRAP_KIND_INTERRUPTED. A guest whose caller cancels is interrupted
//     within about 20 ms (CancelWatcher, which says what gRPC counts as a
//     cancel), and the call ends CANCELLED.
//   - memory: each Store may hold --max-memory bytes of linear memory and
//     --max-table-elements table elements, all its memories (tables)
//     together; memory.grow (table.grow) beyond returns -1, a module that
//     starts beyond is RESOURCE_EXHAUSTED. Every Store also charges the
//     daemon's MemoryBudget (--max-total-memory) the same way, and so does
//     a request's module bytes while the request lasts.
//   - instances: an Execute holds one of --max-instances for its duration,
//     as an Instantiate does for the instance's life; past them,
//     RESOURCE_EXHAUSTED.
//   - stack: wasm runs on the gRPC handler thread, which needs
//     EngineConfig::max_wasm_stack plus room for the host; deeper recursion
//     traps with TRAP_KIND_CALL_STACK_EXHAUSTED. kilnd raises the default
//     thread stack size so that gRPC's threads have that room, and each
//     call checks it, refusing (RESOURCE_EXHAUSTED) rather than risking
//     the daemon on a thread that is somehow smaller.
// A trap is the call's result, never an error status.
#ifndef KILN_SERVER_EXECUTION_SERVICE_H_
#define KILN_SERVER_EXECUTION_SERVICE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <grpcpp/server_context.h>
#include <grpcpp/support/sync_stream.h>

#include "absl/status/statusor.h"
#include "kiln/cache/cache_key.h"
#include "kiln/runtime/engine.h"
#include "kiln/runtime/extern.h"
#include "kiln/runtime/linker.h"
#include "kiln/runtime/memory_budget.h"
#include "kiln/runtime/module.h"
#include "kiln/runtime/store.h"
#include "kiln/server/auth.h"
#include "kiln/server/cancel_watcher.h"
#include "kiln/server/command_world.h"
#include "kiln/server/compile_pipeline.h"
#include "kiln/server/epoch_ticker.h"
#include "kiln/server/instance_registry.h"
#include "kiln/server/loaded_modules.h"
#include "kiln/server/request_log.h"
#include "kiln/v1/execution_service.grpc.pb.h"

namespace kiln::server {

// The daemon's ceilings; a request may ask for less (0: the ceiling).
struct ExecutionLimits {
  uint64_t max_memory_bytes = uint64_t{1} << 30;
  uint64_t max_table_elements = 10'000'000;
  uint32_t time_limit_ms = 10'000;
  // RunCommand: see CommandWorld.
  CommandLimits command;
};

class ExecutionServiceImpl final : public v1::ExecutionService::Service {
 public:
  struct Dependencies {
    runtime::Engine& engine;
    const EpochTicker& ticker;
    CancelWatcher& cancels;
    CompilePipeline& pipeline;
    LoadedModules& loaded_modules;
    InstanceRegistry& instances;
    runtime::MemoryBudget& budget;
    RequestLog& log;
    const BearerTokenAuth& auth;
  };

  ExecutionServiceImpl(Dependencies deps, ExecutionLimits limits);

  grpc::Status Instantiate(grpc::ServerContext* context, const v1::InstantiateRequest* request,
                           v1::InstantiateResponse* response) override;
  grpc::Status Invoke(grpc::ServerContext* context, const v1::InvokeRequest* request,
                      v1::InvokeResponse* response) override;
  grpc::Status DropInstance(grpc::ServerContext* context, const v1::DropInstanceRequest* request,
                            v1::DropInstanceResponse* response) override;
  grpc::Status Execute(grpc::ServerContext* context, const v1::ExecuteRequest* request,
                       v1::ExecuteResponse* response) override;
  grpc::Status RunCommand(grpc::ServerContext* context, const v1::RunCommandRequest* request,
                          grpc::ServerWriter<v1::RunCommandReply>* writer) override;

 private:
  struct ResolvedModule {
    std::shared_ptr<const runtime::Module> module;
    cache::CacheKey key;
    bool cache_hit = false;
  };
  // A Store with its instance, or the trap its start function ended in.
  struct Instantiated {
    std::unique_ptr<runtime::Store> store;
    std::optional<runtime::Instance> instance;
    std::optional<v1::Trap> start_trap;
  };
  // What one call gave: results, or a trap.
  struct CallOutcome {
    std::vector<runtime::Value> results;
    std::optional<v1::Trap> trap;
    uint64_t run_micros = 0;
  };

  // Loads `source`'s module (through the cache) and refuses modules with
  // imports: the daemon offers host functions (WASI's) only to commands.
  absl::StatusOr<ResolvedModule> Resolve(const v1::ModuleSource& source,
                                         const grpc::ServerContext& context,
                                         bool offer_wasi = false);
  absl::StatusOr<std::shared_ptr<const runtime::Module>> LoadCached(const cache::CacheKey& key);
  absl::StatusOr<ResolvedModule> LoadCompiled(std::span<const uint8_t> bytes,
                                              const v1::CompileOptions& options,
                                              const grpc::ServerContext& context);

  // Room in the budget for a request's module bytes, held while the
  // request lasts (gRPC has them in memory until it ends); none for a
  // module named by its cache key.
  absl::StatusOr<runtime::MemoryBudget::Reservation> HoldModuleBytes(
      const v1::ModuleSource& source);
  runtime::StoreLimits StoreLimitsFor(const v1::StoreLimits& requested) const;
  std::chrono::milliseconds TimeLimitFor(const v1::StoreLimits& requested) const;

  // `linker` (none: an empty one) defines the imports, `store` (none: a
  // new one) is where the instance goes.
  absl::StatusOr<Instantiated> InstantiateInStore(const ResolvedModule& resolved,
                                                  const v1::StoreLimits& limits,
                                                  const grpc::ServerContext& context,
                                                  std::unique_ptr<runtime::Store> store = nullptr,
                                                  const runtime::Linker* linker = nullptr);
  absl::StatusOr<CallOutcome> Call(runtime::Store& store, runtime::Func func,
                                   std::span<const runtime::Value> args,
                                   std::chrono::milliseconds time_limit,
                                   const grpc::ServerContext& context);
  // Sets the Store's epoch deadline for a call that may run `time_limit`
  // (or until the caller's deadline, if that is sooner).
  void ArmDeadline(runtime::Store& store, std::chrono::milliseconds time_limit,
                   const grpc::ServerContext& context) const;
  // CANCELLED (or DEADLINE_EXCEEDED) when `status` is the interruption of
  // a guest whose caller has gone; OK otherwise.
  static absl::Status CallerGone(const absl::Status& status, const grpc::ServerContext& context);

  Dependencies deps_;
  const ExecutionLimits limits_;
};

}  // namespace kiln::server

#endif  // KILN_SERVER_EXECUTION_SERVICE_H_
