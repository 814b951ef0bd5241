// client::LocalEngine with its artifact cache: real modules compiled by the
// JIT, cached on disk, loaded again by later engines (as a later `kiln run`
// would), shared by concurrent loads, and foreign entries replaced.
#include "local_engine.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "kiln/cache/cache_key.h"
#include "kiln/runtime/linker.h"
#include "kiln/runtime/store.h"
#include "fingerprint_memo.h"
#include "module_builder.h"

namespace kiln::client {
namespace {

using wasm::Opcode;
using wasm::ValType;
using wasm::test::Encoder;
using wasm::test::ModuleBuilder;

// A module exporting `f(x) = x * k + k`, so each k is a distinct module.
std::vector<uint8_t> LinearModule(int32_t k) {
  ModuleBuilder m;
  const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
  const uint32_t f = m.AddFunction(
      i_i, {},
      Encoder().LocalGet(0).I32Const(k).Op(Opcode::kI32Mul).I32Const(k).Op(Opcode::kI32Add).End());
  m.AddExport("f", wasm::ExternKind::kFunc, f);
  return m.Build();
}

int32_t CallF(LocalEngine& engine, const std::shared_ptr<const runtime::Module>& module, int32_t x) {
  runtime::Store store(engine.engine());
  absl::StatusOr<runtime::Instance> instance = runtime::Linker().Instantiate(store, module);
  EXPECT_TRUE(instance.ok()) << instance.status();
  if (!instance.ok()) return 0;
  absl::StatusOr<runtime::Func> f = instance->GetFunc("f");
  EXPECT_TRUE(f.ok()) << f.status();
  const runtime::Value args[] = {runtime::Value::I32(x)};
  absl::StatusOr<std::vector<runtime::Value>> results = store.Call(*f, args);
  EXPECT_TRUE(results.ok()) << results.status();
  return results.ok() ? (*results)[0].i32() : 0;
}

class LocalEngineCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/kiln-local-engine-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<LocalEngine> MakeEngine(jit::OptLevel level = jit::OptLevel::kO2) {
    LocalEngineOptions options;
    options.compiler.opt_level = level;
    options.cache_dir = dir_;
    absl::StatusOr<std::unique_ptr<LocalEngine>> engine = LocalEngine::Create(options);
    EXPECT_TRUE(engine.ok()) << engine.status();
    return engine.ok() ? *std::move(engine) : nullptr;
  }

  size_t EntriesOnDisk() const {
    size_t n = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_)) {
      n += entry.path().extension() == ".kart";
    }
    return n;
  }

  std::string dir_;
};

TEST_F(LocalEngineCacheTest, LaterEnginesLoadWhatTheFirstCompiled) {
  const std::vector<uint8_t> bytes = LinearModule(7);
  std::unique_ptr<LocalEngine> first = MakeEngine();
  ASSERT_NE(first, nullptr);
  LoadReport report;
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module = first->Load(bytes, &report);
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_FALSE(report.cache_hit);
  EXPECT_EQ(report.cache_key,
            cache::CacheKey::ForModule(bytes, first->compiler().fingerprint()).ToHex());
  EXPECT_EQ(CallF(*first, *module, 5), 42);
  EXPECT_EQ(EntriesOnDisk(), 1u);

  // A new engine, as in the next process: a hit, nothing compiled.
  std::unique_ptr<LocalEngine> second = MakeEngine();
  ASSERT_NE(second, nullptr);
  module = second->Load(bytes, &report);
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_TRUE(report.cache_hit);
  EXPECT_EQ(report.compile_ms, 0);
  EXPECT_EQ(second->cache()->stats().computes, 0u);
  EXPECT_EQ(CallF(*second, *module, 5), 42);

  // Another opt level is another key.
  std::unique_ptr<LocalEngine> o0 = MakeEngine(jit::OptLevel::kO0);
  ASSERT_NE(o0, nullptr);
  module = o0->Load(bytes, &report);
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_FALSE(report.cache_hit);
  EXPECT_EQ(EntriesOnDisk(), 2u);
}

TEST_F(LocalEngineCacheTest, ConcurrentLoadsCompileEachModuleOnce) {
  constexpr int kModules = 6;
  constexpr int kThreads = 16;
  std::vector<std::vector<uint8_t>> modules;
  for (int k = 1; k <= kModules; ++k) modules.push_back(LinearModule(k));
  std::unique_ptr<LocalEngine> engine = MakeEngine();
  ASSERT_NE(engine, nullptr);

  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<int> order(kModules);
      for (int i = 0; i < kModules; ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), std::mt19937(t));
      for (int round = 0; round < 3; ++round) {
        for (int i : order) {
          absl::StatusOr<std::shared_ptr<const runtime::Module>> module = engine->Load(modules[i]);
          if (!module.ok() || CallF(*engine, *module, 10) != (i + 1) * 11) ++wrong;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  const cache::ArtifactStoreStats stats = engine->cache()->stats();
  EXPECT_EQ(stats.computes, static_cast<uint64_t>(kModules));
  EXPECT_EQ(stats.compute_errors, 0u);
  EXPECT_EQ(EntriesOnDisk(), static_cast<size_t>(kModules));
}

TEST_F(LocalEngineCacheTest, InvalidModulesAreNotCached) {
  std::unique_ptr<LocalEngine> engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  ModuleBuilder m;
  const uint32_t v_i = m.AddType({}, {ValType::kI32});
  m.AddFunction(v_i, {}, Encoder().I64Const(1).End());  // i64 where i32 is due
  const std::vector<uint8_t> invalid = m.Build();
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::shared_ptr<const runtime::Module>> module = engine->Load(invalid);
    ASSERT_FALSE(module.ok());
    EXPECT_TRUE(IsInvalidModule(module.status())) << module.status();
  }
  EXPECT_EQ(engine->cache()->stats().compute_errors, 2u);
  EXPECT_EQ(EntriesOnDisk(), 0u);
}

TEST_F(LocalEngineCacheTest, ForeignEntryIsAMissAndIsReplaced) {
  const std::vector<uint8_t> bytes = LinearModule(3);
  std::unique_ptr<LocalEngine> engine = MakeEngine();
  std::unique_ptr<LocalEngine> o0 = MakeEngine(jit::OptLevel::kO0);
  ASSERT_NE(engine, nullptr);
  ASSERT_NE(o0, nullptr);
  // An intact O0 artifact stored under the O2 key.
  absl::StatusOr<std::vector<uint8_t>> foreign = o0->CompileArtifact(bytes);
  ASSERT_TRUE(foreign.ok()) << foreign.status();
  const cache::CacheKey key = cache::CacheKey::ForModule(bytes, engine->compiler().fingerprint());
  ASSERT_TRUE(engine->cache()
                  ->Put(key, std::make_shared<const std::vector<uint8_t>>(*std::move(foreign)))
                  .ok());

  LoadReport report;
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module = engine->Load(bytes, &report);
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_TRUE(report.replaced_entry);
  EXPECT_FALSE(report.cache_hit);
  EXPECT_EQ((*module)->fingerprint(), engine->compiler().fingerprint());
  EXPECT_EQ(CallF(*engine, *module, 2), 9);

  // The replacement is what the cache serves now.
  std::unique_ptr<LocalEngine> later = MakeEngine();
  ASSERT_NE(later, nullptr);
  module = later->Load(bytes, &report);
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_TRUE(report.cache_hit);
  EXPECT_FALSE(report.replaced_entry);
}

// An engine with a cache writes its compiler's fingerprint down, per
// options, so that `kiln` finds cache keys without LLVM.
TEST_F(LocalEngineCacheTest, EngineWritesTheFingerprintMemoForItsOptions) {
  jit::CompilerOptions o2;
  jit::CompilerOptions o0;
  o0.opt_level = jit::OptLevel::kO0;
  EXPECT_EQ(ReadFingerprintMemo(dir_, o2), std::nullopt);
  std::unique_ptr<LocalEngine> engine = MakeEngine(jit::OptLevel::kO2);
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(ReadFingerprintMemo(dir_, o2), engine->compiler().fingerprint());
  EXPECT_EQ(ReadFingerprintMemo(dir_, o0), std::nullopt);
  std::unique_ptr<LocalEngine> engine_o0 = MakeEngine(jit::OptLevel::kO0);
  ASSERT_NE(engine_o0, nullptr);
  EXPECT_EQ(ReadFingerprintMemo(dir_, o0), engine_o0->compiler().fingerprint());
  EXPECT_NE(engine_o0->compiler().fingerprint(), engine->compiler().fingerprint());
}

// What is not a fingerprint is not read back as one; writing again repairs it.
TEST_F(LocalEngineCacheTest, DamagedFingerprintMemoIsIgnoredAndRewritten) {
  std::unique_ptr<LocalEngine> engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  const jit::CompilerOptions options;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/compilers")) {
    std::filesystem::resize_file(entry.path(), 0);
  }
  EXPECT_EQ(ReadFingerprintMemo(dir_, options), std::nullopt);
  WriteFingerprintMemo(dir_, options, "not a fingerprint");
  EXPECT_EQ(ReadFingerprintMemo(dir_, options), std::nullopt);
  WriteFingerprintMemo(dir_, options, engine->compiler().fingerprint());
  EXPECT_EQ(ReadFingerprintMemo(dir_, options), engine->compiler().fingerprint());
}

}  // namespace
}  // namespace kiln::client
