// Truncated modules: every strict prefix of a valid module is decoded. A
// prefix that cuts a section (or the header) must fail with a spec message
// and a location inside the prefix; one that ends exactly between sections is
// a shorter module, which may be valid or may fail for a reason the spec
// names (code section missing, data section missing).
#include <cstddef>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kiln/wasm/leb128.h"
#include "module_builder.h"
#include "sample_modules.h"
#include "test_util.h"

namespace kiln::wasm::test {
namespace {

// Offsets at which a section starts (and the module's end): a prefix ending
// there holds whole sections only.
std::set<size_t> SectionBoundaries(const Bytes& module) {
  std::set<size_t> boundaries = {8};
  size_t pos = 8;
  while (pos < module.size()) {
    ++pos;  // id
    uint64_t size = 0;
    EXPECT_EQ(ReadVarUnsigned<32>(module.data(), pos, module.size(), &size), LebError::kOk);
    pos += size;
    boundaries.insert(pos);
  }
  return boundaries;
}

// What running out of bytes may be called, by the spec's phrases.
constexpr std::string_view kTruncationPhrases[] = {
    "unexpected end",  // also matches "unexpected end of section or function"
    "length out of bounds",
};
// What a module of whole sections with some missing may be called.
constexpr std::string_view kMissingSectionPhrases[] = {
    "function and code section have inconsistent lengths",
    "data count and data section have inconsistent lengths",
};

TEST(TruncationTest, EverySampleModuleIsWhole) {
  for (const SampleModule& sample : SampleModules()) {
    SCOPED_TRACE(sample.name);
    EXPECT_TRUE(DecodeModule(sample.bytes).ok()) << DecodeStatus(sample.bytes);
    EXPECT_EQ(*SectionBoundaries(sample.bytes).rbegin(), sample.bytes.size());
  }
}

TEST(TruncationTest, EveryStrictPrefixFailsCleanly) {
  for (const SampleModule& sample : SampleModules()) {
    const std::set<size_t> boundaries = SectionBoundaries(sample.bytes);
    for (size_t length = 0; length < sample.bytes.size(); ++length) {
      SCOPED_TRACE(sample.name + " cut to " + std::to_string(length) + " of " +
                   std::to_string(sample.bytes.size()) + " bytes");
      // A copy of exactly `length` bytes, so reading past it is a heap
      // overflow that sanitizers see.
      const Bytes prefix(sample.bytes.begin(), sample.bytes.begin() + length);
      const absl::Status status = DecodeStatus(prefix);
      if (boundaries.contains(length)) {
        if (!status.ok()) {
          EXPECT_TRUE(IsWasmErrorAmong(status, kMissingSectionPhrases));
        }
        continue;
      }
      ASSERT_TRUE(IsWasmErrorAmong(status, kTruncationPhrases));
      EXPECT_LE(GetErrorLocation(status)->offset, length);
      EXPECT_EQ(GetErrorLocation(status)->kind, ErrorKind::kMalformed);
    }
  }
}

TEST(TruncationTest, PrefixesAlsoFailDecodeAndValidate) {
  // The combined entry point must not let a truncated module through either.
  const Bytes module = KitchenSinkModule();
  const std::set<size_t> boundaries = SectionBoundaries(module);
  for (size_t length = 0; length < module.size(); ++length) {
    if (boundaries.contains(length)) continue;
    const Bytes prefix(module.begin(), module.begin() + length);
    EXPECT_FALSE(DecodeAndValidate(prefix).ok()) << "cut to " << length;
  }
}

TEST(TruncationTest, HeaderPrefixes) {
  const Bytes header = Header();
  for (size_t length = 0; length < header.size(); ++length) {
    const Bytes prefix(header.begin(), header.begin() + length);
    EXPECT_TRUE(IsWasmError(DecodeStatus(prefix), "unexpected end")) << "length " << length;
  }
}

TEST(TruncationTest, CutFunctionBodyInsideCodeSection) {
  // The spec's own case: the body's size is right, its final `end` missing.
  // The decoder leaves bodies to the validator, which must say so.
  ModuleBuilder b;
  const uint32_t t = b.AddType({}, {});
  b.AddFunctionBody(t, Encoder().U32(0).I32Const(1).Op(Opcode::kDrop));
  const Bytes module = b.Build();
  ASSERT_TRUE(DecodeModule(module).ok());
  EXPECT_TRUE(IsWasmError(DecodeAndValidate(module).status(),
                          "END opcode expected: unexpected end of section or function"));
}

}  // namespace
}  // namespace kiln::wasm::test
