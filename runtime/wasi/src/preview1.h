// preview1.h — the state of one WASI program and its preview1 functions.
//
// Each function takes the guest's arguments as the witx gives them
// (descriptors and pointers as u32, sizes and offsets as u64) and returns
// the errno the guest sees. Guest pointers are checked by GuestMemory: a
// range outside the memory is EFAULT, never a host fault.
#ifndef KILN_RUNTIME_WASI_SRC_PREVIEW1_H_
#define KILN_RUNTIME_WASI_SRC_PREVIEW1_H_

#include <sys/stat.h>
#include <sys/uio.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fd_table.h"
#include "guest_memory.h"
#include "kiln/wasi/wasi_context.h"
#include "wasi_errno.h"

namespace kiln::wasi {

class Preview1 {
 public:
  explicit Preview1(const WasiOptions& options)
      : args_(options.args),
        env_(options.env),
        fds_(options.max_open_fds),
        max_file_bytes_written_(options.max_file_bytes_written),
        interrupted_(options.interrupted) {}

  FdTable& fds() { return fds_; }
  void Bind(runtime::Memory memory) { memory_ = GuestMemory(memory); }
  bool bound() const { return memory_.bound(); }
  std::optional<int> exit_code() const { return exit_code_; }
  void set_exit_code(int code) { exit_code_ = code; }

  // Arguments, environment, clocks, randomness, scheduling, polling.
  Errno ArgsGet(uint32_t argv, uint32_t argv_buf);
  Errno ArgsSizesGet(uint32_t argc_out, uint32_t buf_size_out);
  Errno EnvironGet(uint32_t environ, uint32_t environ_buf);
  Errno EnvironSizesGet(uint32_t count_out, uint32_t buf_size_out);
  Errno ClockResGet(uint32_t id, uint32_t resolution_out);
  Errno ClockTimeGet(uint32_t id, uint64_t precision, uint32_t time_out);
  Errno RandomGet(uint32_t buf, uint32_t buf_len);
  Errno SchedYield();
  Errno PollOneoff(uint32_t in, uint32_t out, uint32_t nsubscriptions, uint32_t nevents_out);

  // Descriptors.
  Errno FdAdvise(uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice);
  Errno FdAllocate(uint32_t fd, uint64_t offset, uint64_t len);
  Errno FdClose(uint32_t fd);
  Errno FdDatasync(uint32_t fd);
  Errno FdFdstatGet(uint32_t fd, uint32_t out);
  Errno FdFdstatSetFlags(uint32_t fd, uint32_t flags);
  Errno FdFdstatSetRights(uint32_t fd, uint64_t base, uint64_t inheriting);
  Errno FdFilestatGet(uint32_t fd, uint32_t out);
  Errno FdFilestatSetSize(uint32_t fd, uint64_t size);
  Errno FdFilestatSetTimes(uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t flags);
  Errno FdPread(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset, uint32_t nread_out);
  Errno FdPrestatGet(uint32_t fd, uint32_t out);
  Errno FdPrestatDirName(uint32_t fd, uint32_t path, uint32_t path_len);
  Errno FdPwrite(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset,
                 uint32_t nwritten_out);
  Errno FdRead(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nread_out);
  Errno FdReaddir(uint32_t fd, uint32_t buf, uint32_t buf_len, uint64_t cookie,
                  uint32_t bufused_out);
  Errno FdRenumber(uint32_t from, uint32_t to);
  Errno FdSeek(uint32_t fd, int64_t offset, uint32_t whence, uint32_t newoffset_out);
  Errno FdSync(uint32_t fd);
  Errno FdTell(uint32_t fd, uint32_t offset_out);
  Errno FdWrite(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nwritten_out);

  // Paths, always beneath a directory descriptor (sandbox_path.h).
  Errno PathCreateDirectory(uint32_t fd, uint32_t path, uint32_t path_len);
  Errno PathFilestatGet(uint32_t fd, uint32_t lookup, uint32_t path, uint32_t path_len,
                        uint32_t out);
  Errno PathFilestatSetTimes(uint32_t fd, uint32_t lookup, uint32_t path, uint32_t path_len,
                             uint64_t atim, uint64_t mtim, uint32_t flags);
  Errno PathLink(uint32_t old_fd, uint32_t old_lookup, uint32_t old_path, uint32_t old_path_len,
                 uint32_t new_fd, uint32_t new_path, uint32_t new_path_len);
  Errno PathOpen(uint32_t fd, uint32_t lookup, uint32_t path, uint32_t path_len, uint32_t oflags,
                 uint64_t rights_base, uint64_t rights_inheriting, uint32_t fdflags,
                 uint32_t fd_out);
  Errno PathReadlink(uint32_t fd, uint32_t path, uint32_t path_len, uint32_t buf,
                     uint32_t buf_len, uint32_t bufused_out);
  Errno PathRemoveDirectory(uint32_t fd, uint32_t path, uint32_t path_len);
  Errno PathRename(uint32_t fd, uint32_t old_path, uint32_t old_path_len, uint32_t new_fd,
                   uint32_t new_path, uint32_t new_path_len);
  Errno PathSymlink(uint32_t old_path, uint32_t old_path_len, uint32_t fd, uint32_t new_path,
                    uint32_t new_path_len);
  Errno PathUnlinkFile(uint32_t fd, uint32_t path, uint32_t path_len);

  // Sockets (preopened ones; none can be opened from the guest).
  Errno SockAccept(uint32_t fd, uint32_t flags, uint32_t fd_out);
  Errno SockRecv(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t flags,
                 uint32_t datalen_out, uint32_t flags_out);
  Errno SockSend(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t flags,
                 uint32_t datalen_out);
  Errno SockShutdown(uint32_t fd, uint32_t how);

 private:
  // Reads `count` iovecs at `iovs` as host iovecs over guest memory.
  Errno GuestIovecs(uint32_t iovs, uint32_t count, std::vector<struct iovec>* out) const;
  // The guest string [path, path + len).
  Errno GuestPath(uint32_t path, uint32_t len, std::string_view* out) const;
  // The directory descriptor `fd` with `needed` rights, for path calls.
  Errno Directory(uint32_t fd, uint64_t needed, Descriptor** out);
  Errno WriteFilestat(uint32_t out, const struct stat& st) const;
  // Writes a NUL-terminated list (args or environ) as the guest expects.
  Errno WriteStringList(const std::vector<std::string>& list, uint32_t pointers,
                        uint32_t buf) const;
  // Takes `bytes` more of the file-write allowance for a write to `d`
  // (standard streams and other non-files are free): EDQUOT when it is
  // spent.
  Errno ChargeFileWrite(const Descriptor& d, uint64_t bytes);
  // Gives back what a charged write did not write.
  void RefundFileWrite(const Descriptor& d, uint64_t bytes);
  Errno WriteStringListSizes(const std::vector<std::string>& list, uint32_t count_out,
                             uint32_t size_out) const;

  std::vector<std::string> args_;
  std::vector<std::string> env_;
  FdTable fds_;
  GuestMemory memory_;
  std::optional<int> exit_code_;
  uint64_t max_file_bytes_written_;
  uint64_t file_bytes_written_ = 0;
  std::function<bool()> interrupted_;
};

}  // namespace kiln::wasi

#endif  // KILN_RUNTIME_WASI_SRC_PREVIEW1_H_
