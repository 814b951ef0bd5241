// Deterministic compilation: a CodeImage, and the artifact written from it,
// must depend only on the module and the compiler options — never on how
// many threads compiled it or in what order batches finished — so that
// cached artifacts are reproducible. And
// every optimisation level must compute the same, correct results.
#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine_test_util.h"
#include "gtest/gtest.h"
#include "kiln/wasm/validator.h"
#include "tbb/task_arena.h"

namespace kiln::engine_test {
namespace {

constexpr uint32_t kFunctions = 50;

// kFunctions functions f0..f49 : [i32] -> [i32], each calling the one
// before it, with a mix of features so that batches differ in content:
//   f0(x) = x + 1
//   fi(x) = f(i-1)(x * 3 + i) ^ (x >>u (i % 5)), then
//     i % 7 == 0:  r = r * 31 + k for k in [0, x & 15)      (a loop)
//     i % 5 == 0:  mem[4i] = r; r = mem[4i] + i              (memory)
//     i % 11 == 0: r = wrap((extend_u(r) * 0x100000001) >>u 7)  (i64)
// Exported as "f0".."f49". Reference() computes the same in C++.
Bytes ChainModule() {
  ModuleBuilder m;
  const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
  m.AddMemory(1);
  for (uint32_t i = 0; i < kFunctions; ++i) {
    // Locals: 0 = x, 1 = r, 2 = k.
    Encoder body;
    if (i == 0) {
      body.LocalGet(0).I32Const(1).Op(Opcode::kI32Add).LocalSet(1);
    } else {
      body.LocalGet(0).I32Const(3).Op(Opcode::kI32Mul).I32Const(static_cast<int32_t>(i))
          .Op(Opcode::kI32Add).Call(i - 1)
          .LocalGet(0).I32Const(static_cast<int32_t>(i % 5)).Op(Opcode::kI32ShrU)
          .Op(Opcode::kI32Xor).LocalSet(1);
    }
    if (i % 7 == 0) {
      body.Block().Loop()
          .LocalGet(2).LocalGet(0).I32Const(15).Op(Opcode::kI32And).Op(Opcode::kI32GeU).BrIf(1)
          .LocalGet(1).I32Const(31).Op(Opcode::kI32Mul).LocalGet(2).Op(Opcode::kI32Add).LocalSet(1)
          .LocalGet(2).I32Const(1).Op(Opcode::kI32Add).LocalSet(2)
          .Br(0)
          .End().End();
    }
    if (i % 5 == 0) {
      const int32_t address = static_cast<int32_t>(4 * i);
      body.I32Const(address).LocalGet(1).Mem(Opcode::kI32Store, 2, 0)
          .I32Const(address).Mem(Opcode::kI32Load, 2, 0).I32Const(static_cast<int32_t>(i))
          .Op(Opcode::kI32Add).LocalSet(1);
    }
    if (i % 11 == 0) {
      body.LocalGet(1).Op(Opcode::kI64ExtendI32U).I64Const(0x100000001).Op(Opcode::kI64Mul)
          .I64Const(7).Op(Opcode::kI64ShrU).Op(Opcode::kI32WrapI64).LocalSet(1);
    }
    body.LocalGet(1).End();
    const uint32_t f = m.AddFunction(i_i, {{2, ValType::kI32}}, body);
    m.AddExport(absl::StrCat("f", i), ExternKind::kFunc, f);
  }
  return m.Build();
}

uint32_t Reference(uint32_t i, uint32_t x) {
  uint32_t r = i == 0 ? x + 1 : Reference(i - 1, x * 3 + i) ^ (x >> (i % 5));
  if (i % 7 == 0) {
    for (uint32_t k = 0; k < (x & 15); ++k) r = r * 31 + k;
  }
  if (i % 5 == 0) r += i;
  if (i % 11 == 0) r = static_cast<uint32_t>((uint64_t{r} * 0x100000001ull) >> 7);
  return r;
}

std::unique_ptr<jit::Compiler> MakeCompiler(const jit::CompilerOptions& options) {
  absl::StatusOr<std::unique_ptr<jit::Compiler>> compiler = jit::Compiler::Create(options);
  EXPECT_TRUE(compiler.ok()) << compiler.status();
  return compiler.ok() ? *std::move(compiler) : nullptr;
}

TEST(DeterminismTest, SameModuleCompilesToSameBytes) {
  const Bytes bytes = ChainModule();
  std::unique_ptr<jit::Compiler> compiler = MakeCompiler({});
  ASSERT_NE(compiler, nullptr);
  absl::StatusOr<wasm::CodeImage> first = CompileImage(*compiler, bytes);
  absl::StatusOr<wasm::CodeImage> second = CompileImage(*compiler, bytes);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->functions.size(), kFunctions);
  ExpectSameImage(*first, *second);
  ExpectSameArtifact(bytes, *first, *second);

  // A second Compiler with the same options is no different.
  std::unique_ptr<jit::Compiler> other = MakeCompiler({});
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(compiler->fingerprint(), other->fingerprint());
  absl::StatusOr<wasm::CodeImage> third = CompileImage(*other, bytes);
  ASSERT_TRUE(third.ok()) << third.status();
  ExpectSameImage(*first, *third);
  ExpectSameArtifact(bytes, *first, *third);
}

TEST(DeterminismTest, ThreadCountDoesNotChangeTheImage) {
  const Bytes bytes = ChainModule();
  // 4 functions per batch: 13 batches, so two threads really interleave.
  std::unique_ptr<jit::Compiler> compiler = MakeCompiler({.functions_per_batch = 4});
  ASSERT_NE(compiler, nullptr);

  auto compile_in_arena = [&](int threads) {
    tbb::task_arena arena(threads);
    absl::StatusOr<wasm::CodeImage> image = absl::UnknownError("not run");
    arena.execute([&] { image = CompileImage(*compiler, bytes); });
    return image;
  };
  absl::StatusOr<wasm::CodeImage> one = compile_in_arena(1);
  absl::StatusOr<wasm::CodeImage> two = compile_in_arena(2);
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_TRUE(two.ok()) << two.status();
  ExpectSameImage(*one, *two);
  ExpectSameArtifact(bytes, *one, *two);
  // Several rounds with two threads, as batch completion order varies.
  for (int round = 0; round < 3; ++round) {
    absl::StatusOr<wasm::CodeImage> again = compile_in_arena(2);
    ASSERT_TRUE(again.ok()) << again.status();
    ExpectSameImage(*one, *again);
    ExpectSameArtifact(bytes, *one, *again);
  }

  // And the image runs.
  runtime::Engine engine;
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
      runtime::Module::Load(engine, bytes, *two);
  ASSERT_TRUE(module.ok()) << module.status();
  runtime::Store store(engine);
  absl::StatusOr<runtime::Instance> instance = runtime::Linker().Instantiate(store, *module);
  ASSERT_TRUE(instance.ok()) << instance.status();
  absl::StatusOr<int32_t> result = InvokeI32(store, *instance, "f49", {Value::I32(12345)});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(static_cast<uint32_t>(*result), Reference(kFunctions - 1, 12345));
}

TEST(CancellationTest, CancelledCompileStopsSchedulingBatches) {
  const Bytes bytes = ChainModule();
  // One function per batch: 51 batches (with the trampolines).
  std::unique_ptr<jit::Compiler> compiler = MakeCompiler({.functions_per_batch = 1});
  ASSERT_NE(compiler, nullptr);
  absl::StatusOr<wasm::Module> module = wasm::DecodeAndValidate(bytes);
  ASSERT_TRUE(module.ok()) << module.status();

  // How often a compile that runs to the end asks (before each batch and
  // between the optimizer's passes).
  std::atomic<int> asked_in_full{0};
  ASSERT_TRUE(compiler->Compile(*module, [&] {
    asked_in_full.fetch_add(1);
    return false;
  }).ok());

  std::atomic<int> asked{0};
  absl::StatusOr<wasm::CodeImage> image = compiler->Compile(*module, [&] {
    return asked.fetch_add(1) >= 3;  // the caller gives up after three questions
  });
  EXPECT_EQ(image.status().code(), absl::StatusCode::kCancelled) << image.status();
  // The batches not yet started were skipped without compiling, and those
  // running skipped their remaining passes: far fewer questions.
  EXPECT_LT(asked.load(), asked_in_full.load() / 2);

  // Not cancelled: the same compiler compiles it whole.
  image = compiler->Compile(*module, [] { return false; });
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->functions.size(), kFunctions);
}

class OptLevelTest : public ::testing::TestWithParam<jit::OptLevel> {};

TEST_P(OptLevelTest, ComputesTheReferenceResults) {
  runtime::Engine engine;
  runtime::Store store(engine);
  absl::StatusOr<runtime::Instance> instance =
      Instantiate(store, ChainModule(), {}, {.opt_level = GetParam()});
  ASSERT_TRUE(instance.ok()) << instance.status();
  for (uint32_t x : {0u, 1u, 7u, 15u, 16u, 12345u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu}) {
    for (uint32_t i : {0u, 1u, 7u, 22u, 35u, 49u}) {
      absl::StatusOr<int32_t> result = InvokeI32(store, *instance, absl::StrCat("f", i),
                                                 {Value::I32(static_cast<int32_t>(x))});
      ASSERT_TRUE(result.ok()) << result.status();
      EXPECT_EQ(static_cast<uint32_t>(*result), Reference(i, x)) << "f" << i << "(" << x << ")";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllLevels, OptLevelTest,
                         ::testing::Values(jit::OptLevel::kO0, jit::OptLevel::kO1,
                                           jit::OptLevel::kO2),
                         [](const ::testing::TestParamInfo<jit::OptLevel>& info) {
                           return absl::StrCat("O", static_cast<int>(info.param));
                         });

}  // namespace
}  // namespace kiln::engine_test
