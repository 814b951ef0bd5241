#include "corrected_modules.h"

#include <vector>

#include "gtest/gtest.h"

namespace kiln::spec {
namespace {

TEST(CorrectedModulesTest, ReadsEntriesWithGroupedHex) {
  absl::StatusOr<CorrectedModules> list = CorrectedModules::Parse(
      "# a comment\n"
      "\n"
      "a.wast:12 0061 736d 01000000 | a reason\n"
      "b.wast:3 00FF|another\n",
      "test");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  const CorrectedModule* a = list->Find("a.wast", 12);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->bytes, (std::vector<uint8_t>{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}));
  EXPECT_EQ(a->reason, "a reason");
  EXPECT_EQ(a->list_line, 3u);
  const CorrectedModule* b = list->Find("b.wast", 3);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->bytes, (std::vector<uint8_t>{0x00, 0xff}));
  EXPECT_EQ(list->Find("a.wast", 3), nullptr);
  EXPECT_EQ(list->EntriesFor("a.wast").size(), 1u);
  EXPECT_TRUE(list->EntriesFor("c.wast").empty());
}

TEST(CorrectedModulesTest, RejectsMalformedEntries) {
  const char* bad[] = {
      "a.wast:1 0061",           // no reason
      "a.wast:1 0061 |",         // empty reason
      "a.wast 0061 | r",         // no line
      "a.wast:0 0061 | r",       // line 0
      "a.wast:x 0061 | r",       // line not a number
      "a.txt:1 0061 | r",        // not a script
      "a.wast:1 | r",            // no bytes
      "a.wast:1 006 | r",        // half a byte
      "a.wast:1 00zz | r",       // not hex
      "a.wast:1 00 | r\na.wast:1 01 | r",  // duplicate
  };
  for (const char* text : bad) {
    absl::StatusOr<CorrectedModules> list = CorrectedModules::Parse(text, "list.txt");
    ASSERT_FALSE(list.ok()) << text;
    EXPECT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(list.status().message().find("list.txt:"), absl::string_view::npos)
        << list.status();
  }
}

}  // namespace
}  // namespace kiln::spec
