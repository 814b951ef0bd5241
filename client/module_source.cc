#include "module_source.h"

#include <cstdio>
#include <fstream>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "kiln/wasm/artifact_format.h"
#include "kiln/wasm/text.h"
#include "module_file.h"

namespace kiln::client {
namespace {

// The input and -o of parse / print; false (after a message) on bad usage.
bool ParseInOut(const std::vector<std::string>& args, std::string_view command, std::string* in,
                std::string* out) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-o" && i + 1 < args.size()) {
      *out = args[++i];
    } else if (in->empty() && (args[i] == "-" || !args[i].starts_with("-"))) {
      *in = args[i];
    } else {
      in->clear();
      break;
    }
  }
  if (in->empty()) {
    std::fprintf(stderr, "usage: kiln %s FILE [-o OUT]\n", std::string(command).c_str());
    return false;
  }
  return true;
}

int WriteOutput(const std::string& out, const void* data, size_t size) {
  if (out.empty() || out == "-") {
    return std::fwrite(data, 1, size, stdout) == size ? 0 : 1;
  }
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  file.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  file.close();
  if (!file) {
    std::fprintf(stderr, "kiln: cannot write %s\n", out.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> ReadModuleSource(const std::string& path) {
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadModuleFile(path);
  if (!bytes.ok()) return bytes.status();
  if (!wasm::text::LooksLikeText(*bytes) || wasm::HasArtifactMagic(*bytes)) return bytes;
  const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  absl::StatusOr<wasm::text::ParsedModule> module =
      wasm::text::ParseModule(text, path == "-" ? "<stdin>" : path);
  if (!module.ok()) return module.status();
  return std::move(module->binary);
}

int ParseCommand(const std::vector<std::string>& args) {
  std::string in, out;
  if (!ParseInOut(args, "parse", &in, &out)) return 2;
  absl::StatusOr<ModuleFileView> file = ModuleFileView::Open(in);
  if (!file.ok()) {
    std::fprintf(stderr, "kiln: %s\n", std::string(file.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<wasm::text::ParsedModule> module =
      wasm::text::ParseModule(file->text(), in == "-" ? "<stdin>" : in);
  if (!module.ok()) {
    std::fprintf(stderr, "kiln: %s\n", std::string(module.status().message()).c_str());
    return 1;
  }
  return WriteOutput(out, module->binary.data(), module->binary.size());
}

int PrintCommand(const std::vector<std::string>& args) {
  std::string in, out;
  if (!ParseInOut(args, "print", &in, &out)) return 2;
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadModuleSource(in);
  if (!bytes.ok()) {
    std::fprintf(stderr, "kiln: %s\n", std::string(bytes.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<std::string> text = wasm::text::PrintModule(*bytes);
  if (!text.ok()) {
    std::fprintf(stderr, "kiln: %s: %s\n", in.c_str(), std::string(text.status().message()).c_str());
    return 1;
  }
  return WriteOutput(out, text->data(), text->size());
}

}  // namespace kiln::client
