#include "wasi_file_path.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace kiln::wire {

absl::Status CheckWasiFilePath(std::string_view path) {
  const std::string text(path);
  if (text.empty() || text.front() == '/' || text.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("file path \"", text, "\" must be a relative path"));
  }
  for (absl::string_view part : absl::StrSplit(text, '/')) {
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError(absl::StrCat(
          "file path \"", text, "\" may not have empty, \".\" or \"..\" components"));
    }
  }
  return absl::OkStatus();
}

}  // namespace kiln::wire
