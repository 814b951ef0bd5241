// Epoch interruption: a guest that never returns must be stoppable from
// another thread by advancing the Engine's epoch past the Store's deadline,
// whatever shape its endless loop has, and the Store must stay usable. A
// loop that calls nothing has no check; the runtime's signal stops it
// (runtime/src/guest_signals.h). Each test runs at O0 and O2, whose code
// differs.
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <thread>
#include <variant>

#include "engine_test_util.h"
#include "gtest/gtest.h"

namespace kiln::engine_test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kTickDelay{50};

// Exports:
//   spin        (loop br 0): no call, no memory access, only the back-edge.
//   spin_call   an endless loop that calls `bump` (counter += 1) each time.
//   spin_store  an endless loop storing into memory "mem", no calls.
//   answer      returns 42; counter returns the global.
Bytes SpinModule() {
  ModuleBuilder m;
  const uint32_t void_type = m.AddType({}, {});
  const uint32_t i32_type = m.AddType({}, {ValType::kI32});
  m.AddMemory(1);
  const uint32_t counter = m.AddGlobal(ValType::kI32, true, Encoder().I32Const(0).End());

  const uint32_t bump = m.AddFunction(
      void_type, {},
      Encoder().GlobalGet(counter).I32Const(1).Op(Opcode::kI32Add).GlobalSet(counter).End());
  const uint32_t spin = m.AddFunction(void_type, {}, Encoder().Loop().Br(0).End().End());
  const uint32_t spin_call =
      m.AddFunction(void_type, {}, Encoder().Loop().Call(bump).Br(0).End().End());
  // i = 0; loop { mem[i & 0xffc] = i + 1; i += 4 } — the address stays in
  // the first page, so the loop can only end by interruption.
  const uint32_t spin_store = m.AddFunction(
      void_type, {{1, ValType::kI32}},
      Encoder()
          .Loop()
          .LocalGet(0).I32Const(0xFFC).Op(Opcode::kI32And)
          .LocalGet(0).I32Const(1).Op(Opcode::kI32Add)
          .Mem(Opcode::kI32Store, 2, 0)
          .LocalGet(0).I32Const(4).Op(Opcode::kI32Add).LocalSet(0)
          .Br(0)
          .End()
          .End());
  const uint32_t answer = m.AddFunction(i32_type, {}, Encoder().I32Const(42).End());
  const uint32_t get_counter = m.AddFunction(i32_type, {}, Encoder().GlobalGet(counter).End());

  m.AddExport("mem", ExternKind::kMemory, 0);
  m.AddExport("spin", ExternKind::kFunc, spin);
  m.AddExport("spin_call", ExternKind::kFunc, spin_call);
  m.AddExport("spin_store", ExternKind::kFunc, spin_store);
  m.AddExport("answer", ExternKind::kFunc, answer);
  m.AddExport("counter", ExternKind::kFunc, get_counter);
  return m.Build();
}

struct TickedCall {
  absl::Status status;
  // How many ticks the other thread had made when the call returned: the
  // order of events, which no machine's speed changes.
  int ticks_before_return;
};

// Calls `name` on this thread while a second thread advances the epoch
// `ticks` times, kTickDelay apart. If the engine never notices, the call
// never returns and CTest's timeout fails the test.
TickedCall CallWhileTicking(runtime::Engine& engine, runtime::Store& store,
                            const runtime::Instance& instance, std::string_view name,
                            int ticks = 1) {
  std::atomic<int> ticked{0};
  std::thread ticker([&engine, &ticked, ticks] {
    for (int i = 0; i < ticks; ++i) {
      std::this_thread::sleep_for(kTickDelay);
      // Counted before the epoch moves, so that a call the tick stops
      // always sees it counted.
      ticked.fetch_add(1);
      engine.IncrementEpoch();
    }
  });
  absl::Status status = Invoke(store, instance, name).status();
  const int ticks_before_return = ticked.load();
  ticker.join();
  return {std::move(status), ticks_before_return};
}

jit::CompilerOptions AtLevel(jit::OptLevel level) {
  jit::CompilerOptions options;
  options.opt_level = level;
  return options;
}

std::string LevelName(const ::testing::TestParamInfo<jit::OptLevel>& info) {
  return info.param == jit::OptLevel::kO0 ? "O0" : "O2";
}

class InterruptionTest : public ::testing::TestWithParam<jit::OptLevel> {
 protected:
  void SetUp() override {
    absl::StatusOr<runtime::Instance> instance =
        Instantiate(store_, SpinModule(), {}, AtLevel(GetParam()));
    ASSERT_TRUE(instance.ok()) << instance.status();
    instance_ = *instance;
  }

  // No deadline: far enough ahead that no test reaches it.
  void ClearDeadline() { store_.SetEpochDeadline(~uint64_t{0}); }

  runtime::Engine engine_;
  runtime::Store store_{engine_};
  std::optional<runtime::Instance> instance_;
};

INSTANTIATE_TEST_SUITE_P(OptLevels, InterruptionTest,
                         ::testing::Values(jit::OptLevel::kO0, jit::OptLevel::kO2), LevelName);

TEST_P(InterruptionTest, EmptyLoopIsInterrupted) {
  store_.SetEpochDeadline(1);
  TickedCall call = CallWhileTicking(engine_, store_, *instance_, "spin");
  EXPECT_TRUE(IsTrap(call.status, TrapCode::kInterrupted));
  // It ran until the tick, not less: the trap is the interrupt, not a
  // deadline that was already due.
  EXPECT_EQ(call.ticks_before_return, 1);
}

TEST_P(InterruptionTest, StoreIsUsableAfterInterrupt) {
  store_.SetEpochDeadline(1);
  ASSERT_TRUE(IsTrap(CallWhileTicking(engine_, store_, *instance_, "spin").status,
                     TrapCode::kInterrupted));

  // The deadline stays passed until the host moves it: even a call with no
  // loop is stopped at function entry.
  EXPECT_TRUE(IsTrap(InvokeI32(store_, *instance_, "answer").status(), TrapCode::kInterrupted));

  ClearDeadline();
  absl::StatusOr<int32_t> answer = InvokeI32(store_, *instance_, "answer");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, 42);

  // And it can be interrupted again with a new deadline.
  store_.SetEpochDeadline(1);
  EXPECT_TRUE(IsTrap(CallWhileTicking(engine_, store_, *instance_, "spin").status,
                     TrapCode::kInterrupted));
}

TEST_P(InterruptionTest, DeadlineCountsTicks) {
  // Two ticks are needed: the first one must not stop the guest.
  store_.SetEpochDeadline(2);
  TickedCall call = CallWhileTicking(engine_, store_, *instance_, "spin", /*ticks=*/2);
  EXPECT_TRUE(IsTrap(call.status, TrapCode::kInterrupted));
  EXPECT_EQ(call.ticks_before_return, 2);
}

TEST_P(InterruptionTest, LoopWithCallIsInterrupted) {
  store_.SetEpochDeadline(1);
  TickedCall call = CallWhileTicking(engine_, store_, *instance_, "spin_call");
  EXPECT_TRUE(IsTrap(call.status, TrapCode::kInterrupted));
  EXPECT_EQ(call.ticks_before_return, 1);

  // The global writes of the interrupted calls stay (a trap does not roll
  // back), and the Store still runs code.
  ClearDeadline();
  absl::StatusOr<int32_t> counter = InvokeI32(store_, *instance_, "counter");
  ASSERT_TRUE(counter.ok()) << counter.status();
  EXPECT_GT(*counter, 0);
}

TEST_P(InterruptionTest, LoopWithStoresIsInterrupted) {
  store_.SetEpochDeadline(1);
  TickedCall call = CallWhileTicking(engine_, store_, *instance_, "spin_store");
  EXPECT_TRUE(IsTrap(call.status, TrapCode::kInterrupted));
  EXPECT_EQ(call.ticks_before_return, 1);

  std::optional<runtime::Extern> exported = instance_->GetExport("mem");
  ASSERT_TRUE(exported.has_value());
  const runtime::Memory* memory = std::get_if<runtime::Memory>(&*exported);
  ASSERT_NE(memory, nullptr);
  // The loop wrote i + 1 at address i for i = 0, 4, ...: word 0 is 1 after
  // the first iteration, so the stores really ran before the interrupt.
  int32_t first = 0;
  std::memcpy(&first, memory->data(), sizeof(first));
  EXPECT_NE(first, 0);

  ClearDeadline();
  absl::StatusOr<int32_t> answer = InvokeI32(store_, *instance_, "answer");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, 42);
}

TEST_P(InterruptionTest, NoDeadlineMeansTicksAreIgnored) {
  // The default deadline is never: ticks alone do not stop a finite call.
  engine_.IncrementEpoch();
  engine_.IncrementEpoch();
  absl::StatusOr<int32_t> answer = InvokeI32(store_, *instance_, "answer");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, 42);
}

// Store::Interrupt from another thread stops a loop that has no deadline
// and sees no epoch tick: the deadline is read anew at every check, not
// kept from the function's entry. Until the host sets a deadline again,
// every call traps at entry.
TEST_P(InterruptionTest, InterruptFromAnotherThreadStopsTheLoop) {
  ClearDeadline();
  std::atomic<bool> interrupt_sent{false};
  std::thread interrupter([this, &interrupt_sent] {
    std::this_thread::sleep_for(kTickDelay);
    interrupt_sent.store(true);
    store_.Interrupt();
  });
  absl::Status status = Invoke(store_, *instance_, "spin").status();
  // The interrupt stopped it, nothing earlier: the call outlived the
  // moment the interrupt was sent (the order, not a duration).
  const bool ended_after_interrupt = interrupt_sent.load();
  interrupter.join();
  EXPECT_TRUE(IsTrap(status, TrapCode::kInterrupted));
  EXPECT_TRUE(ended_after_interrupt);

  EXPECT_TRUE(IsTrap(InvokeI32(store_, *instance_, "answer").status(), TrapCode::kInterrupted));
  ClearDeadline();
  absl::StatusOr<int32_t> answer = InvokeI32(store_, *instance_, "answer");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, 42);
}

// Guests that call into the host, which moves or cuts their deadline.
class InterruptionFromHostTest : public ::testing::TestWithParam<jit::OptLevel> {
 protected:
  // Instantiates a module whose export `host_then_spin` calls the import
  // env.host, which runs `host`, and then loops forever without calls.
  absl::StatusOr<runtime::Instance> HostThenSpin(std::function<void()> host) {
    ModuleBuilder m;
    const uint32_t void_type = m.AddType({}, {});
    const uint32_t import = m.ImportFunction("env", "host", void_type);
    const uint32_t host_then_spin =
        m.AddFunction(void_type, {}, Encoder().Call(import).Loop().Br(0).End().End());
    m.AddExport("host_then_spin", ExternKind::kFunc, host_then_spin);
    runtime::Linker linker;
    linker.Define("env", "host",
                  store_.CreateHostFunc({{}, {}}, [host = std::move(host)](
                                                      std::span<const Value>, std::span<Value>) {
                    host();
                    return absl::OkStatus();
                  }));
    return Instantiate(store_, m.Build(), linker, AtLevel(GetParam()));
  }

  runtime::Engine engine_;
  runtime::Store store_{engine_};
};

INSTANTIATE_TEST_SUITE_P(OptLevels, InterruptionFromHostTest,
                         ::testing::Values(jit::OptLevel::kO0, jit::OptLevel::kO2), LevelName);

// A deadline the host sets during a call from the guest (one tick ahead)
// counts at once.
TEST_P(InterruptionFromHostTest, DeadlineSetByAHostCallStopsTheLoopAfterIt) {
  int armed = 0;
  absl::StatusOr<runtime::Instance> instance = HostThenSpin([this, &armed] {
    store_.SetEpochDeadline(1);
    ++armed;
  });
  ASSERT_TRUE(instance.ok()) << instance.status();
  // No deadline when the call starts: only the one the host sets can stop
  // it (if the loop missed it, the call would never return and CTest's
  // timeout would fail the test).
  store_.SetEpochDeadline(~uint64_t{0});
  TickedCall call = CallWhileTicking(engine_, store_, *instance, "host_then_spin");
  EXPECT_TRUE(IsTrap(call.status, TrapCode::kInterrupted));
  EXPECT_EQ(armed, 1);
}

// Store::Interrupt called while the guest is in host code: the signal it
// sends finds the thread outside generated code and does nothing, so the
// loop without calls that follows is stopped only because the signal
// repeats until the thread leaves the Store.
TEST_P(InterruptionFromHostTest, InterruptDuringAHostCallStopsTheLoopAfterIt) {
  absl::StatusOr<runtime::Instance> instance = HostThenSpin([this] { store_.Interrupt(); });
  ASSERT_TRUE(instance.ok()) << instance.status();
  for (int i = 0; i < 3; ++i) {
    store_.SetEpochDeadline(~uint64_t{0});
    EXPECT_TRUE(
        IsTrap(Invoke(store_, *instance, "host_then_spin").status(), TrapCode::kInterrupted));
  }
}

// One Interrupt from another thread, whatever the guest is doing at that
// moment (filling memory in a builtin, in the loop that calls it, or in
// the endless loop without calls after it), stops the call.
TEST_P(InterruptionFromHostTest, OneInterruptStopsTheGuestWhereverItIs) {
  constexpr uint32_t kPages = 256;  // 16 MiB: each fill takes milliseconds
  ModuleBuilder m;
  const uint32_t void_type = m.AddType({}, {});
  m.AddMemory(kPages);
  // for (i = 0; i != 4; ++i) memory.fill(0, i, 16 MiB); loop {}
  const uint32_t fill_then_spin = m.AddFunction(
      void_type, {{1, ValType::kI32}},
      Encoder()
          .Loop()
          .I32Const(0).LocalGet(0).I32Const(kPages * 65536).Op(Opcode::kMemoryFill).U32(0)
          .LocalGet(0).I32Const(1).Op(Opcode::kI32Add).LocalSet(0)
          .LocalGet(0).I32Const(4).Op(Opcode::kI32Ne).BrIf(0)
          .End()
          .Loop().Br(0).End()
          .End());
  m.AddExport("fill_then_spin", ExternKind::kFunc, fill_then_spin);

  absl::StatusOr<runtime::Instance> instance =
      Instantiate(store_, m.Build(), {}, AtLevel(GetParam()));
  ASSERT_TRUE(instance.ok()) << instance.status();
  for (int delay_us : {0, 500, 1000, 2000, 3000, 5000, 8000, 13000, 21000}) {
    store_.SetEpochDeadline(~uint64_t{0});
    std::thread interrupter([this, delay_us] {
      std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
      store_.Interrupt();
    });
    EXPECT_TRUE(IsTrap(Invoke(store_, *instance, "fill_then_spin").status(),
                       TrapCode::kInterrupted))
        << "interrupted after " << delay_us << " us";
    interrupter.join();
  }
}

}  // namespace
}  // namespace kiln::engine_test
