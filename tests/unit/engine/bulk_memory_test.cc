// memory.copy and memory.fill at every length around the compiler's
// in-line path (0..40 bytes: one or two accesses of 1, 2, 4, 8 or 16
// bytes) and past it (the builtin), at O0 and O2: overlapping copies in
// both directions must behave as memmove, fills must write the low byte of
// the value, and a range that ends past the memory must trap before any
// byte is written, whichever of source or destination is out of bounds.
// Long copies, which the runtime moves itself, are checked the same way.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine_test_util.h"
#include "gtest/gtest.h"

namespace kiln::engine_test {
namespace {

constexpr uint64_t kMemoryBytes = 65536;  // one page
constexpr uint32_t kMaxLength = 40;       // past the in-line limit (32)

class BulkMemoryTest : public ::testing::TestWithParam<jit::OptLevel> {
 protected:
  BulkMemoryTest() : store_(engine_) {}

  void SetUp() override {
    ModuleBuilder m;
    const uint32_t three_i32 = m.AddType({ValType::kI32, ValType::kI32, ValType::kI32}, {});
    m.AddMemory(1);
    // copy(dst, src, n) and fill(dst, value, n): the operands come from
    // arguments so that nothing is constant-folded.
    const uint32_t copy = m.AddFunction(
        three_i32, {},
        Encoder().LocalGet(0).LocalGet(1).LocalGet(2).Op(Opcode::kMemoryCopy).U32(0).U32(0).End());
    const uint32_t fill = m.AddFunction(
        three_i32, {},
        Encoder().LocalGet(0).LocalGet(1).LocalGet(2).Op(Opcode::kMemoryFill).U32(0).End());
    m.AddExport("mem", ExternKind::kMemory, 0);
    m.AddExport("copy", ExternKind::kFunc, copy);
    m.AddExport("fill", ExternKind::kFunc, fill);

    jit::CompilerOptions options;
    options.opt_level = GetParam();
    absl::StatusOr<runtime::Instance> instance =
        engine_test::Instantiate(store_, m.Build(), {}, options);
    ASSERT_TRUE(instance.ok()) << instance.status();
    instance_.emplace(*instance);
    std::optional<runtime::Extern> exported = instance_->GetExport("mem");
    ASSERT_TRUE(exported.has_value());
    const runtime::Memory* memory = std::get_if<runtime::Memory>(&*exported);
    ASSERT_NE(memory, nullptr);
    ASSERT_EQ(memory->size_bytes(), kMemoryBytes);
    memory_ = memory->data();
  }

  // Every byte different from its neighbours, and no pattern repeating
  // within the page, so a misplaced byte shows.
  void Scramble() {
    for (uint64_t i = 0; i < kMemoryBytes; ++i) {
      memory_[i] = static_cast<uint8_t>(i * 7 + 3 + (i >> 8) * 101);
    }
  }
  std::vector<uint8_t> Snapshot() const { return {memory_, memory_ + kMemoryBytes}; }

  absl::Status Run(std::string_view name, uint32_t a, uint32_t b, uint32_t n) {
    return Invoke(store_, *instance_, name,
                  {Value::I32(static_cast<int32_t>(a)), Value::I32(static_cast<int32_t>(b)),
                   Value::I32(static_cast<int32_t>(n))})
        .status();
  }

  runtime::Engine engine_;
  runtime::Store store_;
  std::optional<runtime::Instance> instance_;
  uint8_t* memory_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(OptLevels, BulkMemoryTest,
                         ::testing::Values(jit::OptLevel::kO0, jit::OptLevel::kO2),
                         [](const ::testing::TestParamInfo<jit::OptLevel>& info) {
                           return info.param == jit::OptLevel::kO0 ? "O0" : "O2";
                         });

TEST_P(BulkMemoryTest, CopyIsMemmoveAtEveryShortLengthAndOverlap) {
  // Source offsets relative to the destination: apart, and overlapping by
  // less than each access width, forwards and backwards.
  const int deltas[] = {-100, -17, -16, -9, -8, -3, -1, 0, 1, 2, 5, 8, 15, 16, 31, 100};
  const uint32_t dst = 1000;
  for (uint32_t n = 0; n <= kMaxLength; ++n) {
    for (int delta : deltas) {
      const uint32_t src = static_cast<uint32_t>(static_cast<int>(dst) + delta);
      Scramble();
      std::vector<uint8_t> expected = Snapshot();
      std::memmove(expected.data() + dst, expected.data() + src, n);
      ASSERT_TRUE(Run("copy", dst, src, n).ok()) << "n=" << n << " src=" << src;
      ASSERT_EQ(Snapshot(), expected) << "n=" << n << " src=dst" << (delta < 0 ? "" : "+") << delta;
    }
  }
}

// From kLongMove (2 KiB) up the runtime moves the data with a vector loop
// of its own (runtime/src/move_bytes.h): its aligned middle, its unaligned
// ends and both directions must still behave as memmove.
TEST_P(BulkMemoryTest, LongCopiesAreMemmoveAtEveryAlignmentAndOverlap) {
  const uint32_t lengths[] = {2047, 2048, 2049, 2048 + 127, 3000, 8192 + 5, 20000};
  for (uint32_t misalign : {0u, 1u, 13u, 31u}) {
    const uint32_t dst = 22016 + misalign;
    for (uint32_t n : lengths) {
      const int apart = static_cast<int>(n) + 64;
      for (int delta : {-apart, -4097, -129, -33, -32, -1, 0, 1, 17, 32, 100, 4096, apart}) {
        const uint32_t src = static_cast<uint32_t>(static_cast<int>(dst) + delta);
        Scramble();
        std::vector<uint8_t> expected = Snapshot();
        std::memmove(expected.data() + dst, expected.data() + src, n);
        ASSERT_TRUE(Run("copy", dst, src, n).ok()) << "n=" << n << " src=" << src;
        ASSERT_EQ(Snapshot(), expected)
            << "n=" << n << " dst=" << dst << " src=dst" << (delta < 0 ? "" : "+") << delta;
      }
    }
  }
}

TEST_P(BulkMemoryTest, FillWritesTheLowByteAtEveryShortLength) {
  for (uint32_t n = 0; n <= kMaxLength; ++n) {
    Scramble();
    std::vector<uint8_t> expected = Snapshot();
    std::memset(expected.data() + 3001, 0xA5, n);
    // Only the low byte of the value counts.
    ASSERT_TRUE(Run("fill", 3001, 0x123456A5u, n).ok()) << "n=" << n;
    ASSERT_EQ(Snapshot(), expected) << "n=" << n;
  }
}

TEST_P(BulkMemoryTest, RangesPastTheEndTrapBeforeWritingAnything) {
  for (uint32_t n = 1; n <= kMaxLength; ++n) {
    // One byte past the end; the other range well inside.
    const uint32_t past = static_cast<uint32_t>(kMemoryBytes) - n + 1;
    for (const auto& [name, a, b] : {std::tuple<const char*, uint32_t, uint32_t>{"copy", past, 0},
                                     {"copy", 0, past},
                                     {"fill", past, 0x77}}) {
      Scramble();
      const std::vector<uint8_t> before = Snapshot();
      EXPECT_TRUE(IsTrap(Run(name, a, b, n), TrapCode::kMemoryOutOfBounds))
          << name << "(" << a << ", " << b << ", " << n << ")";
      ASSERT_EQ(Snapshot(), before) << name << "(" << a << ", " << b << ", " << n << ") wrote";
    }
    // Exactly at the end is in bounds.
    const uint32_t last = static_cast<uint32_t>(kMemoryBytes) - n;
    EXPECT_TRUE(Run("copy", last, 0, n).ok()) << n;
    EXPECT_TRUE(Run("copy", 0, last, n).ok()) << n;
    EXPECT_TRUE(Run("fill", last, 1, n).ok()) << n;
  }
  // Length 0 checks the addresses too: at the end is fine, past it traps.
  const auto end = static_cast<uint32_t>(kMemoryBytes);
  EXPECT_TRUE(Run("copy", end, end, 0).ok());
  EXPECT_TRUE(Run("fill", end, 0, 0).ok());
  EXPECT_TRUE(IsTrap(Run("copy", end + 1, 0, 0), TrapCode::kMemoryOutOfBounds));
  EXPECT_TRUE(IsTrap(Run("copy", 0, end + 1, 0), TrapCode::kMemoryOutOfBounds));
  EXPECT_TRUE(IsTrap(Run("fill", end + 1, 0, 0), TrapCode::kMemoryOutOfBounds));
  // Addresses near 2^32 must not wrap around to look in bounds.
  EXPECT_TRUE(IsTrap(Run("copy", 0xFFFFFFF0u, 0, 32), TrapCode::kMemoryOutOfBounds));
  EXPECT_TRUE(IsTrap(Run("copy", 0, 0xFFFFFFF0u, 32), TrapCode::kMemoryOutOfBounds));
  EXPECT_TRUE(IsTrap(Run("fill", 0xFFFFFFFFu, 0, 2), TrapCode::kMemoryOutOfBounds));
}

}  // namespace
}  // namespace kiln::engine_test
