// cache/src/posix_io.h — POSIX file calls that finish their job.
//
// The raw calls may transfer fewer bytes than asked or fail with EINTR; the
// disk tier must neither store a short entry nor report a spurious error, so
// these helpers loop until done. Errors come back as errno values (0 = OK) so
// that callers can word the status with the path they were working on.
#ifndef KILN_CACHE_SRC_POSIX_IO_H_
#define KILN_CACHE_SRC_POSIX_IO_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "absl/status/status.h"

namespace kiln::cache {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release();
  void Reset();
  // Closes now and returns close()'s errno (0 when fine), for files whose
  // last write errors only show up at close (e.g. on NFS).
  int Close();

 private:
  int fd_ = -1;
};

// Writes all of `bytes` at the file position. Returns 0 or an errno.
int WriteFully(int fd, std::span<const uint8_t> bytes);

// Reads into `buffer` from `offset` until it is full or the file ends.
// Returns 0 or an errno; `*read` is the number of bytes read.
int PreadFully(int fd, std::span<uint8_t> buffer, off_t offset, size_t* read);

// fsync(), retried on EINTR. Returns 0 or an errno.
int FsyncFully(int fd);

// mkdir -p: creates `path` and its missing parents with `mode`. An error
// names the folder that could not be made.
absl::Status MakeDirs(const std::string& path, mode_t mode);

// An absl::Status for errno `error` while doing `what` ("writing") on `path`,
// with the system's text for it.
absl::Status PathError(int error, std::string_view what, std::string_view path);

}  // namespace kiln::cache

#endif  // KILN_CACHE_SRC_POSIX_IO_H_
