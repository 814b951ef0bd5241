// spectest_module.h — the `spectest` host module that spec scripts import.
//
// The spec's reference interpreter provides it; the scripts rely on exactly
// these definitions:
//   functions print, print_i32, print_i64, print_f32, print_f64,
//             print_i32_f32, print_f64_f64 (no results)
//   globals   global_i32 = 666, global_i64 = 666, global_f32 = 666.6,
//             global_f64 = 666.6 (all immutable)
//   table     funcref, min 10, max 20
//   memory    min 1, max 2 pages
// The print functions print nothing: the runner's output is its verdicts.
#ifndef KILN_TESTS_SPEC_SPECTEST_MODULE_H_
#define KILN_TESTS_SPEC_SPECTEST_MODULE_H_

#include "absl/status/status.h"
#include "kiln/runtime/linker.h"
#include "kiln/runtime/store.h"

namespace kiln::spec {

// Creates the definitions in `store` and defines them in `linker` under
// "spectest". Errors come from the Store (e.g. a memory limit).
absl::Status DefineSpectest(runtime::Store& store, runtime::Linker& linker);

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_SPECTEST_MODULE_H_
