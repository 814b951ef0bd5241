// kiln/wasm/leb128.h — LEB128 integers as the WebAssembly binary format
// encodes them.
//
// The one LEB128 reader (and writer) of Kiln: the decoder and validator, the compiler's
// function translator and the artifact writer all read through it, so they
// agree on every edge case (over-long forms, unused bits, running out of
// bytes). Inline, since the decoder's hot loops call it per immediate.
#ifndef KILN_WASM_LEB128_H_
#define KILN_WASM_LEB128_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kiln::wasm {

// kTooLong: more bytes than kBits needs ("integer representation too long");
// kTooLarge: the last byte sets bits beyond kBits ("integer too large").
enum class LebError : uint8_t { kOk, kEnd, kTooLong, kTooLarge };

// Decodes an unsigned LEB128 of at most `kBits` bits (32 or 64) from
// data[pos, end), advancing `pos`. On an error *out is not written.
template <int kBits>
inline LebError ReadVarUnsigned(const uint8_t* data, size_t& pos, size_t end, uint64_t* out) {
  constexpr int kMaxBytes = (kBits + 6) / 7;
  uint64_t result = 0;
  for (int i = 0; i < kMaxBytes; ++i) {
    if (pos >= end) return LebError::kEnd;
    const uint8_t byte = data[pos++];
    result |= uint64_t{byte & 0x7Fu} << (7 * i);
    if (i == kMaxBytes - 1) {
      if (byte & 0x80) return LebError::kTooLong;
      // Bits beyond kBits must be zero.
      const int used = kBits - 7 * i;
      if ((byte & 0x7F) >> used) return LebError::kTooLarge;
    } else if (!(byte & 0x80)) {
      break;
    }
  }
  *out = result;
  return LebError::kOk;
}

// Decodes a signed LEB128 of at most `kBits` bits (32, 33 or 64), as
// ReadVarUnsigned does.
template <int kBits>
inline LebError ReadVarSigned(const uint8_t* data, size_t& pos, size_t end, int64_t* out) {
  constexpr int kMaxBytes = (kBits + 6) / 7;
  uint64_t result = 0;
  int shift = 0;
  uint8_t byte = 0;
  for (int i = 0; i < kMaxBytes; ++i) {
    if (pos >= end) return LebError::kEnd;
    byte = data[pos++];
    result |= uint64_t{byte & 0x7Fu} << shift;
    shift += 7;
    if (i == kMaxBytes - 1) {
      if (byte & 0x80) return LebError::kTooLong;
      // The bits beyond kBits must all equal the sign bit (bit kBits-1).
      const int used = kBits - 7 * i;  // value bits in this byte
      const uint8_t rest = static_cast<uint8_t>((byte & 0x7F) >> (used - 1));
      const uint8_t all = static_cast<uint8_t>(0x7F >> (used - 1));
      if (rest != 0 && rest != all) return LebError::kTooLarge;
      break;
    }
    if (!(byte & 0x80)) break;
  }
  if (shift < 64 && (byte & 0x40)) result |= ~uint64_t{0} << shift;
  *out = static_cast<int64_t>(result);
  return LebError::kOk;
}

// Appends the shortest unsigned LEB128 encoding of `value`.
inline void WriteVarUnsigned(std::vector<uint8_t>& out, uint64_t value) {
  do {
    uint8_t byte = value & 0x7F;
    value >>= 7;
    if (value != 0) byte |= 0x80;
    out.push_back(byte);
  } while (value != 0);
}

// Appends the shortest signed LEB128 encoding of `value`.
inline void WriteVarSigned(std::vector<uint8_t>& out, int64_t value) {
  while (true) {
    const uint8_t byte = value & 0x7F;
    value >>= 7;  // arithmetic: the sign is kept
    const bool done = (value == 0 && !(byte & 0x40)) || (value == -1 && (byte & 0x40));
    out.push_back(done ? byte : (byte | 0x80));
    if (done) return;
  }
}

}  // namespace kiln::wasm

#endif  // KILN_WASM_LEB128_H_
