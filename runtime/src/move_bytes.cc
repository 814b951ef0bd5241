#include "move_bytes.h"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace kiln::runtime {
namespace {

#if defined(__x86_64__)

constexpr size_t kVector = 32;
constexpr size_t kBlock = 4 * kVector;

__attribute__((target("avx2"), always_inline)) inline __m256i Load(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

__attribute__((target("avx2"), always_inline)) inline void Store(uint8_t* p, __m256i v) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
}

// Every store writes the original bytes of its source range: the ends are
// loaded before anything is stored, and the loop runs away from the
// overlap (forwards when dst is below src, backwards when above), so each
// load sees bytes no earlier store has touched. Stores in the loop are
// aligned to 32 bytes; the unaligned ends are stored last.
// `n` >= kBlock.
__attribute__((target("avx2"))) void MoveLongAvx2(uint8_t* dst, const uint8_t* src, size_t n) {
  const auto address = reinterpret_cast<uintptr_t>(dst);
  if (dst <= src || dst >= src + n) {
    const __m256i head = Load(src);
    const __m256i tail0 = Load(src + n - 4 * kVector);
    const __m256i tail1 = Load(src + n - 3 * kVector);
    const __m256i tail2 = Load(src + n - 2 * kVector);
    const __m256i tail3 = Load(src + n - kVector);
    size_t i = kVector - (address & (kVector - 1));
    for (; i + kBlock <= n; i += kBlock) {
      const __m256i a = Load(src + i);
      const __m256i b = Load(src + i + kVector);
      const __m256i c = Load(src + i + 2 * kVector);
      const __m256i d = Load(src + i + 3 * kVector);
      Store(dst + i, a);
      Store(dst + i + kVector, b);
      Store(dst + i + 2 * kVector, c);
      Store(dst + i + 3 * kVector, d);
    }
    Store(dst + n - 4 * kVector, tail0);
    Store(dst + n - 3 * kVector, tail1);
    Store(dst + n - 2 * kVector, tail2);
    Store(dst + n - kVector, tail3);
    Store(dst, head);
  } else {
    const __m256i tail = Load(src + n - kVector);
    const __m256i head0 = Load(src);
    const __m256i head1 = Load(src + kVector);
    const __m256i head2 = Load(src + 2 * kVector);
    const __m256i head3 = Load(src + 3 * kVector);
    size_t i = n - ((address + n) & (kVector - 1));
    for (; i >= kBlock; i -= kBlock) {
      const __m256i a = Load(src + i - kVector);
      const __m256i b = Load(src + i - 2 * kVector);
      const __m256i c = Load(src + i - 3 * kVector);
      const __m256i d = Load(src + i - 4 * kVector);
      Store(dst + i - kVector, a);
      Store(dst + i - 2 * kVector, b);
      Store(dst + i - 3 * kVector, c);
      Store(dst + i - 4 * kVector, d);
    }
    Store(dst, head0);
    Store(dst + kVector, head1);
    Store(dst + 2 * kVector, head2);
    Store(dst + 3 * kVector, head3);
    Store(dst + n - kVector, tail);
  }
}

bool HasAvx2() {
  // __builtin_cpu_init first: this may run before libgcc's constructor.
  static const bool has = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
  return has;
}

#endif

}  // namespace

void MoveBytes(uint8_t* dst, const uint8_t* src, size_t length) {
#if defined(__x86_64__)
  if (length >= kLongMove && HasAvx2()) {
    MoveLongAvx2(dst, src, length);
    return;
  }
#endif
  std::memmove(dst, src, length);
}

}  // namespace kiln::runtime
