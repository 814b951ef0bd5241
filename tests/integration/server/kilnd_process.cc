#include "kilnd_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/str_cat.h"

namespace kiln::server_test {
namespace {

constexpr std::string_view kListeningPrefix = "listening on ";

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Forks and execs kilnd with `args`; its stdout goes to `stdout_fd` and its
// stderr to `stderr_fd` (both closed in the parent by the caller). Only
// async-signal-safe calls happen between fork and exec: the test process
// has gRPC threads of its own.
pid_t Spawn(const std::vector<std::string>& args, int stdout_fd, int stderr_fd) {
  std::vector<std::string> words{KilndPath()};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(stdout_fd, 1);
    dup2(stderr_fd, 2);
    // The daemon must not inherit our blocked signals or anything else.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

const char* KilndPath() { return KILND_PATH; }

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(base != nullptr && base[0] == '/' ? base : "/tmp", "/kiln-server-test-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    std::fprintf(stderr, "mkdtemp %s: %s\n", pattern.c_str(), std::strerror(errno));
    std::abort();
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

absl::StatusOr<std::unique_ptr<KilndProcess>> KilndProcess::Start(
    const std::vector<std::string>& args, const std::string& log_path) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return absl::InternalError(absl::StrCat("cannot open ", log_path));
  std::vector<std::string> all{"--listen", "127.0.0.1:0"};
  all.insert(all.end(), args.begin(), args.end());
  const pid_t pid = Spawn(all, out[1], log_fd);
  close(out[1]);
  close(log_fd);
  if (pid < 0) {
    close(out[0]);
    return absl::InternalError("fork failed");
  }
  std::unique_ptr<KilndProcess> process(new KilndProcess(pid, out[0], "", log_path));

  // Read up to the first newline, 30 s at most.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{.fd = out[0], .events = POLLIN, .revents = 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[256];
    const ssize_t n = read(out[0], buffer, sizeof buffer);
    if (n <= 0) break;  // it exited (or closed stdout)
    line.append(buffer, static_cast<size_t>(n));
  }
  if (line.rfind(kListeningPrefix, 0) != 0 || line.find('\n') == std::string::npos) {
    return absl::InternalError(
        absl::StrCat("kilnd did not start; stdout: \"", line, "\"; stderr:\n", process->Log()));
  }
  process->address_ =
      line.substr(kListeningPrefix.size(), line.find('\n') - kListeningPrefix.size());
  return process;
}

KilndProcess::~KilndProcess() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
  close(stdout_fd_);
}

std::shared_ptr<grpc::Channel> KilndProcess::NewChannel() const {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(-1);
  arguments.SetMaxSendMessageSize(-1);
  // A fresh connection per channel, so tests' channels share nothing.
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), arguments);
}

std::optional<int> KilndProcess::SignalAndWait(int signal, std::chrono::milliseconds timeout) {
  if (reaped_) return std::nullopt;
  kill(pid_, signal);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      reaped_ = true;
      return status;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string KilndProcess::Log() const { return ReadWholeFile(log_path_); }

int RunKilndToExit(const std::vector<std::string>& args, std::string* output) {
  TempDir dir;
  const std::string path = dir.path() + "/output";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  const pid_t pid = Spawn(args, fd, fd);
  close(fd);
  int status = 0;
  waitpid(pid, &status, 0);
  *output = ReadWholeFile(path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace kiln::server_test
