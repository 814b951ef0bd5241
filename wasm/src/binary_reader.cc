#include "binary_reader.h"

#include "absl/strings/str_cat.h"

namespace kiln::wasm::internal {

bool IsValidUtf8(std::span<const uint8_t> bytes) {
  size_t i = 0;
  const size_t n = bytes.size();
  while (i < n) {
    const uint8_t b0 = bytes[i];
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((b0 & 0xE0) == 0xC0) {
      len = 2;
      cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3;
      cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const uint8_t b = bytes[i + k];
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    // Overlong encodings, surrogates and values past U+10FFFF are invalid.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) {
      return false;
    }
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += len;
  }
  return true;
}

bool BinaryReader::ReadName(std::string* out, uint32_t max_bytes) {
  const size_t start = pos_;
  // As with other LEB128s the length may be read past the section end; a name
  // that does not fit in the section is then "length out of bounds".
  uint64_t length64;
  const LebError error = ReadVarUnsigned<32>(data_, pos_, leb_end_, &length64);
  if (error != LebError::kOk) return Check(error, start);
  if (pos_ > end_) {
    pos_ = end_;
    return Malformed(start, "length out of bounds");
  }
  const uint32_t length = static_cast<uint32_t>(length64);
  std::span<const uint8_t> bytes;
  if (!ReadBytes(length, &bytes, "length out of bounds")) return false;
  if (length > max_bytes) {
    return Fail(ErrorKind::kLimit, start,
                absl::StrCat("name of ", length, " bytes exceeds the limit of ", max_bytes));
  }
  if (!IsValidUtf8(bytes)) return Malformed(start, "malformed UTF-8 encoding");
  out->assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return true;
}

bool BinaryReader::ReadCount(uint32_t* out, uint32_t limit, std::string_view what,
                             size_t min_item_bytes) {
  const size_t start = pos_;
  if (!ReadU32(out)) return false;
  if (*out > limit) {
    return Fail(ErrorKind::kLimit, start,
                absl::StrCat("too many ", std::string(what), ": ", *out, " exceeds the limit of ", limit));
  }
  if (min_item_bytes != 0 && uint64_t{*out} * min_item_bytes > remaining()) {
    // The items cannot all fit in what is left; say so before allocating.
    return Malformed(pos_, end_message_);
  }
  return true;
}

}  // namespace kiln::wasm::internal
