// kiln/client/client_options.h — which kilnd a KilnClient talks to, and how.
//
// Apart from kiln_client.h so that code which only reads these options
// (the `kiln` command line) needs no gRPC or protobuf headers.
#ifndef KILN_CLIENT_CLIENT_OPTIONS_H_
#define KILN_CLIENT_CLIENT_OPTIONS_H_

#include <cstddef>
#include <string>

#include "absl/time/time.h"

namespace kiln::client {

struct ClientOptions {
  // The daemon's address, "HOST:PORT".
  std::string target;
  // Sent as "authorization: Bearer TOKEN" when not empty.
  std::string bearer_token;
  // TLS, checked against `tls_root_certs` (PEM), or the system's roots when
  // empty.
  bool tls = false;
  std::string tls_root_certs;
  // The deadline of each call.
  absl::Duration timeout = absl::Minutes(10);
  // Modules larger than this go through CompileStream; keep it at or below
  // the daemon's --max-message-size.
  size_t max_unary_module_bytes = size_t{4} << 20;
  // The size of each streamed chunk of a module.
  size_t chunk_bytes = size_t{1} << 20;
};

}  // namespace kiln::client

#endif  // KILN_CLIENT_CLIENT_OPTIONS_H_
