// preview1's path_* functions. Every lookup goes through sandbox_path.h.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "file_times.h"
#include "preview1.h"
#include "sandbox_path.h"

namespace kiln::wasi {
namespace {

// The /proc path of an open descriptor, for the calls that take a path
// but must act on what an O_PATH descriptor already resolved (beneath its
// preopen) instead of resolving anything again.
std::string ProcPath(int fd) { return absl::StrCat("/proc/self/fd/", fd); }

bool HasTrailingSlash(std::string_view path) { return !path.empty() && path.back() == '/'; }

}  // namespace

Errno Preview1::GuestPath(uint32_t path, uint32_t len, std::string_view* out) const {
  std::optional<std::string_view> text = memory_.String(path, len);
  if (!text.has_value()) return Errno::kFault;
  *out = *text;
  return CheckPathText(*out);
}

Errno Preview1::Directory(uint32_t fd, uint64_t needed, Descriptor** out) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, 0, &d); e != Errno::kSuccess) return e;
  if (d->type != FileType::kDirectory) return Errno::kNotDir;
  if ((d->rights_base & needed) != needed) return Errno::kNotCapable;
  *out = d;
  return Errno::kSuccess;
}

Errno Preview1::PathOpen(uint32_t fd, uint32_t lookup, uint32_t path, uint32_t path_len,
                         uint32_t oflags_in, uint64_t rights_base, uint64_t rights_inheriting,
                         uint32_t fdflags_in, uint32_t fd_out) {
  uint64_t needed = rights::kPathOpen;
  if (oflags_in & oflags::kCreat) needed |= rights::kPathCreateFile;
  if (oflags_in & oflags::kTrunc) needed |= rights::kPathFilestatSetSize;
  Descriptor* dir = nullptr;
  if (Errno e = Directory(fd, needed, &dir); e != Errno::kSuccess) return e;
  std::string_view name;
  if (Errno e = GuestPath(path, path_len, &name); e != Errno::kSuccess) return e;
  if ((oflags_in & ~uint32_t{0xF}) != 0 || (fdflags_in & ~uint32_t{fdflags::kAll}) != 0) {
    return Errno::kInval;
  }
  // A descriptor has at most the rights its directory passes on.
  const uint64_t base = rights_base & dir->rights_inheriting;
  const uint64_t inheriting = rights_inheriting & dir->rights_inheriting;
  const bool read = (base & (rights::kFdRead | rights::kFdReaddir)) != 0;
  const bool write = (base & (rights::kFdWrite | rights::kFdDatasync | rights::kFdAllocate |
                              rights::kFdFilestatSetSize)) != 0 ||
                     (fdflags_in & fdflags::kAppend) != 0;
  if (write && dir->read_only_tree) return Errno::kNotCapable;
  int flags = write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY;
  if (oflags_in & oflags::kCreat) flags |= O_CREAT;
  if (oflags_in & oflags::kExcl) flags |= O_EXCL;
  if (oflags_in & oflags::kTrunc) flags |= O_TRUNC;
  if (oflags_in & oflags::kDirectory) flags |= O_DIRECTORY;
  if (fdflags_in & fdflags::kAppend) flags |= O_APPEND;
  if (fdflags_in & fdflags::kNonblock) flags |= O_NONBLOCK;
  if (fdflags_in & fdflags::kDsync) flags |= O_DSYNC;
  if (fdflags_in & (fdflags::kSync | fdflags::kRsync)) flags |= O_SYNC;
  // Truncating or creating a file needs it writable on the host.
  if ((flags & (O_TRUNC)) != 0 && !write) flags = (flags & ~O_ACCMODE) | O_RDWR;
  UniqueFd opened;
  Errno e = OpenBeneath(dir->fd.get(), name, flags, 0666, lookup & kLookupSymlinkFollow, &opened);
  if (e == Errno::kIsDir && (flags & O_ACCMODE) != O_RDONLY &&
      (oflags_in & (oflags::kCreat | oflags::kTrunc)) == 0 && (base & rights::kFdWrite) == 0) {
    // A directory opened with rights that only sound like writing
    // (wasi-libc asks for them with O_RDWR-less opens too): read-only.
    e = OpenBeneath(dir->fd.get(), name, (flags & ~O_ACCMODE) | O_RDONLY, 0666,
                    lookup & kLookupSymlinkFollow, &opened);
  }
  if (e != Errno::kSuccess) return e;
  Descriptor d;
  d.type = HostFileType(opened.get());
  d.rights_base =
      base & (d.type == FileType::kDirectory ? rights::kDirectory
                                             : rights::kFile & ~rights::kPollFdReadwrite) ;
  if (d.type != FileType::kDirectory) d.rights_base |= base & rights::kPollFdReadwrite;
  d.rights_inheriting = inheriting;
  d.read_only_tree = dir->read_only_tree;
  d.fd = std::move(opened);
  uint32_t number = 0;
  if (Errno insert = fds_.Insert(std::move(d), &number); insert != Errno::kSuccess) return insert;
  return memory_.Write<uint32_t>(fd_out, number) ? Errno::kSuccess : Errno::kFault;
}

Errno Preview1::PathCreateDirectory(uint32_t fd, uint32_t path, uint32_t path_len) {
  Descriptor* dir = nullptr;
  if (Errno e = Directory(fd, rights::kPathCreateDirectory, &dir); e != Errno::kSuccess) return e;
  std::string_view name;
  if (Errno e = GuestPath(path, path_len, &name); e != Errno::kSuccess) return e;
  ParentAndName target;
  if (Errno e = OpenParent(dir->fd.get(), name, &target); e != Errno::kSuccess) return e;
  return ::mkdirat(target.parent.get(), target.name.c_str(), 0777) == 0 ? Errno::kSuccess
                                                                        : LastHostErrno();
}

Errno Preview1::PathFilestatGet(uint32_t fd, uint32_t lookup, uint32_t path, uint32_t path_len,
                                uint32_t out) {
  Descriptor* dir = nullptr;
  if (Errno e = Directory(fd, rights::kPathFilestatGet, &dir); e != Errno::kSuccess) return e;
  std::string_view name;
  if (Errno e = GuestPath(path, path_len, &name); e != Errno::kSuccess) return e;
  struct stat st;
  if ((lookup & kLookupSymlinkFollow) != 0 || HasTrailingSlash(name)) {
    // Following a symlink (a trailing slash follows one too) is a lookup
    // like any other: beneath the directory.
    UniqueFd file;
    if (Errno e = OpenBeneath(dir->fd.get(), name, O_PATH, 0, true, &file); e != Errno::kSuccess) {
      return e;
    }
    if (::fstat(file.get(), &st) != 0) return LastHostErrno();
  } else {
    ParentAndName target;
    if (Errno e = OpenParent(dir->fd.get(), name, &target); e != Errno::kSuccess) return e;
    if (::fstatat(target.parent.get(), target.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return LastHostErrno();
    }
  }
  return WriteFilestat(out, st);
}

Errno Preview1::PathFilestatSetTimes(uint32_t fd, uint32_t lookup, uint32_t path,
                                     uint32_t path_len, uint64_t atim, uint64_t mtim,
                                     uint32_t flags) {
  Descriptor* dir = nullptr;
  if (Errno e = Directory(fd, rights::kPathFilestatSetTimes, &dir); e != Errno::kSuccess) return e;
  std::string_view name;
  if (Errno e = GuestPath(path, path_len, &name); e != Errno::kSuccess) return e;
  timespec times[2];
  if (Errno e = TimesFromFlags(atim, mtim, flags, times); e != Errno::kSuccess) return e;
  if ((lookup & kLookupSymlinkFollow) != 0 || HasTrailingSlash(name)) {
    UniqueFd file;
    if (Errno e = OpenBeneath(dir->fd.get(), name, O_PATH, 0, true, &file); e != Errno::kSuccess) {
      return e;
    }
    return ::utimensat(AT_FDCWD, ProcPath(file.get()).c_str(), times, 0) == 0 ? Errno::kSuccess
                                                                              : LastHostErrno();
  }
  ParentAndName target;
  if (Errno e = OpenParent(dir->fd.get(), name, &target); e != Errno::kSuccess) return e;
  return ::utimensat(target.parent.get(), target.name.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0
             ? Errno::kSuccess
             : LastHostErrno();
}

Errno Preview1::PathLink(uint32_t old_fd, uint32_t old_lookup, uint32_t old_path,
                         uint32_t old_path_len, uint32_t new_fd, uint32_t new_path,
                         uint32_t new_path_len) {
  Descriptor* old_dir = nullptr;
  Descriptor* new_dir = nullptr;
  if (Errno e = Directory(old_fd, rights::kPathLinkSource, &old_dir); e != Errno::kSuccess) return e;
  if (Errno e = Directory(new_fd, rights::kPathLinkTarget, &new_dir); e != Errno::kSuccess) return e;
  std::string_view old_name;
  std::string_view new_name;
  if (Errno e = GuestPath(old_path, old_path_len, &old_name); e != Errno::kSuccess) return e;
  if (Errno e = GuestPath(new_path, new_path_len, &new_name); e != Errno::kSuccess) return e;
  ParentAndName to;
  if (Errno e = OpenParent(new_dir->fd.get(), new_name, &to); e != Errno::kSuccess) return e;
  if ((old_lookup & kLookupSymlinkFollow) != 0) {
    UniqueFd file;
    if (Errno e = OpenBeneath(old_dir->fd.get(), old_name, O_PATH, 0, true, &file);
        e != Errno::kSuccess) {
      return e;
    }
    return ::linkat(AT_FDCWD, ProcPath(file.get()).c_str(), to.parent.get(), to.name.c_str(),
                    AT_SYMLINK_FOLLOW) == 0
               ? Errno::kSuccess
               : LastHostErrno();
  }
  ParentAndName from;
  if (Errno e = OpenParent(old_dir->fd.get(), old_name, &from); e != Errno::kSuccess) return e;
  return ::linkat(from.parent.get(), from.name.c_str(), to.parent.get(), to.name.c_str(), 0) == 0
             ? Errno::kSuccess
             : LastHostErrno();
}

Errno Preview1::PathReadlink(uint32_t fd, uint32_t path, uint32_t path_len, uint32_t buf,
                             uint32_t buf_len, uint32_t bufused_out) {
  Descriptor* dir = nullptr;
  if (Errno e = Directory(fd, rights::kPathReadlink, &dir); e != Errno::kSuccess) return e;
  std::string_view name;
  if (Errno e = GuestPath(path, path_len, &name); e != Errno::kSuccess) return e;
  std::optional<std::span<uint8_t>> out = memory_.Bytes(buf, buf_len);
  if (!out.has_value()) return Errno::kFault;
  ParentAndName target;
  if (Errno e = OpenParent(dir->fd.get(), name, &target); e != Errno::kSuccess) return e;
  std::string contents(PATH_MAX, '\0');
  const ssize_t n = ::readlinkat(target.parent.get(), target.name.c_str(), contents.data(),
                                 contents.size());
  if (n < 0) return LastHostErrno();
  const size_t copied = std::min<size_t>(static_cast<size_t>(n), out->size());
  std::copy_n(contents.data(), copied, out->data());
  return memory_.Write<uint32_t>(bufused_out, static_cast<uint32_t>(copied)) ? Errno::kSuccess
                                                                             : Errno::kFault;
}

Errno Preview1::PathRemoveDirectory(uint32_t fd, uint32_t path, uint32_t path_len) {
  Descriptor* dir = nullptr;
  if (Errno e = Directory(fd, rights::kPathRemoveDirectory, &dir); e != Errno::kSuccess) return e;
  std::string_view name;
  if (Errno e = GuestPath(path, path_len, &name); e != Errno::kSuccess) return e;
  ParentAndName target;
  if (Errno e = OpenParent(dir->fd.get(), name, &target); e != Errno::kSuccess) return e;
  return ::unlinkat(target.parent.get(), target.name.c_str(), AT_REMOVEDIR) == 0
             ? Errno::kSuccess
             : LastHostErrno();
}

Errno Preview1::PathRename(uint32_t fd, uint32_t old_path, uint32_t old_path_len,
                           uint32_t new_fd, uint32_t new_path, uint32_t new_path_len) {
  Descriptor* old_dir = nullptr;
  Descriptor* new_dir = nullptr;
  if (Errno e = Directory(fd, rights::kPathRenameSource, &old_dir); e != Errno::kSuccess) return e;
  if (Errno e = Directory(new_fd, rights::kPathRenameTarget, &new_dir); e != Errno::kSuccess) {
    return e;
  }
  std::string_view old_name;
  std::string_view new_name;
  if (Errno e = GuestPath(old_path, old_path_len, &old_name); e != Errno::kSuccess) return e;
  if (Errno e = GuestPath(new_path, new_path_len, &new_name); e != Errno::kSuccess) return e;
  ParentAndName from;
  ParentAndName to;
  if (Errno e = OpenParent(old_dir->fd.get(), old_name, &from); e != Errno::kSuccess) return e;
  if (Errno e = OpenParent(new_dir->fd.get(), new_name, &to); e != Errno::kSuccess) return e;
  return ::renameat(from.parent.get(), from.name.c_str(), to.parent.get(), to.name.c_str()) == 0
             ? Errno::kSuccess
             : LastHostErrno();
}

Errno Preview1::PathSymlink(uint32_t old_path, uint32_t old_path_len, uint32_t fd,
                            uint32_t new_path, uint32_t new_path_len) {
  Descriptor* dir = nullptr;
  if (Errno e = Directory(fd, rights::kPathSymlink, &dir); e != Errno::kSuccess) return e;
  std::string_view target_text;
  std::string_view name;
  if (Errno e = GuestPath(old_path, old_path_len, &target_text); e != Errno::kSuccess) return e;
  if (Errno e = GuestPath(new_path, new_path_len, &name); e != Errno::kSuccess) return e;
  // Lookups never follow an absolute symlink out of a preopen, but the
  // host's own programs would: the guest may not plant one.
  if (!target_text.empty() && target_text.front() == '/') return Errno::kPerm;
  ParentAndName link;
  if (Errno e = OpenParent(dir->fd.get(), name, &link); e != Errno::kSuccess) return e;
  return ::symlinkat(std::string(target_text).c_str(), link.parent.get(), link.name.c_str()) == 0
             ? Errno::kSuccess
             : LastHostErrno();
}

Errno Preview1::PathUnlinkFile(uint32_t fd, uint32_t path, uint32_t path_len) {
  Descriptor* dir = nullptr;
  if (Errno e = Directory(fd, rights::kPathUnlinkFile, &dir); e != Errno::kSuccess) return e;
  std::string_view name;
  if (Errno e = GuestPath(path, path_len, &name); e != Errno::kSuccess) return e;
  ParentAndName target;
  if (Errno e = OpenParent(dir->fd.get(), name, &target); e != Errno::kSuccess) return e;
  return ::unlinkat(target.parent.get(), target.name.c_str(), 0) == 0 ? Errno::kSuccess
                                                                       : LastHostErrno();
}

}  // namespace kiln::wasi
