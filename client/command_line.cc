#include "command_line.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace kiln::client {

std::optional<std::string> OptionValue(const std::vector<std::string>& args, size_t* i,
                                       const std::string& name, std::string* error) {
  const std::string& arg = args[*i];
  if (arg == name) {
    if (*i + 1 == args.size()) {
      *error = absl::StrCat(name, " needs a value");
      return std::nullopt;
    }
    return args[++*i];
  }
  if (arg.size() > name.size() && arg.starts_with(name) && arg[name.size()] == '=') {
    return arg.substr(name.size() + 1);
  }
  return std::nullopt;
}

bool CompilerOption(const std::vector<std::string>& args, size_t* i, jit::CompilerOptions* options,
                    std::string* error) {
  if (std::optional<std::string> level = OptionValue(args, i, "--opt-level", error)) {
    absl::StatusOr<jit::OptLevel> parsed = jit::ParseOptLevel(*level);
    if (parsed.ok()) {
      options->opt_level = *parsed;
    } else {
      *error = absl::StrCat("--opt-level: ", std::string(parsed.status().message()));
    }
    return true;
  }
  if (std::optional<std::string> cpu = OptionValue(args, i, "--cpu", error)) {
    options->cpu = *cpu;
    return true;
  }
  return false;
}

namespace {

// The whole of a small text file, or std::nullopt with *error set.
std::optional<std::string> ReadTextFile(const std::string& option, const std::string& path,
                                        std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = absl::StrCat(option, ": cannot read ", path);
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

bool ServerOption(const std::vector<std::string>& args, size_t* i, ClientOptions* options,
                  std::string* error) {
  if (std::optional<std::string> server = OptionValue(args, i, "--server", error)) {
    if (server->empty()) *error = "--server needs HOST:PORT";
    options->target = *server;
    return true;
  }
  if (std::optional<std::string> path = OptionValue(args, i, "--token-file", error)) {
    if (std::optional<std::string> token = ReadTextFile("--token-file", *path, error)) {
      // Files usually end with a newline that is not part of the token.
      while (!token->empty() && (token->back() == '\n' || token->back() == '\r' ||
                                 token->back() == ' ')) {
        token->pop_back();
      }
      options->bearer_token = *token;
    }
    return true;
  }
  if (std::optional<std::string> path = OptionValue(args, i, "--tls-ca", error)) {
    if (std::optional<std::string> pem = ReadTextFile("--tls-ca", *path, error)) {
      options->tls = true;
      options->tls_root_certs = *pem;
    }
    return true;
  }
  return false;
}

}  // namespace kiln::client
