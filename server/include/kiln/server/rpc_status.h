// kiln/server/rpc_status.h — absl::Status (inside Kiln) to grpc::Status (on
// the wire), and the caller's cancellation as seen from inside a handler.
//
// The two status code spaces are the same numbers (both follow
// google.rpc.Code), so conversion keeps the code and the message.
#ifndef KILN_SERVER_RPC_STATUS_H_
#define KILN_SERVER_RPC_STATUS_H_

#include <functional>

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace kiln::server {

grpc::Status ToGrpcStatus(const absl::Status& status);

// True once the caller cancelled or its deadline passed; cheap enough to
// poll every few milliseconds.
std::function<bool()> CancelledBy(const grpc::ServerContext& context);

// A CANCELLED status from inside Kiln (a wait that gave up because
// CancelledBy said so) becomes DEADLINE_EXCEEDED when the caller's deadline
// is what passed; every other status is returned as is.
absl::Status ExplainCancellation(absl::Status status, const grpc::ServerContext& context);

}  // namespace kiln::server

#endif  // KILN_SERVER_RPC_STATUS_H_
