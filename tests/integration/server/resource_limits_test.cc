// kilnd's resource limits end to end: per-Store tables, the instance limit
// for Execute, and the daemon-wide memory budget (--max-total-memory) for
// instances, uploads and compiles. Each hostile request gets
// RESOURCE_EXHAUSTED naming its limit, and the daemon goes on serving.
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
using wasm::ExternKind;
using wasm::ValType;
using wasm::test::Encoder;
using wasm::test::ModuleBuilder;

class ResourceLimitsTest : public KilndTest {
 protected:
  // fib(20) through Execute, the sign that the daemon serves normally.
  void ExpectServing() {
    Reply<v1::ExecuteResponse> fib = Execute(FibModule(), "fib", {I32(20)});
    ASSERT_RPC_OK(fib);
    ASSERT_TRUE(fib.response.has_results());
    EXPECT_EQ(fib.response.results().values(0).i64(), 6765);
  }
};

// Exports "pages": [] -> [i32], the memory's size; the memory starts with
// `pages` pages.
Bytes MemoryOfPages(uint32_t pages) {
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {ValType::kI32});
  m.AddMemory(pages);
  m.AddExport("pages", ExternKind::kFunc,
              m.AddFunction(type, {}, Encoder().Op(wasm::Opcode::kMemorySize).Byte(0).End()));
  return m.Build();
}

// 2,000 tables of 10 million elements: 160 GB if each table were allowed
// on its own. The Store's limit covers all its tables together, so the
// module is refused before any table exists.
TEST_F(ResourceLimitsTest, TableBombIsRefused) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--max-total-memory", "1G"}));
  ModuleBuilder bomb;
  for (int i = 0; i < 2000; ++i) bomb.AddTable(ValType::kFuncRef, 10'000'000);
  Reply<v1::InstantiateResponse> made = Instantiate(bomb.Build());
  EXPECT_EQ(made.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << Describe(made.status);
  EXPECT_THAT(made.status.error_message(), HasSubstr("2000 tables need 20000000000 elements"));
  EXPECT_THAT(made.status.error_message(), HasSubstr("--max-table-elements"));

  // Within the limit, a Store's tables together are fine.
  ModuleBuilder small;
  for (int i = 0; i < 10; ++i) small.AddTable(ValType::kFuncRef, 1000);
  EXPECT_RPC_OK(Instantiate(small.Build()));
  ExpectServing();
}

// An Execute holds an instance slot while it runs: with two guests
// spinning in Execute, a flood of further Executes (and an Instantiate)
// meets --max-instances, and once the two are cancelled the slots are free
// again.
TEST_F(ResourceLimitsTest, ExecuteFloodMeetsTheInstanceLimit) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--max-instances", "2", "--time-limit-ms", "60000"}));
  const Bytes hostile = HostileModule();
  ASSERT_RPC_OK(Compile(hostile));

  // Two guests that spin until cancelled (the time limit is a minute).
  v1::ExecuteRequest spin;
  spin.mutable_module()->set_module(hostile.data(), hostile.size());
  spin.set_export_name("spin");
  struct Spinner {
    grpc::ClientContext context;
    v1::ExecuteResponse response;
    grpc::Status status;
    std::thread thread;
  };
  std::vector<std::unique_ptr<Spinner>> spinners;
  for (int i = 0; i < 2; ++i) {
    auto spinner = std::make_unique<Spinner>();
    Prepare(spinner->context, std::chrono::seconds(120));
    Spinner* s = spinner.get();
    s->thread = std::thread(
        [this, s, &spin] { s->status = execution_->Execute(&s->context, spin, &s->response); });
    spinners.push_back(std::move(spinner));
  }
  // The barrier: both spinners hold their slots once an Instantiate is
  // refused (one that gets in first is dropped, and the check repeats).
  bool full = false;
  for (int i = 0; i < 600 && !full; ++i) {
    Reply<v1::InstantiateResponse> probe = Instantiate(FibModule());
    if (probe.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      EXPECT_THAT(probe.status.error_message(), HasSubstr("--max-instances"));
      full = true;
    } else {
      ASSERT_RPC_OK(probe);
      ASSERT_RPC_OK(DropInstance(probe.response.instance_id()));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  EXPECT_TRUE(full) << "the spinning Executes never held the instance slots";

  if (full) {
    constexpr int kFlood = 16;
    std::vector<Reply<v1::ExecuteResponse>> flood(kFlood);
    std::vector<std::thread> callers;
    for (int i = 0; i < kFlood; ++i) {
      callers.emplace_back([&, i] { flood[i] = Execute(hostile, "spin"); });
    }
    for (std::thread& caller : callers) caller.join();
    for (const Reply<v1::ExecuteResponse>& reply : flood) {
      EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
          << Describe(reply.status);
      EXPECT_THAT(reply.status.error_message(), HasSubstr("--max-instances"));
    }
  }

  for (const std::unique_ptr<Spinner>& spinner : spinners) spinner->context.TryCancel();
  for (const std::unique_ptr<Spinner>& spinner : spinners) {
    spinner->thread.join();
    EXPECT_EQ(spinner->status.error_code(), grpc::StatusCode::CANCELLED)
        << Describe(spinner->status);
  }
  // The cancelled guests stop within moments, and give their slots back.
  Reply<v1::ExecuteResponse> after;
  for (int i = 0; i < 600; ++i) {
    after = Execute(FibModule(), "fib", {I32(20)});
    if (after.status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_RPC_OK(after);
  EXPECT_EQ(after.response.results().values(0).i64(), 6765);
  Reply<v1::InstantiateResponse> a = Instantiate(FibModule());
  Reply<v1::InstantiateResponse> b = Instantiate(FibModule());
  EXPECT_RPC_OK(a);
  EXPECT_RPC_OK(b);
}

// The budget covers every Store together: two instances that each fit
// their own limit cannot both live in a 64 MiB daemon, a guest's
// memory.grow stops at what the budget has left, and dropping an instance
// gives its memory back.
TEST_F(ResourceLimitsTest, TotalMemoryBudgetCoversAllInstances) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--max-total-memory", "64M", "--max-memory", "64M"}));
  const Bytes big = MemoryOfPages(768);  // 48 MiB
  const Bytes hostile = HostileModule();
  // Compiled while the budget is empty: a compile reserves its estimate too.
  ASSERT_RPC_OK(Compile(big));
  ASSERT_RPC_OK(Compile(hostile));

  Reply<v1::InstantiateResponse> first = Instantiate(big);
  ASSERT_RPC_OK(first);
  Reply<v1::InstantiateResponse> second = Instantiate(big);
  EXPECT_EQ(second.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << Describe(second.status);
  EXPECT_THAT(second.status.error_message(), HasSubstr("--max-total-memory"));
  EXPECT_THAT(second.status.error_message(), HasSubstr("64.0 MiB"));
  EXPECT_EQ(Execute(big, "pages").status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  // memory.grow returns -1 where the budget ends, well before the Store's
  // own 64 MiB (1024 pages).
  Reply<v1::ExecuteResponse> bomb = Execute(hostile, "bomb");
  ASSERT_RPC_OK(bomb);
  ASSERT_TRUE(bomb.response.has_results()) << bomb.response.trap().message();
  EXPECT_GT(bomb.response.results().values(0).i32(), 1);
  EXPECT_LE(bomb.response.results().values(0).i32(), 256);

  ASSERT_RPC_OK(DropInstance(first.response.instance_id()));
  Reply<v1::InstantiateResponse> again = Instantiate(big);
  ASSERT_RPC_OK(again);
  Reply<v1::InvokeResponse> pages = Invoke(again.response.instance_id(), "pages");
  ASSERT_RPC_OK(pages);
  EXPECT_EQ(pages.response.results().values(0).i32(), 768);
  ASSERT_RPC_OK(DropInstance(again.response.instance_id()));
  ExpectServing();
}

// Module bytes count while they arrive: an upload the budget cannot hold
// is refused, declared or not.
TEST_F(ResourceLimitsTest, UploadsAreChargedAsTheyArrive) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--max-total-memory", "32M"}));
  const Bytes large = DataModule(40 << 20);
  for (bool declare_size : {true, false}) {
    Reply<v1::CompileResponse> sent = CompileStream(large, 1 << 20, declare_size);
    EXPECT_EQ(sent.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << "declared: " << declare_size << ": " << Describe(sent.status);
    EXPECT_THAT(sent.status.error_message(), HasSubstr("receiving this module"));
    EXPECT_THAT(sent.status.error_message(), HasSubstr("--max-total-memory"));
  }
  ExpectServing();
}

// A 100 MB module of large function bodies, streamed through the SDK to a
// daemon whose whole budget is 256 MiB: LLVM would need several times
// that, so the compile is refused from the module's section headers,
// before anything is decoded.
TEST_F(ResourceLimitsTest, CompileLargerThanTheBudgetIsRefused) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--max-total-memory", "256M"}));
  ModuleBuilder m;
  const uint32_t type = m.AddType({ValType::kI32}, {ValType::kI32});
  // i32 arithmetic on the parameter, 10 bytes a round, 1 MiB a body.
  Encoder body;
  for (int i = 0; i < (1 << 20) / 10; ++i) {
    body.LocalGet(0)
        .I32Const(3)
        .Op(wasm::Opcode::kI32Mul)
        .LocalGet(0)
        .Op(wasm::Opcode::kI32Add)
        .LocalSet(0);
  }
  body.LocalGet(0).End();
  for (int f = 0; f < 100; ++f) m.AddFunction(type, {}, body);
  const Bytes module = m.Build();
  ASSERT_GT(module.size(), 100u << 20);

  absl::StatusOr<std::unique_ptr<client::KilnClient>> client =
      client::KilnClient::Connect({.target = daemon().address()});
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<v1::CompileResponse> compiled = (*client)->Compile(module);
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kResourceExhausted) << compiled.status();
  EXPECT_THAT(std::string(compiled.status().message()),
              HasSubstr("compiling this module (100.0 MiB of function bodies"));
  EXPECT_THAT(std::string(compiled.status().message()),
              HasSubstr("more than this daemon's memory budget (--max-total-memory) of 256.0 MiB"));
  ExpectServing();
}

}  // namespace
}  // namespace kiln::server_test
