#include "kiln/runtime/artifact.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "artifact_reader.h"
#include "kiln/crypto/sha256.h"
#include "kiln/wasm/types.h"

namespace kiln::runtime {
namespace {

std::string LimitsText(const wasm::Limits& limits) {
  std::string text = absl::StrCat("min ", limits.min);
  if (limits.max) absl::StrAppend(&text, " max ", *limits.max);
  return text;
}

}  // namespace

std::string EntityTypeText(const wasm::Module& module, wasm::ExternKind kind, uint32_t index) {
  switch (kind) {
    case wasm::ExternKind::kFunc:
      return wasm::FuncTypeToString(module.function_type(index));
    case wasm::ExternKind::kTable:
      return absl::StrCat(std::string(wasm::ValTypeName(module.tables[index].element)), " ",
                          LimitsText(module.tables[index].limits));
    case wasm::ExternKind::kMemory:
      return LimitsText(module.memories[index].limits);
    case wasm::ExternKind::kGlobal:
      return absl::StrCat(module.globals[index].is_mutable ? "mut " : "",
                          std::string(wasm::ValTypeName(module.globals[index].type)));
  }
  return "";
}

absl::StatusOr<ArtifactInfo> InspectArtifact(std::span<const uint8_t> bytes) {
  absl::StatusOr<ArtifactParts> parts = ReadArtifactParts(bytes);
  if (!parts.ok()) return parts.status();
  absl::StatusOr<wasm::Module> module = DecodeDeclarations(parts->declarations, parts->layout);
  if (!module.ok()) return module.status();
  const wasm::ArtifactFrame& frame = parts->frame;
  ArtifactInfo info;
  info.format_version = frame.format_version;
  info.kiln_version = frame.kiln_version;
  info.fingerprint = frame.fingerprint;
  info.size_bytes = bytes.size();
  info.digest = crypto::DigestToHex(frame.digest);
  info.is_signed = !frame.signature.empty();
  info.defined_functions = static_cast<uint32_t>(module->bodies.size());
  info.imported_functions = module->num_imported_functions;
  info.types = static_cast<uint32_t>(module->types.size());
  info.text_bytes = parts->layout.text_size;
  info.read_only_bytes = parts->code.size() - parts->layout.text_size;
  // An import's index is its position among the imports of its kind.
  uint32_t imported[4] = {0, 0, 0, 0};
  for (const wasm::Import& import : module->imports) {
    const uint32_t index = imported[static_cast<int>(import.kind)]++;
    info.imports.push_back({import.module, import.name,
                            std::string(wasm::ExternKindName(import.kind)),
                            EntityTypeText(*module, import.kind, index)});
  }
  for (const wasm::Export& e : module->exports) {
    info.exports.push_back(
        {"", e.name, std::string(wasm::ExternKindName(e.kind)),
         EntityTypeText(*module, e.kind, e.index)});
  }
  return info;
}

}  // namespace kiln::runtime
