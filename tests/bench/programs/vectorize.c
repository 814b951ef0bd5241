// vectorize.c — simple array loops written so clang auto-vectorizes them.
//
// Stresses: what a wasm engine does with the vector code clang emits under
// -msimd128 (and, in the plain build, with the same loops unrolled as
// scalar code): saxpy on f32 arrays, an i32 dot product, clamp/min/max and
// saturating transforms over i32, i16 and u8 arrays, and integer
// reductions (sum, min, max). Natively, clang -O2 vectorizes the same
// loops with SSE2.
//
// Every loop is element-wise or an integer reduction, so vectorizing it
// does not change its result: floating-point sums are never reordered
// (that would need -ffast-math) and the f32 arrays are only ever combined
// element by element, which is bit-exact in IEEE single precision.
//
// Freestanding: no libc. Exports `unsigned long long run(void)`, which
// fills the arrays, runs every kernel ROUNDS times and returns a hash of
// the reductions and of the arrays' final contents. Every call does the
// same work.

#define LEN 4096
#define ROUNDS 12000

typedef unsigned long long u64;

static float fx[LEN], fy[LEN];
static int ia[LEN], ib[LEN], ic[LEN];
static short sa[LEN], sb[LEN];
static unsigned char ua[LEN], ub[LEN];

static void fill(void) {
  unsigned s = 77u;
  for (int i = 0; i < LEN; ++i) {
    s = s * 1664525u + 1013904223u;
    // Multiples of 1/1024 in [-2, 2): exact in f32.
    fx[i] = (float)((int)(s >> 20) - 2048) / 1024.0f;
    s = s * 1664525u + 1013904223u;
    fy[i] = (float)((int)(s >> 20) - 2048) / 1024.0f;
    s = s * 1664525u + 1013904223u;
    ia[i] = (int)(s >> 8) - (1 << 23);
    s = s * 1664525u + 1013904223u;
    ib[i] = (int)(s >> 16) - (1 << 15);
    s = s * 1664525u + 1013904223u;
    sa[i] = (short)(s >> 16);
    sb[i] = (short)(s >> 3);
    ua[i] = (unsigned char)(s >> 24);
    ub[i] = (unsigned char)(s >> 11);
  }
}

// y = a * x + y. run() applies it as a shear pair (y += a x, then
// x -= a y), a rotation-like map with determinant 1, so values stay bounded.
static void saxpy(float a, const float* x, float* y) {
  for (int i = 0; i < LEN; ++i) y[i] = a * x[i] + y[i];
}

// Unsigned arithmetic: wraps instead of overflowing.
static unsigned dot(const int* a, const int* b) {
  unsigned sum = 0;
  for (int i = 0; i < LEN; ++i) sum += (unsigned)a[i] * (unsigned)b[i];
  return sum;
}

static void clamp_i32(const int* in, int* out, int lo, int hi) {
  for (int i = 0; i < LEN; ++i) {
    const int v = in[i];
    out[i] = v < lo ? lo : (v > hi ? hi : v);
  }
}

// Element-wise max of two i16 arrays, then a rotate-free update of b.
static void max_i16(short* a, short* b) {
  for (int i = 0; i < LEN; ++i) {
    const short m = a[i] > b[i] ? a[i] : b[i];
    b[i] = (short)(b[i] ^ (short)(m >> 1));
    a[i] = m;
  }
}

// Saturating add and absolute difference of u8 arrays.
static void saturate_u8(unsigned char* a, const unsigned char* b) {
  for (int i = 0; i < LEN; ++i) {
    const unsigned sum = (unsigned)a[i] + b[i];
    const unsigned char sat = (unsigned char)(sum > 255 ? 255 : sum);
    const unsigned char diff = (unsigned char)(a[i] > b[i] ? a[i] - b[i] : b[i] - a[i]);
    a[i] = (unsigned char)((sat >> 1) + (diff >> 2));
  }
}

static unsigned sum_u8(const unsigned char* a) {
  unsigned sum = 0;
  for (int i = 0; i < LEN; ++i) sum += a[i];
  return sum;
}

static int min_i32(const int* a) {
  int m = a[0];
  for (int i = 1; i < LEN; ++i) m = a[i] < m ? a[i] : m;
  return m;
}

static int max_i32(const int* a) {
  int m = a[0];
  for (int i = 1; i < LEN; ++i) m = a[i] > m ? a[i] : m;
  return m;
}

// The f32 bits, summed as integers (a vectorizable reduction).
static unsigned sum_bits(const float* a) {
  unsigned sum = 0;
  for (int i = 0; i < LEN; ++i) {
    union {
      float f;
      unsigned u;
    } u;
    u.f = a[i];
    sum += u.u ^ (unsigned)i;
  }
  return sum;
}

static u64 mix(u64 h, u64 v) {
  h = (h ^ v) * 0x100000001b3ull;
  return h ^ (h >> 32);
}

u64 run(void) {
  fill();
  u64 h = 0xcbf29ce484222325ull;
  for (int r = 0; r < ROUNDS; ++r) {
    saxpy(0.375f, fx, fy);
    saxpy(-0.375f, fy, fx);
    h = mix(h, dot(ia, ib));
    clamp_i32(ia, ic, -(1 << 20) + r, (1 << 20) - r);
    h = mix(h, (unsigned)min_i32(ic));
    h = mix(h, (unsigned)max_i32(ic));
    ib[r & (LEN - 1)] ^= ic[(r * 7) & (LEN - 1)];
    max_i16(sa, sb);
    saturate_u8(ua, ub);
    h = mix(h, sum_u8(ua));
  }
  h = mix(h, sum_bits(fx));
  h = mix(h, sum_bits(fy));
  for (int i = 0; i < LEN; ++i) h = mix(h, (u64)(unsigned short)sa[i] << 16 | ub[i] << 8 | ua[i]);
  return h;
}
