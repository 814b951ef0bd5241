// client/local_engine.h — compile and load modules in this process.
//
// A LocalEngine is the in-process counterpart of the kilnd daemon: one
// jit::Compiler and one runtime::Engine, and the decode -> validate ->
// compile -> load pipeline that turns a module's bytes into a
// runtime::Module ready to instantiate in any Store of the engine.
#ifndef KILN_CLIENT_LOCAL_ENGINE_H_
#define KILN_CLIENT_LOCAL_ENGINE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kiln/jit/compiler.h"
#include "kiln/runtime/engine.h"
#include "kiln/runtime/module.h"

namespace kiln::client {

struct LocalEngineOptions {
  jit::CompilerOptions compiler;
  runtime::EngineConfig engine;
};

class LocalEngine {
 public:
  // INVALID_ARGUMENT for options the compiler rejects (an unknown CPU).
  static absl::StatusOr<std::unique_ptr<LocalEngine>> Create(LocalEngineOptions options = {});

  // Decodes, validates, compiles and loads `bytes`. A module that does not
  // decode or validate gives the decoder's or validator's error (with its
  // byte offset), for which IsInvalidModule is true; a compile failure's
  // message starts with "compile: ".
  absl::StatusOr<std::shared_ptr<const runtime::Module>> Load(std::vector<uint8_t> bytes);

  // Decodes, validates and compiles `bytes` into an artifact file's bytes
  // (kiln/jit/artifact_writer.h); errors as Load's.
  absl::StatusOr<std::vector<uint8_t>> CompileArtifact(std::span<const uint8_t> bytes) const;

  // Loads an artifact made by any Kiln compiler of this version whose code
  // this host can run (runtime::Module::LoadArtifact's errors).
  absl::StatusOr<std::shared_ptr<const runtime::Module>> LoadArtifact(
      std::span<const uint8_t> artifact);

  runtime::Engine& engine() { return engine_; }
  const jit::Compiler& compiler() const { return *compiler_; }

 private:
  LocalEngine(std::unique_ptr<jit::Compiler> compiler, const runtime::EngineConfig& config)
      : compiler_(std::move(compiler)), engine_(config) {}

  std::unique_ptr<jit::Compiler> compiler_;
  runtime::Engine engine_;
};

// Whether `status` is LocalEngine::Load's "the module is malformed or
// invalid" error, as opposed to a failure to compile or load a valid one.
bool IsInvalidModule(const absl::Status& status);

}  // namespace kiln::client

#endif  // KILN_CLIENT_LOCAL_ENGINE_H_
