// KILN_PERF_MAP=1: loading a module appends its functions to
// /tmp/perf-PID.map, where `perf report` looks up JIT code, with the
// name section's names and the addresses the code really runs at.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine_test_util.h"
#include "gtest/gtest.h"

namespace kiln::engine_test {
namespace {

std::string PerfMapPath() { return absl::StrCat("/tmp/perf-", getpid(), ".map"); }

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Two functions after one import; the name section names the import and
// the second one only.
Bytes NamedModule() {
  ModuleBuilder m;
  const uint32_t v_i = m.AddType({}, {ValType::kI32});
  m.ImportFunction("env", "imported", v_i);
  const uint32_t first = m.AddFunction(v_i, {}, Encoder().I32Const(1).End());
  const uint32_t second = m.AddFunction(v_i, {}, Encoder().I32Const(2).End());
  m.AddExport("first", ExternKind::kFunc, first);
  m.AddExport("second", ExternKind::kFunc, second);
  Encoder names;
  names.U32(2).U32(0).Name("imported").U32(second).Name("the_second");
  m.AddCustomSection("name", Encoder().Byte(1).U32(uint32_t(names.bytes().size())).Raw(names));
  return m.Build();
}

class PerfMapTest : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::remove(PerfMapPath()); }
  void TearDown() override {
    unsetenv("KILN_PERF_MAP");
    std::filesystem::remove(PerfMapPath());
  }
  runtime::Engine engine_;
};

TEST_F(PerfMapTest, EachLoadAppendsItsFunctions) {
  ASSERT_EQ(setenv("KILN_PERF_MAP", "1", 1), 0);
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
      CompileModule(engine_, NamedModule());
  ASSERT_TRUE(module.ok()) << module.status();

  const std::string expected_first = absl::StrFormat(
      "%x ", reinterpret_cast<uintptr_t>((*module)->function_code(1)));
  const std::string expected_second = absl::StrFormat(
      "%x ", reinterpret_cast<uintptr_t>((*module)->function_code(2)));
  std::vector<std::string> lines;
  std::istringstream text(ReadAll(PerfMapPath()));
  for (std::string line; std::getline(text, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 2u) << ReadAll(PerfMapPath());
  EXPECT_EQ(lines[0].rfind(expected_first, 0), 0u) << lines[0];
  EXPECT_TRUE(lines[0].ends_with(" wasm-function[1]")) << lines[0];
  EXPECT_EQ(lines[1].rfind(expected_second, 0), 0u) << lines[1];
  EXPECT_TRUE(lines[1].ends_with(" wasm:the_second")) << lines[1];
  // The size field: hex, nonzero.
  std::istringstream fields(lines[0]);
  std::string start, size;
  fields >> start >> size;
  EXPECT_GT(std::stoul(size, nullptr, 16), 0u);

  // A second load of the same module appends, it does not rewrite.
  ASSERT_TRUE(CompileModule(engine_, NamedModule()).ok());
  std::istringstream again(ReadAll(PerfMapPath()));
  size_t count = 0;
  for (std::string line; std::getline(again, line);) ++count;
  EXPECT_EQ(count, 4u);
}

TEST_F(PerfMapTest, OffByDefault) {
  unsetenv("KILN_PERF_MAP");
  ASSERT_TRUE(CompileModule(engine_, NamedModule()).ok());
  EXPECT_FALSE(std::filesystem::exists(PerfMapPath()));
}

}  // namespace
}  // namespace kiln::engine_test
