// client/inspect_command.h — `kiln inspect`: describe an artifact file.
#ifndef KILN_CLIENT_INSPECT_COMMAND_H_
#define KILN_CLIENT_INSPECT_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

namespace kiln::client {

inline constexpr std::string_view kInspectUsage =
    "usage: kiln inspect FILE.kart\n"
    "       kiln inspect --server HOST:PORT CACHE_KEY\n";

// `args` are the words after "inspect". With --server, the artifact is the
// daemon's cache entry of that key. Prints the header, fingerprint,
// function count, code size, imports and exports; returns the exit status.
int InspectCommand(const std::vector<std::string>& args);

}  // namespace kiln::client

#endif  // KILN_CLIENT_INSPECT_COMMAND_H_
