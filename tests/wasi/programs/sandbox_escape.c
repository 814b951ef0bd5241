// Tries to reach outside its preopened directory every way a guest can,
// and prints one line per attempt: "refused <errno name>" or "ESCAPED".
// The test (tests/wasi/program_tests.sh) preopens a folder as /box whose
// parent holds secret.txt, and plants outlink -> the secret (an absolute
// host path) and outdir -> the parent folder inside it beforehand; it
// checks the lines and that nothing outside /box changed. Exits with the
// number of escapes.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int escapes = 0;

static const char* ErrnoName(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    case ELOOP: return "ELOOP";
    case ENOTDIR: return "ENOTDIR";
    case EXDEV: return "EXDEV";
    case EACCES: return "EACCES";
    case EEXIST: return "EEXIST";
    default: return strerror(e);
  }
}

// `ok` says whether the call succeeded; success is an escape.
static void Report(const char* what, int ok) {
  if (ok) {
    printf("%s: ESCAPED\n", what);
    ++escapes;
  } else {
    printf("%s: refused %s\n", what, ErrnoName(errno));
  }
}

static void TryOpen(const char* path) {
  int fd = open(path, O_RDONLY);
  char label[256];
  snprintf(label, sizeof label, "open %s", path);
  Report(label, fd >= 0);
  if (fd >= 0) close(fd);
}

int main(void) {
  TryOpen("/box/../secret.txt");
  TryOpen("/box/sub/../../secret.txt");
  TryOpen("/secret.txt");
  TryOpen("/etc/passwd");
  // Symlinks the host planted: to the secret by absolute path, and to the
  // parent folder.
  TryOpen("/box/outlink");
  TryOpen("/box/outdir/secret.txt");
  struct stat st;
  Report("stat /box/outdir/", stat("/box/outdir/", &st) == 0);
  Report("stat /box/outdir/secret.txt", stat("/box/outdir/secret.txt", &st) == 0);
  // Symlinks the guest plants.
  Report("symlink /box/abs -> /etc", symlink("/etc", "/box/abs") == 0);
  if (symlink("..", "/box/up") != 0) printf("symlink /box/up: %s\n", strerror(errno));
  TryOpen("/box/up/secret.txt");
  if (symlink("../..", "/box/sub/upup") != 0) printf("symlink upup: %s\n", strerror(errno));
  TryOpen("/box/sub/upup/secret.txt");
  // A symlink swapped between two calls: first harmless, then outward.
  if (symlink("inside.txt", "/box/swap") != 0) printf("symlink swap: %s\n", strerror(errno));
  int fd = open("/box/swap", O_RDONLY);
  printf("open /box/swap (inside): %s\n", fd >= 0 ? "ok" : strerror(errno));
  if (fd >= 0) close(fd);
  unlink("/box/swap");
  if (symlink("../secret.txt", "/box/swap") != 0) printf("symlink swap 2: %s\n", strerror(errno));
  TryOpen("/box/swap");
  // Changing things outside.
  Report("mkdir /box/../newdir", mkdir("/box/../newdir", 0777) == 0);
  Report("rename /box/inside.txt -> /box/../moved.txt",
         rename("/box/inside.txt", "/box/../moved.txt") == 0);
  Report("unlink /box/../secret.txt", unlink("/box/../secret.txt") == 0);
  Report("unlink /box/outdir/secret.txt", unlink("/box/outdir/secret.txt") == 0);
  Report("link /box/outdir/secret.txt -> /box/hard",
         link("/box/outdir/secret.txt", "/box/hard") == 0);
  int out = open("/box/outdir/created.txt", O_WRONLY | O_CREAT, 0666);
  Report("create /box/outdir/created.txt", out >= 0);
  if (out >= 0) close(out);
  // Inside is fine.
  fd = open("/box/inside.txt", O_RDONLY);
  char buf[32] = {0};
  if (fd < 0 || read(fd, buf, sizeof buf - 1) < 0) {
    printf("reading /box/inside.txt failed: %s\n", strerror(errno));
    return 100;
  }
  printf("inside: %s", buf);
  return escapes;
}
