// kiln — the command-line client users run (see kiln_full_main.cc for its
// commands).
//
// This program links neither LLVM nor gRPC, which a process pays for
// before main even when it uses neither: `kiln run` of a module the cache
// already holds (or of an artifact file) runs here, and starts about as
// fast as a native program. Every other command, and every run that needs
// compiling or a kilnd, replaces this process with kiln-full (same
// folder, same arguments), so the two behave as one program.
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "cached_run.h"
#include "kiln/crypto/sha256.h"

namespace {

// Exit status when kiln-full cannot be started (an incomplete install),
// as a shell reports a command it cannot find.
constexpr int kExitNoFullClient = 127;

// kiln-full beside this program's executable.
std::string FullClientPath() {
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "kiln-full";
  std::string path(self, static_cast<size_t>(n));
  const size_t slash = path.rfind('/');
  return path.substr(0, slash + 1) + "kiln-full";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "run") {
    // What a one-shot run need not pay for: abseil's lock-order graph
    // (Debian's abseil checks every mutex for deadlock cycles) and the
    // parts of OpenSSL a cache key's SHA-256 does not use.
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
    kiln::crypto::InitializeForSha256Only();
    const std::vector<std::string> args(argv + 2, argv + argc);
    if (std::optional<int> status = kiln::client::RunFromCache(args)) return *status;
  }
  const std::string full = FullClientPath();
  ::execv(full.c_str(), argv);
  std::fprintf(stderr, "kiln: cannot start %s: %s\n", full.c_str(), std::strerror(errno));
  return kExitNoFullClient;
}
