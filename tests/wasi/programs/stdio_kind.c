// Prints to stderr what the program can tell about its standard streams:
// whether each is a terminal (isatty) and whether it can seek (lseek to
// where it is). Run with stdin and stdout from /dev/null, it must print what
// native code prints: /dev/null is neither a terminal nor unseekable, so
// wasi-libc must not line-buffer a stdout sent there.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  for (int fd = 0; fd < 2; ++fd) {
    const off_t at = lseek(fd, 0, SEEK_CUR);
    fprintf(stderr, "fd %d: isatty %d, lseek %s\n", fd, isatty(fd),
            at < 0 ? strerror(errno) : "ok");
  }
  return 0;
}
