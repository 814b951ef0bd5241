// wasi_file_path.h — the rule for a file path in a RunCommand request or
// result (v1::WasiFile::path): relative, '/'-separated, every component a
// plain name. Checked by kilnd before writing a request's files and by the
// SDK before writing returned files back, so that neither side can be made
// to write outside the folder the path belongs to.
#ifndef KILN_PROTO_BRIDGE_WASI_FILE_PATH_H_
#define KILN_PROTO_BRIDGE_WASI_FILE_PATH_H_

#include <string_view>

#include "absl/status/status.h"

namespace kiln::wire {

// INVALID_ARGUMENT saying what is wrong, OK for a plain relative path.
absl::Status CheckWasiFilePath(std::string_view path);

}  // namespace kiln::wire

#endif  // KILN_PROTO_BRIDGE_WASI_FILE_PATH_H_
