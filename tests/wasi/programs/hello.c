// Prints one line: the smallest WASI command, for start-up timing
// (tests/bench/run_wasi_bench.sh).
#include <stdio.h>

int main(void) {
  printf("hello, world\n");
  return 0;
}
