#include "kiln/runtime/linear_memory.h"

#include "gtest/gtest.h"

namespace kiln::runtime {
namespace {

using wasm::kWasmPageSize;
using wasm::Limits;
using wasm::MemoryType;

MemoryType Pages(uint64_t min, std::optional<uint64_t> max = std::nullopt) {
  return MemoryType{Limits{min, max}};
}

TEST(LinearMemoryTest, StartsAtItsMinimumAndZeroed) {
  absl::StatusOr<std::unique_ptr<LinearMemory>> memory = LinearMemory::Create(Pages(2));
  ASSERT_TRUE(memory.ok()) << memory.status();
  LinearMemory& m = **memory;
  EXPECT_EQ(m.pages(), 2u);
  EXPECT_EQ(m.size_bytes(), 2 * kWasmPageSize);
  EXPECT_EQ(m.base()[0], 0);
  EXPECT_EQ(m.base()[m.size_bytes() - 1], 0);
  m.base()[m.size_bytes() - 1] = 42;
  EXPECT_EQ(m.base()[m.size_bytes() - 1], 42);
}

TEST(LinearMemoryTest, GrowReturnsTheOldSizeAndRespectsTheMaximum) {
  std::unique_ptr<LinearMemory> m = *LinearMemory::Create(Pages(1, 3));
  EXPECT_EQ(m->max_pages(), 3u);
  EXPECT_EQ(m->Grow(0), 1);
  EXPECT_EQ(m->Grow(1), 1);
  EXPECT_EQ(m->pages(), 2u);
  EXPECT_EQ(m->Grow(2), -1);  // would be 4 > 3: unchanged
  EXPECT_EQ(m->pages(), 2u);
  EXPECT_EQ(m->Grow(1), 2);
  EXPECT_EQ(m->Grow(1), -1);
  // The new page is usable and zeroed.
  EXPECT_EQ(m->base()[2 * kWasmPageSize], 0);
  m->base()[3 * kWasmPageSize - 1] = 7;
}

TEST(LinearMemoryTest, HostCapLimitsGrowthAndCreation) {
  std::unique_ptr<LinearMemory> m = *LinearMemory::Create(Pages(1), 4 * kWasmPageSize);
  EXPECT_EQ(m->max_pages(), 4u);
  EXPECT_EQ(m->Grow(3), 1);
  EXPECT_EQ(m->Grow(1), -1);

  absl::StatusOr<std::unique_ptr<LinearMemory>> too_big =
      LinearMemory::Create(Pages(5), 4 * kWasmPageSize);
  EXPECT_EQ(too_big.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(LinearMemoryTest, CanGrowToTheFull4GiB) {
  // Only address space: pages are committed when touched.
  std::unique_ptr<LinearMemory> m = *LinearMemory::Create(Pages(0));
  EXPECT_EQ(m->max_pages(), 65536u);
  EXPECT_EQ(m->Grow(65536), 0);
  EXPECT_EQ(m->size_bytes(), uint64_t{1} << 32);
  m->base()[(uint64_t{1} << 32) - 1] = 1;
  EXPECT_EQ(m->Grow(1), -1);
}

TEST(LinearMemoryTest, ManyMemoriesFitInTheAddressSpace) {
  // Each reserves 8 GiB of address space; a Store with dozens must work.
  std::vector<std::unique_ptr<LinearMemory>> memories;
  for (int i = 0; i < 64; ++i) {
    absl::StatusOr<std::unique_ptr<LinearMemory>> m = LinearMemory::Create(Pages(1));
    ASSERT_TRUE(m.ok()) << m.status();
    memories.push_back(*std::move(m));
  }
}

using LinearMemoryDeathTest = ::testing::Test;

TEST(LinearMemoryDeathTest, AccessPastTheSizeFaults) {
  // Compiled code relies on this instead of bounds checks.
  std::unique_ptr<LinearMemory> m = *LinearMemory::Create(Pages(1));
  volatile uint8_t* base = m->base();
  EXPECT_DEATH(base[kWasmPageSize] = 1, "");
  // The farthest an i32 address plus a u32 offset reaches.
  EXPECT_DEATH(base[LinearMemory::kReservationBytes - 2] = 1, "");
}

}  // namespace
}  // namespace kiln::runtime
