// kilnd's compile tiers (baseline, optimized, auto) and CompileWithProgress,
// through the C++ SDK.
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kiln/client/kiln_client.h"
#include "module_builder.h"
#include "server_test_util.h"

namespace kiln::server_test {
namespace {

using ::testing::HasSubstr;

class CompileTiersTest : public KilndTest {
 protected:
  std::unique_ptr<client::KilnClient> Connect() {
    absl::StatusOr<std::unique_ptr<client::KilnClient>> client =
        client::KilnClient::Connect({.target = daemon().address()});
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }
};

TEST_F(CompileTiersTest, BaselineIsTheO0Artifact) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  std::unique_ptr<client::KilnClient> client = Connect();
  ASSERT_NE(client, nullptr);
  const Bytes fib = FibModule();
  // Baseline whatever the opt level asks.
  v1::CompileOptions o2;
  o2.set_opt_level(v1::OPT_LEVEL_O2);
  absl::StatusOr<v1::CompileResponse> baseline =
      client->Compile(fib, o2, false, v1::COMPILE_TIER_BASELINE);
  ASSERT_TRUE(baseline.ok()) << baseline.status();
  EXPECT_EQ(baseline->tier(), v1::COMPILE_TIER_BASELINE);
  EXPECT_FALSE(baseline->optimizing());

  v1::CompileOptions o0;
  o0.set_opt_level(v1::OPT_LEVEL_O0);
  absl::StatusOr<v1::CompileResponse> at_o0 = client->Compile(fib, o0);
  ASSERT_TRUE(at_o0.ok()) << at_o0.status();
  EXPECT_TRUE(at_o0->cache_hit());
  EXPECT_EQ(at_o0->cache_key(), baseline->cache_key());
  EXPECT_EQ(at_o0->tier(), v1::COMPILE_TIER_OPTIMIZED) << "O0 is what an O0 request optimizes to";

  absl::StatusOr<v1::CompileResponse> unknown =
      client->Compile(fib, o2, false, static_cast<v1::CompileTier>(9));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("unknown compile tier 9"));
}

TEST_F(CompileTiersTest, AutoAnswersWithBaselineAndOptimizesInTheBackground) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  std::unique_ptr<client::KilnClient> client = Connect();
  ASSERT_NE(client, nullptr);
  const Bytes module = AdditionChains(300, 20);

  absl::StatusOr<v1::CompileResponse> first =
      client->Compile(module, {}, false, v1::COMPILE_TIER_AUTO);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->tier(), v1::COMPILE_TIER_BASELINE);
  EXPECT_TRUE(first->optimizing());

  // Asking for optimized code waits for the background compile (or, if it
  // has not started, compiles in its place: either way once).
  absl::StatusOr<v1::CompileResponse> optimized =
      client->Compile(module, {}, false, v1::COMPILE_TIER_OPTIMIZED);
  ASSERT_TRUE(optimized.ok()) << optimized.status();
  EXPECT_EQ(optimized->tier(), v1::COMPILE_TIER_OPTIMIZED);
  EXPECT_NE(optimized->cache_key(), first->cache_key());

  // From now on auto answers with the optimized artifact.
  absl::StatusOr<v1::CompileResponse> later =
      client->Compile(module, {}, false, v1::COMPILE_TIER_AUTO);
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->tier(), v1::COMPILE_TIER_OPTIMIZED);
  EXPECT_TRUE(later->cache_hit());
  EXPECT_FALSE(later->optimizing());
  EXPECT_EQ(later->cache_key(), optimized->cache_key());

  // The background job finishes (its compile, or its cache hit) by itself.
  Reply<v1::StatsResponse> stats = Stats();
  for (int i = 0; i < 600 && stats.status.ok() &&
                  stats.response.optimize_queue().finished() + stats.response.optimize_queue().failed() == 0;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stats = Stats();
  }
  ASSERT_RPC_OK(stats);
  EXPECT_EQ(stats.response.baseline_compiles(), 1u);
  EXPECT_EQ(stats.response.optimized_compiles(), 1u);
  EXPECT_EQ(stats.response.optimize_queue().finished(), 1u);
  EXPECT_EQ(stats.response.optimize_queue().failed(), 0u);
  EXPECT_EQ(stats.response.optimize_queue().queued(), 0u);
  EXPECT_THAT(daemon().Log(), HasSubstr("tier=baseline"));
  EXPECT_THAT(daemon().Log(), HasSubstr("optimizing=true"));
}

TEST_F(CompileTiersTest, AutoForAnInvalidModuleIsTheBaselineError) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  std::unique_ptr<client::KilnClient> client = Connect();
  ASSERT_NE(client, nullptr);
  const Bytes junk = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x0a};
  absl::StatusOr<v1::CompileResponse> reply =
      client->Compile(junk, {}, false, v1::COMPILE_TIER_AUTO);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInvalidArgument) << reply.status();
  Reply<v1::StatsResponse> stats = Stats();
  ASSERT_RPC_OK(stats);
  EXPECT_EQ(stats.response.optimize_queue().queued() + stats.response.optimize_queue().running() +
                stats.response.optimize_queue().finished(),
            0u)
      << "an invalid module is not queued for optimizing";
}

TEST_F(CompileTiersTest, CompileWithProgressReportsEveryFunction) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  std::unique_ptr<client::KilnClient> client = Connect();
  ASSERT_NE(client, nullptr);
  const Bytes module = AdditionChains(3000, 20);
  v1::CompileOptions o0;
  o0.set_opt_level(v1::OPT_LEVEL_O0);
  std::vector<std::pair<uint32_t, uint32_t>> updates;
  absl::StatusOr<v1::CompileResponse> reply = client->CompileWithProgress(
      module, o0, v1::COMPILE_TIER_UNSPECIFIED,
      [&](uint32_t done, uint32_t total) { updates.emplace_back(done, total); },
      /*return_artifact=*/true);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_FALSE(reply->cache_hit());
  EXPECT_EQ(reply->stats().defined_functions(), 3000u);
  EXPECT_EQ(reply->artifact().size(), reply->stats().artifact_bytes());
  ASSERT_FALSE(updates.empty());
  // Growing, and ending with every function.
  for (size_t i = 1; i < updates.size(); ++i) EXPECT_GT(updates[i].first, updates[i - 1].first);
  EXPECT_EQ(updates.back(), std::make_pair(3000u, 3000u));

  // A cache hit has nothing to report, and the same artifact.
  updates.clear();
  absl::StatusOr<v1::CompileResponse> hit = client->CompileWithProgress(
      module, o0, v1::COMPILE_TIER_UNSPECIFIED,
      [&](uint32_t done, uint32_t total) { updates.emplace_back(done, total); }, true);
  ASSERT_TRUE(hit.ok()) << hit.status();
  EXPECT_TRUE(hit->cache_hit());
  EXPECT_TRUE(updates.empty());
  EXPECT_TRUE(hit->artifact() == reply->artifact());

  // Errors arrive as the stream's status.
  const Bytes junk = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x0a};
  absl::StatusOr<v1::CompileResponse> bad =
      client->CompileWithProgress(junk, o0, v1::COMPILE_TIER_UNSPECIFIED, {});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << bad.status();
  EXPECT_THAT(daemon().Log(), HasSubstr("method=CompileWithProgress"));
}

}  // namespace
}  // namespace kiln::server_test
