// client/run_command.h — `kiln run`: compile a module in-process (or load
// an artifact) and call one of its exports.
#ifndef KILN_CLIENT_RUN_COMMAND_H_
#define KILN_CLIENT_RUN_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

namespace kiln::client {

// Exit statuses of `kiln run` (and, for 0..2, of every command).
inline constexpr int kExitOk = 0;
inline constexpr int kExitBadModule = 1;  // unreadable, invalid, unlinkable, or failed to compile
inline constexpr int kExitUsage = 2;      // bad command line: option, export name, argument
inline constexpr int kExitTrap = 3;       // the module trapped (in the call or while instantiating)

inline constexpr std::string_view kRunUsage =
    "usage: kiln run [--opt-level O0|O1|O2] [--cpu NAME] [--no-cache] [--cache-dir DIR] [-v]\n"
    "                [--dir HOST[::GUEST]]... [--dir-ro HOST[::GUEST]]... [--env NAME[=VALUE]]...\n"
    "                [--env-inherit] [--server HOST:PORT]\n"
    "                FILE.wasm|FILE.kart [--invoke NAME [ARG...] | [--] [PROGRAM-ARG...]]\n";

// `args` are the words after "run". Prints results to stdout and errors to
// stderr; returns the exit status. A WASI command (a module exporting
// "_start") runs with the program's arguments, environment and --dir
// folders, and its exit code is the status.
int RunCommand(const std::vector<std::string>& args);

}  // namespace kiln::client

#endif  // KILN_CLIENT_RUN_COMMAND_H_
