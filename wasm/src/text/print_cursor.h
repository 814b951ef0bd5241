// print_cursor.h — the module printer's bounds-checked walk over binary bytes.
//
// The printer reads the whole WebAssembly 3.0 binary format, which the 2.0
// decoder's reader (binary_reader.h) is not meant for, and reports errors the
// way text tools do: "at byte 0x1f: message", with the module offset also
// attached as kiln/wasm/error.h's location payload. Integers go through the
// one LEB128 reader (kiln/wasm/leb128.h).
//
// Read* functions return false on failure and keep the first error, so a
// caller propagates with `if (!c.ReadU32(&x)) return false;` and asks for
// status() once at the top.
#ifndef KILN_WASM_SRC_TEXT_PRINT_CURSOR_H_
#define KILN_WASM_SRC_TEXT_PRINT_CURSOR_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "kiln/wasm/leb128.h"

namespace kiln::wasm::text::print_internal {

// A malformed-module error at `offset`: "at byte 0x1f: message".
absl::Status PrintError(size_t offset, std::string_view message);

class Cursor {
 public:
  // Reads module[begin, end); offsets in errors are offsets in `module`.
  Cursor(std::span<const uint8_t> module, size_t begin, size_t end)
      : module_(module), pos_(begin), end_(end) {}

  size_t pos() const { return pos_; }
  size_t end() const { return end_; }
  size_t remaining() const { return end_ - pos_; }
  bool AtEnd() const { return pos_ >= end_; }
  std::span<const uint8_t> module() const { return module_; }

  const absl::Status& status() const { return status_; }
  // Records `message` at `offset` unless an error is already kept.
  bool Fail(size_t offset, std::string_view message);
  // Adopts the first error of a cursor over a part of this one's bytes.
  bool Fail(const absl::Status& status);

  bool ReadByte(uint8_t* out) {
    if (pos_ >= end_) return Fail(pos_, "unexpected end");
    *out = module_[pos_++];
    return true;
  }
  // The next byte without consuming it; false at the end (no error).
  bool PeekByte(uint8_t* out) const {
    if (pos_ >= end_) return false;
    *out = module_[pos_];
    return true;
  }

  bool ReadU32(uint32_t* out) {
    const size_t start = pos_;
    uint64_t value = 0;
    if (!Leb(ReadVarUnsigned<32>(module_.data(), pos_, end_, &value), start)) return false;
    *out = static_cast<uint32_t>(value);
    return true;
  }
  bool ReadU64(uint64_t* out) {
    const size_t start = pos_;
    return Leb(ReadVarUnsigned<64>(module_.data(), pos_, end_, out), start);
  }
  bool ReadS32(int32_t* out) {
    const size_t start = pos_;
    int64_t value = 0;
    if (!Leb(ReadVarSigned<32>(module_.data(), pos_, end_, &value), start)) return false;
    *out = static_cast<int32_t>(value);
    return true;
  }
  bool ReadS33(int64_t* out) {
    const size_t start = pos_;
    return Leb(ReadVarSigned<33>(module_.data(), pos_, end_, out), start);
  }
  bool ReadS64(int64_t* out) {
    const size_t start = pos_;
    return Leb(ReadVarSigned<64>(module_.data(), pos_, end_, out), start);
  }

  // `n` raw bytes.
  bool ReadBytes(size_t n, std::span<const uint8_t>* out);
  // A vector's length, refused when its items (each at least
  // `min_item_bytes` long) cannot fit in what is left: a huge count in a few
  // bytes fails here, before any loop or allocation sized by it.
  bool ReadCount(uint32_t* out, size_t min_item_bytes = 1);
  // A length-prefixed name, which must be UTF-8.
  bool ReadName(std::span<const uint8_t>* out);

 private:
  // Turns a LEB128 reader's result into an error; `start` is where the
  // integer began, which is where an over-long or too-large one is reported.
  bool Leb(LebError error, size_t start);

  std::span<const uint8_t> module_;
  size_t pos_;
  size_t end_;
  absl::Status status_;
};

}  // namespace kiln::wasm::text::print_internal

#endif  // KILN_WASM_SRC_TEXT_PRINT_CURSOR_H_
