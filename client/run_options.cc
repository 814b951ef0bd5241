#include "run_options.h"

#include <cstdlib>
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "command_line.h"

namespace kiln::client {
namespace {

// "HOST[::GUEST]" of --dir: the guest sees HOST under GUEST (HOST itself
// by default), as wasmtime's --dir.
absl::StatusOr<wasi::Preopen> ParseDir(const std::string& value, bool read_only) {
  if (value.empty()) return absl::InvalidArgumentError("--dir needs a folder");
  const size_t split = value.find("::");
  wasi::Preopen preopen;
  preopen.host_path = value.substr(0, split);
  preopen.guest_path = split == std::string::npos ? value : value.substr(split + 2);
  preopen.read_only = read_only;
  if (preopen.host_path.empty() || preopen.guest_path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--dir ", value, ": expected HOST or HOST::GUEST"));
  }
  return preopen;
}

}  // namespace

void PrintError(absl::string_view message) {
  std::fprintf(stderr, "kiln: %s\n", std::string(message).c_str());
}

int RunUsage(absl::string_view message) {
  PrintError(message);
  std::fputs(kRunUsage.data(), stderr);
  return kExitUsage;
}

absl::StatusOr<RunOptions> ParseRunCommandLine(const std::vector<std::string>& args) {
  RunOptions options;
  bool have_path = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::string error;
    if (CompilerOption(args, &i, &options.compiler, &error)) {
      if (!error.empty()) return absl::InvalidArgumentError(error);
      options.compiler_options_given = true;
    } else if (ServerOption(args, &i, &options.server, &error)) {
      if (!error.empty()) return absl::InvalidArgumentError(error);
    } else if (arg == "--no-cache") {
      options.use_cache = false;
    } else if (std::optional<std::string> dir = OptionValue(args, &i, "--cache-dir", &error)) {
      if (dir->empty()) return absl::InvalidArgumentError("--cache-dir needs a folder");
      options.cache_dir = *dir;
    } else if (arg == "-v" || arg == "--verbose") {
      options.verbose = true;
    } else if (arg == "--env-inherit") {
      options.env_inherit = true;
    } else if (std::optional<std::string> env = OptionValue(args, &i, "--env", &error)) {
      if (env->empty() || env->front() == '=') {
        return absl::InvalidArgumentError(absl::StrCat("--env ", *env, ": expected NAME=VALUE or NAME"));
      }
      if (env->find('=') == std::string::npos) {
        // NAME alone passes this process's value on, if it has one.
        const char* value = std::getenv(env->c_str());
        if (value == nullptr) continue;
        *env = absl::StrCat(*env, "=", value);
      }
      options.env.push_back(*env);
    } else if (std::optional<std::string> dir = OptionValue(args, &i, "--dir", &error)) {
      absl::StatusOr<wasi::Preopen> preopen = ParseDir(*dir, /*read_only=*/false);
      if (!preopen.ok()) return preopen.status();
      options.dirs.push_back(*preopen);
    } else if (std::optional<std::string> dir = OptionValue(args, &i, "--dir-ro", &error)) {
      absl::StatusOr<wasi::Preopen> preopen = ParseDir(*dir, /*read_only=*/true);
      if (!preopen.ok()) return preopen.status();
      options.dirs.push_back(*preopen);
    } else if (std::optional<std::string> address = OptionValue(args, &i, "--tcplisten", &error)) {
      options.tcp_listen.push_back(*address);
    } else if (std::optional<std::string> name = OptionValue(args, &i, "--invoke", &error)) {
      options.invoke = *name;
      options.args.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    } else if (!error.empty()) {
      return absl::InvalidArgumentError(error);
    } else if (arg.size() > 1 && arg[0] == '-') {
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", arg));
    } else if (have_path) {
      return absl::InvalidArgumentError(
          absl::StrCat("one module at a time (got ", options.path, " and ", arg, ")"));
    } else {
      options.path = arg;
      have_path = true;
      if (i + 1 < args.size() && args[i + 1] == "--invoke") continue;
      size_t first = i + 1;
      if (first < args.size() && args[first] == "--") ++first;
      options.program_args.assign(args.begin() + static_cast<std::ptrdiff_t>(first), args.end());
      break;
    }
  }
  if (!have_path) return absl::InvalidArgumentError("no module given");
  return options;
}

}  // namespace kiln::client
