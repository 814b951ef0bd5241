// progress_display.h — how `kiln compile` shows a long compile's progress.
//
// On a terminal: one line redrawn in place (a bar, functions done of
// total, percent), at most ten times a second, erased when done. Not on a
// terminal (a log, CI): plain lines, at most one every kQuietInterval, so a
// short compile prints nothing; `every_update` prints a line for each
// update instead (kiln compile --progress).
#ifndef KILN_CLIENT_PROGRESS_DISPLAY_H_
#define KILN_CLIENT_PROGRESS_DISPLAY_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace kiln::client {

class ProgressDisplay {
 public:
  enum class Style { kBar, kLines, kEveryUpdate, kNone };
  static constexpr std::chrono::milliseconds kBarInterval{100};
  static constexpr std::chrono::seconds kQuietInterval{5};

  // kBar when `out` is a terminal, kLines otherwise.
  static Style StyleFor(std::FILE* out);

  ProgressDisplay(std::FILE* out, Style style);
  ~ProgressDisplay() { Finish(); }

  void Update(uint32_t done, uint32_t total);
  // Erases the bar (the other styles leave their lines).
  void Finish();

  // The bar line for `done` of `total`, `width` cells wide.
  static std::string BarLine(uint32_t done, uint32_t total, int width);

 private:
  std::FILE* const out_;
  const Style style_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
  bool drawn_ = false;
};

}  // namespace kiln::client

#endif  // KILN_CLIENT_PROGRESS_DISPLAY_H_
