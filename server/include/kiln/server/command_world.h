// kiln/server/command_world.h — the world one RunCommand's program runs in.
//
// Each call gets a scratch folder of its own (under --scratch-dir), holding
// one folder per directory the request brings, with its files written
// there before the program starts; the folder is removed when the call
// ends, whatever happened. Standard input is the request's bytes in an
// unlinked file; stdout and stderr are pipes that a thread of the call
// drains into the gRPC stream as the program writes, so a program's output
// reaches the client while it runs and a slow client never blocks the
// daemon (the pump keeps draining; past the output limit it discards).
#ifndef KILN_SERVER_COMMAND_WORLD_H_
#define KILN_SERVER_COMMAND_WORLD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/v1/execution_service.pb.h"
#include "kiln/wasi/wasi_context.h"

namespace kiln::server {

struct CommandLimits {
  uint64_t max_output_bytes = uint64_t{64} << 20;
  uint32_t max_request_files = 10'000;
  uint64_t max_file_bytes_written = uint64_t{1} << 30;
  // Where scratch folders are made; empty: $TMPDIR or /tmp.
  std::string scratch_dir;
  // NAME -> host folder, offered read-only.
  std::vector<std::pair<std::string, std::string>> operator_directories;
};

class CommandWorld {
 public:
  // INVALID_ARGUMENT for a file path that is not a plain relative path, an
  // operator directory the daemon does not offer, or an empty guest path;
  // RESOURCE_EXHAUSTED for more files than the limit; INTERNAL when the
  // scratch folder cannot be made.
  static absl::StatusOr<std::unique_ptr<CommandWorld>> Create(const v1::RunCommandRequest& request,
                                                              const CommandLimits& limits);
  ~CommandWorld();
  CommandWorld(const CommandWorld&) = delete;
  CommandWorld& operator=(const CommandWorld&) = delete;

  // Arguments, environment, preopens and standard streams, for
  // wasi::WasiContext::Create (which duplicates the descriptors).
  const wasi::WasiOptions& wasi_options() const { return options_; }

  // Closes this side's write ends of the output pipes; the pump sees the
  // streams end once the program's copies are closed as well.
  void CloseOutputWriters();

  // Called with each chunk of output; false when the client has gone (the
  // pump then drains without sending).
  using Sink = std::function<bool(v1::RunCommandReply&& reply)>;
  // Streams output to `sink` on a thread of its own, `max_output` bytes at
  // most; past them it calls `over_limit` once and discards the rest.
  void StartOutputPump(Sink sink, uint64_t max_output, std::function<void()> over_limit);
  // Waits until both streams have ended. Whether the output passed the
  // limit.
  bool FinishOutputPump();

  // The writable directories' regular files as the program left them
  // (symlinks are not followed), `max_bytes` of contents at most
  // (RESOURCE_EXHAUSTED beyond).
  absl::Status CollectFiles(v1::RunCommandResult* result, uint64_t max_bytes) const;

 private:
  CommandWorld() = default;
  void Pump(Sink sink, uint64_t max_output, std::function<void()> over_limit);

  std::string scratch_;  // removed by the destructor
  struct Directory {
    std::string guest_path;
    std::string host_path;
  };
  std::vector<Directory> writable_;
  wasi::WasiOptions options_;
  int stdin_fd_ = -1;
  int stdout_pipe_[2] = {-1, -1};
  int stderr_pipe_[2] = {-1, -1};
  std::thread pump_;
  std::atomic<bool> over_limit_{false};
};

}  // namespace kiln::server

#endif  // KILN_SERVER_COMMAND_WORLD_H_
