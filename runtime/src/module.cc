#include "kiln/runtime/module.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "artifact_reader.h"
#include "code_memory.h"
#include "host_cpu.h"
#include "perf_map.h"
#include "kiln/wasm/artifact_format.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/version.h"

namespace kiln::runtime {

absl::StatusOr<std::shared_ptr<const Module>> Module::Load(Engine& engine,
                                                           std::vector<uint8_t> wasm_bytes,
                                                           const wasm::CodeImage& image) {
  wasm::CodeLayout layout;
  layout.text_size = image.text_size;
  for (const wasm::CompiledFunction& f : image.functions) {
    if (uint64_t{f.code_offset} + f.code_size > image.text_size) {
      return absl::InvalidArgumentError("code image has a function outside its text");
    }
    layout.function_offsets.push_back(f.code_offset);
    layout.function_sizes.push_back(f.code_size);
  }
  layout.entry_trampolines = image.entry_trampolines;
  layout.exit_trampolines = image.exit_trampolines;
  return Create(engine, std::move(wasm_bytes), image.bytes, layout, image.fingerprint);
}

absl::StatusOr<std::shared_ptr<const Module>> Module::LoadArtifact(
    Engine& engine, std::span<const uint8_t> artifact, const ArtifactLoadOptions& options) {
  absl::StatusOr<ArtifactParts> parts = ReadArtifactParts(artifact);
  if (!parts.ok()) return parts.status();
  const wasm::ArtifactFrame& frame = parts->frame;
  if (frame.kiln_version != KilnVersion()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "artifact was made by Kiln ", frame.kiln_version, ", this is Kiln ",
        std::string(KilnVersion()), "; recompile the module"));
  }
  if (!options.expected_fingerprint.empty() && frame.fingerprint != options.expected_fingerprint) {
    return absl::FailedPreconditionError(
        absl::StrCat("artifact fingerprint mismatch: it was compiled with '", frame.fingerprint,
                     "', expected '", options.expected_fingerprint, "'"));
  }
  if (absl::Status status = CheckHostCanRun(frame.fingerprint); !status.ok()) return status;
  return Create(engine, std::vector<uint8_t>(parts->declarations.begin(), parts->declarations.end()),
                parts->code, parts->layout, frame.fingerprint);
}

absl::StatusOr<std::shared_ptr<const Module>> Module::Create(Engine& engine,
                                                             std::vector<uint8_t> wasm_bytes,
                                                             std::span<const uint8_t> code,
                                                             const wasm::CodeLayout& layout,
                                                             std::string fingerprint) {
  std::shared_ptr<Module> module(new Module());
  module->engine_ = &engine;
  module->signatures_ = engine.shared_signatures();
  module->fingerprint_ = std::move(fingerprint);
  module->bytes_ = std::move(wasm_bytes);
  absl::StatusOr<wasm::Module> decoded = wasm::DecodeModule(module->bytes_);
  if (!decoded.ok()) return decoded.status();
  module->module_ = std::move(*decoded);
  const wasm::Module& m = module->module_;
  if (absl::Status status = CheckLayoutMatchesModule(layout, m); !status.ok()) return status;
  absl::StatusOr<std::unique_ptr<CodeMemory>> code_memory = CodeMemory::Map(code, layout.text_size);
  if (!code_memory.ok()) return code_memory.status();
  module->code_ = std::move(*code_memory);
  module->function_offsets_ = layout.function_offsets;
  AnnounceToPerf(m, module->code_->base(), layout.function_offsets, layout.function_sizes);
  module->entry_trampolines_ = layout.entry_trampolines;
  module->exit_trampolines_ = layout.exit_trampolines;
  for (const wasm::FuncType& type : m.types) {
    module->type_ids_.push_back(engine.signatures().Intern(type));
  }
  return module;
}

Module::~Module() {
  // The ids were taken in Create. Every funcref that carries one belongs to
  // a Store, and a Store holds each Module it instantiated, so no funcref of
  // this module can be called once it is gone.
  for (SignatureId id : type_ids_) signatures_->Release(id);
}

const void* Module::function_code(uint32_t function_index) const {
  return code_->base() + function_offsets_[function_index - module_.num_imported_functions];
}

vm::EntryTrampoline Module::entry_trampoline(uint32_t type_index) const {
  const uint32_t offset = entry_trampolines_[type_index];
  if (offset == wasm::CodeImage::kNoTrampoline) return nullptr;
  return reinterpret_cast<vm::EntryTrampoline>(
      reinterpret_cast<uintptr_t>(code_->base() + offset));
}

const void* Module::exit_trampoline(uint32_t type_index) const {
  const uint32_t offset = exit_trampolines_[type_index];
  return offset == wasm::CodeImage::kNoTrampoline ? nullptr : code_->base() + offset;
}

bool Module::ContainsPc(uintptr_t pc) const {
  const auto base = reinterpret_cast<uintptr_t>(code_->base());
  return pc >= base && pc < base + code_->text_size();
}

}  // namespace kiln::runtime
