#include "kiln/server/rpc_status.h"

#include <chrono>
#include <string>

namespace kiln::server {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

std::function<bool()> CancelledBy(const grpc::ServerContext& context) {
  return [&context] { return context.IsCancelled(); };
}

absl::Status ExplainCancellation(absl::Status status, const grpc::ServerContext& context) {
  if (!absl::IsCancelled(status)) return status;
  // A context without a deadline reports the far future. The server's
  // deadline starts when the request arrives, later than the client's, so
  // the client's expiry (which cancels the call) is seen slightly before
  // the server's own deadline: a cancellation that close to it is the
  // deadline.
  constexpr std::chrono::milliseconds kClientDeadlineLead{100};
  if (context.deadline() <= std::chrono::system_clock::now() + kClientDeadlineLead) {
    return absl::DeadlineExceededError(status.message());
  }
  return status;
}

}  // namespace kiln::server
