// client/tcp_listener.h — the listening sockets `kiln run --tcplisten` gives a guest.
#ifndef KILN_CLIENT_TCP_LISTENER_H_
#define KILN_CLIENT_TCP_LISTENER_H_

#include <string>

#include "absl/status/statusor.h"

namespace kiln::client {

// A listening TCP socket; closed with the object.
class TcpListener {
 public:
  // Binds "HOST:PORT" ("[::1]:PORT" for IPv6; port 0 picks a free one) and
  // listens. INVALID_ARGUMENT for an address that does not parse or
  // resolve, or the bind's or listen's error naming the address.
  static absl::StatusOr<TcpListener> Listen(const std::string& address);
  TcpListener(TcpListener&& other) noexcept;
  TcpListener& operator=(TcpListener&&) = delete;
  ~TcpListener();

  int fd() const { return fd_; }
  // The address it is bound to, port included ("127.0.0.1:41234").
  const std::string& bound_address() const { return bound_address_; }

 private:
  TcpListener(int fd, std::string bound_address) : fd_(fd), bound_address_(std::move(bound_address)) {}

  int fd_;
  std::string bound_address_;
};

}  // namespace kiln::client

#endif  // KILN_CLIENT_TCP_LISTENER_H_
