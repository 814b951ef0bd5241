// preview1's fd_* functions.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "file_times.h"
#include "preview1.h"

namespace kiln::wasi {
namespace {

FileType DirentType(unsigned char d_type) {
  switch (d_type) {
    case DT_REG: return FileType::kRegularFile;
    case DT_DIR: return FileType::kDirectory;
    case DT_LNK: return FileType::kSymbolicLink;
    case DT_CHR: return FileType::kCharacterDevice;
    case DT_BLK: return FileType::kBlockDevice;
    case DT_SOCK: return FileType::kSocketStream;
    default: return FileType::kUnknown;
  }
}

// Reads a directory's entries from a fresh descriptor of it, so that the
// guest's own descriptor keeps no position.
Errno ListDirectory(int fd, std::vector<DirEntry>* out) {
  const int copy = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (copy < 0) return LastHostErrno();
  DIR* dir = ::fdopendir(copy);
  if (dir == nullptr) {
    ::close(copy);
    return LastHostErrno();
  }
  out->clear();
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    DirEntry e{entry->d_name, entry->d_ino, DirentType(entry->d_type)};
    if (entry->d_type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) e.type = FileTypeOfMode(st.st_mode);
    }
    out->push_back(std::move(e));
  }
  const Errno result = errno == 0 ? Errno::kSuccess : LastHostErrno();
  ::closedir(dir);
  return result;
}

}  // namespace

Errno Preview1::ChargeFileWrite(const Descriptor& d, uint64_t bytes) {
  if (d.type != FileType::kRegularFile) return Errno::kSuccess;
  if (bytes > max_file_bytes_written_ - file_bytes_written_) return Errno::kDquot;
  file_bytes_written_ += bytes;
  return Errno::kSuccess;
}

void Preview1::RefundFileWrite(const Descriptor& d, uint64_t bytes) {
  if (d.type == FileType::kRegularFile) file_bytes_written_ -= bytes;
}

namespace {

uint64_t TotalLength(const std::vector<iovec>& iovs) {
  uint64_t total = 0;
  for (const iovec& v : iovs) total += v.iov_len;
  return total;
}

// How many bytes growing the file of `fd` to `end` adds.
uint64_t Growth(int fd, uint64_t end) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) >= end) return 0;
  return end - static_cast<uint64_t>(st.st_size);
}

}  // namespace

Errno Preview1::GuestIovecs(uint32_t iovs, uint32_t count, std::vector<iovec>* out) const {
  if (count > IOV_MAX) return Errno::kInval;
  out->clear();
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t at = iovs + uint64_t{i} * kIovecSize;
    std::optional<uint32_t> buf = memory_.Read<uint32_t>(at);
    std::optional<uint32_t> len = memory_.Read<uint32_t>(at + 4);
    if (!buf.has_value() || !len.has_value()) return Errno::kFault;
    std::optional<std::span<uint8_t>> bytes = memory_.Bytes(*buf, *len);
    if (!bytes.has_value()) return Errno::kFault;
    out->push_back({bytes->data(), bytes->size()});
  }
  return Errno::kSuccess;
}

Errno Preview1::WriteFilestat(uint32_t out, const struct stat& st) const {
  std::optional<std::span<uint8_t>> bytes = memory_.Bytes(out, kFilestatSize);
  if (!bytes.has_value()) return Errno::kFault;
  std::fill(bytes->begin(), bytes->end(), 0);
  memory_.Write<uint64_t>(out, st.st_dev);
  memory_.Write<uint64_t>(out + 8, st.st_ino);
  memory_.Write<uint8_t>(out + 16, static_cast<uint8_t>(FileTypeOfMode(st.st_mode)));
  memory_.Write<uint64_t>(out + 24, st.st_nlink);
  memory_.Write<uint64_t>(out + 32, static_cast<uint64_t>(st.st_size));
  auto ns = [](const timespec& t) {
    return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(t.tv_nsec);
  };
  memory_.Write<uint64_t>(out + 40, ns(st.st_atim));
  memory_.Write<uint64_t>(out + 48, ns(st.st_mtim));
  memory_.Write<uint64_t>(out + 56, ns(st.st_ctim));
  return Errno::kSuccess;
}

Errno Preview1::FdAdvise(uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, rights::kFdAdvise, &d); e != Errno::kSuccess) return e;
  if (advice > 5) return Errno::kInval;
  if (d->type == FileType::kDirectory) return Errno::kBadf;
  static constexpr int kHostAdvice[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL,
                                        POSIX_FADV_RANDOM, POSIX_FADV_WILLNEED,
                                        POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
  const int r = ::posix_fadvise(d->fd.get(), static_cast<off_t>(offset), static_cast<off_t>(len),
                                kHostAdvice[advice]);
  return FromHostErrno(r);
}

Errno Preview1::FdAllocate(uint32_t fd, uint64_t offset, uint64_t len) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, rights::kFdAllocate, &d); e != Errno::kSuccess) return e;
  if (d->type == FileType::kDirectory) return Errno::kBadf;
  if (offset > INT64_MAX || len > INT64_MAX - offset) return Errno::kFbig;
  const uint64_t growth = Growth(d->fd.get(), offset + len);
  if (Errno e = ChargeFileWrite(*d, growth); e != Errno::kSuccess) return e;
  const int r = ::posix_fallocate(d->fd.get(), static_cast<off_t>(offset), static_cast<off_t>(len));
  if (r != 0) RefundFileWrite(*d, growth);
  return FromHostErrno(r);
}

Errno Preview1::FdClose(uint32_t fd) { return fds_.Close(fd); }

Errno Preview1::FdDatasync(uint32_t fd) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, rights::kFdDatasync, &d); e != Errno::kSuccess) return e;
  return ::fdatasync(d->fd.get()) == 0 ? Errno::kSuccess : LastHostErrno();
}

Errno Preview1::FdSync(uint32_t fd) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, rights::kFdSync, &d); e != Errno::kSuccess) return e;
  return ::fsync(d->fd.get()) == 0 ? Errno::kSuccess : LastHostErrno();
}

Errno Preview1::FdFdstatGet(uint32_t fd, uint32_t out) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, 0, &d); e != Errno::kSuccess) return e;
  std::optional<std::span<uint8_t>> bytes = memory_.Bytes(out, kFdstatSize);
  if (!bytes.has_value()) return Errno::kFault;
  const int host_flags = ::fcntl(d->fd.get(), F_GETFL);
  uint16_t flags = 0;
  if (host_flags >= 0) {
    if (host_flags & O_APPEND) flags |= fdflags::kAppend;
    if (host_flags & O_NONBLOCK) flags |= fdflags::kNonblock;
    if ((host_flags & O_SYNC) == O_SYNC) {
      flags |= fdflags::kSync;
    } else if (host_flags & O_DSYNC) {
      flags |= fdflags::kDsync;
    }
  }
  std::fill(bytes->begin(), bytes->end(), 0);
  memory_.Write<uint8_t>(out, static_cast<uint8_t>(d->type));
  memory_.Write<uint16_t>(out + 2, flags);
  memory_.Write<uint64_t>(out + 8, d->rights_base);
  memory_.Write<uint64_t>(out + 16, d->rights_inheriting);
  return Errno::kSuccess;
}

Errno Preview1::FdFdstatSetFlags(uint32_t fd, uint32_t flags) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, rights::kFdFdstatSetFlags, &d); e != Errno::kSuccess) return e;
  if ((flags & ~uint32_t{fdflags::kAll}) != 0) return Errno::kInval;
  // Only append and nonblock can change on an open Linux descriptor.
  if ((flags & (fdflags::kDsync | fdflags::kRsync | fdflags::kSync)) != 0) return Errno::kNotSup;
  const int current = ::fcntl(d->fd.get(), F_GETFL);
  if (current < 0) return LastHostErrno();
  int wanted = current & ~(O_APPEND | O_NONBLOCK);
  if (flags & fdflags::kAppend) wanted |= O_APPEND;
  if (flags & fdflags::kNonblock) wanted |= O_NONBLOCK;
  return ::fcntl(d->fd.get(), F_SETFL, wanted) == 0 ? Errno::kSuccess : LastHostErrno();
}

Errno Preview1::FdFdstatSetRights(uint32_t fd, uint64_t base, uint64_t inheriting) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, 0, &d); e != Errno::kSuccess) return e;
  // Rights can only be dropped.
  if ((base & ~d->rights_base) != 0 || (inheriting & ~d->rights_inheriting) != 0) {
    return Errno::kNotCapable;
  }
  d->rights_base = base;
  d->rights_inheriting = inheriting;
  return Errno::kSuccess;
}

Errno Preview1::FdFilestatGet(uint32_t fd, uint32_t out) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, rights::kFdFilestatGet, &d); e != Errno::kSuccess) return e;
  struct stat st;
  if (::fstat(d->fd.get(), &st) != 0) return LastHostErrno();
  return WriteFilestat(out, st);
}

Errno Preview1::FdFilestatSetSize(uint32_t fd, uint64_t size) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, rights::kFdFilestatSetSize, &d); e != Errno::kSuccess) return e;
  if (size > INT64_MAX) return Errno::kInval;
  const uint64_t growth = Growth(d->fd.get(), size);
  if (Errno e = ChargeFileWrite(*d, growth); e != Errno::kSuccess) return e;
  if (::ftruncate(d->fd.get(), static_cast<off_t>(size)) != 0) {
    RefundFileWrite(*d, growth);
    return LastHostErrno();
  }
  return Errno::kSuccess;
}

Errno Preview1::FdFilestatSetTimes(uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t flags) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, rights::kFdFilestatSetTimes, &d); e != Errno::kSuccess) return e;
  timespec times[2];
  if (Errno e = TimesFromFlags(atim, mtim, flags, times); e != Errno::kSuccess) return e;
  return ::futimens(d->fd.get(), times) == 0 ? Errno::kSuccess : LastHostErrno();
}

Errno Preview1::FdPread(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset,
                        uint32_t nread_out) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, rights::kFdRead | rights::kFdSeek, &d); e != Errno::kSuccess) return e;
  if (d->type == FileType::kDirectory) return Errno::kIsDir;
  if (offset > INT64_MAX) return Errno::kInval;
  std::vector<iovec> host;
  if (Errno e = GuestIovecs(iovs, iovs_len, &host); e != Errno::kSuccess) return e;
  const ssize_t n = ::preadv(d->fd.get(), host.data(), static_cast<int>(host.size()),
                             static_cast<off_t>(offset));
  if (n < 0) return LastHostErrno();
  return memory_.Write<uint32_t>(nread_out, static_cast<uint32_t>(n)) ? Errno::kSuccess
                                                                      : Errno::kFault;
}

Errno Preview1::FdPwrite(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset,
                         uint32_t nwritten_out) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, rights::kFdWrite | rights::kFdSeek, &d); e != Errno::kSuccess) {
    return e;
  }
  if (d->type == FileType::kDirectory) return Errno::kIsDir;
  if (offset > INT64_MAX) return Errno::kInval;
  std::vector<iovec> host;
  if (Errno e = GuestIovecs(iovs, iovs_len, &host); e != Errno::kSuccess) return e;
  // Linux's pwrite ignores the offset of an O_APPEND descriptor and
  // appends; preview1 means the offset, as pwritev2 without RWF_APPEND
  // cannot promise either. Writing at the offset needs the flag off for
  // the call.
  const uint64_t length = TotalLength(host);
  if (Errno e = ChargeFileWrite(*d, length); e != Errno::kSuccess) return e;
  const int host_flags = ::fcntl(d->fd.get(), F_GETFL);
  const bool append = host_flags >= 0 && (host_flags & O_APPEND) != 0;
  if (append) ::fcntl(d->fd.get(), F_SETFL, host_flags & ~O_APPEND);
  const ssize_t n = ::pwritev(d->fd.get(), host.data(), static_cast<int>(host.size()),
                              static_cast<off_t>(offset));
  const int saved = errno;
  if (append) ::fcntl(d->fd.get(), F_SETFL, host_flags);
  RefundFileWrite(*d, length - static_cast<uint64_t>(std::max<ssize_t>(n, 0)));
  if (n < 0) return FromHostErrno(saved);
  return memory_.Write<uint32_t>(nwritten_out, static_cast<uint32_t>(n)) ? Errno::kSuccess
                                                                         : Errno::kFault;
}

Errno Preview1::FdRead(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nread_out) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, rights::kFdRead, &d); e != Errno::kSuccess) return e;
  if (d->type == FileType::kDirectory) return Errno::kIsDir;
  std::vector<iovec> host;
  if (Errno e = GuestIovecs(iovs, iovs_len, &host); e != Errno::kSuccess) return e;
  ssize_t n;
  do {
    n = ::readv(d->fd.get(), host.data(), static_cast<int>(host.size()));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return LastHostErrno();
  return memory_.Write<uint32_t>(nread_out, static_cast<uint32_t>(n)) ? Errno::kSuccess
                                                                      : Errno::kFault;
}

Errno Preview1::FdWrite(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nwritten_out) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, rights::kFdWrite, &d); e != Errno::kSuccess) return e;
  if (d->type == FileType::kDirectory) return Errno::kIsDir;
  std::vector<iovec> host;
  if (Errno e = GuestIovecs(iovs, iovs_len, &host); e != Errno::kSuccess) return e;
  const uint64_t length = TotalLength(host);
  if (Errno e = ChargeFileWrite(*d, length); e != Errno::kSuccess) return e;
  ssize_t n;
  do {
    n = ::writev(d->fd.get(), host.data(), static_cast<int>(host.size()));
  } while (n < 0 && errno == EINTR);
  const int saved = errno;
  RefundFileWrite(*d, length - static_cast<uint64_t>(std::max<ssize_t>(n, 0)));
  if (n < 0) return FromHostErrno(saved);
  return memory_.Write<uint32_t>(nwritten_out, static_cast<uint32_t>(n)) ? Errno::kSuccess
                                                                         : Errno::kFault;
}

Errno Preview1::FdPrestatGet(uint32_t fd, uint32_t out) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, 0, &d); e != Errno::kSuccess) return e;
  if (!d->preopen.has_value()) return Errno::kBadf;
  if (!memory_.Write<uint32_t>(out, 0) ||  // tag 0: a directory; padding zeroed
      !memory_.Write<uint32_t>(out + 4, static_cast<uint32_t>(d->preopen->size()))) {
    return Errno::kFault;
  }
  return Errno::kSuccess;
}

Errno Preview1::FdPrestatDirName(uint32_t fd, uint32_t path, uint32_t path_len) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, 0, &d); e != Errno::kSuccess) return e;
  if (!d->preopen.has_value()) return Errno::kBadf;
  if (path_len < d->preopen->size()) return Errno::kNameTooLong;
  std::optional<std::span<uint8_t>> bytes = memory_.Bytes(path, d->preopen->size());
  if (!bytes.has_value()) return Errno::kFault;
  std::copy(d->preopen->begin(), d->preopen->end(), bytes->begin());
  return Errno::kSuccess;
}

Errno Preview1::FdReaddir(uint32_t fd, uint32_t buf, uint32_t buf_len, uint64_t cookie,
                          uint32_t bufused_out) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, rights::kFdReaddir, &d); e != Errno::kSuccess) return e;
  if (d->type != FileType::kDirectory) return Errno::kNotDir;
  std::optional<std::span<uint8_t>> out = memory_.Bytes(buf, buf_len);
  if (!out.has_value()) return Errno::kFault;
  if (cookie == 0 || d->listing.empty()) {
    if (Errno e = ListDirectory(d->fd.get(), &d->listing); e != Errno::kSuccess) return e;
  }
  // Entries from `cookie` on, each a header and its name, the last one cut
  // where the buffer ends (the guest sees a full buffer and asks again).
  size_t used = 0;
  for (uint64_t i = cookie; i < d->listing.size() && used < out->size(); ++i) {
    const DirEntry& entry = d->listing[i];
    uint8_t header[kDirentSize] = {};
    const uint64_t next = i + 1;
    const uint64_t ino = entry.ino;
    const uint32_t namlen = static_cast<uint32_t>(entry.name.size());
    std::memcpy(header, &next, 8);
    std::memcpy(header + 8, &ino, 8);
    std::memcpy(header + 16, &namlen, 4);
    header[20] = static_cast<uint8_t>(entry.type);
    const size_t header_part = std::min<size_t>(kDirentSize, out->size() - used);
    std::memcpy(out->data() + used, header, header_part);
    used += header_part;
    const size_t name_part = std::min(entry.name.size(), out->size() - used);
    std::memcpy(out->data() + used, entry.name.data(), name_part);
    used += name_part;
  }
  return memory_.Write<uint32_t>(bufused_out, static_cast<uint32_t>(used)) ? Errno::kSuccess
                                                                           : Errno::kFault;
}

Errno Preview1::FdRenumber(uint32_t from, uint32_t to) { return fds_.Renumber(from, to); }

Errno Preview1::FdSeek(uint32_t fd, int64_t offset, uint32_t whence, uint32_t newoffset_out) {
  Descriptor* d = nullptr;
  // Asking only where the descriptor is needs fd_tell alone.
  const uint64_t needed =
      offset == 0 && whence == static_cast<uint32_t>(Whence::kCur) ? rights::kFdTell : rights::kFdSeek;
  if (Errno e = fds_.Get(fd, needed, &d); e != Errno::kSuccess) return e;
  if (d->type == FileType::kDirectory) return Errno::kBadf;
  int host_whence;
  switch (whence) {
    case static_cast<uint32_t>(Whence::kSet): host_whence = SEEK_SET; break;
    case static_cast<uint32_t>(Whence::kCur): host_whence = SEEK_CUR; break;
    case static_cast<uint32_t>(Whence::kEnd): host_whence = SEEK_END; break;
    default: return Errno::kInval;
  }
  const off_t at = ::lseek(d->fd.get(), static_cast<off_t>(offset), host_whence);
  if (at < 0) return LastHostErrno();
  return memory_.Write<uint64_t>(newoffset_out, static_cast<uint64_t>(at)) ? Errno::kSuccess
                                                                           : Errno::kFault;
}

Errno Preview1::FdTell(uint32_t fd, uint32_t offset_out) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, rights::kFdTell, &d); e != Errno::kSuccess) return e;
  if (d->type == FileType::kDirectory) return Errno::kBadf;
  const off_t at = ::lseek(d->fd.get(), 0, SEEK_CUR);
  if (at < 0) return LastHostErrno();
  return memory_.Write<uint64_t>(offset_out, static_cast<uint64_t>(at)) ? Errno::kSuccess
                                                                        : Errno::kFault;
}

}  // namespace kiln::wasi
