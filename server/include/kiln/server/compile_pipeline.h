// kiln/server/compile_pipeline.h — module bytes to a cached artifact, as
// kilnd does it for every caller (CompileService, and ExecutionService when
// it is handed a module).
//
// The steps: pick the jit::Compiler for the request's options (one per
// distinct opt level and CPU, made on first use and kept: a Compiler is
// thread-safe), key the module by its bytes and that compiler's
// fingerprint, and ask the ArtifactStore, which answers from a tier or
// runs one compute per key however many callers ask at once. A compute
// waits for one of --max-concurrent-compiles slots, reserves the memory the
// compile is expected to take from the daemon's budget (compile_memory.h),
// decodes and validates, compiles on the daemon's TBB arena (--threads)
// and writes the artifact.
//
// Cancellation: a caller that gives up stops waiting for another caller's
// compile and for a compile slot within a few milliseconds. A compile it
// leads stops scheduling batches (jit::Compiler::Compile's `cancelled`) and
// returns once the batches already running finish; a caller that was
// waiting for it then compiles in its place (cache::ArtifactStore).
#ifndef KILN_SERVER_COMPILE_PIPELINE_H_
#define KILN_SERVER_COMPILE_PIPELINE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include <oneapi/tbb/task_arena.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kiln/cache/artifact_store.h"
#include "kiln/cache/cache_key.h"
#include "kiln/jit/compiler.h"
#include "kiln/runtime/memory_budget.h"
#include "kiln/server/compile_progress.h"
#include "kiln/server/compile_slots.h"
#include "kiln/v1/compile_service.pb.h"
#include "kiln/v1/types.pb.h"

namespace kiln::server {

struct CompilePipelineOptions {
  uint32_t threads = 1;
  uint32_t max_concurrent_compiles = 4;
  uint64_t max_module_size = uint64_t{256} << 20;
  // Each compile reserves its estimated memory here first; none when null.
  runtime::MemoryBudget* budget = nullptr;
  // Compiled batches of functions to reuse and keep; none when null.
  jit::BatchCache* batches = nullptr;
};

// What one request got.
struct CompileOutcome {
  cache::CacheKey key;
  cache::Blob artifact;
  bool cache_hit = false;  // nothing was compiled for it
  bool shared = false;     // it waited for another request's compile
  std::string fingerprint;
  // As CompileStats defines them.
  uint32_t defined_functions = 0;
  uint64_t code_bytes = 0;
  uint64_t compile_micros = 0;  // 0 on a cache hit
  // Of the defined functions, those whose batch came from the batch cache
  // (see batch_store.h) in the compile that made the artifact.
  uint32_t functions_reused = 0;
  // Set by TieredCompiler (tiered_compiler.h): the tier of the artifact's
  // code, and whether an optimized compile of the module is pending.
  v1::CompileTier tier = v1::COMPILE_TIER_OPTIMIZED;
  bool optimizing = false;
};

// How a compile is run, beyond what it makes.
struct CompileControl {
  // Polled while waiting and between batches; true stops the request.
  std::function<bool()> cancelled;
  // Told how far the compile of this module is (compile_progress.h), also
  // when another request leads it.
  CompileProgressBoard::Listener progress;
  // Runs on the low-priority arena: TBB's workers serve other compiles
  // first (the auto tier's optimized compiles).
  bool background = false;
};

class CompilePipeline {
 public:
  CompilePipeline(CompilePipelineOptions options, cache::ArtifactStore& store);
  ~CompilePipeline();
  CompilePipeline(const CompilePipeline&) = delete;
  CompilePipeline& operator=(const CompilePipeline&) = delete;

  // The compiler for `options`; INVALID_ARGUMENT for an unknown opt level
  // or a CPU LLVM does not know (or one below Kiln's baseline).
  absl::StatusOr<const jit::Compiler*> CompilerFor(const v1::CompileOptions& options);

  // The artifact of `module` compiled with `options`, from the cache or
  // compiled now. Errors: RESOURCE_EXHAUSTED for a module over
  // --max-module-size, or a compile the memory budget cannot hold now (or
  // ever: then before waiting for a slot); INVALID_ARGUMENT for a
  // malformed or invalid module (the decoder's or validator's message,
  // with the byte offset) or bad options; UNIMPLEMENTED for a module that
  // needs a WebAssembly 3.0 feature Kiln lacks; CANCELLED when `cancelled()`
  // turned true while waiting; what the compiler returns when it fails
  // ("compile: ...").
  absl::StatusOr<CompileOutcome> Compile(std::span<const uint8_t> module,
                                         const v1::CompileOptions& options,
                                         const CompileControl& control);
  absl::StatusOr<CompileOutcome> Compile(std::span<const uint8_t> module,
                                         const v1::CompileOptions& options,
                                         const std::function<bool()>& cancelled) {
    return Compile(module, options, CompileControl{.cancelled = cancelled});
  }

  // The cache key `module` has under `options` (INVALID_ARGUMENT for bad
  // options).
  absl::StatusOr<cache::CacheKey> KeyFor(std::span<const uint8_t> module,
                                         const v1::CompileOptions& options);

  cache::ArtifactStore& store() { return store_; }
  uint64_t max_module_size() const { return options_.max_module_size; }
  uint32_t pool_threads() const { return static_cast<uint32_t>(arena_.max_concurrency()); }
  // Compiles holding a slot now (waiting ones not counted).
  uint32_t compiles_running() const { return slots_.in_use(); }
  // Compiles started since the daemon started, at O0 (the baseline tier)
  // and at O1 or O2.
  uint64_t baseline_compiles() const { return baseline_compiles_.load(); }
  uint64_t optimized_compiles() const { return optimized_compiles_.load(); }

 private:
  // What Compile reports about an artifact beyond its bytes, remembered per
  // key so that requests that shared a compile, and later hits, need not
  // parse the artifact again.
  struct ArtifactSummary {
    uint32_t defined_functions = 0;
    uint64_t code_bytes = 0;
    uint64_t compile_micros = 0;
    uint32_t functions_reused = 0;
  };

  absl::StatusOr<cache::Blob> CompileArtifact(std::span<const uint8_t> module,
                                              const jit::Compiler& compiler,
                                              const cache::CacheKey& key,
                                              const CompileControl& control);
  void Remember(const cache::CacheKey& key, const ArtifactSummary& summary);
  std::optional<ArtifactSummary> Recall(const cache::CacheKey& key);

  const CompilePipelineOptions options_;
  cache::ArtifactStore& store_;
  CompileSlots slots_;
  tbb::task_arena arena_;
  // The same number of threads at low priority, over TBB's same workers.
  tbb::task_arena background_arena_;
  CompileProgressBoard progress_;
  std::atomic<uint64_t> baseline_compiles_{0};
  std::atomic<uint64_t> optimized_compiles_{0};

  absl::Mutex compilers_mu_;
  // By (opt level, CPU name as the request spelled it).
  absl::flat_hash_map<std::pair<int, std::string>, std::unique_ptr<jit::Compiler>> compilers_
      ABSL_GUARDED_BY(compilers_mu_);

  absl::Mutex summaries_mu_;
  absl::flat_hash_map<cache::CacheKey, ArtifactSummary> summaries_ ABSL_GUARDED_BY(summaries_mu_);
};

}  // namespace kiln::server

#endif  // KILN_SERVER_COMPILE_PIPELINE_H_
