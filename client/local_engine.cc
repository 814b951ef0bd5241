#include "local_engine.h"

#include <chrono>
#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "fingerprint_memo.h"
#include "kiln/cache/cache_key.h"
#include "kiln/cache/local_artifact_store.h"
#include "kiln/jit/artifact_writer.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/validator.h"

namespace kiln::client {
namespace {

constexpr char kInvalidModuleUrl[] = "type.kiln.dev/kiln.client.InvalidModule";

absl::Status MarkInvalid(absl::Status status) {
  status.SetPayload(kInvalidModuleUrl, absl::Cord());
  return status;
}

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

LocalEngine::LocalEngine(std::unique_ptr<jit::Compiler> compiler,
                         const runtime::EngineConfig& config,
                         std::unique_ptr<cache::ArtifactStore> cache)
    : compiler_(std::move(compiler)), engine_(config), cache_(std::move(cache)) {}

LocalEngine::~LocalEngine() = default;

absl::StatusOr<std::unique_ptr<LocalEngine>> LocalEngine::Create(LocalEngineOptions options) {
  absl::StatusOr<std::unique_ptr<jit::Compiler>> compiler =
      jit::Compiler::Create(std::move(options.compiler));
  if (!compiler.ok()) return compiler.status();
  std::unique_ptr<cache::ArtifactStore> cache;
  if (!options.cache_dir.empty()) {
    // No memory tier: a LocalEngine keeps the modules it loads itself, and
    // the disk tier is what outlives the process.
    absl::StatusOr<std::unique_ptr<cache::ArtifactStore>> store =
        cache::OpenLocalArtifactStore(options.cache_dir, options.cache_budget_bytes, 0);
    if (!store.ok()) return store.status();
    cache = *std::move(store);
    // So that `kiln run` of a cached module can find its key without LLVM.
    WriteFingerprintMemo(options.cache_dir, (*compiler)->options(), (*compiler)->fingerprint());
  }
  return std::unique_ptr<LocalEngine>(
      new LocalEngine(*std::move(compiler), options.engine, std::move(cache)));
}

absl::StatusOr<std::shared_ptr<const runtime::Module>> LocalEngine::Load(std::vector<uint8_t> bytes,
                                                                         LoadReport* report) {
  LoadReport ignored;
  LoadReport& r = report != nullptr ? *report : ignored;
  r = LoadReport{};
  if (cache_ != nullptr) return LoadThroughCache(bytes, r);
  const auto compile_start = std::chrono::steady_clock::now();
  absl::StatusOr<wasm::CodeImage> image;
  {
    // The decoded module points into `bytes`: it must be gone before they
    // are handed over to the runtime below.
    absl::StatusOr<wasm::Module> module = wasm::DecodeModule(bytes);
    if (!module.ok()) return MarkInvalid(module.status());
    if (absl::Status status = wasm::ValidateModule(*module); !status.ok()) {
      return MarkInvalid(std::move(status));
    }
    image = compiler_->Compile(*module);
  }
  if (!image.ok()) {
    return absl::Status(image.status().code(),
                        absl::StrCat("compile: ", std::string(image.status().message())));
  }
  r.compile_ms = MillisecondsSince(compile_start);
  const auto load_start = std::chrono::steady_clock::now();
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
      runtime::Module::Load(engine_, std::move(bytes), *image);
  r.load_ms = MillisecondsSince(load_start);
  return module;
}

absl::StatusOr<std::shared_ptr<const runtime::Module>> LocalEngine::LoadThroughCache(
    const std::vector<uint8_t>& bytes, LoadReport& r) {
  const cache::CacheKey key = cache::CacheKey::ForModule(bytes, compiler_->fingerprint());
  r.cache_key = key.ToHex();
  // The second round runs only after an unusable entry was removed.
  for (int round = 0;; ++round) {
    const auto compile_start = std::chrono::steady_clock::now();
    absl::StatusOr<cache::ArtifactStore::Lookup> lookup =
        cache_->GetOrCompute(key, [&]() -> absl::StatusOr<cache::Blob> {
          absl::StatusOr<std::vector<uint8_t>> artifact = CompileArtifact(bytes);
          if (!artifact.ok()) return artifact.status();
          return std::make_shared<const std::vector<uint8_t>>(*std::move(artifact));
        });
    if (!lookup.ok()) return lookup.status();
    r.cache_hit = lookup->cache_hit;
    if (!r.cache_hit) r.compile_ms = MillisecondsSince(compile_start);
    const auto load_start = std::chrono::steady_clock::now();
    absl::StatusOr<std::shared_ptr<const runtime::Module>> module = runtime::Module::LoadArtifact(
        engine_, *lookup->blob, {.expected_fingerprint = compiler_->fingerprint()});
    r.load_ms = MillisecondsSince(load_start);
    if (module.ok() || !r.cache_hit || round > 0) return module;
    // Sealed and under our key, yet not ours to load (made by another
    // compiler, or written by a buggy or hostile process): a miss.
    cache_->Remove(key);
    r.replaced_entry = true;
  }
}

absl::StatusOr<std::vector<uint8_t>> LocalEngine::CompileArtifact(
    std::span<const uint8_t> bytes, const jit::Compiler::Progress& progress) const {
  absl::StatusOr<wasm::Module> module = wasm::DecodeModule(bytes);
  if (!module.ok()) return MarkInvalid(module.status());
  if (absl::Status status = wasm::ValidateModule(*module); !status.ok()) {
    return MarkInvalid(std::move(status));
  }
  absl::StatusOr<wasm::CodeImage> image = compiler_->Compile(*module, {}, nullptr, nullptr, progress);
  if (!image.ok()) {
    return absl::Status(image.status().code(),
                        absl::StrCat("compile: ", std::string(image.status().message())));
  }
  return jit::WriteArtifact(bytes, *image);
}

absl::StatusOr<std::shared_ptr<const runtime::Module>> LocalEngine::LoadArtifact(
    std::span<const uint8_t> artifact) {
  return runtime::Module::LoadArtifact(engine_, artifact);
}

bool IsInvalidModule(const absl::Status& status) {
  return !status.ok() && status.GetPayload(kInvalidModuleUrl).has_value();
}

}  // namespace kiln::client
