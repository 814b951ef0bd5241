// kiln_load_bench — a load generator for kilnd, written with libkiln-client.
//
//   kiln_load_bench --server HOST:PORT [--functions N] [--requests N] [--invokes N]
//
// Start a daemon first (tests/bench/run_load_bench.sh does it all). Prints:
//   1. Cache-hit Compile returning the artifact of a generated module of N
//      functions (compiled once at O0 first, the miss): latency p50 / p99,
//      requests/s and artifact bytes/s with 1 client and with 16 clients
//      (each client its own channel), --requests per client.
//   2. Invoke of a trivial export with 1 and 16 clients, each on its own
//      instance, --invokes per client: latency p50 / p99 and calls/s.
//   3. A large module not yet cached compiled at O2 through the daemon
//      against the same module compiled in this process with the same
//      compiler options: the daemon's overhead.
// It asserts nothing about timings; it exits 1 if a response is wrong.
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
// calls of `call` (which returns false on a wrong answer).
template <typename Call>
Latencies Drive(const std::string& server, int clients, int per_client, Call call) {
  std::vector<std::unique_ptr<kiln::client::KilnClient>> channels;
  for (int c = 0; c < clients; ++c) channels.push_back(Connect(server));
  std::vector<std::vector<double>> per_thread(clients);
  std::atomic<bool> wrong{false};
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < per_client; ++i) {
        const Clock::time_point t = Clock::now();
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

}  // namespace

int main(int argc, char** argv) {
  std::string server;
  uint32_t functions = 750;
  int requests = 200;
  int invokes = 2000;
  uint32_t large_functions = 3000;
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
    } else {
      Fail("usage: kiln_load_bench --server HOST:PORT [--functions N] [--requests N] "
           "[--invokes N] [--large-functions N]");
    }
  }
  if (server.empty()) Fail("--server HOST:PORT is required");

  // 1. Cache-hit Compile returning the artifact.
  const kiln::wasm::bench::GeneratedModule hit_module =
      kiln::wasm::bench::GenerateModule({.num_functions = functions, .seed = 7});
  kiln::v1::CompileOptions o0;
  o0.set_opt_level(kiln::v1::OPT_LEVEL_O0);
  std::unique_ptr<kiln::client::KilnClient> client = Connect(server);
  absl::StatusOr<kiln::v1::CompileResponse> miss = client->Compile(hit_module.bytes, o0, true);
  if (!miss.ok()) Fail(std::string(miss.status().message()));
  const size_t artifact_bytes = miss->artifact().size();
  const std::string key = miss->cache_key();
  std::printf("cache-hit Compile, artifact of %zu bytes (module of %u functions; the miss took %.0f ms)\n",
              artifact_bytes, functions, miss->stats().total_micros() / 1000.0);
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

  // 2. Invoke of a trivial export, 16 clients on their own instances.
  const std::vector<uint8_t> trivial = TrivialModule();
  std::vector<std::string> instances;
  for (int c = 0; c < 16; ++c) {
    kiln::v1::InstantiateRequest request;
    request.mutable_module()->set_module(trivial.data(), trivial.size());
    absl::StatusOr<kiln::v1::InstantiateResponse> instance = client->Instantiate(request);
    if (!instance.ok()) Fail(std::string(instance.status().message()));
    instances.push_back(instance->instance_id());
  }
  std::printf("Invoke of a trivial export, each client on its own instance, %d calls each\n",
              invokes);
  std::printf("  %-8s %10s %10s %12s\n", "clients", "p50 us", "p99 us", "calls/s");
  for (int clients : {1, 16}) {
    Latencies l = Drive(server, clients, invokes, [&](kiln::client::KilnClient& c, int i) {
      absl::StatusOr<kiln::v1::InvokeResponse> r = c.Invoke(instances[i], "answer", {});
      return r.ok() && r->has_results() && r->results().values_size() == 1 &&
             r->results().values(0).i32() == 42;
    });
    std::printf("  %-8d %10.0f %10.0f %12.0f\n", clients, l.Percentile(0.5), l.Percentile(0.99),
                l.micros.size() / l.wall_seconds);
  }
  for (const std::string& id : instances) client->DropInstance(id).IgnoreError();

  // 3. A large uncached module: through the daemon vs in this process.
  const kiln::wasm::bench::GeneratedModule large = kiln::wasm::bench::GenerateModule(
      {.num_functions = large_functions,
       .seed = static_cast<uint32_t>(Clock::now().time_since_epoch().count())});
  absl::StatusOr<std::unique_ptr<kiln::jit::Compiler>> compiler = kiln::jit::Compiler::Create({});
  if (!compiler.ok()) Fail(std::string(compiler.status().message()));
  Clock::time_point start = Clock::now();
  absl::StatusOr<kiln::wasm::Module> decoded = kiln::wasm::DecodeAndValidate(large.bytes);
  if (!decoded.ok()) Fail(std::string(decoded.status().message()));
  absl::StatusOr<kiln::wasm::CodeImage> image = (*compiler)->Compile(*decoded);
  if (!image.ok()) Fail(std::string(image.status().message()));
  absl::StatusOr<std::vector<uint8_t>> artifact = kiln::jit::WriteArtifact(large.bytes, *image);
  if (!artifact.ok()) Fail(std::string(artifact.status().message()));
  const double local_ms = Micros(Clock::now() - start) / 1000;
  start = Clock::now();
  absl::StatusOr<kiln::v1::CompileResponse> remote = client->Compile(large.bytes, {}, false);
  const double remote_ms = Micros(Clock::now() - start) / 1000;
  if (!remote.ok()) Fail(std::string(remote.status().message()));
  if (remote->cache_hit()) Fail("the large module was already cached");
  if (remote->stats().artifact_bytes() != artifact->size()) Fail("the artifacts differ in size");
  std::printf("Compile at O2 of an uncached module (%u functions, %zu bytes)\n", large_functions,
              large.bytes.size());
  std::printf("  in-process %.0f ms, through kilnd %.0f ms: overhead %+.1f%%\n", local_ms,
              remote_ms, (remote_ms / local_ms - 1) * 100);
  return 0;
}
