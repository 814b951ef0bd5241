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
  // A context without a deadline reports the far future.
  if (context.deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError(status.message());
  }
  return status;
}

}  // namespace kiln::server
