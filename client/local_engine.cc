#include "local_engine.h"

#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
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

}  // namespace

absl::StatusOr<std::unique_ptr<LocalEngine>> LocalEngine::Create(LocalEngineOptions options) {
  absl::StatusOr<std::unique_ptr<jit::Compiler>> compiler =
      jit::Compiler::Create(std::move(options.compiler));
  if (!compiler.ok()) return compiler.status();
  return std::unique_ptr<LocalEngine>(new LocalEngine(*std::move(compiler), options.engine));
}

absl::StatusOr<std::shared_ptr<const runtime::Module>> LocalEngine::Load(
    std::vector<uint8_t> bytes) {
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
  return runtime::Module::Load(engine_, std::move(bytes), *image);
}

absl::StatusOr<std::vector<uint8_t>> LocalEngine::CompileArtifact(
    std::span<const uint8_t> bytes) const {
  absl::StatusOr<wasm::Module> module = wasm::DecodeModule(bytes);
  if (!module.ok()) return MarkInvalid(module.status());
  if (absl::Status status = wasm::ValidateModule(*module); !status.ok()) {
    return MarkInvalid(std::move(status));
  }
  absl::StatusOr<wasm::CodeImage> image = compiler_->Compile(*module);
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
