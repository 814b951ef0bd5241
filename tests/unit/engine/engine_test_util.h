// tests/unit/engine/engine_test_util.h — the path every engine test takes
// from hand-assembled bytes to a running instance: decode, validate,
// compile with the JIT, load, instantiate, call. Each step's error comes
// back as a status, so a test can assert where and why something failed.
#ifndef KILN_TESTS_UNIT_ENGINE_ENGINE_TEST_UTIL_H_
#define KILN_TESTS_UNIT_ENGINE_ENGINE_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "kiln/jit/compiler.h"
#include "kiln/runtime/engine.h"
#include "kiln/runtime/extern.h"
#include "kiln/runtime/linker.h"
#include "kiln/runtime/module.h"
#include "kiln/runtime/store.h"
#include "kiln/runtime/trap.h"
#include "kiln/runtime/value.h"
#include "kiln/wasm/code_image.h"
#include "module_builder.h"

namespace kiln::engine_test {

using wasm::ExternKind;
using wasm::test::LocalDecl;
using wasm::Opcode;
using wasm::ValType;
using wasm::test::Bytes;
using wasm::test::Encoder;
using wasm::test::ModuleBuilder;
using runtime::TrapCode;
using runtime::Value;

// Decodes, validates and compiles `bytes` with `compiler`.
absl::StatusOr<wasm::CodeImage> CompileImage(const jit::Compiler& compiler, const Bytes& bytes);

// Compiles `bytes` with a compiler made from `options` and loads the code
// into `engine`.
absl::StatusOr<std::shared_ptr<const runtime::Module>> CompileModule(
    runtime::Engine& engine, const Bytes& bytes, const jit::CompilerOptions& options = {});

// CompileModule, then instantiates into `store` with `linker`'s definitions.
absl::StatusOr<runtime::Instance> Instantiate(runtime::Store& store, const Bytes& bytes,
                                              const runtime::Linker& linker = {},
                                              const jit::CompilerOptions& options = {});

// Calls export `name` of `instance` with `args`.
absl::StatusOr<std::vector<Value>> Invoke(runtime::Store& store, const runtime::Instance& instance,
                                          std::string_view name, std::vector<Value> args = {});

// Invoke for a function with exactly one i32 result.
absl::StatusOr<int32_t> InvokeI32(runtime::Store& store, const runtime::Instance& instance,
                                  std::string_view name, std::vector<Value> args = {});

// The message as a std::string (Debian's abseil has its own string_view).
inline std::string Message(const absl::Status& status) { return std::string(status.message()); }

// Success when `status` is a trap with `code`: ABORTED, the TrapCode
// payload, and a message that starts with the spec's text for the code.
::testing::AssertionResult IsTrap(const absl::Status& status, TrapCode code);

// Everything of two images that the runtime reads is equal, byte for byte
// (a failure names the first differing byte).
void ExpectSameImage(const wasm::CodeImage& a, const wasm::CodeImage& b);
// The artifacts written from `a` and `b` for `module` are identical.
void ExpectSameArtifact(const Bytes& module, const wasm::CodeImage& a, const wasm::CodeImage& b);

// Success when `status` has `code` and its message contains `text`.
::testing::AssertionResult HasError(const absl::Status& status, absl::StatusCode code,
                                    std::string_view text);

}  // namespace kiln::engine_test

#endif  // KILN_TESTS_UNIT_ENGINE_ENGINE_TEST_UTIL_H_
