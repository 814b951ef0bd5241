// kiln_signature_churn_bench — what a long-running daemon keeps after
// loading and dropping many distinct modules.
//
//   kiln_signature_churn_bench [--modules N] [--opt-level O0|O1|O2]
//
// Module n (1..N) has one function type of its own (NumberedTypeModule in
// tests/unit/wasm/module_builder.h) and one exported function of it. Each
// is compiled (O0 by default: the compile is the cost here, not the
// subject), loaded into one Engine, instantiated in a fresh Store and
// dropped with it. Prints the Engine's signature registry size and the
// process's RSS before, after the first 1% (LLVM's and the allocator's
// one-time costs are paid by then), at each tenth, and at the end.
//
// It asserts no timing. It exits 1 if the registry does not come back to
// its size before, which the CTest smoke run checks.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/jit/compiler.h"
#include "kiln/runtime/engine.h"
#include "kiln/runtime/linker.h"
#include "kiln/runtime/module.h"
#include "kiln/runtime/store.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/validator.h"
#include "module_builder.h"

namespace {

// Resident set size in MiB, from /proc/self/statm (pages).
double RssMiB() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0;
  uint64_t resident_pages = 0;
  statm >> size_pages >> resident_pages;
  return static_cast<double>(resident_pages) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
         (1024.0 * 1024.0);
}

absl::Status LoadRunDrop(const kiln::jit::Compiler& compiler, kiln::runtime::Engine& engine,
                         uint32_t n) {
  const std::vector<uint8_t> bytes = kiln::wasm::test::NumberedTypeModule(n);
  absl::StatusOr<kiln::wasm::Module> decoded = kiln::wasm::DecodeModule(bytes);
  if (!decoded.ok()) return decoded.status();
  if (absl::Status status = kiln::wasm::ValidateModule(*decoded); !status.ok()) return status;
  absl::StatusOr<kiln::wasm::CodeImage> image = compiler.Compile(*decoded);
  if (!image.ok()) return image.status();
  absl::StatusOr<std::shared_ptr<const kiln::runtime::Module>> module =
      kiln::runtime::Module::Load(engine, bytes, *image);
  if (!module.ok()) return module.status();
  kiln::runtime::Store store(engine);
  return kiln::runtime::Linker().Instantiate(store, *module).status();
}

}  // namespace

int main(int argc, char** argv) {
  uint32_t modules = 100'000;
  kiln::jit::CompilerOptions options;
  options.opt_level = kiln::jit::OptLevel::kO0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--modules" && i + 1 < argc) {
      modules = static_cast<uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if (arg == "--opt-level" && i + 1 < argc) {
      absl::StatusOr<kiln::jit::OptLevel> level = kiln::jit::ParseOptLevel(argv[++i]);
      if (!level.ok()) {
        std::fprintf(stderr, "kiln_signature_churn_bench: %s\n", level.status().ToString().c_str());
        return 2;
      }
      options.opt_level = *level;
    } else {
      std::fprintf(stderr,
                   "usage: kiln_signature_churn_bench [--modules N] [--opt-level O0|O1|O2]\n");
      return 2;
    }
  }
  absl::StatusOr<std::unique_ptr<kiln::jit::Compiler>> compiler =
      kiln::jit::Compiler::Create(options);
  if (!compiler.ok()) {
    std::fprintf(stderr, "kiln_signature_churn_bench: %s\n", compiler.status().ToString().c_str());
    return 1;
  }
  kiln::runtime::Engine engine;
  const size_t registry_before = engine.signatures().size();
  const auto start = std::chrono::steady_clock::now();
  auto report = [&](const char* when, uint32_t done) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-8s modules %7u  registry %7zu  RSS %8.1f MiB  %7.1f s\n", when, done,
                engine.signatures().size(), RssMiB(), seconds);
    std::fflush(stdout);
  };
  report("before", 0);
  const uint32_t warm = std::max<uint32_t>(1, modules / 100);
  for (uint32_t n = 1; n <= modules; ++n) {
    if (absl::Status status = LoadRunDrop(**compiler, engine, n); !status.ok()) {
      std::fprintf(stderr, "kiln_signature_churn_bench: module %u: %s\n", n,
                   status.ToString().c_str());
      return 1;
    }
    if (n == warm) report("warm", n);
    if (modules >= 10 && n % (modules / 10) == 0 && n != modules) report("", n);
  }
  report("after", modules);
  if (engine.signatures().size() != registry_before) {
    std::fprintf(stderr,
                 "kiln_signature_churn_bench: the registry kept %zu types it had not before\n",
                 engine.signatures().size() - registry_before);
    return 1;
  }
  return 0;
}
