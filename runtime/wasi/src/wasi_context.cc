#include "kiln/wasi/wasi_context.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kiln/runtime/trap.h"
#include "preview1.h"

namespace kiln::wasi {
namespace {

template <typename T>
constexpr wasm::ValType WasmTypeOf() {
  static_assert(std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t> ||
                std::is_same_v<T, int64_t>);
  return std::is_same_v<T, uint32_t> ? wasm::ValType::kI32 : wasm::ValType::kI64;
}

template <typename T>
T FromValue(const runtime::Value& v) {
  if constexpr (std::is_same_v<T, uint32_t>) return static_cast<uint32_t>(v.i32());
  if constexpr (std::is_same_v<T, uint64_t>) return static_cast<uint64_t>(v.i64());
  if constexpr (std::is_same_v<T, int64_t>) return v.i64();
}

// Defines preview1 function `name` as `Method` of `preview1`: its wasm
// type comes from the method's parameters (u32 -> i32, 64-bit -> i64), its
// one result is the errno.
template <typename... Args>
struct Definer {
  template <Errno (Preview1::*Method)(Args...)>
  static void Define(Preview1* preview1, runtime::Store& store, runtime::Linker& linker,
                     std::string_view name) {
    const wasm::FuncType type{{WasmTypeOf<Args>()...}, {wasm::ValType::kI32}};
    linker.Define(
        kPreview1Module, name,
        store.CreateHostFunc(type, [preview1](std::span<const runtime::Value> params,
                                              std::span<runtime::Value> results) {
          if (!preview1->bound()) {
            return absl::FailedPreconditionError(
                "a WASI function was called before the module's memory was bound "
                "(from a start function?)");
          }
          Errno e = Call<Method>(preview1, params, std::index_sequence_for<Args...>());
          results[0] = runtime::Value::I32(static_cast<int32_t>(e));
          return absl::OkStatus();
        }));
  }

  template <Errno (Preview1::*Method)(Args...), size_t... I>
  static Errno Call(Preview1* preview1, [[maybe_unused]] std::span<const runtime::Value> params,
                    std::index_sequence<I...>) {
    return (preview1->*Method)(FromValue<Args>(params[I])...);
  }
};

template <typename... Args>
Definer<Args...> DefinerFor(Errno (Preview1::*)(Args...));

#define KILN_WASI_DEFINE(name, method)                                              \
  decltype(DefinerFor(&Preview1::method))::Define<&Preview1::method>(preview1_.get(), \
                                                                     store, linker, name)

// The message of the trap that ends a program at proc_exit.
std::string ExitMessage(int code) { return absl::StrCat("the program exited with code ", code); }

absl::StatusOr<UniqueFd> Duplicate(int fd, std::string_view what) {
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot use descriptor ", fd, " as the guest's ", std::string(what), ": ", std::strerror(errno)));
  }
  return UniqueFd(copy);
}

}  // namespace

WasiContext::WasiContext(std::unique_ptr<Preview1> preview1) : preview1_(std::move(preview1)) {}
WasiContext::~WasiContext() = default;

absl::StatusOr<std::unique_ptr<WasiContext>> WasiContext::Create(const WasiOptions& options) {
  auto preview1 = std::make_unique<Preview1>(options);
  const int stdio[] = {options.stdin_fd, options.stdout_fd, options.stderr_fd};
  const char* names[] = {"stdin", "stdout", "stderr"};
  for (uint32_t i = 0; i < 3; ++i) {
    absl::StatusOr<UniqueFd> fd = Duplicate(stdio[i], names[i]);
    if (!fd.ok()) return fd.status();
    Descriptor d;
    d.type = HostFileType(fd->get());
    d.rights_base = rights::kFile;
    // A terminal, pipe or socket cannot seek, and wasi-libc's isatty()
    // tells a terminal by a character device's missing seek and tell
    // rights. Other character devices (/dev/null) can seek and keep them,
    // so that the guest, as natively, does not take them for a terminal
    // (and line-buffer its stdout, one host call per line).
    if (d.type != FileType::kRegularFile &&
        (::isatty(fd->get()) || ::lseek(fd->get(), 0, SEEK_CUR) < 0)) {
      d.rights_base &= ~(rights::kFdSeek | rights::kFdTell);
    }
    d.fd = *std::move(fd);
    preview1->fds().InsertAt(i, std::move(d));
  }
  uint32_t next = 3;
  for (const Preopen& preopen : options.preopens) {
    const int fd = ::open(preopen.host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      return absl::InvalidArgumentError(absl::StrCat("cannot preopen directory ", preopen.host_path,
                                                     ": ", std::strerror(errno)));
    }
    Descriptor d;
    d.fd = UniqueFd(fd);
    d.type = FileType::kDirectory;
    d.rights_base = rights::kDirectory;
    d.rights_inheriting = rights::kAll;
    if (preopen.read_only) {
      d.rights_base &= ~rights::kWriting;
      d.rights_inheriting &= ~rights::kWriting;
      d.read_only_tree = true;
    }
    d.preopen = preopen.guest_path;
    preview1->fds().InsertAt(next++, std::move(d));
  }
  for (const int socket : options.sockets) {
    absl::StatusOr<UniqueFd> fd = Duplicate(socket, "socket");
    if (!fd.ok()) return fd.status();
    Descriptor d;
    d.type = HostFileType(fd->get());
    if (d.type != FileType::kSocketStream && d.type != FileType::kSocketDgram) {
      return absl::InvalidArgumentError(
          absl::StrCat("descriptor ", socket, " given as a socket is not one"));
    }
    d.fd = *std::move(fd);
    d.rights_base = rights::kSocket;
    preview1->fds().InsertAt(next++, std::move(d));
  }
  return std::unique_ptr<WasiContext>(new WasiContext(std::move(preview1)));
}

void WasiContext::Define(runtime::Store& store, runtime::Linker& linker) {
  KILN_WASI_DEFINE("args_get", ArgsGet);
  KILN_WASI_DEFINE("args_sizes_get", ArgsSizesGet);
  KILN_WASI_DEFINE("environ_get", EnvironGet);
  KILN_WASI_DEFINE("environ_sizes_get", EnvironSizesGet);
  KILN_WASI_DEFINE("clock_res_get", ClockResGet);
  KILN_WASI_DEFINE("clock_time_get", ClockTimeGet);
  KILN_WASI_DEFINE("random_get", RandomGet);
  KILN_WASI_DEFINE("sched_yield", SchedYield);
  KILN_WASI_DEFINE("poll_oneoff", PollOneoff);
  KILN_WASI_DEFINE("fd_advise", FdAdvise);
  KILN_WASI_DEFINE("fd_allocate", FdAllocate);
  KILN_WASI_DEFINE("fd_close", FdClose);
  KILN_WASI_DEFINE("fd_datasync", FdDatasync);
  KILN_WASI_DEFINE("fd_fdstat_get", FdFdstatGet);
  KILN_WASI_DEFINE("fd_fdstat_set_flags", FdFdstatSetFlags);
  KILN_WASI_DEFINE("fd_fdstat_set_rights", FdFdstatSetRights);
  KILN_WASI_DEFINE("fd_filestat_get", FdFilestatGet);
  KILN_WASI_DEFINE("fd_filestat_set_size", FdFilestatSetSize);
  KILN_WASI_DEFINE("fd_filestat_set_times", FdFilestatSetTimes);
  KILN_WASI_DEFINE("fd_pread", FdPread);
  KILN_WASI_DEFINE("fd_prestat_get", FdPrestatGet);
  KILN_WASI_DEFINE("fd_prestat_dir_name", FdPrestatDirName);
  KILN_WASI_DEFINE("fd_pwrite", FdPwrite);
  KILN_WASI_DEFINE("fd_read", FdRead);
  KILN_WASI_DEFINE("fd_readdir", FdReaddir);
  KILN_WASI_DEFINE("fd_renumber", FdRenumber);
  KILN_WASI_DEFINE("fd_seek", FdSeek);
  KILN_WASI_DEFINE("fd_sync", FdSync);
  KILN_WASI_DEFINE("fd_tell", FdTell);
  KILN_WASI_DEFINE("fd_write", FdWrite);
  KILN_WASI_DEFINE("path_create_directory", PathCreateDirectory);
  KILN_WASI_DEFINE("path_filestat_get", PathFilestatGet);
  KILN_WASI_DEFINE("path_filestat_set_times", PathFilestatSetTimes);
  KILN_WASI_DEFINE("path_link", PathLink);
  KILN_WASI_DEFINE("path_open", PathOpen);
  KILN_WASI_DEFINE("path_readlink", PathReadlink);
  KILN_WASI_DEFINE("path_remove_directory", PathRemoveDirectory);
  KILN_WASI_DEFINE("path_rename", PathRename);
  KILN_WASI_DEFINE("path_symlink", PathSymlink);
  KILN_WASI_DEFINE("path_unlink_file", PathUnlinkFile);
  KILN_WASI_DEFINE("sock_accept", SockAccept);
  KILN_WASI_DEFINE("sock_recv", SockRecv);
  KILN_WASI_DEFINE("sock_send", SockSend);
  KILN_WASI_DEFINE("sock_shutdown", SockShutdown);

  Preview1* preview1 = preview1_.get();
  // proc_exit ends the program: a trap unwinds the guest, and the exit
  // code stays here for RunCommand.
  linker.Define(kPreview1Module, "proc_exit",
                store.CreateHostFunc({{wasm::ValType::kI32}, {}},
                                     [preview1](std::span<const runtime::Value> params,
                                                std::span<runtime::Value>) {
                                       const int code = params[0].i32();
                                       preview1->set_exit_code(code);
                                       return absl::CancelledError(ExitMessage(code));
                                     }));
  // Signals are not part of the sandbox.
  linker.Define(kPreview1Module, "proc_raise",
                store.CreateHostFunc({{wasm::ValType::kI32}, {wasm::ValType::kI32}},
                                     [](std::span<const runtime::Value>,
                                        std::span<runtime::Value> results) {
                                       results[0] = runtime::Value::I32(
                                           static_cast<int32_t>(Errno::kNoSys));
                                       return absl::OkStatus();
                                     }));
}

#undef KILN_WASI_DEFINE

absl::Status WasiContext::Bind(const runtime::Instance& instance) {
  std::optional<runtime::Extern> memory = instance.GetExport("memory");
  if (!memory.has_value() || !std::holds_alternative<runtime::Memory>(*memory)) {
    return absl::FailedPreconditionError(
        "the module exports no memory named \"memory\", which WASI programs must");
  }
  preview1_->Bind(std::get<runtime::Memory>(*memory));
  return absl::OkStatus();
}

absl::StatusOr<int> WasiContext::RunCommand(runtime::Store& store,
                                            const runtime::Instance& instance) {
  if (absl::Status bound = Bind(instance); !bound.ok()) return bound;
  absl::StatusOr<runtime::Func> start = instance.GetFunc("_start");
  if (!start.ok()) {
    return absl::NotFoundError(
        "the module exports no \"_start\" function: it is not a WASI command");
  }
  absl::StatusOr<std::vector<runtime::Value>> result = store.Call(*start, {});
  if (preview1_->exit_code().has_value()) return *preview1_->exit_code();
  if (!result.ok()) return result.status();
  return 0;
}

absl::Status WasiContext::Initialize(runtime::Store& store, const runtime::Instance& instance) {
  if (absl::Status bound = Bind(instance); !bound.ok()) return bound;
  absl::StatusOr<runtime::Func> init = instance.GetFunc("_initialize");
  if (!init.ok()) return absl::OkStatus();
  return store.Call(*init, {}).status();
}

std::optional<int> WasiContext::exit_code() const { return preview1_->exit_code(); }

}  // namespace kiln::wasi
