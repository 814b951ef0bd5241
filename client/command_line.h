// client/command_line.h — option parsing shared by the `kiln` commands.
#ifndef KILN_CLIENT_COMMAND_LINE_H_
#define KILN_CLIENT_COMMAND_LINE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "kiln/client/client_options.h"
#include "kiln/jit/compiler_options.h"

namespace kiln::client {

// The value of option `name` if args[*i] is "NAME VALUE" or "NAME=VALUE",
// advancing *i past it; std::nullopt otherwise. "NAME" as the last word
// sets *error ("NAME needs a value") and returns std::nullopt.
std::optional<std::string> OptionValue(const std::vector<std::string>& args, size_t* i,
                                       const std::string& name, std::string* error);

// Whether args[*i] is one of the compiler options, --opt-level O0|O1|O2 or
// --cpu NAME, read into *options (advancing *i). A bad value sets *error.
bool CompilerOption(const std::vector<std::string>& args, size_t* i, jit::CompilerOptions* options,
                    std::string* error);

// Whether args[*i] is one of the options that name a kilnd to use instead
// of this process: --server HOST:PORT, --token-file FILE (a bearer token),
// --tls-ca FILE (TLS, trusting the PEM roots in FILE). A bad value (an
// unreadable file) sets *error.
bool ServerOption(const std::vector<std::string>& args, size_t* i, ClientOptions* options,
                  std::string* error);

}  // namespace kiln::client

#endif  // KILN_CLIENT_COMMAND_LINE_H_
