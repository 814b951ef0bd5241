// kiln/server/request_log.h — one structured line per request on stderr.
//
// Each RPC handler opens a RequestRecord; when it goes out of scope it
// writes one line of key=value pairs, for example
//
//   request id=7 method=Compile peer=ipv4:127.0.0.1:51234 key=ab12... module_bytes=123
//     artifact_bytes=456 cache_hit=false status=OK total_ms=12.3 compile_ms=11.9
//
// (on one line). `id`, `method`, `peer` come first and `status`, `total_ms`
// next to last; the handler's own fields sit between, in the order it added
// them, with names that stay stable for log tooling. Values with spaces,
// quotes or control characters are quoted and C-escaped. A line is written
// with one write(2), so lines from concurrent requests never interleave.
#ifndef KILN_SERVER_REQUEST_LOG_H_
#define KILN_SERVER_REQUEST_LOG_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

namespace kiln::server {

class RequestLog {
 public:
  // Writes to file descriptor `fd` (2: stderr).
  explicit RequestLog(int fd = 2) : fd_(fd) {}

  // Requests started since the daemon started.
  uint64_t requests() const { return next_id_.load(std::memory_order_relaxed) - 1; }
  // Requests whose record has been written.
  uint64_t finished() const { return finished_.load(std::memory_order_relaxed); }

  // One line, as is (a newline is added).
  void WriteLine(std::string line) const;

 private:
  friend class RequestRecord;
  uint64_t NextId() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  const int fd_;
  std::atomic<uint64_t> next_id_{1};
  std::atomic<uint64_t> finished_{0};
};

class RequestRecord {
 public:
  RequestRecord(RequestLog& log, std::string_view method, const grpc::ServerContext* context);
  ~RequestRecord();
  RequestRecord(const RequestRecord&) = delete;
  RequestRecord& operator=(const RequestRecord&) = delete;

  RequestRecord& Add(std::string_view key, std::string_view value);
  RequestRecord& Add(std::string_view key, const char* value) {
    return Add(key, std::string_view(value));
  }
  RequestRecord& Add(std::string_view key, uint64_t value);
  RequestRecord& Add(std::string_view key, bool value);
  // Milliseconds with one decimal.
  RequestRecord& AddMillis(std::string_view key, std::chrono::steady_clock::duration d);

  // Records the outcome (logged as status=CODE, and message="..." unless
  // OK) and returns it, so a handler can end with `return record.Finish(s);`.
  grpc::Status Finish(grpc::Status status);

  // Time since the record was opened, i.e. since the request arrived.
  std::chrono::steady_clock::duration elapsed() const {
    return std::chrono::steady_clock::now() - start_;
  }

 private:
  RequestLog& log_;
  const std::chrono::steady_clock::time_point start_;
  std::string head_;    // "request id=.. method=.. peer=.."
  std::string fields_;  // " key=value" each
  grpc::Status status_;
};

// "OK", "INVALID_ARGUMENT", ... as gRPC names its codes.
std::string_view StatusCodeName(grpc::StatusCode code);

}  // namespace kiln::server

#endif  // KILN_SERVER_REQUEST_LOG_H_
