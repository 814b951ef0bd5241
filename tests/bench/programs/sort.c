// sort.c — quicksort of pseudo-random 32-bit integers.
//
// Stresses: unpredictable branches (the partition compare), recursion
// (real wasm calls with a deep-ish call stack), i32 loads and stores at
// data-dependent addresses, and the insertion sort used for short ranges.
//
// Freestanding: no libc. Exports `unsigned long long run(void)`, which fills
// the array from a linear congruential generator, sorts it, checks that it
// is sorted and returns a checksum (position-weighted hash of the sorted
// values; ~0 if the array was not sorted). Every call does the same work.

#define COUNT 400000
#define ROUNDS 3

static int data[COUNT];

static void fill(unsigned seed) {
  unsigned s = seed;
  for (int i = 0; i < COUNT; ++i) {
    s = s * 1664525u + 1013904223u;
    // Keep the top bits: the low bits of an LCG are poor. Signed values
    // so comparisons exercise both signs.
    data[i] = (int)(s ^ (s >> 15));
  }
}

static void insertion_sort(int* v, int n) {
  for (int i = 1; i < n; ++i) {
    int x = v[i];
    int j = i - 1;
    while (j >= 0 && v[j] > x) {
      v[j + 1] = v[j];
      --j;
    }
    v[j + 1] = x;
  }
}

static int median3(int a, int b, int c) {
  if (a < b) {
    if (b < c) return b;
    return a < c ? c : a;
  }
  if (a < c) return a;
  return b < c ? c : b;
}

// Hoare partition around a median-of-three pivot; recurse on the smaller
// side and loop on the larger so the depth stays O(log n).
static void quicksort(int* v, int n) {
  while (n > 16) {
    int pivot = median3(v[0], v[n / 2], v[n - 1]);
    int i = -1;
    int j = n;
    for (;;) {
      do ++i; while (v[i] < pivot);
      do --j; while (v[j] > pivot);
      if (i >= j) break;
      int t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
    int left = j + 1;  // v[0..j] <= pivot <= v[j+1..n)
    if (left < n - left) {
      quicksort(v, left);
      v += left;
      n -= left;
    } else {
      quicksort(v + left, n - left);
      n = left;
    }
  }
  insertion_sort(v, n);
}

static unsigned long long checksum(void) {
  unsigned long long h = 0;
  for (int i = 0; i < COUNT; ++i) {
    if (i > 0 && data[i - 1] > data[i]) return ~0ull;
    h = h * 0x100000001b3ull + (unsigned long long)(unsigned)data[i] + (unsigned long long)i;
  }
  return h;
}

unsigned long long run(void) {
  unsigned long long sum = 0;
  for (unsigned r = 0; r < ROUNDS; ++r) {
    fill(0xC0FFEEu + r * 7919u);
    quicksort(data, COUNT);
    sum ^= checksum() + r;
  }
  return sum;
}
