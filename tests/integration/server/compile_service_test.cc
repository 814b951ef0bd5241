// kilnd's CompileService end to end: a real daemon, real gRPC.
#include <chrono>
#include <future>
#include <iterator>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kiln/cache/cache_key.h"
#include "kiln/runtime/artifact.h"
#include "module_builder.h"
#include "module_generator.h"
#include "server_test_util.h"

namespace kiln::server_test {
namespace {

using ::testing::HasSubstr;

std::string KeyOf(const Bytes& module, const std::string& fingerprint) {
  return cache::CacheKey::ForModule(module, fingerprint).ToHex();
}

std::span<const uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class CompileServiceTest : public KilndTest {};

TEST_F(CompileServiceTest, CompileMissThenHit) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  const Bytes fib = FibModule();
  Reply<v1::CompileResponse> first = Compile(fib);
  ASSERT_RPC_OK(first);
  const v1::CompileResponse& r = first.response;
  EXPECT_FALSE(r.cache_hit());
  EXPECT_FALSE(r.shared());
  EXPECT_FALSE(r.fingerprint().empty());
  EXPECT_EQ(r.cache_key(), KeyOf(fib, r.fingerprint()));
  EXPECT_EQ(r.stats().defined_functions(), 2u);
  EXPECT_EQ(r.stats().module_bytes(), fib.size());
  EXPECT_GT(r.stats().artifact_bytes(), 0u);
  EXPECT_GT(r.stats().code_bytes(), 0u);
  EXPECT_GT(r.stats().compile_micros(), 0u);
  EXPECT_GE(r.stats().total_micros(), r.stats().compile_micros());
  EXPECT_TRUE(r.artifact().empty()) << "return_artifact was not set";

  Reply<v1::CompileResponse> second = Compile(fib);
  ASSERT_RPC_OK(second);
  EXPECT_TRUE(second.response.cache_hit());
  EXPECT_EQ(second.response.cache_key(), r.cache_key());
  EXPECT_EQ(second.response.stats().compile_micros(), 0u);
  EXPECT_EQ(second.response.stats().defined_functions(), 2u);
  EXPECT_EQ(second.response.stats().code_bytes(), r.stats().code_bytes());
  EXPECT_EQ(second.response.stats().artifact_bytes(), r.stats().artifact_bytes());

  // Another opt level is another compiler, hence another key.
  v1::CompileOptions o0;
  o0.set_opt_level(v1::OPT_LEVEL_O0);
  Reply<v1::CompileResponse> third = Compile(fib, o0);
  ASSERT_RPC_OK(third);
  EXPECT_FALSE(third.response.cache_hit());
  EXPECT_NE(third.response.cache_key(), r.cache_key());
  EXPECT_NE(third.response.fingerprint(), r.fingerprint());
}

TEST_F(CompileServiceTest, OneChangedFunctionReusesTheOtherBatchesOfAnyEarlierModule) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  // About 370 KiB of bodies: batches average 64 KiB and hold at most 256.
  // O0 keeps the test quick; the engine tests check O2's inlining.
  v1::CompileOptions o0;
  o0.set_opt_level(v1::OPT_LEVEL_O0);
  Reply<v1::CompileResponse> original = Compile(AdditionChains(4000, 20), o0);
  ASSERT_RPC_OK(original);
  EXPECT_EQ(original.response.stats().functions_reused(), 0u);

  const Bytes changed = AdditionChains(4000, 20, /*changed=*/2000);
  Reply<v1::CompileResponse> edited = Compile(changed, o0, /*return_artifact=*/true);
  ASSERT_RPC_OK(edited);
  EXPECT_FALSE(edited.response.cache_hit());
  EXPECT_GT(edited.response.stats().functions_reused(), 0u);
  EXPECT_LT(edited.response.stats().functions_reused(), 4000u);
  const std::string log = daemon().Log();
  EXPECT_THAT(log, HasSubstr("functions_reused=" +
                             std::to_string(edited.response.stats().functions_reused())));

  // A daemon that never saw the original makes the same artifact.
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--cache-dir", dir_.path() + "/fresh-cache"}));
  Reply<v1::CompileResponse> fresh = Compile(changed, o0, /*return_artifact=*/true);
  ASSERT_RPC_OK(fresh);
  EXPECT_EQ(fresh.response.stats().functions_reused(), 0u);
  EXPECT_EQ(fresh.response.cache_key(), edited.response.cache_key());
  EXPECT_TRUE(fresh.response.artifact() == edited.response.artifact())
      << "the artifact built from reused batches differs from a compile from nothing";
}

TEST_F(CompileServiceTest, ReturnedArtifactIsAValidArtifact) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  Reply<v1::CompileResponse> reply = Compile(FibModule(), {}, /*return_artifact=*/true);
  ASSERT_RPC_OK(reply);
  const std::string& artifact = reply.response.artifact();
  EXPECT_EQ(artifact.size(), reply.response.stats().artifact_bytes());
  absl::StatusOr<runtime::ArtifactInfo> info = runtime::InspectArtifact(AsBytes(artifact));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->fingerprint, reply.response.fingerprint());
  EXPECT_EQ(info->defined_functions, 2u);
  EXPECT_EQ(info->text_bytes, reply.response.stats().code_bytes());
  ASSERT_EQ(info->exports.size(), 3u);
  EXPECT_EQ(info->exports[1].name, "fib");

  // A hit returns the same bytes.
  Reply<v1::CompileResponse> hit = Compile(FibModule(), {}, /*return_artifact=*/true);
  ASSERT_RPC_OK(hit);
  EXPECT_TRUE(hit.response.cache_hit());
  EXPECT_EQ(hit.response.artifact(), artifact);
}

TEST_F(CompileServiceTest, CompileStreamTakesModulesOverTheMessageLimit) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--max-message-size", "1M"}));
  const Bytes big = DataModule(1536 << 10);  // 1.5 MiB of data
  ASSERT_GT(big.size(), 1u << 20);

  Reply<v1::CompileResponse> unary = Compile(big);
  EXPECT_EQ(unary.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << Describe(unary.status);

  Reply<v1::CompileResponse> streamed = CompileStream(big, 256 << 10, /*declare_size=*/true);
  ASSERT_RPC_OK(streamed);
  EXPECT_FALSE(streamed.response.cache_hit());
  EXPECT_EQ(streamed.response.stats().module_bytes(), big.size());
  EXPECT_EQ(streamed.response.cache_key(), KeyOf(big, streamed.response.fingerprint()));

  // Without a declared size, in odd-sized chunks: the same module, a hit.
  Reply<v1::CompileResponse> again = CompileStream(big, 100'000, /*declare_size=*/false);
  ASSERT_RPC_OK(again);
  EXPECT_TRUE(again.response.cache_hit());
  EXPECT_EQ(again.response.cache_key(), streamed.response.cache_key());

  // The artifact (the data segment travels in it) is over one message too:
  // GetArtifact streams it in several chunks, byte for byte.
  uint64_t total_size = 0;
  int chunks = 0;
  Reply<std::string> artifact = GetArtifact(streamed.response.cache_key(), &total_size, &chunks);
  ASSERT_RPC_OK(artifact);
  EXPECT_EQ(artifact.response.size(), streamed.response.stats().artifact_bytes());
  EXPECT_EQ(total_size, artifact.response.size());
  EXPECT_GE(chunks, 2);
  EXPECT_TRUE(runtime::InspectArtifact(AsBytes(artifact.response)).ok());

  // Asking for it inline says where to get it instead.
  Reply<v1::CompileResponse> inline_artifact = CompileStream(big, 256 << 10, true, true);
  EXPECT_EQ(inline_artifact.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(inline_artifact.status.error_message(), HasSubstr("GetArtifact"));
}

TEST_F(CompileServiceTest, GetArtifactStreamsTheCompiledBytes) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  Reply<v1::CompileResponse> compiled = Compile(FibModule(), {}, /*return_artifact=*/true);
  ASSERT_RPC_OK(compiled);
  uint64_t total_size = 0;
  Reply<std::string> fetched = GetArtifact(compiled.response.cache_key(), &total_size);
  ASSERT_RPC_OK(fetched);
  EXPECT_EQ(fetched.response, compiled.response.artifact());
  EXPECT_EQ(total_size, compiled.response.artifact().size());
}

TEST_F(CompileServiceTest, GetArtifactOfUnknownOrMalformedKeys) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  Reply<std::string> unknown = GetArtifact(std::string(64, '0'));
  EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(unknown.status);
  for (const std::string& key :
       {std::string("xyz"), std::string(64, 'A'), std::string(63, '0'), std::string()}) {
    Reply<std::string> malformed = GetArtifact(key);
    EXPECT_EQ(malformed.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << "key \"" << key << "\": " << Describe(malformed.status);
  }
}

TEST_F(CompileServiceTest, FindMissingListsWhatTheCacheLacks) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  Reply<v1::CompileResponse> compiled = Compile(FibModule());
  ASSERT_RPC_OK(compiled);
  const std::string known = compiled.response.cache_key();
  const std::string unknown1(64, 'a');
  const std::string unknown2(64, 'b');
  Reply<v1::FindMissingResponse> reply = FindMissing({unknown2, known, unknown1});
  ASSERT_RPC_OK(reply);
  ASSERT_EQ(reply.response.missing_cache_keys_size(), 2);
  EXPECT_EQ(reply.response.missing_cache_keys(0), unknown2);  // in the order asked
  EXPECT_EQ(reply.response.missing_cache_keys(1), unknown1);

  Reply<v1::FindMissingResponse> none = FindMissing({});
  ASSERT_RPC_OK(none);
  EXPECT_EQ(none.response.missing_cache_keys_size(), 0);

  Reply<v1::FindMissingResponse> malformed = FindMissing({known, "not-a-key"});
  EXPECT_EQ(malformed.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(CompileServiceTest, GetFingerprintMatchesCompileAndKeys) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  Reply<v1::GetFingerprintResponse> fingerprint = GetFingerprint();
  ASSERT_RPC_OK(fingerprint);
  EXPECT_THAT(fingerprint.response.fingerprint(), HasSubstr("llvm="));
  Reply<v1::CompileResponse> compiled = Compile(FibModule());
  ASSERT_RPC_OK(compiled);
  EXPECT_EQ(compiled.response.fingerprint(), fingerprint.response.fingerprint());
  // A client can compute the key itself and ask for the artifact.
  EXPECT_EQ(KeyOf(FibModule(), fingerprint.response.fingerprint()), compiled.response.cache_key());

  v1::CompileOptions baseline;
  baseline.set_cpu("x86-64-v2");
  Reply<v1::GetFingerprintResponse> v2 = GetFingerprint(baseline);
  ASSERT_RPC_OK(v2);
  EXPECT_THAT(v2.response.fingerprint(), HasSubstr("cpu=x86-64-v2"));

  v1::CompileOptions bogus;
  bogus.set_cpu("bogus");
  EXPECT_EQ(GetFingerprint(bogus).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Compile(FibModule(), bogus).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::CompileOptions bad_level;
  bad_level.set_opt_level(static_cast<v1::OptLevel>(42));
  EXPECT_EQ(GetFingerprint(bad_level).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(CompileServiceTest, ModulesNeedingA30FeatureAreUnimplemented) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  wasm::test::ModuleBuilder two_memories;
  two_memories.AddMemory(1);
  two_memories.AddMemory(1);
  Reply<v1::CompileResponse> reply = Compile(two_memories.Build());
  EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(reply.status.error_message(), HasSubstr("multi-memory is not supported yet"));
  EXPECT_RPC_OK(Compile(FibModule()));
}

TEST_F(CompileServiceTest, MalformedAndInvalidModulesAreInvalidArgument) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  Reply<v1::CompileResponse> invalid = Compile(InvalidModule());
  EXPECT_EQ(invalid.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(invalid.status.error_message(), HasSubstr("type mismatch"));
  EXPECT_THAT(invalid.status.error_message(), HasSubstr("byte offset"));

  Bytes truncated = FibModule();
  truncated.resize(truncated.size() / 2);
  Reply<v1::CompileResponse> malformed = Compile(truncated);
  EXPECT_EQ(malformed.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(malformed.status.error_message(), HasSubstr("byte offset"));

  Reply<v1::CompileResponse> garbage = Compile(Bytes{'n', 'o', 't', ' ', 'w', 'a', 's', 'm'});
  EXPECT_EQ(garbage.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  Reply<v1::CompileResponse> empty = Compile(Bytes{});
  EXPECT_EQ(empty.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // Errors are not cached: the daemon still serves, and says the same again.
  EXPECT_EQ(Compile(InvalidModule()).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_RPC_OK(Compile(FibModule()));
}

TEST_F(CompileServiceTest, ModulesOverTheSizeLimitAreResourceExhausted) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--max-module-size", "64K"}));
  const Bytes big = DataModule(100'000);
  EXPECT_EQ(Compile(big).status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Refused on the declared size, and without one as soon as the bytes pass it.
  EXPECT_EQ(CompileStream(big, 16 << 10, true).status.error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(CompileStream(big, 16 << 10, false).status.error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_RPC_OK(Compile(DataModule(1000)));
}

TEST_F(CompileServiceTest, ConcurrentRequestsCompileEachModuleOnce) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--max-concurrent-compiles", "2"}));
  constexpr int kModules = 8;
  constexpr int kThreads = 32;
  std::vector<Bytes> modules;
  for (int i = 0; i < kModules; ++i) modules.push_back(ConstModule(1000 + i));
  Reply<v1::GetFingerprintResponse> fingerprint = GetFingerprint();
  ASSERT_RPC_OK(fingerprint);

  std::mutex mutex;
  std::map<int, std::set<std::string>> artifacts;  // by module
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread compiles two overlapping modules, in different orders.
      for (int m : {t % kModules, (t + 3) % kModules}) {
        Reply<v1::CompileResponse> reply = Compile(modules[m], {}, /*return_artifact=*/true);
        std::lock_guard lock(mutex);
        if (!reply.status.ok()) {
          failures.push_back(Describe(reply.status));
          continue;
        }
        if (reply.response.cache_key() != KeyOf(modules[m], fingerprint.response.fingerprint())) {
          failures.push_back("wrong key for module " + std::to_string(m));
        }
        if (!runtime::InspectArtifact(AsBytes(reply.response.artifact())).ok()) {
          failures.push_back("bad artifact for module " + std::to_string(m));
        }
        artifacts[m].insert(reply.response.artifact());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_TRUE(failures.empty()) << failures.front();
  ASSERT_EQ(artifacts.size(), static_cast<size_t>(kModules));
  for (const auto& [m, bytes] : artifacts) {
    EXPECT_EQ(bytes.size(), 1u) << "module " << m << " got different artifacts";
  }
  Reply<v1::StatsResponse> stats = Stats();
  ASSERT_RPC_OK(stats);
  EXPECT_EQ(stats.response.compiles(), static_cast<uint64_t>(kModules));
  EXPECT_EQ(stats.response.compile_errors(), 0u);
}

// A caller that gives up while its compile waits, for another request's
// compile of the same module or for a compile slot, is let go at once: its
// answer comes while the compile it waited for still runs, which carries
// on and is cached.
TEST_F(CompileServiceTest, CallersThatGiveUpStopWaiting) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--threads", "1", "--max-concurrent-compiles", "1"}));
  auto compile_with_deadline = [&](const Bytes& module) {
    v1::CompileRequest request;
    request.set_module(module.data(), module.size());
    v1::CompileResponse response;
    grpc::ClientContext context;
    Prepare(context, std::chrono::milliseconds(300));
    return compile_->Compile(&context, request, &response);
  };
  // Both must give up while the leader still compiles; a leader that ends
  // first (a fast machine) proves nothing, so a larger one goes next.
  CompileSeenInFlight leader;
  bool meaningful = false;
  int gave_up = 0;  // answers DEADLINE_EXCEEDED, which the log must show
  for (int32_t attempt = 1; !meaningful && attempt <= 4; ++attempt) {
    const uint32_t functions = 400u << (2 * (attempt - 1));
    leader = StartCompileSeenInFlight(11 * functions, functions);
    ASSERT_TRUE(leader.reply.valid());
    // Shares the leader's flight, then gives up.
    const grpc::StatusCode shared = compile_with_deadline(leader.module).error_code();
    // Waits for the only compile slot, then gives up.
    const grpc::StatusCode queued = compile_with_deadline(ConstModule(attempt)).error_code();
    gave_up += (shared == grpc::StatusCode::DEADLINE_EXCEEDED) +
               (queued == grpc::StatusCode::DEADLINE_EXCEEDED);
    Reply<v1::StatsResponse> during = Stats();
    ASSERT_RPC_OK(during);
    meaningful = during.response.compiles_in_flight() == 1 &&
                 leader.reply.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
    if (meaningful) {
      EXPECT_EQ(shared, grpc::StatusCode::DEADLINE_EXCEEDED);
      EXPECT_EQ(queued, grpc::StatusCode::DEADLINE_EXCEEDED);
    } else {
      ASSERT_RPC_OK(leader.reply.get());
    }
  }
  ASSERT_TRUE(meaningful) << "no compile outlasted two 300 ms waits";

  Reply<v1::CompileResponse> led = leader.reply.get();
  ASSERT_RPC_OK(led);
  EXPECT_FALSE(led.response.cache_hit());
  // The daemon's log has every give-up as such.
  const std::string log = daemon().Log();
  const std::regex gave_up_line("method=Compile .*status=DEADLINE_EXCEEDED");
  EXPECT_EQ(std::distance(std::sregex_iterator(log.begin(), log.end(), gave_up_line),
                          std::sregex_iterator()),
            gave_up)
      << log;
  // The module is cached, and the slot is free again.
  Reply<v1::CompileResponse> hit = Compile(leader.module);
  ASSERT_RPC_OK(hit);
  EXPECT_TRUE(hit.response.cache_hit());
  EXPECT_RPC_OK(Compile(ConstModule(1)));
}

// A leader that gives up stops its compile: the batches not yet started are
// skipped (jit::Compiler's cancellation), so nothing is cached for it and
// the compile slot comes free again long before the compile could finish.
TEST_F(CompileServiceTest, LeaderThatGivesUpStopsItsCompile) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--threads", "1", "--max-concurrent-compiles", "1"}));
  Reply<v1::GetFingerprintResponse> fingerprint = GetFingerprint();
  ASSERT_RPC_OK(fingerprint);
  // A compile that ends before the deadline, or so near it that its last
  // batch had started, is rightly cached and proves nothing: a larger
  // module goes next. Only one that never stops fails every size.
  Bytes large;
  std::string key;
  bool stopped = false;
  for (uint32_t functions = 400; !stopped && functions <= 400 * 16; functions *= 4) {
    large = wasm::bench::GenerateModule({.num_functions = functions, .seed = 12 + functions}).bytes;
    key = cache::CacheKey::ForModule(large, fingerprint.response.fingerprint()).ToHex();
    v1::CompileRequest request;
    request.set_module(large.data(), large.size());
    v1::CompileResponse response;
    grpc::ClientContext context;
    Prepare(context, std::chrono::milliseconds(300));
    if (compile_->Compile(&context, request, &response).error_code() !=
        grpc::StatusCode::DEADLINE_EXCEEDED) {
      continue;
    }
    // The abandoned compile ends (after the batch it was in) without
    // storing anything.
    bool idle = false;
    for (int i = 0; i < 2000 && !idle; ++i) {
      Reply<v1::StatsResponse> stats = Stats();
      idle = stats.status.ok() && stats.response.compiles_in_flight() == 0;
      if (!idle) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(idle);
    Reply<v1::FindMissingResponse> missing = FindMissing({key});
    ASSERT_RPC_OK(missing);
    stopped = missing.response.missing_cache_keys_size() == 1;
  }
  ASSERT_TRUE(stopped) << "every compile abandoned at its deadline was finished and cached";
  // Asked again without a deadline, it compiles in full.
  Reply<v1::CompileResponse> compiled = Compile(large);
  ASSERT_RPC_OK(compiled);
  EXPECT_FALSE(compiled.response.cache_hit());
  EXPECT_EQ(compiled.response.cache_key(), key);
}

}  // namespace
}  // namespace kiln::server_test
