// sandbox_path.h — resolving a guest's path beneath one of its directories.
//
// A guest names files relative to a directory descriptor it holds (a
// preopen, or a directory opened from one). Nothing it names may reach
// outside that directory: not an absolute path, not "..", not a symlink,
// whether the guest planted it or swaps it while the call runs. The kernel
// enforces this, not a walk of ours: every lookup is one openat2 with
// RESOLVE_BENEATH (no absolute paths or symlinks, and no "..", that leave
// the directory, checked atomically during the lookup) and
// RESOLVE_NO_MAGICLINKS (no /proc/self/fd-style jumps). Operations on a
// name (unlink, mkdir, rename, symlink, link, readlink, stat, utimes) open
// its parent that way and then act on the last component with the *at
// system call, which never follows a symlink there unless asked.
#ifndef KILN_RUNTIME_WASI_SRC_SANDBOX_PATH_H_
#define KILN_RUNTIME_WASI_SRC_SANDBOX_PATH_H_

#include <sys/types.h>

#include <string>
#include <string_view>

#include "unique_fd.h"
#include "wasi_errno.h"

namespace kiln::wasi {

// Opens `path` beneath `dir_fd` with open(2)'s `flags` and `mode`.
// `follow_last` says whether a symlink as the last component is followed
// (staying beneath `dir_fd`) or is an error (ELOOP, as O_NOFOLLOW makes it).
// On success `*out` holds the new descriptor.
Errno OpenBeneath(int dir_fd, std::string_view path, int flags, mode_t mode, bool follow_last,
                  UniqueFd* out);

// A path split for an operation on its last component: `parent` is the
// directory holding it, opened O_PATH beneath the starting directory, and
// `name` the last component as the guest wrote it, trailing slashes kept
// (so that the kernel applies its own rules to them: "file/" is ENOTDIR).
// A last component "." or ".." names a directory, not an entry in one:
// then `parent` is that directory itself and `name` is ".".
struct ParentAndName {
  UniqueFd parent;
  std::string name;
};
Errno OpenParent(int dir_fd, std::string_view path, ParentAndName* out);

// EINVAL for a path the host cannot take (an embedded NUL), else success.
Errno CheckPathText(std::string_view path);

}  // namespace kiln::wasi

#endif  // KILN_RUNTIME_WASI_SRC_SANDBOX_PATH_H_
