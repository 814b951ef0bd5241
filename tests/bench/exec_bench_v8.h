// exec_bench_v8.h — kiln_exec_bench's V8 baseline: runs run_wasm_node.js
// under node and reads back its figures.
#ifndef KILN_TESTS_BENCH_EXEC_BENCH_V8_H_
#define KILN_TESTS_BENCH_EXEC_BENCH_V8_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln::bench {

struct V8Result {
  double median_ms = 0;
  uint64_t checksum = 0;
  double compile_ms = 0;
};

// `node --version` (e.g. "v20.19.2"), or empty when node is not on the PATH.
std::string NodeVersion();

// Runs `node NODE_FLAGS... RUNNER --reps REPS PATHS...` and returns what it
// printed, keyed by module name (the file's base name without ".wasm", so
// "sort" and "sort.simd"). A module the runner could not run is absent (the
// runner says why on stderr); `failed` is set when the runner exited
// non-zero.
std::map<std::string, V8Result> RunV8(const std::string& runner,
                                      const std::vector<std::string>& node_flags,
                                      const std::vector<std::string>& paths, int reps,
                                      bool* failed);

}  // namespace kiln::bench

#endif  // KILN_TESTS_BENCH_EXEC_BENCH_V8_H_
