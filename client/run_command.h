// client/run_command.h — `kiln run`: compile a module in-process (or load
// an artifact) and call one of its exports.
#ifndef KILN_CLIENT_RUN_COMMAND_H_
#define KILN_CLIENT_RUN_COMMAND_H_

#include <string>
#include <vector>

#include "run_options.h"

namespace kiln::client {

// `args` are the words after "run". Prints results to stdout and errors to
// stderr; returns the exit status. A WASI command (a module exporting
// "_start") runs with the program's arguments, environment and --dir
// folders, and its exit code is the status.
int RunCommand(const std::vector<std::string>& args);

}  // namespace kiln::client

#endif  // KILN_CLIENT_RUN_COMMAND_H_
