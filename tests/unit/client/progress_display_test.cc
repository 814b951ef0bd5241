// kiln compile's progress display: the bar's text, and what each style
// writes.
#include "progress_display.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace kiln::client {
namespace {

TEST(ProgressDisplayTest, BarLineFillsByFunctionsDone) {
  EXPECT_EQ(ProgressDisplay::BarLine(0, 10, 10), "[..........] 0/10 functions 0%");
  EXPECT_EQ(ProgressDisplay::BarLine(5, 10, 10), "[#####.....] 5/10 functions 50%");
  EXPECT_EQ(ProgressDisplay::BarLine(34004, 34004, 4), "[####] 34004/34004 functions 100%");
  // A module without functions is done at once.
  EXPECT_EQ(ProgressDisplay::BarLine(0, 0, 4), "[####] 0/0 functions 100%");
}

// What `style` writes for updates 1/3, 2/3, 3/3 and Finish.
std::string Written(ProgressDisplay::Style style) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  {
    ProgressDisplay display(out, style);
    display.Update(1, 3);
    display.Update(2, 3);
    display.Update(3, 3);
    display.Finish();
  }
  std::fclose(out);
  std::string text(buffer, size);
  std::free(buffer);
  return text;
}

TEST(ProgressDisplayTest, EveryUpdateWritesALineEach) {
  EXPECT_EQ(Written(ProgressDisplay::Style::kEveryUpdate),
            "kiln: compiled 1 of 3 functions (33%)\n"
            "kiln: compiled 2 of 3 functions (66%)\n"
            "kiln: compiled 3 of 3 functions (100%)\n");
}

TEST(ProgressDisplayTest, NoneWritesNothing) {
  EXPECT_EQ(Written(ProgressDisplay::Style::kNone), "");
}

TEST(ProgressDisplayTest, TheBarIsDrawnInPlaceAndErasedWhenDone) {
  const std::string text = Written(ProgressDisplay::Style::kBar);
  // The first update and the last are always drawn (the second may be
  // skipped as too soon); then the line is erased.
  EXPECT_EQ(text.rfind("\r[##########....................] 1/3 functions 33%\x1b[K", 0), 0u)
      << text;
  const std::string last = "\r[##############################] 3/3 functions 100%\x1b[K\r\x1b[K";
  ASSERT_GE(text.size(), last.size());
  EXPECT_EQ(text.substr(text.size() - last.size()), last);
}

}  // namespace
}  // namespace kiln::client
