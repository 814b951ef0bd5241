// kiln-full — the complete command-line client, compiler and gRPC client
// included. `kiln` (kiln_main.cc) runs cached modules itself and hands
// everything else to this program, which users need not know about:
//
//   kiln validate FILE.wasm...   decode and validate; prints "ok" or the error.
//   kiln compile FILE.wasm [-o FILE.kart]
//                                compile to an artifact file.
//   kiln run [--dir D] FILE.wasm|FILE.kart [--invoke NAME ARG... | ARG...]
//                                compile (or load) in-process, instantiate,
//                                call NAME.
//   kiln inspect FILE.kart       describe an artifact.
//   kiln stats                   the artifact cache's (or a daemon's) counters.
//
// compile, run, inspect and stats take --server HOST:PORT to use a kilnd
// instead of this process, with the same output.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "kiln/wasm/validator.h"
#include "compile_command.h"
#include "inspect_command.h"
#include "module_file.h"
#include "module_source.h"
#include "run_command.h"
#include "stats_command.h"

namespace {

constexpr std::string_view kUsage =
    "usage: kiln <command> [args]\n"
    "\n"
    "commands:\n"
    "  validate FILE.wasm...  decode and validate modules (\"-\" reads standard input);\n"
    "                         here and in compile and run a module may also be\n"
    "                         written in the text format (.wat, told by content)\n"
    "                         prints \"ok\" or the error, exits 1 if any is invalid\n"
    "  compile [--opt-level O0|O1|O2] [--cpu NAME] FILE.wasm [-o OUT.kart]\n"
    "                         compile a module to an artifact file (default O2 for\n"
    "                         this host's CPU; OUT defaults to FILE with .kart), which\n"
    "                         `kiln run` loads without compiling again\n"
    "  run [--opt-level O0|O1|O2] [--cpu NAME] [--no-cache] [--cache-dir DIR] [-v]\n"
    "      [--dir HOST[::GUEST]]... [--dir-ro HOST[::GUEST]]... [--env NAME[=VALUE]]...\n"
    "      [--env-inherit] [--tcplisten HOST:PORT]...\n"
    "      FILE.wasm|FILE.kart [--invoke NAME [ARG...] | [--] ARG...]\n"
    "                         a WASI command (a module exporting _start) runs as a\n"
    "                         program: the words after the module are its arguments,\n"
    "                         stdin/stdout/stderr pass through, it sees only the\n"
    "                         --dir folders (GUEST names them, HOST by default;\n"
    "                         --dir-ro: read-only) and only the --env variables (all\n"
    "                         of this process's with --env-inherit), and its exit\n"
    "                         code is kiln's. --tcplisten gives it a listening TCP\n"
    "                         socket (port 0: any free one; -v says which) as the\n"
    "                         descriptor after its folders, for sock_accept.\n"
    "                         Otherwise:\n"
    "                         compile the module in this process (or load the\n"
    "                         artifact), instantiate it (running its start function)\n"
    "                         and call the exported function NAME; prints one line\n"
    "                         per result, e.g. \"i64:6765\". Without --invoke it only\n"
    "                         instantiates. Options go before --invoke: every word\n"
    "                         after NAME is an argument, read as the parameter's type:\n"
    "                           i32/i64  decimal (signed or unsigned) or 0x hex\n"
    "                           f32/f64  decimal, hex float (0x1.8p3), inf, -inf,\n"
    "                                    nan, nan:0xPAYLOAD (results print the same way)\n"
    "                           funcref/externref  null\n"
    "                         WASI (wasi_snapshot_preview1) is the only import offered;\n"
    "                         a reactor's _initialize runs before --invoke.\n"
    "                         Compiled modules are cached in DIR (default\n"
    "                         $XDG_CACHE_HOME/kiln or ~/.cache/kiln, up to 1 GiB), so\n"
    "                         running the same module again loads it instead of\n"
    "                         compiling; --no-cache turns that off, -v tells which\n"
    "                         happened on stderr.\n"
    "  parse FILE.wat [-o FILE.wasm]\n"
    "                         the text format to a binary module (stdout without -o)\n"
    "  print FILE.wasm [-o FILE.wat]\n"
    "                         a module as text, one field a line (stdout without -o)\n"
    "  inspect FILE.kart      print an artifact's header, compiler fingerprint,\n"
    "                         function count, code size, imports and exports\n"
    "  stats [--cache-dir DIR]\n"
    "                         the artifact cache's entries and counters\n"
    "  help                   show this text\n"
    "\n"
    "compile, run, inspect and stats use a kilnd daemon instead of this process\n"
    "with --server HOST:PORT (inspect then takes a cache key), printing the same;\n"
    "a WASI program run there gets the --dir folders' files and stdin sent with it,\n"
    "and what it writes into writable folders comes back;\n"
    "--token-file FILE sends the bearer token in FILE, --tls-ca FILE uses TLS.\n"
    "\n"
    "exit status:\n"
    "  0  success\n"
    "  1  a module is unreadable, invalid (the error gives its byte offset), has\n"
    "     imports other than WASI's, or failed to compile or instantiate; an artifact is corrupt,\n"
    "     truncated, or made by another Kiln version or for another CPU\n"
    "  2  usage error: unknown command or option, unknown export, wrong number of\n"
    "     arguments or an argument that does not parse\n"
    "  3  the module trapped; stderr has \"trap: MESSAGE (KIND)\"\n"
    "  a WASI program's own exit code otherwise\n";

// One module: "ok", or the error, each prefixed with the path when several
// modules are checked. Returns whether it is valid.
bool ValidateOne(const std::string& path, bool name_it) {
  absl::StatusOr<std::vector<uint8_t>> bytes = kiln::client::ReadModuleSource(path);
  if (!bytes.ok()) {
    std::fprintf(stderr, "kiln: %s\n", std::string(bytes.status().message()).c_str());
    return false;
  }
  absl::StatusOr<kiln::wasm::Module> module = kiln::wasm::DecodeAndValidate(*bytes);
  if (!module.ok()) {
    std::printf("%s: %s\n", path.c_str(), std::string(module.status().message()).c_str());
    return false;
  }
  if (name_it) {
    std::printf("%s: ok\n", path.c_str());
  } else {
    std::printf("ok\n");
  }
  return true;
}

int Validate(const std::vector<std::string>& paths) {
  bool all_valid = true;
  for (const std::string& path : paths) all_valid &= ValidateOne(path, paths.size() > 1);
  return all_valid ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage.data(), args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "validate") {
    if (args.size() < 2) {
      std::fputs("usage: kiln validate FILE.wasm...\n", stderr);
      return 2;
    }
    return Validate(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "compile") {
    return kiln::client::CompileCommand(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "inspect") {
    return kiln::client::InspectCommand(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "stats") {
    return kiln::client::StatsCommand(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "parse") {
    return kiln::client::ParseCommand(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "print") {
    return kiln::client::PrintCommand(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "run") {
    return kiln::client::RunCommand(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  std::fprintf(stderr, "kiln: unknown command '%s'\n\n%s", args[0].c_str(), kUsage.data());
  return 2;
}
