// The "name" custom section: decoded when well-formed; when malformed it is
// ignored (custom sections cannot make a module malformed) and leaves
// Module::names empty, while the module itself still decodes.
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "module_builder.h"
#include "sample_modules.h"
#include "test_util.h"

namespace kiln::wasm::test {
namespace {

// Three functions of type [] -> [], one with two locals, and a name section
// with the given payload.
Bytes ModuleWithNames(const Encoder& name_payload) {
  ModuleBuilder b;
  const uint32_t t = b.AddType({}, {});
  for (int i = 0; i < 3; ++i) b.AddFunction(t, {{2, ValType::kI32}}, Encoder().End());
  b.AddCustomSection("name", name_payload);
  return b.Build();
}

// A subsection: its id, its size, its payload.
Encoder Subsection(uint8_t id, const Encoder& payload) {
  return Encoder().Byte(id).U32(static_cast<uint32_t>(payload.size())).Raw(payload);
}

Encoder FunctionNames(std::vector<std::pair<uint32_t, std::string>> names) {
  Encoder map;
  map.U32(static_cast<uint32_t>(names.size()));
  for (const auto& [index, name] : names) map.U32(index).Name(name);
  return Subsection(1, map);
}

using NameMap = std::vector<std::pair<uint32_t, std::string>>;

TEST(NameSectionTest, FunctionNamesAreDecoded) {
  absl::StatusOr<Module> module =
      DecodeModule(ModuleWithNames(FunctionNames({{0, "first"}, {2, "th\xC3\xAFrd"}})));
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_EQ(module->names.function_names, (NameMap{{0, "first"}, {2, "th\xC3\xAFrd"}}));
  EXPECT_FALSE(module->names.module_name.has_value());
}

TEST(NameSectionTest, ModuleFunctionAndLocalNamesAreDecoded) {
  Encoder locals;
  locals
      .U32(2)  // two functions
      .U32(0)
      .U32(2)
      .U32(0)
      .Name("a")
      .U32(1)
      .Name("b")
      .U32(2)
      .U32(1)
      .U32(1)
      .Name("z");
  absl::StatusOr<Module> module =
      DecodeModule(ModuleWithNames(Encoder()
                                       .Raw(Subsection(0, Encoder().Name("mod")))
                                       .Raw(FunctionNames({{1, "f1"}}))
                                       .Raw(Subsection(2, locals))));
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_EQ(module->names.module_name, "mod");
  EXPECT_EQ(module->names.function_names, (NameMap{{1, "f1"}}));
  ASSERT_EQ(module->names.local_names.size(), 2u);
  EXPECT_EQ(module->names.local_names[0].first, 0u);
  EXPECT_EQ(module->names.local_names[0].second, (NameMap{{0, "a"}, {1, "b"}}));
  EXPECT_EQ(module->names.local_names[1].first, 2u);
  EXPECT_EQ(module->names.local_names[1].second, (NameMap{{1, "z"}}));
}

TEST(NameSectionTest, KitchenSinkNames) {
  absl::StatusOr<Module> module = DecodeModule(KitchenSinkModule());
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_EQ(module->names.module_name, "sink");
  EXPECT_EQ(module->names.function_names, (NameMap{{0, "log"}, {2, "call_log"}}));
}

TEST(NameSectionTest, UnknownSubsectionsAreSkipped) {
  // Ids past 2 (labels, types, ... in the extended name section) are skipped.
  absl::StatusOr<Module> module =
      DecodeModule(ModuleWithNames(Encoder()
                                       .Raw(FunctionNames({{0, "f"}}))
                                       .Raw(Subsection(3, Encoder().Raw({1, 2, 3})))
                                       .Raw(Subsection(7, Encoder()))));
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_EQ(module->names.function_names, (NameMap{{0, "f"}}));
}

TEST(NameSectionTest, MalformedNameSectionsAreIgnored) {
  const std::vector<std::pair<std::string, Encoder>> cases = {
      {"garbage", Encoder().Raw({0xFF, 0xFF, 0xFF})},
      {"subsection larger than the section", Encoder().Byte(1).U32(100).U32(0)},
      {"subsection size with unused bits", Encoder().Byte(1).Raw({0xFF, 0xFF, 0xFF, 0xFF, 0x7F})},
      {"cut function map", Subsection(1, Encoder().U32(2).U32(0).Name("only one"))},
      {"bytes left in a subsection", Subsection(1, Encoder().U32(1).U32(0).Name("f").Raw({0xAA}))},
      {"function name not UTF-8", Subsection(1, Encoder().U32(1).U32(0).Name("\xC0\x80"))},
      {"function indices not increasing", Encoder().Raw(FunctionNames({{2, "b"}, {1, "a"}}))},
      {"duplicate function index", Encoder().Raw(FunctionNames({{1, "a"}, {1, "b"}}))},
      {"subsections out of order",
       Encoder().Raw(FunctionNames({{0, "f"}})).Raw(Subsection(0, Encoder().Name("m")))},
      {"duplicate subsection",
       Encoder().Raw(FunctionNames({{0, "f"}})).Raw(FunctionNames({{1, "g"}}))},
      {"name map count of 2^32-1", Subsection(1, Encoder().U32(0xFFFFFFFF).U32(0).Name("f"))},
      {"name of 4 GiB", Subsection(1, Encoder().U32(1).U32(0).U32(0xFFFFFFFF).Raw({'f'}))},
      {"local names cut",
       Encoder().Raw(FunctionNames({{0, "f"}})).Raw(Subsection(2, Encoder().U32(1).U32(0).U32(3)))},
  };
  for (const auto& [why, payload] : cases) {
    SCOPED_TRACE(why);
    const Bytes bytes = ModuleWithNames(payload);
    absl::StatusOr<Module> module = DecodeModule(bytes);
    ASSERT_TRUE(module.ok()) << module.status();
    EXPECT_FALSE(module->names.module_name.has_value());
    EXPECT_TRUE(module->names.function_names.empty());
    EXPECT_TRUE(module->names.local_names.empty());
    // The section is still there for tools that want its bytes.
    ASSERT_EQ(module->custom_sections.size(), 1u);
    EXPECT_EQ(module->custom_sections[0].name, "name");
    EXPECT_EQ(module->custom_sections[0].payload.size(), payload.size());
    EXPECT_TRUE(DecodeAndValidate(bytes).ok());
  }
}

TEST(NameSectionTest, OnlyTheSectionNamedNameIsParsed) {
  // Same payload under another name: not parsed, not an error.
  ModuleBuilder b;
  b.AddCustomSection("names", FunctionNames({{0, "f"}}));
  b.AddCustomSection("Name", FunctionNames({{0, "f"}}));
  absl::StatusOr<Module> module = DecodeModule(b.Build());
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_TRUE(module->names.function_names.empty());
  EXPECT_EQ(module->custom_sections.size(), 2u);
}

}  // namespace
}  // namespace kiln::wasm::test
