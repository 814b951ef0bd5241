// client/run_options.h — the command line of `kiln run`, and its exit statuses.
#ifndef KILN_CLIENT_RUN_OPTIONS_H_
#define KILN_CLIENT_RUN_OPTIONS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kiln/client/client_options.h"
#include "kiln/jit/compiler_options.h"
#include "kiln/wasi/wasi_context.h"

namespace kiln::client {

// Exit statuses of `kiln run` (and, for 0..2, of every command).
inline constexpr int kExitOk = 0;
inline constexpr int kExitBadModule = 1;  // unreadable, invalid, unlinkable, or failed to compile
inline constexpr int kExitUsage = 2;      // bad command line: option, export name, argument
inline constexpr int kExitTrap = 3;       // the module trapped (in the call or while instantiating)

inline constexpr std::string_view kRunUsage =
    "usage: kiln run [--opt-level O0|O1|O2] [--cpu NAME] [--no-cache] [--cache-dir DIR] [-v]\n"
    "                [--dir HOST[::GUEST]]... [--dir-ro HOST[::GUEST]]... [--env NAME[=VALUE]]...\n"
    "                [--env-inherit] [--tcplisten HOST:PORT]... [--server HOST:PORT]\n"
    "                FILE.wasm|FILE.kart [--invoke NAME [ARG...] | [--] [PROGRAM-ARG...]]\n";

struct RunOptions {
  std::string path;
  jit::CompilerOptions compiler;
  std::optional<std::string> invoke;  // the export to call
  std::vector<std::string> args;      // its arguments, as text
  bool compiler_options_given = false;
  bool use_cache = true;
  std::string cache_dir;  // empty: cache::DefaultCacheDir()
  bool verbose = false;
  ClientOptions server;   // a target: run on that kilnd instead
  // A WASI program's world: its arguments (after the module), environment
  // and preopened directories.
  std::vector<std::string> program_args;
  std::vector<std::string> env;
  bool env_inherit = false;
  std::vector<wasi::Preopen> dirs;
  // --tcplisten HOST:PORT: listening sockets the program gets after its
  // folders (descriptor 3 + the number of --dir folders, and on).
  std::vector<std::string> tcp_listen;
};

// Options come before the module; after it come either --invoke NAME and
// the export's arguments, or the program's arguments (after an optional
// "--"), as `wasmtime run` takes them. Every word after --invoke NAME is an
// argument, so that negative numbers ("-1", "-inf") need no quoting.
// `args` are the words after "run"; errors are usage errors.
absl::StatusOr<RunOptions> ParseRunCommandLine(const std::vector<std::string>& args);

// "kiln: MESSAGE" on stderr.
void PrintError(absl::string_view message);

// PrintError, then run's usage; returns kExitUsage.
int RunUsage(absl::string_view message);

}  // namespace kiln::client

#endif  // KILN_CLIENT_RUN_OPTIONS_H_
