// tests/unit/wasm/sample_modules.h — a few valid modules, built by hand, that
// tests cut, mutate and validate. Together they use every section and most
// kinds of instruction, so damage anywhere in them exercises the decoder.
#ifndef KILN_TESTS_UNIT_WASM_SAMPLE_MODULES_H_
#define KILN_TESTS_UNIT_WASM_SAMPLE_MODULES_H_

#include <string>
#include <vector>

#include "module_builder.h"

namespace kiln::wasm::test {

struct SampleModule {
  std::string name;
  Bytes bytes;
};

// Every module here is valid WebAssembly 2.0 (checked with wabt's
// wasm-validate when written).
std::vector<SampleModule> SampleModules();

// One module using every section, imports of all four kinds, globals with
// each kind of constant expression, all three element and both data segment
// forms, a name section, and function bodies with blocks, branches, calls,
// memory, table, reference and SIMD instructions.
Bytes KitchenSinkModule();

}  // namespace kiln::wasm::test

#endif  // KILN_TESTS_UNIT_WASM_SAMPLE_MODULES_H_
