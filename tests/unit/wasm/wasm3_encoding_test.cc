// Bytes whose meaning WebAssembly 3.0 changed. Where 3.0 gives malformed 2.0
// bytes a meaning Kiln does not implement yet (memory64, threads,
// multi-memory, typed references, GC), the module is refused as UNIMPLEMENTED
// with a message that keeps the 2.0 phrase and names the feature; where 3.0
// merely decodes differently (memop flags, the order of errors), Kiln decodes
// as 3.0 does.
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/error.h"
#include "kiln/wasm/validator.h"
#include "module_builder.h"
#include "test_util.h"

namespace kiln::wasm::test {
namespace {

// The error is UNIMPLEMENTED, of kind kUnsupported, starts with the 2.0
// phrase and names `feature` as "...: FEATURE is not supported yet".
void ExpectUnsupported(const absl::Status& status, std::string_view phrase,
                       std::string_view feature) {
  EXPECT_TRUE(IsWasmError(status, phrase));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented) << status;
  const std::optional<ErrorLocation> location = GetErrorLocation(status);
  ASSERT_TRUE(location.has_value());
  EXPECT_EQ(location->kind, ErrorKind::kUnsupported);
  EXPECT_NE(std::string(status.message()).find(absl::StrCat(": ", std::string(feature),
                                                            " is not supported yet")),
            std::string::npos)
      << status;
}

Bytes MemoryWithFlags(std::initializer_list<uint8_t> flags_and_limits) {
  return ModuleBytes({Section(kMemorySection, Encoder().U32(1).Raw(flags_and_limits))});
}

// One function () -> () with `code` as its body, and one memory.
Bytes FunctionWithMemory(const Encoder& code) {
  return ModuleBytes({
      Section(kTypeSection, Encoder().U32(1).Byte(0x60).U32(0).U32(0)),
      Section(kFunctionSection, Encoder().U32(1).U32(0)),
      Section(kMemorySection, Encoder().U32(1).Byte(0).U32(1)),
      Section(kCodeSection, Encoder().U32(1).U32(static_cast<uint32_t>(code.bytes().size() + 1))
                                .U32(0)
                                .Raw(code)),
  });
}

TEST(Wasm3EncodingTest, LimitsFlags) {
  ExpectUnsupported(DecodeStatus(MemoryWithFlags({0x04, 0x01})), "integer too large", "memory64");
  ExpectUnsupported(DecodeStatus(MemoryWithFlags({0x03, 0x01, 0x02})), "integer too large",
                    "threads");
  ExpectUnsupported(DecodeStatus(MemoryWithFlags({0x07, 0x01, 0x02})), "integer too large",
                    "threads and memory64");
  // Unknown flags are malformed in both versions, each with its phrase.
  const absl::Status unknown = DecodeStatus(MemoryWithFlags({0x08, 0x00}));
  EXPECT_TRUE(IsWasmError(unknown, "integer too large: malformed limits flags"));
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsWasmError(DecodeStatus(MemoryWithFlags({0x81, 0x00, 0x00})),
                          "integer representation too long: malformed limits flags"));
  // A shared table is no table at all.
  const absl::Status shared_table = DecodeStatus(ModuleBytes(
      {Section(kTableSection, Encoder().U32(1).Byte(0x70).Raw({0x02, 0x01}))}));
  EXPECT_TRUE(IsWasmError(shared_table, "integer too large: malformed limits flags"));
  EXPECT_EQ(shared_table.code(), absl::StatusCode::kInvalidArgument);
}

TEST(Wasm3EncodingTest, SizesAndOffsetsIn64BitEncodingsNeedMemory64) {
  // Minimum 2 in six bytes: over-long for a u32, fine for 3.0's u64.
  ExpectUnsupported(DecodeStatus(MemoryWithFlags({0x00, 0x82, 0x80, 0x80, 0x80, 0x80, 0x00})),
                    "integer representation too long", "memory64");
  // 2^32 + 2: too large for a u32.
  ExpectUnsupported(DecodeStatus(MemoryWithFlags({0x00, 0x82, 0x80, 0x80, 0x80, 0x10})),
                    "integer too large", "memory64");
  // Too large for a u64 as well: malformed, with 3.0's phrase.
  EXPECT_TRUE(IsWasmError(
      DecodeStatus(MemoryWithFlags(
          {0x00, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x70})),
      "integer too large"));
  // A load's offset in six bytes.
  const Bytes load = FunctionWithMemory(Encoder()
                                            .I32Const(0)
                                            .Op(Opcode::kI32Load)
                                            .U32(2)
                                            .Raw({0x82, 0x80, 0x80, 0x80, 0x80, 0x00})
                                            .Op(Opcode::kDrop)
                                            .End());
  ExpectUnsupported(ValidateStatus(load), "integer representation too long", "memory64");
}

TEST(Wasm3EncodingTest, MemopFlags) {
  // Bit 6: a memory index follows; memory 0 is the only one there is.
  const Bytes indexed = FunctionWithMemory(
      Encoder().I32Const(0).Op(Opcode::kI32Load).U32(0x42).U32(0).U32(4).Op(Opcode::kDrop).End());
  EXPECT_TRUE(ValidateStatus(indexed).ok()) << ValidateStatus(indexed);
  const Bytes other_memory = FunctionWithMemory(
      Encoder().I32Const(0).Op(Opcode::kI32Load).U32(0x42).U32(1).U32(4).Op(Opcode::kDrop).End());
  EXPECT_TRUE(IsWasmError(ValidateStatus(other_memory), "unknown memory 1"));
  const Bytes flags_too_large = FunctionWithMemory(
      Encoder().I32Const(0).Op(Opcode::kI32Load).U32(0x80).U32(0).Op(Opcode::kDrop).End());
  EXPECT_TRUE(IsWasmError(ValidateStatus(flags_too_large), "malformed memop flags"));
}

TEST(Wasm3EncodingTest, TypesOfLaterProposals) {
  // (ref func) as a global's type.
  ExpectUnsupported(
      DecodeStatus(ModuleBytes({Section(kGlobalSection, Encoder().U32(1).Raw({0x64, 0x70, 0x00})
                                                            .Op(Opcode::kRefNull)
                                                            .Byte(0x70)
                                                            .End())})),
      "malformed value type", "function-references");
  // A struct type.
  ExpectUnsupported(
      DecodeStatus(ModuleBytes({Section(kTypeSection, Encoder().U32(1).Raw({0x5F, 0x00}))})),
      "integer representation too long: malformed function type", "gc");
  // A table with an initializer expression.
  ExpectUnsupported(
      DecodeStatus(ModuleBytes({Section(kTableSection, Encoder().U32(1).Raw({0x40, 0x00, 0x70}))})),
      "malformed reference type", "function-references");
}

TEST(Wasm3EncodingTest, ValidationRulesOf30) {
  // Two memories.
  ExpectUnsupported(ValidateStatus(ModuleBytes({Section(
                        kMemorySection, Encoder().U32(2).Byte(0).U32(1).Byte(0).U32(1))})),
                    "multiple memories", "multi-memory");
  // A global initialized from an earlier global the module defines.
  const Bytes chained = ModuleBytes({Section(
      kGlobalSection,
      Encoder().U32(2).Type(ValType::kI32).Byte(0).I32Const(1).End().Type(ValType::kI32).Byte(0)
          .GlobalGet(0).End())});
  ExpectUnsupported(ValidateStatus(chained), "unknown global 0",
                    "reading the module's own globals in constant expressions");
  // A later global stays unknown in 3.0 too.
  const Bytes forward = ModuleBytes({Section(
      kGlobalSection,
      Encoder().U32(2).Type(ValType::kI32).Byte(0).GlobalGet(1).End().Type(ValType::kI32).Byte(0)
          .I32Const(1).End())});
  const absl::Status status = ValidateStatus(forward);
  EXPECT_TRUE(IsWasmError(status, "unknown global 1"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(Wasm3EncodingTest, ErrorsComeInTheOrderOfTheBytes) {
  // A malformed body is reported before a malformed section after it.
  Bytes module = FunctionWithMemory(
      Encoder().I32Const(0).Op(Opcode::kI32Load).U32(0x80).U32(0).Op(Opcode::kDrop).End());
  module.push_back(0x42);  // no such section id
  EXPECT_TRUE(IsWasmError(DecodeStatus(module), "malformed memop flags"));
  // A code section whose count disagrees is reported after a second one.
  const Bytes two_code_sections = ModuleBytes({
      Section(kTypeSection, Encoder().U32(1).Byte(0x60).U32(0).U32(0)),
      Section(kFunctionSection, Encoder().U32(2).U32(0).U32(0)),
      Section(kCodeSection, Encoder().U32(1).U32(2).U32(0).End()),
      Section(kCodeSection, Encoder().U32(1).U32(2).U32(0).End()),
  });
  EXPECT_TRUE(IsWasmError(DecodeStatus(two_code_sections), "unexpected content after last section"));
}

}  // namespace
}  // namespace kiln::wasm::test
