// client/module_source.h — a module as the commands that compile take it:
// a binary .wasm, or the text format (.wat), recognised by content.
#ifndef KILN_CLIENT_MODULE_SOURCE_H_
#define KILN_CLIENT_MODULE_SOURCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::client {

// The binary module in the file at `path` ("-": standard input). A file
// that does not start with the binary magic (or an artifact's) is read as
// text and parsed; parse errors give PATH:LINE:COLUMN.
absl::StatusOr<std::vector<uint8_t>> ReadModuleSource(const std::string& path);

// `kiln parse FILE.wat [-o FILE.wasm]` and `kiln print FILE.wasm [-o
// FILE.wat]`: text to binary and back; without -o the result goes to
// standard output. Return the exit status.
int ParseCommand(const std::vector<std::string>& args);
int PrintCommand(const std::vector<std::string>& args);

}  // namespace kiln::client

#endif  // KILN_CLIENT_MODULE_SOURCE_H_
