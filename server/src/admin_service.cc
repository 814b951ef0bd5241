#include "kiln/server/admin_service.h"

#include <string>

#include "kiln/wasm/version.h"

namespace kiln::server {

AdminServiceImpl::AdminServiceImpl(CompilePipeline& pipeline, const TieredCompiler& tiers,
                                   InstanceRegistry& instances, RequestLog& log,
                                   const BearerTokenAuth& auth)
    : pipeline_(pipeline),
      tiers_(tiers),
      instances_(instances),
      log_(log),
      auth_(auth),
      started_(std::chrono::steady_clock::now()) {}

grpc::Status AdminServiceImpl::Stats(grpc::ServerContext* context,
                                     const v1::StatsRequest* /*request*/,
                                     v1::StatsResponse* response) {
  RequestRecord record(log_, "Stats", context);
  if (grpc::Status status = auth_.Check(*context); !status.ok()) return record.Finish(status);
  response->set_version(std::string(KilnVersion()));
  response->set_uptime_seconds(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
          .count()));
  const cache::ArtifactStoreStats stats = pipeline_.store().stats();
  for (const cache::ArtifactStoreStats::Tier& tier : stats.tiers) {
    v1::CacheTierStats* wire = response->add_cache_tiers();
    wire->set_name(tier.name);
    wire->set_hits(tier.stats.hits);
    wire->set_misses(tier.stats.misses);
    wire->set_evictions(tier.stats.evictions);
    wire->set_corrupt(tier.stats.corrupt);
    wire->set_oversized(tier.stats.oversized);
    wire->set_entries(tier.stats.entries);
    wire->set_bytes(tier.stats.bytes);
  }
  response->set_compiles(stats.computes);
  response->set_compile_errors(stats.compute_errors);
  response->set_shared_compiles(stats.shared_waits);
  // Compiles that hold a slot: those queued for one are not running yet.
  response->set_compiles_in_flight(pipeline_.compiles_running());
  response->set_pool_threads(pipeline_.pool_threads());
  response->set_instances_live(instances_.live());
  response->set_baseline_compiles(pipeline_.baseline_compiles());
  response->set_optimized_compiles(pipeline_.optimized_compiles());
  const TieredCompilerStats queue = tiers_.stats();
  v1::OptimizeQueueStats* wire_queue = response->mutable_optimize_queue();
  wire_queue->set_queued(queue.queued);
  wire_queue->set_running(queue.running);
  wire_queue->set_finished(queue.finished);
  wire_queue->set_failed(queue.failed);
  wire_queue->set_dropped(queue.dropped);
  // This request included.
  response->set_requests(log_.requests());
  return record.Finish(grpc::Status::OK);
}

}  // namespace kiln::server
