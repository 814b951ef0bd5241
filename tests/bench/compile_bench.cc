// kiln_compile_bench — how fast Kiln compiles whole modules, against V8's
// two compilers on the same modules and cores.
//
//   kiln_compile_bench [--levels O0,O1,O2] [--threads 1,2] [--reps N]
//                      [--no-v8] [--csv FILE] MODULE.wasm...
//
// For each module, each opt level and each thread count, a fresh child
// process reads the module, then decodes, validates and compiles it with
// jit::Compiler on a oneTBB arena of that many threads (the time measured:
// what `kiln compile` spends before writing the artifact), and reports its
// time and its peak resident memory. A child per run keeps one run's memory
// out of the next one's peak. With node on the PATH, each module is also
// compiled by V8 (compile_wasm_node.js, one node process per run) with
//   optimizing  --no-liftoff --no-wasm-lazy-compilation
//   baseline    --liftoff --no-wasm-tier-up --no-wasm-lazy-compilation
// using its default background threads (as many as there are cores).
//
// Prints one row per module and configuration: seconds (median of --reps),
// MB/s of module bytes, and peak RSS in MiB, then functions/s and MB/s per
// thread (to project the scaling to more cores; V8's rows count one thread
// per core, its default); --csv writes the same rows.
// It asserts nothing about timings; it exits 1 if a compile fails.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <oneapi/tbb/task_arena.h>

#include "absl/status/statusor.h"
#include "kiln/jit/compiler.h"
#include "kiln/wasm/code_image.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/validator.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  std::vector<std::string> levels = {"O0", "O1", "O2"};
  std::vector<int> threads = {1, 2};
  int reps = 1;
  bool v8 = true;
  std::string csv;
  std::vector<std::string> modules;
};

// One measured compile.
struct Sample {
  double seconds = 0;
  double peak_mib = 0;
};

struct Row {
  std::string module;
  double module_mb = 0;
  uint32_t functions = 0;  // defined by the module
  std::string engine;      // "kiln O2 x2", "v8 optimizing", ...
  int threads = 1;
  Sample median;

  double FunctionsPerSecondPerThread() const { return functions / median.seconds / threads; }
  double MegabytesPerSecondPerThread() const { return module_mb / median.seconds / threads; }
};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "kiln_compile_bench: %s\n", what.c_str());
  std::exit(1);
}

std::vector<std::string> SplitCommas(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--levels" && has_value) {
      flags.levels = SplitCommas(argv[++i]);
    } else if (arg == "--threads" && has_value) {
      flags.threads.clear();
      for (const std::string& t : SplitCommas(argv[++i])) flags.threads.push_back(std::atoi(t.c_str()));
    } else if (arg == "--reps" && has_value) {
      flags.reps = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--no-v8") {
      flags.v8 = false;
    } else if (arg == "--csv" && has_value) {
      flags.csv = argv[++i];
    } else if (!arg.starts_with("--")) {
      flags.modules.push_back(arg);
    } else {
      Fail("usage: kiln_compile_bench [--levels O0,O1,O2] [--threads 1,2] [--reps N] [--no-v8] "
           "[--csv FILE] MODULE.wasm...");
    }
  }
  if (flags.modules.empty()) Fail("no module given");
  for (int t : flags.threads) {
    if (t < 1) Fail("--threads takes positive counts");
  }
  return flags;
}

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail("cannot read " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

double PeakMiB() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024;  // ru_maxrss is in KiB
}

// In the child: one compile, its time and peak written to `fd`.
[[noreturn]] void CompileInChild(const std::string& path, kiln::jit::OptLevel level, int threads,
                                 int fd) {
  const std::vector<uint8_t> bytes = ReadFile(path);
  absl::StatusOr<std::unique_ptr<kiln::jit::Compiler>> compiler =
      kiln::jit::Compiler::Create({.opt_level = level});
  if (!compiler.ok()) Fail(std::string(compiler.status().message()));
  tbb::task_arena arena(threads);
  absl::Status status;
  const Clock::time_point start = Clock::now();
  arena.execute([&] {
    absl::StatusOr<kiln::wasm::Module> module = kiln::wasm::DecodeAndValidate(bytes);
    if (!module.ok()) {
      status = module.status();
      return;
    }
    absl::StatusOr<kiln::wasm::CodeImage> image = (*compiler)->Compile(*module);
    status = image.status();
  });
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!status.ok()) Fail(path + ": " + std::string(status.message()));
  const Sample sample{.seconds = seconds, .peak_mib = PeakMiB()};
  if (write(fd, &sample, sizeof(sample)) != sizeof(sample)) _exit(1);
  _exit(0);
}

std::optional<Sample> MeasureKiln(const std::string& path, kiln::jit::OptLevel level, int threads) {
  int fds[2];
  if (pipe(fds) != 0) Fail("pipe failed");
  std::fflush(stdout);
  const pid_t child = fork();
  if (child < 0) Fail("fork failed");
  if (child == 0) {
    close(fds[0]);
    CompileInChild(path, level, threads, fds[1]);
  }
  close(fds[1]);
  Sample sample;
  const bool got = read(fds[0], &sample, sizeof(sample)) == sizeof(sample);
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return sample;
}

// One node process compiling `path` with `v8_flags`; nullopt if it failed.
std::optional<Sample> MeasureV8(const std::string& path, const std::string& v8_flags) {
  std::string command = "node ";
  command += v8_flags;
  command += " '";
  command += KILN_BENCH_NODE_COMPILER;
  command += "' '";
  command += path;  // our own build paths: no quotes inside
  command += "'";
  std::fflush(stdout);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  Sample sample;
  double ms = 0, peak_kib = 0;
  const bool parsed = std::fscanf(pipe, "%lf %lf", &ms, &peak_kib) == 2;
  if (pclose(pipe) != 0 || !parsed) return std::nullopt;
  sample.seconds = ms / 1000;
  sample.peak_mib = peak_kib / 1024;
  return sample;
}

template <typename Measure>
std::optional<Sample> Median(int reps, Measure measure) {
  std::vector<Sample> samples;
  for (int r = 0; r < reps; ++r) {
    std::optional<Sample> s = measure();
    if (!s.has_value()) return std::nullopt;
    samples.push_back(*s);
  }
  std::sort(samples.begin(), samples.end(),
            [](const Sample& a, const Sample& b) { return a.seconds < b.seconds; });
  return samples[samples.size() / 2];
}

// How many functions the module at `path` defines (0 when it does not
// decode: its compile then fails and says why).
uint32_t DefinedFunctions(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> bytes(std::istreambuf_iterator<char>(in), {});
  absl::StatusOr<kiln::wasm::Module> module = kiln::wasm::DecodeModule(bytes);
  return module.ok() ? static_cast<uint32_t>(module->bodies.size()) : 0;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void PrintRow(const Row& row) {
  std::printf("%-24s %8.3f  %-16s %10.3f %10.2f %10.0f %14.0f %14.2f\n", row.module.c_str(),
              row.module_mb, row.engine.c_str(), row.median.seconds,
              row.module_mb / row.median.seconds, row.median.peak_mib,
              row.FunctionsPerSecondPerThread(), row.MegabytesPerSecondPerThread());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  const bool have_node = flags.v8 && std::system("command -v node >/dev/null 2>&1") == 0;
  if (flags.v8 && !have_node) std::printf("note: node is not on the PATH; no V8 rows\n");

  std::printf("%-24s %8s  %-16s %10s %10s %10s %14s %14s\n", "module", "MB", "compiler",
              "seconds", "MB/s", "peak MiB", "fn/s/thread", "MB/s/thread");
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<Row> rows;
  bool failed = false;
  for (const std::string& path : flags.modules) {
    std::error_code error;
    const uintmax_t size = std::filesystem::file_size(path, error);
    if (error) Fail("cannot read " + path + ": " + error.message());
    const double mb = static_cast<double>(size) / 1e6;
    const uint32_t functions = DefinedFunctions(path);
    auto record = [&](const std::string& engine, int threads, std::optional<Sample> sample) {
      if (!sample.has_value()) {
        std::printf("%-24s %8.3f  %-16s failed\n", BaseName(path).c_str(), mb, engine.c_str());
        failed = true;
        return;
      }
      rows.push_back({BaseName(path), mb, functions, engine, threads, *sample});
      PrintRow(rows.back());
    };
    for (const std::string& level_name : flags.levels) {
      absl::StatusOr<kiln::jit::OptLevel> level = kiln::jit::ParseOptLevel(level_name);
      if (!level.ok()) Fail(std::string(level.status().message()));
      for (int threads : flags.threads) {
        record("kiln " + level_name + " x" + std::to_string(threads), threads,
               Median(flags.reps, [&] { return MeasureKiln(path, *level, threads); }));
      }
    }
    if (have_node) {
      record("v8 optimizing", cores, Median(flags.reps, [&] {
               return MeasureV8(path, "--no-liftoff --no-wasm-lazy-compilation");
             }));
      record("v8 baseline", cores, Median(flags.reps, [&] {
               return MeasureV8(path, "--liftoff --no-wasm-tier-up --no-wasm-lazy-compilation");
             }));
    }
  }
  if (!flags.csv.empty()) {
    std::ofstream csv(flags.csv);
    csv << "module,module_mb,compiler,seconds,mb_per_s,peak_mib,functions_per_s_per_thread,"
           "mb_per_s_per_thread\n";
    for (const Row& row : rows) {
      csv << row.module << ',' << row.module_mb << ',' << row.engine << ',' << row.median.seconds
          << ',' << row.module_mb / row.median.seconds << ',' << row.median.peak_mib << ','
          << row.FunctionsPerSecondPerThread() << ',' << row.MegabytesPerSecondPerThread()
          << '\n';
    }
    if (!csv) Fail("cannot write " + flags.csv);
    std::printf("wrote %s\n", flags.csv.c_str());
  }
  return failed ? 1 : 0;
}
