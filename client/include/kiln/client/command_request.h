// kiln/client/command_request.h — a RunCommand request, built.
//
//   absl::StatusOr<CommandRequest> request = CommandRequest::ForModule(module_bytes);
//   request->Args({"prog", "--fast"}).Env("LANG", "C").Stdin("input");
//   absl::Status added = request->AddHostDirectory("./in", "in", /*read_only=*/false);
//   request->ReturnFiles(true);
//   auto result = client->RunCommand(request->proto(), {.on_stdout = ...});
//   WriteBackFiles(*result, {{"in", "./in"}});
//
// The program sees what the request carries: the directories are made for
// the call from the files sent (kilnd's scratch folder), nothing of the
// client's disk.
#ifndef KILN_CLIENT_COMMAND_REQUEST_H_
#define KILN_CLIENT_COMMAND_REQUEST_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "kiln/v1/execution_service.pb.h"

namespace kiln::client {

class CommandRequest {
 public:
  static CommandRequest ForModule(std::span<const uint8_t> module,
                                  const v1::CompileOptions& options = {});
  static CommandRequest ForCacheKey(std::string_view cache_key);

  // The program's arguments, its name first.
  CommandRequest& Args(std::vector<std::string> args);
  CommandRequest& Env(std::string_view name, std::string_view value);
  CommandRequest& Stdin(std::string bytes);
  // A file in the directory the guest knows as `guest_dir` (made, writable,
  // on first use).
  CommandRequest& AddFile(std::string_view guest_dir, std::string_view path, std::string contents);
  // Every regular file under `host_dir` (recursively; symlinks are not
  // followed), in a directory the guest knows as `guest_dir`. An error
  // naming the file that cannot be read.
  absl::Status AddHostDirectory(const std::string& host_dir, std::string_view guest_dir,
                                bool read_only);
  // One of the daemon's read-only folders (kilnd --preopen-ro NAME=DIR).
  CommandRequest& OperatorDirectory(std::string_view name, std::string_view guest_path = "");
  // Have the writable directories' files come back with the result.
  CommandRequest& ReturnFiles(bool return_files);
  v1::StoreLimits& limits() { return *request_.mutable_limits(); }

  const v1::RunCommandRequest& proto() const { return request_; }

 private:
  v1::WasiDirectory& Directory(std::string_view guest_dir);
  v1::RunCommandRequest request_;
};

// Writes the files of `result`'s directories under the host folders named
// by `host_dirs` (guest path -> host folder), replacing what is there.
// INVALID_ARGUMENT for a path that would leave its folder.
absl::Status WriteBackFiles(const v1::RunCommandResult& result,
                            const std::map<std::string, std::string>& host_dirs);

}  // namespace kiln::client

#endif  // KILN_CLIENT_COMMAND_REQUEST_H_
