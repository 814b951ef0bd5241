// Isolation between Stores: two tenants instantiating the same loaded
// Module share only its immutable code. Memory, globals, traps, limits and
// interrupts of one must never show in the other, also when both run at
// the same time on different threads.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "engine_test_util.h"
#include "gtest/gtest.h"

namespace kiln::engine_test {
namespace {

// Memory of 1 page and a mutable global counter. Exports:
//   write(addr, v), read(addr) -> i32, bump() -> ++counter,
//   grow(delta) -> old pages or -1, boom (unreachable), spin (loop br 0),
//   recurse (endless recursion).
Bytes TenantModule() {
  ModuleBuilder m;
  const uint32_t v_v = m.AddType({}, {});
  const uint32_t v_i = m.AddType({}, {ValType::kI32});
  const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
  const uint32_t ii_v = m.AddType({ValType::kI32, ValType::kI32}, {});
  m.AddMemory(1);
  const uint32_t counter = m.AddGlobal(ValType::kI32, true, Encoder().I32Const(0).End());
  m.AddExport("write", ExternKind::kFunc,
              m.AddFunction(ii_v, {},
                            Encoder().LocalGet(0).LocalGet(1).Mem(Opcode::kI32Store, 2, 0).End()));
  m.AddExport("read", ExternKind::kFunc,
              m.AddFunction(i_i, {}, Encoder().LocalGet(0).Mem(Opcode::kI32Load, 2, 0).End()));
  m.AddExport("bump", ExternKind::kFunc,
              m.AddFunction(v_i, {},
                            Encoder().GlobalGet(counter).I32Const(1).Op(Opcode::kI32Add)
                                .GlobalSet(counter).GlobalGet(counter).End()));
  m.AddExport("grow", ExternKind::kFunc,
              m.AddFunction(i_i, {}, Encoder().LocalGet(0).Op(Opcode::kMemoryGrow).Byte(0).End()));
  m.AddExport("boom", ExternKind::kFunc,
              m.AddFunction(v_v, {}, Encoder().Op(Opcode::kUnreachable).End()));
  m.AddExport("spin", ExternKind::kFunc,
              m.AddFunction(v_v, {}, Encoder().Loop().Br(0).End().End()));
  const uint32_t recurse = m.num_functions();
  m.AddFunction(v_v, {}, Encoder().Call(recurse).End());
  m.AddExport("recurse", ExternKind::kFunc, recurse);
  return m.Build();
}

class IsolationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
        CompileModule(engine_, TenantModule());
    ASSERT_TRUE(module.ok()) << module.status();
    module_ = *module;
  }

  // A Store with one instance of the shared module.
  struct Tenant {
    std::unique_ptr<runtime::Store> store;
    std::optional<runtime::Instance> instance;

    int32_t Call(std::string_view name, std::vector<Value> args = {}) {
      absl::StatusOr<int32_t> result = InvokeI32(*store, *instance, name, std::move(args));
      EXPECT_TRUE(result.ok()) << name << ": " << result.status();
      return result.ok() ? *result : -2;
    }
    absl::Status Run(std::string_view name, std::vector<Value> args = {}) {
      return Invoke(*store, *instance, name, std::move(args)).status();
    }
  };

  Tenant NewTenant(runtime::StoreLimits limits = {}) {
    Tenant tenant{std::make_unique<runtime::Store>(engine_, limits), std::nullopt};
    absl::StatusOr<runtime::Instance> instance = runtime::Linker().Instantiate(*tenant.store, module_);
    EXPECT_TRUE(instance.ok()) << instance.status();
    if (instance.ok()) tenant.instance = *instance;
    return tenant;
  }

  runtime::Engine engine_;
  std::shared_ptr<const runtime::Module> module_;
};

TEST_F(IsolationTest, MemoryAndGlobalsAreSeparate) {
  Tenant a = NewTenant();
  Tenant b = NewTenant();
  ASSERT_TRUE(a.instance && b.instance);
  ASSERT_TRUE(a.Run("write", {Value::I32(8), Value::I32(111)}).ok());
  EXPECT_EQ(b.Call("read", {Value::I32(8)}), 0);
  ASSERT_TRUE(b.Run("write", {Value::I32(8), Value::I32(222)}).ok());
  EXPECT_EQ(a.Call("read", {Value::I32(8)}), 111);
  EXPECT_EQ(b.Call("read", {Value::I32(8)}), 222);

  EXPECT_EQ(a.Call("bump"), 1);
  EXPECT_EQ(a.Call("bump"), 2);
  EXPECT_EQ(a.Call("bump"), 3);
  EXPECT_EQ(b.Call("bump"), 1);
}

TEST_F(IsolationTest, TrapsStayInTheirStore) {
  Tenant a = NewTenant();
  Tenant b = NewTenant();
  ASSERT_TRUE(a.instance && b.instance);
  ASSERT_TRUE(b.Run("write", {Value::I32(0), Value::I32(5)}).ok());
  EXPECT_EQ(b.Call("bump"), 1);

  EXPECT_TRUE(IsTrap(a.Run("boom"), TrapCode::kUnreachable));
  EXPECT_TRUE(IsTrap(a.Run("recurse"), TrapCode::kCallStackExhausted));
  EXPECT_TRUE(IsTrap(a.Run("read", {Value::I32(65536)}), TrapCode::kMemoryOutOfBounds));

  // B's state and code are untouched, and A works again too.
  EXPECT_EQ(b.Call("read", {Value::I32(0)}), 5);
  EXPECT_EQ(b.Call("bump"), 2);
  EXPECT_EQ(a.Call("bump"), 1);
}

TEST_F(IsolationTest, GrowAndLimitsArePerStore) {
  Tenant small = NewTenant({.max_memory_bytes = 65536});
  Tenant large = NewTenant();
  ASSERT_TRUE(small.instance && large.instance);
  EXPECT_EQ(small.Call("grow", {Value::I32(1)}), -1);
  EXPECT_EQ(large.Call("grow", {Value::I32(1)}), 1);
  // Only `large` has a second page.
  ASSERT_TRUE(large.Run("write", {Value::I32(65536), Value::I32(9)}).ok());
  EXPECT_TRUE(IsTrap(small.Run("write", {Value::I32(65536), Value::I32(9)}),
                     TrapCode::kMemoryOutOfBounds));
  EXPECT_EQ(large.Call("read", {Value::I32(65536)}), 9);
}

TEST_F(IsolationTest, InterruptStopsOnlyTheStoreWhoseDeadlinePassed) {
  Tenant a = NewTenant();
  Tenant b = NewTenant();
  ASSERT_TRUE(a.instance && b.instance);
  a.store->SetEpochDeadline(1);
  b.store->SetEpochDeadline(1000);

  // B counts on its own thread while A spins; the tick stops A only.
  std::atomic<bool> a_done{false};
  int32_t b_count = 0;
  absl::Status a_status;
  std::thread a_thread([&] {
    a_status = a.Run("spin");
    a_done = true;
  });
  std::thread b_thread([&] {
    // Runs at least until A is interrupted, then a little more.
    while (!a_done) b_count = b.Call("bump");
    for (int i = 0; i < 100; ++i) b_count = b.Call("bump");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  engine_.IncrementEpoch();
  a_thread.join();
  b_thread.join();

  EXPECT_TRUE(IsTrap(a_status, TrapCode::kInterrupted));
  EXPECT_GE(b_count, 100);
  EXPECT_EQ(b.Call("bump"), b_count + 1);
}

TEST_F(IsolationTest, ConcurrentStoresDoNotSeeEachOthersWrites) {
  constexpr int kWords = 4096;
  Tenant tenants[2] = {NewTenant(), NewTenant()};
  ASSERT_TRUE(tenants[0].instance && tenants[1].instance);
  // Each thread fills its Store's memory with its own pattern while the
  // other does the same, then checks every word.
  auto work = [&](int id) {
    Tenant& t = tenants[id];
    for (int round = 0; round < 5; ++round) {
      for (int i = 0; i < kWords; ++i) {
        ASSERT_TRUE(t.Run("write", {Value::I32(4 * i), Value::I32(id * 1'000'000 + i)}).ok());
      }
      for (int i = 0; i < kWords; ++i) {
        ASSERT_EQ(t.Call("read", {Value::I32(4 * i)}), id * 1'000'000 + i) << "word " << i;
      }
    }
  };
  std::thread first(work, 0);
  std::thread second(work, 1);
  first.join();
  second.join();
}

}  // namespace
}  // namespace kiln::engine_test
