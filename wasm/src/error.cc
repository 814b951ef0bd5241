#include "kiln/wasm/error.h"

#include <cstring>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace kiln::wasm {
namespace {

constexpr char kLocationPayload[] = "type.kiln.dev/kiln.wasm.ErrorLocation";

// Payload layout: kind (1 byte), offset (8), has_function (1), function (4).
std::string EncodeLocation(const ErrorLocation& loc) {
  std::string out(14, '\0');
  out[0] = static_cast<char>(loc.kind);
  std::memcpy(&out[1], &loc.offset, 8);
  out[9] = loc.function_index.has_value() ? 1 : 0;
  const uint32_t fn = loc.function_index.value_or(0);
  std::memcpy(&out[10], &fn, 4);
  return out;
}

}  // namespace

absl::Status MakeWasmError(ErrorKind kind, uint64_t offset, std::string_view message,
                           std::optional<uint32_t> function_index) {
  std::string text(message);
  absl::StrAppend(&text, " (at byte offset ", offset);
  if (function_index.has_value()) absl::StrAppend(&text, ", function ", *function_index);
  text += ")";
  absl::Status status = kind == ErrorKind::kUnsupported ? absl::UnimplementedError(text)
                                                        : absl::InvalidArgumentError(text);
  status.SetPayload(kLocationPayload,
                    absl::Cord(EncodeLocation({kind, offset, function_index})));
  return status;
}

std::optional<ErrorLocation> GetErrorLocation(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kLocationPayload);
  if (!payload.has_value() || payload->size() != 14) return std::nullopt;
  const std::string bytes(*payload);
  ErrorLocation loc;
  loc.kind = static_cast<ErrorKind>(bytes[0]);
  std::memcpy(&loc.offset, &bytes[1], 8);
  if (bytes[9] != 0) {
    uint32_t fn;
    std::memcpy(&fn, &bytes[10], 4);
    loc.function_index = fn;
  }
  return loc;
}

}  // namespace kiln::wasm
