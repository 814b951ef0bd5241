#include "posix_io.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace kiln::cache {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.Release();
  }
  return *this;
}

int UniqueFd::Release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int UniqueFd::Close() {
  if (fd_ < 0) return 0;
  // Linux releases the descriptor even when close() fails (EINTR included),
  // so it is never retried.
  const int rc = ::close(fd_);
  fd_ = -1;
  return rc == 0 ? 0 : errno;
}

int WriteFully(int fd, std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    // write() returns 0 only for a zero-length request, which the loop
    // condition excludes; guard anyway so a broken file system cannot spin us.
    if (n == 0) return EIO;
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return 0;
}

int PreadFully(int fd, std::span<uint8_t> buffer, off_t offset, size_t* read) {
  *read = 0;
  while (*read < buffer.size()) {
    const ssize_t n = ::pread(fd, buffer.data() + *read, buffer.size() - *read,
                              offset + static_cast<off_t>(*read));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) break;
    *read += static_cast<size_t>(n);
  }
  return 0;
}

int FsyncFully(int fd) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

absl::Status MakeDirs(const std::string& path, mode_t mode) {
  if (path.empty()) return absl::InvalidArgumentError("empty folder path");
  // Walk the prefixes: existing folders (most of them) are only looked at,
  // so a path through folders we may not write works; EEXIST from mkdir is a
  // concurrent creator and just as good.
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (prefix.empty() || prefix.back() == '/') continue;
    struct stat st;
    if (::stat(prefix.c_str(), &st) != 0) {
      if (errno != ENOENT) return PathError(errno, "looking at folder", prefix);
      if (::mkdir(prefix.c_str(), mode) == 0) continue;
      if (errno != EEXIST) return PathError(errno, "creating folder", prefix);
      if (::stat(prefix.c_str(), &st) != 0) return PathError(errno, "looking at folder", prefix);
    }
    if (!S_ISDIR(st.st_mode)) return PathError(ENOTDIR, "creating folder", prefix);
  }
  return absl::OkStatus();
}

absl::Status PathError(int error, std::string_view what, std::string_view path) {
  return absl::ErrnoToStatus(error, absl::StrCat(std::string(what), " ", std::string(path)));
}

}  // namespace kiln::cache
