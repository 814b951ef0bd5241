// kiln_exec_bench — how fast Kiln's generated code runs, against the same C
// compiled natively (and against V8 when node is installed).
//
//   kiln_exec_bench [--opt-level O0|O1|O2] [--reps N] [--filter NAME]
//                   [--wasm-dir DIR] [--no-v8] [--no-epoch-interruption]
//
// The programs are our own freestanding C files in tests/bench/programs/
// (matrix multiply, quicksort, hashing, a bytecode interpreter), each
// exporting `unsigned long long run(void)` that returns a checksum. CMake
// builds each twice with clang-19 -O2: to a .wasm module, and to a native
// object whose `run` is renamed native_<name>_run and linked in here.
//
// For every program (or those whose name contains --filter NAME) it
// decodes, validates and compiles the module with Kiln (timed), loads and
// instantiates it, then calls the native run() and Kiln's run() once each to
// warm up and N times each, interleaved, in this process. It prints the
// median of each, their ratio (kiln / native, lower is better) and the
// geometric mean of the ratios. With node on the PATH it also runs
// run_wasm_node.js over the same modules afterwards and adds a V8 column.
//
// Every checksum must agree (native, each Kiln call, V8): otherwise it
// prints MISMATCH and exits 1. It asserts nothing about timings.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

struct Program {
  const char* name;
  unsigned long long (*native_run)();
};

constexpr Program kPrograms[] = {
#define KILN_BENCH_PROGRAM(name) {#name, &native_##name##_run},
#include "exec_bench_programs.inc"
#undef KILN_BENCH_PROGRAM
};

struct Flags {
  kiln::jit::OptLevel opt_level = kiln::jit::OptLevel::kO2;
  std::string opt_level_name = "O2";
  int reps = 5;
  std::string filter;
  std::string wasm_dir = KILN_BENCH_WASM_DIR;
  bool v8 = true;
  bool epoch_interruption = true;
};

constexpr std::string_view kUsage =
    "usage: kiln_exec_bench [--opt-level O0|O1|O2] [--reps N] [--filter NAME]\n"
    "                       [--wasm-dir DIR] [--no-v8] [--no-epoch-interruption]\n";

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
    } else if (arg == "--filter") {
      flags.filter = value;
    } else if (arg == "--wasm-dir") {
      flags.wasm_dir = value;
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

double GeoMean(const std::vector<double>& v) {
  double log_sum = 0;
  for (const double x : v) log_sum += std::log(x);
  return std::exp(log_sum / static_cast<double>(v.size()));
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

// One program's module, compiled and instantiated, ready to call.
struct KilnProgram {
  std::unique_ptr<kiln::runtime::Store> store;
  std::optional<kiln::runtime::Func> run;
  double validate_ms = 0;  // decode + validate
  double compile_ms = 0;   // jit::Compiler::Compile
  double load_ms = 0;      // Module::Load + instantiate
};

KilnProgram PrepareKiln(kiln::runtime::Engine& engine, const kiln::jit::Compiler& compiler,
                        const std::string& path) {
  std::optional<std::vector<uint8_t>> bytes = ReadFile(path);
  if (!bytes.has_value()) Fail("cannot read " + path);
  KilnProgram program;

  Clock::time_point start = Clock::now();
  absl::StatusOr<kiln::wasm::Module> module = kiln::wasm::DecodeModule(*bytes);
  if (!module.ok()) Fail(path + ": decode: " + module.status().ToString());
  if (const absl::Status valid = kiln::wasm::ValidateModule(*module); !valid.ok())
    Fail(path + ": validate: " + valid.ToString());
  program.validate_ms = Ms(Clock::now() - start);

  start = Clock::now();
  absl::StatusOr<kiln::wasm::CodeImage> image = compiler.Compile(*module);
  if (!image.ok()) Fail(path + ": compile: " + image.status().ToString());
  program.compile_ms = Ms(Clock::now() - start);

  start = Clock::now();
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
  program.load_ms = Ms(Clock::now() - start);
  return program;
}

uint64_t CallKiln(KilnProgram& program, const char* name) {
  absl::StatusOr<std::vector<kiln::runtime::Value>> results =
      program.store->Call(*program.run, {});
  if (!results.ok()) Fail(std::string(name) + ": run() failed: " + results.status().ToString());
  if (results->size() != 1 || (*results)[0].type() != kiln::wasm::ValType::kI64)
    Fail(std::string(name) + ": run() should return one i64");
  return static_cast<uint64_t>((*results)[0].i64());
}

struct V8Result {
  double median_ms = 0;
  uint64_t checksum = 0;
  double compile_ms = 0;
};

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs run_wasm_node.js over `paths`; empty when node is missing or fails.
std::map<std::string, V8Result> RunV8(const std::vector<std::string>& paths, int reps) {
  std::map<std::string, V8Result> results;
  if (std::system("command -v node >/dev/null 2>&1") != 0) {
    std::printf("note: node is not on the PATH; no V8 column\n");
    return results;
  }
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on
  // "literal" + std::string here.
  std::string command = "node ";
  command += ShellQuote(KILN_BENCH_NODE_RUNNER);
  command += " --reps ";
  command += std::to_string(reps);
  for (const std::string& path : paths) {
    command += ' ';
    command += ShellQuote(path);
  }
  std::fflush(stdout);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return results;
  char line[512];
  while (std::fgets(line, sizeof(line), pipe) != nullptr) {
    std::istringstream fields(line);
    std::string name;
    V8Result r;
    if (fields >> name >> r.median_ms >> r.checksum >> r.compile_ms) results[name] = r;
  }
  if (pclose(pipe) != 0) std::printf("note: the node runner failed; V8 figures may be missing\n");
  return results;
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
    if (flags.filter.empty() || std::string_view(p.name).find(flags.filter) != std::string_view::npos)
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

  std::printf("kiln_exec_bench: opt level %s, %d reps (median), epoch interruption %s\n",
              flags.opt_level_name.c_str(), flags.reps, flags.epoch_interruption ? "on" : "off");
  std::printf("compiler: %s\n\n", (*compiler)->fingerprint().c_str());

  struct Row {
    const Program* program;
    std::string path;
    double native_ms, kiln_ms;
    double validate_ms, compile_ms, load_ms;
    uint64_t checksum;
  };
  std::vector<Row> rows;
  bool mismatch = false;

  for (const Program* p : selected) {
    const std::string path = flags.wasm_dir + "/" + p->name + ".wasm";
    KilnProgram kiln = PrepareKiln(engine, **compiler, path);

    // Warm-up calls, which also check the checksums.
    const uint64_t expected = p->native_run();
    const uint64_t first = CallKiln(kiln, p->name);
    if (first != expected) {
      std::printf("MISMATCH %s: native %llu, kiln %llu\n", p->name,
                  static_cast<unsigned long long>(expected), static_cast<unsigned long long>(first));
      mismatch = true;
      continue;
    }

    std::vector<double> native_ms, kiln_ms;
    for (int rep = 0; rep < flags.reps; ++rep) {
      Clock::time_point start = Clock::now();
      const uint64_t n = p->native_run();
      native_ms.push_back(Ms(Clock::now() - start));
      start = Clock::now();
      const uint64_t k = CallKiln(kiln, p->name);
      kiln_ms.push_back(Ms(Clock::now() - start));
      if (n != expected || k != expected) {
        std::printf("MISMATCH %s (rep %d): native %llu, kiln %llu, expected %llu\n", p->name, rep,
                    static_cast<unsigned long long>(n), static_cast<unsigned long long>(k),
                    static_cast<unsigned long long>(expected));
        mismatch = true;
      }
    }
    rows.push_back({p, path, Median(native_ms), Median(kiln_ms), kiln.validate_ms,
                    kiln.compile_ms, kiln.load_ms, expected});
  }

  std::map<std::string, V8Result> v8;
  if (flags.v8 && !rows.empty()) {
    std::vector<std::string> paths;
    for (const Row& row : rows) paths.push_back(row.path);
    v8 = RunV8(paths, flags.reps);
  }
  const bool have_v8 = !v8.empty();

  std::printf("%-8s %10s %10s %9s", "program", "native ms", "kiln ms", "kiln/nat");
  if (have_v8) std::printf(" %10s %9s", "v8 ms", "v8/nat");
  std::printf(" %11s %10s %9s", "validate ms", "compile ms", "load ms");
  if (have_v8) std::printf(" %13s", "v8 compile ms");
  std::printf("  %s\n", "checksum");

  std::vector<double> kiln_ratios, v8_ratios;
  for (const Row& row : rows) {
    const double ratio = row.kiln_ms / row.native_ms;
    kiln_ratios.push_back(ratio);
    std::printf("%-8s %10.2f %10.2f %9.2f", row.program->name, row.native_ms, row.kiln_ms, ratio);
    const auto it = v8.find(row.program->name);
    if (have_v8) {
      if (it != v8.end()) {
        const double v8_ratio = it->second.median_ms / row.native_ms;
        v8_ratios.push_back(v8_ratio);
        std::printf(" %10.2f %9.2f", it->second.median_ms, v8_ratio);
      } else {
        std::printf(" %10s %9s", "-", "-");
      }
    }
    std::printf(" %11.2f %10.2f %9.2f", row.validate_ms, row.compile_ms, row.load_ms);
    if (have_v8) {
      if (it != v8.end()) {
        std::printf(" %13.2f", it->second.compile_ms);
      } else {
        std::printf(" %13s", "-");
      }
    }
    std::printf("  %llu\n", static_cast<unsigned long long>(row.checksum));
    if (it != v8.end() && it->second.checksum != row.checksum) {
      std::printf("MISMATCH %s: native %llu, v8 %llu\n", row.program->name,
                  static_cast<unsigned long long>(row.checksum),
                  static_cast<unsigned long long>(it->second.checksum));
      mismatch = true;
    }
  }
  if (!kiln_ratios.empty()) {
    std::printf("\ngeometric mean of kiln/native: %.3f", GeoMean(kiln_ratios));
    if (v8_ratios.size() == kiln_ratios.size())
      std::printf("   of v8/native: %.3f", GeoMean(v8_ratios));
    std::printf("\n");
  }
  if (mismatch) {
    std::printf("MISMATCH: checksums disagree (see above)\n");
    return 1;
  }
  return 0;
}
