#include "stats_command.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "command_line.h"
#include "kiln/cache/disk_tier.h"
#include "kiln/cache/local_artifact_store.h"
#include "kiln/client/kiln_client.h"
#include "kiln/wasm/version.h"
#include "run_command.h"

namespace kiln::client {
namespace {

int Usage(const std::string& message) {
  std::fprintf(stderr, "kiln: %s\n%s", message.c_str(), kStatsUsage.data());
  return kExitUsage;
}

void Row(const std::string& name, const std::string& value) {
  std::printf("%-14s %s\n", name.c_str(), value.c_str());
}

void Print(const v1::StatsResponse& stats) {
  Row("version", stats.version());
  Row("uptime", absl::StrCat(stats.uptime_seconds(), " s"));
  if (stats.cache_tiers().empty()) Row("cache", "(none)");
  for (const v1::CacheTierStats& tier : stats.cache_tiers()) {
    Row(absl::StrCat("cache ", tier.name()),
        absl::StrCat(tier.entries(), " entries, ", tier.bytes(), " bytes; ", tier.hits(),
                     " hits, ", tier.misses(), " misses, ", tier.evictions(), " evictions, ",
                     tier.corrupt(), " corrupt, ", tier.oversized(), " oversized"));
  }
  Row("compiles", absl::StrCat(stats.compiles(), " (", stats.compile_errors(), " failed, ",
                               stats.shared_compiles(), " shared), ",
                               stats.compiles_in_flight(), " in flight"));
  Row("tiers", absl::StrCat(stats.baseline_compiles(), " baseline (O0), ",
                            stats.optimized_compiles(), " optimized compiles"));
  const v1::OptimizeQueueStats& queue = stats.optimize_queue();
  Row("optimize queue",
      absl::StrCat(queue.queued(), " queued, ", queue.running(), " running; ", queue.finished(),
                   " finished, ", queue.failed(), " failed, ", queue.dropped(), " dropped"));
  Row("pool threads", absl::StrCat(stats.pool_threads()));
  Row("instances", absl::StrCat(stats.instances_live(), " live"));
  Row("requests", absl::StrCat(stats.requests()));
}

// This machine's cache folder, described as a daemon would describe it.
absl::StatusOr<v1::StatsResponse> LocalStats(const std::string& cache_dir) {
  v1::StatsResponse stats;
  stats.set_version(std::string(KilnVersion()));
  if (cache_dir.empty()) return stats;
  absl::StatusOr<std::unique_ptr<cache::DiskTier>> disk =
      cache::DiskTier::Open({.root = cache_dir});
  if (!disk.ok()) return disk.status();
  const cache::TierStats tier = (*disk)->stats();
  v1::CacheTierStats* wire = stats.add_cache_tiers();
  wire->set_name("disk");
  wire->set_hits(tier.hits);
  wire->set_misses(tier.misses);
  wire->set_evictions(tier.evictions);
  wire->set_corrupt(tier.corrupt);
  wire->set_oversized(tier.oversized);
  wire->set_entries(tier.entries);
  wire->set_bytes(tier.bytes);
  return stats;
}

}  // namespace

int StatsCommand(const std::vector<std::string>& args) {
  ClientOptions server;
  std::optional<std::string> cache_dir;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string error;
    if (ServerOption(args, &i, &server, &error)) {
      if (!error.empty()) return Usage(error);
    } else if (std::optional<std::string> dir = OptionValue(args, &i, "--cache-dir", &error)) {
      cache_dir = *dir;
    } else if (!error.empty()) {
      return Usage(error);
    } else {
      return Usage(absl::StrCat("unexpected ", args[i]));
    }
  }
  absl::StatusOr<v1::StatsResponse> stats;
  if (!server.target.empty()) {
    if (cache_dir) return Usage("--cache-dir is the daemon's own with --server");
    absl::StatusOr<std::unique_ptr<KilnClient>> client = KilnClient::Connect(server);
    if (!client.ok()) return Usage(std::string(client.status().message()));
    stats = (*client)->Stats();
    if (!stats.ok()) {
      std::fprintf(stderr, "kiln: %s: %s\n", server.target.c_str(),
                   std::string(stats.status().message()).c_str());
      return kExitBadModule;
    }
  } else {
    stats = LocalStats(cache_dir.value_or(cache::DefaultCacheDir()));
    if (!stats.ok()) {
      std::fprintf(stderr, "kiln: %s\n", std::string(stats.status().message()).c_str());
      return kExitBadModule;
    }
  }
  Print(*stats);
  return kExitOk;
}

}  // namespace kiln::client
