#include "command_line.h"

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

}  // namespace kiln::client
