// move_bytes.h — memory.copy's data movement.
//
// memmove semantics (the ranges may overlap). Long moves do not go to
// glibc: Debian 12's glibc (2.36) switches memmove to `rep movsb` above
// 2112 bytes on AMD Zen, and there that runs about 20% slower than glibc's
// own 32-byte vector loop (the exec bench's memops, whose time is mostly
// copies of 2-64 KiB: 72 ms natively, 57 ms with
// GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold raised past them). So
// from kLongMove bytes up, on CPUs with AVX2, a vector loop of our own
// moves the data; everything else is std::memmove.
#ifndef KILN_RUNTIME_MOVE_BYTES_H_
#define KILN_RUNTIME_MOVE_BYTES_H_

#include <cstddef>
#include <cstdint>

namespace kiln::runtime {

inline constexpr size_t kLongMove = 2048;

// Moves `length` bytes from `src` to `dst` as memmove does.
void MoveBytes(uint8_t* dst, const uint8_t* src, size_t length);

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_MOVE_BYTES_H_
