// kiln_exec_bench — how fast Kiln's generated code runs, against the same C
// compiled natively and run by V8 (node), all in one run.
//
//   kiln_exec_bench [--opt-level O0|O1|O2] [--reps N] [--rounds N] [--filter NAME]
//                   [--wasm-dir DIR] [--no-v8] [--no-epoch-interruption]
//                   [--csv FILE] [--png FILE]
//
// The programs are our own freestanding C files in tests/bench/programs/
// (matrix multiply, quicksort, hashing, a switch-dispatch interpreter,
// n-body, memcpy/memset-heavy block moves, loops written to auto-vectorize),
// each exporting `unsigned long long run(void)` that returns a checksum.
// CMake builds each three times with clang-19 -O2: to NAME.wasm (plain), to
// NAME.simd.wasm (-msimd128) and to a native object whose `run` is renamed
// native_<name>_run and linked in here.
//
// For every program (or those whose name contains --filter NAME) it
// decodes, validates and compiles both modules with Kiln (timed), loads and
// instantiates them, then calls the native run() and each Kiln run() once
// to warm up and N times each, interleaved, in this process. Then, when
// node is on the PATH (and without --no-v8), it runs run_wasm_node.js over
// the same modules twice: with V8's default tiering (Liftoff, then
// TurboFan) and with --no-liftoff (TurboFan only). --rounds N repeats both
// steps N times, alternating, and reports the median of the round medians.
//
// It prints a table with native code's median and, per engine and build,
// the median and its ratio to native (lower is better), the geometric mean
// of every column's ratios, and the compile times. --csv FILE writes the
// same figures as CSV and --png FILE draws a bar chart of the ratios with
// gnuplot (skipped, with a note, when gnuplot is missing).
//
// Every checksum must equal native code's: otherwise it prints MISMATCH and
// exits 1. A .simd.wasm that Kiln's compiler rejects as Unimplemented (no
// SIMD support yet) is shown as n/a, with the reason below the table, and
// is not an error. It asserts nothing about timings.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "exec_bench_report.h"
#include "exec_bench_v8.h"
#include "kiln/jit/compiler.h"
#include "kiln/runtime/engine.h"
#include "kiln/runtime/extern.h"
#include "kiln/runtime/linker.h"
#include "kiln/runtime/module.h"
#include "kiln/runtime/store.h"
#include "kiln/runtime/value.h"
#include "kiln/wasm/code_image.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/module.h"
#include "kiln/wasm/validator.h"

// The native builds of the programs: KILN_BENCH_PROGRAM(name) for each, as
// CMake lists them (exec_bench_programs.inc in the build tree).
#define KILN_BENCH_PROGRAM(name) extern "C" unsigned long long native_##name##_run(void);
#include "exec_bench_programs.inc"
#undef KILN_BENCH_PROGRAM

namespace {

using Clock = std::chrono::steady_clock;
using kiln::bench::Cell;
using kiln::bench::Column;
using kiln::bench::ProgramResult;
using kiln::bench::Report;

struct Program {
  const char* name;
  unsigned long long (*native_run)();
};

constexpr Program kPrograms[] = {
#define KILN_BENCH_PROGRAM(name) {#name, &native_##name##_run},
#include "exec_bench_programs.inc"
#undef KILN_BENCH_PROGRAM
};

// The two builds of each program, in column order.
struct Variant {
  const char* name;    // CSV variant
  const char* suffix;  // file name after the program's name
};
constexpr Variant kVariants[] = {{"plain", ".wasm"}, {"simd", ".simd.wasm"}};
constexpr size_t kNumVariants = std::size(kVariants);

// The V8 configurations, each run over both builds.
struct V8Config {
  const char* engine;     // CSV engine
  const char* label;      // table heading before the variant
  const char* node_flag;  // nullptr: none
};
constexpr V8Config kV8Configs[] = {{"v8", "v8", nullptr},
                                   {"v8-no-liftoff", "v8 nolift", "--no-liftoff"}};

struct Flags {
  kiln::jit::OptLevel opt_level = kiln::jit::OptLevel::kO2;
  std::string opt_level_name = "O2";
  int reps = 5;
  int rounds = 1;
  std::string filter;
  std::string wasm_dir = KILN_BENCH_WASM_DIR;
  bool v8 = true;
  bool epoch_interruption = true;
  std::string csv_path;
  std::string png_path;
};

constexpr std::string_view kUsage =
    "usage: kiln_exec_bench [--opt-level O0|O1|O2] [--reps N] [--rounds N] [--filter NAME]\n"
    "                       [--wasm-dir DIR] [--no-v8] [--no-epoch-interruption]\n"
    "                       [--csv FILE] [--png FILE]\n";

std::optional<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--no-v8") {
      flags.v8 = false;
      continue;
    }
    if (arg == "--no-epoch-interruption") {
      flags.epoch_interruption = false;
      continue;
    }
    if (i + 1 >= argc) return std::nullopt;
    const char* value = argv[++i];
    if (arg == "--opt-level") {
      const absl::StatusOr<kiln::jit::OptLevel> level = kiln::jit::ParseOptLevel(value);
      if (!level.ok()) {
        std::fprintf(stderr, "kiln_exec_bench: %s\n", level.status().ToString().c_str());
        return std::nullopt;
      }
      flags.opt_level = *level;
      flags.opt_level_name = value;
    } else if (arg == "--reps") {
      flags.reps = std::atoi(value);
      if (flags.reps < 1) return std::nullopt;
    } else if (arg == "--rounds") {
      flags.rounds = std::atoi(value);
      if (flags.rounds < 1) return std::nullopt;
    } else if (arg == "--filter") {
      flags.filter = value;
    } else if (arg == "--wasm-dir") {
      flags.wasm_dir = value;
    } else if (arg == "--csv") {
      flags.csv_path = value;
    } else if (arg == "--png") {
      flags.png_path = value;
    } else {
      return std::nullopt;
    }
  }
  return flags;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

std::optional<std::vector<uint8_t>> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "kiln_exec_bench: %s\n", what.c_str());
  std::exit(1);
}

// One module, compiled and instantiated, ready to call.
struct KilnProgram {
  std::unique_ptr<kiln::runtime::Store> store;
  std::optional<kiln::runtime::Func> run;
  double compile_ms = 0;  // decode + validate + jit::Compiler::Compile
};

// Compiles and instantiates the module at `path`. Returns the compiler's
// status when it is Unimplemented and `may_be_unimplemented` (a build that
// uses instructions Kiln cannot compile yet); any other failure is fatal.
absl::StatusOr<KilnProgram> PrepareKiln(kiln::runtime::Engine& engine,
                                        const kiln::jit::Compiler& compiler,
                                        const std::string& path, bool may_be_unimplemented) {
  std::optional<std::vector<uint8_t>> bytes = ReadFile(path);
  if (!bytes.has_value()) Fail("cannot read " + path);
  KilnProgram program;

  const Clock::time_point start = Clock::now();
  absl::StatusOr<kiln::wasm::Module> module = kiln::wasm::DecodeModule(*bytes);
  if (!module.ok()) Fail(path + ": decode: " + module.status().ToString());
  if (const absl::Status valid = kiln::wasm::ValidateModule(*module); !valid.ok())
    Fail(path + ": validate: " + valid.ToString());
  absl::StatusOr<kiln::wasm::CodeImage> image = compiler.Compile(*module);
  if (!image.ok()) {
    if (may_be_unimplemented && absl::IsUnimplemented(image.status())) return image.status();
    Fail(path + ": compile: " + image.status().ToString());
  }
  program.compile_ms = Ms(Clock::now() - start);

  absl::StatusOr<std::shared_ptr<const kiln::runtime::Module>> loaded =
      kiln::runtime::Module::Load(engine, *bytes, *image);
  if (!loaded.ok()) Fail(path + ": load: " + loaded.status().ToString());
  program.store = std::make_unique<kiln::runtime::Store>(engine);
  absl::StatusOr<kiln::runtime::Instance> instance =
      kiln::runtime::Linker{}.Instantiate(*program.store, *loaded);
  if (!instance.ok()) Fail(path + ": instantiate: " + instance.status().ToString());
  absl::StatusOr<kiln::runtime::Func> run = instance->GetFunc("run");
  if (!run.ok()) Fail(path + ": " + run.status().ToString());
  program.run = *run;
  return program;
}

uint64_t CallKiln(KilnProgram& program, const std::string& name) {
  absl::StatusOr<std::vector<kiln::runtime::Value>> results = program.store->Call(*program.run, {});
  if (!results.ok()) Fail(name + ": run() failed: " + results.status().ToString());
  if (results->size() != 1 || (*results)[0].type() != kiln::wasm::ValType::kI64)
    Fail(name + ": run() should return one i64");
  return static_cast<uint64_t>((*results)[0].i64());
}

std::string ModuleName(const Program& program, const Variant& variant) {
  std::string name = program.name;
  name += variant.suffix;
  return name;
}

// Checks one engine's checksum against native code's; prints MISMATCH.
bool Agrees(const std::string& what, uint64_t expected, uint64_t got) {
  if (got == expected) return true;
  std::printf("MISMATCH %s: native %llu, got %llu\n", what.c_str(),
              static_cast<unsigned long long>(expected), static_cast<unsigned long long>(got));
  return false;
}

// Native code and Kiln (both builds), interleaved in this process.
ProgramResult RunNativeAndKiln(const Program& p, const Flags& flags, kiln::runtime::Engine& engine,
                               const kiln::jit::Compiler& compiler, size_t num_columns,
                               bool* mismatch) {
  ProgramResult result;
  result.name = p.name;
  result.cells.resize(num_columns);

  std::optional<KilnProgram> kiln[kNumVariants];
  for (size_t v = 0; v < kNumVariants; ++v) {
    const bool simd = std::string_view(kVariants[v].name) == "simd";
    absl::StatusOr<KilnProgram> prepared =
        PrepareKiln(engine, compiler, flags.wasm_dir + "/" + ModuleName(p, kVariants[v]), simd);
    if (prepared.ok()) {
      result.cells[v].compile_ms = prepared->compile_ms;
      kiln[v] = std::move(*prepared);
    } else {
      result.cells[v].missing =
          absl::StrCat("Kiln cannot compile it yet: ", prepared.status().ToString());
    }
  }

  // Warm-up calls, which also check the checksums.
  result.checksum = p.native_run();
  for (size_t v = 0; v < kNumVariants; ++v) {
    if (!kiln[v].has_value()) continue;
    const std::string module = ModuleName(p, kVariants[v]);
    if (!Agrees("kiln " + module, result.checksum, CallKiln(*kiln[v], module))) *mismatch = true;
  }

  std::vector<double> native_ms;
  std::vector<double> kiln_ms[kNumVariants];
  for (int rep = 0; rep < flags.reps; ++rep) {
    Clock::time_point start = Clock::now();
    const uint64_t n = p.native_run();
    native_ms.push_back(Ms(Clock::now() - start));
    if (!Agrees(absl::StrCat("native ", p.name, " (rep ", rep, ")"), result.checksum, n))
      *mismatch = true;
    for (size_t v = 0; v < kNumVariants; ++v) {
      if (!kiln[v].has_value()) continue;
      const std::string module = ModuleName(p, kVariants[v]);
      start = Clock::now();
      const uint64_t k = CallKiln(*kiln[v], module);
      kiln_ms[v].push_back(Ms(Clock::now() - start));
      if (!Agrees(absl::StrCat("kiln ", module, " (rep ", rep, ")"), result.checksum, k))
        *mismatch = true;
    }
  }
  result.native_ms = Median(native_ms);
  for (size_t v = 0; v < kNumVariants; ++v) {
    if (!kiln[v].has_value()) continue;
    result.cells[v].median_ms = Median(kiln_ms[v]);
    result.cells[v].checksum = result.checksum;
  }
  return result;
}

// Fills one program's V8 columns (from `first_column` on, kNumVariants per
// config), right after its native and Kiln figures: the two windows are
// then seconds apart, so a change in the machine's load between them
// stays small.
void RunV8Columns(const Flags& flags, const Program& p, size_t first_column,
                  ProgramResult* program, std::vector<std::string>* notes, bool* mismatch) {
  std::vector<std::string> paths;
  for (const Variant& variant : kVariants)
    paths.push_back(flags.wasm_dir + "/" + ModuleName(p, variant));
  for (size_t config = 0; config < std::size(kV8Configs); ++config) {
    const V8Config& v8 = kV8Configs[config];
    std::vector<std::string> node_flags;
    if (v8.node_flag != nullptr) node_flags.push_back(v8.node_flag);
    bool failed = false;
    const std::map<std::string, kiln::bench::V8Result> results =
        kiln::bench::RunV8(KILN_BENCH_NODE_RUNNER, node_flags, paths, flags.reps, &failed);
    if (failed)
      notes->push_back(absl::StrCat("note: the node runner failed under ", v8.engine,
                                    " (its messages are above)"));
    for (size_t v = 0; v < kNumVariants; ++v) {
      Cell& cell = program->cells[first_column + config * kNumVariants + v];
      const std::string module = ModuleName(p, kVariants[v]);
      const auto it = results.find(module.substr(0, module.size() - 5));  // less ".wasm"
      if (it == results.end()) {
        cell.missing = "the node runner did not run it (see its messages above)";
        continue;
      }
      cell.median_ms = it->second.median_ms;
      cell.compile_ms = it->second.compile_ms;
      cell.checksum = it->second.checksum;
      if (!Agrees(absl::StrCat(v8.engine, " ", module), program->checksum, cell.checksum))
        *mismatch = true;
    }
  }
}

// Kiln against V8's faster configuration, build by build, paired within
// each round (see kiln::bench::HeadToHead).
std::vector<kiln::bench::HeadToHead> CompareWithV8(const std::vector<Report>& rounds,
                                                   size_t first_v8_column) {
  std::vector<kiln::bench::HeadToHead> comparisons;
  for (size_t i = 0; i < rounds.front().programs.size(); ++i) {
    for (size_t v = 0; v < kNumVariants; ++v) {
      kiln::bench::HeadToHead h;
      h.program = rounds.front().programs[i].name;
      h.variant = kVariants[v].name;
      std::vector<double> ratios;
      for (const Report& round : rounds) {
        const std::vector<Cell>& cells = round.programs[i].cells;
        std::optional<double> best_v8;
        for (size_t config = 0; config < std::size(kV8Configs); ++config) {
          const std::optional<double>& ms =
              cells[first_v8_column + config * kNumVariants + v].median_ms;
          if (ms.has_value() && (!best_v8.has_value() || *ms < *best_v8)) best_v8 = ms;
        }
        if (!cells[v].median_ms.has_value() || !best_v8.has_value()) continue;
        ratios.push_back(*cells[v].median_ms / *best_v8);
        if (ratios.back() < 1) ++h.kiln_faster_rounds;
      }
      if (ratios.empty()) continue;
      h.rounds = static_cast<int>(ratios.size());
      h.median_ratio = Median(ratios);
      comparisons.push_back(std::move(h));
    }
  }
  return comparisons;
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Flags> parsed = ParseFlags(argc, argv);
  if (!parsed.has_value()) {
    std::fputs(kUsage.data(), stderr);
    return 2;
  }
  const Flags& flags = *parsed;

  std::vector<const Program*> selected;
  for (const Program& p : kPrograms) {
    if (flags.filter.empty() ||
        std::string_view(p.name).find(flags.filter) != std::string_view::npos)
      selected.push_back(&p);
  }
  if (selected.empty()) Fail("no program matches --filter " + flags.filter);

  kiln::jit::CompilerOptions options;
  options.opt_level = flags.opt_level;
  options.epoch_interruption = flags.epoch_interruption;
  absl::StatusOr<std::unique_ptr<kiln::jit::Compiler>> compiler =
      kiln::jit::Compiler::Create(options);
  if (!compiler.ok()) Fail("Compiler::Create: " + compiler.status().ToString());
  kiln::runtime::Engine engine;

  Report report;
  const std::string kiln_engine = absl::StrCat("kiln-", flags.opt_level_name);
  for (const Variant& variant : kVariants)
    report.columns.push_back({kiln_engine, variant.name, absl::StrCat("kiln ", variant.name)});
  const std::string node_version = flags.v8 ? kiln::bench::NodeVersion() : std::string();
  const bool run_v8 = !node_version.empty();
  const size_t first_v8_column = report.columns.size();
  if (run_v8) {
    for (const V8Config& v8 : kV8Configs) {
      for (const Variant& variant : kVariants)
        report.columns.push_back(
            {v8.engine, variant.name, absl::StrCat(v8.label, " ", variant.name)});
    }
  } else {
    report.notes.push_back(flags.v8 ? "skipped the V8 columns: node is not on the PATH"
                                    : "skipped the V8 columns (--no-v8)");
  }
  report.title = absl::StrCat("kiln_exec_bench: median of ", flags.reps, " reps",
                              flags.rounds > 1 ? absl::StrCat(" x ", flags.rounds, " rounds") : "",
                              "; kiln at ",
                              flags.opt_level_name, " (epoch interruption ",
                              flags.epoch_interruption ? "on" : "off", ")");
  if (run_v8) {
    absl::StrAppend(&report.title, "; v8 = node ", node_version,
                    " (default tiering; nolift: --no-liftoff)");
  }
  absl::StrAppend(&report.title, "; native = clang-19 -O2");

  std::printf("kiln_exec_bench: %zu program(s)\ncompiler: %s\n", selected.size(),
              (*compiler)->fingerprint().c_str());
  std::fflush(stdout);
  // Kiln and native run side by side, V8 right after in node, program by
  // program. On a shared machine the load changes from minute to minute,
  // so --rounds N repeats the whole sequence N times and each figure is
  // the median of its N round medians; the head-to-head comparison pairs
  // Kiln with V8 within each round, where both saw the same load.
  bool mismatch = false;
  std::vector<Report> rounds;
  for (int round = 0; round < flags.rounds; ++round) {
    if (flags.rounds > 1) {
      std::printf("round %d of %d\n", round + 1, flags.rounds);
      std::fflush(stdout);
    }
    Report this_round = report;
    for (const Program* p : selected) {
      this_round.programs.push_back(
          RunNativeAndKiln(*p, flags, engine, **compiler, report.columns.size(), &mismatch));
      if (run_v8) {
        RunV8Columns(flags, *p, first_v8_column, &this_round.programs.back(), &this_round.notes,
                     &mismatch);
      }
    }
    rounds.push_back(std::move(this_round));
  }
  report.programs = rounds.front().programs;
  for (size_t i = 0; i < report.programs.size(); ++i) {
    ProgramResult& program = report.programs[i];
    std::vector<double> native_ms;
    for (const Report& r : rounds) native_ms.push_back(r.programs[i].native_ms);
    program.native_ms = Median(native_ms);
    for (size_t c = 0; c < program.cells.size(); ++c) {
      std::vector<double> cell_ms;
      for (const Report& r : rounds) {
        if (r.programs[i].cells[c].median_ms.has_value())
          cell_ms.push_back(*r.programs[i].cells[c].median_ms);
      }
      // A column that failed in any round keeps round one's note.
      if (cell_ms.size() == rounds.size()) program.cells[c].median_ms = Median(cell_ms);
    }
  }
  if (run_v8) report.head_to_head = CompareWithV8(rounds, first_v8_column);
  for (const Report& r : rounds) {
    for (const std::string& note : r.notes) {
      if (std::find(report.notes.begin(), report.notes.end(), note) == report.notes.end())
        report.notes.push_back(note);
    }
  }

  std::printf("\n");
  PrintReport(report);

  int exit_code = 0;
  if (!flags.csv_path.empty()) {
    if (const absl::Status written = WriteCsv(report, flags.csv_path); written.ok()) {
      std::printf("wrote %s\n", flags.csv_path.c_str());
    } else {
      std::printf("error: %s\n", written.ToString().c_str());
      exit_code = 1;
    }
  }
  if (!flags.png_path.empty()) {
    if (!kiln::bench::HaveGnuplot()) {
      std::printf("skipped %s: gnuplot is not on the PATH\n", flags.png_path.c_str());
    } else if (const absl::Status drawn = WritePng(report, flags.png_path); drawn.ok()) {
      std::printf("wrote %s\n", flags.png_path.c_str());
    } else {
      std::printf("error: %s\n", drawn.ToString().c_str());
      exit_code = 1;
    }
  }
  if (mismatch) {
    std::printf("MISMATCH: checksums disagree (see above)\n");
    return 1;
  }
  return exit_code;
}
