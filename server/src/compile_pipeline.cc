#include "kiln/server/compile_pipeline.h"

#include <chrono>
#include <exception>
#include <new>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kiln/jit/artifact_writer.h"
#include "kiln/runtime/artifact.h"
#include "kiln/server/compile_memory.h"
#include "kiln/wasm/validator.h"
#include "kiln/wasm/version.h"

namespace kiln::server {
namespace {

// Summaries are a convenience (they save re-reading an artifact); a bound
// keeps a daemon that sees millions of modules from growing without end.
constexpr size_t kMaxSummaries = 65536;

absl::StatusOr<jit::OptLevel> ToOptLevel(v1::OptLevel level) {
  switch (level) {
    case v1::OPT_LEVEL_UNSPECIFIED:
    case v1::OPT_LEVEL_O2:
      return jit::OptLevel::kO2;
    case v1::OPT_LEVEL_O1:
      return jit::OptLevel::kO1;
    case v1::OPT_LEVEL_O0:
      return jit::OptLevel::kO0;
    default:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown opt level ", static_cast<int>(level)));
}

uint64_t MicrosSince(std::chrono::steady_clock::time_point start) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count());
}

}  // namespace

CompilePipeline::CompilePipeline(CompilePipelineOptions options, cache::ArtifactStore& store)
    : options_(options),
      store_(store),
      slots_(options.max_concurrent_compiles),
      arena_(static_cast<int>(options.threads)),
      background_arena_(static_cast<int>(options.threads), 1, tbb::task_arena::priority::low) {}

CompilePipeline::~CompilePipeline() = default;

absl::StatusOr<const jit::Compiler*> CompilePipeline::CompilerFor(
    const v1::CompileOptions& options) {
  absl::StatusOr<jit::OptLevel> level = ToOptLevel(options.opt_level());
  if (!level.ok()) return level.status();
  std::pair<int, std::string> id(static_cast<int>(*level), options.cpu());
  {
    absl::MutexLock lock(&compilers_mu_);
    if (auto it = compilers_.find(id); it != compilers_.end()) return it->second.get();
  }
  // Made outside the lock: setting up LLVM's target takes a while, and
  // requests for compilers that exist already should not wait for it.
  absl::StatusOr<std::unique_ptr<jit::Compiler>> made =
      jit::Compiler::Create({.opt_level = *level, .cpu = options.cpu()});
  if (!made.ok()) {
    return absl::InvalidArgumentError(std::string(made.status().message()));
  }
  absl::MutexLock lock(&compilers_mu_);
  auto [it, inserted] = compilers_.try_emplace(std::move(id), *std::move(made));
  return it->second.get();
}

absl::StatusOr<cache::CacheKey> CompilePipeline::KeyFor(std::span<const uint8_t> module,
                                                        const v1::CompileOptions& options) {
  absl::StatusOr<const jit::Compiler*> compiler = CompilerFor(options);
  if (!compiler.ok()) return compiler.status();
  return cache::CacheKey::ForModule(module, (*compiler)->fingerprint());
}

absl::StatusOr<CompileOutcome> CompilePipeline::Compile(std::span<const uint8_t> module,
                                                        const v1::CompileOptions& options,
                                                        const CompileControl& control) {
  const std::function<bool()>& cancelled = control.cancelled;
  if (module.size() > options_.max_module_size) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the module is ", module.size(), " bytes, over this daemon's limit of ",
                     options_.max_module_size, " (--max-module-size)"));
  }
  absl::StatusOr<const jit::Compiler*> compiler = CompilerFor(options);
  if (!compiler.ok()) return compiler.status();
  const cache::CacheKey key = cache::CacheKey::ForModule(module, (*compiler)->fingerprint());
  CompileProgressBoard::Watch watch;
  if (control.progress) watch = progress_.Subscribe(key, control.progress);

  // The second round runs only after a cached entry turned out not to be
  // this compiler's and was removed.
  for (int round = 0;; ++round) {
    absl::StatusOr<cache::ArtifactStore::Lookup> lookup = store_.GetOrCompute(
        key, [&] { return CompileArtifact(module, **compiler, key, control); }, cancelled);
    if (!lookup.ok()) return lookup.status();

    CompileOutcome outcome{.key = key,
                           .artifact = lookup->blob,
                           .cache_hit = lookup->cache_hit,
                           .shared = lookup->shared,
                           .fingerprint = (*compiler)->fingerprint()};
    std::optional<ArtifactSummary> summary = Recall(key);
    if (!summary.has_value()) {
      // An entry this process has not described yet (found in a tier, or
      // compiled for a caller whose summary was since forgotten): its header
      // must name our compiler, or it was planted or damaged under our key
      // and is replaced.
      absl::StatusOr<runtime::ArtifactInfo> info = runtime::InspectArtifact(*lookup->blob);
      const bool ours = info.ok() && info->fingerprint == (*compiler)->fingerprint() &&
                        info->kiln_version == KilnVersion();
      if (!ours) {
        if (!lookup->cache_hit || round > 0) {
          return absl::InternalError(absl::StrCat(
              "the artifact cached as ", key.ToHex(), " was not made by this compiler",
              info.ok() ? "" : ": ", info.ok() ? "" : std::string(info.status().message())));
        }
        store_.Remove(key);
        continue;
      }
      summary = ArtifactSummary{.defined_functions = info->defined_functions,
                                .code_bytes = info->text_bytes};
      Remember(key, *summary);
    }
    outcome.defined_functions = summary->defined_functions;
    outcome.code_bytes = summary->code_bytes;
    outcome.compile_micros = lookup->cache_hit ? 0 : summary->compile_micros;
    outcome.functions_reused = lookup->cache_hit ? 0 : summary->functions_reused;
    return outcome;
  }
}

absl::StatusOr<cache::Blob> CompilePipeline::CompileArtifact(
    std::span<const uint8_t> module, const jit::Compiler& compiler, const cache::CacheKey& key,
    const CompileControl& control) {
  const std::function<bool()>& cancelled = control.cancelled;
  // LLVM aborts the process when an allocation fails, so the compile's
  // memory is set aside before it starts; a compile that could never fit
  // is refused before it waits for anything.
  const CodeSize code = ScanCodeSize(module);
  const uint64_t estimate = EstimateCompileMemory(code, options_.threads);
  const std::string what = absl::StrCat(
      "compiling this module (", runtime::FormatBytes(code.code_bytes),
      " of function bodies, the largest ", runtime::FormatBytes(code.largest_body), ")");
  if (options_.budget != nullptr && estimate > options_.budget->limit()) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, " needs about ", runtime::FormatBytes(estimate), ", more than ",
                     options_.budget->name(), " of ",
                     runtime::FormatBytes(options_.budget->limit()), " holds at all"));
  }
  CompileSlots::Slot slot = slots_.Acquire(cancelled);
  if (!slot) return absl::CancelledError("cancelled while waiting for a compile slot");
  runtime::MemoryBudget::Reservation memory;
  if (options_.budget != nullptr) {
    absl::StatusOr<runtime::MemoryBudget::Reservation> reserved =
        options_.budget->Reserve(estimate, what);
    if (!reserved.ok()) return reserved.status();
    memory = *std::move(reserved);
  }
  (compiler.options().opt_level == jit::OptLevel::kO0 ? baseline_compiles_ : optimized_compiles_)
      .fetch_add(1);
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<cache::Blob> result;
  ArtifactSummary summary;
  const jit::Compiler::Progress progress = [this, &key](uint32_t done, uint32_t total) {
    progress_.Report(key, done, total);
  };
  try {
    // Validation runs its function bodies in parallel on the current arena,
    // so it belongs inside too.
    (control.background ? background_arena_ : arena_).execute([&] {
      absl::StatusOr<wasm::Module> decoded = wasm::DecodeAndValidate(module);
      if (!decoded.ok()) {
        // A bad module is the caller's argument, whatever code the decoder
        // chose; one that needs a feature Kiln lacks stays UNIMPLEMENTED.
        const bool unsupported = decoded.status().code() == absl::StatusCode::kUnimplemented;
        result = absl::Status(
            unsupported ? absl::StatusCode::kUnimplemented : absl::StatusCode::kInvalidArgument,
            decoded.status().message());
        return;
      }
      jit::CompileStats stats;
      absl::StatusOr<wasm::CodeImage> image =
          compiler.Compile(*decoded, cancelled, options_.batches, &stats, progress);
      if (!image.ok()) {
        result = absl::Status(image.status().code(),
                              absl::StrCat("compile: ", std::string(image.status().message())));
        return;
      }
      absl::StatusOr<std::vector<uint8_t>> artifact = jit::WriteArtifact(module, *image);
      if (!artifact.ok()) {
        result = artifact.status();
        return;
      }
      summary.defined_functions = static_cast<uint32_t>(decoded->bodies.size());
      summary.code_bytes = image->text_size;
      summary.functions_reused = stats.functions_reused;
      result = std::make_shared<const std::vector<uint8_t>>(*std::move(artifact));
    });
  } catch (const std::bad_alloc&) {
    result = absl::ResourceExhaustedError("out of memory while compiling the module");
  } catch (const std::exception& e) {
    result = absl::InternalError(absl::StrCat("compile: ", e.what()));
  }
  if (result.ok()) {
    summary.compile_micros = MicrosSince(start);
    Remember(key, summary);
  }
  return result;
}

void CompilePipeline::Remember(const cache::CacheKey& key, const ArtifactSummary& summary) {
  absl::MutexLock lock(&summaries_mu_);
  if (summaries_.size() >= kMaxSummaries) summaries_.clear();
  summaries_[key] = summary;
}

std::optional<CompilePipeline::ArtifactSummary> CompilePipeline::Recall(
    const cache::CacheKey& key) {
  absl::MutexLock lock(&summaries_mu_);
  auto it = summaries_.find(key);
  if (it == summaries_.end()) return std::nullopt;
  return it->second;
}

}  // namespace kiln::server
