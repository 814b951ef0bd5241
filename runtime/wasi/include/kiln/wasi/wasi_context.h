// kiln/wasi/wasi_context.h — wasi_snapshot_preview1 for one program run.
//
//   WasiOptions options;
//   options.args = {"prog", "--flag"};
//   options.preopens.push_back({.host_path = "./data", .guest_path = "/data"});
//   auto wasi = WasiContext::Create(options);
//   runtime::Linker linker;
//   (*wasi)->Define(store, linker);          // every preview1 function
//   auto instance = linker.Instantiate(store, module);
//   absl::StatusOr<int> exit_code = (*wasi)->RunCommand(store, *instance);
//
// A WasiContext holds the program's arguments, environment, standard
// streams and descriptor table, and is used by one Store and one instance
// at a time. The guest sees only the directories it was given: every path
// is resolved beneath a descriptor it holds by the kernel (openat2 with
// RESOLVE_BENEATH), so no path, "..", absolute path or symlink reaches
// outside a preopen. Errno values are those of the preview1 witx.
#ifndef KILN_WASI_WASI_CONTEXT_H_
#define KILN_WASI_WASI_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kiln/runtime/extern.h"
#include "kiln/runtime/linker.h"
#include "kiln/runtime/store.h"

namespace kiln::wasi {

// The import module name of preview1's functions.
inline constexpr std::string_view kPreview1Module = "wasi_snapshot_preview1";

struct Preopen {
  std::string host_path;   // a directory on the host
  std::string guest_path;  // the name the guest sees, e.g. "/" or "/data"
  bool read_only = false;  // no creating, writing, renaming or removing
};

struct WasiOptions {
  std::vector<std::string> args;  // args[0] is the program's name
  std::vector<std::string> env;   // "NAME=value" each
  std::vector<Preopen> preopens;  // descriptors 3, 4, ... in this order
  // Host sockets the guest gets, after the preopened directories and in
  // this order (a listening TCP socket for sock_accept, say; preview1 has
  // no way to open one). Duplicated, as the standard streams below.
  std::vector<int> sockets;
  // Host descriptors for the guest's 0, 1 and 2. They are duplicated: the
  // caller keeps its own, and a guest closing its stdout closes the copy.
  int stdin_fd = 0;
  int stdout_fd = 1;
  int stderr_fd = 2;
  // The most descriptors the guest may hold open at once (EMFILE beyond).
  uint32_t max_open_fds = 1024;
  // The most bytes the guest may write to files (not its standard
  // streams), growth by fd_allocate and fd_filestat_set_size included;
  // EDQUOT beyond. A daemon's bound on the disk one program can fill.
  uint64_t max_file_bytes_written = std::numeric_limits<uint64_t>::max();
  // When set, asked while the guest waits in poll_oneoff (at least every
  // 10 ms): true ends the wait, so that a sleeping guest meets its
  // deadline (guest code itself stops at the epoch deadline).
  std::function<bool()> interrupted;
};

class Preview1;

class WasiContext {
 public:
  // Opens the preopened directories. INVALID_ARGUMENT naming one that is
  // not a directory that can be opened.
  static absl::StatusOr<std::unique_ptr<WasiContext>> Create(const WasiOptions& options);
  ~WasiContext();
  WasiContext(const WasiContext&) = delete;
  WasiContext& operator=(const WasiContext&) = delete;

  // Defines every wasi_snapshot_preview1 function in `linker`, as host
  // functions of `store`.
  void Define(runtime::Store& store, runtime::Linker& linker);

  // The instance whose exported "memory" the functions read and write.
  // FAILED_PRECONDITION when it exports no memory.
  absl::Status Bind(const runtime::Instance& instance);

  // Runs a command: binds `instance`, calls its "_start" and gives the
  // program's exit code (0 when _start returns, proc_exit's code
  // otherwise). A trap is the call's trap status; no "_start" is
  // NOT_FOUND.
  absl::StatusOr<int> RunCommand(runtime::Store& store, const runtime::Instance& instance);

  // Calls a reactor's "_initialize", if it exports one.
  absl::Status Initialize(runtime::Store& store, const runtime::Instance& instance);

  // The code the guest gave proc_exit, once it has.
  std::optional<int> exit_code() const;

 private:
  explicit WasiContext(std::unique_ptr<Preview1> preview1);
  std::unique_ptr<Preview1> preview1_;
};

}  // namespace kiln::wasi

#endif  // KILN_WASI_WASI_CONTEXT_H_
