// The module's outer structure: header, section ids, order and uniqueness,
// section sizes, and the agreements between sections (function and code,
// data count and data), each with the spec's message. Also what a
// well-formed module decodes to.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "module_builder.h"
#include "sample_modules.h"
#include "test_util.h"

namespace kiln::wasm::test {
namespace {

// One small, well-formed payload per known section id.
Bytes TypeSec() { return Section(kTypeSection, Encoder().U32(1).Raw({0x60, 0x00, 0x00})); }
Bytes ImportSec() {
  return Section(kImportSection, Encoder().U32(1).Name("m").Name("g").Raw({0x03, 0x7F, 0x00}));
}
Bytes FunctionSec(uint32_t n = 1) {
  Encoder payload;
  payload.U32(n);
  for (uint32_t i = 0; i < n; ++i) payload.U32(0);
  return Section(kFunctionSection, payload);
}
Bytes TableSec() { return Section(kTableSection, Encoder().U32(1).Byte(0x70).LimitsOf(1, {})); }
Bytes MemorySec() { return Section(kMemorySection, Encoder().U32(1).LimitsOf(1, {})); }
Bytes GlobalSec() {
  return Section(kGlobalSection, Encoder().U32(1).Raw({0x7F, 0x00}).I32Const(0).End());
}
Bytes ExportSec() { return Section(kExportSection, Encoder().U32(1).Name("f").Byte(0).U32(0)); }
Bytes StartSec() { return Section(kStartSection, Encoder().U32(0)); }
Bytes ElementSec() {
  return Section(kElementSection, Encoder().U32(1).U32(0).I32Const(0).End().U32(1).U32(0));
}
Bytes DataCountSec(uint32_t n = 1) { return Section(kDataCountSection, Encoder().U32(n)); }
Bytes CodeSec(uint32_t n = 1) {
  Encoder payload;
  payload.U32(n);
  for (uint32_t i = 0; i < n; ++i) payload.U32(2).U32(0).End();
  return Section(kCodeSection, payload);
}
Bytes DataSec(uint32_t n = 1) {
  Encoder payload;
  payload.U32(n);
  for (uint32_t i = 0; i < n; ++i) payload.U32(0).I32Const(0).End().Name("d");
  return Section(kDataSection, payload);
}

// Every known section once, in the required order (data count between
// element and code).
std::vector<Bytes> AllSectionsInOrder() {
  return {TypeSec(),   ImportSec(), FunctionSec(), TableSec(),     MemorySec(), GlobalSec(),
          ExportSec(), StartSec(),  ElementSec(),  DataCountSec(), CodeSec(),   DataSec()};
}

Bytes Join(const std::vector<Bytes>& sections) {
  Bytes out = Header();
  for (const Bytes& s : sections) out.insert(out.end(), s.begin(), s.end());
  return out;
}

TEST(SectionStructureTest, AllSectionsInOrderDecode) {
  absl::StatusOr<Module> module = DecodeModule(Join(AllSectionsInOrder()));
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_EQ(module->types.size(), 1u);
  EXPECT_EQ(module->imports.size(), 1u);
  EXPECT_EQ(module->num_functions(), 1u);
  EXPECT_EQ(module->tables.size(), 1u);
  EXPECT_EQ(module->memories.size(), 1u);
  EXPECT_EQ(module->globals.size(), 2u);  // one imported, one defined
  EXPECT_EQ(module->num_imported_globals, 1u);
  EXPECT_EQ(module->exports.size(), 1u);
  EXPECT_EQ(module->start, 0u);
  EXPECT_EQ(module->elements.size(), 1u);
  EXPECT_EQ(module->data_count, 1u);
  EXPECT_EQ(module->bodies.size(), 1u);
  EXPECT_EQ(module->data.size(), 1u);
}

TEST(SectionStructureTest, CustomSectionsMayAppearAnywhere) {
  std::vector<Bytes> sections;
  const Bytes custom = CustomSection("c", Encoder().Raw({1, 2, 3}));
  sections.push_back(custom);
  for (const Bytes& s : AllSectionsInOrder()) {
    sections.push_back(s);
    sections.push_back(custom);
  }
  absl::StatusOr<Module> module = DecodeModule(Join(sections));
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_EQ(module->custom_sections.size(), 13u);
}

TEST(SectionStructureTest, EverySectionTwiceIsRejected) {
  const std::vector<Bytes> sections = AllSectionsInOrder();
  for (size_t i = 0; i < sections.size(); ++i) {
    std::vector<Bytes> doubled = sections;
    doubled.insert(doubled.begin() + static_cast<ptrdiff_t>(i) + 1, sections[i]);
    SCOPED_TRACE("section id " + std::to_string(sections[i][0]) + " twice");
    EXPECT_TRUE(IsWasmError(DecodeStatus(Join(doubled)), "unexpected content after last section"));
  }
}

TEST(SectionStructureTest, EveryAdjacentPairSwappedIsRejected) {
  const std::vector<Bytes> sections = AllSectionsInOrder();
  for (size_t i = 0; i + 1 < sections.size(); ++i) {
    std::vector<Bytes> swapped = sections;
    std::swap(swapped[i], swapped[i + 1]);
    SCOPED_TRACE("section id " + std::to_string(sections[i + 1][0]) + " before " +
                 std::to_string(sections[i][0]));
    EXPECT_TRUE(IsWasmError(DecodeStatus(Join(swapped)), "unexpected content after last section"));
  }
}

TEST(SectionStructureTest, DataCountMustComeBetweenElementAndCode) {
  // By id, 12 sorts last; by position it belongs before code.
  EXPECT_TRUE(IsWasmError(
      DecodeStatus(ModuleBytes({TypeSec(), FunctionSec(), CodeSec(), DataCountSec(), DataSec()})),
      "unexpected content after last section"));
  EXPECT_TRUE(IsWasmError(DecodeStatus(ModuleBytes({DataCountSec(), DataSec(), DataCountSec()})),
                          "unexpected content after last section"));
  EXPECT_TRUE(
      DecodeModule(ModuleBytes({TypeSec(), FunctionSec(), DataCountSec(), CodeSec(), DataSec()}))
          .ok());
}

TEST(SectionStructureTest, MalformedSectionIds) {
  // The spec's cases: 13 is the first unknown id; ids are bytes, not LEB128.
  for (const Bytes& tail : std::vector<Bytes>{{0x0D, 0x00},
                                              {0x7F, 0x00},
                                              {0x80, 0x00, 0x01, 0x00},
                                              {0x81, 0x00, 0x01, 0x00},
                                              {0xFF, 0x00, 0x01, 0x00}}) {
    EXPECT_TRUE(IsWasmError(DecodeStatus(ModuleBytes({tail})), "malformed section id"));
  }
}

TEST(SectionStructureTest, HeaderChecks) {
  EXPECT_TRUE(IsWasmError(DecodeStatus({}), "unexpected end"));
  EXPECT_TRUE(IsWasmError(DecodeStatus({0x00, 0x41, 0x53, 0x4D, 0x01, 0x00, 0x00, 0x00}),
                          "magic header not detected"));
  EXPECT_TRUE(
      IsWasmError(DecodeStatus({0xEF, 0xBB, 0xBF, 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00}),
                  "magic header not detected"));
  EXPECT_TRUE(IsWasmError(DecodeStatus({0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00}),
                          "unknown binary version"));
  EXPECT_TRUE(IsWasmError(DecodeStatus({0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x00, 0x00}),
                          "unknown binary version"));
  // A component or a later layer is not a 2.0 module.
  EXPECT_TRUE(IsWasmError(DecodeStatus({0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x01, 0x00}),
                          "unknown binary version"));
}

TEST(SectionStructureTest, SectionSizes) {
  // One byte left over after the type section's contents.
  EXPECT_TRUE(IsWasmError(
      DecodeStatus(ModuleBytes({Section(kTypeSection, Encoder().U32(1).Raw({0x60, 0, 0, 0}))})),
      "section size mismatch"));
  // The contents run past the section's end.
  EXPECT_TRUE(IsWasmError(
      DecodeStatus(ModuleBytes({Section(kTypeSection, Encoder().U32(1).Raw({0x60, 0}))})),
      "unexpected end"));
  // The section runs past the module's end.
  EXPECT_TRUE(IsWasmError(DecodeStatus(ModuleBytes({{kTypeSection, 0x05, 0x01, 0x60, 0x00, 0x00}})),
                          "length out of bounds"));
  // Two modules end to end: the second header reads as a custom section of
  // 0x61 bytes.
  EXPECT_TRUE(IsWasmError(DecodeStatus(ModuleBytes({Header()})), "length out of bounds"));
  // A custom section must hold at least its name.
  EXPECT_TRUE(IsWasmError(DecodeStatus(ModuleBytes({{kCustomSection, 0x00}})), "unexpected end"));
  // A section's own trailing bytes are checked even for the start section.
  EXPECT_TRUE(
      IsWasmError(DecodeStatus(ModuleBytes({Section(kStartSection, Encoder().U32(0).U32(0))})),
                  "section size mismatch"));
}

TEST(SectionStructureTest, FunctionAndCodeCountsMustAgree) {
  const std::string phrase = "function and code section have inconsistent lengths";
  EXPECT_TRUE(
      IsWasmError(DecodeStatus(ModuleBytes({TypeSec(), FunctionSec(2), CodeSec(1)})), phrase));
  EXPECT_TRUE(
      IsWasmError(DecodeStatus(ModuleBytes({TypeSec(), FunctionSec(1), CodeSec(2)})), phrase));
  EXPECT_TRUE(IsWasmError(DecodeStatus(ModuleBytes({TypeSec(), FunctionSec(1)})), phrase));
  EXPECT_TRUE(IsWasmError(DecodeStatus(ModuleBytes({TypeSec(), CodeSec(1)})), phrase));
  // Empty sections agree with absent ones.
  EXPECT_TRUE(DecodeModule(ModuleBytes({TypeSec(), FunctionSec(0)})).ok());
  EXPECT_TRUE(DecodeModule(ModuleBytes({CodeSec(0)})).ok());
  EXPECT_TRUE(DecodeModule(ModuleBytes({FunctionSec(0), CodeSec(0)})).ok());
}

TEST(SectionStructureTest, DataCountAndDataMustAgree) {
  const std::string phrase = "data count and data section have inconsistent lengths";
  EXPECT_TRUE(
      IsWasmError(DecodeStatus(ModuleBytes({MemorySec(), DataCountSec(2), DataSec(1)})), phrase));
  EXPECT_TRUE(
      IsWasmError(DecodeStatus(ModuleBytes({MemorySec(), DataCountSec(1), DataSec(2)})), phrase));
  EXPECT_TRUE(IsWasmError(DecodeStatus(ModuleBytes({MemorySec(), DataCountSec(1)})), phrase));
  // A zero count needs no data section; a data section needs no count.
  EXPECT_TRUE(DecodeModule(ModuleBytes({DataCountSec(0)})).ok());
  EXPECT_TRUE(DecodeModule(ModuleBytes({MemorySec(), DataSec(2)})).ok());
  EXPECT_TRUE(DecodeModule(ModuleBytes({MemorySec(), DataCountSec(0), DataSec(0)})).ok());
}

// Three entries of the smallest well-formed encoding in each vector section.
// Whether they are valid is the validator's business (an empty constant
// expression is "type mismatch"), but they are well-formed, so a decoder that
// rejects a count early because "the entries cannot fit" must not
// overestimate an entry's size.
TEST(SectionStructureTest, SmallestEntriesAreWellFormed) {
  struct Smallest {
    const char* what;
    uint8_t section;
    Bytes entry;
  };
  const std::vector<Smallest> cases = {
      {"type [] -> []", kTypeSection, {0x60, 0x00, 0x00}},
      {"function import with empty names", kImportSection, {0x00, 0x00, 0x00, 0x00}},
      {"function", kFunctionSection, {0x00}},
      {"table", kTableSection, {0x70, 0x00, 0x00}},
      {"memory", kMemorySection, {0x00, 0x00}},
      {"global with an empty initializer", kGlobalSection, {0x7F, 0x00, 0x0B}},
      {"export with an empty name", kExportSection, {0x00, 0x00, 0x00}},
      {"passive element segment", kElementSection, {0x01, 0x00, 0x00}},
      {"active element segment with an empty offset", kElementSection, {0x00, 0x0B, 0x00}},
      {"passive data segment", kDataSection, {0x01, 0x00}},
      {"active data segment with an empty offset", kDataSection, {0x00, 0x0B, 0x00}},
  };
  for (const Smallest& c : cases) {
    SCOPED_TRACE(c.what);
    Encoder payload;
    payload.U32(3);
    for (int i = 0; i < 3; ++i) payload.Raw(c.entry);
    Bytes module = ModuleBytes({Section(c.section, payload)});
    if (c.section == kFunctionSection) {
      // Functions need bodies to agree with.
      module = ModuleBytes(
          {Section(kTypeSection, Encoder().U32(1).Raw({0x60, 0x00, 0x00})),
           Section(c.section, payload),
           Section(kCodeSection, Encoder().U32(3).Raw({2, 0, 0x0B, 2, 0, 0x0B, 2, 0, 0x0B}))});
    }
    EXPECT_TRUE(DecodeModule(module).ok()) << DecodeStatus(module);
  }
}

TEST(SectionStructureTest, MalformedKindsAndFlags) {
  // Import kind 4 does not exist.
  EXPECT_TRUE(IsWasmError(
      DecodeStatus(ModuleBytes(
          {Section(kImportSection, Encoder().U32(1).Name("m").Name("f").Raw({0x04, 0x00}))})),
      "malformed import kind"));
  // Export kind 4 does not exist either.
  EXPECT_TRUE(IsWasmError(DecodeStatus(ModuleBytes({Section(
                              kExportSection, Encoder().U32(1).Name("e").Raw({0x04, 0x00}))})),
                          "malformed export kind"));
  // A value type byte that names no type.
  EXPECT_TRUE(IsWasmError(DecodeStatus(ModuleBytes({Section(
                              kTypeSection, Encoder().U32(1).Raw({0x60, 0x01, 0x7A, 0x00}))})),
                          "malformed value type"));
  // Mutability is 0 or 1.
  EXPECT_TRUE(IsWasmError(
      DecodeStatus(ModuleBytes(
          {Section(kGlobalSection, Encoder().U32(1).Raw({0x7F, 0x02}).I32Const(0).End())})),
      "malformed mutability"));
  // A table of i32 is not a table of references.
  EXPECT_TRUE(IsWasmError(
      DecodeStatus(ModuleBytes({Section(kTableSection, Encoder().U32(1).Raw({0x7F, 0x00, 0x01}))})),
      "malformed reference type"));
  // Limits flags other than 0 and 1 (shared and 64-bit memories are later proposals).
  EXPECT_TRUE(IsWasmError(
      DecodeStatus(ModuleBytes({Section(kMemorySection, Encoder().U32(1).Raw({0x02, 0x01}))})),
      "integer too large"));
  // An element segment flags value of 8 does not exist.
  EXPECT_TRUE(IsWasmError(
      DecodeStatus(ModuleBytes({Section(kElementSection, Encoder().U32(1).U32(8).U32(0))})),
      "malformed elements segment kind"));
  // A data segment flags value of 3 does not exist.
  EXPECT_TRUE(IsWasmError(
      DecodeStatus(ModuleBytes({Section(kDataSection, Encoder().U32(1).U32(3).U32(0))})),
      "malformed data segment kind"));
  // An illegal opcode in a constant expression.
  EXPECT_TRUE(IsWasmError(DecodeStatus(ModuleBytes({Section(
                              kGlobalSection, Encoder().U32(1).Raw({0x7F, 0x00, 0xFF, 0x0B}))})),
                          "illegal opcode"));
}

TEST(SectionStructureTest, KitchenSinkDecodesEverySection) {
  const Bytes bytes = KitchenSinkModule();  // the Module refers into these
  absl::StatusOr<Module> module = DecodeModule(bytes);
  ASSERT_TRUE(module.ok()) << module.status();
  const Module& m = *module;
  EXPECT_EQ(m.types.size(), 3u);
  ASSERT_EQ(m.imports.size(), 4u);
  EXPECT_EQ(m.imports[0].kind, ExternKind::kFunc);
  EXPECT_EQ(m.imports[1].kind, ExternKind::kGlobal);
  EXPECT_EQ(m.imports[2].kind, ExternKind::kTable);
  EXPECT_EQ(m.imports[2].table.limits, (Limits{8, 16}));
  EXPECT_EQ(m.imports[3].kind, ExternKind::kMemory);
  EXPECT_EQ(m.imports[3].memory.limits, (Limits{1, 2}));
  EXPECT_EQ(m.num_imported_functions, 1u);
  EXPECT_EQ(m.num_imported_globals, 1u);
  EXPECT_EQ(m.num_imported_tables, 1u);
  EXPECT_EQ(m.num_imported_memories, 1u);
  EXPECT_EQ(m.num_functions(), 9u);
  EXPECT_EQ(m.bodies.size(), 8u);
  EXPECT_EQ(
      m.function_type(3),
      (FuncType{{ValType::kI32, ValType::kI64, ValType::kF32, ValType::kF64}, {ValType::kF64}}));
  EXPECT_EQ(m.globals.size(), 8u);
  EXPECT_EQ(m.global_inits.size(), 7u);
  EXPECT_EQ(m.exports.size(), 5u);
  EXPECT_EQ(m.start, 1u);
  ASSERT_EQ(m.elements.size(), 3u);
  EXPECT_EQ(m.elements[0].mode, SegmentMode::kActive);
  EXPECT_EQ(m.elements[0].function_indices, (std::vector<uint32_t>{2, 5}));
  EXPECT_EQ(m.elements[1].mode, SegmentMode::kDeclarative);
  EXPECT_EQ(m.elements[2].mode, SegmentMode::kPassive);
  EXPECT_TRUE(m.elements[2].uses_expressions);
  EXPECT_EQ(m.elements[2].size(), 2u);
  EXPECT_EQ(m.data_count, 2u);
  ASSERT_EQ(m.data.size(), 2u);
  EXPECT_EQ(m.data[0].mode, SegmentMode::kActive);
  EXPECT_EQ(std::string(m.data[0].bytes.begin(), m.data[0].bytes.end()), "hello");
  EXPECT_EQ(m.data[1].mode, SegmentMode::kPassive);
  EXPECT_EQ(m.custom_sections.size(), 2u);
  // Bodies are views into the input, at the offsets they were read from.
  for (const FunctionBody& body : m.bodies) {
    ASSERT_LE(body.offset + body.bytes.size(), bytes.size());
    EXPECT_EQ(body.bytes.data(), bytes.data() + body.offset);
    EXPECT_EQ(body.bytes.back(), 0x0B) << "a body ends with `end`";
  }
}

}  // namespace
}  // namespace kiln::wasm::test
