// kiln/client/kiln_client.h — libkiln-client, the C++ SDK for kilnd.
//
//   absl::StatusOr<std::unique_ptr<KilnClient>> client =
//       KilnClient::Connect({.target = "127.0.0.1:7878"});
//   absl::StatusOr<v1::CompileResponse> compiled = (*client)->Compile(module_bytes);
//   // compiled->cache_key(), compiled->cache_hit(), ...
//
// Every call blocks until the daemon answers or the call's deadline
// (ClientOptions::timeout) passes. Streaming is handled inside: Compile
// streams modules larger than ClientOptions::max_unary_module_bytes through
// CompileStream, GetArtifact gathers its chunks. Errors are absl::Status
// with the gRPC status code and message (see proto/kiln/v1/types.proto for
// what each code means); a guest trap is a result, not an error.
//
// A KilnClient is thread-safe: one client (one HTTP/2 channel) may serve
// many threads at once.
//
// Performance: Debian's abseil checks every mutex (gRPC's included) for
// deadlock cycles, which costs a process making many calls a large share of
// its time. kilnd turns the check off; a busy client should do the same at
// start-up: absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore).
// A client that pulls artifacts of megabytes at a high rate should also
// keep glibc from returning each freed reply buffer to the system, only to
// fault it in again for the next reply; kiln_load_bench nearly halved its
// CPU per 1 MB cache hit with mallopt(M_MMAP_THRESHOLD, 64 << 20) and
// mallopt(M_TRIM_THRESHOLD, 256 << 20).
#ifndef KILN_CLIENT_KILN_CLIENT_H_
#define KILN_CLIENT_KILN_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kiln/client/client_options.h"
#include "kiln/v1/admin_service.pb.h"
#include "kiln/v1/compile_service.pb.h"
#include "kiln/v1/execution_service.pb.h"

namespace grpc {
class ClientContext;
}  // namespace grpc

namespace kiln::client {

class KilnClient {
 public:
  // Makes the channel; nothing is sent until the first call, so a daemon
  // that is not there shows as UNAVAILABLE then.
  static absl::StatusOr<std::unique_ptr<KilnClient>> Connect(const ClientOptions& options);
  ~KilnClient();
  KilnClient(const KilnClient&) = delete;
  KilnClient& operator=(const KilnClient&) = delete;

  // CompileService.
  // `tier`: see CompileTier in compile_service.proto.
  absl::StatusOr<v1::CompileResponse> Compile(
      std::span<const uint8_t> module, const v1::CompileOptions& options = {},
      bool return_artifact = false, v1::CompileTier tier = v1::COMPILE_TIER_UNSPECIFIED);
  // Compile through CompileWithProgress (streamed, whatever the module's
  // size): `progress` is called on this thread with each update the daemon
  // sends (functions done of total) before the response arrives.
  using Progress = std::function<void(uint32_t done, uint32_t total)>;
  absl::StatusOr<v1::CompileResponse> CompileWithProgress(
      std::span<const uint8_t> module, const v1::CompileOptions& options, v1::CompileTier tier,
      const Progress& progress, bool return_artifact = false);
  absl::StatusOr<std::vector<uint8_t>> GetArtifact(std::string_view cache_key);
  absl::StatusOr<std::vector<std::string>> FindMissing(const std::vector<std::string>& cache_keys);
  absl::StatusOr<std::string> GetFingerprint(const v1::CompileOptions& options = {});

  // ExecutionService.
  absl::StatusOr<v1::InstantiateResponse> Instantiate(const v1::InstantiateRequest& request);
  absl::StatusOr<v1::InvokeResponse> Invoke(std::string_view instance_id,
                                            std::string_view export_name,
                                            std::vector<v1::Value> args);
  absl::Status DropInstance(std::string_view instance_id);
  absl::StatusOr<v1::ExecuteResponse> Execute(const v1::ExecuteRequest& request);
  // Runs a WASI command (build the request with CommandRequest). Its
  // stdout and stderr reach `on_stdout` / `on_stderr` (when set) as the
  // daemon streams them, on the calling thread; the result comes last.
  struct CommandOutput {
    std::function<void(std::string_view bytes)> on_stdout;
    std::function<void(std::string_view bytes)> on_stderr;
  };
  absl::StatusOr<v1::RunCommandResult> RunCommand(const v1::RunCommandRequest& request,
                                                  const CommandOutput& output = {});

  // AdminService.
  absl::StatusOr<v1::StatsResponse> Stats();

  // Cancels every call in flight on this client; callable from any thread
  // (a signal-handling thread, say). Each returns CANCELLED at once, and
  // kilnd stops the guest such a call runs instead of letting it go on to
  // its time limit. Calls started afterwards run as usual.
  void CancelAll();

 private:
  struct Stubs;
  class CallContext;
  KilnClient(const ClientOptions& options, std::unique_ptr<Stubs> stubs);

  ClientOptions options_;
  std::unique_ptr<Stubs> stubs_;
  std::mutex in_flight_mutex_;
  std::vector<grpc::ClientContext*> in_flight_;  // guarded by in_flight_mutex_
};

}  // namespace kiln::client

#endif  // KILN_CLIENT_KILN_CLIENT_H_
