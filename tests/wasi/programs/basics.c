// Arguments, environment, clocks, randomness, stdin and the exit code.
//   basics                prints its arguments and environment, checks the
//                         clocks and random bytes, echoes stdin's size and
//                         checksum, and exits 0 (or 1 naming what failed)
//   basics exit N         exits with N
//   basics sleep S        sleeps S seconds (poll_oneoff), then prints "woke"
//   basics cat PATH       prints the file at PATH
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "exit") == 0) exit(atoi(argv[2]));
  if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
    sleep((unsigned)atoi(argv[2]));
    printf("woke\n");
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "cat") == 0) {
    FILE* f = fopen(argv[2], "r");
    if (!f) {
      perror(argv[2]);
      return 1;
    }
    int c;
    while ((c = fgetc(f)) != EOF) putchar(c);
    fclose(f);
    return 0;
  }
  for (int i = 1; i < argc; ++i) printf("arg %d: %s\n", i, argv[i]);
  for (char** e = environ; *e; ++e) printf("env: %s\n", *e);

  struct timespec a, b, res;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (volatile int i = 0; i < 100000; ++i) {
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  if (b.tv_sec < a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec)) {
    printf("FAIL: the monotonic clock went back\n");
    return 1;
  }
  clock_gettime(CLOCK_REALTIME, &a);
  if (a.tv_sec < 1700000000) {  // 2023-11
    printf("FAIL: realtime %lld is in the past\n", (long long)a.tv_sec);
    return 1;
  }
  if (clock_getres(CLOCK_MONOTONIC, &res) != 0 || (res.tv_sec == 0 && res.tv_nsec == 0)) {
    printf("FAIL: no monotonic resolution\n");
    return 1;
  }
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
  printf("clocks: ok\n");

  unsigned char random[64] = {0};
  if (getentropy(random, sizeof random) != 0) {
    printf("FAIL: getentropy\n");
    return 1;
  }
  int zeros = 0;
  for (size_t i = 0; i < sizeof random; ++i) zeros += random[i] == 0;
  if (zeros > 16) {
    printf("FAIL: %d of 64 random bytes are zero\n", zeros);
    return 1;
  }
  printf("random: ok\n");

  uint32_t sum = 2166136261u;
  size_t size = 0;
  int c;
  while ((c = getchar()) != EOF) {
    sum = (sum ^ (uint8_t)c) * 16777619u;
    ++size;
  }
  printf("stdin: %zu bytes, %08x\n", size, sum);
  return 0;
}
