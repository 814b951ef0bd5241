#include "kiln/runtime/trap.h"

#include <cstring>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace kiln::runtime {
namespace {

constexpr char kTrapPayloadUrl[] = "type.kiln.dev/kiln.Trap";
constexpr char kBacktracePayloadUrl[] = "type.kiln.dev/kiln.TrapBacktrace";

// The backtrace payload: u64 omitted frames, then per frame u32 function
// index, u32 module offset, u32 name length and the name; little-endian as
// the host is (a payload never leaves the process).
template <typename T>
void Append(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

template <typename T>
bool Take(std::string_view& in, T* value) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(value, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

}  // namespace

absl::Status TrapError(TrapCode code, std::string_view detail, const TrapBacktrace& backtrace) {
  std::string message(vm::TrapMessage(code));
  if (!detail.empty()) absl::StrAppend(&message, ": ", std::string(detail));
  absl::Status status = absl::AbortedError(message);
  status.SetPayload(kTrapPayloadUrl, absl::Cord(std::to_string(static_cast<uint32_t>(code))));
  if (!backtrace.frames.empty() || backtrace.omitted_frames != 0) {
    std::string encoded;
    Append<uint64_t>(encoded, backtrace.omitted_frames);
    for (const TrapFrame& frame : backtrace.frames) {
      Append<uint32_t>(encoded, frame.function_index);
      Append<uint32_t>(encoded, frame.module_offset);
      Append<uint32_t>(encoded, static_cast<uint32_t>(frame.function_name.size()));
      encoded += frame.function_name;
    }
    status.SetPayload(kBacktracePayloadUrl, absl::Cord(std::move(encoded)));
  }
  return status;
}

std::optional<TrapCode> GetTrapCode(const absl::Status& status) {
  auto payload = status.GetPayload(kTrapPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  return static_cast<TrapCode>(std::stoul(std::string(*payload)));
}

TrapBacktrace GetTrapBacktrace(const absl::Status& status) {
  TrapBacktrace backtrace;
  auto payload = status.GetPayload(kBacktracePayloadUrl);
  if (!payload.has_value()) return backtrace;
  const std::string bytes(*payload);
  std::string_view in(bytes);
  if (!Take(in, &backtrace.omitted_frames)) return {};
  while (!in.empty()) {
    TrapFrame frame;
    uint32_t name_size = 0;
    if (!Take(in, &frame.function_index) || !Take(in, &frame.module_offset) ||
        !Take(in, &name_size) || in.size() < name_size) {
      return {};
    }
    frame.function_name = std::string(in.substr(0, name_size));
    in.remove_prefix(name_size);
    backtrace.frames.push_back(std::move(frame));
  }
  return backtrace;
}

std::string FormatBacktrace(const TrapBacktrace& backtrace) {
  std::string text;
  for (size_t i = 0; i < backtrace.frames.size(); ++i) {
    const TrapFrame& frame = backtrace.frames[i];
    const std::string name = frame.function_name.empty()
                                 ? absl::StrCat("<function ", frame.function_index, ">")
                                 : absl::StrCat(frame.function_name, " (function ",
                                                frame.function_index, ")");
    const std::string offset =
        frame.module_offset == 0 ? std::string("     ?")
                                 : absl::StrCat("0x", absl::Hex(frame.module_offset));
    absl::StrAppend(&text, "    ", i, ": ", offset, " - ", name, "\n");
  }
  if (backtrace.omitted_frames != 0) {
    absl::StrAppend(&text, "    ... ", backtrace.omitted_frames, " more frames\n");
  }
  return text;
}

}  // namespace kiln::runtime
