#include "trap_text.h"

#include "gtest/gtest.h"

namespace kiln::spec {
namespace {

TEST(TrapTextTest, TheMessageMustContainTheExpectedText) {
  EXPECT_TRUE(TrapTextMatches("integer divide by zero", "integer divide by zero",
                              "integer divide by zero"));
  // A detail after the spec's text does not matter.
  EXPECT_TRUE(TrapTextMatches("host trap: boom", "host trap", "host trap"));
  EXPECT_FALSE(TrapTextMatches("integer overflow", "integer overflow", "integer divide by zero"));
}

TEST(TrapTextTest, DetailsTheReferenceInterpreterAddsAreAccepted) {
  EXPECT_TRUE(
      TrapTextMatches("uninitialized element", "uninitialized element", "uninitialized element 2"));
  // Only after a word boundary, and only from the trap's own text.
  EXPECT_FALSE(
      TrapTextMatches("uninitialized element", "uninitialized element", "uninitialized elements"));
  EXPECT_FALSE(
      TrapTextMatches("undefined element", "undefined element", "uninitialized element 2"));
  EXPECT_FALSE(TrapTextMatches("uninitialized element", "", "uninitialized element 2"));
}

}  // namespace
}  // namespace kiln::spec
