#include "kiln/server/tiered_compiler.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace kiln::server {

TieredCompiler::TieredCompiler(CompilePipeline& pipeline, runtime::MemoryBudget* budget,
                               uint32_t max_queued)
    : pipeline_(pipeline), budget_(budget), max_queued_(max_queued), thread_([this] { Run(); }) {}

TieredCompiler::~TieredCompiler() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cancel_running_.store(true);
  wake_.notify_all();
  thread_.join();
}

absl::StatusOr<CompileOutcome> TieredCompiler::Compile(std::span<const uint8_t> module,
                                                       const v1::CompileOptions& options,
                                                       v1::CompileTier tier,
                                                       const CompileControl& control) {
  v1::CompileOptions baseline = options;
  baseline.set_opt_level(v1::OPT_LEVEL_O0);
  // An O0 request's optimized code is its baseline code: nothing to defer.
  const bool asks_o0 = options.opt_level() == v1::OPT_LEVEL_O0;
  switch (tier) {
    case v1::COMPILE_TIER_BASELINE: {
      absl::StatusOr<CompileOutcome> outcome = pipeline_.Compile(module, baseline, control);
      if (outcome.ok()) outcome->tier = v1::COMPILE_TIER_BASELINE;
      return outcome;
    }
    case v1::COMPILE_TIER_UNSPECIFIED:
    case v1::COMPILE_TIER_OPTIMIZED:
      return pipeline_.Compile(module, options, control);
    case v1::COMPILE_TIER_AUTO:
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown compile tier ", static_cast<int>(tier)));
  }
  if (asks_o0) return pipeline_.Compile(module, options, control);
  absl::StatusOr<cache::CacheKey> optimized_key = pipeline_.KeyFor(module, options);
  if (!optimized_key.ok()) return optimized_key.status();
  if (pipeline_.store().Get(*optimized_key) != nullptr) {
    return pipeline_.Compile(module, options, control);
  }
  absl::StatusOr<CompileOutcome> outcome = pipeline_.Compile(module, baseline, control);
  if (!outcome.ok()) return outcome;
  outcome->tier = v1::COMPILE_TIER_BASELINE;
  // Only a module that compiled is worth optimizing: it is valid.
  outcome->optimizing = Schedule(module, options, *optimized_key);
  return outcome;
}

bool TieredCompiler::Schedule(std::span<const uint8_t> module, const v1::CompileOptions& options,
                              const cache::CacheKey& key) {
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  if (pending_.contains(key)) return true;
  if (queue_.size() >= max_queued_) {
    ++stats_.dropped;
    return false;
  }
  runtime::MemoryBudget::Reservation memory;
  if (budget_ != nullptr) {
    absl::StatusOr<runtime::MemoryBudget::Reservation> reserved =
        budget_->Reserve(module.size(), "a module queued for its optimized compile");
    if (!reserved.ok()) {
      ++stats_.dropped;
      return false;
    }
    memory = *std::move(reserved);
  }
  queue_.push_back(Job{.module = std::vector<uint8_t>(module.begin(), module.end()),
                       .options = options,
                       .key = key,
                       .memory = std::move(memory)});
  pending_.insert(key);
  ++stats_.queued;
  wake_.notify_one();
  return true;
}

void TieredCompiler::Run() {
  for (;;) {
    Job job{.key = cache::CacheKey(cache::CacheKey::Digest{})};
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      --stats_.queued;
      stats_.running = 1;
    }
    absl::StatusOr<CompileOutcome> outcome = pipeline_.Compile(
        job.module, job.options,
        CompileControl{.cancelled = [this] { return cancel_running_.load(); }, .background = true});
    std::lock_guard lock(mu_);
    stats_.running = 0;
    ++(outcome.ok() ? stats_.finished : stats_.failed);
    pending_.erase(job.key);
  }
}

TieredCompilerStats TieredCompiler::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace kiln::server
