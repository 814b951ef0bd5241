// StoreLimits: a tenant's memory (and table) use is capped per Store.
// Growing past the cap is the ordinary memory.grow failure (-1), which a
// guest can handle; creating past it is an instantiation error.
#include <cstdint>
#include <variant>

#include "engine_test_util.h"
#include "gtest/gtest.h"

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

}  // namespace
}  // namespace kiln::engine_test
