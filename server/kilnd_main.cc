// kilnd — Kiln's compilation daemon. See kiln/server/kiln_server.h for what
// it serves and kiln/server/server_config.h (or `kilnd --help`) for flags.
//
// Exit statuses: 0 after a clean drain on SIGTERM/SIGINT (or --help); 1 when
// it cannot start (cache folder, address, files) or a drain overran its
// time; 2 for bad flags.
#include "absl/synchronization/mutex.h"
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kiln/server/kiln_server.h"
#include "kiln/server/server_config.h"
#include "kiln/wasm/version.h"

namespace {

using kiln::server::KilnServer;

// Calls in flight get this long to finish once a stop signal arrives.
constexpr std::chrono::seconds kDrainGrace{30};
// After that they are cancelled; a handler that still does not return (a
// compile inside LLVM cannot be interrupted) gets this much more before the
// process exits anyway. The cache is crash-safe, so nothing is left torn.
constexpr std::chrono::seconds kDrainHardStop{15};

// Wasm runs on gRPC's handler threads, which take the process's default
// thread stack size; it must hold runtime::EngineConfig::max_wasm_stack (1
// MiB) plus the host frames, whatever RLIMIT_STACK says.
constexpr size_t kMinThreadStack = size_t{8} << 20;

void EnsureThreadStacks() {
  pthread_attr_t attr;
  if (pthread_getattr_default_np(&attr) != 0) return;
  size_t size = 0;
  if (pthread_attr_getstacksize(&attr, &size) == 0 && size < kMinThreadStack) {
    pthread_attr_setstacksize(&attr, kMinThreadStack);
    pthread_setattr_default_np(&attr);
  }
  pthread_attr_destroy(&attr);
}

void Log(const std::string& line) {
  std::string text = absl::StrCat("kilnd: ", line, "\n");
  // One write, so the line does not interleave with request lines.
  if (::write(2, text.data(), text.size()) < 0) {
    // Nowhere to report it.
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Stop signals are taken by sigwait below, never by a handler: block them
  // before any thread exists, so that every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A client that disconnects mid-write must not kill the daemon.
  signal(SIGPIPE, SIG_IGN);
  EnsureThreadStacks();
  // Modules and artifacts arrive and leave in buffers of megabytes. glibc
  // would otherwise raise its mmap threshold after the first such buffer is
  // freed and keep later ones in per-thread heaps for good, so the daemon
  // would not shrink back after a burst of large requests. Fixed, buffers
  // of 4 MiB and more are mapped and returned to the system when freed;
  // smaller ones (a typical artifact) stay cheap to reuse on the hot path.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  // Fixing the mmap threshold leaves glibc's trim threshold at 128 KiB: a
  // thread's heap shrank whenever a freed request buffer left that much
  // free at its top, and the next request faulted the pages in again and
  // zeroed them: 190,000 page faults and about 10% more CPU per 5,100 cache
  // hits of 1 MB. A heap now keeps up to 2 MiB free at its top, what a
  // typical request needs; free memory below the tops goes back through
  // HeapTrimmer once the daemon is idle.
  mallopt(M_TRIM_THRESHOLD, 2 << 20);
  // Debian's abseil is built with mutex deadlock detection on, which
  // records every lock taken (gRPC's included) in a global graph: a large
  // cost per call for a check meant for debugging.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  absl::StatusOr<kiln::server::ParsedCommandLine> parsed =
      kiln::server::ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.ok()) {
    std::fprintf(stderr, "kilnd: %s\n(kilnd --help lists the flags)\n",
                 std::string(parsed.status().message()).c_str());
    return 2;
  }
  if (parsed->help) {
    std::fputs(kiln::server::kUsage.data(), stdout);
    return 0;
  }
  const kiln::server::ServerConfig& config = parsed->config;

  absl::StatusOr<std::unique_ptr<KilnServer>> server = KilnServer::Start(config);
  if (!server.ok()) {
    Log(std::string(server.status().message()));
    return 1;
  }
  std::printf("listening on %s\n", (*server)->address().c_str());
  std::fflush(stdout);
  Log(absl::StrCat("Kiln ", std::string(kiln::KilnVersion()), " serving on ", (*server)->address(),
                   "; cache ",
                   config.cache_dir.empty() ? std::string("(memory only)") : config.cache_dir, "; ",
                   config.threads, " compile threads; memory budget ",
                   kiln::runtime::FormatBytes((*server)->memory_budget().limit()), "; auth ",
                   config.auth_token_file.empty() ? "off" : "bearer token", "; tls ",
                   config.tls_cert_file.empty() ? "off" : "on"));

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  Log(absl::StrCat(signal_number == SIGTERM ? "SIGTERM" : "SIGINT",
                   " received; draining calls in flight (", kDrainGrace.count(), " s at most)"));
  std::thread([] {
    std::this_thread::sleep_for(kDrainGrace + kDrainHardStop);
    Log("calls still running after the drain; exiting without them");
    _exit(1);
  }).detach();
  (*server)->Shutdown(kDrainGrace);
  server->reset();
  Log("stopped");
  return 0;
}
