// unique_fd.h — a host file descriptor closed by its owner.
#ifndef KILN_RUNTIME_WASI_SRC_UNIQUE_FD_H_
#define KILN_RUNTIME_WASI_SRC_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace kiln::wasi {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

}  // namespace kiln::wasi

#endif  // KILN_RUNTIME_WASI_SRC_UNIQUE_FD_H_
