#include "kiln/runtime/trap.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace kiln::runtime {
namespace {
constexpr char kTrapPayloadUrl[] = "type.kiln.dev/kiln.Trap";
}  // namespace

absl::Status TrapError(TrapCode code, std::string_view detail) {
  std::string message(vm::TrapMessage(code));
  if (!detail.empty()) absl::StrAppend(&message, ": ", std::string(detail));
  absl::Status status = absl::AbortedError(message);
  status.SetPayload(kTrapPayloadUrl, absl::Cord(std::to_string(static_cast<uint32_t>(code))));
  return status;
}

std::optional<TrapCode> GetTrapCode(const absl::Status& status) {
  auto payload = status.GetPayload(kTrapPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  return static_cast<TrapCode>(std::stoul(std::string(*payload)));
}

}  // namespace kiln::runtime
