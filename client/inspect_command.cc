#include "inspect_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "kiln/runtime/artifact.h"
#include "command_line.h"
#include "kiln/client/kiln_client.h"
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


int Usage(const std::string& message) {
  std::fprintf(stderr, "kiln: %s\n%s", message.c_str(), kInspectUsage.data());
  return kExitUsage;
}

// The artifact's bytes: the file, or with --server the cache entry.
absl::StatusOr<std::vector<uint8_t>> ReadArtifact(const std::string& name,
                                                  const ClientOptions& server) {
  if (server.target.empty()) return ReadModuleFile(name);
  absl::StatusOr<std::unique_ptr<KilnClient>> client = KilnClient::Connect(server);
  if (!client.ok()) return client.status();
  absl::StatusOr<std::vector<uint8_t>> artifact = (*client)->GetArtifact(name);
  if (!artifact.ok()) {
    return absl::Status(artifact.status().code(),
                        absl::StrCat(name, " on ", server.target, ": ",
                                     std::string(artifact.status().message())));
  }
  return artifact;
}

}  // namespace

int InspectCommand(const std::vector<std::string>& args) {
  ClientOptions server;
  std::string name;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string error;
    if (ServerOption(args, &i, &server, &error)) {
      if (!error.empty()) return Usage(error);
    } else if (!error.empty()) {
      return Usage(error);
    } else if (args[i].size() > 1 && args[i][0] == '-') {
      return Usage(absl::StrCat("unknown option ", args[i]));
    } else if (!name.empty()) {
      return Usage("one artifact at a time");
    } else {
      name = args[i];
    }
  }
  if (name.empty()) return Usage("no artifact given");
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadArtifact(name, server);
  if (!bytes.ok()) {
    std::fprintf(stderr, "kiln: %s\n", std::string(bytes.status().message()).c_str());
    return kExitBadModule;
  }
  absl::StatusOr<runtime::ArtifactInfo> info = runtime::InspectArtifact(*bytes);
  if (!info.ok()) {
    std::fprintf(stderr, "kiln: %s: %s\n", name.c_str(),
                 std::string(info.status().message()).c_str());
    return kExitBadModule;
  }
  Row("artifact", absl::StrCat(name, " (", info->size_bytes, " bytes)"));
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
