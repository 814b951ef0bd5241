// kiln_artifact_bench — loading a compiled artifact against compiling the
// module again: the reason the artifact cache exists.
//
//   kiln_artifact_bench [--functions N] [--loads N] [--opt-level O0|O1|O2]
//
// Generates a large module that looks like compiler output
// (module_generator.h, N functions), then times, in this process:
//   compile  decode + validate + compile on the TBB pool + write the artifact
//   load     runtime::Module::LoadArtifact of those bytes (framing checks,
//            SHA-256 of the whole artifact, declarations decoded, code copied
//            and protected, signatures interned); the median of --loads
//   hit      a disk-tier cache hit (in a fresh temporary folder, warm page
//            cache: open, read, check the entry's digest) then that load,
//            which is what a second `kiln run` of the module costs
// and prints them, the artifact's size and the ratios. It asserts nothing.
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/cache/cache_key.h"
#include "kiln/cache/disk_tier.h"
#include "kiln/jit/artifact_writer.h"
#include "kiln/jit/compiler.h"
#include "kiln/runtime/module.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/validator.h"
#include "module_generator.h"

namespace {

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "kiln_artifact_bench: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  uint32_t functions = 3000;
  int loads = 20;
  kiln::jit::CompilerOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--functions" && i + 1 < argc) {
      functions = static_cast<uint32_t>(std::atoi(argv[++i]));
    } else if (arg == "--loads" && i + 1 < argc) {
      loads = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--opt-level" && i + 1 < argc) {
      absl::StatusOr<kiln::jit::OptLevel> level = kiln::jit::ParseOptLevel(argv[++i]);
      if (!level.ok()) return Fail(level.status());
      options.opt_level = *level;
    } else {
      std::fprintf(stderr,
                   "usage: kiln_artifact_bench [--functions N] [--loads N] [--opt-level O0|O1|O2]\n");
      return 2;
    }
  }
  const kiln::wasm::bench::GeneratedModule generated =
      kiln::wasm::bench::GenerateModule({.num_functions = functions});
  absl::StatusOr<std::unique_ptr<kiln::jit::Compiler>> compiler =
      kiln::jit::Compiler::Create(options);
  if (!compiler.ok()) return Fail(compiler.status());

  const auto compile_start = std::chrono::steady_clock::now();
  absl::StatusOr<kiln::wasm::Module> module = kiln::wasm::DecodeAndValidate(generated.bytes);
  if (!module.ok()) return Fail(module.status());
  absl::StatusOr<kiln::wasm::CodeImage> image = (*compiler)->Compile(*module);
  if (!image.ok()) return Fail(image.status());
  absl::StatusOr<std::vector<uint8_t>> artifact = kiln::jit::WriteArtifact(generated.bytes, *image);
  if (!artifact.ok()) return Fail(artifact.status());
  const double compile_ms = MillisecondsSince(compile_start);

  kiln::runtime::Engine engine;
  std::vector<double> load_ms;
  for (int i = 0; i < loads; ++i) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<std::shared_ptr<const kiln::runtime::Module>> loaded =
        kiln::runtime::Module::LoadArtifact(engine, *artifact,
                                            {.expected_fingerprint = (*compiler)->fingerprint()});
    load_ms.push_back(MillisecondsSince(start));
    if (!loaded.ok()) return Fail(loaded.status());
  }
  std::sort(load_ms.begin(), load_ms.end());
  const double load_median = load_ms[load_ms.size() / 2];

  char dir[] = "/tmp/kiln-artifact-bench-XXXXXX";
  if (mkdtemp(dir) == nullptr) return Fail(absl::InternalError("mkdtemp failed"));
  absl::StatusOr<std::unique_ptr<kiln::cache::DiskTier>> disk =
      kiln::cache::DiskTier::Open({.root = dir, .budget_bytes = uint64_t{1} << 30});
  if (!disk.ok()) return Fail(disk.status());
  const kiln::cache::CacheKey key =
      kiln::cache::CacheKey::ForModule(generated.bytes, (*compiler)->fingerprint());
  if (absl::Status status =
          (*disk)->Put(key, std::make_shared<const std::vector<uint8_t>>(*artifact));
      !status.ok()) {
    return Fail(status);
  }
  std::vector<double> hit_ms;
  for (int i = 0; i < loads; ++i) {
    const auto start = std::chrono::steady_clock::now();
    kiln::cache::Blob blob = (*disk)->Get(key);
    if (blob == nullptr) return Fail(absl::InternalError("the cached artifact is missing"));
    absl::StatusOr<std::shared_ptr<const kiln::runtime::Module>> loaded =
        kiln::runtime::Module::LoadArtifact(engine, *blob,
                                            {.expected_fingerprint = (*compiler)->fingerprint()});
    hit_ms.push_back(MillisecondsSince(start));
    if (!loaded.ok()) return Fail(loaded.status());
  }
  std::filesystem::remove_all(dir);
  std::sort(hit_ms.begin(), hit_ms.end());
  const double hit_median = hit_ms[hit_ms.size() / 2];

  std::printf("module      %u functions, %zu bytes (%llu bytes of code)\n", generated.num_functions,
              generated.bytes.size(), static_cast<unsigned long long>(generated.code_bytes));
  std::printf("artifact    %zu bytes (%u bytes of text)\n", artifact->size(), image->text_size);
  std::printf("compile     %.1f ms  (decode + validate + compile + write artifact)\n", compile_ms);
  std::printf("load        %.3f ms  (median of %d; min %.3f, max %.3f)\n", load_median, loads,
              load_ms.front(), load_ms.back());
  std::printf("hit + load  %.3f ms  (median of %d; disk tier get, then load)\n", hit_median, loads);
  std::printf("ratio       load is %.0fx faster than compiling; a disk cache hit and load %.0fx\n",
              compile_ms / load_median, compile_ms / hit_median);
  return 0;
}
