// client/module_file.h — reading a module's bytes for the `kiln` commands.
#ifndef KILN_CLIENT_MODULE_FILE_H_
#define KILN_CLIENT_MODULE_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::client {

// The whole of the file at `path`, or of standard input when `path` is "-".
// Errors name the path: NOT_FOUND "cannot open PATH: <errno text>",
// INVALID_ARGUMENT "PATH is a directory, not a module", DATA_LOSS on a
// read error.
absl::StatusOr<std::vector<uint8_t>> ReadModuleFile(const std::string& path);

// The same bytes, mapped into memory instead of copied when `path` is a
// regular file: `kiln parse` reads 100+ MB of text, and copying it into a
// fresh buffer cost as much time as lexing it. Falls back to
// ReadModuleFile (and its errors) for anything else.
class ModuleFileView {
 public:
  static absl::StatusOr<ModuleFileView> Open(const std::string& path);
  ModuleFileView(ModuleFileView&& other) noexcept;
  ModuleFileView& operator=(ModuleFileView&&) = delete;
  ~ModuleFileView();

  std::string_view text() const { return text_; }

 private:
  ModuleFileView() = default;
  void* mapped_ = nullptr;  // munmap'ed by the destructor, when not null
  std::vector<uint8_t> copy_;
  std::string_view text_;
};

}  // namespace kiln::client

#endif  // KILN_CLIENT_MODULE_FILE_H_
