// tests/bench/module_generator.h — generates large, valid wasm modules that
// look like compiler output, for timing the decoder and validator.
//
// The bodies are random but typed: every expression is generated for the
// type it must leave on the stack, every statement leaves the stack as it
// found it, so the result is valid by construction (check with
// `wasm_validate_bench --write FILE` and wabt's `wasm-validate FILE`). The
// same options give the same bytes.
#ifndef KILN_TESTS_BENCH_MODULE_GENERATOR_H_
#define KILN_TESTS_BENCH_MODULE_GENERATOR_H_

#include <cstdint>
#include <vector>

namespace kiln::wasm::bench {

struct GeneratorOptions {
  uint32_t num_functions = 60'000;
  uint32_t seed = 1;
};

struct GeneratedModule {
  std::vector<uint8_t> bytes;
  uint32_t num_functions = 0;  // defined, not counting imports
  uint64_t code_bytes = 0;     // all function bodies together
};

GeneratedModule GenerateModule(const GeneratorOptions& options);

}  // namespace kiln::wasm::bench

#endif  // KILN_TESTS_BENCH_MODULE_GENERATOR_H_
