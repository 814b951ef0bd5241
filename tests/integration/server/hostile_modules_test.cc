// Hostile modules through a real kilnd, as a client sends them: each module
// of the corpus (hostile_modules.h) at an implementation limit and just
// past it, huge counts, huge segments, and guests that recurse, spin and
// grow. Each gets a clear status naming what it exceeded and where (or the
// right trap), and after every one the daemon is alive and serving.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hostile_modules.h"
#include "server_test_util.h"

namespace kiln::server_test {
namespace {

using ::testing::HasSubstr;

// kiln/wasm/limits.h's defaults, which kilnd uses.
constexpr uint32_t kMaxFunctionSize = 7'654'321;
constexpr uint32_t kMaxNestingDepth = 10'000;
constexpr uint32_t kMaxBrTableTargets = 65'520;
constexpr uint32_t kMaxLocals = 50'000;
constexpr uint32_t kMaxTables = 100'000;
constexpr uint32_t kMaxTypes = 1'000'000;
constexpr uint32_t kMaxFunctions = 1'000'000;
constexpr uint32_t kMaxGlobals = 1'000'000;
constexpr uint32_t kMaxElementItems = 10'000'000;

class HostileModulesTest : public KilndTest {
 protected:
  // The daemon runs with the fixture's small limits (16 MiB of memory per
  // Store, 2 s per call) in a budget of `total_memory`.
  void Start(const std::string& total_memory = "1G") {
    ASSERT_NO_FATAL_FAILURE(StartDaemon({"--max-total-memory", total_memory}));
  }

  // The daemon process exists and has not exited (a zombie has died).
  bool DaemonAlive() {
    std::ifstream stat(absl::StrCat("/proc/", daemon().pid(), "/stat"));
    std::string pid, comm, state;
    if (!(stat >> pid >> comm >> state)) return false;
    return state != "Z" && state != "X";
  }

  // After each hostile module: alive, healthy, and compiling and running a
  // module it has never seen.
  void ExpectServing(const std::string& after) {
    SCOPED_TRACE("after " + after);
    ASSERT_TRUE(DaemonAlive()) << "kilnd died; its log:\n" << daemon().Log();
    int serving = 0;
    const grpc::Status health = HealthCheck(&serving);
    ASSERT_TRUE(health.ok()) << Describe(health);
    EXPECT_EQ(serving, 1);
    const int32_t value = 1000 + probes_++;
    Reply<v1::ExecuteResponse> probe = Execute(ConstModule(value), "get");
    ASSERT_RPC_OK(probe);
    ASSERT_TRUE(probe.response.has_results()) << probe.response.trap().message();
    EXPECT_EQ(probe.response.results().values(0).i32(), value);
  }

  // Compile must fail with `code` and a message holding every one of `has`.
  void ExpectCompileRefused(const std::string& what, const Bytes& module, grpc::StatusCode code,
                            const std::vector<std::string>& has) {
    SCOPED_TRACE(what);
    Reply<v1::CompileResponse> reply = Compile(module);
    EXPECT_EQ(reply.status.error_code(), code) << Describe(reply.status);
    for (const std::string& text : has) EXPECT_THAT(reply.status.error_message(), HasSubstr(text));
    ExpectServing(what);
  }

  // Compile must succeed; then Execute `name` (with `args`) gives `result`
  // (its i32, or i64 when `i64`).
  void ExpectRuns(const std::string& what, const Bytes& module, const std::string& name,
                  const std::vector<v1::Value>& args, int64_t result, bool i64 = false) {
    SCOPED_TRACE(what);
    Reply<v1::CompileResponse> compiled = Compile(module);
    EXPECT_RPC_OK(compiled);
    if (compiled.status.ok()) {
      Reply<v1::ExecuteResponse> ran = Execute(module, name, args);
      EXPECT_RPC_OK(ran);
      EXPECT_TRUE(ran.status.ok() && ran.response.cache_hit()) << "not the compiled artifact";
      if (ran.status.ok()) {
        ASSERT_TRUE(ran.response.has_results()) << ran.response.trap().message();
        if (i64) {
          EXPECT_EQ(ran.response.results().values(0).i64(), result);
        } else {
          EXPECT_EQ(ran.response.results().values(0).i32(), result);
        }
      }
    }
    ExpectServing(what);
  }

  // Execute `name` must end in a trap of `kind` whose message has `has`.
  void ExpectTrap(const std::string& what, const Bytes& module, const std::string& name,
                  const std::vector<v1::Value>& args, v1::TrapKind kind, const std::string& has,
                  const v1::StoreLimits& limits = {}) {
    SCOPED_TRACE(what);
    Reply<v1::ExecuteResponse> ran = Execute(module, name, args, limits);
    ASSERT_RPC_OK(ran);
    ASSERT_TRUE(ran.response.has_trap()) << "no trap";
    EXPECT_EQ(ran.response.trap().kind(), kind) << ran.response.trap().message();
    EXPECT_THAT(ran.response.trap().message(), HasSubstr(has));
    ExpectServing(what);
  }

  // Execute must fail with `code` and a message holding every one of `has`.
  void ExpectExecuteRefused(const std::string& what, const Bytes& module, const std::string& name,
                            grpc::StatusCode code, const std::vector<std::string>& has) {
    SCOPED_TRACE(what);
    Reply<v1::ExecuteResponse> ran = Execute(module, name);
    EXPECT_EQ(ran.status.error_code(), code) << Describe(ran.status);
    for (const std::string& text : has) EXPECT_THAT(ran.status.error_message(), HasSubstr(text));
    ExpectServing(what);
  }

  int probes_ = 0;
};

// One function body at the largest size allowed, and one byte over. The
// at-limit compile's memory estimate (kiln/server/compile_memory.h) is about
// 1.1 GiB, so this daemon's budget is 2 GiB; a 512 MiB daemon refuses it
// outright, naming its budget. The body at the limit is dense (a few
// br_tables): 7.6 million nops would take half a minute of a loaded
// 2-core machine to translate, too slow for this test, though the daemon
// copes (and a caller can give up on it).
TEST_F(HostileModulesTest, FunctionBodyAtAndOverTheSizeLimit) {
  ASSERT_NO_FATAL_FAILURE(Start("2G"));
  ExpectRuns("body at the limit", hostile::DenseFunctionOfBodySize(kMaxFunctionSize), "f", {}, 7);
  for (const Bytes& over : {hostile::DenseFunctionOfBodySize(kMaxFunctionSize + 1),
                            hostile::FunctionOfBodySize(kMaxFunctionSize + 1)}) {
    ExpectCompileRefused("body over the limit", over, grpc::StatusCode::INVALID_ARGUMENT,
                         {absl::StrCat("function body of ", kMaxFunctionSize + 1,
                                       " bytes exceeds the limit of ", kMaxFunctionSize),
                          "(at byte offset "});
  }
}

TEST_F(HostileModulesTest, BodyTooBigForTheCompileBudget) {
  ASSERT_NO_FATAL_FAILURE(Start("512M"));
  ExpectCompileRefused("body at the limit, small budget",
                       hostile::DenseFunctionOfBodySize(kMaxFunctionSize),
                       grpc::StatusCode::RESOURCE_EXHAUSTED, {"--max-total-memory"});
}

// Blocks nested as deep as allowed (the function's own block counts as one
// of kMaxNestingDepth), and one deeper.
TEST_F(HostileModulesTest, NestingAtAndOverTheLimit) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ExpectRuns("nesting at the limit", hostile::NestedBlocks(kMaxNestingDepth - 1), "f", {}, 1);
  ExpectCompileRefused("nesting over the limit", hostile::NestedBlocks(kMaxNestingDepth),
                       grpc::StatusCode::INVALID_ARGUMENT,
                       {absl::StrCat("blocks nested deeper than ", kMaxNestingDepth),
                        "(at byte offset ", ", function 0)"});
  // Far past the limit: refused just the same, never a stack overflow.
  ExpectCompileRefused(
      "nesting of a million", hostile::NestedBlocks(1'000'000), grpc::StatusCode::INVALID_ARGUMENT,
      {absl::StrCat("blocks nested deeper than ", kMaxNestingDepth), ", function 0)"});
}

TEST_F(HostileModulesTest, BrTableAtAndOverTheLimit) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const Bytes at_limit = hostile::BrTable(kMaxBrTableTargets);
  ExpectRuns("br_table at the limit, a target", at_limit, "f", {I32(kMaxBrTableTargets - 1)},
             (kMaxBrTableTargets - 1) % 15);
  ExpectRuns("br_table at the limit, the default", at_limit, "f", {I32(kMaxBrTableTargets)}, -1);
  ExpectCompileRefused("br_table over the limit", hostile::BrTable(kMaxBrTableTargets + 1),
                       grpc::StatusCode::INVALID_ARGUMENT,
                       {absl::StrCat("too many br_table targets: ", kMaxBrTableTargets + 1,
                                     " exceeds the limit of ", kMaxBrTableTargets),
                        "(at byte offset "});
}

TEST_F(HostileModulesTest, LocalsAtAndOverTheLimit) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ExpectRuns("locals at the limit", hostile::ManyLocals(kMaxLocals), "f", {}, 1);
  ExpectCompileRefused("locals over the limit", hostile::ManyLocals(kMaxLocals + 1),
                       grpc::StatusCode::INVALID_ARGUMENT,
                       {absl::StrCat("too many locals: more than ", kMaxLocals), "(at byte offset ",
                        ", function 0)"});
  // Every one of the 50,000 locals live at once.
  constexpr int64_t n = kMaxLocals;
  ExpectRuns("50,000 locals used", hostile::LocalsUsed(kMaxLocals), "f", {}, n * (n - 1) / 2,
             /*i64=*/true);
}

// 100,000 tables (the limit), and one more.
TEST_F(HostileModulesTest, OneHundredThousandTables) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ExpectRuns("tables at the limit", hostile::ManyTables(kMaxTables, 1), "f", {}, 1);
  ExpectCompileRefused(
      "tables over the limit", hostile::ManyTables(kMaxTables + 1, 1),
      grpc::StatusCode::INVALID_ARGUMENT,
      {absl::StrCat("too many tables: ", kMaxTables + 1, " exceeds the limit of ", kMaxTables),
       "(at byte offset "});
  // Within the count, past the Store's elements (--max-table-elements).
  ExpectExecuteRefused("tables over the element limit", hostile::ManyTables(kMaxTables, 1000), "f",
                       grpc::StatusCode::RESOURCE_EXHAUSTED, {"--max-table-elements"});
}

// 100,000 distinct signatures, and past the limit on types.
TEST_F(HostileModulesTest, HundredThousandTypes) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ExpectRuns("100,000 types", hostile::ManyTypes(100'000), "f", {}, 100'000);
  ExpectCompileRefused(
      "types over the limit", hostile::ManyTypes(kMaxTypes + 1), grpc::StatusCode::INVALID_ARGUMENT,
      {absl::StrCat("too many types: ", kMaxTypes + 1, " exceeds the limit of ", kMaxTypes),
       "(at byte offset "});
}

// 100,000 globals, and past the limit on globals.
TEST_F(HostileModulesTest, HundredThousandGlobals) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ExpectRuns("100,000 globals", hostile::ManyGlobals(100'000), "f", {}, 99'999);
  ExpectCompileRefused(
      "globals over the limit", hostile::ManyGlobals(kMaxGlobals + 1),
      grpc::StatusCode::INVALID_ARGUMENT,
      {absl::StrCat("too many globals: ", kMaxGlobals + 1, " exceeds the limit of ", kMaxGlobals),
       "(at byte offset "});
}

// 100,000 functions: valid, and far more work than a caller with a short
// deadline waits for (at O2 a minute or more of LLVM on two cores). The
// caller gets DEADLINE_EXCEEDED, the daemon abandons the compile rather
// than finishing it for no one, and serves on; past the limit on
// functions, the module is refused before anything is compiled.
TEST_F(HostileModulesTest, HundredThousandFunctions) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const Bytes module = hostile::ManyFunctions(100'000);
  {
    v1::CompileRequest request;
    request.set_module(module.data(), module.size());
    v1::CompileResponse response;
    grpc::ClientContext context;
    Prepare(context, std::chrono::seconds(3));
    const grpc::Status status = compile_->Compile(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << Describe(status);
  }
  ExpectServing("100,000 functions past the deadline");
  // The abandoned compile stops within moments (it checks between
  // batches, of at most 1,024 functions), not after the minutes it would
  // have taken; batches of 64 KiB of these tiny bodies held a pool thread
  // for half a minute and more.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  Reply<v1::StatsResponse> stats = Stats();
  while (stats.status.ok() && stats.response.compiles_in_flight() > 0 &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stats = Stats();
  }
  ASSERT_RPC_OK(stats);
  EXPECT_EQ(stats.response.compiles_in_flight(), 0u) << "the abandoned compile is still running";
  ExpectCompileRefused("functions over the limit", hostile::ManyFunctions(kMaxFunctions + 1),
                       grpc::StatusCode::INVALID_ARGUMENT,
                       {absl::StrCat("too many functions: ", kMaxFunctions + 1,
                                     " exceeds the limit of ", kMaxFunctions),
                        "(at byte offset "});
}

TEST_F(HostileModulesTest, HugeDataSegments) {
  ASSERT_NO_FATAL_FAILURE(Start());
  // Valid modules whose instantiation traps: the segment lies far beyond
  // the one page of memory, or is larger than it.
  ExpectTrap("active data far beyond memory", hostile::ActiveData(1, 0x7fff0000, 16), "f", {},
             v1::TRAP_KIND_MEMORY_OUT_OF_BOUNDS, "out of bounds memory access");
  ExpectTrap("active data larger than memory", hostile::ActiveData(1, 0, 4 << 20), "f", {},
             v1::TRAP_KIND_MEMORY_OUT_OF_BOUNDS, "out of bounds memory access");
  // A 32 MiB passive segment: its last bytes copied in, or a copy past
  // its end.
  constexpr uint32_t kPassive = 32 << 20;
  const Bytes passive = hostile::PassiveData(1, kPassive);
  ExpectRuns("32 MiB passive data", passive, "f", {I32(kPassive - 1000), I32(1000)},
             (kPassive - 1) % 251);
  ExpectTrap("memory.init past the passive segment", passive, "f", {I32(kPassive - 10), I32(11)},
             v1::TRAP_KIND_MEMORY_OUT_OF_BOUNDS, "out of bounds memory access");
}

TEST_F(HostileModulesTest, BigElementSegments) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ExpectRuns("a million elements", hostile::ElementSegment(1'000'000, 1'000'000), "g", {}, 5);
  ExpectTrap("elements beyond the table", hostile::ElementSegment(10, 100'000), "g", {},
             v1::TRAP_KIND_TABLE_OUT_OF_BOUNDS, "out of bounds table access");
  ExpectCompileRefused(
      "elements over the limit", hostile::ElementSegment(1, kMaxElementItems + 1),
      grpc::StatusCode::INVALID_ARGUMENT,
      {absl::StrCat(kMaxElementItems + 1, " exceeds the limit of ", kMaxElementItems),
       "(at byte offset "});
}

TEST_F(HostileModulesTest, HugeMemories) {
  ASSERT_NO_FATAL_FAILURE(Start());
  // 4 GiB at the start: valid, past this daemon's 16 MiB per Store.
  const Bytes four_gib = hostile::MemoryOfMinPages(65536);
  EXPECT_RPC_OK(Compile(four_gib));
  ExpectExecuteRefused("memory of 65536 pages", four_gib, "f", grpc::StatusCode::RESOURCE_EXHAUSTED,
                       {"--max-memory"});
  ExpectCompileRefused("memory of 65537 pages", hostile::MemoryOfMinPages(65537),
                       grpc::StatusCode::INVALID_ARGUMENT,
                       {"memory size must be at most 65536 pages", "(at byte offset "});
}

// Guests that recurse without end, spin without calling anything, and
// grow memory until told no.
TEST_F(HostileModulesTest, RunTimeHostility) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const Bytes module = hostile::RunTimeHostile();
  ASSERT_RPC_OK(Compile(module));
  ExpectTrap("deep recursion", module, "recurse", {I32(0)}, v1::TRAP_KIND_CALL_STACK_EXHAUSTED,
             "call stack exhausted");
  v1::StoreLimits short_call;
  short_call.set_time_limit_ms(300);
  const auto started = std::chrono::steady_clock::now();
  ExpectTrap("an infinite loop", module, "spin", {}, v1::TRAP_KIND_INTERRUPTED, "interrupt",
             short_call);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  ExpectRuns("memory.grow to the limit", module, "grow", {}, (16 << 20) / 65536);
  ExpectRuns("memory.grow past the limit at once", module, "grow_max", {}, -1);
}

}  // namespace
}  // namespace kiln::server_test
