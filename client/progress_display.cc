#include "progress_display.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kiln::client {
namespace {

constexpr int kBarCells = 30;

uint32_t Percent(uint32_t done, uint32_t total) {
  return total == 0 ? 100 : static_cast<uint32_t>(uint64_t{done} * 100 / total);
}

}  // namespace

ProgressDisplay::Style ProgressDisplay::StyleFor(std::FILE* out) {
  return ::isatty(::fileno(out)) ? Style::kBar : Style::kLines;
}

ProgressDisplay::ProgressDisplay(std::FILE* out, Style style) : out_(out), style_(style) {}

std::string ProgressDisplay::BarLine(uint32_t done, uint32_t total, int width) {
  const int filled = total == 0 ? width : static_cast<int>(uint64_t{done} * width / total);
  return absl::StrCat("[", std::string(filled, '#'), std::string(width - filled, '.'), "] ", done,
                      "/", total, " functions ", Percent(done, total), "%");
}

void ProgressDisplay::Update(uint32_t done, uint32_t total) {
  const auto now = std::chrono::steady_clock::now();
  switch (style_) {
    case Style::kNone:
      return;
    case Style::kBar:
      if (done < total && drawn_ && now - last_ < kBarInterval) return;
      // \r and erase-to-end-of-line: the line is redrawn in place.
      std::fprintf(out_, "\r%s\x1b[K", BarLine(done, total, kBarCells).c_str());
      drawn_ = true;
      break;
    case Style::kLines:
      if (now - last_ < kQuietInterval) return;
      [[fallthrough]];
    case Style::kEveryUpdate:
      std::fprintf(out_, "kiln: compiled %u of %u functions (%u%%)\n", done, total,
                   Percent(done, total));
      break;
  }
  last_ = now;
  std::fflush(out_);
}

void ProgressDisplay::Finish() {
  if (style_ != Style::kBar || !drawn_) return;
  std::fprintf(out_, "\r\x1b[K");
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace kiln::client
