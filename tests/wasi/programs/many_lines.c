// Prints N numbered lines with printf (default 100000), optionally also to
// a file, for the streamed-output test and the small-writes benchmark.
//   many_lines [N [FILE]]
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  const long n = argc > 1 ? atol(argv[1]) : 100000;
  FILE* file = NULL;
  if (argc > 2) {
    file = fopen(argv[2], "w");
    if (!file) {
      perror(argv[2]);
      return 1;
    }
  }
  for (long i = 0; i < n; ++i) {
    printf("line %ld\n", i);
    if (file) fprintf(file, "line %ld\n", i);
  }
  if (file) fclose(file);
  return 0;
}
