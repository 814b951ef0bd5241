#include "compile_command.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "artifact_file.h"
#include "command_line.h"
#include "local_engine.h"
#include "module_file.h"
#include "run_command.h"

namespace kiln::client {
namespace {

struct CompileOptions {
  std::string input;
  std::string output;
  jit::CompilerOptions compiler;
};

int Usage(const std::string& message) {
  std::fprintf(stderr, "kiln: %s\n%s", message.c_str(), kCompileUsage.data());
  return kExitUsage;
}

// IN.wasm -> IN.kart; any other name gets .kart appended.
std::string DefaultOutput(const std::string& input) {
  const size_t slash = input.find_last_of('/');
  const size_t dot = input.find_last_of('.');
  const bool has_extension = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  return absl::StrCat(has_extension ? input.substr(0, dot) : input, ".kart");
}

absl::StatusOr<CompileOptions> ParseCommandLine(const std::vector<std::string>& args) {
  CompileOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::string error;
    if (CompilerOption(args, &i, &options.compiler, &error)) {
      if (!error.empty()) return absl::InvalidArgumentError(error);
    } else if (std::optional<std::string> out = OptionValue(args, &i, "-o", &error)) {
      options.output = *out;
    } else if (std::optional<std::string> out = OptionValue(args, &i, "--output", &error)) {
      options.output = *out;
    } else if (!error.empty()) {
      return absl::InvalidArgumentError(error);
    } else if (arg.size() > 1 && arg[0] == '-') {
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", arg));
    } else if (!options.input.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("one module at a time (got ", options.input, " and ", arg, ")"));
    } else {
      options.input = arg;
    }
  }
  if (options.input.empty()) return absl::InvalidArgumentError("no module given");
  if (options.output.empty()) {
    if (options.input == "-") return absl::InvalidArgumentError("-o is needed to compile standard input");
    options.output = DefaultOutput(options.input);
  }
  return options;
}

}  // namespace

int CompileCommand(const std::vector<std::string>& args) {
  absl::StatusOr<CompileOptions> options = ParseCommandLine(args);
  if (!options.ok()) return Usage(std::string(options.status().message()));
  LocalEngineOptions engine_options;
  engine_options.compiler = options->compiler;
  absl::StatusOr<std::unique_ptr<LocalEngine>> engine = LocalEngine::Create(engine_options);
  if (!engine.ok()) return Usage(std::string(engine.status().message()));

  absl::StatusOr<std::vector<uint8_t>> bytes = ReadModuleFile(options->input);
  if (!bytes.ok()) {
    std::fprintf(stderr, "kiln: %s\n", std::string(bytes.status().message()).c_str());
    return kExitBadModule;
  }
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::vector<uint8_t>> artifact = (*engine)->CompileArtifact(*bytes);
  if (!artifact.ok()) {
    std::fprintf(stderr, "kiln: %s: %s\n", options->input.c_str(),
                 std::string(artifact.status().message()).c_str());
    return kExitBadModule;
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (absl::Status status = WriteFileAtomically(options->output, *artifact); !status.ok()) {
    std::fprintf(stderr, "kiln: %s\n", std::string(status.message()).c_str());
    return kExitBadModule;
  }
  std::printf("%s: %zu bytes, compiled in %.1f ms\n", options->output.c_str(), artifact->size(),
              ms);
  return kExitOk;
}

}  // namespace kiln::client
