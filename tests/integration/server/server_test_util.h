// tests/integration/server/server_test_util.h — what every kilnd test
// shares: a fixture that starts a real daemon, one-line wrappers around the
// generated stubs (each call with a deadline, so a hung daemon fails the
// test instead of stalling it), and the wasm modules the tests send.
#ifndef KILN_TESTS_INTEGRATION_SERVER_SERVER_TEST_UTIL_H_
#define KILN_TESTS_INTEGRATION_SERVER_SERVER_TEST_UTIL_H_

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "gtest/gtest.h"
#include "kiln/v1/admin_service.grpc.pb.h"
#include "module_builder.h"
#include "kiln/v1/compile_service.grpc.pb.h"
#include "kiln/v1/execution_service.grpc.pb.h"
#include "kilnd_process.h"

namespace kiln::server_test {

using Bytes = std::vector<uint8_t>;

template <typename Response>
struct Reply {
  grpc::Status status;
  Response response;
};

// "INVALID_ARGUMENT: message", for failure output.
std::string Describe(const grpc::Status& status);

#define EXPECT_RPC_OK(reply) EXPECT_TRUE((reply).status.ok()) << Describe((reply).status)
#define ASSERT_RPC_OK(reply) ASSERT_TRUE((reply).status.ok()) << Describe((reply).status)

// ---- modules ---------------------------------------------------------------

Bytes ReadFileBytes(const std::string& path);
// samples/fib.wasm: fib, fib_indirect: [i32] -> [i64] (fib(20) = 6765), memory.
// The body of [] -> [i32]: grows memory a page at a time until memory.grow
// refuses, then returns memory.size.
wasm::test::Encoder GrowMemoryUntilRefused();
Bytes FibModule();
// `count` functions [i32] -> [i32] of `work` additions each (enough bodies
// for several compile batches); `changed` gets other constants (its size
// kept).
Bytes AdditionChains(uint32_t count, uint32_t work, uint32_t changed = UINT32_MAX);
// samples/invalid.wasm: a type mismatch in function 0.
Bytes InvalidModule();
// tests/integration/modules/imports.wasm: imports env.log and env.memory.
Bytes ImportsModule();
// tests/integration/modules/start_trap.wasm: its start function traps.
Bytes StartTrapModule();
// Exports "get": [] -> [i32] returning `value`: distinct modules on demand.
Bytes ConstModule(int32_t value);
// ConstModule(0) plus a memory holding a data segment of `data_bytes`
// bytes: a module, and an artifact, as large as a test needs.
Bytes DataModule(uint32_t data_bytes);
// Hostile guests, one module:
//   spin    [] -> []          loops forever
//   bomb    [] -> [i32]       grows memory a page at a time until
//                             memory.grow says -1; returns the pages
//   recurse [] -> []          calls itself forever
//   div     [i32 i32] -> [i32]  i32.div_s
Bytes HostileModule();

v1::Value I32(int32_t v);
v1::Value I64(int64_t v);

// ---- the fixture -----------------------------------------------------------

class KilndTest : public ::testing::Test {
 protected:
  // Starts kilnd with a fresh cache folder and small limits, then `extra`
  // flags (which win over the defaults here).
  void StartDaemon(const std::vector<std::string>& extra = {});
  // Starts kilnd with exactly `args` (besides --listen), e.g. on an old
  // cache folder.
  void StartDaemonWithArgs(const std::vector<std::string>& args);

  // Talks to the daemon through `channel` from now on.
  void UseChannel(std::shared_ptr<grpc::Channel> channel);

  const std::string& cache_dir() const { return cache_dir_; }
  KilndProcess& daemon() { return *daemon_; }

  // Each call gets a 30 s deadline and, when set, `token_` as its bearer.
  void Prepare(grpc::ClientContext& context,
               std::chrono::milliseconds deadline = std::chrono::seconds(30)) const;

  Reply<v1::CompileResponse> Compile(const Bytes& module, const v1::CompileOptions& options = {},
                                     bool return_artifact = false);
  // Sends `module` in `chunk`-byte pieces; `declare_size` fills module_size.
  Reply<v1::CompileResponse> CompileStream(const Bytes& module, size_t chunk, bool declare_size,
                                           bool return_artifact = false);
  // The artifact's bytes, all chunks together; `total_size` from the first.
  Reply<std::string> GetArtifact(const std::string& key, uint64_t* total_size = nullptr,
                                 int* chunks = nullptr);
  Reply<v1::FindMissingResponse> FindMissing(const std::vector<std::string>& keys);
  Reply<v1::GetFingerprintResponse> GetFingerprint(const v1::CompileOptions& options = {});

  Reply<v1::InstantiateResponse> Instantiate(const Bytes& module,
                                             const v1::StoreLimits& limits = {});
  Reply<v1::InstantiateResponse> InstantiateByKey(const std::string& key);
  Reply<v1::InvokeResponse> Invoke(const std::string& instance, const std::string& name,
                                   const std::vector<v1::Value>& args = {});
  Reply<v1::DropInstanceResponse> DropInstance(const std::string& instance);
  Reply<v1::ExecuteResponse> Execute(const Bytes& module, const std::string& name,
                                     const std::vector<v1::Value>& args = {},
                                     const v1::StoreLimits& limits = {});
  Reply<v1::StatsResponse> Stats();

  // Waits until `count` requests besides its own Stats calls have started
  // in the daemon since `baseline` (Stats().response.requests(), read
  // before sending them). A request whose handler has started is in flight
  // however fast or slow the machine is, which no sleep can promise. False
  // if that has not happened after 30 s.
  bool WaitForRequestsStarted(uint64_t baseline, uint64_t count);

  // A compile the daemon was seen running.
  struct CompileSeenInFlight {
    Bytes module;
    uint32_t functions = 0;
    std::future<Reply<v1::CompileResponse>> reply;
  };
  // Compiles generated modules (module_generator.h), `functions` functions
  // and twice as many each time, with seeds from `seed` on, until Stats
  // sees one in flight; no size is assumed to be slow enough, since a fast
  // machine finishes a small compile before any Stats call sees it. Fails
  // the test (reply invalid) after 8 sizes.
  CompileSeenInFlight StartCompileSeenInFlight(uint32_t seed, uint32_t functions = 400);
  // grpc.health.v1.Health/Check for the whole server; `*serving` is the
  // status enum (1 SERVING, 2 NOT_SERVING).
  grpc::Status HealthCheck(int* serving);
  // The services server reflection lists (grpc.reflection.v1alpha).
  grpc::Status ReflectedServices(std::string* names);

  TempDir dir_;
  std::string cache_dir_ = dir_.path() + "/cache";
  std::string token_;  // sent as `authorization: Bearer <token_>` when set
  std::unique_ptr<KilndProcess> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CompileService::Stub> compile_;
  std::unique_ptr<v1::ExecutionService::Stub> execution_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

}  // namespace kiln::server_test

#endif  // KILN_TESTS_INTEGRATION_SERVER_SERVER_TEST_UTIL_H_
