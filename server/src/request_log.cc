#include "kiln/server/request_log.h"

#include <unistd.h>

#include <cerrno>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kiln::server {
namespace {

bool NeedsQuotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == '"' || u == '\\' || u == '=' || u >= 0x7f) return true;
  }
  return false;
}

void AppendField(std::string& out, std::string_view key, std::string_view value) {
  absl::StrAppend(&out, " ", std::string(key), "=");
  if (NeedsQuotes(value)) {
    absl::StrAppend(&out, "\"", absl::CEscape(std::string(value)), "\"");
  } else {
    out += value;
  }
}

}  // namespace

void RequestLog::WriteLine(std::string line) const {
  line += '\n';
  const char* data = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // Nowhere to log to; serving matters more.
    data += n;
    left -= static_cast<size_t>(n);
  }
}

RequestRecord::RequestRecord(RequestLog& log, std::string_view method,
                             const grpc::ServerContext* context)
    : log_(log), start_(std::chrono::steady_clock::now()) {
  head_ = absl::StrCat("request id=", log.NextId());
  AppendField(head_, "method", method);
  if (context != nullptr) AppendField(head_, "peer", context->peer());
}

RequestRecord::~RequestRecord() {
  std::string line = std::move(head_);
  line += fields_;
  AppendField(line, "status", StatusCodeName(status_.error_code()));
  line += absl::StrFormat(" total_ms=%.1f",
                          std::chrono::duration<double, std::milli>(elapsed()).count());
  if (!status_.ok()) AppendField(line, "message", status_.error_message());
  log_.WriteLine(std::move(line));
  log_.finished_.fetch_add(1, std::memory_order_relaxed);
}

RequestRecord& RequestRecord::Add(std::string_view key, std::string_view value) {
  AppendField(fields_, key, value);
  return *this;
}

RequestRecord& RequestRecord::Add(std::string_view key, uint64_t value) {
  absl::StrAppend(&fields_, " ", std::string(key), "=", value);
  return *this;
}

RequestRecord& RequestRecord::Add(std::string_view key, bool value) {
  absl::StrAppend(&fields_, " ", std::string(key), "=", value ? "true" : "false");
  return *this;
}

RequestRecord& RequestRecord::AddMillis(std::string_view key,
                                        std::chrono::steady_clock::duration d) {
  absl::StrAppend(&fields_, " ", std::string(key), "=",
                  absl::StrFormat("%.1f", std::chrono::duration<double, std::milli>(d).count()));
  return *this;
}

grpc::Status RequestRecord::Finish(grpc::Status status) {
  status_ = status;
  return status;
}

std::string_view StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    default:
      return "UNKNOWN";
  }
}

}  // namespace kiln::server
