// client/compile_command.h — `kiln compile`: a module to an artifact file.
#ifndef KILN_CLIENT_COMPILE_COMMAND_H_
#define KILN_CLIENT_COMPILE_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

namespace kiln::client {

inline constexpr std::string_view kCompileUsage =
    "usage: kiln compile [--opt-level O0|O1|O2] [--cpu NAME] [--server HOST:PORT] IN.wasm\n"
    "                    [-o OUT.kart] [--tier baseline|optimized|auto]\n"
    "                    [--progress | --no-progress]\n"
    "  --tier baseline   the fastest compile (O0), whatever --opt-level says\n"
    "  --tier auto       with --server: the optimized artifact if kilnd has it,\n"
    "                    else baseline code at once while kilnd optimizes in the\n"
    "                    background (ask again with --tier optimized to wait)\n"
    "  progress          a bar on a terminal; elsewhere a line every 5 s;\n"
    "                    --progress: a line per update, --no-progress: none\n";

// `args` are the words after "compile". Writes OUT (default: IN with the
// extension .kart) atomically; returns the exit status (run_command.h).
int CompileCommand(const std::vector<std::string>& args);

}  // namespace kiln::client

#endif  // KILN_CLIENT_COMPILE_COMMAND_H_
