// The compile-memory estimate's reading of a module's bytes: sizes from the
// section headers and body prefixes only, never a crash or a read past the
// end, whatever the bytes.
#include "kiln/server/compile_memory.h"

#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "module_builder.h"

namespace kiln::server {
namespace {

using wasm::ValType;
using wasm::test::Encoder;
using wasm::test::ModuleBuilder;

std::vector<uint8_t> ModuleWithBodies(const std::vector<int>& body_ops) {
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {});
  m.AddMemory(1);
  for (int ops : body_ops) {
    Encoder body;
    for (int i = 0; i < ops; ++i) body.Op(wasm::Opcode::kNop);
    m.AddFunction(type, {}, body.End());
  }
  m.AddActiveData(0, std::string(1000, 'x'));  // a section after the code
  return m.Build();
}

TEST(CompileMemoryTest, ReadsTheCodeSectionAndItsLargestBody) {
  // Bodies: a locals count, the nops, `end`; each with a size prefix.
  const std::vector<uint8_t> module = ModuleWithBodies({10, 300, 20});
  const CodeSize size = ScanCodeSize(module);
  EXPECT_EQ(size.largest_body, 302u);
  // The count, then 1 + 12, 2 + 302 and 1 + 22 bytes.
  EXPECT_EQ(size.code_bytes, 1u + 13u + 304u + 23u);

  EXPECT_EQ(ScanCodeSize(ModuleWithBodies({})).largest_body, 0u);
  ModuleBuilder no_code;
  no_code.AddMemory(1);
  EXPECT_EQ(ScanCodeSize(no_code.Build()).code_bytes, 0u);
}

TEST(CompileMemoryTest, MalformedBytesGiveWhatCanBeRead) {
  std::vector<uint8_t> module = ModuleWithBodies({10, 300, 20});
  // Cut inside the data section, after the code: the code is all there.
  EXPECT_EQ(ScanCodeSize(std::span(module).first(module.size() - 10)).largest_body, 302u);
  // Cut inside the code section: its header promises more than there is,
  // which the decoder refuses before compiling anything.
  EXPECT_EQ(ScanCodeSize(std::span(module).first(40)).code_bytes, 0u);
  EXPECT_EQ(ScanCodeSize({}).code_bytes, 0u);

  // Random bytes after a valid header: whatever they say, no crash, and
  // no size beyond the bytes there are.
  std::mt19937 random(7);
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> bytes = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    const size_t n = random() % 64;
    for (size_t i = 0; i < n; ++i) {
      bytes.push_back(static_cast<uint8_t>(i % 3 == 0 ? 10 : random()));
    }
    const CodeSize size = ScanCodeSize(bytes);
    EXPECT_LE(size.code_bytes, bytes.size());
    EXPECT_LE(size.largest_body, size.code_bytes);
  }
}

TEST(CompileMemoryTest, EstimateGrowsWithCodeAndTheLargestBatch) {
  const uint64_t small = EstimateCompileMemory({.code_bytes = 1000, .largest_body = 100}, 2);
  const uint64_t many = EstimateCompileMemory({.code_bytes = 10 << 20, .largest_body = 3000}, 2);
  const uint64_t one = EstimateCompileMemory({.code_bytes = 1 << 20, .largest_body = 1 << 20}, 2);
  const uint64_t spread = EstimateCompileMemory({.code_bytes = 1 << 20, .largest_body = 1000}, 2);
  EXPECT_LT(small, many);
  // One large function costs LLVM more than the same bytes in many small
  // ones, and more threads mean more batches at once.
  EXPECT_GT(one, spread);
  EXPECT_GT(EstimateCompileMemory({.code_bytes = 10 << 20, .largest_body = 3000}, 16), many);
  // The measured peaks (compile_memory.cc) stay under the estimate.
  EXPECT_GE(many, uint64_t{116} << 20);
  EXPECT_GE(one, uint64_t{124} << 20);
}

}  // namespace
}  // namespace kiln::server
