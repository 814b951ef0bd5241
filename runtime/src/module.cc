#include "kiln/runtime/module.h"

#include <algorithm>
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
  // Compiled in this process, but perhaps for another CPU (--cpu): the same
  // check as for an artifact, before any of it can run.
  if (absl::Status status = CheckHostCanRun(image.fingerprint); !status.ok()) return status;
  wasm::CodeLayout layout;
  layout.text_size = image.text_size;
  for (const wasm::CompiledFunction& f : image.functions) {
    if (uint64_t{f.code_offset} + f.code_size > image.text_size) {
      return absl::InvalidArgumentError("code image has a function outside its text");
    }
    layout.function_offsets.push_back(f.code_offset);
    layout.function_sizes.push_back(f.code_size);
    layout.address_maps.push_back(f.address_map);
  }
  layout.entry_trampolines = image.entry_trampolines;
  layout.exit_trampolines = image.exit_trampolines;
  return Create(engine, std::move(wasm_bytes), image.bytes, layout, image.fingerprint,
                /*from_artifact=*/false);
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
                parts->code, parts->layout, frame.fingerprint, /*from_artifact=*/true);
}

absl::StatusOr<std::shared_ptr<const Module>> Module::Create(Engine& engine,
                                                             std::vector<uint8_t> wasm_bytes,
                                                             std::span<const uint8_t> code,
                                                             const wasm::CodeLayout& layout,
                                                             std::string fingerprint,
                                                             bool from_artifact) {
  std::shared_ptr<Module> module(new Module());
  module->engine_ = &engine;
  module->signatures_ = engine.shared_signatures();
  module->fingerprint_ = std::move(fingerprint);
  module->bytes_ = std::move(wasm_bytes);
  // The compiler validated a module it compiled; an artifact's sealed
  // declarations are checked like any other input.
  absl::StatusOr<wasm::Module> decoded = from_artifact
                                             ? DecodeDeclarations(module->bytes_, layout)
                                             : wasm::DecodeModule(module->bytes_);
  if (!decoded.ok()) return decoded.status();
  module->module_ = std::move(*decoded);
  const wasm::Module& m = module->module_;
  if (absl::Status status = CheckLayoutMatchesModule(layout, m); !status.ok()) return status;
  absl::StatusOr<std::unique_ptr<CodeMemory>> code_memory = CodeMemory::Map(code, layout.text_size);
  if (!code_memory.ok()) return code_memory.status();
  module->code_ = std::move(*code_memory);
  module->function_offsets_ = layout.function_offsets;
  module->function_sizes_ = layout.function_sizes;
  module->address_maps_ = layout.address_maps;
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

std::optional<Module::CodePosition> Module::FindFunction(uintptr_t pc) const {
  const auto base = reinterpret_cast<uintptr_t>(code_->base());
  if (pc < base || pc - base >= code_->text_size()) return std::nullopt;
  const auto offset = static_cast<uint32_t>(pc - base);
  // The last function starting at or before `offset`, if it holds it.
  auto it = std::upper_bound(function_offsets_.begin(), function_offsets_.end(), offset);
  if (it == function_offsets_.begin()) return std::nullopt;
  const auto defined = static_cast<uint32_t>(it - function_offsets_.begin() - 1);
  const uint32_t start = function_offsets_[defined];
  if (offset - start >= function_sizes_[defined]) return std::nullopt;
  return CodePosition{defined, offset - start};
}

void Module::AppendWasmFrames(uintptr_t pc, bool return_address,
                              std::vector<wasm::WasmLocation>* frames) const {
  // A return address is the instruction after the call (or, for a call
  // that never returns, the end of the function): look up the call.
  std::optional<CodePosition> position = FindFunction(return_address ? pc - 1 : pc);
  if (!position.has_value()) return;
  const uint32_t function_index = module_.num_imported_functions + position->defined_index;
  const wasm::AddressMapEntry* entry = nullptr;
  const wasm::AddressMap* map = nullptr;
  if (position->defined_index < address_maps_.size()) {
    map = &address_maps_[position->defined_index];
    entry = map->Find(position->code_offset);
  }
  if (entry == nullptr) {
    frames->push_back({function_index, 0});
    return;
  }
  for (uint32_t i = 0; i < entry->inlined_count; ++i) {
    frames->push_back(map->inlined[entry->inlined_begin + i]);
  }
  frames->push_back({function_index, entry->wasm_offset});
}

uint64_t Module::ModuleOffset(uint32_t function_index, uint32_t body_line) const {
  if (function_index < module_.num_imported_functions) return 0;
  const uint32_t defined = function_index - module_.num_imported_functions;
  if (defined >= address_maps_.size()) return 0;
  return vm::BodyLineToModuleOffset(address_maps_[defined].body_offset, body_line);
}

std::string_view Module::FunctionName(uint32_t function_index) const {
  const auto& names = module_.names.function_names;
  auto it = std::lower_bound(
      names.begin(), names.end(), function_index,
      [](const std::pair<uint32_t, std::string>& entry, uint32_t index) {
        return entry.first < index;
      });
  if (it == names.end() || it->first != function_index) return {};
  return it->second;
}

bool Module::ContainsPc(uintptr_t pc) const {
  const auto base = reinterpret_cast<uintptr_t>(code_->base());
  return pc >= base && pc < base + code_->text_size();
}

}  // namespace kiln::runtime
