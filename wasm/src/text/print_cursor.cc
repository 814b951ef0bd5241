#include "print_cursor.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "binary_reader.h"
#include "kiln/wasm/error.h"

namespace kiln::wasm::text::print_internal {

absl::Status PrintError(size_t offset, std::string_view message) {
  // The message is the text tools' form; the payload is the one every other
  // wasm error carries, so GetErrorLocation works on printer errors too.
  const absl::Status located = MakeWasmError(ErrorKind::kMalformed, offset, message);
  absl::Status status =
      absl::InvalidArgumentError(absl::StrFormat("at byte 0x%x: %s", offset, std::string(message)));
  located.ForEachPayload([&status](absl::string_view url, const absl::Cord& payload) {
    status.SetPayload(url, payload);
  });
  return status;
}

bool Cursor::Fail(size_t offset, std::string_view message) {
  if (status_.ok()) status_ = PrintError(offset, message);
  return false;
}

bool Cursor::Fail(const absl::Status& status) {
  if (status_.ok()) status_ = status;
  return false;
}

bool Cursor::Leb(LebError error, size_t start) {
  switch (error) {
    case LebError::kOk: return true;
    case LebError::kEnd: return Fail(pos_, "unexpected end");
    case LebError::kTooLong: return Fail(start, "integer representation too long");
    case LebError::kTooLarge: return Fail(start, "integer too large");
  }
  return Fail(start, "malformed integer");
}

bool Cursor::ReadBytes(size_t n, std::span<const uint8_t>* out) {
  if (n > remaining()) return Fail(pos_, "unexpected end");
  *out = module_.subspan(pos_, n);
  pos_ += n;
  return true;
}

bool Cursor::ReadCount(uint32_t* out, size_t min_item_bytes) {
  if (!ReadU32(out)) return false;
  if (uint64_t{*out} * min_item_bytes > remaining()) {
    return Fail(pos_,
                absl::StrFormat("count %u does not fit in the %u bytes left", *out, remaining()));
  }
  return true;
}

bool Cursor::ReadName(std::span<const uint8_t>* out) {
  const size_t start = pos_;
  uint32_t length = 0;
  if (!ReadU32(&length)) return false;
  if (length > remaining()) return Fail(start, "length out of bounds");
  if (!ReadBytes(length, out)) return false;
  if (!internal::IsValidUtf8(*out)) return Fail(start, "malformed UTF-8 encoding");
  return true;
}

}  // namespace kiln::wasm::text::print_internal
