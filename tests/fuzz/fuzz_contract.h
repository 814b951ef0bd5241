// fuzz_contract.h — what every libFuzzer target of tests/fuzz checks: small
// validation limits and kiln/wasm/error.h's error contract. Only kiln_wasm:
// decode_validate_fuzzer links nothing else.
//
// Every check that fails calls ContractBroken, which prints what broke and
// aborts: libFuzzer records the input as a crash.
#ifndef KILN_TESTS_FUZZ_FUZZ_CONTRACT_H_
#define KILN_TESTS_FUZZ_FUZZ_CONTRACT_H_

#include <cstddef>

#include "absl/status/status.h"
#include "kiln/wasm/validator.h"

namespace kiln::fuzz {

// Limits small enough that libFuzzer reaches them with short inputs (a
// hostile count must be rejected at any limit) and that one input cannot
// spend seconds in the compiler; validation is serial (libFuzzer needs the
// same coverage for the same input, and TBB is not instrumented).
wasm::ValidateOptions SmallLimits();

[[noreturn]] void ContractBroken(const char* what, const absl::Status& status);

// Checks kiln/wasm/error.h's contract for a module that failed to decode
// or validate: INVALID_ARGUMENT (UNIMPLEMENTED for a 3.0 feature Kiln
// lacks) with a location inside the `size` bytes.
void CheckInvalidModuleError(const absl::Status& status, size_t size);

}  // namespace kiln::fuzz

#endif  // KILN_TESTS_FUZZ_FUZZ_CONTRACT_H_
