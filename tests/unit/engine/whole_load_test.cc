// A wasm load traps when any byte it reads is past the end of memory, even
// when the program uses only part of the value or none of it. LLVM deletes
// unused loads and narrows partly used ones to the part used, which would
// skip the guard region (jit/src/whole_memory_loads.h): each export here
// reads across the end of a one-page memory in one such shape and must
// trap at every optimization level, and still return the right value when
// the whole access is in bounds. (A load whose use LLVM simplifies away
// later, such as (i64.mul (i64.load a) 0), is not covered; see the pass.)
#include <cstdint>
#include <string>
#include <string_view>

#include "engine_test_util.h"
#include "gtest/gtest.h"

namespace kiln::engine_test {
namespace {

constexpr int32_t kPage = 65536;

// The last 16 bytes of the page: 0xF0, 0xF1, ..., 0xFF.
std::string PageTail() {
  std::string bytes;
  for (int i = 0; i < 16; ++i) bytes += static_cast<char>(0xF0 + i);
  return bytes;
}

class WholeLoadTest : public ::testing::TestWithParam<jit::OptLevel> {
 protected:
  void SetUp() override {
    ModuleBuilder m;
    const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
    const uint32_t i_l = m.AddType({ValType::kI32}, {ValType::kI64});
    m.AddMemory(1);
    m.AddActiveData(kPage - 16, PageTail());
    auto add = [&](std::string_view name, uint32_t type, const Encoder& body,
                   std::vector<LocalDecl> locals = {}) {
      m.AddExport(name, ExternKind::kFunc, m.AddFunction(type, std::move(locals), body));
    };
    // (i32.wrap_i64 (i64.load a)): the low 4 of 8 bytes.
    add("wrap", i_i,
        Encoder().LocalGet(0).Mem(Opcode::kI64Load, 3, 0).Op(Opcode::kI32WrapI64).End());
    // (i32.and (i32.load a) 0xFF): the low byte of 4.
    add("mask", i_i,
        Encoder().LocalGet(0).Mem(Opcode::kI32Load, 2, 0).I32Const(0xFF).Op(Opcode::kI32And).End());
    // (i32.wrap_i64 (i64.shr_u (i64.load a) 8)): bytes 1 to 4 of 8.
    add("shift_wrap", i_i,
        Encoder().LocalGet(0).Mem(Opcode::kI64Load, 3, 0).I64Const(8).Op(Opcode::kI64ShrU)
            .Op(Opcode::kI32WrapI64).End());
    // local.set of a load into a local nobody reads, then 7.
    add("unread_local", i_i,
        Encoder().LocalGet(0).Mem(Opcode::kI64Load, 3, 0).LocalSet(1).I32Const(7).End(),
        {LocalDecl{1, ValType::kI64}});
    // (drop (i64.add (i64.load a) 1)), then 7: a dead computation.
    add("drop_sum", i_i,
        Encoder().LocalGet(0).Mem(Opcode::kI64Load, 3, 0).I64Const(1).Op(Opcode::kI64Add)
            .Op(Opcode::kDrop).I32Const(7).End());
    // (drop (i64.load a)), then 7.
    add("drop", i_i,
        Encoder().LocalGet(0).Mem(Opcode::kI64Load, 3, 0).Op(Opcode::kDrop).I32Const(7).End());
    // (i32x4.extract_lane 0 (v128.load a)): 4 of 16 bytes.
    add("lane", i_i,
        Encoder().LocalGet(0).Mem(Opcode::kV128Load, 4, 0)
            .Op(Opcode::kI32x4ExtractLane).Byte(0).End());
    // (i16x8.extract_lane_u 0 (v128.load8x8_u a)): 1 of 8 bytes, extended.
    add("extended_lane", i_i,
        Encoder().LocalGet(0).Mem(Opcode::kV128Load8x8U, 3, 0)
            .Op(Opcode::kI16x8ExtractLaneU).Byte(0).End());
    // (i64x2.extract_lane 0 (i8x16.shuffle 0..7 0..7 (v128.load a) ...)):
    // the shuffle keeps only the low 8 bytes.
    Encoder shuffle;
    shuffle.LocalGet(0).Mem(Opcode::kV128Load, 4, 0).LocalTee(1).LocalGet(1);
    shuffle.Op(Opcode::kI8x16Shuffle);
    for (int i = 0; i < 16; ++i) shuffle.Byte(static_cast<uint8_t>(i % 8));
    shuffle.Op(Opcode::kI64x2ExtractLane).Byte(0).End();
    add("shuffled_half", i_l, shuffle, {LocalDecl{1, ValType::kV128}});

    jit::CompilerOptions options;
    options.opt_level = GetParam();
    absl::StatusOr<runtime::Instance> instance =
        engine_test::Instantiate(store_, m.Build(), runtime::Linker{}, options);
    ASSERT_TRUE(instance.ok()) << instance.status();
    instance_.emplace(*instance);
  }

  absl::StatusOr<std::vector<Value>> Call(std::string_view name, int32_t address) {
    return Invoke(store_, *instance_, name, {Value::I32(address)});
  }

  // `name` at `address` traps as out of bounds.
  void ExpectTrap(std::string_view name, int32_t address) {
    const absl::Status status = Call(name, address).status();
    EXPECT_TRUE(IsTrap(status, TrapCode::kMemoryOutOfBounds))
        << name << " at " << address << ": " << status;
  }
  // `name` at `address` returns `expected` (as an i32 or i64 result).
  void ExpectResult(std::string_view name, int32_t address, uint64_t expected) {
    absl::StatusOr<std::vector<Value>> results = Call(name, address);
    ASSERT_TRUE(results.ok()) << name << " at " << address << ": " << results.status();
    ASSERT_EQ(results->size(), 1u);
    const Value& v = (*results)[0];
    const uint64_t got = v.type() == ValType::kI32 ? static_cast<uint32_t>(v.i32())
                                                   : static_cast<uint64_t>(v.i64());
    EXPECT_EQ(got, expected) << name << " at " << address;
  }

  runtime::Engine engine_;
  runtime::Store store_{engine_};
  std::optional<runtime::Instance> instance_;
};

TEST_P(WholeLoadTest, ScalarLoadsUsedInPartTrapAcrossTheEnd) {
  ExpectTrap("wrap", kPage - 4);
  ExpectTrap("mask", kPage - 3);
  ExpectTrap("shift_wrap", kPage - 2);
  // In bounds they give the bytes they read (little-endian).
  ExpectResult("wrap", kPage - 8, 0xFBFAF9F8u);
  ExpectResult("mask", kPage - 4, 0xFCu);
  ExpectResult("shift_wrap", kPage - 8, 0xFCFBFAF9u);
}

TEST_P(WholeLoadTest, LoadsWhoseValueIsUnusedTrapAcrossTheEnd) {
  ExpectTrap("unread_local", kPage - 2);
  ExpectTrap("drop", kPage - 6);
  ExpectTrap("drop_sum", kPage - 5);
  ExpectResult("unread_local", kPage - 8, 7);
  ExpectResult("drop", kPage - 8, 7);
  ExpectResult("drop_sum", kPage - 8, 7);
}

TEST_P(WholeLoadTest, VectorLoadsUsedInPartTrapAcrossTheEnd) {
  ExpectTrap("lane", kPage - 8);
  ExpectTrap("extended_lane", kPage - 4);
  ExpectTrap("shuffled_half", kPage - 12);
  ExpectResult("lane", kPage - 16, 0xF3F2F1F0u);
  ExpectResult("extended_lane", kPage - 8, 0xF8u);
  ExpectResult("shuffled_half", kPage - 16, 0xF7F6F5F4F3F2F1F0ull);
}

INSTANTIATE_TEST_SUITE_P(OptLevels, WholeLoadTest,
                         ::testing::Values(jit::OptLevel::kO0, jit::OptLevel::kO1,
                                           jit::OptLevel::kO2),
                         [](const ::testing::TestParamInfo<jit::OptLevel>& info) {
                           switch (info.param) {
                             case jit::OptLevel::kO0: return "O0";
                             case jit::OptLevel::kO1: return "O1";
                             default: return "O2";
                           }
                         });

}  // namespace
}  // namespace kiln::engine_test
