#include "cached_run.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "kiln/cache/cache_key.h"
#include "kiln/cache/disk_tier.h"
#include "kiln/cache/local_artifact_store.h"
#include "kiln/runtime/engine.h"
#include "kiln/runtime/module.h"
#include "kiln/wasm/artifact_format.h"
#include "fingerprint_memo.h"
#include "load_report.h"
#include "module_file.h"
#include "run_options.h"
#include "run_program.h"

namespace kiln::client {

std::optional<int> RunFromCache(const std::vector<std::string>& args) {
  absl::StatusOr<RunOptions> options = ParseRunCommandLine(args);
  if (!options.ok() || !options->server.target.empty() || options->path == "-") {
    return std::nullopt;
  }
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadModuleFile(options->path);
  if (!bytes.ok()) return std::nullopt;
  // Text (.wat) needs the parser, which lives in kiln-full.
  static constexpr uint8_t kWasmMagic[4] = {0x00, 0x61, 0x73, 0x6D};
  const bool binary = bytes->size() >= 4 && std::equal(kWasmMagic, kWasmMagic + 4, bytes->begin());
  if (!binary && !wasm::HasArtifactMagic(*bytes)) return std::nullopt;
  runtime::Engine engine;
  if (wasm::HasArtifactMagic(*bytes)) {
    if (options->compiler_options_given) return std::nullopt;
    absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
        runtime::Module::LoadArtifact(engine, *bytes);
    if (!module.ok()) return std::nullopt;
    return RunLoadedModule(*options, engine, *module);
  }

  if (!options->use_cache) return std::nullopt;
  const std::string cache_dir =
      options->cache_dir.empty() ? cache::DefaultCacheDir() : options->cache_dir;
  if (cache_dir.empty()) return std::nullopt;
  const std::optional<std::string> fingerprint = ReadFingerprintMemo(cache_dir, options->compiler);
  if (!fingerprint.has_value()) return std::nullopt;
  const auto load_start = std::chrono::steady_clock::now();
  const cache::CacheKey key = cache::CacheKey::ForModule(*bytes, *fingerprint);
  absl::StatusOr<std::unique_ptr<cache::DiskTier>> tier =
      cache::DiskTier::Open({.root = cache_dir, .index_existing = false});
  if (!tier.ok()) return std::nullopt;
  const cache::Blob artifact = (*tier)->Get(key);
  if (artifact == nullptr) return std::nullopt;
  // The entry is named by our key, but only loading it proves it is code
  // this host may run under that fingerprint; kiln-full replaces one that
  // is not.
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
      runtime::Module::LoadArtifact(engine, *artifact, {.expected_fingerprint = *fingerprint});
  if (!module.ok()) return std::nullopt;
  if (options->verbose) {
    LoadReport report;
    report.cache_hit = true;
    report.cache_key = key.ToHex();
    report.load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                               load_start).count();
    PrintLoadReport(report, cache_dir);
  }
  return RunLoadedModule(*options, engine, *module);
}

}  // namespace kiln::client
