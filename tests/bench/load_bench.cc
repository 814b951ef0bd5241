// kiln_load_bench — a load generator for kilnd, written with libkiln-client.
//
//   kiln_load_bench --server HOST:PORT [--functions N] [--requests N] [--invokes N]
//                   [--large-functions N] [--large-rounds N] [--invoke-rate CALLS_PER_S]
//                   [--skip-hit] [--skip-invoke] [--skip-large]
//
// Start a daemon first (tests/bench/run_load_bench.sh does it all). Prints:
//   1. Cache-hit Compile returning the artifact of a generated module of N
//      functions (compiled once at O0 first, the miss): latency p50 / p99,
//      requests/s and artifact bytes/s with 1 client and with 16 clients
//      (each client its own channel), --requests per client.
//   2. Invoke of a trivial export with 1 and 16 clients, each on its own
//      instance, --invokes per client: latency p50 / p99 and calls/s, each
//      client calling again as soon as it has its answer (closed loop); then
//      16 clients calling on a schedule that adds up to --invoke-rate
//      (default 10,000/s; open loop), the latency at that load.
//   3. A large module not yet cached compiled at O2 through the daemon
//      against the same module compiled in this process with the same
//      compiler options, --large-rounds times (default 3), each round a
//      fresh module: the daemon's overhead, the median of the rounds; and
//      the daemon's time beyond its own compile (transfer, hashing, the
//      cache write), timed within one process, so free of the spread
//      between one compile and the next.
// It asserts nothing about timings; it exits 1 if a response is wrong.
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kiln/client/kiln_client.h"
#include "kiln/jit/artifact_writer.h"
#include "kiln/jit/compiler.h"
#include "kiln/wasm/validator.h"
#include "module_builder.h"
#include "module_generator.h"

namespace {

using Clock = std::chrono::steady_clock;

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

struct Latencies {
  std::vector<double> micros;
  double wall_seconds = 0;

  double Percentile(double p) {
    std::sort(micros.begin(), micros.end());
    return micros[std::min(micros.size() - 1, static_cast<size_t>(p * micros.size()))];
  }
};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "kiln_load_bench: %s\n", what.c_str());
  std::exit(1);
}

std::unique_ptr<kiln::client::KilnClient> Connect(const std::string& server) {
  absl::StatusOr<std::unique_ptr<kiln::client::KilnClient>> client =
      kiln::client::KilnClient::Connect({.target = server,
                                         .max_unary_module_bytes = size_t{32} << 20});
  if (!client.ok()) Fail(std::string(client.status().message()));
  return *std::move(client);
}

// Runs `clients` threads, each with its own channel, each doing `per_client`
// calls of `call` (which returns false on a wrong answer). With `rate` 0,
// each client sends its next call when the last one returns (closed loop:
// the most the daemon serves). With a rate in calls/s, the clients send
// on a fixed schedule that adds up to it, whether or not earlier calls
// came back (open loop: the latency a caller sees at that load), and a
// call's latency counts from its scheduled time, so time spent queued
// behind a slow call is not hidden.
template <typename Call>
Latencies Drive(const std::string& server, int clients, int per_client, Call call,
                double rate = 0) {
  std::vector<std::unique_ptr<kiln::client::KilnClient>> channels;
  for (int c = 0; c < clients; ++c) channels.push_back(Connect(server));
  std::vector<std::vector<double>> per_thread(clients);
  std::atomic<bool> wrong{false};
  const Clock::duration interval =
      rate > 0 ? std::chrono::duration_cast<Clock::duration>(
                     std::chrono::duration<double>(clients / rate))
               : Clock::duration::zero();
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      per_thread[c].reserve(per_client);
      // Clients are spread evenly over one interval.
      Clock::time_point next = start + interval * c / clients;
      for (int i = 0; i < per_client; ++i) {
        Clock::time_point t = Clock::now();
        if (rate > 0) {
          if (t < next) std::this_thread::sleep_until(next);
          t = next;
          next += interval;
        }
        if (!call(*channels[c], c)) wrong = true;
        per_thread[c].push_back(Micros(Clock::now() - t));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  Latencies result;
  result.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (const auto& v : per_thread) result.micros.insert(result.micros.end(), v.begin(), v.end());
  if (wrong) Fail("a response was wrong");
  return result;
}

// f() = 42, exported as "answer".
std::vector<uint8_t> TrivialModule() {
  kiln::wasm::test::ModuleBuilder m;
  const uint32_t v_i = m.AddType({}, {kiln::wasm::ValType::kI32});
  const uint32_t f = m.AddFunction(v_i, {}, kiln::wasm::test::Encoder().I32Const(42).End());
  m.AddExport("answer", kiln::wasm::ExternKind::kFunc, f);
  return m.Build();
}

// 1. Cache-hit Compile returning the artifact.
void BenchCacheHits(const std::string& server, kiln::client::KilnClient& client,
                    uint32_t functions, int requests) {
  const kiln::wasm::bench::GeneratedModule hit_module =
      kiln::wasm::bench::GenerateModule({.num_functions = functions, .seed = 7});
  kiln::v1::CompileOptions o0;
  o0.set_opt_level(kiln::v1::OPT_LEVEL_O0);
  absl::StatusOr<kiln::v1::CompileResponse> miss = client.Compile(hit_module.bytes, o0, true);
  if (!miss.ok()) Fail(std::string(miss.status().message()));
  const size_t artifact_bytes = miss->artifact().size();
  const std::string key = miss->cache_key();
  std::printf(
      "cache-hit Compile, artifact of %zu bytes (module of %u functions, %zu bytes; the miss "
      "took %.0f ms)\n",
      artifact_bytes, functions, hit_module.bytes.size(), miss->stats().total_micros() / 1000.0);
  std::printf("  %-8s %10s %10s %12s %12s\n", "clients", "p50 ms", "p99 ms", "requests/s", "MB/s");
  for (int clients : {1, 16}) {
    Latencies l = Drive(server, clients, requests, [&](kiln::client::KilnClient& c, int) {
      absl::StatusOr<kiln::v1::CompileResponse> r = c.Compile(hit_module.bytes, o0, true);
      return r.ok() && r->cache_hit() && r->cache_key() == key &&
             r->artifact().size() == artifact_bytes;
    });
    const double total = static_cast<double>(l.micros.size());
    std::printf("  %-8d %10.3f %10.3f %12.0f %12.0f\n", clients, l.Percentile(0.5) / 1000,
                l.Percentile(0.99) / 1000, total / l.wall_seconds,
                total * artifact_bytes / l.wall_seconds / 1e6);
  }
}

// 2. Invoke of a trivial export, each client on its own instance: closed
// loop with 1 and 16 clients, then 16 clients open loop at `rate`.
void BenchInvoke(const std::string& server, kiln::client::KilnClient& client, int invokes,
                 double rate) {
  const std::vector<uint8_t> trivial = TrivialModule();
  std::vector<std::string> instances;
  for (int c = 0; c < 16; ++c) {
    kiln::v1::InstantiateRequest request;
    request.mutable_module()->set_module(trivial.data(), trivial.size());
    absl::StatusOr<kiln::v1::InstantiateResponse> instance = client.Instantiate(request);
    if (!instance.ok()) Fail(std::string(instance.status().message()));
    instances.push_back(instance->instance_id());
  }
  auto invoke = [&](kiln::client::KilnClient& c, int i) {
    absl::StatusOr<kiln::v1::InvokeResponse> r = c.Invoke(instances[i], "answer", {});
    return r.ok() && r->has_results() && r->results().values_size() == 1 &&
           r->results().values(0).i32() == 42;
  };
  std::printf("Invoke of a trivial export, each client on its own instance, %d calls each\n",
              invokes);
  std::printf("  %-8s %10s %10s %12s\n", "clients", "p50 us", "p99 us", "calls/s");
  for (int clients : {1, 16}) {
    Latencies l = Drive(server, clients, invokes, invoke);
    std::printf("  %-8d %10.0f %10.0f %12.0f\n", clients, l.Percentile(0.5), l.Percentile(0.99),
                l.micros.size() / l.wall_seconds);
  }
  Latencies l = Drive(server, 16, invokes, invoke, rate);
  std::printf("  16, open loop at %.0f calls/s offered: p50 %.0f us, p99 %.0f us, %.0f calls/s\n",
              rate, l.Percentile(0.5), l.Percentile(0.99), l.micros.size() / l.wall_seconds);
  for (const std::string& id : instances) client.DropInstance(id).IgnoreError();
}

// 3. A large uncached module: through the daemon vs in this process. Each
// round compiles a fresh module both ways, alternating which goes first;
// the overhead is the median of the rounds' ratios, since on a shared
// machine one compile of ten seconds varies by more than the overhead.
void BenchLargeCompile(kiln::client::KilnClient& client, uint32_t large_functions, int rounds) {
  absl::StatusOr<std::unique_ptr<kiln::jit::Compiler>> compiler = kiln::jit::Compiler::Create({});
  if (!compiler.ok()) Fail(std::string(compiler.status().message()));
  std::printf("Compile at O2 of an uncached module of %u functions, %d rounds\n", large_functions,
              rounds);
  // "compile" is the daemon's time for what the in-process figure covers
  // (decode, validate, compile, write the artifact): the rest of "kilnd" is
  // transfer, hashing, the cache write and waiting.
  std::printf("  %-6s %10s %14s %10s %14s %10s\n", "round", "bytes", "in-process ms", "kilnd ms",
              "kilnd compile", "overhead");
  std::vector<double> ratios;
  std::vector<double> beyond_compile;  // kilnd ms over its own compile ms
  for (int round = 0; round < rounds; ++round) {
    const kiln::wasm::bench::GeneratedModule large = kiln::wasm::bench::GenerateModule(
        {.num_functions = large_functions,
         .seed = static_cast<uint32_t>(Clock::now().time_since_epoch().count())});
    size_t local_artifact_bytes = 0, remote_artifact_bytes = 0;
    double remote_compile_ms = 0;  // the daemon's own figure for the same work
    auto in_process = [&] {
      const Clock::time_point start = Clock::now();
      absl::StatusOr<kiln::wasm::Module> decoded = kiln::wasm::DecodeAndValidate(large.bytes);
      if (!decoded.ok()) Fail(std::string(decoded.status().message()));
      absl::StatusOr<kiln::wasm::CodeImage> image = (*compiler)->Compile(*decoded);
      if (!image.ok()) Fail(std::string(image.status().message()));
      absl::StatusOr<std::vector<uint8_t>> artifact =
          kiln::jit::WriteArtifact(large.bytes, *image);
      if (!artifact.ok()) Fail(std::string(artifact.status().message()));
      local_artifact_bytes = artifact->size();
      return Micros(Clock::now() - start) / 1000;
    };
    auto through_kilnd = [&] {
      const Clock::time_point start = Clock::now();
      absl::StatusOr<kiln::v1::CompileResponse> remote = client.Compile(large.bytes, {}, false);
      const double ms = Micros(Clock::now() - start) / 1000;
      if (!remote.ok()) Fail(std::string(remote.status().message()));
      if (remote->cache_hit()) Fail("the large module was already cached");
      remote_artifact_bytes = remote->stats().artifact_bytes();
      remote_compile_ms = remote->stats().compile_micros() / 1000.0;
      return ms;
    };
    double local_ms = 0, remote_ms = 0;
    if (round % 2 == 0) {
      local_ms = in_process();
      remote_ms = through_kilnd();
    } else {
      remote_ms = through_kilnd();
      local_ms = in_process();
    }
    if (local_artifact_bytes != remote_artifact_bytes) Fail("the artifacts differ in size");
    ratios.push_back(remote_ms / local_ms);
    beyond_compile.push_back(remote_ms / remote_compile_ms);
    std::printf("  %-6d %10zu %14.0f %10.0f %14.0f %+9.1f%%\n", round + 1, large.bytes.size(),
                local_ms, remote_ms, remote_compile_ms, (ratios.back() - 1) * 100);
  }
  std::sort(ratios.begin(), ratios.end());
  std::sort(beyond_compile.begin(), beyond_compile.end());
  std::printf("  median overhead %+.1f%%\n", (ratios[ratios.size() / 2] - 1) * 100);
  // The same work timed in one process, free of the run-to-run spread.
  std::printf("  median kilnd time beyond its compile %+.2f%%\n",
              (beyond_compile[beyond_compile.size() / 2] - 1) * 100);
}

}  // namespace

int main(int argc, char** argv) {
  // The generator shares the machine's cores with the daemon, so its own
  // costs count against the figures. gRPC reads each megabyte reply into
  // fresh buffers, and glibc's defaults hand freed ones back to the system
  // (munmap, or madvise when shrinking a thread's heap) only to fault them
  // in again for the next reply: more CPU than the reply's copies. This is
  // what any client pulling artifacts at this rate should set; kilnd keeps
  // freed memory the same way while busy.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  std::string server;
  uint32_t functions = 750;
  int requests = 200;
  int invokes = 2000;
  uint32_t large_functions = 3000;
  int large_rounds = 3;
  double invoke_rate = 10000;
  bool run_hit = true, run_invoke = true, run_large = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--server" && i + 1 < argc) {
      server = argv[++i];
    } else if (arg == "--functions" && i + 1 < argc) {
      functions = static_cast<uint32_t>(std::atoi(argv[++i]));
    } else if (arg == "--requests" && i + 1 < argc) {
      requests = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--invokes" && i + 1 < argc) {
      invokes = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--large-functions" && i + 1 < argc) {
      large_functions = static_cast<uint32_t>(std::atoi(argv[++i]));
    } else if (arg == "--large-rounds" && i + 1 < argc) {
      large_rounds = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--invoke-rate" && i + 1 < argc) {
      invoke_rate = std::max(1.0, std::atof(argv[++i]));
    } else if (arg == "--skip-hit") {
      run_hit = false;
    } else if (arg == "--skip-invoke") {
      run_invoke = false;
    } else if (arg == "--skip-large") {
      run_large = false;
    } else {
      Fail("usage: kiln_load_bench --server HOST:PORT [--functions N] [--requests N] "
           "[--invokes N] [--large-functions N] [--large-rounds N] "
           "[--invoke-rate CALLS_PER_S] [--skip-hit] [--skip-invoke] [--skip-large]");
    }
  }
  if (server.empty()) Fail("--server HOST:PORT is required");
  // As in kilnd (see kilnd_main.cc): gRPC's locks are not checked for
  // deadlock cycles.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  std::unique_ptr<kiln::client::KilnClient> client = Connect(server);
  if (run_hit) BenchCacheHits(server, *client, functions, requests);
  if (run_invoke) BenchInvoke(server, *client, invokes, invoke_rate);
  if (run_large) BenchLargeCompile(*client, large_functions, large_rounds);
  return 0;
}
