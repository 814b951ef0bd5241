#include "inspect_command.h"

#include <cstdio>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "kiln/runtime/artifact.h"
#include "module_file.h"
#include "run_command.h"

namespace kiln::client {
namespace {

void Row(const std::string& name, const std::string& value) {
  std::printf("%-14s %s\n", name.c_str(), value.c_str());
}

// The fingerprint one field per line. Of the features only the enabled
// ones are listed: the host's disabled features run to a hundred names.
void PrintFingerprint(const std::string& fingerprint) {
  bool first = true;
  size_t start = 0;
  while (start <= fingerprint.size()) {
    size_t end = fingerprint.find(';', start);
    if (end == std::string::npos) end = fingerprint.size();
    std::string field = fingerprint.substr(start, end - start);
    if (field.starts_with("features=")) {
      std::string enabled;
      int disabled = 0;
      size_t at = 9;
      while (at < field.size()) {
        size_t comma = field.find(',', at);
        if (comma == std::string::npos) comma = field.size();
        const std::string feature = field.substr(at, comma - at);
        if (feature.starts_with('-')) {
          ++disabled;
        } else {
          absl::StrAppend(&enabled, enabled.empty() ? "" : " ", feature);
        }
        at = comma + 1;
      }
      field = absl::StrCat("features=", enabled.empty() ? "(those of the CPU)" : enabled);
      if (disabled > 0) absl::StrAppend(&field, " (", disabled, " disabled)");
    }
    Row(first ? "fingerprint" : "", field);
    first = false;
    start = end + 1;
  }
}

}  // namespace

int InspectCommand(const std::vector<std::string>& args) {
  if (args.size() != 1 || (args[0].size() > 1 && args[0][0] == '-')) {
    std::fprintf(stderr, "kiln: %s\n%s",
                 args.empty() ? "no artifact given" : "one artifact, and no options",
                 kInspectUsage.data());
    return kExitUsage;
  }
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadModuleFile(args[0]);
  if (!bytes.ok()) {
    std::fprintf(stderr, "kiln: %s\n", std::string(bytes.status().message()).c_str());
    return kExitBadModule;
  }
  absl::StatusOr<runtime::ArtifactInfo> info = runtime::InspectArtifact(*bytes);
  if (!info.ok()) {
    std::fprintf(stderr, "kiln: %s: %s\n", args[0].c_str(),
                 std::string(info.status().message()).c_str());
    return kExitBadModule;
  }
  Row("artifact", absl::StrCat(args[0], " (", info->size_bytes, " bytes)"));
  Row("format", absl::StrCat("version ", info->format_version));
  Row("kiln", info->kiln_version);
  Row("digest", absl::StrCat("sha256:", info->digest));
  Row("signed", info->is_signed ? "yes" : "no");
  PrintFingerprint(info->fingerprint);
  Row("functions", absl::StrCat(info->defined_functions, " defined, ", info->imported_functions,
                                " imported"));
  Row("types", absl::StrCat(info->types));
  Row("code", absl::StrCat(info->text_bytes, " bytes of text, ", info->read_only_bytes,
                           " bytes of read-only data"));
  Row("imports", info->imports.empty() ? "(none)" : absl::StrCat(info->imports.size()));
  for (const runtime::ArtifactInfo::Entry& e : info->imports) {
    std::printf("  %s \"%s\" \"%s\" %s\n", e.kind.c_str(), e.module.c_str(), e.name.c_str(),
                e.type.c_str());
  }
  Row("exports", info->exports.empty() ? "(none)" : absl::StrCat(info->exports.size()));
  for (const runtime::ArtifactInfo::Entry& e : info->exports) {
    std::printf("  %s \"%s\" %s\n", e.kind.c_str(), e.name.c_str(), e.type.c_str());
  }
  return kExitOk;
}

}  // namespace kiln::client
