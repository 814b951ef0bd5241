// client/module_file.h — reading a module's bytes for the `kiln` commands.
#ifndef KILN_CLIENT_MODULE_FILE_H_
#define KILN_CLIENT_MODULE_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::client {

// The whole of the file at `path`, or of standard input when `path` is "-".
// Errors name the path: NOT_FOUND "cannot open PATH: <errno text>",
// INVALID_ARGUMENT "PATH is a directory, not a module", DATA_LOSS on a
// read error.
absl::StatusOr<std::vector<uint8_t>> ReadModuleFile(const std::string& path);

}  // namespace kiln::client

#endif  // KILN_CLIENT_MODULE_FILE_H_
