// client/artifact_file.h — writing a file so that readers never see half
// of it.
#ifndef KILN_CLIENT_ARTIFACT_FILE_H_
#define KILN_CLIENT_ARTIFACT_FILE_H_

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/status.h"

namespace kiln::client {

// Writes `bytes` to a temporary file beside `path`, flushes it to disk and
// renames it over `path`: `path` is either its old contents or all of
// `bytes`, even if the process dies midway. Errors name the path.
absl::Status WriteFileAtomically(const std::string& path, std::span<const uint8_t> bytes);

}  // namespace kiln::client

#endif  // KILN_CLIENT_ARTIFACT_FILE_H_
