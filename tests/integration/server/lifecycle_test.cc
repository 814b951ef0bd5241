// kilnd as a process: flags, config file, SIGTERM drain, and a kill -9 in
// the middle of a compile followed by a restart on the same cache folder.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kiln/runtime/artifact.h"
#include "server_test_util.h"

namespace kiln::server_test {
namespace {

using ::testing::HasSubstr;

std::vector<uint8_t> ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class LifecycleTest : public KilndTest {};

TEST_F(LifecycleTest, BadFlagsExitWithStatus2) {
  std::string output;
  EXPECT_EQ(RunKilndToExit({"--bogus"}, &output), 2);
  EXPECT_THAT(output, HasSubstr("unknown flag --bogus"));
  EXPECT_EQ(RunKilndToExit({"--threads", "0"}, &output), 2);
  EXPECT_THAT(output, HasSubstr("--threads"));
  EXPECT_EQ(RunKilndToExit({"--cache-budget", "10X"}, &output), 2);
  // gRPC's synchronous server needs a few threads to poll and serve at all.
  EXPECT_EQ(RunKilndToExit({"--max-call-threads", "2"}, &output), 2);
  EXPECT_THAT(output, HasSubstr("--max-call-threads"));
  EXPECT_THAT(output, HasSubstr("at least 4"));
  EXPECT_EQ(RunKilndToExit({"--listen"}, &output), 2);
  EXPECT_EQ(RunKilndToExit({"--tls-cert", "/nonexistent"}, &output), 2);
  EXPECT_EQ(RunKilndToExit({"--config", "/nonexistent/kilnd.conf"}, &output), 2);
  EXPECT_EQ(RunKilndToExit({"--help"}, &output), 0);
  EXPECT_THAT(output, HasSubstr("usage: kilnd"));
  // Flags that parse but cannot be served are a start-up failure (1).
  EXPECT_EQ(
      RunKilndToExit({"--listen", "127.0.0.1:0", "--auth-token-file", "/nonexistent"}, &output), 1);
  EXPECT_THAT(output, HasSubstr("/nonexistent"));
}

TEST_F(LifecycleTest, ConfigFileWithFlagsOverridingIt) {
  const std::string config = dir_.path() + "/kilnd.conf";
  std::ofstream(config) << "# test settings\n"
                           "cache-dir = "
                        << cache_dir()
                        << "\n"
                           "max-instances = 1   # one at a time\n"
                           "memory-cache = 1M\n";
  ASSERT_NO_FATAL_FAILURE(StartDaemonWithArgs({"--config", config}));
  ASSERT_RPC_OK(Instantiate(FibModule()));
  EXPECT_EQ(Instantiate(FibModule()).status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  daemon_.reset();

  ASSERT_NO_FATAL_FAILURE(StartDaemonWithArgs({"--max-instances", "2", "--config", config}));
  ASSERT_RPC_OK(Instantiate(FibModule()));
  ASSERT_RPC_OK(Instantiate(FibModule()));
  EXPECT_EQ(Instantiate(FibModule()).status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // The file's cache folder is in use: the first daemon's artifact is a hit.
  Reply<v1::CompileResponse> compiled = Compile(FibModule());
  ASSERT_RPC_OK(compiled);
  EXPECT_TRUE(compiled.response.cache_hit());
}

TEST_F(LifecycleTest, SigtermLetsTheCallInFlightFinish) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--time-limit-ms", "1000"}));
  const Bytes hostile = HostileModule();
  ASSERT_RPC_OK(Compile(hostile));
  Reply<v1::StatsResponse> before = Stats();
  ASSERT_RPC_OK(before);
  std::future<Reply<v1::ExecuteResponse>> call =
      std::async(std::launch::async, [&] { return Execute(hostile, "spin"); });
  // SIGTERM once the daemon has taken the call, not after a guess at how
  // long that takes.
  ASSERT_TRUE(WaitForRequestsStarted(before.response.requests(), 1));
  std::optional<int> status = daemon().SignalAndWait(SIGTERM, std::chrono::seconds(20));
  ASSERT_TRUE(status.has_value()) << "kilnd did not exit";
  EXPECT_TRUE(WIFEXITED(*status)) << *status;
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  // It waited for the call, which ran to its time limit: stopped at the
  // SIGTERM it would have run a few milliseconds. (A bound below the
  // limit, which a slow machine only makes longer.)
  Reply<v1::ExecuteResponse> reply = call.get();
  ASSERT_RPC_OK(reply);
  ASSERT_TRUE(reply.response.has_trap());
  EXPECT_EQ(reply.response.trap().kind(), v1::TRAP_KIND_INTERRUPTED);
  EXPECT_GE(reply.response.run_micros(), 500'000u);
  EXPECT_THAT(daemon().Log(), HasSubstr("SIGTERM received"));
}

TEST_F(LifecycleTest, KillDuringCompileThenRestartOnTheSameCache) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--threads", "1"}));
  Reply<v1::CompileResponse> fib = Compile(FibModule());
  ASSERT_RPC_OK(fib);
  ASSERT_RPC_OK(Compile(ConstModule(5)));

  // Once the daemon is seen compiling a module, kill it outright. Should
  // the compile end between that sight and the kill, a new daemon on the
  // same folder tries a larger one.
  Reply<v1::CompileResponse> killed;
  for (uint32_t seed = 7, functions = 400; seed < 10; ++seed, functions *= 4) {
    CompileSeenInFlight compile = StartCompileSeenInFlight(seed * 100, functions);
    ASSERT_TRUE(compile.reply.valid());
    ASSERT_TRUE(daemon().SignalAndWait(SIGKILL, std::chrono::seconds(10)).has_value());
    killed = compile.reply.get();
    if (!killed.status.ok()) break;
    ASSERT_NO_FATAL_FAILURE(StartDaemon({"--threads", "1"}));
  }
  EXPECT_EQ(killed.status.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(killed.status);

  // A new daemon on the same folder serves, and finds what the first cached.
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--threads", "1"}));
  Reply<v1::CompileResponse> again = Compile(FibModule());
  ASSERT_RPC_OK(again);
  EXPECT_TRUE(again.response.cache_hit());
  EXPECT_EQ(again.response.cache_key(), fib.response.cache_key());
  Reply<v1::ExecuteResponse> run = Execute(FibModule(), "fib", {I32(20)});
  ASSERT_RPC_OK(run);
  EXPECT_EQ(run.response.results().values(0).i64(), 6765);

  // Every entry in the folder is whole.
  int entries = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(cache_dir())) {
    if (entry.path().extension() != ".kart") continue;
    ++entries;
    const std::vector<uint8_t> bytes = ReadAll(entry.path());
    absl::StatusOr<runtime::ArtifactInfo> info = runtime::InspectArtifact(bytes);
    EXPECT_TRUE(info.ok()) << entry.path() << ": " << info.status();
  }
  EXPECT_GE(entries, 2);
}

}  // namespace
}  // namespace kiln::server_test
