#include "module_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace kiln::client {
namespace {

absl::StatusOr<std::vector<uint8_t>> ReadFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is a directory, not a module"));
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot open ", path, ": ", std::string(std::strerror(errno))));
  }
  const std::streamoff size = in.tellg();
  if (size < 0) return absl::DataLossError(absl::StrCat("cannot read ", path));
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    return absl::DataLossError(absl::StrCat("cannot read ", path));
  }
  return bytes;
}

absl::StatusOr<std::vector<uint8_t>> ReadStdin() {
  std::vector<uint8_t> bytes;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), stdin)) > 0) {
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
  if (std::ferror(stdin)) return absl::DataLossError("cannot read standard input");
  return bytes;
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> ReadModuleFile(const std::string& path) {
  return path == "-" ? ReadStdin() : ReadFile(path);
}

absl::StatusOr<ModuleFileView> ModuleFileView::Open(const std::string& path) {
  ModuleFileView view;
  if (path != "-") {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      const size_t size = static_cast<size_t>(st.st_size);
      // MAP_POPULATE: map every page now, rather than one fault per page.
      void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (p != MAP_FAILED) {
        view.mapped_ = p;
        view.text_ = std::string_view(static_cast<const char*>(p), size);
      }
    }
    if (fd >= 0) ::close(fd);
    if (view.mapped_ != nullptr) return view;
  }
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadModuleFile(path);
  if (!bytes.ok()) return bytes.status();
  view.copy_ = *std::move(bytes);
  view.text_ = std::string_view(reinterpret_cast<const char*>(view.copy_.data()), view.copy_.size());
  return view;
}

ModuleFileView::ModuleFileView(ModuleFileView&& other) noexcept
    : mapped_(other.mapped_), copy_(std::move(other.copy_)), text_(other.text_) {
  // A moved vector keeps its buffer, so text_ still points into copy_.
  other.mapped_ = nullptr;
  other.text_ = {};
}

ModuleFileView::~ModuleFileView() {
  if (mapped_ != nullptr) ::munmap(mapped_, text_.size());
}

}  // namespace kiln::client
