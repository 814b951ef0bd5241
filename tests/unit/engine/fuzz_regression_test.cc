// Regressions found by the fuzzers of tests/fuzz (scripts/fuzz.sh): each
// test is the smallest form of an input that crashed Kiln or broke its
// error contract, kept so that the bug stays fixed in the ordinary build.
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

}  // namespace
}  // namespace kiln::engine_test
