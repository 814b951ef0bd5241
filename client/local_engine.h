// client/local_engine.h — compile and load modules in this process.
//
// A LocalEngine is the in-process counterpart of the kilnd daemon: one
// jit::Compiler and one runtime::Engine, and the decode -> validate ->
// compile -> load pipeline that turns a module's bytes into a
// runtime::Module ready to instantiate in any Store of the engine. With a
// cache folder, compiled artifacts are kept there under their cache key
// (the module's bytes and the compiler's fingerprint), so loading the same
// module again, in this process or a later one, skips compiling.
#ifndef KILN_CLIENT_LOCAL_ENGINE_H_
#define KILN_CLIENT_LOCAL_ENGINE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kiln/cache/artifact_store.h"
#include "kiln/jit/compiler.h"
#include "kiln/runtime/engine.h"
#include "kiln/runtime/module.h"
#include "load_report.h"

namespace kiln::client {

struct LocalEngineOptions {
  jit::CompilerOptions compiler;
  runtime::EngineConfig engine;
  // The artifact cache's folder (cache::DefaultCacheDir() is the usual
  // one); empty for no cache.
  std::string cache_dir;
  uint64_t cache_budget_bytes = uint64_t{1} << 30;
};

class LocalEngine {
 public:
  // INVALID_ARGUMENT for options the compiler rejects (an unknown CPU);
  // the cache folder's error when it cannot be created or opened.
  static absl::StatusOr<std::unique_ptr<LocalEngine>> Create(LocalEngineOptions options = {});
  ~LocalEngine();

  // Decodes, validates, compiles and loads `bytes`. A module that does not
  // decode or validate gives the decoder's or validator's error (with its
  // byte offset), for which IsInvalidModule is true; a compile failure's
  // message starts with "compile: ". With a cache, a hit loads the cached
  // artifact; a cached entry that does not load (another compiler's, or
  // damaged) counts as a miss: it is removed and the module compiled again.
  absl::StatusOr<std::shared_ptr<const runtime::Module>> Load(std::vector<uint8_t> bytes,
                                                              LoadReport* report = nullptr);

  // Decodes, validates and compiles `bytes` into an artifact file's bytes
  // (kiln/jit/artifact_writer.h); errors as Load's.
  // `progress`: as jit::Compiler::Compile's.
  absl::StatusOr<std::vector<uint8_t>> CompileArtifact(
      std::span<const uint8_t> bytes, const jit::Compiler::Progress& progress = {}) const;

  // Loads an artifact made by any Kiln compiler of this version whose code
  // this host can run (runtime::Module::LoadArtifact's errors).
  absl::StatusOr<std::shared_ptr<const runtime::Module>> LoadArtifact(
      std::span<const uint8_t> artifact);

  runtime::Engine& engine() { return engine_; }
  const jit::Compiler& compiler() const { return *compiler_; }
  // Null without a cache.
  cache::ArtifactStore* cache() { return cache_.get(); }

 private:
  LocalEngine(std::unique_ptr<jit::Compiler> compiler, const runtime::EngineConfig& config,
              std::unique_ptr<cache::ArtifactStore> cache);

  absl::StatusOr<std::shared_ptr<const runtime::Module>> LoadThroughCache(
      const std::vector<uint8_t>& bytes, LoadReport& report);

  std::unique_ptr<jit::Compiler> compiler_;
  runtime::Engine engine_;
  std::unique_ptr<cache::ArtifactStore> cache_;
};

// Whether `status` is LocalEngine::Load's "the module is malformed or
// invalid" error, as opposed to a failure to compile or load a valid one.
bool IsInvalidModule(const absl::Status& status);

}  // namespace kiln::client

#endif  // KILN_CLIENT_LOCAL_ENGINE_H_
