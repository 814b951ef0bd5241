// exec_bench_report.h — kiln_exec_bench's results and their three forms:
// the printed table, a CSV file and a PNG bar chart (drawn by gnuplot).
#ifndef KILN_TESTS_BENCH_EXEC_BENCH_REPORT_H_
#define KILN_TESTS_BENCH_EXEC_BENCH_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace kiln::bench {

// One engine running one build of the programs, e.g. {"kiln-O2", "simd"}.
struct Column {
  std::string engine;   // CSV "engine": kiln-O2, v8, v8-no-liftoff
  std::string variant;  // CSV "variant": plain or simd
  std::string label;    // table and chart heading, e.g. "kiln simd"
};

// One program under one column.
struct Cell {
  std::optional<double> median_ms;   // absent: no figure, see `missing`
  std::optional<double> compile_ms;  // time to compile the module, if known
  uint64_t checksum = 0;
  std::string missing;  // why there is no figure, e.g. "n/a: Kiln cannot ..."
};

struct ProgramResult {
  std::string name;
  double native_ms = 0;
  uint64_t checksum = 0;    // native code's
  std::vector<Cell> cells;  // one per Report::columns
};

// Kiln against V8's faster configuration (default tiering or --no-liftoff)
// on one build of one program, paired round by round: in each round, Kiln's
// median over the smaller of that round's two V8 medians.
struct HeadToHead {
  std::string program;
  std::string variant;      // plain or simd
  double median_ratio = 0;  // median over the rounds; below 1: Kiln is faster
  int kiln_faster_rounds = 0;
  int rounds = 0;
};

struct Report {
  std::string title;  // first line of the table and the chart's title
  std::vector<Column> columns;
  std::vector<ProgramResult> programs;
  std::vector<std::string> notes;  // printed below the table
  std::vector<HeadToHead> head_to_head;  // empty without V8 figures
};

// The geometric mean over all programs of column `column`'s ratio to
// native; absent when any program has no figure in that column.
std::optional<double> GeoMeanRatio(const Report& report, size_t column);

// Prints the timing table (medians, ratios to native, geometric means),
// the head-to-head comparison with V8, then the compile times, then a note for every cell without a figure and
// the report's own notes.
void PrintReport(const Report& report);

// One row per program and engine variant, native included, then one
// "geomean" row per column:
//   program,engine,variant,median_ms,ratio_to_native,checksum
// Fields without a figure are empty.
absl::Status WriteCsv(const Report& report, const std::string& path);

// True when `gnuplot` is on the PATH.
bool HaveGnuplot();

// A grouped bar chart of the ratios to native (log scale): one group per
// program and one for the geometric means, one bar per column.
absl::Status WritePng(const Report& report, const std::string& path);

}  // namespace kiln::bench

#endif  // KILN_TESTS_BENCH_EXEC_BENCH_REPORT_H_
