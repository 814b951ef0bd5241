// kiln/jit/compiler.h — WebAssembly to native code with LLVM.
//
// A Compiler turns a validated module into a CodeImage: every defined
// function, plus an entry trampoline per distinct signature of its defined
// functions and an exit trampoline per distinct signature of its imported
// ones, laid out in one position-independent image. Functions are compiled in
// batches on the TBB pool of the calling arena, each batch with its own
// LLVMContext and TargetMachine, and gathered in function index order: the
// image's bytes depend only on the module and the options, never on thread
// count or scheduling.
//
// A Compiler holds only its immutable options: it is thread-safe, and any
// number of compiles may run on it at once.
#ifndef KILN_JIT_COMPILER_H_
#define KILN_JIT_COMPILER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kiln/jit/batch_cache.h"
#include "kiln/jit/compiler_options.h"
#include "kiln/wasm/code_image.h"
#include "kiln/wasm/module.h"

namespace kiln::jit {

class Compiler {
 public:
  // INVALID_ARGUMENT for an unknown CPU.
  static absl::StatusOr<std::unique_ptr<Compiler>> Create(CompilerOptions options = {});
  ~Compiler();

  // `module` must have passed wasm::ValidateModule. Errors are internal
  // (LLVM failed) or RESOURCE_EXHAUSTED (the image would pass 4 GiB).
  //
  // `cancelled`, when given, is asked before each batch starts and between
  // the optimizer's passes (from several pool threads at once, so it must
  // be thread-safe and cheap); once it says true, no further batch starts,
  // running batches skip their remaining passes and code generation, and
  // Compile returns CANCELLED.
  //
  // `batches`, when given, supplies objects of batches compiled before and
  // keeps the ones compiled now (batch_cache.h); the image is the same.
  // `stats`, when given, says what was compiled and what reused.
  //
  // `progress`, when given, is told after each batch of functions how many
  // of the module's defined functions are done (compiled or reused) out of
  // how many, from pool threads and possibly at once (it must be
  // thread-safe); `done` grows by batch, not always in call order.
  using Progress = std::function<void(uint32_t done, uint32_t total)>;
  absl::StatusOr<wasm::CodeImage> Compile(const wasm::Module& module,
                                          const std::function<bool()>& cancelled = {},
                                          BatchCache* batches = nullptr,
                                          CompileStats* stats = nullptr,
                                          const Progress& progress = {}) const;

  const CompilerOptions& options() const { return options_; }
  // Everything that changes the generated code: Kiln version, VM ABI version,
  // LLVM version, target triple, CPU, features, opt level, flags.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  Compiler() = default;

  CompilerOptions options_;
  std::string triple_;
  std::string cpu_;
  std::string features_;
  std::string fingerprint_;
};

}  // namespace kiln::jit

#endif  // KILN_JIT_COMPILER_H_
