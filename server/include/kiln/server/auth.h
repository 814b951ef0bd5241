// kiln/server/auth.h — the optional bearer token every RPC must carry.
//
// With --auth-token-file, each Kiln RPC must send the metadata
// `authorization: Bearer <token>`; handlers call Check first and return its
// status when it is not OK. It is a check in the handlers rather than a
// grpc::AuthMetadataProcessor because gRPC only runs those on secure
// (TLS) listeners, and the token must also guard plain-text ones. The
// standard health service stays open, so probes need no secret; server
// reflection stays open too (it serves only the public .proto schema).
#ifndef KILN_SERVER_AUTH_H_
#define KILN_SERVER_AUTH_H_

#include <memory>
#include <string>

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"

namespace kiln::server {

class BearerTokenAuth {
 public:
  // Accepts every call.
  BearerTokenAuth() = default;
  // Requires `token` (non-empty).
  explicit BearerTokenAuth(std::string token) : token_(std::move(token)) {}

  // Reads the token from `path`, trimming surrounding whitespace; an error
  // when the file cannot be read or holds no token.
  static absl::StatusOr<BearerTokenAuth> FromFile(const std::string& path);

  bool required() const { return !token_.empty(); }

  // OK, or UNAUTHENTICATED saying what is missing. The comparison takes the
  // same time wherever the first wrong byte is.
  grpc::Status Check(const grpc::ServerContext& context) const;

 private:
  std::string token_;
};

}  // namespace kiln::server

#endif  // KILN_SERVER_AUTH_H_
