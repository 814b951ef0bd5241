// preview1's sock_* functions, for sockets the host preopened (a guest
// cannot open one itself in preview1).
#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>

#include "preview1.h"

namespace kiln::wasi {
namespace {

bool IsSocket(const Descriptor& d) {
  return d.type == FileType::kSocketStream || d.type == FileType::kSocketDgram;
}

// preview1's riflags and roflags.
constexpr uint32_t kRecvPeek = 1 << 0;
constexpr uint32_t kRecvWaitall = 1 << 1;
constexpr uint16_t kRecvDataTruncated = 1 << 0;

}  // namespace

Errno Preview1::SockAccept(uint32_t fd, uint32_t flags, uint32_t fd_out) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, 0, &d); e != Errno::kSuccess) return e;
  if (!IsSocket(*d)) return Errno::kNotSock;
  if ((d->rights_base & rights::kSockAccept) == 0) return Errno::kNotCapable;
  if ((flags & ~uint32_t{fdflags::kNonblock}) != 0) return Errno::kInval;
  int host_flags = SOCK_CLOEXEC;
  if (flags & fdflags::kNonblock) host_flags |= SOCK_NONBLOCK;
  const int accepted = ::accept4(d->fd.get(), nullptr, nullptr, host_flags);
  if (accepted < 0) return LastHostErrno();
  Descriptor connection;
  connection.fd = UniqueFd(accepted);
  connection.type = FileType::kSocketStream;
  connection.rights_base = rights::kSocket & ~rights::kSockAccept;
  connection.rights_inheriting = 0;
  uint32_t number = 0;
  if (Errno e = fds_.Insert(std::move(connection), &number); e != Errno::kSuccess) return e;
  return memory_.Write<uint32_t>(fd_out, number) ? Errno::kSuccess : Errno::kFault;
}

Errno Preview1::SockRecv(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t flags,
                         uint32_t datalen_out, uint32_t flags_out) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, 0, &d); e != Errno::kSuccess) return e;
  if (!IsSocket(*d)) return Errno::kNotSock;
  if ((d->rights_base & rights::kFdRead) == 0) return Errno::kNotCapable;
  if ((flags & ~(kRecvPeek | kRecvWaitall)) != 0) return Errno::kInval;
  std::vector<iovec> host;
  if (Errno e = GuestIovecs(iovs, iovs_len, &host); e != Errno::kSuccess) return e;
  msghdr message{};
  message.msg_iov = host.data();
  message.msg_iovlen = host.size();
  int host_flags = 0;
  if (flags & kRecvPeek) host_flags |= MSG_PEEK;
  if (flags & kRecvWaitall) host_flags |= MSG_WAITALL;
  const ssize_t n = ::recvmsg(d->fd.get(), &message, host_flags);
  if (n < 0) return LastHostErrno();
  const uint16_t out_flags = (message.msg_flags & MSG_TRUNC) ? kRecvDataTruncated : 0;
  if (!memory_.Write<uint32_t>(datalen_out, static_cast<uint32_t>(n)) ||
      !memory_.Write<uint16_t>(flags_out, out_flags)) {
    return Errno::kFault;
  }
  return Errno::kSuccess;
}

Errno Preview1::SockSend(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t flags,
                         uint32_t datalen_out) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, 0, &d); e != Errno::kSuccess) return e;
  if (!IsSocket(*d)) return Errno::kNotSock;
  if ((d->rights_base & rights::kFdWrite) == 0) return Errno::kNotCapable;
  if (flags != 0) return Errno::kInval;
  std::vector<iovec> host;
  if (Errno e = GuestIovecs(iovs, iovs_len, &host); e != Errno::kSuccess) return e;
  msghdr message{};
  message.msg_iov = host.data();
  message.msg_iovlen = host.size();
  const ssize_t n = ::sendmsg(d->fd.get(), &message, MSG_NOSIGNAL);
  if (n < 0) return LastHostErrno();
  return memory_.Write<uint32_t>(datalen_out, static_cast<uint32_t>(n)) ? Errno::kSuccess
                                                                        : Errno::kFault;
}

Errno Preview1::SockShutdown(uint32_t fd, uint32_t how) {
  Descriptor* d = nullptr;
  if (Errno e = fds_.Get(fd, 0, &d); e != Errno::kSuccess) return e;
  if (!IsSocket(*d)) return Errno::kNotSock;
  if ((d->rights_base & rights::kSockShutdown) == 0) return Errno::kNotCapable;
  int host_how;
  switch (how) {
    case 1: host_how = SHUT_RD; break;
    case 2: host_how = SHUT_WR; break;
    case 3: host_how = SHUT_RDWR; break;
    default: return Errno::kInval;
  }
  return ::shutdown(d->fd.get(), host_how) == 0 ? Errno::kSuccess : LastHostErrno();
}

}  // namespace kiln::wasi
