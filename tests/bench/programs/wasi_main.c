// wasi_main.c — turns an exec-bench program (programs/*.c, which export
// `unsigned long long run(void)`) into an ordinary command: compiled together
// with one of them, for wasm32-wasi and natively (tests/bench/CMakeLists.txt),
// it calls run() and prints the checksum, so the same program can be run and
// timed start to exit under `kiln run`, natively and under node's WASI.
//
//   <program> [CALLS]
//
// calls run() CALLS times (default 1) and prints "<checksum>\n". Every call
// rebuilds its inputs, so every call must give the same checksum; a
// difference is printed to stderr and the exit status is 1.
#include <stdio.h>
#include <stdlib.h>

unsigned long long run(void);

int main(int argc, char** argv) {
  const long calls = argc > 1 ? atol(argv[1]) : 1;
  if (calls < 1) {
    fprintf(stderr, "usage: %s [CALLS >= 1]\n", argv[0]);
    return 2;
  }
  const unsigned long long first = run();
  for (long i = 1; i < calls; ++i) {
    const unsigned long long again = run();
    if (again != first) {
      fprintf(stderr, "call %ld: checksum %llu differs from the first call's %llu\n", i + 1,
              again, first);
      return 1;
    }
  }
  printf("%llu\n", first);
  return 0;
}
