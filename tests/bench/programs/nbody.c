// nbody.c — gravitational n-body simulation in double precision.
//
// Stresses: f64 arithmetic with long dependency chains (divide and square
// root on every pair), an O(n^2) pair loop over struct-of-arrays data in
// linear memory, and loop-carried floating-point accumulation that a
// compiler must not reorder (no -ffast-math).
//
// Freestanding: no libc. Exports `unsigned long long run(void)`, which
// places BODIES bodies from a fixed generator, advances them STEPS
// semi-implicit Euler steps (with a softening term, so close encounters
// stay finite), and returns a hash of the raw bits of the final positions,
// velocities and total energy. Every call does the same work.
//
// Bit-exact everywhere: only +, -, *, / and sqrt, each correctly rounded
// in IEEE double on x86-64 (SSE2) and in wasm, evaluated in source order.
// CMake passes -ffp-contract=off to both builds so no multiply-add is ever
// fused, and -fno-math-errno so __builtin_sqrt is the instruction.

#define BODIES 48
#define STEPS 10000
#define DT 0.001
#define SOFTENING 0.01

static double px[BODIES], py[BODIES], pz[BODIES];
static double vx[BODIES], vy[BODIES], vz[BODIES];
static double mass[BODIES];

// A small value in [-1, 1) from the generator, a multiple of 1/1024.
static double coord(unsigned* s) {
  *s = *s * 1664525u + 1013904223u;
  return (double)((int)(*s >> 22) - 512) / 512.0;
}

static void setup(void) {
  unsigned s = 2024u;
  for (int i = 0; i < BODIES; ++i) {
    px[i] = coord(&s) * 4.0;
    py[i] = coord(&s) * 4.0;
    pz[i] = coord(&s) * 4.0;
    vx[i] = coord(&s) * 0.1;
    vy[i] = coord(&s) * 0.1;
    vz[i] = coord(&s) * 0.1;
    mass[i] = 0.5 + (coord(&s) + 1.0) * 0.25;
  }
}

static void step(void) {
  for (int i = 0; i < BODIES; ++i) {
    double ax = 0.0, ay = 0.0, az = 0.0;
    const double xi = px[i], yi = py[i], zi = pz[i];
    for (int j = 0; j < BODIES; ++j) {
      if (j == i) continue;
      const double dx = px[j] - xi;
      const double dy = py[j] - yi;
      const double dz = pz[j] - zi;
      const double r2 = dx * dx + dy * dy + dz * dz + SOFTENING;
      const double r = __builtin_sqrt(r2);
      const double f = mass[j] / (r2 * r);
      ax += dx * f;
      ay += dy * f;
      az += dz * f;
    }
    vx[i] += ax * DT;
    vy[i] += ay * DT;
    vz[i] += az * DT;
  }
  for (int i = 0; i < BODIES; ++i) {
    px[i] += vx[i] * DT;
    py[i] += vy[i] * DT;
    pz[i] += vz[i] * DT;
  }
}

static double energy(void) {
  double e = 0.0;
  for (int i = 0; i < BODIES; ++i) {
    e += 0.5 * mass[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
    for (int j = i + 1; j < BODIES; ++j) {
      const double dx = px[i] - px[j];
      const double dy = py[i] - py[j];
      const double dz = pz[i] - pz[j];
      e -= mass[i] * mass[j] / __builtin_sqrt(dx * dx + dy * dy + dz * dz + SOFTENING);
    }
  }
  return e;
}

// The raw bits of a double (a union is well defined in C).
static unsigned long long bits(double d) {
  union {
    double d;
    unsigned long long u;
  } u;
  u.d = d;
  return u.u;
}

static unsigned long long mix(unsigned long long h, double d) {
  h ^= bits(d);
  h *= 0x100000001b3ull;
  return h ^ (h >> 29);
}

unsigned long long run(void) {
  setup();
  const double e0 = energy();
  for (int s = 0; s < STEPS; ++s) step();
  unsigned long long h = 0xcbf29ce484222325ull;
  h = mix(h, e0);
  h = mix(h, energy());
  for (int i = 0; i < BODIES; ++i) {
    h = mix(h, px[i]);
    h = mix(h, py[i]);
    h = mix(h, pz[i]);
    h = mix(h, vx[i]);
    h = mix(h, vy[i]);
    h = mix(h, vz[i]);
  }
  return h;
}
