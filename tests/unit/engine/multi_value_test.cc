// Multi-value: functions with several results, and blocks, loops and ifs
// with parameters and several results, both inside wasm and at the
// host boundary (Store::Call returns every result, in order, typed).
#include <cstdint>

#include "engine_test_util.h"
#include "gtest/gtest.h"

namespace kiln::engine_test {
namespace {

constexpr int64_t kBig = int64_t{1} << 40;

// Exports:
//   triple       [] -> [i32 i64 f64]   (-7, 2^40, 2.5)
//   use_triple   [] -> [i64]           extend(i32) + i64 + trunc(f64) of triple
//   swap         [i32 i64] -> [i64 i32], through a block [i32 i64] -> [i64 i32]
//   sum_to       [i32] -> [i32], 1 + .. + n, in a loop [i32 i32] -> [i32 i32]
//   pick         [i32] -> [i32 i32], an if [] -> [i32 i32]: c ? (1, 2) : (3, 4)
//   br_multi     [i32] -> [i32 i64], a br_if out of a block with two values
Bytes MultiValueModule() {
  ModuleBuilder m;
  const uint32_t triple_type = m.AddType({}, {ValType::kI32, ValType::kI64, ValType::kF64});
  const uint32_t v_l = m.AddType({}, {ValType::kI64});
  const uint32_t swap_type = m.AddType({ValType::kI32, ValType::kI64}, {ValType::kI64, ValType::kI32});
  const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
  const uint32_t ii_ii = m.AddType({ValType::kI32, ValType::kI32}, {ValType::kI32, ValType::kI32});
  const uint32_t v_ii = m.AddType({}, {ValType::kI32, ValType::kI32});
  const uint32_t i_ii = m.AddType({ValType::kI32}, {ValType::kI32, ValType::kI32});
  const uint32_t v_il = m.AddType({}, {ValType::kI32, ValType::kI64});
  const uint32_t i_il = m.AddType({ValType::kI32}, {ValType::kI32, ValType::kI64});

  // A block type given by type index (an s33, here a small positive one).
  auto block = [](Encoder& e, Opcode op, uint32_t type) { e.Op(op).S32(static_cast<int32_t>(type)); };

  const uint32_t triple = m.AddFunction(
      triple_type, {}, Encoder().I32Const(-7).I64Const(kBig).F64Const(2.5).End());
  m.AddExport("triple", ExternKind::kFunc, triple);

  // [i32 i64 f64] -> [i32 i64 i64] -> [i32 i64] -> tmp; [i64] + tmp
  m.AddExport("use_triple", ExternKind::kFunc,
              m.AddFunction(v_l, {{1, ValType::kI64}},
                            Encoder().Call(triple).Op(Opcode::kI64TruncF64S).Op(Opcode::kI64Add)
                                .LocalSet(0).Op(Opcode::kI64ExtendI32S).LocalGet(0)
                                .Op(Opcode::kI64Add).End()));

  {
    // Locals: 0 = a (i32), 1 = b (i64), 2 = i32 tmp, 3 = i64 tmp.
    Encoder e;
    e.LocalGet(0).LocalGet(1);
    block(e, Opcode::kBlock, swap_type);
    e.LocalSet(3).LocalSet(2).LocalGet(3).LocalGet(2).End().End();
    m.AddExport("swap", ExternKind::kFunc,
                m.AddFunction(swap_type, {{1, ValType::kI32}, {1, ValType::kI64}}, e));
  }
  {
    // Locals: 0 = n, 1 = a, 2 = b. The loop carries [n, acc]:
    //   [n acc] -> [n-1, acc+n], again while n > 1; the result is acc.
    Encoder e;
    e.LocalGet(0).I32Const(0);
    block(e, Opcode::kLoop, ii_ii);
    e.LocalSet(2).LocalSet(1)
        .LocalGet(1).I32Const(1).Op(Opcode::kI32Sub)
        .LocalGet(2).LocalGet(1).Op(Opcode::kI32Add)
        .LocalGet(1).I32Const(1).Op(Opcode::kI32GtS).BrIf(0)
        .End()
        .LocalSet(2).Op(Opcode::kDrop).LocalGet(2).End();
    m.AddExport("sum_to", ExternKind::kFunc, m.AddFunction(i_i, {{2, ValType::kI32}}, e));
  }
  {
    Encoder e;
    e.LocalGet(0);
    block(e, Opcode::kIf, v_ii);
    e.I32Const(1).I32Const(2).Op(Opcode::kElse).I32Const(3).I32Const(4).End().End();
    m.AddExport("pick", ExternKind::kFunc, m.AddFunction(i_ii, {}, e));
  }
  {
    // block (result i32 i64) { 5, 6, br_if 0 (c); drop drop; 7, 8 }
    Encoder e;
    block(e, Opcode::kBlock, v_il);
    e.I32Const(5).I64Const(6).LocalGet(0).BrIf(0)
        .Op(Opcode::kDrop).Op(Opcode::kDrop).I32Const(7).I64Const(8).End().End();
    m.AddExport("br_multi", ExternKind::kFunc, m.AddFunction(i_il, {}, e));
  }
  return m.Build();
}

class MultiValueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<runtime::Instance> instance = Instantiate(store_, MultiValueModule());
    ASSERT_TRUE(instance.ok()) << instance.status();
    instance_ = *instance;
  }

  std::vector<Value> Call(std::string_view name, std::vector<Value> args = {}) {
    absl::StatusOr<std::vector<Value>> results = Invoke(store_, *instance_, name, std::move(args));
    EXPECT_TRUE(results.ok()) << name << ": " << results.status();
    return results.ok() ? *results : std::vector<Value>{};
  }

  runtime::Engine engine_;
  runtime::Store store_{engine_};
  std::optional<runtime::Instance> instance_;
};

TEST_F(MultiValueTest, ThreeResultsOfThreeTypesReachTheHost) {
  EXPECT_EQ(Call("triple"), (std::vector<Value>{Value::I32(-7), Value::I64(kBig), Value::F64(2.5)}));
}

TEST_F(MultiValueTest, ThreeResultsReachAWasmCaller) {
  EXPECT_EQ(Call("use_triple"), std::vector<Value>{Value::I64(kBig + 2 - 7)});
}

TEST_F(MultiValueTest, BlockWithParamsAndResults) {
  EXPECT_EQ(Call("swap", {Value::I32(-1), Value::I64(kBig + 5)}),
            (std::vector<Value>{Value::I64(kBig + 5), Value::I32(-1)}));
}

TEST_F(MultiValueTest, LoopCarriesTwoValues) {
  EXPECT_EQ(Call("sum_to", {Value::I32(1)}), std::vector<Value>{Value::I32(1)});
  EXPECT_EQ(Call("sum_to", {Value::I32(4)}), std::vector<Value>{Value::I32(10)});
  EXPECT_EQ(Call("sum_to", {Value::I32(100)}), std::vector<Value>{Value::I32(5050)});
}

TEST_F(MultiValueTest, IfWithTwoResults) {
  EXPECT_EQ(Call("pick", {Value::I32(1)}), (std::vector<Value>{Value::I32(1), Value::I32(2)}));
  EXPECT_EQ(Call("pick", {Value::I32(0)}), (std::vector<Value>{Value::I32(3), Value::I32(4)}));
}

TEST_F(MultiValueTest, BranchCarriesTwoValues) {
  EXPECT_EQ(Call("br_multi", {Value::I32(1)}), (std::vector<Value>{Value::I32(5), Value::I64(6)}));
  EXPECT_EQ(Call("br_multi", {Value::I32(0)}), (std::vector<Value>{Value::I32(7), Value::I64(8)}));
}

}  // namespace
}  // namespace kiln::engine_test
