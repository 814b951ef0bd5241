// Signature ids are reference-counted (kiln/runtime/signature_registry.h):
// a module that is dropped gives its types back, so a daemon that loads and
// drops modules for months does not grow, while a module a Store still runs
// keeps its ids, so a type check across modules never meets a reused id.
#include <cstdint>
#include <memory>
#include <vector>

#include "engine_test_util.h"

namespace kiln::engine_test {
namespace {

using wasm::test::NumberedFuncType;
using wasm::test::NumberedTypeModule;

// Loads and drops `count` modules of types no other test uses, so any id a
// dropped module freed is handed out again.
void ChurnTypes(runtime::Engine& engine, uint32_t first, uint32_t count) {
  for (uint32_t n = first; n < first + count; ++n) {
    ASSERT_TRUE(CompileModule(engine, NumberedTypeModule(n)).ok());
  }
}

TEST(SignatureLifetimeTest, DroppedModulesGiveTheirTypesBack) {
  runtime::Engine engine;
  const size_t baseline = engine.signatures().size();
  constexpr uint32_t kModules = 40;
  std::vector<std::shared_ptr<const runtime::Module>> modules;
  for (uint32_t n = 1; n <= kModules; ++n) {
    absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
        CompileModule(engine, NumberedTypeModule(n));
    ASSERT_TRUE(module.ok()) << module.status();
    modules.push_back(*module);
  }
  EXPECT_EQ(engine.signatures().size(), baseline + kModules);
  {
    // A Store that instantiated a module keeps its types after the caller
    // lets go of it.
    runtime::Store store(engine);
    ASSERT_TRUE(runtime::Linker().Instantiate(store, modules[0]).ok());
    modules.clear();
    EXPECT_EQ(engine.signatures().size(), baseline + 1);
  }
  EXPECT_EQ(engine.signatures().size(), baseline);
}

TEST(SignatureLifetimeTest, HostFunctionsHoldTheirTypeUntilTheStoreGoes) {
  runtime::Engine engine;
  const size_t baseline = engine.signatures().size();
  {
    runtime::Store store(engine);
    store.CreateHostFunc(NumberedFuncType(7), [](auto, auto) { return absl::OkStatus(); });
    store.CreateHostFunc(NumberedFuncType(7), [](auto, auto) { return absl::OkStatus(); });
    store.CreateHostFunc(NumberedFuncType(8), [](auto, auto) { return absl::OkStatus(); });
    EXPECT_EQ(engine.signatures().size(), baseline + 2);
  }
  EXPECT_EQ(engine.signatures().size(), baseline);
}

TEST(SignatureLifetimeTest, AModuleOrStoreMayOutliveItsEngine) {
  // Against engine.h's rule, but easy with shared_ptrs in caches: their
  // ids go back to a registry they keep alive, not to freed memory.
  std::shared_ptr<const runtime::Module> module;
  std::unique_ptr<runtime::Store> store;
  {
    runtime::Engine engine;
    absl::StatusOr<std::shared_ptr<const runtime::Module>> loaded =
        CompileModule(engine, NumberedTypeModule(3));
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    module = *loaded;
    store = std::make_unique<runtime::Store>(engine);
    store->CreateHostFunc(NumberedFuncType(4), [](auto, auto) { return absl::OkStatus(); });
  }
  store.reset();
  module.reset();
}

// Exports table "table" = [answer : [] -> [i32], wide : [] -> [i64]].
Bytes ProviderModule() {
  ModuleBuilder m;
  const uint32_t v_i = m.AddType({}, {ValType::kI32});
  const uint32_t v_l = m.AddType({}, {ValType::kI64});
  const uint32_t answer = m.AddFunction(v_i, {}, Encoder().I32Const(42).End());
  const uint32_t wide = m.AddFunction(v_l, {}, Encoder().I64Const(42).End());
  m.AddTable(ValType::kFuncRef, 2);
  m.AddActiveElements(0, {answer, wide});
  m.AddExport("table", ExternKind::kTable, 0);
  return m.Build();
}

// Imports env.table and exports call(i) = call_indirect ([] -> [i32]) i.
Bytes CallerModule() {
  ModuleBuilder m;
  const uint32_t v_i = m.AddType({}, {ValType::kI32});
  const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
  m.ImportTable("env", "table", ValType::kFuncRef, 2);
  m.AddExport("call", ExternKind::kFunc,
              m.AddFunction(i_i, {},
                            Encoder().LocalGet(0).Op(Opcode::kCallIndirect).U32(v_i).U32(0).End()));
  return m.Build();
}

TEST(SignatureLifetimeTest, CallIndirectAcrossModulesAfterATypeSharerIsDropped) {
  runtime::Engine engine;
  // A module that shares [] -> [i32] with the provider, dropped below.
  ModuleBuilder sharer_bytes;
  sharer_bytes.AddType({}, {ValType::kI32});
  absl::StatusOr<std::shared_ptr<const runtime::Module>> sharer =
      CompileModule(engine, sharer_bytes.Build());
  ASSERT_TRUE(sharer.ok()) << sharer.status();

  runtime::Store store(engine);
  absl::StatusOr<runtime::Instance> provider = Instantiate(store, ProviderModule());
  ASSERT_TRUE(provider.ok()) << provider.status();
  const runtime::SignatureId shared_id = (*sharer)->type_ids()[0];
  sharer->reset();
  // Only the Store holds the provider now; freed ids are reused here, and
  // must not be the provider's.
  ChurnTypes(engine, 1000, 20);

  absl::StatusOr<std::shared_ptr<const runtime::Module>> caller =
      CompileModule(engine, CallerModule());
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ((*caller)->type_ids()[0], shared_id);
  runtime::Linker linker;
  linker.DefineInstance("env", *provider);
  absl::StatusOr<runtime::Instance> instance = linker.Instantiate(store, *caller);
  ASSERT_TRUE(instance.ok()) << instance.status();

  absl::StatusOr<int32_t> answer = InvokeI32(store, *instance, "call", {Value::I32(0)});
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, 42);
  EXPECT_TRUE(IsTrap(Invoke(store, *instance, "call", {Value::I32(1)}).status(),
                     TrapCode::kIndirectCallTypeMismatch));
}

}  // namespace
}  // namespace kiln::engine_test
