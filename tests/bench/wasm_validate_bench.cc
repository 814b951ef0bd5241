// wasm_validate_bench — how fast Kiln decodes and validates a large module.
//
//   wasm_validate_bench [--functions N] [--seed S] [--reps R] [--threads T] [--write FILE]
//
// Generates a valid module in memory (module_generator.h: by default 60,000
// functions, over 10 MB, shaped like compiler output), then times, R times
// each: DecodeModule; ValidateModule serially and on the TBB pool; and
// DecodeAndValidate both ways. Prints the best and median time of each and
// the throughput in MB/s (10^6 bytes of the whole module per second). As a
// baseline in the same run it also times wabt's `wasm-validate` on the same
// bytes when that is installed (a whole process: start-up and file read
// included).
// --write FILE also writes the module to FILE, to check with wabt's
// `wasm-validate FILE` that the generator's output is valid.
//
// It prints figures and asserts nothing about them; it fails only when the
// module does not decode or validate.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/validator.h"
#include "module_generator.h"
#include "oneapi/tbb/global_control.h"
#include "oneapi/tbb/info.h"
#include "oneapi/tbb/task_arena.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  kiln::wasm::bench::GeneratorOptions generator;
  int reps = 5;
  int threads = 0;  // 0: TBB's default
  std::string write_path;
};

constexpr std::string_view kUsage =
    "usage: wasm_validate_bench [--functions N] [--seed S] [--reps R] [--threads T] "
    "[--write FILE]\n";

std::optional<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return std::nullopt;
    const char* value = argv[++i];
    if (arg == "--functions") {
      flags.generator.num_functions = static_cast<uint32_t>(std::strtoul(value, nullptr, 10));
    } else if (arg == "--seed") {
      flags.generator.seed = static_cast<uint32_t>(std::strtoul(value, nullptr, 10));
    } else if (arg == "--reps") {
      flags.reps = std::max(1, std::atoi(value));
    } else if (arg == "--threads") {
      flags.threads = std::max(0, std::atoi(value));
    } else if (arg == "--write") {
      flags.write_path = value;
    } else {
      return std::nullopt;
    }
  }
  if (flags.generator.num_functions == 0) return std::nullopt;
  return flags;
}

// Seconds taken by each of `reps` runs of `run`, which returns a status that
// must be OK (a failure means the generator made an invalid module).
template <typename Run>
std::vector<double> TimeRuns(const char* what, int reps, Run run) {
  std::vector<double> seconds;
  for (int i = 0; i < reps; ++i) {
    const Clock::time_point start = Clock::now();
    const absl::Status status = run();
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    if (!status.ok()) {
      std::fprintf(stderr, "wasm_validate_bench: %s failed: %s\n", what, status.ToString().c_str());
      std::exit(1);
    }
  }
  std::sort(seconds.begin(), seconds.end());
  return seconds;
}

void PrintRow(const char* what, const std::vector<double>& sorted_seconds, size_t bytes) {
  const double best = sorted_seconds.front();
  const double median = sorted_seconds[sorted_seconds.size() / 2];
  // Below a microsecond (a validator that does nothing) a rate means nothing.
  auto mb_per_s = [bytes](double s) {
    char text[32] = "n/a";
    if (s >= 1e-6) std::snprintf(text, sizeof(text), "%.1f", static_cast<double>(bytes) / 1e6 / s);
    return std::string(text);
  };
  std::printf("%-34s %10.3f %10.3f %12s %12s\n", what, best * 1e3, median * 1e3,
              mb_per_s(best).c_str(), mb_per_s(median).c_str());
}

// Times `wasm-validate FILE` (wabt) on the module, when it is installed;
// empty when it is not, or when it rejects the module.
std::vector<double> TimeBaseline(const std::vector<uint8_t>& bytes, int reps) {
  if (std::system("command -v wasm-validate >/dev/null 2>&1") != 0) return {};
  char path[] = "/tmp/kiln-bench-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return {};
  close(fd);
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  const std::string command = std::string("wasm-validate ") + path;
  std::vector<double> seconds;
  for (int i = 0; i < reps; ++i) {
    const Clock::time_point start = Clock::now();
    const int rc = std::system(command.c_str());
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    if (rc != 0) {
      std::fprintf(stderr, "wasm_validate_bench: wasm-validate rejected the module\n");
      seconds.clear();
      break;
    }
  }
  std::remove(path);
  std::sort(seconds.begin(), seconds.end());
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Flags> parsed = ParseFlags(argc, argv);
  if (!parsed.has_value()) {
    std::fputs(kUsage.data(), stderr);
    return 2;
  }
  const Flags& flags = *parsed;
  std::unique_ptr<tbb::global_control> thread_limit;
  if (flags.threads > 0) {
    thread_limit = std::make_unique<tbb::global_control>(
        tbb::global_control::max_allowed_parallelism, flags.threads);
  }

  const Clock::time_point generate_start = Clock::now();
  const kiln::wasm::bench::GeneratedModule generated =
      kiln::wasm::bench::GenerateModule(flags.generator);
  const double generate_seconds =
      std::chrono::duration<double>(Clock::now() - generate_start).count();
  const std::vector<uint8_t>& bytes = generated.bytes;

  std::printf("module: %.2f MB (%zu bytes), %u functions, %.2f MB of function bodies, seed %u\n",
              static_cast<double>(bytes.size()) / 1e6, bytes.size(), generated.num_functions,
              static_cast<double>(generated.code_bytes) / 1e6, flags.generator.seed);
  std::printf("generated in %.2f s\n", generate_seconds);
  if (!flags.write_path.empty()) {
    std::ofstream out(flags.write_path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "wasm_validate_bench: cannot write %s\n", flags.write_path.c_str());
      return 1;
    }
    std::printf("note: wrote the module to %s; check it with: wasm-validate %s\n",
                flags.write_path.c_str(), flags.write_path.c_str());
  }

  // One decoded module for the validate-only rows; it refers into `bytes`.
  absl::StatusOr<kiln::wasm::Module> module = kiln::wasm::DecodeModule(bytes);
  if (!module.ok()) {
    std::fprintf(stderr, "wasm_validate_bench: decode failed: %s\n",
                 module.status().ToString().c_str());
    return 1;
  }
  std::vector<size_t> body_sizes;
  for (const kiln::wasm::FunctionBody& body : module->bodies)
    body_sizes.push_back(body.bytes.size());
  std::sort(body_sizes.begin(), body_sizes.end());
  std::printf("function body bytes: min %zu, median %zu, 90th percentile %zu, max %zu\n",
              body_sizes.front(), body_sizes[body_sizes.size() / 2],
              body_sizes[body_sizes.size() * 9 / 10], body_sizes.back());

  kiln::wasm::ValidateOptions serial;
  serial.parallel = false;
  kiln::wasm::ValidateOptions pooled;
  pooled.parallel = true;
  const int threads = tbb::this_task_arena::max_concurrency();

  const std::vector<double> decode =
      TimeRuns("decode", flags.reps, [&] { return kiln::wasm::DecodeModule(bytes).status(); });
  const std::vector<double> validate_serial = TimeRuns(
      "validate (serial)", flags.reps, [&] { return kiln::wasm::ValidateModule(*module, serial); });
  const std::vector<double> validate_pooled = TimeRuns(
      "validate (pooled)", flags.reps, [&] { return kiln::wasm::ValidateModule(*module, pooled); });
  const std::vector<double> both_serial = TimeRuns("decode+validate (serial)", flags.reps, [&] {
    return kiln::wasm::DecodeAndValidate(bytes, serial).status();
  });
  const std::vector<double> both_pooled = TimeRuns("decode+validate (pooled)", flags.reps, [&] {
    return kiln::wasm::DecodeAndValidate(bytes, pooled).status();
  });

  std::printf("\n%d repetitions; TBB pool of %d threads; MB/s over the whole module\n", flags.reps,
              threads);
  std::printf("%-34s %10s %10s %12s %12s\n", "", "best ms", "median ms", "best MB/s",
              "median MB/s");
  PrintRow("decode", decode, bytes.size());
  PrintRow("validate, serial", validate_serial, bytes.size());
  PrintRow("validate, pooled", validate_pooled, bytes.size());
  PrintRow("decode+validate, serial", both_serial, bytes.size());
  PrintRow("decode+validate, pooled", both_pooled, bytes.size());

  // Baseline in the same run: wabt's wasm-validate on the same bytes (a whole
  // process, so it includes start-up and reading the file).
  const std::vector<double> wabt = TimeBaseline(bytes, flags.reps);
  if (!wabt.empty()) PrintRow("baseline: wabt wasm-validate", wabt, bytes.size());
  return 0;
}
