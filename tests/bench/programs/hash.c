// hash.c — hashing a few megabytes of linear memory, repeatedly.
//
// Stresses: byte loads (i32.load8_u) in a tight serial loop with a 64-bit
// multiply on the critical path (FNV-1a), and 64-bit word loads with
// rotates and multiplies across four independent lanes (a simple
// xxhash-style mixer of our own), i.e. both latency-bound and
// throughput-bound integer code over a large buffer.
//
// Freestanding: no libc. Exports `unsigned long long run(void)`, which
// regenerates the buffer (xorshift64) and returns a combination of all the
// hashes. Every call does the same work.

#define BUFFER_BYTES (4u << 20)
#define FNV_PASSES 8
#define MIX_PASSES 48

static unsigned long long words[BUFFER_BYTES / 8];

static void fill(void) {
  unsigned long long x = 0x9E3779B97F4A7C15ull;
  for (unsigned i = 0; i < BUFFER_BYTES / 8; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    words[i] = x;
  }
}

static unsigned long long fnv1a(const unsigned char* p, unsigned n, unsigned long long h) {
  for (unsigned i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

static unsigned long long rotl(unsigned long long x, int r) {
  return (x << r) | (x >> (64 - r));
}

#define K1 0x9E3779B185EBCA87ull
#define K2 0xC2B2AE3D27D4EB4Full
#define K3 0x165667B19E3779F9ull

static unsigned long long lane(unsigned long long acc, unsigned long long w) {
  acc += w * K2;
  acc = rotl(acc, 31);
  return acc * K1;
}

static unsigned long long mix4(const unsigned long long* w, unsigned n, unsigned long long seed) {
  unsigned long long a0 = seed + K1 + K2, a1 = seed + K2, a2 = seed, a3 = seed - K1;
  unsigned i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 = lane(a0, w[i]);
    a1 = lane(a1, w[i + 1]);
    a2 = lane(a2, w[i + 2]);
    a3 = lane(a3, w[i + 3]);
  }
  unsigned long long h = rotl(a0, 1) + rotl(a1, 7) + rotl(a2, 12) + rotl(a3, 18);
  for (; i < n; ++i) h = rotl(h ^ lane(0, w[i]), 27) * K1 + K3;
  h ^= h >> 33;
  h *= K2;
  h ^= h >> 29;
  h *= K3;
  h ^= h >> 32;
  return h;
}

unsigned long long run(void) {
  fill();
  unsigned long long result = 0;
  unsigned long long h = 0xcbf29ce484222325ull;
  for (int p = 0; p < FNV_PASSES; ++p) {
    h = fnv1a((const unsigned char*)words, BUFFER_BYTES, h);
    result = rotl(result, 5) ^ h;
  }
  for (int p = 0; p < MIX_PASSES; ++p) {
    result = rotl(result, 9) ^ mix4(words, BUFFER_BYTES / 8, result + (unsigned)p);
  }
  return result;
}
