#include "kiln/server/command_world.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "wasi_file_path.h"

namespace kiln::server {
namespace {

namespace fs = std::filesystem;

absl::Status WriteNewFile(const std::string& path, const std::string& contents) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write request file ", path, ": ", std::strerror(errno)));
  }
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      return absl::InternalError(absl::StrCat("cannot write ", path, ": ", std::strerror(saved)));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return absl::OkStatus();
}

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<CommandWorld>> CommandWorld::Create(
    const v1::RunCommandRequest& request, const CommandLimits& limits) {
  uint64_t files = 0;
  for (const v1::WasiDirectory& dir : request.directories()) files += dir.files_size();
  if (files > limits.max_request_files) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the request brings ", files, " files, more than this daemon's limit of ",
                     limits.max_request_files, " (--max-request-files)"));
  }
  std::unique_ptr<CommandWorld> world(new CommandWorld());
  std::string root = limits.scratch_dir;
  if (root.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    root = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::string pattern = absl::StrCat(root, "/kilnd-run-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot make a scratch folder in ", root, ": ", std::strerror(errno)));
  }
  world->scratch_ = pattern;

  world->options_.args.assign(request.args().begin(), request.args().end());
  if (world->options_.args.empty()) world->options_.args.push_back("program");
  world->options_.env.assign(request.env().begin(), request.env().end());
  world->options_.max_file_bytes_written = limits.max_file_bytes_written;

  for (int d = 0; d < request.directories_size(); ++d) {
    const v1::WasiDirectory& dir = request.directories(d);
    if (dir.guest_path().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("directory ", d, " has no guest_path"));
    }
    const std::string host = absl::StrCat(world->scratch_, "/", d);
    if (::mkdir(host.c_str(), 0755) != 0) {
      return absl::InternalError(absl::StrCat("cannot make ", host, ": ", std::strerror(errno)));
    }
    for (const v1::WasiFile& file : dir.files()) {
      if (absl::Status ok = wire::CheckWasiFilePath(file.path()); !ok.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("directory \"", dir.guest_path(), "\": ", ok.message()));
      }
      const fs::path path = fs::path(host) / file.path();
      std::error_code error;
      fs::create_directories(path.parent_path(), error);
      if (error) {
        return absl::InvalidArgumentError(absl::StrCat("directory \"", dir.guest_path(), "\": file \"",
                                                       file.path(), "\": ", error.message()));
      }
      if (absl::Status written = WriteNewFile(path.string(), file.contents()); !written.ok()) {
        return written;
      }
    }
    world->options_.preopens.push_back(
        {.host_path = host, .guest_path = dir.guest_path(), .read_only = dir.read_only()});
    if (!dir.read_only()) world->writable_.push_back({dir.guest_path(), host});
  }
  for (const v1::OperatorDirectory& wanted : request.operator_directories()) {
    const std::string* host = nullptr;
    for (const auto& [name, path] : limits.operator_directories) {
      if (name == wanted.name()) host = &path;
    }
    if (host == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "this daemon offers no directory named \"", wanted.name(), "\" (kilnd --preopen-ro)"));
    }
    world->options_.preopens.push_back(
        {.host_path = *host,
         .guest_path = wanted.guest_path().empty() ? absl::StrCat("/", wanted.name())
                                                   : wanted.guest_path(),
         .read_only = true});
  }

  // Standard input: the request's bytes in a file nobody else can open.
  world->stdin_fd_ = ::open(world->scratch_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (world->stdin_fd_ < 0) {
    return absl::InternalError(absl::StrCat("cannot make stdin: ", std::strerror(errno)));
  }
  const std::string& in = request.stdin();
  for (size_t done = 0; done < in.size();) {
    const ssize_t n = ::write(world->stdin_fd_, in.data() + done, in.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::InternalError(absl::StrCat("cannot write stdin: ", std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
  ::lseek(world->stdin_fd_, 0, SEEK_SET);
  if (::pipe2(world->stdout_pipe_, O_CLOEXEC) != 0 || ::pipe2(world->stderr_pipe_, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("cannot make output pipes: ", std::strerror(errno)));
  }
  world->options_.stdin_fd = world->stdin_fd_;
  world->options_.stdout_fd = world->stdout_pipe_[1];
  world->options_.stderr_fd = world->stderr_pipe_[1];
  return world;
}

CommandWorld::~CommandWorld() {
  CloseOutputWriters();
  FinishOutputPump();
  CloseFd(stdout_pipe_[0]);
  CloseFd(stderr_pipe_[0]);
  CloseFd(stdin_fd_);
  if (!scratch_.empty()) {
    std::error_code ignored;
    fs::remove_all(scratch_, ignored);
  }
}

void CommandWorld::CloseOutputWriters() {
  CloseFd(stdout_pipe_[1]);
  CloseFd(stderr_pipe_[1]);
}

void CommandWorld::StartOutputPump(Sink sink, uint64_t max_output,
                                   std::function<void()> over_limit) {
  pump_ = std::thread([this, sink = std::move(sink), max_output,
                       over_limit = std::move(over_limit)]() mutable {
    Pump(std::move(sink), max_output, std::move(over_limit));
  });
}

bool CommandWorld::FinishOutputPump() {
  if (pump_.joinable()) pump_.join();
  return over_limit_.load();
}

void CommandWorld::Pump(Sink sink, uint64_t max_output, std::function<void()> over_limit) {
  pollfd fds[2] = {{stdout_pipe_[0], POLLIN, 0}, {stderr_pipe_[0], POLLIN, 0}};
  int open = 2;
  uint64_t sent = 0;
  bool client_gone = false;
  std::string buffer(64 * 1024, '\0');
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;  // the descriptor is closed by the destructor
        --open;
        continue;
      }
      uint64_t keep = static_cast<uint64_t>(n);
      if (sent + keep > max_output) {
        keep = max_output - sent;
        if (!over_limit_.exchange(true)) over_limit();
      }
      if (keep == 0 || client_gone) continue;
      v1::RunCommandReply reply;
      std::string chunk(buffer.data(), keep);
      if (i == 0) {
        reply.set_stdout(std::move(chunk));
      } else {
        reply.set_stderr(std::move(chunk));
      }
      sent += keep;
      if (!sink(std::move(reply))) client_gone = true;
    }
  }
}

absl::Status CommandWorld::CollectFiles(v1::RunCommandResult* result, uint64_t max_bytes) const {
  uint64_t total = 0;
  for (const Directory& dir : writable_) {
    v1::WasiDirectory* out = result->add_directories();
    out->set_guest_path(dir.guest_path);
    std::error_code error;
    // Not following symlinks: a link the guest made is not a file of its.
    fs::recursive_directory_iterator it(dir.host_path, fs::directory_options::skip_permission_denied,
                                        error);
    for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      const fs::file_status status = it->symlink_status(error);
      if (error || !fs::is_regular_file(status)) continue;
      const uint64_t size = it->file_size(error);
      if (error) break;
      total += size;
      if (total > max_bytes) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "the files the program left are more than ", max_bytes,
            " bytes together, too many to return (--max-output-bytes)"));
      }
      std::ifstream in(it->path(), std::ios::binary);
      v1::WasiFile* file = out->add_files();
      file->set_path(fs::relative(it->path(), dir.host_path).string());
      file->mutable_contents()->assign(std::istreambuf_iterator<char>(in), {});
    }
  }
  return absl::OkStatus();
}

}  // namespace kiln::server
