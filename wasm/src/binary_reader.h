// Internal: a bounds-checked cursor over module bytes with the binary
// format's primitive encodings (LEB128 integers, floats, names, vectors).
//
// Read* functions return false on failure and record the first error; the
// caller propagates with `if (!r.ReadU32(&x)) return r.status();`. Offsets in
// errors are module offsets. The fast paths (one-byte LEB128) are inline.
#ifndef KILN_WASM_SRC_BINARY_READER_H_
#define KILN_WASM_SRC_BINARY_READER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "kiln/wasm/error.h"
#include "kiln/wasm/leb128.h"

namespace kiln::wasm::internal {

class BinaryReader {
 public:
  // `end_message` is what running out of bytes is called: inside a section
  // or function the spec says "unexpected end of section or function".
  BinaryReader(std::span<const uint8_t> module, size_t begin, size_t end,
               std::string_view end_message = "unexpected end of section or function")
      : data_(module.data()),
        pos_(begin),
        end_(end),
        leb_end_(module.size()),
        end_message_(end_message) {}

  size_t pos() const { return pos_; }
  size_t end() const { return end_; }
  size_t remaining() const { return end_ - pos_; }
  bool AtEnd() const { return pos_ >= end_; }
  const uint8_t* data() const { return data_; }
  void set_function_index(std::optional<uint32_t> index) { function_index_ = index; }

  const absl::Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }

  bool Fail(ErrorKind kind, size_t offset, std::string_view message) {
    if (status_.ok()) status_ = MakeWasmError(kind, offset, message, function_index_);
    return false;
  }
  // Adopts an error produced elsewhere (e.g. by an InstructionReader).
  bool Fail(absl::Status status) {
    if (status_.ok()) status_ = std::move(status);
    return false;
  }
  bool Malformed(size_t offset, std::string_view message) {
    return Fail(ErrorKind::kMalformed, offset, message);
  }

  bool ReadByte(uint8_t* out) {
    if (pos_ >= end_) return Malformed(pos_, end_message_);
    *out = data_[pos_++];
    return true;
  }
  bool PeekByte(uint8_t* out) const {
    if (pos_ >= end_) return false;
    *out = data_[pos_];
    return true;
  }

  bool ReadU32(uint32_t* out) {
    if (pos_ < end_ && data_[pos_] < 0x80) {
      *out = data_[pos_++];
      return true;
    }
    const size_t start = pos_;
    uint64_t value;
    if (!Check(ReadVarUnsigned<32>(data_, pos_, leb_end_, &value), start)) return false;
    *out = static_cast<uint32_t>(value);
    return true;
  }
  bool ReadU64(uint64_t* out) {
    const size_t start = pos_;
    return Check(ReadVarUnsigned<64>(data_, pos_, leb_end_, out), start);
  }
  // A memory offset or a limit of a 32-bit memory or table: a u32 in the 2.0
  // grammar, a u64 in 3.0's (memory64 widened the encoding for all of
  // them). An encoding only the 3.0 grammar accepts (a 6..10-byte LEB128, or
  // a value over 2^32-1) is reported as unsupported, keeping the 2.0 phrase;
  // one neither accepts gets the 3.0 phrase.
  bool ReadU32Address(uint32_t* out, std::string_view what) {
    if (pos_ < end_ && data_[pos_] < 0x80) {
      *out = data_[pos_++];
      return true;
    }
    const size_t start = pos_;
    uint64_t value;
    const LebError as_u32 = ReadVarUnsigned<32>(data_, pos_, leb_end_, &value);
    if (as_u32 == LebError::kOk || as_u32 == LebError::kEnd) {
      if (!Check(as_u32, start)) return false;
      *out = static_cast<uint32_t>(value);
      return true;
    }
    pos_ = start;
    if (!ReadU64(&value)) return false;
    return Fail(ErrorKind::kUnsupported, start,
                absl::StrCat(as_u32 == LebError::kTooLong ? "integer representation too long"
                                                          : "integer too large",
                             ": ", std::string(what), " ", value,
                             " in the 64-bit encoding: memory64 is not supported yet"));
  }
  bool ReadS32(int32_t* out) {
    const size_t start = pos_;
    int64_t value;
    if (!Check(ReadVarSigned<32>(data_, pos_, leb_end_, &value), start)) return false;
    *out = static_cast<int32_t>(value);
    return true;
  }
  bool ReadS33(int64_t* out) {
    const size_t start = pos_;
    return Check(ReadVarSigned<33>(data_, pos_, leb_end_, out), start);
  }
  bool ReadS64(int64_t* out) {
    const size_t start = pos_;
    return Check(ReadVarSigned<64>(data_, pos_, leb_end_, out), start);
  }
  bool ReadFixed32(uint32_t* out) {
    if (remaining() < 4) return Malformed(pos_, end_message_);
    std::memcpy(out, data_ + pos_, 4);
    pos_ += 4;
    return true;
  }
  bool ReadFixed64(uint64_t* out) {
    if (remaining() < 8) return Malformed(pos_, end_message_);
    std::memcpy(out, data_ + pos_, 8);
    pos_ += 8;
    return true;
  }
  // `n` raw bytes; running short is `short_message`.
  bool ReadBytes(size_t n, std::span<const uint8_t>* out, std::string_view short_message) {
    if (n > remaining()) return Malformed(pos_, short_message);
    *out = std::span<const uint8_t>(data_ + pos_, n);
    pos_ += n;
    return true;
  }
  bool ReadBytes(size_t n, std::span<const uint8_t>* out) {
    return ReadBytes(n, out, end_message_);
  }
  bool Skip(size_t n) {
    std::span<const uint8_t> ignored;
    return ReadBytes(n, &ignored);
  }

  // A length-prefixed UTF-8 name.
  bool ReadName(std::string* out, uint32_t max_bytes);

  // A vector length that must not exceed `limit` (an implementation limit,
  // reported with `what`) nor the bytes left, at `min_item_bytes` per item, so
  // a huge declared count fails before anything is allocated.
  bool ReadCount(uint32_t* out, uint32_t limit, std::string_view what,
                 size_t min_item_bytes = 1);

 private:
  // LEB128 reads may run past end_ up to the end of the module (as the spec's
  // reference decoder does), so an over-long integer at a section boundary is
  // reported as over-long; a value that ends past end_ is an unexpected end.
  bool Check(LebError error, size_t start) {
    switch (error) {
      case LebError::kOk:
        if (pos_ > end_) {
          pos_ = end_;
          return Malformed(end_, end_message_);
        }
        return true;
      case LebError::kEnd: return Malformed(pos_, end_message_);
      case LebError::kTooLong: return Malformed(start, "integer representation too long");
      case LebError::kTooLarge: return Malformed(start, "integer too large");
    }
    return false;
  }

  const uint8_t* data_;
  size_t pos_;
  size_t end_;
  size_t leb_end_;  // the end of the module
  std::string_view end_message_;
  std::optional<uint32_t> function_index_;
  absl::Status status_;
};

// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates, at
// most U+10FFFF).
bool IsValidUtf8(std::span<const uint8_t> bytes);

}  // namespace kiln::wasm::internal

#endif  // KILN_WASM_SRC_BINARY_READER_H_
