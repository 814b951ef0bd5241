// Reusing compiled batches (kiln/jit/batch_cache.h): a module compiled with
// a BatchCache that holds the batches of a similar module reuses every batch
// its change did not touch, and its image is byte for byte the image of a
// compile from nothing, also when reused code now lies at other module
// offsets (a trap in it reports the new module's offset).
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine_test_util.h"
#include "gtest/gtest.h"
#include "kiln/jit/batch_cache.h"
#include "kiln/runtime/trap.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/validator.h"

namespace kiln::engine_test {
namespace {

// A BatchCache in a map, counting what it is asked.
class MapBatchCache final : public jit::BatchCache {
 public:
  Object Get(const Key& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(key);
    return it == objects_.end() ? nullptr : it->second;
  }
  void Put(const Key& key, Object object) override {
    std::lock_guard<std::mutex> lock(mu_);
    objects_[key] = std::move(object);
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return objects_.size();
  }

 private:
  std::mutex mu_;
  std::map<Key, Object> objects_;
};

struct Compiled {
  wasm::CodeImage image;
  jit::CompileStats stats;
};

// Decodes, validates and compiles `bytes`, with `cache` when given.
Compiled Compile(const jit::Compiler& compiler, const Bytes& bytes, jit::BatchCache* cache) {
  Compiled out;
  absl::StatusOr<wasm::Module> module = wasm::DecodeModule(bytes);
  EXPECT_TRUE(module.ok()) << module.status();
  EXPECT_TRUE(wasm::ValidateModule(*module).ok());
  absl::StatusOr<wasm::CodeImage> image = compiler.Compile(*module, {}, cache, &out.stats);
  EXPECT_TRUE(image.ok()) << image.status();
  if (image.ok()) out.image = *std::move(image);
  return out;
}

std::unique_ptr<jit::Compiler> MakeCompiler(const jit::CompilerOptions& options) {
  absl::StatusOr<std::unique_ptr<jit::Compiler>> compiler = jit::Compiler::Create(options);
  EXPECT_TRUE(compiler.ok()) << compiler.status();
  return compiler.ok() ? *std::move(compiler) : nullptr;
}

// `count` functions [i32] -> [i32], each calling the one before it (so O2
// inlines within a batch) after `work` additions of constants derived from
// its index and `salt[i]` (so bodies differ, and a salt changes one).
Bytes Functions(uint32_t count, uint32_t work, const std::map<uint32_t, uint32_t>& salt = {},
                const std::map<uint32_t, uint32_t>& extra_work = {}) {
  ModuleBuilder m;
  const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
  for (uint32_t i = 0; i < count; ++i) {
    Encoder body;
    body.LocalGet(0);
    if (i > 0) body.Call(i - 1);
    const uint32_t s = salt.contains(i) ? salt.at(i) : 0;
    const uint32_t n = work + (extra_work.contains(i) ? extra_work.at(i) : 0);
    for (uint32_t k = 0; k < n; ++k) {
      body.I32Const(static_cast<int32_t>(i * 7919 + k * 31 + s)).Op(Opcode::kI32Add);
    }
    body.End();
    const uint32_t f = m.AddFunction(i_i, {}, body);
    m.AddExport(absl::StrCat("f", i), ExternKind::kFunc, f);
  }
  return m.Build();
}

TEST(BatchCacheTest, OneChangedBodyRecompilesOnlyItsBatchesAtO2) {
  std::unique_ptr<jit::Compiler> compiler = MakeCompiler({.opt_level = jit::OptLevel::kO2});
  ASSERT_NE(compiler, nullptr);
  // About 40 KiB of bodies: several content-defined batches.
  const Bytes original = Functions(400, 20);
  MapBatchCache cache;
  const Compiled first = Compile(*compiler, original, &cache);
  EXPECT_GE(first.stats.batches, 2u);
  EXPECT_EQ(first.stats.batches_reused, 0u);
  EXPECT_EQ(first.stats.functions_compiled, 400u);
  EXPECT_EQ(cache.size(), first.stats.batches + 1u);  // and the trampolines

  // The same module again: everything reused, the same image.
  const Compiled again = Compile(*compiler, original, &cache);
  EXPECT_EQ(again.stats.batches_reused, again.stats.batches);
  EXPECT_EQ(again.stats.functions_reused, 400u);
  ExpectSameImage(first.image, again.image);

  // One body changed, its size kept, then one grown (every later body
  // moves): at most the batches around it are compiled again, and the
  // image is the one a compile from nothing gives.
  for (const Bytes& changed : {Functions(400, 20, {{200, 1}}), Functions(400, 20, {}, {{200, 9}})}) {
    const Compiled reused = Compile(*compiler, changed, &cache);
    EXPECT_EQ(reused.stats.batches, first.stats.batches);
    EXPECT_LE(reused.stats.batches - reused.stats.batches_reused, 2u);
    EXPECT_GE(reused.stats.functions_reused, 400u - reused.stats.functions_compiled);
    EXPECT_LT(reused.stats.functions_compiled, 400u);
    const Compiled fresh = Compile(*compiler, changed, nullptr);
    EXPECT_EQ(fresh.stats.batches_reused, 0u);
    ExpectSameImage(fresh.image, reused.image);
    ExpectSameArtifact(changed, fresh.image, reused.image);
  }
}

TEST(BatchCacheTest, ReusedCodeReportsTrapsAtItsNewModuleOffsets) {
  // One function per batch: `grow` before `trap`, then a bigger `grow`.
  // `trap`'s batch is reused, and now lies 2 * 8 bytes further on.
  auto module = [](uint32_t grow_work) {
    ModuleBuilder m;
    const uint32_t v_v = m.AddType({}, {});
    Encoder grow;
    for (uint32_t k = 0; k < grow_work; ++k) grow.I32Const(1).Op(Opcode::kDrop);
    m.AddFunction(v_v, {}, grow.End());
    const uint32_t trap = m.AddFunction(v_v, {}, Encoder().Op(Opcode::kUnreachable).End());
    m.AddExport("trap", ExternKind::kFunc, trap);
    return m.Build();
  };
  std::unique_ptr<jit::Compiler> compiler =
      MakeCompiler({.opt_level = jit::OptLevel::kO2, .functions_per_batch = 1});
  ASSERT_NE(compiler, nullptr);
  MapBatchCache cache;
  Compile(*compiler, module(2), &cache);
  const Bytes moved = module(10);
  const Compiled reused = Compile(*compiler, moved, &cache);
  EXPECT_EQ(reused.stats.batches_reused, 1u);
  EXPECT_EQ(reused.stats.functions_compiled, 1u);

  absl::StatusOr<wasm::Module> decoded = wasm::DecodeModule(moved);
  ASSERT_TRUE(decoded.ok());
  const uint64_t unreachable_at = decoded->bodies[1].offset + 1;  // after the local count
  runtime::Engine engine;
  absl::StatusOr<std::shared_ptr<const runtime::Module>> loaded =
      runtime::Module::Load(engine, moved, reused.image);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  runtime::Store store(engine);
  absl::StatusOr<runtime::Instance> instance = runtime::Linker().Instantiate(store, *loaded);
  ASSERT_TRUE(instance.ok()) << instance.status();
  const absl::Status status = Invoke(store, *instance, "trap").status();
  ASSERT_TRUE(IsTrap(status, TrapCode::kUnreachable)) << status;
  const runtime::TrapBacktrace backtrace = runtime::GetTrapBacktrace(status);
  ASSERT_FALSE(backtrace.frames.empty());
  EXPECT_EQ(backtrace.frames[0].module_offset, unreachable_at) << runtime::FormatBacktrace(backtrace);
}

}  // namespace
}  // namespace kiln::engine_test
