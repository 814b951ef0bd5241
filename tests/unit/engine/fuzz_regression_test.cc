// Regressions found by the fuzzers of tests/fuzz (scripts/fuzz.sh): each
// test is the smallest form of an input that crashed Kiln or broke its
// error contract, kept so that the bug stays fixed in the ordinary build.
#include <signal.h>

#include <variant>
#include <vector>

#include "engine_test_util.h"
#include "gtest/gtest.h"
#include "kiln/jit/artifact_writer.h"
#include "kiln/runtime/artifact.h"
#include "kiln/wasm/artifact_format.h"

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

// A module of one function, exported; with `bad_export`, also an export
// of table 3, which it does not have.
Bytes OneFunctionModule(bool bad_export) {
  ModuleBuilder m;
  const uint32_t v_i = m.AddType({}, {ValType::kI32});
  m.AddExport("f", ExternKind::kFunc, m.AddFunction(v_i, {}, Encoder().I32Const(7).End()));
  if (bad_export) m.AddExport("t", ExternKind::kTable, 3);
  return m.Build();
}

// artifact_reseal_fuzzer: the digest proves only that an artifact is what
// its writer sealed, and anyone can seal bytes. Module sections were
// decoded but not validated, so a sealed one exporting a table that does
// not exist made InspectArtifact (`kiln inspect`) read past the tables
// (heap-buffer-overflow), and a load would have handed the same to
// Instantiate.
TEST(FuzzRegressionTest, SealedArtifactWithAnInvalidModuleSectionIsRefused) {
  absl::StatusOr<std::unique_ptr<jit::Compiler>> compiler = jit::Compiler::Create();
  ASSERT_TRUE(compiler.ok()) << compiler.status();
  const Bytes good = OneFunctionModule(false);
  absl::StatusOr<wasm::CodeImage> image = CompileImage(**compiler, good);
  ASSERT_TRUE(image.ok()) << image.status();
  absl::StatusOr<std::vector<uint8_t>> artifact = jit::WriteArtifact(good, *image);
  ASSERT_TRUE(artifact.ok()) << artifact.status();
  absl::StatusOr<wasm::ArtifactFrame> frame = wasm::UnframeArtifact(*artifact);
  ASSERT_TRUE(frame.ok()) << frame.status();

  // The same artifact, its module section swapped for the bad module's
  // declarations (same functions and types, so the layout still matches),
  // sealed anew.
  absl::StatusOr<std::vector<uint8_t>> bad_declarations =
      jit::ModuleDeclarations(OneFunctionModule(true));
  ASSERT_TRUE(bad_declarations.ok()) << bad_declarations.status();
  std::vector<wasm::ArtifactSection> sections = frame->sections;
  for (wasm::ArtifactSection& section : sections) {
    if (section.kind == wasm::ArtifactSectionKind::kModule) section.bytes = *bad_declarations;
  }
  const std::vector<uint8_t> forged =
      wasm::FrameArtifact(frame->kiln_version, frame->fingerprint, sections);

  EXPECT_TRUE(HasError(runtime::InspectArtifact(forged).status(), absl::StatusCode::kDataLoss,
                       "unknown table 3"));
  runtime::Engine engine;
  EXPECT_TRUE(HasError(runtime::Module::LoadArtifact(engine, forged).status(),
                       absl::StatusCode::kDataLoss, "unknown table 3"));
  // The intact artifact still loads.
  EXPECT_TRUE(runtime::Module::LoadArtifact(engine, *artifact).ok());
}

}  // namespace
}  // namespace kiln::engine_test
