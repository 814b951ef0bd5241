// Error locations point at the offending byte, as a module offset (not an
// offset inside a section or body), so a tool can show the user where the
// problem is. Each test computes the expected offset from the bytes it built.
#include <cstddef>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "module_builder.h"
#include "test_util.h"

namespace kiln::wasm::test {
namespace {

// Bytes before the offending part, so module offsets and section offsets
// differ: a type section and a custom section.
Bytes Preamble() {
  Bytes out = ModuleBytes({Section(kTypeSection, Encoder().U32(1).Raw({0x60, 0x00, 0x00})),
                           CustomSection("pad", Encoder().Raw({1, 2, 3, 4, 5}))});
  return out;
}

Bytes Append(Bytes head, const Bytes& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

TEST(ErrorLocationTest, MalformedSectionIdAtTheIdByte) {
  const Bytes head = Preamble();
  EXPECT_TRUE(
      IsWasmErrorAt(DecodeStatus(Append(head, {0x0D, 0x00})), "malformed section id", head.size()));
}

TEST(ErrorLocationTest, LebErrorsAtTheFirstByteOfTheInteger) {
  const Bytes head = Preamble();
  // Memory section: id, size, count, flags, then the bad minimum.
  const Bytes too_large = Append(
      head, Section(kMemorySection, Encoder().U32(1).Byte(0).Raw({0x80, 0x80, 0x80, 0x80, 0x10})));
  EXPECT_TRUE(IsWasmErrorAt(DecodeStatus(too_large), "integer too large", head.size() + 4));
  const Bytes too_long = Append(
      head,
      Section(kMemorySection, Encoder().U32(1).Byte(0).Raw({0x80, 0x80, 0x80, 0x80, 0x80, 0x00})));
  EXPECT_TRUE(
      IsWasmErrorAt(DecodeStatus(too_long), "integer representation too long", head.size() + 4));
}

TEST(ErrorLocationTest, MalformedValueTypeAtItsByte) {
  // Type section: id, size, count, 0x60, param count, i32, bad type.
  const Bytes module =
      ModuleBytes({Section(kTypeSection, Encoder().U32(1).Raw({0x60, 0x02, 0x7F, 0x7A, 0x00}))});
  EXPECT_TRUE(IsWasmErrorAt(DecodeStatus(module), "malformed value type", 8 + 6));
}

TEST(ErrorLocationTest, IllegalOpcodeInAConstantExpressionAtTheOpcode) {
  const Bytes head = Preamble();
  // Global section: id, size, count, i32, immutable, i32.const 0, then 0xFF.
  const Bytes module = Append(
      head,
      Section(kGlobalSection, Encoder().U32(1).Raw({0x7F, 0x00}).I32Const(0).Raw({0xFF, 0x0B})));
  EXPECT_TRUE(IsWasmErrorAt(DecodeStatus(module), "illegal opcode", head.size() + 7));
}

TEST(ErrorLocationTest, MalformedImportKindAtTheKindByte) {
  const Bytes head = Preamble();
  // Import section: id, size, count, "m" (2 bytes), "f" (2 bytes), kind.
  const Bytes module =
      Append(head, Section(kImportSection, Encoder().U32(1).Name("m").Name("f").Raw({0x07, 0x00})));
  EXPECT_TRUE(IsWasmErrorAt(DecodeStatus(module), "malformed import kind", head.size() + 7));
}

TEST(ErrorLocationTest, SectionSizeMismatchAtTheFirstUnreadByte) {
  const Bytes head = Preamble();
  // Start section: id, size, function index 0, then one byte too many.
  const Bytes module = Append(head, Section(kStartSection, Encoder().U32(0).Byte(0x00)));
  EXPECT_TRUE(IsWasmErrorAt(DecodeStatus(module), "section size mismatch", head.size() + 3));
}

TEST(ErrorLocationTest, LengthOutOfBoundsAtTheSectionSize) {
  // The size says more than the module holds; the payload would start at 10.
  const Bytes module = ModuleBytes({{kTypeSection, 0x10, 0x01, 0x60, 0x00, 0x00}});
  const absl::Status status = DecodeStatus(module);
  ASSERT_TRUE(IsWasmError(status, "length out of bounds"));
  // Either the size field or the start of the payload it describes.
  EXPECT_GE(GetErrorLocation(status)->offset, 9u);
  EXPECT_LE(GetErrorLocation(status)->offset, 10u);
}

TEST(ErrorLocationTest, MalformedUtf8WithinTheName) {
  const Bytes head = Preamble();
  // Export section: id, size, count, then the name (length byte at +3).
  const Bytes module =
      Append(head, Section(kExportSection, Encoder().U32(1).Name("ok\xC0\x80").Raw({0x00, 0x00})));
  const absl::Status status = DecodeStatus(module);
  ASSERT_TRUE(IsWasmError(status, "malformed UTF-8 encoding"));
  const uint64_t name_start = head.size() + 3;
  EXPECT_GE(GetErrorLocation(status)->offset, name_start);
  EXPECT_LE(GetErrorLocation(status)->offset, name_start + 4);  // the name's last byte
}

TEST(ErrorLocationTest, DecodeErrorsHaveNoFunctionOutsideBodies) {
  const absl::Status status = DecodeStatus(Append(Preamble(), {0x0D, 0x00}));
  ASSERT_TRUE(GetErrorLocation(status).has_value());
  EXPECT_FALSE(GetErrorLocation(status)->function_index.has_value());
  EXPECT_EQ(GetErrorLocation(status)->kind, ErrorKind::kMalformed);
}

// --- Validation errors inside bodies: at the instruction. ---

// A module with imports and a memory before its one defined function, whose
// body has no locals and the given code. Returns the module offset of the
// code's first byte in *code_start.
Bytes ModuleWithCode(const Encoder& code, uint64_t* code_start) {
  ModuleBuilder b;
  const uint32_t t = b.AddType({}, {});
  b.ImportFunction("env", "a", t);
  b.AddMemory(1);
  b.AddFunction(t, {}, code);
  const Bytes bytes = b.Build();
  absl::StatusOr<Module> module = DecodeModule(bytes);
  EXPECT_TRUE(module.ok()) << module.status();
  *code_start = module.ok() ? module->bodies.at(0).offset + 1 : 0;  // after the local count
  return bytes;
}

struct InstructionError {
  std::string what;
  Encoder before;  // valid code ahead of the offending instruction
  Encoder bad;     // the offending instruction and the rest of the body
  std::string phrase;
};

TEST(ErrorLocationTest, ValidationErrorsAtTheOffendingInstruction) {
  const std::vector<InstructionError> cases = {
      {"operand type", Encoder().I32Const(0).I64Const(0),
       Encoder().Op(Opcode::kI32Add).Op(Opcode::kDrop).End(), "type mismatch"},
      {"unknown local", Encoder().Op(Opcode::kNop), Encoder().LocalGet(7).Op(Opcode::kDrop).End(),
       "unknown local 7"},
      {"unknown function", Encoder().Block(), Encoder().Call(9).End().End(), "unknown function 9"},
      {"unknown global", Encoder().I32Const(1).Op(Opcode::kDrop),
       Encoder().GlobalGet(4).Op(Opcode::kDrop).End(), "unknown global 4"},
      {"alignment", Encoder().I32Const(0),
       Encoder().Mem(Opcode::kI32Load, 4, 0).Op(Opcode::kDrop).End(),
       "alignment must not be larger than natural"},
      {"illegal opcode", Encoder().Op(Opcode::kNop).Op(Opcode::kNop), Encoder().Byte(0xFE).End(),
       "illegal opcode"},
  };
  for (const InstructionError& c : cases) {
    SCOPED_TRACE(c.what);
    uint64_t code_start = 0;
    const Bytes module = ModuleWithCode(Encoder().Raw(c.before).Raw(c.bad), &code_start);
    const absl::Status status = ValidateStatus(module);
    EXPECT_TRUE(IsWasmErrorAt(status, c.phrase, code_start + c.before.size()));
    EXPECT_TRUE(IsInFunction(status, 1));
  }
}

TEST(ErrorLocationTest, ModuleLevelValidationErrorsAtTheEntry) {
  // The second of two exports named "x" is the offending one.
  ModuleBuilder b;
  const uint32_t t = b.AddType({}, {});
  b.AddFunction(t, {}, Encoder().End());
  b.AddExport("x", ExternKind::kFunc, 0);
  b.AddExport("x", ExternKind::kFunc, 0);
  const Bytes bytes = b.Build();
  absl::StatusOr<Module> module = DecodeModule(bytes);
  ASSERT_TRUE(module.ok()) << module.status();
  ASSERT_EQ(module->exports.size(), 2u);
  EXPECT_TRUE(
      IsWasmErrorAt(ValidateModule(*module), "duplicate export name", module->exports[1].offset));

  // A start function of the wrong type: at the start section's index.
  ModuleBuilder s;
  s.AddFunction(s.AddType({ValType::kI32}, {}), {}, Encoder().End());
  s.SetStart(0);
  const Bytes start_bytes = s.Build();
  absl::StatusOr<Module> start_module = DecodeModule(start_bytes);
  ASSERT_TRUE(start_module.ok()) << start_module.status();
  EXPECT_TRUE(
      IsWasmErrorAt(ValidateModule(*start_module), "start function", start_module->start_offset));
}

}  // namespace
}  // namespace kiln::wasm::test
