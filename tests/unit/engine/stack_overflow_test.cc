// Call stack exhaustion: unbounded recursion must end in a
// "call stack exhausted" trap — never a crash — on any thread, with any
// frame size, within the Engine's max_wasm_stack, and leave the Store
// usable for the next call.
#include <pthread.h>

#include <cstdint>
#include <thread>

#include "engine_test_util.h"
#include "gtest/gtest.h"

namespace kiln::engine_test {
namespace {

constexpr uint32_t kBigParams = 24;  // more than fit in registers
constexpr uint32_t kBigLocals = 16;

// Exports:
//   recurse      (func $f (global.set $depth (+ 1)) (call $f))
//   recurse_big  the same with 24 i64 params and 16 i64 locals that are all
//                live across the recursive call, so each frame is large.
//   depth / reset_depth  read / zero the call counter.
//   answer       returns 42.
Bytes RecursionModule() {
  ModuleBuilder m;
  const uint32_t void_type = m.AddType({}, {});
  const uint32_t i32_type = m.AddType({}, {ValType::kI32});
  const uint32_t big_type =
      m.AddType(std::vector<ValType>(kBigParams, ValType::kI64), {ValType::kI64});
  const uint32_t depth = m.AddGlobal(ValType::kI32, true, Encoder().I32Const(0).End());

  Encoder count_call;
  count_call.GlobalGet(depth).I32Const(1).Op(Opcode::kI32Add).GlobalSet(depth);

  const uint32_t recurse = m.num_functions();
  m.AddFunction(void_type, {}, Encoder().Raw(count_call).Call(recurse).End());

  const uint32_t recurse_big = m.num_functions();
  Encoder big = Encoder().Raw(count_call);
  for (uint32_t k = 0; k < kBigLocals; ++k) {
    big.LocalGet(k).LocalGet(k + 8).Op(Opcode::kI64Mul).LocalSet(kBigParams + k);
  }
  for (uint32_t i = 0; i < kBigParams; ++i) {
    big.LocalGet(i).I64Const(1).Op(Opcode::kI64Add);
  }
  big.Call(recurse_big);
  // Using every param and local after the call keeps them all alive (in
  // the frame) across it.
  for (uint32_t i = 0; i < kBigParams + kBigLocals; ++i) big.LocalGet(i).Op(Opcode::kI64Add);
  big.End();
  m.AddFunction(big_type, {{kBigLocals, ValType::kI64}}, big);

  const uint32_t get_depth = m.AddFunction(i32_type, {}, Encoder().GlobalGet(depth).End());
  const uint32_t reset_depth =
      m.AddFunction(void_type, {}, Encoder().I32Const(0).GlobalSet(depth).End());
  const uint32_t answer = m.AddFunction(i32_type, {}, Encoder().I32Const(42).End());

  m.AddExport("recurse", ExternKind::kFunc, recurse);
  m.AddExport("recurse_big", ExternKind::kFunc, recurse_big);
  m.AddExport("depth", ExternKind::kFunc, get_depth);
  m.AddExport("reset_depth", ExternKind::kFunc, reset_depth);
  m.AddExport("answer", ExternKind::kFunc, answer);
  return m.Build();
}

std::vector<Value> BigArgs() { return std::vector<Value>(kBigParams, Value::I64(1)); }

// One Store with the recursion module, for one Engine configuration.
class Recursion {
 public:
  explicit Recursion(runtime::EngineConfig config = {}) : engine_(config), store_(engine_) {
    absl::StatusOr<runtime::Instance> instance = Instantiate(store_, RecursionModule());
    EXPECT_TRUE(instance.ok()) << instance.status();
    if (instance.ok()) instance_ = *instance;
  }

  bool ok() const { return instance_.has_value(); }
  runtime::Store& store() { return store_; }
  const runtime::Instance& instance() const { return *instance_; }

  // Runs export `name` (expected to recurse until it traps) and returns how
  // many calls deep it got, or -1 after a failed expectation.
  int32_t DepthReached(std::string_view name, std::vector<Value> args = {}) {
    if (absl::Status reset = Invoke(store_, *instance_, "reset_depth").status(); !reset.ok()) {
      ADD_FAILURE() << reset;
      return -1;
    }
    absl::Status status = Invoke(store_, *instance_, name, std::move(args)).status();
    if (!IsTrap(status, TrapCode::kCallStackExhausted)) {
      ADD_FAILURE() << name << ": " << IsTrap(status, TrapCode::kCallStackExhausted).message();
      return -1;
    }
    EXPECT_EQ(Message(status), "call stack exhausted");
    absl::StatusOr<int32_t> depth = InvokeI32(store_, *instance_, "depth");
    if (!depth.ok()) {
      ADD_FAILURE() << depth.status();
      return -1;
    }
    return *depth;
  }

  // The Store must still run ordinary code.
  void ExpectUsable() {
    absl::StatusOr<int32_t> answer = InvokeI32(store_, *instance_, "answer");
    ASSERT_TRUE(answer.ok()) << answer.status();
    EXPECT_EQ(*answer, 42);
  }

 private:
  runtime::Engine engine_;
  runtime::Store store_;
  std::optional<runtime::Instance> instance_;
};

TEST(StackOverflowTest, EndlessRecursionTraps) {
  Recursion r;
  ASSERT_TRUE(r.ok());
  const int32_t first = r.DepthReached("recurse");
  // 1 MiB of stack holds far more than a thousand tiny frames.
  EXPECT_GT(first, 1000);
  r.ExpectUsable();

  // A second overflow behaves like the first: the trap restored the stack
  // limit instead of leaking the exhausted state.
  const int32_t second = r.DepthReached("recurse");
  EXPECT_GT(second, first * 9 / 10);
  EXPECT_LT(second, first * 11 / 10);
  r.ExpectUsable();
}

TEST(StackOverflowTest, BigFramesTrapSooner) {
  Recursion r;
  ASSERT_TRUE(r.ok());
  const int32_t small_frames = r.DepthReached("recurse");
  const int32_t big_frames = r.DepthReached("recurse_big", BigArgs());
  EXPECT_GT(big_frames, 0);
  // The same stack budget holds fewer big frames: the limit is about
  // bytes, and big frames were not allowed to overshoot it.
  EXPECT_LT(big_frames, small_frames);
  r.ExpectUsable();
  const int32_t again = r.DepthReached("recurse_big", BigArgs());
  EXPECT_GT(again, big_frames * 9 / 10);
  EXPECT_LT(again, big_frames * 11 / 10 + 1);
}

TEST(StackOverflowTest, TrapsOnAStdThread) {
  Recursion r;
  ASSERT_TRUE(r.ok());
  // std::thread's default stack (8 MiB with glibc's usual limit), not the
  // main thread's: the engine must find this thread's own stack bounds.
  int32_t small_frames = -1;
  int32_t big_frames = -1;
  std::thread worker([&] {
    small_frames = r.DepthReached("recurse");
    big_frames = r.DepthReached("recurse_big", BigArgs());
    r.ExpectUsable();
  });
  worker.join();
  EXPECT_GT(small_frames, 1000);
  EXPECT_GT(big_frames, 0);
  r.ExpectUsable();
}

// A thread whose whole stack is smaller than max_wasm_stack: the engine
// must clamp the limit to this thread's stack, leaving room for the host.
TEST(StackOverflowTest, TrapsOnAThreadWithASmallStack) {
  Recursion r;
  ASSERT_TRUE(r.ok());
  struct Context {
    Recursion* r;
    int32_t depth = -1;
  } context{&r};
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 768 * 1024), 0);
  pthread_t thread;
  ASSERT_EQ(pthread_create(
                &thread, &attr,
                [](void* arg) -> void* {
                  auto* c = static_cast<Context*>(arg);
                  c->depth = c->r->DepthReached("recurse");
                  return nullptr;
                },
                &context),
            0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  EXPECT_GT(context.depth, 0);
  r.ExpectUsable();
}

TEST(StackOverflowTest, MaxWasmStackBoundsTheDepth) {
  Recursion small({.max_wasm_stack = 64 * 1024});
  Recursion large({.max_wasm_stack = 1 << 20});
  ASSERT_TRUE(small.ok());
  ASSERT_TRUE(large.ok());
  const int32_t small_depth = small.DepthReached("recurse");
  const int32_t large_depth = large.DepthReached("recurse");
  EXPECT_GT(small_depth, 0);
  // 16 times the budget; allow for the fixed costs at the top of the stack.
  EXPECT_GT(large_depth, 8 * small_depth);
  small.ExpectUsable();
  large.ExpectUsable();
}

TEST(StackOverflowTest, BudgetLargerThanTheThreadStack) {
  // 1 GiB is more than the main thread has: the trap must still come
  // before the real end of the stack.
  Recursion r({.max_wasm_stack = uint64_t{1} << 30});
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r.DepthReached("recurse"), 1000);
  r.ExpectUsable();
}

// wasm -> host -> wasm -> host ... without end: the host frames between
// the wasm ones use the same stack. The innermost wasm call must trap, and
// every level must unwind in turn (each host function passes the error on)
// without crashing.
TEST(StackOverflowTest, RecursionThroughTheHost) {
  ModuleBuilder m;
  const uint32_t void_type = m.AddType({}, {});
  const uint32_t host = m.ImportFunction("env", "again", void_type);
  m.AddExport("enter", ExternKind::kFunc, m.AddFunction(void_type, {}, Encoder().Call(host).End()));

  runtime::Engine engine;
  runtime::Store store(engine);
  std::optional<runtime::Func> enter;
  int host_calls = 0;
  runtime::Linker linker;
  linker.Define("env", "again",
                store.CreateHostFunc({{}, {}}, [&](std::span<const Value>, std::span<Value>) {
                  ++host_calls;
                  return store.Call(*enter, {}).status();
                }));
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, m.Build(), linker);
  ASSERT_TRUE(instance.ok()) << instance.status();
  enter = *instance->GetFunc("enter");

  absl::Status status = Invoke(store, *instance, "enter").status();
  // The outermost wasm caller sees its host function fail; the text of the
  // innermost trap is carried out through every level.
  EXPECT_TRUE(IsTrap(status, TrapCode::kHostTrap));
  EXPECT_TRUE(HasError(status, absl::StatusCode::kAborted, "call stack exhausted"));
  EXPECT_GT(host_calls, 10);

  // Everything unwound: a fresh call goes just as deep again.
  const int first_calls = host_calls;
  host_calls = 0;
  EXPECT_TRUE(IsTrap(Invoke(store, *instance, "enter").status(), TrapCode::kHostTrap));
  EXPECT_EQ(host_calls, first_calls);
}

}  // namespace
}  // namespace kiln::engine_test
