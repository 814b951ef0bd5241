// libFuzzer target: the whole in-process path for arbitrary bytes —
// decode, validate, compile with the JIT, load, instantiate in a small
// Store, and call every exported function with zero arguments.
//
// Findings besides the sanitizers' (crashes in host code, leaks, undefined
// behaviour, out-of-memory, timeouts):
//   - a module that fails to decode or validate without INVALID_ARGUMENT and
//     a location inside the input (kiln/wasm/error.h);
//   - a valid module the compiler or the loader refuses (other than
//     RESOURCE_EXHAUSTED: every valid module within the limits compiles);
//   - an instantiation or call that fails outside the runtime's contract,
//     or traps with kUnexpectedFault / kIllegalInstruction: generated code
//     faulting outside linear memory and the stack is a miscompile.
// Traps are expected outcomes. Guest code is not instrumented (the JIT
// makes it), and its faults reach the runtime's signal handler, which
// passes any fault outside generated code on to AddressSanitizer's: see
// ASAN_OPTIONS in scripts/fuzz.sh. An endless loop ends at the epoch
// deadline (fuzz_harness.h).
//
// KILN_FUZZ_OPT_LEVEL (O0, O1, O2; default O0) picks the compiler's
// optimization level: O0 compiles fastest, so explores the most inputs;
// the translation into LLVM IR, where Kiln's own code runs, is the same.
// KILN_FUZZ_VERBOSE=1 prints what each valid input's exports did.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "fuzz_harness.h"
#include "kiln/jit/compiler.h"
#include "kiln/runtime/module.h"
#include "kiln/wasm/validator.h"

namespace {

const kiln::jit::Compiler& FuzzCompiler() {
  static const kiln::jit::Compiler* const compiler = [] {
    kiln::jit::CompilerOptions options;
    options.opt_level = kiln::jit::OptLevel::kO0;
    if (const char* level = std::getenv("KILN_FUZZ_OPT_LEVEL")) {
      absl::StatusOr<kiln::jit::OptLevel> parsed = kiln::jit::ParseOptLevel(level);
      if (!parsed.ok()) kiln::fuzz::ContractBroken("KILN_FUZZ_OPT_LEVEL", parsed.status());
      options.opt_level = *parsed;
    }
    absl::StatusOr<std::unique_ptr<kiln::jit::Compiler>> created =
        kiln::jit::Compiler::Create(options);
    if (!created.ok()) kiln::fuzz::ContractBroken("cannot create the compiler", created.status());
    return created->release();
  }();
  return *compiler;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const kiln::wasm::ValidateOptions options = kiln::fuzz::SmallLimits();
  const kiln::jit::Compiler& compiler = FuzzCompiler();
  kiln::runtime::Engine& engine = kiln::fuzz::FuzzEngine();

  std::vector<uint8_t> bytes(data, data + size);
  absl::StatusOr<kiln::wasm::CodeImage> image;
  {
    // The decoded module points into `bytes`: it must be gone before they
    // move into the runtime's Module.
    absl::StatusOr<kiln::wasm::Module> module = kiln::wasm::DecodeAndValidate(bytes, options);
    if (!module.ok()) {
      kiln::fuzz::CheckInvalidModuleError(module.status(), size);
      return 0;
    }
    image = kiln::fuzz::CompileSerially(compiler, *module);
  }
  if (!image.ok()) {
    if (image.status().code() == absl::StatusCode::kResourceExhausted) return 0;
    kiln::fuzz::ContractBroken("a valid module did not compile", image.status());
  }
  absl::StatusOr<std::shared_ptr<const kiln::runtime::Module>> loaded =
      kiln::runtime::Module::Load(engine, std::move(bytes), *image);
  if (!loaded.ok()) kiln::fuzz::ContractBroken("a compiled module did not load", loaded.status());
  const kiln::fuzz::RunOutcome outcome = kiln::fuzz::RunExports(*loaded);
  static const bool verbose = std::getenv("KILN_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%s\n", kiln::fuzz::DescribeOutcome(outcome).c_str());
  return 0;
}
