// Names (imports, exports, custom section names) must be well-formed UTF-8:
// no overlong forms, no surrogates, nothing past U+10FFFF, no cut sequences.
// Each case is tried at every place the decoder reads a name.
#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "module_builder.h"
#include "test_util.h"

namespace kiln::wasm::test {
namespace {

struct NameSite {
  std::string name;
  std::function<Bytes(const std::string&)> make;
  std::function<std::string(const Module&)> read;
};

std::vector<NameSite> NameSites() {
  return {
      {"import module",
       [](const std::string& s) {
         return ModuleBytes(
             {Section(kImportSection, Encoder().U32(1).Name(s).Name("f").Raw({0, 0}))});
       },
       [](const Module& m) { return m.imports.at(0).module; }},
      {"import field",
       [](const std::string& s) {
         return ModuleBytes(
             {Section(kImportSection, Encoder().U32(1).Name("m").Name(s).Raw({0, 0}))});
       },
       [](const Module& m) { return m.imports.at(0).name; }},
      {"export",
       [](const std::string& s) {
         return ModuleBytes({Section(kExportSection, Encoder().U32(1).Name(s).Raw({0, 0}))});
       },
       [](const Module& m) { return m.exports.at(0).name; }},
      {"custom section",
       [](const std::string& s) {
         return ModuleBytes({CustomSection(s, Encoder().Raw({1, 2}))});
       },
       [](const Module& m) { return m.custom_sections.at(0).name; }},
  };
}

std::string Utf8(std::initializer_list<uint8_t> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

TEST(Utf8NamesTest, WellFormedNamesAreAccepted) {
  const std::vector<std::string> names = {
      "",
      "plain ascii",
      std::string(1, '\0'),            // U+0000 is a character like any other
      Utf8({0x7F}),                    // the last one-byte character
      Utf8({0xC2, 0x80}),              // U+0080, the first two-byte character
      Utf8({0xC3, 0xA9}),              // é
      Utf8({0xDF, 0xBF}),              // U+07FF
      Utf8({0xE0, 0xA0, 0x80}),        // U+0800, the first three-byte character
      Utf8({0xE2, 0x82, 0xAC}),        // €
      Utf8({0xED, 0x9F, 0xBF}),        // U+D7FF, just below the surrogates
      Utf8({0xEE, 0x80, 0x80}),        // U+E000, just above them
      Utf8({0xEF, 0xBF, 0xBF}),        // U+FFFF
      Utf8({0xF0, 0x90, 0x80, 0x80}),  // U+10000, the first four-byte character
      Utf8({0xF0, 0x9D, 0x84, 0x9E}),  // 𝄞
      Utf8({0xF4, 0x8F, 0xBF, 0xBF}),  // U+10FFFF, the last character
      "mixed \xC3\xA9 \xE2\x82\xAC \xF0\x9D\x84\x9E text",
  };
  for (const NameSite& site : NameSites()) {
    for (const std::string& name : names) {
      SCOPED_TRACE(site.name + " name of " + std::to_string(name.size()) + " bytes");
      absl::StatusOr<Module> module = DecodeModule(site.make(name));
      ASSERT_TRUE(module.ok()) << module.status();
      EXPECT_EQ(site.read(*module), name);
    }
  }
}

struct BadName {
  const char* why;
  std::string bytes;
};

TEST(Utf8NamesTest, MalformedNamesAreRejected) {
  const std::vector<BadName> names = {
      // Overlong forms: a character in more bytes than it needs.
      {"overlong NUL in two bytes", Utf8({0xC0, 0x80})},
      {"overlong U+007F in two bytes", Utf8({0xC1, 0xBF})},
      {"overlong U+0000 in three bytes", Utf8({0xE0, 0x80, 0x80})},
      {"overlong U+07FF in three bytes", Utf8({0xE0, 0x9F, 0xBF})},
      {"overlong U+0000 in four bytes", Utf8({0xF0, 0x80, 0x80, 0x80})},
      {"overlong U+FFFF in four bytes", Utf8({0xF0, 0x8F, 0xBF, 0xBF})},
      // UTF-16 surrogates are not characters.
      {"surrogate U+D800", Utf8({0xED, 0xA0, 0x80})},
      {"surrogate U+DBFF", Utf8({0xED, 0xAF, 0xBF})},
      {"surrogate U+DC00", Utf8({0xED, 0xB0, 0x80})},
      {"surrogate U+DFFF", Utf8({0xED, 0xBF, 0xBF})},
      {"surrogate pair", Utf8({0xED, 0xA0, 0xBD, 0xED, 0xB2, 0xA9})},
      // Past the last code point.
      {"U+110000", Utf8({0xF4, 0x90, 0x80, 0x80})},
      {"lead byte F5", Utf8({0xF5, 0x80, 0x80, 0x80})},
      {"lead byte F7", Utf8({0xF7, 0xBF, 0xBF, 0xBF})},
      {"five-byte form", Utf8({0xF8, 0x88, 0x80, 0x80, 0x80})},
      {"six-byte form", Utf8({0xFC, 0x84, 0x80, 0x80, 0x80, 0x80})},
      {"byte FE", Utf8({0xFE})},
      {"byte FF", Utf8({0xFF})},
      // Cut or broken sequences.
      {"lone continuation byte", Utf8({0x80})},
      {"continuation byte after ascii", Utf8({0x61, 0xBF})},
      {"two-byte sequence cut", Utf8({0xC3})},
      {"three-byte sequence cut after one", Utf8({0xE2})},
      {"three-byte sequence cut after two", Utf8({0xE2, 0x82})},
      {"four-byte sequence cut after three", Utf8({0xF0, 0x9D, 0x84})},
      {"cut sequence followed by ascii", Utf8({0xC3, 0x41})},
      {"bad second byte", Utf8({0xE2, 0x28, 0xA1})},
      {"bad third byte", Utf8({0xE2, 0x82, 0x28})},
      {"bad fourth byte", Utf8({0xF0, 0x9D, 0x84, 0x7F})},
      {"good then cut", Utf8({0xC3, 0xA9, 0xE2, 0x82})},
  };
  for (const NameSite& site : NameSites()) {
    for (const BadName& name : names) {
      SCOPED_TRACE(site.name + ": " + name.why);
      EXPECT_TRUE(IsWasmError(DecodeStatus(site.make(name.bytes)), "malformed UTF-8 encoding"));
    }
  }
}

}  // namespace
}  // namespace kiln::wasm::test
