// A WASI server: accepts connections on the listening socket it was given
// (descriptor 3 unless argv[1] names another) and, for each, sends back
// "echo: " and the line it read, then shuts the connection down. Serves
// argv[2] connections (1 by default), then prints how many and exits 0;
// any failure prints what failed and exits 1.
//
//   kiln run --tcplisten 127.0.0.1:0 echo_server.wasm [FD [COUNT]]
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char* what) {
  printf("%s: %s\n", what, strerror(errno));
  return 1;
}

int main(int argc, char** argv) {
  const int listener = argc > 1 ? atoi(argv[1]) : 3;
  const int count = argc > 2 ? atoi(argv[2]) : 1;
  for (int served = 0; served < count; ++served) {
    const int connection = accept(listener, NULL, NULL);
    if (connection < 0) return fail("accept");
    char line[256];
    size_t size = 0;
    while (size < sizeof line - 1) {
      const ssize_t n = recv(connection, line + size, sizeof line - 1 - size, 0);
      if (n < 0) return fail("recv");
      if (n == 0) break;
      size += (size_t)n;
      if (memchr(line, '\n', size) != NULL) break;
    }
    char reply[300];
    const int length = snprintf(reply, sizeof reply, "echo: %.*s", (int)size, line);
    if (send(connection, reply, (size_t)length, 0) != length) return fail("send");
    if (shutdown(connection, SHUT_RDWR) != 0) return fail("shutdown");
    close(connection);
  }
  // Not a connection: a socket call on it fails as on any file.
  if (recv(0, NULL, 0, 0) >= 0 || errno != ENOTSOCK) return fail("recv on stdin");
  printf("served %d\n", count);
  return 0;
}
