// Regressions found by the fuzzers of tests/fuzz (scripts/fuzz.sh): each
// test is the smallest form of an input that crashed Kiln or broke its
// error contract, kept so that the bug stays fixed in the ordinary build.
#include <signal.h>

#include <variant>

#include "engine_test_util.h"
#include "gtest/gtest.h"

namespace kiln::engine_test {
namespace {

// compile_run_fuzzer: a module exporting only a memory, with no functions
// at all, made instantiation index the empty function array for a
// placeholder export (undefined behaviour, reported by UBSan).
TEST(FuzzRegressionTest, ModuleWithoutFunctionsExportsItsMemory) {
  ModuleBuilder m;
  m.AddMemory(0);
  m.AddExport("a", ExternKind::kMemory, 0);
  runtime::Engine engine;
  runtime::Store store(engine);
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, m.Build());
  ASSERT_TRUE(instance.ok()) << instance.status();
  std::optional<runtime::Extern> exported = instance->GetExport("a");
  ASSERT_TRUE(exported.has_value());
  EXPECT_NE(std::get_if<runtime::Memory>(&*exported), nullptr);
}

// Whoever handled SIGSEGV before ChainingHandler was installed.
struct sigaction chained_action;

void ChainingHandler(int signal, siginfo_t* info, void* context) {
  chained_action.sa_sigaction(signal, info, context);
}

// Every fuzzer that ran guest code died on its second out-of-bounds trap:
// libFuzzer installs its SIGSEGV handler after the runtime's and chains to
// it, without SA_NODEFER, so the signal was blocked while the runtime's
// handler ran; the runtime left by siglongjmp without restoring the mask,
// and the next fault, still blocked, killed the process. A crash reporter
// that chains the same way would do the same in kilnd.
TEST(FuzzRegressionTest, TrapsSurviveAHandlerChainedInFrontOfTheRuntimes) {
  ModuleBuilder m;
  const uint32_t v_i = m.AddType({}, {ValType::kI32});
  m.AddMemory(1);
  m.AddExport("oob", ExternKind::kFunc,
              m.AddFunction(v_i, {}, Encoder().I32Const(-4).Mem(Opcode::kI32Load, 2, 0).End()));
  runtime::Engine engine;
  runtime::Store store(engine);
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, m.Build());
  ASSERT_TRUE(instance.ok()) << instance.status();
  // The first trap installs the runtime's handlers.
  EXPECT_TRUE(IsTrap(Invoke(store, *instance, "oob").status(), TrapCode::kMemoryOutOfBounds));

  struct sigaction chaining {};
  chaining.sa_sigaction = ChainingHandler;
  chaining.sa_flags = SA_SIGINFO | SA_ONSTACK;  // no SA_NODEFER, as libFuzzer's
  sigemptyset(&chaining.sa_mask);
  ASSERT_EQ(sigaction(SIGSEGV, &chaining, &chained_action), 0);
  ASSERT_NE(chained_action.sa_flags & SA_SIGINFO, 0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(IsTrap(Invoke(store, *instance, "oob").status(), TrapCode::kMemoryOutOfBounds))
        << "trap " << i;
  }
  sigaction(SIGSEGV, &chained_action, nullptr);
}

}  // namespace
}  // namespace kiln::engine_test
