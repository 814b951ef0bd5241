#include "exec_bench_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kiln::bench {
namespace {

// The table's layout: a program name, native ms, then per column a group
// of median ms and ratio to native.
constexpr int kNameWidth = 10;
constexpr int kMsWidth = 10;
constexpr int kRatioWidth = 8;
constexpr int kGroupWidth = kMsWidth + kRatioWidth;
constexpr int kGap = 2;

void PrintPadded(std::string_view text, int width) {
  std::printf("%-*.*s", width, width, std::string(text).c_str());
}

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

void PrintTimings(const Report& report) {
  std::printf("%*s", kNameWidth + kMsWidth, "");
  for (const Column& column : report.columns) {
    std::printf("%*s", kGap, "");
    std::printf("%*s", kGroupWidth, column.label.c_str());
  }
  std::printf("\n");
  std::printf("%-*s%*s", kNameWidth, "program", kMsWidth, "native ms");
  for (size_t c = 0; c < report.columns.size(); ++c) {
    std::printf("%*s%*s%*s", kGap, "", kMsWidth, "ms", kRatioWidth, "/native");
  }
  std::printf("\n");
  for (const ProgramResult& program : report.programs) {
    PrintPadded(program.name, kNameWidth);
    std::printf("%*.2f", kMsWidth, program.native_ms);
    for (const Cell& cell : program.cells) {
      std::printf("%*s", kGap, "");
      if (cell.median_ms.has_value()) {
        std::printf("%*.2f%*.2f", kMsWidth, *cell.median_ms, kRatioWidth,
                    *cell.median_ms / program.native_ms);
      } else {
        std::printf("%*s%*s", kMsWidth, "n/a", kRatioWidth, "n/a");
      }
    }
    std::printf("\n");
  }
  PrintPadded("geomean", kNameWidth);
  std::printf("%*s", kMsWidth, "");
  for (size_t c = 0; c < report.columns.size(); ++c) {
    std::printf("%*s%*s", kGap, "", kMsWidth, "");
    const std::optional<double> mean = GeoMeanRatio(report, c);
    std::printf("%*s", kRatioWidth, mean.has_value() ? Fixed(*mean, 2).c_str() : "n/a");
  }
  std::printf("\n");
}

// One row per program, one column per build: the paired ratio and in how
// many rounds Kiln was the faster.
void PrintHeadToHead(const Report& report) {
  if (report.head_to_head.empty()) return;
  std::printf(
      "\nkiln against V8's faster mode (default or --no-liftoff), paired round by round:\n"
      "median of (kiln ms / best v8 ms) over the rounds, below 1 = kiln faster;\n"
      "(rounds kiln won)\n");
  std::vector<std::string> variants;
  for (const HeadToHead& h : report.head_to_head) {
    if (std::find(variants.begin(), variants.end(), h.variant) == variants.end())
      variants.push_back(h.variant);
  }
  PrintPadded("program", kNameWidth);
  for (const std::string& variant : variants) std::printf("%*s", kGroupWidth, variant.c_str());
  std::printf("\n");
  for (const ProgramResult& program : report.programs) {
    PrintPadded(program.name, kNameWidth);
    for (const std::string& variant : variants) {
      const auto it = std::find_if(report.head_to_head.begin(), report.head_to_head.end(),
                                   [&](const HeadToHead& h) {
                                     return h.program == program.name && h.variant == variant;
                                   });
      const std::string text =
          it == report.head_to_head.end()
              ? std::string("n/a")
              : absl::StrCat(Fixed(it->median_ratio, 2), " (", it->kiln_faster_rounds, "/",
                             it->rounds, ")");
      std::printf("%*s", kGroupWidth, text.c_str());
    }
    std::printf("\n");
  }
}

void PrintCompileTimes(const Report& report) {
  std::printf(
      "\ncompile ms (kiln: decode + validate + compile; v8: new WebAssembly.Module, which\n"
      "compiles little up front: V8 compiles functions lazily)\n");
  std::vector<int> widths;
  PrintPadded("program", kNameWidth);
  for (const Column& column : report.columns) {
    const int width = std::max<int>(static_cast<int>(column.label.size()), 8) + kGap;
    widths.push_back(width);
    std::printf("%*s", width, column.label.c_str());
  }
  std::printf("\n");
  for (const ProgramResult& program : report.programs) {
    PrintPadded(program.name, kNameWidth);
    for (size_t c = 0; c < program.cells.size(); ++c) {
      const std::optional<double>& ms = program.cells[c].compile_ms;
      std::printf("%*s", widths[c], ms.has_value() ? Fixed(*ms, 2).c_str() : "n/a");
    }
    std::printf("\n");
  }
}

// One line per column and reason: which programs have no figure, and why.
void PrintMissing(const Report& report) {
  for (size_t c = 0; c < report.columns.size(); ++c) {
    std::map<std::string, std::vector<std::string>> by_reason;
    for (const ProgramResult& program : report.programs) {
      const Cell& cell = program.cells[c];
      if (!cell.median_ms.has_value()) by_reason[cell.missing].push_back(program.name);
    }
    for (const auto& [reason, names] : by_reason) {
      const std::string which = names.size() == report.programs.size() ? std::string("all programs")
                                                                       : absl::StrJoin(names, ", ");
      std::printf("n/a in %s (%s): %s\n", report.columns[c].label.c_str(), which.c_str(),
                  reason.c_str());
    }
  }
}

// A gnuplot string literal: single quotes, with ' doubled.
std::string GnuplotQuote(std::string_view s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// A datablock word: double quotes; a " becomes '.
std::string DataQuote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? '\'' : c;
  return out + "\"";
}

// Bar colours: pairs of light (plain) and dark (simd) shades per engine.
constexpr const char* kPalette[] = {"#f4a582", "#ca0020", "#92c5de", "#0571b0",
                                    "#b8e186", "#4d9221", "#c2a5cf", "#7b3294"};

}  // namespace

std::optional<double> GeoMeanRatio(const Report& report, size_t column) {
  if (report.programs.empty()) return std::nullopt;
  double log_sum = 0;
  for (const ProgramResult& program : report.programs) {
    const Cell& cell = program.cells[column];
    if (!cell.median_ms.has_value()) return std::nullopt;
    log_sum += std::log(*cell.median_ms / program.native_ms);
  }
  return std::exp(log_sum / static_cast<double>(report.programs.size()));
}

void PrintReport(const Report& report) {
  std::printf("%s\n\n", report.title.c_str());
  PrintTimings(report);
  PrintHeadToHead(report);
  PrintCompileTimes(report);
  std::printf("\n");
  PrintMissing(report);
  for (const std::string& note : report.notes) std::printf("%s\n", note.c_str());
}

absl::Status WriteCsv(const Report& report, const std::string& path) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  out << "program,engine,variant,median_ms,ratio_to_native,checksum\n";
  for (const ProgramResult& program : report.programs) {
    out << program.name << ",native,native," << Fixed(program.native_ms, 3) << ",1,"
        << program.checksum << "\n";
    for (size_t c = 0; c < program.cells.size(); ++c) {
      const Cell& cell = program.cells[c];
      out << program.name << ',' << report.columns[c].engine << ',' << report.columns[c].variant
          << ',';
      if (cell.median_ms.has_value()) {
        out << Fixed(*cell.median_ms, 3) << ',' << Fixed(*cell.median_ms / program.native_ms, 4)
            << ',' << cell.checksum;
      } else {
        out << ",,";
      }
      out << "\n";
    }
  }
  for (size_t c = 0; c < report.columns.size(); ++c) {
    const std::optional<double> mean = GeoMeanRatio(report, c);
    out << "geomean," << report.columns[c].engine << ',' << report.columns[c].variant << ",,"
        << (mean.has_value() ? Fixed(*mean, 4) : std::string()) << ",\n";
  }
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("error writing ", path));
  return absl::OkStatus();
}

bool HaveGnuplot() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

absl::Status WritePng(const Report& report, const std::string& path) {
  const bool cairo =
      std::system("gnuplot -e 'set terminal pngcairo' </dev/null >/dev/null 2>&1") == 0;
  std::string script;
  absl::StrAppend(&script, "set terminal ", cairo ? "pngcairo" : "png",
                  " size 1400,700 noenhanced\n");
  absl::StrAppend(&script, "set output ", GnuplotQuote(path), "\n");
  absl::StrAppend(&script, "set title ", GnuplotQuote(report.title), "\n");
  absl::StrAppend(&script,
                  "set style data histograms\n"
                  "set style histogram clustered gap 1\n"
                  "set style fill solid 0.9 border -1\n"
                  "set boxwidth 0.9\n"
                  "set logscale y 2\n"
                  "set format y '%g'\n"
                  "set ylabel 'time / native time (log scale; lower is better)'\n"
                  "set grid ytics\n"
                  "set key outside right top\n"
                  "set datafile missing 'NaN'\n"
                  "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 1.5\n");
  // The data: a header row of labels, one row per program, the means.
  absl::StrAppend(&script, "$ratios << EOD\nprogram");
  for (const Column& column : report.columns)
    absl::StrAppend(&script, " ", DataQuote(column.label));
  absl::StrAppend(&script, "\n");
  for (const ProgramResult& program : report.programs) {
    absl::StrAppend(&script, DataQuote(program.name));
    for (const Cell& cell : program.cells) {
      absl::StrAppend(&script, " ",
                      cell.median_ms.has_value() ? Fixed(*cell.median_ms / program.native_ms, 4)
                                                 : std::string("NaN"));
    }
    absl::StrAppend(&script, "\n");
  }
  absl::StrAppend(&script, "geomean");
  for (size_t c = 0; c < report.columns.size(); ++c) {
    const std::optional<double> mean = GeoMeanRatio(report, c);
    absl::StrAppend(&script, " ", mean.has_value() ? Fixed(*mean, 4) : std::string("NaN"));
  }
  absl::StrAppend(&script, "\nEOD\nplot ");
  for (size_t c = 0; c < report.columns.size(); ++c) {
    if (c > 0) absl::StrAppend(&script, ", \\\n     ");
    absl::StrAppend(&script, "$ratios using ", c + 2, c == 0 ? ":xtic(1)" : "",
                    " title columnheader(", c + 2, ") lc rgb '", kPalette[c % std::size(kPalette)],
                    "'");
  }
  absl::StrAppend(&script, "\n");

  std::fflush(stdout);
  FILE* pipe = popen("gnuplot", "w");
  if (pipe == nullptr) return absl::UnavailableError("cannot start gnuplot");
  std::fwrite(script.data(), 1, script.size(), pipe);
  if (pclose(pipe) != 0) return absl::InternalError("gnuplot failed (see its messages above)");
  return absl::OkStatus();
}

}  // namespace kiln::bench
