// kilnd's ExecutionService end to end, hostile guests included.
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "module_builder.h"
#include "server_test_util.h"

namespace kiln::server_test {
namespace {

using std::chrono::steady_clock;
using ::testing::HasSubstr;

class ExecutionServiceTest : public KilndTest {};

TEST_F(ExecutionServiceTest, InstantiateInvokeDrop) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  Reply<v1::InstantiateResponse> made = Instantiate(FibModule());
  ASSERT_RPC_OK(made);
  const v1::InstantiateResponse& r = made.response;
  EXPECT_EQ(r.instance_id().size(), 32u);
  EXPECT_EQ(r.cache_key().size(), 64u);
  EXPECT_FALSE(r.cache_hit());
  EXPECT_FALSE(r.has_start_trap());
  ASSERT_EQ(r.exports_size(), 3);
  EXPECT_EQ(r.exports(0).name(), "memory");
  EXPECT_EQ(r.exports(0).kind(), v1::EXTERN_KIND_MEMORY);
  EXPECT_EQ(r.exports(0).type(), "min 1");
  EXPECT_EQ(r.exports(1).name(), "fib");
  EXPECT_EQ(r.exports(1).kind(), v1::EXTERN_KIND_FUNCTION);
  EXPECT_EQ(r.exports(1).type(), "[i32] -> [i64]");
  ASSERT_EQ(r.exports(1).func_type().params_size(), 1);
  EXPECT_EQ(r.exports(1).func_type().params(0), v1::VALUE_TYPE_I32);
  ASSERT_EQ(r.exports(1).func_type().results_size(), 1);
  EXPECT_EQ(r.exports(1).func_type().results(0), v1::VALUE_TYPE_I64);

  for (auto [n, expected] : {std::pair{20, 6765}, std::pair{10, 55}, std::pair{1, 1}}) {
    Reply<v1::InvokeResponse> call = Invoke(r.instance_id(), "fib", {I32(n)});
    ASSERT_RPC_OK(call);
    ASSERT_TRUE(call.response.has_results());
    ASSERT_EQ(call.response.results().values_size(), 1);
    EXPECT_EQ(call.response.results().values(0).i64(), expected);
  }
  Reply<v1::InvokeResponse> indirect = Invoke(r.instance_id(), "fib_indirect", {I32(50)});
  ASSERT_RPC_OK(indirect);
  EXPECT_EQ(indirect.response.results().values(0).i64(), 12586269025);

  // A second instance of the same module: loaded from the cache.
  Reply<v1::InstantiateResponse> other = Instantiate(FibModule());
  ASSERT_RPC_OK(other);
  EXPECT_TRUE(other.response.cache_hit());
  EXPECT_NE(other.response.instance_id(), r.instance_id());

  EXPECT_RPC_OK(DropInstance(r.instance_id()));
  EXPECT_EQ(Invoke(r.instance_id(), "fib", {I32(1)}).status.error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DropInstance(r.instance_id()).status.error_code(), grpc::StatusCode::NOT_FOUND);
  // The other one is untouched.
  EXPECT_RPC_OK(Invoke(other.response.instance_id(), "fib", {I32(3)}));
}

TEST_F(ExecutionServiceTest, InstantiateByCacheKey) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  Reply<v1::CompileResponse> compiled = Compile(FibModule());
  ASSERT_RPC_OK(compiled);
  Reply<v1::InstantiateResponse> made = InstantiateByKey(compiled.response.cache_key());
  ASSERT_RPC_OK(made);
  EXPECT_TRUE(made.response.cache_hit());
  EXPECT_EQ(made.response.cache_key(), compiled.response.cache_key());
  Reply<v1::InvokeResponse> call = Invoke(made.response.instance_id(), "fib", {I32(20)});
  ASSERT_RPC_OK(call);
  EXPECT_EQ(call.response.results().values(0).i64(), 6765);

  EXPECT_EQ(InstantiateByKey(std::string(64, 'c')).status.error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(InstantiateByKey("c0ffee").status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::InstantiateRequest empty;
  grpc::ClientContext context;
  Prepare(context);
  v1::InstantiateResponse response;
  EXPECT_EQ(execution_->Instantiate(&context, empty, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ExecutionServiceTest, ExecuteRunsOneCall) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  Reply<v1::ExecuteResponse> fib = Execute(FibModule(), "fib", {I32(20)});
  ASSERT_RPC_OK(fib);
  ASSERT_TRUE(fib.response.has_results());
  EXPECT_EQ(fib.response.results().values(0).i64(), 6765);
  EXPECT_EQ(fib.response.cache_key().size(), 64u);
  EXPECT_FALSE(fib.response.cache_hit());
  EXPECT_TRUE(Execute(FibModule(), "fib", {I32(1)}).response.cache_hit());

  // A trap is a result, not an error.
  Reply<v1::ExecuteResponse> div = Execute(HostileModule(), "div", {I32(7), I32(0)});
  ASSERT_RPC_OK(div);
  ASSERT_TRUE(div.response.has_trap());
  EXPECT_EQ(div.response.trap().kind(), v1::TRAP_KIND_INTEGER_DIVIDE_BY_ZERO);
  EXPECT_EQ(div.response.trap().message(), "integer divide by zero");
  Reply<v1::ExecuteResponse> quotient = Execute(HostileModule(), "div", {I32(-7), I32(2)});
  ASSERT_RPC_OK(quotient);
  EXPECT_EQ(quotient.response.results().values(0).i32(), -3);

  // Nothing runs when the call is wrong.
  EXPECT_EQ(Execute(FibModule(), "fob", {I32(1)}).status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Execute(FibModule(), "memory").status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Execute(FibModule(), "fib").status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Execute(InvalidModule(), "f").status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// The wire Trap carries the backtrace: samples/trap.wasm's "div" calls
// "divide", which divides by zero (offsets as wasm-objdump shows them).
TEST_F(ExecutionServiceTest, TrapCarriesItsBacktrace) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  const Bytes module = ReadFileBytes(KILN_SAMPLES_DIR "/trap.wasm");
  Reply<v1::ExecuteResponse> div = Execute(module, "div", {I32(7), I32(0)});
  ASSERT_RPC_OK(div);
  ASSERT_TRUE(div.response.has_trap());
  const v1::Trap& trap = div.response.trap();
  ASSERT_EQ(trap.frames_size(), 2) << trap.DebugString();
  EXPECT_EQ(trap.frames(0).function_index(), 0u);
  EXPECT_EQ(trap.frames(0).function_name(), "divide");
  EXPECT_EQ(trap.frames(0).module_offset(), 0x4cu);
  EXPECT_EQ(trap.frames(1).function_index(), 1u);
  EXPECT_EQ(trap.frames(1).function_name(), "div");
  EXPECT_EQ(trap.frames(1).module_offset(), 0x54u);
  EXPECT_EQ(trap.omitted_frames(), 0u);
}

TEST_F(ExecutionServiceTest, StartFunctionTrapIsAResult) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  Reply<v1::InstantiateResponse> made = Instantiate(StartTrapModule());
  ASSERT_RPC_OK(made);
  EXPECT_TRUE(made.response.instance_id().empty());
  ASSERT_TRUE(made.response.has_start_trap());
  EXPECT_EQ(made.response.start_trap().kind(), v1::TRAP_KIND_UNREACHABLE);
  Reply<v1::ExecuteResponse> executed = Execute(StartTrapModule(), "f");
  ASSERT_RPC_OK(executed);
  ASSERT_TRUE(executed.response.has_trap());
  EXPECT_EQ(executed.response.trap().kind(), v1::TRAP_KIND_UNREACHABLE);
  Reply<v1::StatsResponse> stats = Stats();
  ASSERT_RPC_OK(stats);
  EXPECT_EQ(stats.response.instances_live(), 0u);
}

TEST_F(ExecutionServiceTest, BadCallsAreRefused) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  EXPECT_EQ(Invoke(std::string(32, '0'), "fib", {I32(1)}).status.error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Invoke("", "fib").status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DropInstance(std::string(1000, 'x')).status.error_code(), grpc::StatusCode::NOT_FOUND);

  Reply<v1::InstantiateResponse> made = Instantiate(FibModule());
  ASSERT_RPC_OK(made);
  const std::string id = made.response.instance_id();
  Reply<v1::InvokeResponse> none = Invoke(id, "fib");
  EXPECT_EQ(none.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(none.status.error_message(), HasSubstr("takes 1 argument"));
  EXPECT_EQ(Invoke(id, "fib", {I32(1), I32(2)}).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  Reply<v1::InvokeResponse> wrong_type = Invoke(id, "fib", {I64(1)});
  EXPECT_EQ(wrong_type.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(wrong_type.status.error_message(), HasSubstr("expected i32, got i64"));
  EXPECT_EQ(Invoke(id, "fib", {v1::Value()}).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Invoke(id, "fob", {I32(1)}).status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Invoke(id, "memory").status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // The instance survives all of that.
  Reply<v1::InvokeResponse> good = Invoke(id, "fib", {I32(20)});
  ASSERT_RPC_OK(good);
  EXPECT_EQ(good.response.results().values(0).i64(), 6765);
}

TEST_F(ExecutionServiceTest, ModulesWithImportsAreRefused) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  Reply<v1::InstantiateResponse> made = Instantiate(ImportsModule());
  EXPECT_EQ(made.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(made.status.error_message(), HasSubstr("unresolved import \"env\" \"log\""));
  Reply<v1::ExecuteResponse> executed = Execute(ImportsModule(), "main");
  EXPECT_EQ(executed.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ExecutionServiceTest, StoreLimitsApplyFromTheStart) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--time-limit-ms", "200", "--max-memory", "4M"}));
  // A start function that never returns is interrupted like any call.
  wasm::test::ModuleBuilder spin_start;
  const uint32_t void_type = spin_start.AddType({}, {});
  spin_start.SetStart(
      spin_start.AddFunction(void_type, {}, wasm::test::Encoder().Loop().Br(0).End().End()));
  Reply<v1::InstantiateResponse> spun = Instantiate(spin_start.Build());
  ASSERT_RPC_OK(spun);
  ASSERT_TRUE(spun.response.has_start_trap());
  EXPECT_EQ(spun.response.start_trap().kind(), v1::TRAP_KIND_INTERRUPTED);

  // A memory the Store may not have cannot be made (64 pages = 4 MiB may).
  for (uint32_t pages : {64u, 65u, 65536u}) {
    wasm::test::ModuleBuilder big_memory;
    big_memory.AddMemory(pages);
    Reply<v1::InstantiateResponse> made = Instantiate(big_memory.Build());
    if (pages == 64) {
      EXPECT_RPC_OK(made);
    } else {
      EXPECT_EQ(made.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
          << pages << " pages: " << Describe(made.status);
    }
  }
  Reply<v1::StatsResponse> stats = Stats();
  ASSERT_RPC_OK(stats);
  EXPECT_EQ(stats.response.instances_live(), 1u);
}

TEST_F(ExecutionServiceTest, InstanceLimit) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--max-instances", "2"}));
  Reply<v1::InstantiateResponse> a = Instantiate(FibModule());
  Reply<v1::InstantiateResponse> b = Instantiate(FibModule());
  ASSERT_RPC_OK(a);
  ASSERT_RPC_OK(b);
  EXPECT_EQ(Instantiate(FibModule()).status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_RPC_OK(DropInstance(a.response.instance_id()));
  EXPECT_RPC_OK(Instantiate(FibModule()));
}

TEST_F(ExecutionServiceTest, IdleInstancesExpire) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--idle-instance-timeout-s", "1"}));
  Reply<v1::InstantiateResponse> idle = Instantiate(FibModule());
  Reply<v1::InstantiateResponse> busy = Instantiate(FibModule());
  ASSERT_RPC_OK(idle);
  ASSERT_RPC_OK(busy);
  // `busy` is called back to back, never a second unused, until the
  // daemon expires an instance, which must be `idle`. No pace is assumed:
  // the loop waits for the expiry, however late it comes.
  bool expired = false;
  const auto give_up = steady_clock::now() + std::chrono::seconds(30);
  while (!expired && steady_clock::now() < give_up) {
    ASSERT_RPC_OK(Invoke(busy.response.instance_id(), "fib", {I32(5)}));
    Reply<v1::StatsResponse> stats = Stats();
    ASSERT_RPC_OK(stats);
    expired = stats.response.instances_live() < 2;
  }
  ASSERT_TRUE(expired) << "no instance expired";
  EXPECT_EQ(Invoke(idle.response.instance_id(), "fib", {I32(5)}).status.error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_RPC_OK(Invoke(busy.response.instance_id(), "fib", {I32(5)}));
}

// Guests that loop forever, eat memory, recurse without end or divide by
// zero each get their own trap, within the daemon's limits, while another
// client's calls keep coming back right.
TEST_F(ExecutionServiceTest, HostileGuestsTrapWhileOthersAreServed) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--time-limit-ms", "200", "--max-memory", "4M"}));
  const Bytes hostile = HostileModule();
  Reply<v1::InstantiateResponse> fib = Instantiate(FibModule());
  ASSERT_RPC_OK(fib);
  ASSERT_RPC_OK(Compile(hostile));

  std::atomic<bool> stop{false};
  std::atomic<int> good{0};
  std::atomic<int> bad{0};
  std::thread bystander([&] {
    while (!stop.load()) {
      Reply<v1::InvokeResponse> call = Invoke(fib.response.instance_id(), "fib", {I32(20)});
      if (call.status.ok() && call.response.has_results() &&
          call.response.results().values(0).i64() == 6765) {
        ++good;
      } else {
        ++bad;
      }
    }
  });

  // An endless loop stops at the time limit.
  const steady_clock::time_point start = steady_clock::now();
  Reply<v1::ExecuteResponse> spin = Execute(hostile, "spin");
  const auto spun = steady_clock::now() - start;
  ASSERT_RPC_OK(spin);
  ASSERT_TRUE(spin.response.has_trap());
  EXPECT_EQ(spin.response.trap().kind(), v1::TRAP_KIND_INTERRUPTED);
  // Not before the limit (a bound that a slow machine only makes safer);
  // that the limit ended it is the trap's kind above.
  EXPECT_GE(spun, std::chrono::milliseconds(200));
  EXPECT_GE(spin.response.run_micros(), 150'000u);

  // A lower limit asked for by the request is honoured; a higher one is not.
  v1::StoreLimits short_limit;
  short_limit.set_time_limit_ms(20);
  Reply<v1::ExecuteResponse> short_spin = Execute(hostile, "spin", {}, short_limit);
  ASSERT_RPC_OK(short_spin);
  EXPECT_EQ(short_spin.response.trap().kind(), v1::TRAP_KIND_INTERRUPTED);
  EXPECT_LT(short_spin.response.run_micros(), spin.response.run_micros());

  // memory.grow fails at --max-memory: 4 MiB is 64 pages, whatever was asked.
  v1::StoreLimits greedy;
  greedy.set_max_memory_bytes(uint64_t{1} << 40);
  for (const v1::StoreLimits& limits : {v1::StoreLimits(), greedy}) {
    Reply<v1::ExecuteResponse> bomb = Execute(hostile, "bomb", {}, limits);
    ASSERT_RPC_OK(bomb);
    ASSERT_TRUE(bomb.response.has_results()) << bomb.response.trap().message();
    EXPECT_EQ(bomb.response.results().values(0).i32(), 64);
  }
  v1::StoreLimits small;
  small.set_max_memory_bytes(1 << 20);
  Reply<v1::ExecuteResponse> small_bomb = Execute(hostile, "bomb", {}, small);
  ASSERT_RPC_OK(small_bomb);
  EXPECT_EQ(small_bomb.response.results().values(0).i32(), 16);

  Reply<v1::ExecuteResponse> recurse = Execute(hostile, "recurse");
  ASSERT_RPC_OK(recurse);
  ASSERT_TRUE(recurse.response.has_trap());
  EXPECT_EQ(recurse.response.trap().kind(), v1::TRAP_KIND_CALL_STACK_EXHAUSTED);

  // The same on a live instance, which stays usable after each trap.
  Reply<v1::InstantiateResponse> instance = Instantiate(hostile);
  ASSERT_RPC_OK(instance);
  const std::string id = instance.response.instance_id();
  EXPECT_EQ(Invoke(id, "spin").response.trap().kind(), v1::TRAP_KIND_INTERRUPTED);
  EXPECT_EQ(Invoke(id, "recurse").response.trap().kind(), v1::TRAP_KIND_CALL_STACK_EXHAUSTED);
  EXPECT_EQ(Invoke(id, "div", {I32(1), I32(0)}).response.trap().kind(),
            v1::TRAP_KIND_INTEGER_DIVIDE_BY_ZERO);
  EXPECT_EQ(Invoke(id, "div", {I32(INT32_MIN), I32(-1)}).response.trap().kind(),
            v1::TRAP_KIND_INTEGER_OVERFLOW);
  Reply<v1::InvokeResponse> bomb = Invoke(id, "bomb");
  ASSERT_RPC_OK(bomb);
  EXPECT_EQ(bomb.response.results().values(0).i32(), 64);
  Reply<v1::InvokeResponse> div = Invoke(id, "div", {I32(9), I32(3)});
  ASSERT_RPC_OK(div);
  EXPECT_EQ(div.response.results().values(0).i32(), 3);

  stop = true;
  bystander.join();
  EXPECT_GT(good.load(), 0);
  EXPECT_EQ(bad.load(), 0);
  Reply<v1::ExecuteResponse> after = Execute(FibModule(), "fib", {I32(20)});
  ASSERT_RPC_OK(after);
  EXPECT_EQ(after.response.results().values(0).i64(), 6765);
}

// Polls the daemon's log for up to 30 s (half the time limit the test
// sets) for a line with all of `parts`, in order.
bool LogShowsWithin30s(KilndProcess& daemon, const std::vector<std::string>& parts) {
  const auto start = steady_clock::now();
  while (steady_clock::now() - start < std::chrono::seconds(30)) {
    std::istringstream log(daemon.Log());
    for (std::string line; std::getline(log, line);) {
      size_t at = 0;
      bool all = true;
      for (const std::string& part : parts) {
        at = line.find(part, at);
        if (at == std::string::npos) {
          all = false;
          break;
        }
      }
      if (all) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// A flood of slow calls cannot make the daemon start threads without bound:
// calls beyond --max-call-threads are answered RESOURCE_EXHAUSTED, the
// others run until their callers cancel them, and the daemon serves
// normally afterwards. The guests spin far longer than the test runs, so
// the calls overlap however slowly they arrive.
TEST_F(ExecutionServiceTest, CallsBeyondTheThreadCapAreRefused) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--max-call-threads", "4", "--time-limit-ms", "60000"}));
  const Bytes hostile = HostileModule();
  ASSERT_RPC_OK(Compile(hostile));
  v1::ExecuteRequest request;
  request.mutable_module()->set_module(hostile.data(), hostile.size());
  request.set_export_name("spin");
  constexpr int kCalls = 12;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<grpc::Status> statuses(kCalls);
  std::vector<v1::ExecuteResponse> responses(kCalls);
  std::atomic<int> answered{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    Prepare(*contexts.back(), std::chrono::seconds(120));
    callers.emplace_back([&, i] {
      statuses[i] = execution_->Execute(contexts[i].get(), request, &responses[i]);
      ++answered;
    });
  }
  // At most 4 calls hold the 4 threads, and those answer only when
  // cancelled; every other call is refused as it arrives.
  const auto give_up = steady_clock::now() + std::chrono::seconds(30);
  while (answered.load() < kCalls - 4 && steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(answered.load(), kCalls - 4);
  for (std::unique_ptr<grpc::ClientContext>& context : contexts) context->TryCancel();
  for (std::thread& caller : callers) caller.join();
  int cancelled = 0, refused = 0;
  for (const grpc::Status& status : statuses) {
    if (status.error_code() == grpc::StatusCode::CANCELLED) {
      ++cancelled;
    } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
    } else {
      ADD_FAILURE() << "unexpected reply: " << Describe(status);
    }
  }
  EXPECT_GT(cancelled, 0);
  EXPECT_GT(refused, 0);
  // A cancelled call may not have reached the daemon; the log shows that
  // some ran.
  EXPECT_TRUE(LogShowsWithin30s(daemon(), {"method=Execute", "status=CANCELLED"}))
      << daemon().Log();

  // The cancelled calls' threads come free as their guests are stopped.
  Reply<v1::ExecuteResponse> after;
  for (int i = 0; i < 3000; ++i) {
    after = Execute(FibModule(), "fib", {I32(20)});
    if (after.status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_RPC_OK(after);
  EXPECT_EQ(after.response.results().values(0).i64(), 6765);
}

// A caller that cancels stops its guest: the spinning call ends at once
// for the client, and the daemon interrupts the guest (instead of letting
// it run to the 60 s time limit), so the instance, whose calls take turns,
// answers the next call; the request log shows the call as CANCELLED. The
// same for a guest in Execute.
TEST_F(ExecutionServiceTest, CancelledCallsStopTheirGuest) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--time-limit-ms", "60000"}));
  Reply<v1::InstantiateResponse> made = Instantiate(HostileModule());
  ASSERT_RPC_OK(made);
  const std::string id = made.response.instance_id();

  grpc::ClientContext invoke_context;
  Prepare(invoke_context, std::chrono::seconds(120));
  v1::InvokeRequest spin;
  spin.set_instance_id(id);
  spin.set_export_name("spin");
  v1::InvokeResponse spin_response;
  grpc::Status spin_status;
  std::thread caller(
      [&] { spin_status = execution_->Invoke(&invoke_context, spin, &spin_response); });
  // The spinning call holds the instance once it runs: a short call on the
  // same instance then waits for it and misses its deadline.
  bool spinning = false;
  for (int i = 0; i < 200 && !spinning; ++i) {
    grpc::ClientContext probe_context;
    Prepare(probe_context, std::chrono::milliseconds(100));
    v1::InvokeRequest probe;
    probe.set_instance_id(id);
    probe.set_export_name("div");
    *probe.add_args() = I32(9);
    *probe.add_args() = I32(3);
    v1::InvokeResponse probe_response;
    spinning = execution_->Invoke(&probe_context, probe, &probe_response).error_code() ==
               grpc::StatusCode::DEADLINE_EXCEEDED;
  }
  ASSERT_TRUE(spinning) << "the spinning call never took the instance";
  invoke_context.TryCancel();
  caller.join();
  EXPECT_EQ(spin_status.error_code(), grpc::StatusCode::CANCELLED) << Describe(spin_status);

  // Waits for the spinning call to give the instance up: within the 30 s
  // deadline Invoke sets only if the guest was interrupted.
  Reply<v1::InvokeResponse> next = Invoke(id, "div", {I32(9), I32(3)});
  ASSERT_RPC_OK(next);
  EXPECT_EQ(next.response.results().values(0).i32(), 3);
  EXPECT_TRUE(LogShowsWithin30s(daemon(), {"method=Invoke", "export=spin status=CANCELLED"}))
      << daemon().Log();

  // Execute: the same, through a Store of its own (the cancel may also come
  // before the guest starts; either way the call ends CANCELLED at once).
  const Bytes hostile = HostileModule();
  ASSERT_RPC_OK(Compile(hostile));
  grpc::ClientContext execute_context;
  Prepare(execute_context, std::chrono::seconds(120));
  v1::ExecuteRequest execute;
  execute.mutable_module()->set_module(hostile.data(), hostile.size());
  execute.set_export_name("spin");
  v1::ExecuteResponse execute_response;
  grpc::Status execute_status;
  std::thread executor(
      [&] { execute_status = execution_->Execute(&execute_context, execute, &execute_response); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  execute_context.TryCancel();
  executor.join();
  EXPECT_EQ(execute_status.error_code(), grpc::StatusCode::CANCELLED) << Describe(execute_status);
  EXPECT_TRUE(LogShowsWithin30s(daemon(), {"method=Execute", "status=CANCELLED"}))
      << daemon().Log();
}

// The daemon's resident memory (VmRSS) in bytes.
uint64_t ResidentBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// Instances hold memory only while they live: after 24 instances with 6 MiB
// of initialized memory each are dropped, the daemon's resident memory is
// back near where it was before them, request buffers included, soon after
// the daemon goes idle. The baseline is taken after one such round and an
// idle pause, so that it already holds what the allocator keeps by design
// (the free top of each thread's heap, up to kilnd's trim threshold) and a
// second round shows whether anything stays behind.
TEST_F(ExecutionServiceTest, MemoryReturnsToBaselineAfterDrops) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  const Bytes module = DataModule(6 << 20);
  Reply<v1::InstantiateResponse> first = Instantiate(module);
  ASSERT_RPC_OK(first);
  ASSERT_RPC_OK(DropInstance(first.response.instance_id()));
  const std::string key = first.response.cache_key();

  // Instantiates 24 instances, half by key and half by the module's 6 MiB
  // of bytes (large requests), and returns the resident bytes with all of
  // them live; then drops them.
  auto round = [&]() -> uint64_t {
    std::vector<std::string> ids;
    for (int i = 0; i < 24; ++i) {
      Reply<v1::InstantiateResponse> made =
          i % 2 == 0 ? InstantiateByKey(key) : Instantiate(module);
      EXPECT_TRUE(made.status.ok()) << Describe(made.status);
      if (made.status.ok()) ids.push_back(made.response.instance_id());
    }
    const uint64_t loaded = ResidentBytes(daemon().pid());
    for (const std::string& id : ids) EXPECT_TRUE(DropInstance(id).status.ok());
    return loaded;
  };
  // The heap's free memory goes back once the daemon has been idle for a
  // whole HeapTrimmer period (200 ms), which takes up to two periods.
  constexpr auto kIdle = std::chrono::milliseconds(600);

  round();  // warm up: the module cached and loaded, the pools grown
  std::this_thread::sleep_for(kIdle);
  const uint64_t baseline = ResidentBytes(daemon().pid());
  ASSERT_GT(baseline, 0u);

  const uint64_t loaded = round();
  ASSERT_FALSE(HasFailure());
  // The instances' memories really were resident (24 x 6 MiB of data).
  EXPECT_GT(loaded, baseline + (64u << 20)) << "baseline " << baseline << ", loaded " << loaded;
  Reply<v1::StatsResponse> stats = Stats();
  ASSERT_RPC_OK(stats);
  EXPECT_EQ(stats.response.instances_live(), 0u);
  std::this_thread::sleep_for(kIdle);
  // Allow many periods more on a busy machine: the trimmer runs only once
  // the daemon has been idle for a whole one.
  uint64_t after = ResidentBytes(daemon().pid());
  for (int i = 0; i < 600 && after >= baseline + (16u << 20); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    after = ResidentBytes(daemon().pid());
  }
  EXPECT_LT(after, baseline + (16u << 20)) << "baseline " << baseline << ", after " << after;
}

}  // namespace
}  // namespace kiln::server_test
