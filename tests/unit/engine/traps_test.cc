// Every kind of trap generated code can raise: each must reach the host as
// the right TrapCode with the spec's text, and must leave the Store (its
// memory, its table, its code) fully usable.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "engine_test_util.h"
#include "gtest/gtest.h"

namespace kiln::engine_test {
namespace {

constexpr int32_t kPage = 65536;

// One export per instruction under test, named after it; operands come
// from the arguments so that one export covers the trapping and the
// non-trapping cases. Memory: 1 page. Table: 3 funcrefs,
// [0] = answer (() -> i32), [1] = null, [2] = identity ((i32) -> i32).
Bytes TrapModule() {
  ModuleBuilder m;
  const uint32_t v_v = m.AddType({}, {});
  const uint32_t v_i = m.AddType({}, {ValType::kI32});
  const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
  const uint32_t ii_i = m.AddType({ValType::kI32, ValType::kI32}, {ValType::kI32});
  const uint32_t ll_l = m.AddType({ValType::kI64, ValType::kI64}, {ValType::kI64});
  const uint32_t d_i = m.AddType({ValType::kF64}, {ValType::kI32});
  const uint32_t f_l = m.AddType({ValType::kF32}, {ValType::kI64});
  const uint32_t i_l = m.AddType({ValType::kI32}, {ValType::kI64});
  const uint32_t ii_v = m.AddType({ValType::kI32, ValType::kI32}, {});
  const uint32_t iii_v = m.AddType({ValType::kI32, ValType::kI32, ValType::kI32}, {});
  m.AddMemory(1);
  m.AddTable(ValType::kFuncRef, 3, 3);

  auto binary = [&](std::string_view name, uint32_t type, Opcode op) {
    const uint32_t f = m.AddFunction(type, {}, Encoder().LocalGet(0).LocalGet(1).Op(op).End());
    m.AddExport(name, ExternKind::kFunc, f);
  };
  auto unary = [&](std::string_view name, uint32_t type, Opcode op) {
    const uint32_t f = m.AddFunction(type, {}, Encoder().LocalGet(0).Op(op).End());
    m.AddExport(name, ExternKind::kFunc, f);
  };

  const uint32_t answer = m.AddFunction(v_i, {}, Encoder().I32Const(42).End());
  m.AddExport("answer", ExternKind::kFunc, answer);
  const uint32_t identity = m.AddFunction(i_i, {}, Encoder().LocalGet(0).End());
  m.AddActiveElements(0, {answer});
  m.AddActiveElements(2, {identity});

  m.AddExport("unreachable", ExternKind::kFunc,
              m.AddFunction(v_v, {}, Encoder().Op(Opcode::kUnreachable).End()));
  binary("i32.div_s", ii_i, Opcode::kI32DivS);
  binary("i32.rem_s", ii_i, Opcode::kI32RemS);
  binary("i32.rem_u", ii_i, Opcode::kI32RemU);
  binary("i64.div_s", ll_l, Opcode::kI64DivS);
  binary("i64.div_u", ll_l, Opcode::kI64DivU);
  unary("i32.trunc_f64_s", d_i, Opcode::kI32TruncF64S);
  unary("i64.trunc_f32_u", f_l, Opcode::kI64TruncF32U);

  m.AddExport("i32.load", ExternKind::kFunc,
              m.AddFunction(i_i, {}, Encoder().LocalGet(0).Mem(Opcode::kI32Load, 2, 0).End()));
  // The static offset alone keeps the access in bounds for address 0; it
  // is the address + offset + 8 that passes the end.
  m.AddExport("i64.load offset=65530", ExternKind::kFunc,
              m.AddFunction(i_l, {}, Encoder().LocalGet(0).Mem(Opcode::kI64Load, 0, 65530).End()));
  m.AddExport("i32.store", ExternKind::kFunc,
              m.AddFunction(ii_v, {},
                            Encoder().LocalGet(0).LocalGet(1).Mem(Opcode::kI32Store, 2, 0).End()));
  // memory.fill dst val len / memory.copy dst src len; both take a memory
  // index byte after the opcode (two for copy).
  m.AddExport("memory.fill", ExternKind::kFunc,
              m.AddFunction(iii_v, {},
                            Encoder().LocalGet(0).LocalGet(1).LocalGet(2)
                                .Op(Opcode::kMemoryFill).Byte(0).End()));
  m.AddExport("memory.copy", ExternKind::kFunc,
              m.AddFunction(iii_v, {},
                            Encoder().LocalGet(0).LocalGet(1).LocalGet(2)
                                .Op(Opcode::kMemoryCopy).Byte(0).Byte(0).End()));
  // ref.is_null (table.get 0 index)
  m.AddExport("table.get", ExternKind::kFunc,
              m.AddFunction(i_i, {},
                            Encoder().LocalGet(0).Op(Opcode::kTableGet).U32(0)
                                .Op(Opcode::kRefIsNull).End()));
  // call_indirect (type () -> i32) table 0, at the given index.
  m.AddExport("call_indirect", ExternKind::kFunc,
              m.AddFunction(i_i, {},
                            Encoder().LocalGet(0).Op(Opcode::kCallIndirect).U32(v_i).U32(0).End()));
  return m.Build();
}

struct TrapCase {
  std::string test_name;
  std::string export_name;
  std::vector<Value> args;
  TrapCode code;
  std::string message;  // the spec's text, written out
};

std::ostream& operator<<(std::ostream& os, const TrapCase& c) { return os << c.test_name; }

constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();

std::vector<TrapCase> TrapCases() {
  const std::string kOobMemory = "out of bounds memory access";
  const std::string kDivZero = "integer divide by zero";
  const std::string kOverflow = "integer overflow";
  const std::string kBadConversion = "invalid conversion to integer";
  return {
      {"Unreachable", "unreachable", {}, TrapCode::kUnreachable, "unreachable"},
      {"I32DivByZero", "i32.div_s", {Value::I32(7), Value::I32(0)},
       TrapCode::kIntegerDivideByZero, kDivZero},
      {"I32RemByZero", "i32.rem_u", {Value::I32(7), Value::I32(0)},
       TrapCode::kIntegerDivideByZero, kDivZero},
      {"I64DivByZero", "i64.div_u", {Value::I64(7), Value::I64(0)},
       TrapCode::kIntegerDivideByZero, kDivZero},
      {"I32DivOverflow", "i32.div_s", {Value::I32(kI32Min), Value::I32(-1)},
       TrapCode::kIntegerOverflow, kOverflow},
      {"I64DivOverflow", "i64.div_s", {Value::I64(kI64Min), Value::I64(-1)},
       TrapCode::kIntegerOverflow, kOverflow},
      {"TruncNaN", "i32.trunc_f64_s", {Value::F64(std::nan(""))},
       TrapCode::kInvalidConversionToInteger, kBadConversion},
      {"TruncUnsignedNaN", "i64.trunc_f32_u", {Value::F32(std::nanf(""))},
       TrapCode::kInvalidConversionToInteger, kBadConversion},
      // Out of range, unlike NaN, is an overflow.
      {"TruncOutOfRange", "i32.trunc_f64_s", {Value::F64(3e9)}, TrapCode::kIntegerOverflow,
       kOverflow},
      {"LoadPastEnd", "i32.load", {Value::I32(kPage)}, TrapCode::kMemoryOutOfBounds, kOobMemory},
      {"LoadStraddlingEnd", "i32.load", {Value::I32(kPage - 2)}, TrapCode::kMemoryOutOfBounds,
       kOobMemory},
      {"LoadAtMaxAddress", "i32.load", {Value::I32(-1)}, TrapCode::kMemoryOutOfBounds,
       kOobMemory},
      {"LoadPastEndByOffset", "i64.load offset=65530", {Value::I32(0)},
       TrapCode::kMemoryOutOfBounds, kOobMemory},
      {"StorePastEnd", "i32.store", {Value::I32(kPage), Value::I32(1)},
       TrapCode::kMemoryOutOfBounds, kOobMemory},
      {"StoreAtMaxAddress", "i32.store", {Value::I32(-4), Value::I32(1)},
       TrapCode::kMemoryOutOfBounds, kOobMemory},
      {"FillPastEnd", "memory.fill", {Value::I32(kPage - 100), Value::I32(0), Value::I32(101)},
       TrapCode::kMemoryOutOfBounds, kOobMemory},
      // Even an empty fill traps when its start is past the end.
      {"EmptyFillPastEnd", "memory.fill", {Value::I32(kPage + 1), Value::I32(0), Value::I32(0)},
       TrapCode::kMemoryOutOfBounds, kOobMemory},
      {"CopyFromPastEnd", "memory.copy", {Value::I32(0), Value::I32(kPage - 10), Value::I32(11)},
       TrapCode::kMemoryOutOfBounds, kOobMemory},
      {"CopyToPastEnd", "memory.copy", {Value::I32(kPage - 10), Value::I32(0), Value::I32(11)},
       TrapCode::kMemoryOutOfBounds, kOobMemory},
      {"CopyHugeLength", "memory.copy", {Value::I32(0), Value::I32(0), Value::I32(-1)},
       TrapCode::kMemoryOutOfBounds, kOobMemory},
      {"TableGetPastEnd", "table.get", {Value::I32(3)}, TrapCode::kTableOutOfBounds,
       "out of bounds table access"},
      {"CallIndirectNull", "call_indirect", {Value::I32(1)}, TrapCode::kIndirectCallToNull,
       "uninitialized element"},
      {"CallIndirectPastEnd", "call_indirect", {Value::I32(3)}, TrapCode::kUndefinedElement,
       "undefined element"},
      {"CallIndirectAtMaxIndex", "call_indirect", {Value::I32(-1)}, TrapCode::kUndefinedElement,
       "undefined element"},
      {"CallIndirectWrongType", "call_indirect", {Value::I32(2)},
       TrapCode::kIndirectCallTypeMismatch, "indirect call type mismatch"},
  };
}

// Checks that everything the module can do without trapping still works:
// code runs, memory holds what was written, the table is intact.
void ExpectStoreWorks(runtime::Store& store, const runtime::Instance& instance) {
  absl::StatusOr<int32_t> answer = InvokeI32(store, instance, "answer");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, 42);

  ASSERT_TRUE(Invoke(store, instance, "i32.store", {Value::I32(kPage - 4), Value::I32(0x1234)})
                  .ok());
  absl::StatusOr<int32_t> loaded = InvokeI32(store, instance, "i32.load", {Value::I32(kPage - 4)});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(*loaded, 0x1234);

  absl::StatusOr<int32_t> indirect = InvokeI32(store, instance, "call_indirect", {Value::I32(0)});
  ASSERT_TRUE(indirect.ok()) << indirect.status();
  EXPECT_EQ(*indirect, 42);
}

class TrapTest : public ::testing::TestWithParam<TrapCase> {};

TEST_P(TrapTest, TrapsWithCodeAndMessage) {
  const TrapCase& c = GetParam();
  runtime::Engine engine;
  runtime::Store store(engine);
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, TrapModule());
  ASSERT_TRUE(instance.ok()) << instance.status();

  absl::Status status = Invoke(store, *instance, c.export_name, c.args).status();
  EXPECT_TRUE(IsTrap(status, c.code));
  EXPECT_EQ(Message(status), c.message);
  ExpectStoreWorks(store, *instance);

  // The same trap again, from a Store that has trapped before.
  EXPECT_TRUE(IsTrap(Invoke(store, *instance, c.export_name, c.args).status(), c.code));
  ExpectStoreWorks(store, *instance);
}

INSTANTIATE_TEST_SUITE_P(AllKinds, TrapTest, ::testing::ValuesIn(TrapCases()),
                         [](const ::testing::TestParamInfo<TrapCase>& info) {
                           return info.param.test_name;
                         });

TEST(TrapSequenceTest, OneStoreSurvivesEveryTrapInTurn) {
  runtime::Engine engine;
  runtime::Store store(engine);
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, TrapModule());
  ASSERT_TRUE(instance.ok()) << instance.status();
  ASSERT_TRUE(Invoke(store, *instance, "i32.store", {Value::I32(100), Value::I32(-5)}).ok());
  for (const TrapCase& c : TrapCases()) {
    SCOPED_TRACE(c.test_name);
    EXPECT_TRUE(IsTrap(Invoke(store, *instance, c.export_name, c.args).status(), c.code));
    ExpectStoreWorks(store, *instance);
  }
  // Memory written before all those traps is untouched.
  absl::StatusOr<int32_t> loaded = InvokeI32(store, *instance, "i32.load", {Value::I32(100)});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(*loaded, -5);
}

// The neighbours of each trap that the spec says must not trap.
TEST(TrapSequenceTest, EdgeCasesThatMustNotTrap) {
  runtime::Engine engine;
  runtime::Store store(engine);
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, TrapModule());
  ASSERT_TRUE(instance.ok()) << instance.status();

  // rem_s of INT_MIN by -1 is 0, not an overflow.
  absl::StatusOr<int32_t> rem =
      InvokeI32(store, *instance, "i32.rem_s", {Value::I32(kI32Min), Value::I32(-1)});
  ASSERT_TRUE(rem.ok()) << rem.status();
  EXPECT_EQ(*rem, 0);
  // -0.9 truncates to 0, which is in range.
  absl::StatusOr<int32_t> trunc = InvokeI32(store, *instance, "i32.trunc_f64_s", {Value::F64(-0.9)});
  ASSERT_TRUE(trunc.ok()) << trunc.status();
  EXPECT_EQ(*trunc, 0);
  // The last word of memory, an empty fill and copy at the very end.
  EXPECT_TRUE(InvokeI32(store, *instance, "i32.load", {Value::I32(kPage - 4)}).ok());
  EXPECT_TRUE(Invoke(store, *instance, "memory.fill",
                     {Value::I32(kPage), Value::I32(0), Value::I32(0)}).ok());
  EXPECT_TRUE(Invoke(store, *instance, "memory.copy",
                     {Value::I32(kPage), Value::I32(kPage), Value::I32(0)}).ok());
  // A fill of the whole page.
  EXPECT_TRUE(Invoke(store, *instance, "memory.fill",
                     {Value::I32(0), Value::I32(0xAB), Value::I32(kPage)}).ok());
  absl::StatusOr<int32_t> filled = InvokeI32(store, *instance, "i32.load", {Value::I32(kPage - 4)});
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_EQ(static_cast<uint32_t>(*filled), 0xABABABABu);
  // The last table slot, and a null one read (not called).
  absl::StatusOr<int32_t> is_null = InvokeI32(store, *instance, "table.get", {Value::I32(1)});
  ASSERT_TRUE(is_null.ok()) << is_null.status();
  EXPECT_EQ(*is_null, 1);
  absl::StatusOr<int32_t> last = InvokeI32(store, *instance, "table.get", {Value::I32(2)});
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(*last, 0);
}

}  // namespace
}  // namespace kiln::engine_test
