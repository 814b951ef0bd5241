// StoreLimits: a tenant's memory and table use is capped per Store, all of
// its memories (tables) together, and a MemoryBudget caps many Stores
// together. Growing past a cap is the ordinary memory.grow / table.grow
// failure (-1), which a guest can handle; creating past it is an
// instantiation error.
#include <cstdint>
#include <memory>
#include <variant>

#include "allocation_tracker.h"
#include "engine_test_util.h"
#include "gtest/gtest.h"
#include "kiln/runtime/memory_budget.h"

namespace kiln::engine_test {
namespace {

constexpr uint64_t kPage = 65536;

// A memory of `min_pages` (and optional max); exports grow(delta) -> old
// size or -1, size() -> pages, load(addr) -> i32, and the memory as "mem".
Bytes MemoryModule(uint32_t min_pages, std::optional<uint32_t> max_pages = std::nullopt) {
  ModuleBuilder m;
  const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
  const uint32_t v_i = m.AddType({}, {ValType::kI32});
  m.AddMemory(min_pages, max_pages);
  m.AddExport("grow", ExternKind::kFunc,
              m.AddFunction(i_i, {}, Encoder().LocalGet(0).Op(Opcode::kMemoryGrow).Byte(0).End()));
  m.AddExport("size", ExternKind::kFunc,
              m.AddFunction(v_i, {}, Encoder().Op(Opcode::kMemorySize).Byte(0).End()));
  m.AddExport("load", ExternKind::kFunc,
              m.AddFunction(i_i, {}, Encoder().LocalGet(0).Mem(Opcode::kI32Load, 2, 0).End()));
  m.AddExport("mem", ExternKind::kMemory, 0);
  return m.Build();
}

int32_t Call(runtime::Store& store, const runtime::Instance& instance, std::string_view name,
             std::vector<Value> args = {}) {
  absl::StatusOr<int32_t> result = InvokeI32(store, instance, name, std::move(args));
  EXPECT_TRUE(result.ok()) << name << ": " << result.status();
  return result.ok() ? *result : -2;
}

TEST(MemoryLimitTest, GrowPastTheLimitReturnsMinusOne) {
  runtime::Engine engine;
  runtime::Store store(engine, {.max_memory_bytes = 2 * kPage});
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, MemoryModule(1));
  ASSERT_TRUE(instance.ok()) << instance.status();

  EXPECT_EQ(Call(store, *instance, "grow", {Value::I32(1)}), 1);  // to 2 pages: at the limit
  EXPECT_EQ(Call(store, *instance, "grow", {Value::I32(1)}), -1);
  EXPECT_EQ(Call(store, *instance, "grow", {Value::I32(100)}), -1);
  EXPECT_EQ(Call(store, *instance, "size"), 2);
  EXPECT_EQ(Call(store, *instance, "grow", {Value::I32(0)}), 2);

  // The host's Memory::Grow obeys the same limit.
  std::optional<runtime::Extern> exported = instance->GetExport("mem");
  ASSERT_TRUE(exported.has_value());
  runtime::Memory* memory = std::get_if<runtime::Memory>(&*exported);
  ASSERT_NE(memory, nullptr);
  EXPECT_EQ(memory->Grow(1), -1);
  EXPECT_EQ(memory->size_bytes(), 2 * kPage);

  // The pages it has are usable; the refused ones are not there.
  memory->data()[2 * kPage - 4] = 7;
  EXPECT_EQ(Call(store, *instance, "load", {Value::I32(2 * kPage - 4)}), 7);
  EXPECT_TRUE(IsTrap(InvokeI32(store, *instance, "load", {Value::I32(2 * kPage)}).status(),
                     TrapCode::kMemoryOutOfBounds));
}

TEST(MemoryLimitTest, InitialMemoryPastTheLimitFailsToInstantiate) {
  runtime::Engine engine;
  runtime::Store store(engine, {.max_memory_bytes = 2 * kPage});
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, MemoryModule(3));
  EXPECT_EQ(instance.status().code(), absl::StatusCode::kResourceExhausted) << instance.status();

  // Nothing of the failed instance counts against the limit.
  instance = Instantiate(store, MemoryModule(2));
  ASSERT_TRUE(instance.ok()) << instance.status();
  EXPECT_EQ(Call(store, *instance, "size"), 2);
}

TEST(MemoryLimitTest, LimitCoversAllMemoriesOfTheStore) {
  runtime::Engine engine;
  runtime::Store store(engine, {.max_memory_bytes = 3 * kPage});
  absl::StatusOr<runtime::Instance> first = Instantiate(store, MemoryModule(2));
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<runtime::Instance> second = Instantiate(store, MemoryModule(1));
  ASSERT_TRUE(second.ok()) << second.status();

  // 3 pages in use: neither may grow, and no third memory fits.
  EXPECT_EQ(Call(store, *first, "grow", {Value::I32(1)}), -1);
  EXPECT_EQ(Call(store, *second, "grow", {Value::I32(1)}), -1);
  EXPECT_EQ(Instantiate(store, MemoryModule(1)).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(store.CreateMemory({.limits = {1, std::nullopt}}).status().code(),
            absl::StatusCode::kResourceExhausted);
  // A memory of zero pages still fits.
  EXPECT_TRUE(Instantiate(store, MemoryModule(0)).ok());
}

TEST(MemoryLimitTest, DeclaredMaximumStillApplies) {
  runtime::Engine engine;
  runtime::Store store(engine, {.max_memory_bytes = 100 * kPage});
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, MemoryModule(1, 2));
  ASSERT_TRUE(instance.ok()) << instance.status();
  EXPECT_EQ(Call(store, *instance, "grow", {Value::I32(2)}), -1);
  EXPECT_EQ(Call(store, *instance, "grow", {Value::I32(1)}), 1);
  EXPECT_EQ(Call(store, *instance, "size"), 2);
}

// A funcref table of `min` elements; exports grow(delta) -> old size or -1.
Bytes TableModule(uint32_t min) {
  ModuleBuilder m;
  const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
  m.AddTable(ValType::kFuncRef, min);
  m.AddExport("grow", ExternKind::kFunc,
              m.AddFunction(i_i, {},
                            Encoder().Op(Opcode::kRefNull).Byte(0x70).LocalGet(0)
                                .Op(Opcode::kTableGrow).U32(0).End()));
  return m.Build();
}

TEST(TableLimitTest, GrowPastTheLimitReturnsMinusOne) {
  runtime::Engine engine;
  runtime::Store store(engine, {.max_table_elements = 10});
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, TableModule(5));
  ASSERT_TRUE(instance.ok()) << instance.status();
  EXPECT_EQ(Call(store, *instance, "grow", {Value::I32(6)}), -1);
  EXPECT_EQ(Call(store, *instance, "grow", {Value::I32(5)}), 5);
  EXPECT_EQ(Call(store, *instance, "grow", {Value::I32(1)}), -1);

  EXPECT_EQ(Instantiate(store, TableModule(11)).status().code(),
            absl::StatusCode::kResourceExhausted);
}

// Funcref tables of `mins` elements; exports grow<i>(delta) -> table i's
// old size or -1.
Bytes TablesModule(const std::vector<uint32_t>& mins) {
  ModuleBuilder m;
  const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
  for (size_t t = 0; t < mins.size(); ++t) {
    const uint32_t table = m.AddTable(ValType::kFuncRef, mins[t]);
    m.AddExport("grow" + std::to_string(t), ExternKind::kFunc,
                m.AddFunction(i_i, {},
                              Encoder()
                                  .Op(Opcode::kRefNull)
                                  .Byte(0x70)
                                  .LocalGet(0)
                                  .Op(Opcode::kTableGrow)
                                  .U32(table)
                                  .End()));
  }
  return m.Build();
}

wasm::TableType FuncrefTable(uint32_t min) {
  return {.element = ValType::kFuncRef, .limits = {.min = min}};
}

TEST(TableLimitTest, LimitCoversAllTablesOfTheStore) {
  runtime::Engine engine;
  runtime::Store store(engine, {.max_table_elements = 1000});
  // Each table is under the limit; together they are over it.
  EXPECT_TRUE(HasError(Instantiate(store, TablesModule({400, 400, 400})).status(),
                       absl::StatusCode::kResourceExhausted,
                       "tables need 1200 elements together, over the Store's limit of 1000"));

  absl::StatusOr<runtime::Instance> instance = Instantiate(store, TablesModule({400, 400}));
  ASSERT_TRUE(instance.ok()) << instance.status();
  EXPECT_EQ(Call(store, *instance, "grow0", {Value::I32(150)}), 400);
  EXPECT_EQ(Call(store, *instance, "grow1", {Value::I32(51)}), -1);
  EXPECT_EQ(Call(store, *instance, "grow1", {Value::I32(50)}), 400);
  EXPECT_EQ(Call(store, *instance, "grow0", {Value::I32(1)}), -1);

  // At the limit: no other instance's table, nor the host's, fits.
  EXPECT_EQ(Instantiate(store, TablesModule({1})).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(
      store.CreateTable(FuncrefTable(1), Value::Ref(ValType::kFuncRef, nullptr)).status().code(),
      absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(Instantiate(store, TablesModule({0})).ok());
}

// 2,000 tables of 10 million elements each would be 160 GB: the whole
// module is refused at once, before a single table is allocated.
TEST(TableLimitTest, TableBombIsRefusedBeforeAllocating) {
  runtime::Engine engine;
  ModuleBuilder bomb;
  for (int i = 0; i < 2000; ++i) bomb.AddTable(ValType::kFuncRef, 10'000'000);
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
      CompileModule(engine, bomb.Build());
  ASSERT_TRUE(module.ok()) << module.status();
  runtime::Store store(engine);  // the default limits
  wasm::test::PeakAllocationScope allocations;
  absl::StatusOr<runtime::Instance> instance = runtime::Linker{}.Instantiate(store, *module);
  EXPECT_TRUE(HasError(instance.status(), absl::StatusCode::kResourceExhausted,
                       "2000 tables need 20000000000 elements together"));
  EXPECT_LT(allocations.peak_bytes(), size_t{1} << 20);
}

// ---- MemoryBudget: many Stores together -----------------------------------

TEST(MemoryBudgetTest, ReservationsComeBack) {
  runtime::MemoryBudget budget(1000, "the test's budget");
  {
    absl::StatusOr<runtime::MemoryBudget::Reservation> a = budget.Reserve(600, "a");
    ASSERT_TRUE(a.ok()) << a.status();
    absl::StatusOr<runtime::MemoryBudget::Reservation> b = budget.Reserve(500, "b");
    EXPECT_TRUE(HasError(b.status(), absl::StatusCode::kResourceExhausted,
                         "b needs 500 bytes, but the test's budget of 1000 bytes has only "
                         "400 bytes left"));
    EXPECT_TRUE(runtime::IsBudgetExhausted(b.status()));
    EXPECT_FALSE(a->Resize(1001));
    EXPECT_TRUE(a->Resize(1000));
    EXPECT_EQ(budget.available(), 0u);
    EXPECT_TRUE(a->Resize(100));
    runtime::MemoryBudget::Reservation moved = *std::move(a);
    EXPECT_EQ(budget.used(), 100u);
    EXPECT_FALSE(budget.TryCharge(901));
    EXPECT_TRUE(budget.TryCharge(900));
    budget.Release(900);
  }
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_FALSE(runtime::IsBudgetExhausted(absl::ResourceExhaustedError("other")));
}

TEST(MemoryBudgetTest, StoresShareOneBudgetForMemory) {
  runtime::Engine engine;
  runtime::MemoryBudget budget(4 * kPage, "the test's budget");
  auto a = std::make_unique<runtime::Store>(engine, runtime::StoreLimits{.budget = &budget});
  runtime::Store b(engine, {.budget = &budget});
  absl::StatusOr<runtime::Instance> in_a = Instantiate(*a, MemoryModule(1));
  absl::StatusOr<runtime::Instance> in_b = Instantiate(b, MemoryModule(2));
  ASSERT_TRUE(in_a.ok()) << in_a.status();
  ASSERT_TRUE(in_b.ok()) << in_b.status();
  EXPECT_EQ(budget.used(), 3 * kPage);

  // Neither Store is at its own limit; the budget is what runs out.
  EXPECT_EQ(Call(*a, *in_a, "grow", {Value::I32(1)}), 1);
  EXPECT_EQ(Call(b, *in_b, "grow", {Value::I32(1)}), -1);
  runtime::Store c(engine, {.budget = &budget});
  absl::StatusOr<runtime::Instance> in_c = Instantiate(c, MemoryModule(1));
  EXPECT_TRUE(HasError(in_c.status(), absl::StatusCode::kResourceExhausted, "the test's budget"));
  EXPECT_TRUE(runtime::IsBudgetExhausted(in_c.status()));
  EXPECT_EQ(c.CreateMemory({.limits = {.min = 1}}).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(budget.used(), 4 * kPage);

  // A Store gives its share back when it goes.
  a.reset();
  EXPECT_EQ(budget.used(), 2 * kPage);
  EXPECT_EQ(Call(b, *in_b, "grow", {Value::I32(2)}), 2);
  EXPECT_EQ(budget.used(), 4 * kPage);
}

TEST(MemoryBudgetTest, TablesAreChargedForTheirStorage) {
  runtime::Engine engine;
  constexpr uint64_t kElement = sizeof(void*);
  runtime::MemoryBudget budget(1000 * kElement, "the test's budget");
  {
    runtime::Store store(engine, {.budget = &budget});
    absl::StatusOr<runtime::Instance> instance = Instantiate(store, TablesModule({500}));
    ASSERT_TRUE(instance.ok()) << instance.status();
    EXPECT_EQ(budget.used(), 500 * kElement);
    // Growing takes room ahead (doubling), but never more than the budget
    // holds: up to exactly the budget, then -1.
    EXPECT_EQ(Call(store, *instance, "grow0", {Value::I32(400)}), 500);
    EXPECT_LE(budget.used(), budget.limit());
    EXPECT_EQ(Call(store, *instance, "grow0", {Value::I32(100)}), 900);
    EXPECT_EQ(budget.used(), budget.limit());
    EXPECT_EQ(Call(store, *instance, "grow0", {Value::I32(1)}), -1);

    runtime::Store other(engine, {.budget = &budget});
    EXPECT_TRUE(HasError(Instantiate(other, TablesModule({1})).status(),
                         absl::StatusCode::kResourceExhausted, "the test's budget"));
    EXPECT_EQ(
        other.CreateTable(FuncrefTable(1), Value::Ref(ValType::kFuncRef, nullptr)).status().code(),
        absl::StatusCode::kResourceExhausted);
  }
  EXPECT_EQ(budget.used(), 0u);
}

}  // namespace
}  // namespace kiln::engine_test
