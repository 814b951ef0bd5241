// kiln/server/tiered_compiler.h — compile requests by tier (baseline,
// optimized, auto), with the auto tier's optimized compiles in the
// background.
//
// Baseline is O0, the fastest LLVM path; optimized is the request's opt
// level. `auto` answers from the optimized artifact when it is cached, and
// otherwise with the baseline artifact at once, queueing the optimized
// compile for one background thread that runs it through the same
// CompilePipeline at low priority (CompileControl::background): the
// optimized artifact lands in the same cache, under the key an optimized
// request has, so later requests (auto or optimized) get it, and an
// optimized request that arrives while it runs waits for it instead of
// compiling again (the store's single flight).
//
// Bounds: at most `max_queued` modules wait, each queued copy of a module
// is charged to the daemon's memory budget, and a module already queued or
// running is not queued twice. A module that does not fit is dropped
// (counted): the next auto request for it queues it again. The destructor
// cancels the running compile and drops the queue.
#ifndef KILN_SERVER_TIERED_COMPILER_H_
#define KILN_SERVER_TIERED_COMPILER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "kiln/runtime/memory_budget.h"
#include "kiln/server/compile_pipeline.h"

namespace kiln::server {

struct TieredCompilerStats {
  uint32_t queued = 0;     // waiting now
  uint32_t running = 0;    // 0 or 1
  uint64_t finished = 0;   // optimized artifacts made (or found made) in the background
  uint64_t failed = 0;
  uint64_t dropped = 0;    // not queued: queue full or no memory for the copy
};

class TieredCompiler {
 public:
  // `budget` (may be null) is charged for queued modules' bytes.
  TieredCompiler(CompilePipeline& pipeline, runtime::MemoryBudget* budget, uint32_t max_queued);
  ~TieredCompiler();
  TieredCompiler(const TieredCompiler&) = delete;
  TieredCompiler& operator=(const TieredCompiler&) = delete;

  // As CompilePipeline::Compile, for `tier`; the outcome says the tier of
  // its code and whether an optimized compile is pending.
  absl::StatusOr<CompileOutcome> Compile(std::span<const uint8_t> module,
                                         const v1::CompileOptions& options, v1::CompileTier tier,
                                         const CompileControl& control);

  TieredCompilerStats stats() const;

 private:
  struct Job {
    std::vector<uint8_t> module;
    v1::CompileOptions options;
    cache::CacheKey key;
    runtime::MemoryBudget::Reservation memory;
  };

  // Whether the optimized compile of `key` is queued or running (now, or
  // after this call queued it).
  bool Schedule(std::span<const uint8_t> module, const v1::CompileOptions& options,
                const cache::CacheKey& key);
  void Run();

  CompilePipeline& pipeline_;
  runtime::MemoryBudget* const budget_;
  const uint32_t max_queued_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::deque<Job> queue_;  // guarded by mu_
  // Keys queued or running; guarded by mu_.
  absl::flat_hash_set<cache::CacheKey> pending_;
  TieredCompilerStats stats_;  // guarded by mu_
  std::atomic<bool> cancel_running_{false};
  std::thread thread_;
};

}  // namespace kiln::server

#endif  // KILN_SERVER_TIERED_COMPILER_H_
