#include "compile_command.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "kiln/client/kiln_client.h"
#include "artifact_file.h"
#include "command_line.h"
#include "compile_options_wire.h"
#include "local_engine.h"
#include "module_file.h"
#include "module_source.h"
#include "progress_display.h"
#include "run_command.h"

namespace kiln::client {
namespace {

struct CompileOptions {
  std::string input;
  std::string output;
  jit::CompilerOptions compiler;
  ClientOptions server;  // a target: compile on that kilnd
  v1::CompileTier tier = v1::COMPILE_TIER_UNSPECIFIED;
  ProgressDisplay::Style progress = ProgressDisplay::StyleFor(stderr);
};

absl::StatusOr<v1::CompileTier> ParseTier(std::string_view text) {
  if (text == "baseline") return v1::COMPILE_TIER_BASELINE;
  if (text == "optimized") return v1::COMPILE_TIER_OPTIMIZED;
  if (text == "auto") return v1::COMPILE_TIER_AUTO;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown tier '", std::string(text), "' (baseline, optimized or auto)"));
}

std::string_view TierName(v1::CompileTier tier) {
  return tier == v1::COMPILE_TIER_BASELINE ? "baseline" : "optimized";
}

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
    } else if (ServerOption(args, &i, &options.server, &error)) {
      if (!error.empty()) return absl::InvalidArgumentError(error);
    } else if (std::optional<std::string> tier = OptionValue(args, &i, "--tier", &error)) {
      absl::StatusOr<v1::CompileTier> parsed = ParseTier(*tier);
      if (!parsed.ok()) return parsed.status();
      options.tier = *parsed;
    } else if (arg == "--progress") {
      options.progress = ProgressDisplay::Style::kEveryUpdate;
    } else if (arg == "--no-progress") {
      options.progress = ProgressDisplay::Style::kNone;
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
  if (options.server.target.empty()) {
    // In-process there is nothing to answer before the optimized code is
    // ready: auto is kilnd's.
    if (options.tier == v1::COMPILE_TIER_AUTO) {
      return absl::InvalidArgumentError("--tier auto needs --server");
    }
    if (options.tier == v1::COMPILE_TIER_BASELINE) options.compiler.opt_level = jit::OptLevel::kO0;
  }
  if (options.output.empty()) {
    if (options.input == "-") return absl::InvalidArgumentError("-o is needed to compile standard input");
    options.output = DefaultOutput(options.input);
  }
  return options;
}

// The artifact, compiled by kilnd (or found in its cache), and a note on
// how it was made for the line `kiln compile` prints.
absl::StatusOr<std::vector<uint8_t>> CompileOnServer(const CompileOptions& options,
                                                     std::span<const uint8_t> module,
                                                     std::string* how) {
  absl::StatusOr<std::unique_ptr<KilnClient>> client = KilnClient::Connect(options.server);
  if (!client.ok()) return client.status();
  // The artifact comes by GetArtifact, in chunks: a large module's can be
  // bigger than one message may be.
  ProgressDisplay display(stderr, options.progress);
  absl::StatusOr<v1::CompileResponse> response = (*client)->CompileWithProgress(
      module, ToWire(options.compiler), options.tier,
      [&display](uint32_t done, uint32_t total) { display.Update(done, total); });
  display.Finish();
  if (!response.ok()) {
    if (response.status().code() == absl::StatusCode::kUnavailable) {
      return absl::UnavailableError(absl::StrCat("cannot reach kilnd at ", options.server.target,
                                                 ": ", response.status().message()));
    }
    return response.status();
  }
  *how = response->cache_hit()
             ? absl::StrCat("from the cache of ", options.server.target)
             : absl::StrCat("compiled in ",
                            absl::StrFormat("%.1f", response->stats().compile_micros() / 1000.0),
                            " ms on ", options.server.target);
  if (!response->cache_hit() && response->stats().functions_reused() > 0) {
    absl::StrAppend(how, " (", response->stats().functions_reused(), " of ",
                    response->stats().defined_functions(), " functions reused)");
  }
  if (options.tier != v1::COMPILE_TIER_UNSPECIFIED) {
    absl::StrAppend(how, ", ", std::string(TierName(response->tier())), " code");
    if (response->optimizing()) absl::StrAppend(how, " (optimizing in the background)");
  }
  return (*client)->GetArtifact(response->cache_key());
}

}  // namespace

int CompileCommand(const std::vector<std::string>& args) {
  absl::StatusOr<CompileOptions> options = ParseCommandLine(args);
  if (!options.ok()) return Usage(std::string(options.status().message()));
  if (!options->server.target.empty()) {
    absl::StatusOr<std::vector<uint8_t>> bytes = ReadModuleSource(options->input);
    if (!bytes.ok()) {
      std::fprintf(stderr, "kiln: %s\n", std::string(bytes.status().message()).c_str());
      return kExitBadModule;
    }
    std::string how;
    absl::StatusOr<std::vector<uint8_t>> artifact = CompileOnServer(*options, *bytes, &how);
    if (!artifact.ok()) {
      std::fprintf(stderr, "kiln: %s: %s\n", options->input.c_str(),
                   std::string(artifact.status().message()).c_str());
      return kExitBadModule;
    }
    if (absl::Status status = WriteFileAtomically(options->output, *artifact); !status.ok()) {
      std::fprintf(stderr, "kiln: %s\n", std::string(status.message()).c_str());
      return kExitBadModule;
    }
    std::printf("%s: %zu bytes, %s\n", options->output.c_str(), artifact->size(), how.c_str());
    return kExitOk;
  }
  LocalEngineOptions engine_options;
  engine_options.compiler = options->compiler;
  absl::StatusOr<std::unique_ptr<LocalEngine>> engine = LocalEngine::Create(engine_options);
  if (!engine.ok()) return Usage(std::string(engine.status().message()));

  absl::StatusOr<std::vector<uint8_t>> bytes = ReadModuleSource(options->input);
  if (!bytes.ok()) {
    std::fprintf(stderr, "kiln: %s\n", std::string(bytes.status().message()).c_str());
    return kExitBadModule;
  }
  const auto start = std::chrono::steady_clock::now();
  // The compiler reports from its pool threads.
  ProgressDisplay display(stderr, options->progress);
  absl::Mutex display_mu;
  absl::StatusOr<std::vector<uint8_t>> artifact =
      (*engine)->CompileArtifact(*bytes, [&](uint32_t done, uint32_t total) {
        absl::MutexLock lock(&display_mu);
        display.Update(done, total);
      });
  display.Finish();
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
