#include "artifact_reader.h"

#include "absl/strings/str_cat.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/validator.h"

namespace kiln::runtime {

absl::StatusOr<ArtifactParts> ReadArtifactParts(std::span<const uint8_t> bytes) {
  absl::StatusOr<wasm::ArtifactFrame> frame = wasm::UnframeArtifact(bytes);
  if (!frame.ok()) return frame.status();
  ArtifactParts parts;
  parts.frame = *std::move(frame);
  parts.declarations = parts.frame.section(wasm::ArtifactSectionKind::kModule);
  parts.code = parts.frame.section(wasm::ArtifactSectionKind::kCode);
  if (parts.declarations.empty()) {
    return absl::DataLossError("corrupt artifact: it has no module section");
  }
  absl::StatusOr<wasm::CodeLayout> layout = wasm::DecodeCodeLayout(
      parts.frame.section(wasm::ArtifactSectionKind::kCodeLayout), parts.code.size());
  if (!layout.ok()) return layout.status();
  parts.layout = *std::move(layout);
  const std::span<const uint8_t> address_maps =
      parts.frame.section(wasm::ArtifactSectionKind::kAddressMaps);
  if (!address_maps.empty()) {
    if (absl::Status s = wasm::DecodeAddressMaps(address_maps, &parts.layout); !s.ok()) return s;
  }
  return parts;
}

absl::Status CheckLayoutMatchesModule(const wasm::CodeLayout& layout, const wasm::Module& module) {
  if (layout.function_offsets.size() != module.bodies.size() ||
      layout.entry_trampolines.size() != module.types.size()) {
    return absl::DataLossError(absl::StrCat(
        "corrupt artifact: its code has ", layout.function_offsets.size(), " functions and ",
        layout.entry_trampolines.size(), " types, its module ", module.bodies.size(), " and ",
        module.types.size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<wasm::Module> DecodeDeclarations(std::span<const uint8_t> declarations,
                                                const wasm::CodeLayout& layout) {
  absl::StatusOr<wasm::Module> module = wasm::DecodeModule(declarations);
  absl::Status status = module.ok() ? wasm::ValidateDeclarations(*module) : module.status();
  if (!status.ok()) {
    return absl::DataLossError(
        absl::StrCat("corrupt artifact: its module section: ", std::string(status.message())));
  }
  if (absl::Status s = CheckLayoutMatchesModule(layout, *module); !s.ok()) return s;
  return module;
}

}  // namespace kiln::runtime
