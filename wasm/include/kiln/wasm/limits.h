// kiln/wasm/limits.h — implementation limits enforced while decoding and
// validating, before anything is allocated, so a hostile module is rejected
// quickly and in bounded memory. Defaults follow the limits that browsers
// agree on (the JS-API "implementation limits"), which every real toolchain
// output respects.
#ifndef KILN_WASM_LIMITS_H_
#define KILN_WASM_LIMITS_H_

#include <cstdint>

namespace kiln::wasm {

struct ImplementationLimits {
  uint64_t max_module_size = uint64_t{1} << 30;  // 1 GiB
  uint32_t max_types = 1'000'000;
  uint32_t max_functions = 1'000'000;
  uint32_t max_imports = 100'000;
  uint32_t max_exports = 100'000;
  uint32_t max_globals = 1'000'000;
  uint32_t max_tables = 100'000;
  uint32_t max_memories = 100;  // decoded; 2.0 then allows one ("multiple memories")
  uint32_t max_element_segments = 100'000;
  uint32_t max_data_segments = 100'000;
  uint32_t max_element_items = 10'000'000;  // per segment
  uint32_t max_params = 1'000;
  uint32_t max_results = 1'000;
  uint32_t max_locals = 50'000;            // per function, parameters included
  uint32_t max_function_size = 7'654'321;  // bytes of one body
  uint32_t max_nesting_depth = 10'000;     // open blocks in one function
  uint32_t max_br_table_targets = 65'520;
  uint32_t max_name_bytes = 100'000;       // one import/export/custom name
};

}  // namespace kiln::wasm

#endif  // KILN_WASM_LIMITS_H_
