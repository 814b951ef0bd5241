// reference_modules.h — the small modules whose artifacts seed the artifact
// fuzzers, and against whose behaviour a loaded artifact is compared.
//
// Between them they have what an artifact's sections describe: several
// functions and types, inlined calls (address maps with inlined frames),
// a "name" section, memory with data, a table with elements and indirect
// calls, globals, a start function, imports of every kind, and exports that
// return values or trap with backtraces.
#ifndef KILN_TESTS_FUZZ_REFERENCE_MODULES_H_
#define KILN_TESTS_FUZZ_REFERENCE_MODULES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::fuzz {

struct ReferenceModule {
  std::string name;  // a file name stem for its seed artifact
  std::vector<uint8_t> wasm;
};

std::vector<ReferenceModule> ReferenceModules();

}  // namespace kiln::fuzz

#endif  // KILN_TESTS_FUZZ_REFERENCE_MODULES_H_
