// PrintModule on hand-encoded binaries: the exact text of each construct of
// the WebAssembly 3.0 binary format (in the one form the text parser
// encodes back to the same bytes), and errors with byte offsets for
// truncated, hostile and random input.
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "kiln/wasm/error.h"
#include "kiln/wasm/text.h"
#include "module_builder.h"

namespace kiln::wasm::test {
namespace {

using text::PrintModule;

constexpr uint8_t kTagSection = 13;

std::string Print(const Bytes& binary) {
  absl::StatusOr<std::string> text = PrintModule(binary);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : std::string();
}

std::string ErrorOf(const Bytes& binary) {
  absl::StatusOr<std::string> text = PrintModule(binary);
  EXPECT_FALSE(text.ok()) << *text;
  if (text.ok()) return "";
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(text.status().message());
}

// A module of one type, (func), and one function of it whose locals and
// code are `body` (the code ending with its `end`).
Bytes OneFunction(const Encoder& body, bool with_data_count = false) {
  Encoder code = Encoder().U32(1).U32(static_cast<uint32_t>(body.size())).Raw(body);
  if (with_data_count) {
    return ModuleBytes({Section(kTypeSection, Encoder{0x01, 0x60, 0x00, 0x00}),
                        Section(kFunctionSection, Encoder{0x01, 0x00}),
                        Section(kDataCountSection, Encoder{0x00}), Section(kCodeSection, code)});
  }
  return ModuleBytes({Section(kTypeSection, Encoder{0x01, 0x60, 0x00, 0x00}),
                      Section(kFunctionSection, Encoder{0x01, 0x00}), Section(kCodeSection, code)});
}

// The instructions of OneFunction's body (no locals) as printed, with the
// function's own indentation taken off: "block\n  nop\nend".
std::string PrintBody(std::initializer_list<uint8_t> code, bool with_data_count = false) {
  const std::string text = Print(OneFunction(Encoder{0x00}.Raw(code), with_data_count));
  const std::string_view head = "(module\n  (type (func))\n  (func (type 0)\n";
  const std::string_view tail = "\n  )\n)\n";
  if (text.size() < head.size() + tail.size() || text.compare(0, head.size(), head) != 0 ||
      text.compare(text.size() - tail.size(), tail.size(), tail) != 0) {
    ADD_FAILURE() << "unexpected module text:\n" << text;
    return "";
  }
  std::string body;
  std::string_view rest(text);
  rest = rest.substr(head.size(), rest.size() - head.size() - tail.size());
  while (!rest.empty()) {
    const size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    EXPECT_EQ(line.substr(0, 4), "    ") << line;
    if (!body.empty()) body += '\n';
    body += line.substr(4);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
  }
  return body;
}

TEST(TextPrinterTest, EmptyModule) { EXPECT_EQ(Print(Header()), "(module\n)\n"); }

// The binaries below are laid out one construct per line, which clang-format
// would undo.
// clang-format off

TEST(TextPrinterTest, TypesRecGroupsStructsArrays) {
  const Bytes binary = ModuleBytes({Section(
      kTypeSection,
      Encoder{0x07,
              0x60, 0x02, 0x7F, 0x7E, 0x01, 0x7D,                    // func
              0x5F, 0x03, 0x78, 0x01, 0x77, 0x00, 0x63, 0x00, 0x00,  // struct
              0x5E, 0x7F, 0x01,                                      // array
              0x4E, 0x02, 0x50, 0x01, 0x01, 0x5F, 0x00, 0x4F, 0x00, 0x60, 0x00, 0x00,
              0x4E, 0x01, 0x60, 0x00, 0x01, 0x64, 0x70,  // rec of one
              0x60, 0x01, 0x63, 0x6E, 0x00,              // (ref null any): short form
              0x60, 0x02, 0x6C, 0x74, 0x00})});
  EXPECT_EQ(Print(binary),
            "(module\n"
            "  (type (func (param i32 i64) (result f32)))\n"
            "  (type (struct (field (mut i8)) (field i16) (field (ref null 0))))\n"
            "  (type (array (mut i32)))\n"
            "  (rec\n"
            "    (type (sub 1 (struct)))\n"
            "    (type (sub final (func)))\n"
            "  )\n"
            "  (rec\n"
            "    (type (func (result (ref func))))\n"
            "  )\n"
            "  (type (func (param anyref)))\n"
            "  (type (func (param i31ref nullexnref)))\n"
            ")\n");
}

TEST(TextPrinterTest, ImportsOfEveryKind) {
  const Bytes binary = ModuleBytes(
      {Section(kTypeSection, Encoder{0x01, 0x60, 0x00, 0x00}),
       Section(kImportSection, Encoder()
                                   .U32(5)
                                   .Name("m").Name("f").Raw({0x00, 0x00})
                                   .Name("m").Name("t").Raw({0x01, 0x70, 0x05, 0x01, 0x02})
                                   .Name("m").Name("mem").Raw({0x02, 0x03, 0x01, 0x02})
                                   .Name("m").Name("g").Raw({0x03, 0x7F, 0x01})
                                   .Name("m").Name("e\"x").Raw({0x04, 0x00, 0x00}))});
  EXPECT_EQ(Print(binary),
            "(module\n"
            "  (type (func))\n"
            "  (import \"m\" \"f\" (func (type 0)))\n"
            "  (import \"m\" \"t\" (table i64 1 2 funcref))\n"
            "  (import \"m\" \"mem\" (memory 1 2 shared))\n"
            "  (import \"m\" \"g\" (global (mut i32)))\n"
            "  (import \"m\" \"e\\22x\" (tag (type 0)))\n"
            ")\n");
}

TEST(TextPrinterTest, TablesMemoriesTagsGlobalsExportsStart) {
  const Bytes binary = ModuleBytes(
      {Section(kTypeSection, Encoder{0x01, 0x60, 0x00, 0x00}),
       Section(kFunctionSection, Encoder{0x01, 0x00}),
       Section(kTableSection, Encoder{0x02, 0x6F, 0x00, 0x01,  // externref, min 1
                                      0x40, 0x00, 0x64, 0x70, 0x00, 0x0A, 0xD2, 0x00, 0x0B}),
       Section(kMemorySection, Encoder{0x02, 0x08, 0x01, 0x00, 0x0D, 0x00, 0x05, 0x10}),
       Section(kTagSection, Encoder{0x01, 0x00, 0x00}),
       Section(kGlobalSection, Encoder{0x02, 0x7F, 0x01, 0x41, 0x00, 0x0B,  //
                                       0x7E, 0x00, 0x42, 0x01, 0x42, 0x02, 0x7C, 0x0B}),
       Section(kExportSection, Encoder().U32(2).Name("f").Raw({0x00, 0x00}).Name("t").Raw(
                                   {0x04, 0x00})),
       Section(kStartSection, Encoder{0x00}),
       Section(kCodeSection, Encoder{0x01, 0x02, 0x00, 0x0B})});
  EXPECT_EQ(Print(binary),
            "(module\n"
            "  (type (func))\n"
            "  (func (type 0))\n"
            "  (table 1 externref)\n"
            "  (table 10 (ref func) ref.func 0)\n"
            "  (memory 1 (pagesize 1))\n"
            "  (memory i64 0 5 (pagesize 65536))\n"
            "  (tag (type 0))\n"
            "  (global (mut i32) i32.const 0)\n"
            "  (global i64 i64.const 1 i64.const 2 i64.add)\n"
            "  (export \"f\" (func 0))\n"
            "  (export \"t\" (tag 0))\n"
            "  (start 0)\n"
            ")\n");
}

TEST(TextPrinterTest, ElementSegmentsOfEveryForm) {
  const Bytes binary = ModuleBytes({Section(
      kElementSection,
      Encoder{0x08,
              0x00, 0x41, 0x00, 0x0B, 0x02, 0x00, 0x01,
              0x01, 0x00, 0x01, 0x00,
              0x02, 0x01, 0x41, 0x02, 0x0B, 0x00, 0x01, 0x00,
              0x03, 0x00, 0x00,
              0x04, 0x41, 0x00, 0x0B, 0x01, 0xD2, 0x00, 0x0B,
              0x05, 0x70, 0x02, 0xD0, 0x70, 0x0B, 0xD2, 0x00, 0x0B,
              0x06, 0x00, 0x41, 0x00, 0x0B, 0x64, 0x70, 0x01, 0xD2, 0x00, 0x0B,
              0x07, 0x6F, 0x01, 0xD0, 0x6F, 0x0B})});
  EXPECT_EQ(Print(binary),
            "(module\n"
            "  (elem (offset i32.const 0) func 0 1)\n"
            "  (elem func 0)\n"
            "  (elem (table 1) (offset i32.const 2) func 0)\n"
            "  (elem declare func)\n"
            "  (elem (offset i32.const 0) funcref (item ref.func 0))\n"
            "  (elem funcref (item ref.null func) (item ref.func 0))\n"
            "  (elem (table 0) (offset i32.const 0) (ref func) (item ref.func 0))\n"
            "  (elem declare externref (item ref.null extern))\n"
            ")\n");
}

TEST(TextPrinterTest, DataSegmentsOfEveryForm) {
  const Bytes binary = ModuleBytes(
      {Section(kDataCountSection, Encoder{0x03}),
       Section(kDataSection, Encoder{0x03,
                                     0x00, 0x41, 0x08, 0x0B, 0x05, 0x61, 0x22, 0x5C, 0x01, 0xFF,
                                     0x01, 0x00,
                                     0x02, 0x01, 0x42, 0x00, 0x0B, 0x01, 0x7E})});
  EXPECT_EQ(Print(binary),
            "(module\n"
            "  (data (offset i32.const 8) \"a\\22\\5c\\01\\ff\")\n"
            "  (data \"\")\n"
            "  (data (memory 1) (offset i64.const 0) \"~\")\n"
            ")\n");
}

TEST(TextPrinterTest, LocalsOnePerRun) {
  const Bytes binary = OneFunction(Encoder{0x02, 0x03, 0x7F, 0x01, 0x63, 0x00, 0x0B});
  EXPECT_EQ(Print(binary),
            "(module\n"
            "  (type (func))\n"
            "  (func (type 0) (local i32 i32 i32) (local (ref null 0)))\n"
            ")\n");
}

TEST(TextPrinterTest, IntegerAndFloatConstants) {
  EXPECT_EQ(PrintBody({0x41, 0x7F,                                      //
                       0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F,
                       0x43, 0x00, 0x00, 0x40, 0x40,                    // 3
                       0x43, 0x00, 0x00, 0x00, 0x80,                    // -0
                       0x43, 0x01, 0x00, 0xA0, 0x7F,                    // NaN, payload
                       0x43, 0x00, 0x00, 0xC0, 0xFF,                    // -NaN, canonical
                       0x43, 0x00, 0x00, 0x80, 0x7F,                    // inf
                       0x43, 0x01, 0x00, 0x00, 0x00,                    // least subnormal
                       0x44, 0, 0, 0, 0, 0, 0, 0xF8, 0x7F,              // NaN, canonical
                       0x44, 0, 0, 0, 0, 0, 0, 0, 0x80,                 // -0
                       0x44, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F,              // 1.5
                       0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0xFF,              // -inf
                       0x44, 0x01, 0, 0, 0, 0, 0, 0xF0, 0xFF,           // -NaN, payload 1
                       0x0B}),
            "i32.const -1\n"
            "i64.const -9223372036854775808\n"
            "f32.const 0x1.8p+1\n"
            "f32.const -0x0p+0\n"
            "f32.const nan:0x200001\n"
            "f32.const -nan:0x400000\n"
            "f32.const inf\n"
            "f32.const 0x1p-149\n"
            "f64.const nan:0x8000000000000\n"
            "f64.const -0x0p+0\n"
            "f64.const 0x1.8p+0\n"
            "f64.const -inf\n"
            "f64.const -nan:0x1");
}

TEST(TextPrinterTest, MemoryArguments) {
  EXPECT_EQ(PrintBody({0x28, 0x02, 0x00,              // natural alignment, no offset
                       0x28, 0x00, 0x04,              // align=1
                       0x28, 0x42, 0x01, 0x04,        // memory 1, natural alignment
                       0x29, 0x40, 0x00, 0x00,        // memory 0 written out, align=1
                       0x36, 0x03, 0x80, 0x80, 0x04,  // align=8 on a 4-byte store
                       0xFE, 0x10, 0x02, 0x00,        // atomics: natural = access size
                       0xFE, 0x48, 0x02, 0x08,
                       0xFD, 0x54, 0x00, 0x00, 0x03,  // load lane: memarg, then lane
                       0xFD, 0x00, 0x04, 0x80, 0x01,
                       0x3F, 0x00, 0x40, 0x01,
                       0xFC, 0x08, 0x03, 0x00, 0xFC, 0x09, 0x02,
                       0xFC, 0x0A, 0x00, 0x01, 0xFC, 0x0B, 0x00,
                       0xFE, 0x03, 0x00, 0x0B},
                      /*with_data_count=*/true),
            "i32.load\n"
            "i32.load offset=4 align=1\n"
            "i32.load 1 offset=4\n"
            "i64.load 0 align=1\n"
            "i32.store offset=65536 align=8\n"
            "i32.atomic.load\n"
            "i32.atomic.rmw.cmpxchg offset=8\n"
            "v128.load8_lane 3\n"
            "v128.load offset=128\n"
            "memory.size 0\n"
            "memory.grow 1\n"
            "memory.init 0 3\n"
            "data.drop 2\n"
            "memory.copy 0 1\n"
            "memory.fill 0\n"
            "atomic.fence");
}

TEST(TextPrinterTest, BlocksAreIndentedByDepth) {
  EXPECT_EQ(PrintBody({0x02, 0x40, 0x03, 0x7F, 0x41, 0x01, 0x04, 0x40, 0x01, 0x05, 0x00, 0x0B,
                       0x0B, 0x1A, 0x0B,
                       0x02, 0x00, 0x0B,                    // a type index
                       0x02, 0x64, 0x6B, 0x0B,              // (result (ref struct))
                       0x06, 0x40, 0x08, 0x00, 0x07, 0x00, 0x19, 0x0B,
                       0x06, 0x40, 0x18, 0x00,
                       0x1F, 0x40, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x02, 0x02, 0x03, 0x03,
                       0x0A, 0x0B, 0x0B}),
            "block\n"
            "  loop (result i32)\n"
            "    i32.const 1\n"
            "    if\n"
            "      nop\n"
            "    else\n"
            "      unreachable\n"
            "    end\n"
            "  end\n"
            "  drop\n"
            "end\n"
            "block (type 0)\n"
            "end\n"
            "block (result (ref struct))\n"
            "end\n"
            "try\n"
            "  throw 0\n"
            "catch 0\n"
            "catch_all\n"
            "end\n"
            "try\n"
            "delegate 0\n"
            "try_table (catch 0 0) (catch_ref 0 1) (catch_all 2) (catch_all_ref 3)\n"
            "  throw_ref\n"
            "end");
}

TEST(TextPrinterTest, ReferenceAndAggregateInstructions) {
  EXPECT_EQ(PrintBody({0xFB, 0x18, 0x03, 0x00, 0x6E, 0x6C,  //
                       0xFB, 0x19, 0x01, 0x01, 0x00, 0x01,
                       0xFB, 0x14, 0x6B, 0xFB, 0x15, 0x00,
                       0xFB, 0x16, 0x6A, 0xFB, 0x17, 0x71,
                       0xFB, 0x02, 0x00, 0x01, 0xFB, 0x08, 0x00, 0x03,
                       0xFB, 0x11, 0x00, 0x01, 0xFB, 0x13, 0x00, 0x02,
                       0xD0, 0x73, 0xD0, 0x05, 0xFB, 0x1C, 0x14, 0x00, 0x12, 0x03,
                       0xD5, 0x00, 0x0B}),
            "br_on_cast 0 (ref null any) (ref null i31)\n"
            "br_on_cast_fail 1 (ref null 0) (ref 1)\n"
            "ref.test (ref struct)\n"
            "ref.test (ref null 0)\n"
            "ref.cast (ref array)\n"
            "ref.cast (ref null none)\n"
            "struct.get 0 1\n"
            "array.new_fixed 0 3\n"
            "array.copy 0 1\n"
            "array.init_elem 0 2\n"
            "ref.null nofunc\n"
            "ref.null 5\n"
            "ref.i31\n"
            "call_ref 0\n"
            "return_call 3\n"
            "br_on_null 0");
}

TEST(TextPrinterTest, TablesSelectsAndVectors) {
  EXPECT_EQ(PrintBody({0x1C, 0x01, 0x7F, 0x1C, 0x00, 0x1B,
                       0x11, 0x02, 0x00, 0x0E, 0x02, 0x00, 0x01, 0x02,
                       0xFD, 0x0C, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
                       0xFD, 0x0D, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 31,
                       0xFD, 0x15, 0x03, 0xFD, 0x80, 0x02,
                       0xFC, 0x0C, 0x01, 0x02, 0xFC, 0x0E, 0x00, 0x01,
                       0x25, 0x01, 0xFC, 0x10, 0x00, 0xFC, 0x11, 0x02, 0x0B}),
            "select (result i32)\n"
            "select (result)\n"
            "select\n"
            "call_indirect 0 (type 2)\n"
            "br_table 0 1 2\n"
            "v128.const i32x4 0x00000001 0x00000002 0x00000003 0xffffffff\n"
            "i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31\n"
            "i8x16.extract_lane_s 3\n"
            "i8x16.relaxed_swizzle\n"
            "table.init 2 1\n"
            "table.copy 0 1\n"
            "table.get 1\n"
            "table.size 0\n"
            "table.fill 2");
}

TEST(TextPrinterTest, CustomSectionsSayWhereTheyWere) {
  const Bytes binary = ModuleBytes({CustomSection("a", Encoder{0x01}),
                                    Section(kTypeSection, Encoder{0x01, 0x60, 0x00, 0x00}),
                                    CustomSection("b", Encoder{'x', 'y'}),
                                    Section(kDataCountSection, Encoder{0x00}),
                                    CustomSection("name", Encoder{0x00})});
  EXPECT_EQ(Print(binary),
            "(module\n"
            "  (type (func))\n"
            "  (@custom \"a\" (before first) \"\\01\")\n"
            "  (@custom \"b\" (after type) \"xy\")\n"
            "  (@custom \"name\" (after datacount) \"\\00\")\n"
            ")\n");
}

TEST(TextPrinterTest, TagSectionGoesBetweenMemoryAndGlobal) {
  const Bytes tag = Section(kTagSection, Encoder{0x01, 0x00, 0x00});
  const Bytes memory = Section(kMemorySection, Encoder{0x01, 0x00, 0x01});
  const Bytes global = Section(kGlobalSection, Encoder{0x01, 0x7F, 0x00, 0x41, 0x00, 0x0B});
  EXPECT_EQ(Print(ModuleBytes({memory, tag, global})),
            "(module\n  (memory 1)\n  (tag (type 0))\n  (global i32 i32.const 0)\n)\n");
  EXPECT_EQ(ErrorOf(ModuleBytes({memory, global, tag})),
            "at byte 0x15: unexpected tag section: duplicated or out of order");
}

// clang-format on

// Every error names the offending byte, in the message and as the location
// payload the decoder's errors carry.
void ExpectErrorAt(const Bytes& binary, uint64_t offset, std::string_view message) {
  absl::StatusOr<std::string> text = PrintModule(binary);
  ASSERT_FALSE(text.ok()) << *text;
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  char expected_prefix[32];
  std::snprintf(expected_prefix, sizeof expected_prefix,
                "at byte 0x%llx: ", static_cast<unsigned long long>(offset));
  EXPECT_EQ(std::string(text.status().message()),
            std::string(expected_prefix) + std::string(message));
  std::optional<ErrorLocation> location = GetErrorLocation(text.status());
  ASSERT_TRUE(location.has_value());
  EXPECT_EQ(location->offset, offset);
}

TEST(TextPrinterErrorTest, GarbageGivesErrorsAtTheirBytes) {
  ExpectErrorAt({0x00, 0x61, 0x73}, 0, "magic header not detected");
  ExpectErrorAt({0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00}, 4, "unknown binary version");
  ExpectErrorAt(ModuleBytes({Bytes{0x0E, 0x00}}), 8, "malformed section id 14");
  ExpectErrorAt(ModuleBytes({Bytes{0x01, 0x05, 0x01}}), 10, "section of 5 bytes runs past the end");
  ExpectErrorAt(ModuleBytes({Section(kTypeSection, Encoder{0x01, 0x60, 0x00, 0x00, 0x00})}), 14,
                "section size mismatch");
  ExpectErrorAt(
      ModuleBytes({Section(kFunctionSection, Encoder{0x00}), Section(kTypeSection, Encoder{0x00})}),
      11, "unexpected type section: duplicated or out of order");
  ExpectErrorAt(ModuleBytes({Section(kTypeSection, Encoder{0x01, 0x5D})}), 11,
                "malformed composite type 0x5d");
  ExpectErrorAt(ModuleBytes({Section(kTypeSection, Encoder{0x01, 0x60, 0x01, 0x40, 0x00})}), 13,
                "malformed value type 0x40");
  ExpectErrorAt(ModuleBytes({Section(kMemorySection, Encoder{0x01, 0x10, 0x00})}), 11,
                "malformed limits flags 0x10");
  ExpectErrorAt(ModuleBytes({Section(kTableSection, Encoder{0x01, 0x70, 0x03, 0x00, 0x01})}), 12,
                "malformed limits flags 0x3");
  ExpectErrorAt(ModuleBytes({Section(kElementSection, Encoder{0x01, 0x08, 0x00})}), 11,
                "malformed elements segment kind 8");
  ExpectErrorAt(ModuleBytes({Section(kDataSection, Encoder{0x01, 0x03, 0x00})}), 11,
                "malformed data segment kind 3");
  ExpectErrorAt(ModuleBytes({Section(kImportSection, Encoder().U32(1).Name("m").Name("\xff"))}), 13,
                "malformed UTF-8 encoding");
  ExpectErrorAt(
      ModuleBytes({Section(kExportSection, Encoder().U32(1).Name("e").Raw({0x05, 0x00}))}), 13,
      "malformed export kind 0x05");
  // A count far beyond the bytes left fails before anything is sized by it.
  ExpectErrorAt(ModuleBytes({Section(kTypeSection, Encoder{0xFF, 0xFF, 0xFF, 0xFF, 0x0F})}), 15,
                "count 4294967295 does not fit in the 0 bytes left");
  ExpectErrorAt(ModuleBytes({Section(kTypeSection, Encoder{0x80, 0x80, 0x80, 0x80, 0x80, 0x00})}),
                10, "integer representation too long");
  ExpectErrorAt(ModuleBytes({Section(kFunctionSection, Encoder{0x01, 0x00})}), 12,
                "function and code section have inconsistent lengths");
}

TEST(TextPrinterErrorTest, BadCodeGivesErrorsAtTheirBytes) {
  // OneFunction's body starts at byte 0x16 with its local runs.
  ExpectErrorAt(OneFunction(Encoder{0x00, 0xFF, 0x0B}), 0x17, "illegal opcode ff");
  ExpectErrorAt(OneFunction(Encoder{0x00, 0xFB, 0x7F, 0x0B}), 0x17, "illegal opcode fb 7f");
  ExpectErrorAt(OneFunction(Encoder{0x00, 0x05, 0x0B}), 0x17, "else outside if");
  ExpectErrorAt(OneFunction(Encoder{0x00, 0x02, 0x40, 0x07, 0x00, 0x0B, 0x0B}), 0x19,
                "catch outside try");
  ExpectErrorAt(OneFunction(Encoder{0x00, 0x06, 0x40, 0x07, 0x00, 0x18, 0x00, 0x0B}), 0x1B,
                "delegate outside try");
  ExpectErrorAt(OneFunction(Encoder{0x00, 0x06, 0x40, 0x19, 0x07, 0x00, 0x0B, 0x0B}), 0x1A,
                "catch after catch_all");
  ExpectErrorAt(OneFunction(Encoder{0x00, 0x02, 0x0B}), 0x19, "unexpected end");
  ExpectErrorAt(OneFunction(Encoder{0x00, 0x0B, 0x01}), 0x18,
                "function body continues after its end");
  ExpectErrorAt(OneFunction(Encoder{0x00, 0x02, 0x50, 0x0B, 0x0B}), 0x18, "malformed block type");
  ExpectErrorAt(OneFunction(Encoder{0x00, 0x28, 0x80, 0x01, 0x00, 0x0B}), 0x18,
                "malformed memop flags");
  ExpectErrorAt(OneFunction(Encoder{0x00, 0xFB, 0x18, 0x04, 0x00, 0x6E, 0x6E, 0x0B}), 0x19,
                "malformed br_on_cast flags 0x04");
  ExpectErrorAt(OneFunction(Encoder{0x00, 0x1F, 0x40, 0x01, 0x04, 0x00, 0x0B, 0x0B}), 0x1A,
                "malformed catch clause kind 0x04");
  ExpectErrorAt(OneFunction(Encoder{0x00, 0xFE, 0x03, 0x01, 0x0B}), 0x19, "zero byte expected");
  ExpectErrorAt(OneFunction(Encoder{0x00, 0xD0, 0x50, 0x0B}), 0x18, "malformed heap type");
  ExpectErrorAt(OneFunction(Encoder{0x00, 0xFC, 0x09, 0x00, 0x0B}), 0x17,
                "data count section required");
  // A local run of 4 billion is five bytes; printing it is not.
  ExpectErrorAt(OneFunction(Encoder{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x0B}), 0x17,
                "too many locals");
}

// A module with a little of everything, for truncation and mutation.
// clang-format off
Bytes RichModule() {
  return ModuleBytes(
      {CustomSection("c", Encoder{0x01, 0x02}),
       Section(kTypeSection, Encoder{0x03, 0x60, 0x01, 0x7F, 0x01, 0x7E, 0x4E, 0x01, 0x50, 0x00,
                                     0x5F, 0x01, 0x78, 0x01, 0x5E, 0x63, 0x01, 0x00}),
       Section(kImportSection, Encoder().U32(1).Name("m").Name("g").Raw({0x03, 0x7F, 0x00})),
       Section(kFunctionSection, Encoder{0x01, 0x00}),
       Section(kTableSection, Encoder{0x01, 0x70, 0x05, 0x01, 0x02}),
       Section(kMemorySection, Encoder{0x01, 0x05, 0x01, 0x02}),
       Section(kTagSection, Encoder{0x01, 0x00, 0x00}),
       Section(kGlobalSection, Encoder{0x01, 0x7D, 0x01, 0x43, 0x00, 0x00, 0xC0, 0x7F, 0x0B}),
       Section(kExportSection, Encoder().U32(1).Name("f").Raw({0x00, 0x00})),
       Section(kElementSection, Encoder{0x01, 0x05, 0x70, 0x01, 0xD2, 0x00, 0x0B}),
       Section(kDataCountSection, Encoder{0x01}),
       Section(kCodeSection,
               Encoder{0x01, 0x1E, 0x01, 0x02, 0x7E,              // body size, locals
                       0x02, 0x7F, 0x20, 0x00, 0x04, 0x40, 0x0C, 0x01, 0x0B, 0x28, 0x42, 0x00,
                       0x04, 0x0B, 0x1F, 0x40, 0x01, 0x02, 0x00, 0x0B, 0xFB, 0x18, 0x01, 0x00,
                       0x6E, 0x6C, 0x0B}),
       Section(kDataSection, Encoder{0x01, 0x01, 0x02, 0x68, 0x69}),
       CustomSection("name", Encoder{0x00, 0x01, 0x00})});
}
// clang-format on

TEST(TextPrinterErrorTest, RichModulePrints) {
  EXPECT_EQ(Print(RichModule()),
            "(module\n"
            "  (type (func (param i32) (result i64)))\n"
            "  (rec\n"
            "    (type (sub (struct (field (mut i8)))))\n"
            "  )\n"
            "  (type (array (ref null 1)))\n"
            "  (import \"m\" \"g\" (global i32))\n"
            "  (func (type 0) (local i64 i64)\n"
            "    block (result i32)\n"
            "      local.get 0\n"
            "      if\n"
            "        br 1\n"
            "      end\n"
            "      i32.load 0 offset=4\n"
            "    end\n"
            "    try_table (catch_all 0)\n"
            "    end\n"
            "    br_on_cast 0 (ref null any) (ref i31)\n"
            "  )\n"
            "  (table i64 1 2 funcref)\n"
            "  (memory i64 1 2)\n"
            "  (tag (type 0))\n"
            "  (global (mut f32) f32.const nan:0x400000)\n"
            "  (export \"f\" (func 0))\n"
            "  (elem funcref (item ref.func 0))\n"
            "  (data \"hi\")\n"
            "  (@custom \"c\" (before first) \"\\01\\02\")\n"
            "  (@custom \"name\" (after data) \"\\00\\01\\00\")\n"
            ")\n");
}

// Every prefix of the module that ends inside a section is an error at or
// before the cut, never a crash; so is every prefix of each section's
// payload under a size that matches it.
TEST(TextPrinterErrorTest, TruncationIsAnErrorWithAnOffset) {
  const Bytes module = RichModule();
  for (size_t cut = 0; cut < module.size(); ++cut) {
    const Bytes prefix(module.begin(), module.begin() + cut);
    absl::StatusOr<std::string> text = PrintModule(prefix);
    if (text.ok()) continue;  // the cut fell between sections
    EXPECT_EQ(std::string(text.status().message()).rfind("at byte 0x", 0), 0u) << text.status();
    std::optional<ErrorLocation> location = GetErrorLocation(text.status());
    ASSERT_TRUE(location.has_value()) << text.status();
    EXPECT_LE(location->offset, cut);
  }
  const Encoder code{0x01, 0x08, 0x00, 0x02, 0x40, 0x41, 0x7F, 0x1A, 0x0B, 0x0B};
  const Encoder types{0x02, 0x4E, 0x01, 0x5F, 0x01, 0x7F, 0x01, 0x60, 0x00, 0x01, 0x64, 0x00};
  for (const auto& [id, payload] : {std::pair<uint8_t, Encoder>{kCodeSection, code},
                                    std::pair<uint8_t, Encoder>{kTypeSection, types}}) {
    for (size_t cut = 0; cut < payload.size(); ++cut) {
      Encoder part;
      part.Raw(std::span(payload.bytes()).first(cut));
      const Bytes binary =
          id == kCodeSection
              ? ModuleBytes({Section(kFunctionSection, Encoder{0x01, 0x00}), Section(id, part)})
              : ModuleBytes({Section(id, part)});
      absl::StatusOr<std::string> text = PrintModule(binary);
      ASSERT_FALSE(text.ok()) << "cut at " << cut << ":\n" << *text;
      EXPECT_TRUE(GetErrorLocation(text.status()).has_value());
    }
  }
}

// Random changes to a valid module: each gives text or an error with an
// offset, and the text stays within a fixed multiple of the input.
TEST(TextPrinterErrorTest, RandomMutationsNeverCrash) {
  const Bytes original = RichModule();
  std::mt19937 random(20261205);
  int printed = 0;
  for (int round = 0; round < 20000; ++round) {
    Bytes bytes = original;
    const int changes = 1 + random() % 4;
    for (int i = 0; i < changes; ++i) {
      const size_t at = 8 + random() % (bytes.size() - 8);
      switch (random() % 3) {
        case 0:
          bytes[at] = static_cast<uint8_t>(random());
          break;
        case 1:
          bytes.erase(bytes.begin() + at);
          break;
        default:
          bytes.insert(bytes.begin() + at, static_cast<uint8_t>(random()));
          break;
      }
    }
    absl::StatusOr<std::string> text = PrintModule(bytes);
    if (text.ok()) {
      ++printed;
      EXPECT_LT(text->size(), 64 * bytes.size() + (size_t{8} << 20));
    } else {
      EXPECT_TRUE(GetErrorLocation(text.status()).has_value()) << text.status();
    }
  }
  EXPECT_GT(printed, 0);  // some mutations keep the module well-formed
}

// Deep nesting is indented only so far: the text grows with the input, not
// with its square.
TEST(TextPrinterErrorTest, DeepNestingStaysLinear) {
  constexpr int kDepth = 100'000;
  Encoder body{0x00};
  for (int i = 0; i < kDepth; ++i) body.Raw({0x02, 0x40});
  for (int i = 0; i < kDepth; ++i) body.Byte(0x0B);
  body.Byte(0x0B);
  const Bytes binary = OneFunction(body);
  const std::string text = Print(binary);
  EXPECT_LT(text.size(), 64 * binary.size());
}

}  // namespace
}  // namespace kiln::wasm::test
