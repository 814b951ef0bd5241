// matmul.c — dense matrix multiply, C = A * B, on N x N doubles.
//
// Stresses: floating-point multiply-add throughput, nested loops with
// bounds-free array indexing into linear memory (address arithmetic and
// loads/stores of f64), and loop-invariant code motion. The i-k-j loop order
// keeps the inner loop streaming over rows of B and C so a good compiler can
// vectorize or at least pipeline it.
//
// Freestanding: no libc. Exports `unsigned long long run(void)`, which
// rebuilds its inputs on every call (so repeated calls give the same
// answer) and returns a checksum of C.
//
// Every entry of A and B is a small integer divided by a power of two, and
// every product and partial sum stays exactly representable, so the result
// does not depend on evaluation order and natively compiled code, V8 and
// Kiln all agree to the bit.

#define N 300
#define ROUNDS 10

static double a[N][N];
static double b[N][N];
static double c[N][N];

static void fill(unsigned round) {
  unsigned s = 12345u + round * 977u;
  for (int i = 0; i < N; ++i) {
    for (int j = 0; j < N; ++j) {
      s = s * 1103515245u + 12345u;
      a[i][j] = (double)((int)((s >> 16) & 63) - 32) * 0.25;
      s = s * 1103515245u + 12345u;
      b[i][j] = (double)((int)((s >> 16) & 63) - 32) * 0.125;
      c[i][j] = 0.0;
    }
  }
}

static void multiply(void) {
  for (int i = 0; i < N; ++i) {
    for (int k = 0; k < N; ++k) {
      const double aik = a[i][k];
      for (int j = 0; j < N; ++j) {
        c[i][j] += aik * b[k][j];
      }
    }
  }
}

static unsigned long long checksum(void) {
  // Sums are integers times 1/32 well inside 2^53: convert exactly.
  unsigned long long h = 1469598103934665603ull;
  for (int i = 0; i < N; ++i) {
    for (int j = 0; j < N; ++j) {
      long long v = (long long)(c[i][j] * 32.0);
      h = (h ^ (unsigned long long)v) * 1099511628211ull;
    }
  }
  return h;
}

unsigned long long run(void) {
  unsigned long long sum = 0;
  for (unsigned r = 0; r < ROUNDS; ++r) {
    fill(r);
    multiply();
    sum = sum * 31u + checksum();
  }
  return sum;
}
