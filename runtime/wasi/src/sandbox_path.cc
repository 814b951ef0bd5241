#include "sandbox_path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace kiln::wasi {
namespace {

// openat2 with the sandbox's resolve flags; -1 and errno on failure. A
// lookup that would leave `dir_fd` fails with EXDEV, which the guest sees
// as "not permitted", as other runtimes answer an escape.
int OpenAt2(int dir_fd, const std::string& path, uint64_t flags, uint64_t mode) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  // openat2, stricter than openat, refuses a mode that would not be used.
  how.mode = (flags & O_CREAT) != 0 ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (;;) {
    const long fd = ::syscall(SYS_openat2, dir_fd, path.c_str(), &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    // EAGAIN: a concurrent rename raced the lookup (the kernel asks to
    // retry rather than risk an escape).
    if (errno != EAGAIN && errno != EINTR) return -1;
  }
}

Errno FromOpenErrno(int host_errno) {
  return host_errno == EXDEV ? Errno::kPerm : FromHostErrno(host_errno);
}

}  // namespace

Errno CheckPathText(std::string_view path) {
  return path.find('\0') == std::string_view::npos ? Errno::kSuccess : Errno::kInval;
}

Errno OpenBeneath(int dir_fd, std::string_view path, int flags, mode_t mode, bool follow_last,
                  UniqueFd* out) {
  if (Errno e = CheckPathText(path); e != Errno::kSuccess) return e;
  if (!follow_last) flags |= O_NOFOLLOW;
  const int fd = OpenAt2(dir_fd, std::string(path), static_cast<uint64_t>(flags), mode);
  if (fd < 0) return FromOpenErrno(errno);
  *out = UniqueFd(fd);
  return Errno::kSuccess;
}

Errno OpenParent(int dir_fd, std::string_view path, ParentAndName* out) {
  if (Errno e = CheckPathText(path); e != Errno::kSuccess) return e;
  if (path.empty()) return Errno::kNoEnt;
  size_t end = path.size();  // one past the last component
  while (end > 0 && path[end - 1] == '/') --end;
  if (end == 0) return Errno::kPerm;  // "/": absolute, outside every preopen
  const size_t slash = path.rfind('/', end - 1);
  const size_t start = slash == std::string_view::npos ? 0 : slash + 1;
  const std::string_view last = path.substr(start, end - start);
  // The parent keeps its own slashes: "a//b" has parent "a/", and "/b"
  // has parent "/", which openat2 refuses as absolute.
  const bool names_a_directory = last == "." || last == "..";
  const std::string_view parent_text =
      names_a_directory ? path.substr(0, end) : (start == 0 ? std::string_view(".") : path.substr(0, start));
  const std::string parent(parent_text);
  out->name.assign(names_a_directory ? std::string_view(".") : path.substr(start));
  const int fd = OpenAt2(dir_fd, parent, O_PATH | O_DIRECTORY, 0);
  if (fd < 0) return FromOpenErrno(errno);
  out->parent = UniqueFd(fd);
  return Errno::kSuccess;
}

}  // namespace kiln::wasi
