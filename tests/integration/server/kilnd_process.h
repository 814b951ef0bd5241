// tests/integration/server/kilnd_process.h — a real kilnd, started as a
// child process on 127.0.0.1 with an ephemeral port, for tests to talk to
// over gRPC as any client would.
//
// The daemon's stdout is a pipe from which Start reads the `listening on
// HOST:PORT` line; its stderr (the request log) goes to a file the test can
// read. The destructor kills a daemon that is still running.
#ifndef KILN_TESTS_INTEGRATION_SERVER_KILND_PROCESS_H_
#define KILN_TESTS_INTEGRATION_SERVER_KILND_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"

namespace kiln::server_test {

// The kilnd binary this test executable was built with.
const char* KilndPath();

// A fresh folder under $TMPDIR (or /tmp), removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class KilndProcess {
 public:
  // Runs `kilnd --listen 127.0.0.1:0 ARGS...` with stderr appended to
  // `log_path`, and waits (up to 30 s) for its listening line. An error
  // with the log's contents when it exits or prints something else.
  static absl::StatusOr<std::unique_ptr<KilndProcess>> Start(const std::vector<std::string>& args,
                                                             const std::string& log_path);
  // SIGKILL and reap, if it is still running.
  ~KilndProcess();
  KilndProcess(const KilndProcess&) = delete;
  KilndProcess& operator=(const KilndProcess&) = delete;

  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }

  // A new plain-text channel to the daemon that accepts large messages.
  std::shared_ptr<grpc::Channel> NewChannel() const;

  // Sends `signal` and waits up to `timeout` for the exit. The wait status
  // (as from waitpid), or nullopt if it did not exit in time.
  std::optional<int> SignalAndWait(int signal, std::chrono::milliseconds timeout);

  // Everything the daemon wrote to stderr so far.
  std::string Log() const;

 private:
  KilndProcess(pid_t pid, int stdout_fd, std::string address, std::string log_path)
      : pid_(pid),
        stdout_fd_(stdout_fd),
        address_(std::move(address)),
        log_path_(std::move(log_path)) {}

  pid_t pid_;
  int stdout_fd_;
  std::string address_;
  std::string log_path_;
  bool reaped_ = false;
};

// Runs kilnd with `args` to completion (for flags that make it exit at
// once); its exit status, with stdout and stderr together in `*output`.
int RunKilndToExit(const std::vector<std::string>& args, std::string* output);

}  // namespace kiln::server_test

#endif  // KILN_TESTS_INTEGRATION_SERVER_KILND_PROCESS_H_
