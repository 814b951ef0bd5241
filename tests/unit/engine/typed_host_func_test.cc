// Typed host functions (kiln/runtime/host_func.h): wasm calls the
// template-made adapter directly with the C ABI, so every scalar type must
// arrive and return bit-exact, from wasm and from the host alike.
#include <cstdint>
#include <vector>

#include "engine_test_util.h"
#include "gtest/gtest.h"
#include "kiln/runtime/host_func.h"

namespace kiln::engine_test {
namespace {

int64_t Combine(int32_t a, int64_t b, float c, double d) {
  return a + b + static_cast<int64_t>(c) + static_cast<int64_t>(d);
}

double Scale(double x) { return x * 2.5; }

int calls = 0;
void Count() { ++calls; }

// Imports env.combine, env.scale, env.count; exports wrappers around each.
Bytes TypedImportsModule() {
  ModuleBuilder m;
  const uint32_t combine_type = m.AddType(
      {ValType::kI32, ValType::kI64, ValType::kF32, ValType::kF64}, {ValType::kI64});
  const uint32_t scale_type = m.AddType({ValType::kF64}, {ValType::kF64});
  const uint32_t count_type = m.AddType({}, {});
  const uint32_t combine = m.ImportFunction("env", "combine", combine_type);
  const uint32_t scale = m.ImportFunction("env", "scale", scale_type);
  const uint32_t count = m.ImportFunction("env", "count", count_type);
  Encoder forward;
  for (uint32_t i = 0; i < 4; ++i) forward.LocalGet(i);
  m.AddExport("combine", ExternKind::kFunc,
              m.AddFunction(combine_type, {}, Encoder(forward).Call(combine).End()));
  m.AddExport("scale", ExternKind::kFunc,
              m.AddFunction(scale_type, {}, Encoder().LocalGet(0).Call(scale).End()));
  m.AddExport("count_twice", ExternKind::kFunc,
              m.AddFunction(count_type, {}, Encoder().Call(count).Call(count).End()));
  return m.Build();
}

TEST(TypedHostFuncTest, WasmCallsTypedFunctionsWithExactValues) {
  runtime::Engine engine;
  runtime::Store store(engine);
  runtime::Linker linker;
  linker.Define("env", "combine", runtime::WrapFunction<&Combine>(store));
  linker.Define("env", "scale", runtime::WrapFunction<&Scale>(store));
  linker.Define("env", "count", runtime::WrapFunction<&Count>(store));
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, TypedImportsModule(), linker);
  ASSERT_TRUE(instance.ok()) << instance.status();

  absl::StatusOr<std::vector<Value>> r = Invoke(
      store, *instance, "combine",
      {Value::I32(-7), Value::I64(int64_t{1} << 40), Value::F32(3.75f), Value::F64(-100.5)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].i64(), -7 + (int64_t{1} << 40) + 3 - 100);

  r = Invoke(store, *instance, "scale", {Value::F64(0.1)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].f64(), 0.1 * 2.5);

  calls = 0;
  ASSERT_TRUE(Invoke(store, *instance, "count_twice").ok());
  EXPECT_EQ(calls, 2);
}

TEST(TypedHostFuncTest, HostCallsTypedFunctionThroughItsArrayEntry) {
  runtime::Engine engine;
  runtime::Store store(engine);
  runtime::Func scale = runtime::WrapFunction<&Scale>(store);
  EXPECT_EQ(scale.type(), (wasm::FuncType{{ValType::kF64}, {ValType::kF64}}));
  const Value args[] = {Value::F64(4.0)};
  absl::StatusOr<std::vector<Value>> r = store.Call(scale, args);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].f64(), 10.0);
}

TEST(TypedHostFuncTest, WrongTypeImportIsRefused) {
  runtime::Engine engine;
  runtime::Store store(engine);
  runtime::Linker linker;
  linker.Define("env", "combine", runtime::WrapFunction<&Scale>(store));  // wrong type
  linker.Define("env", "scale", runtime::WrapFunction<&Scale>(store));
  linker.Define("env", "count", runtime::WrapFunction<&Count>(store));
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, TypedImportsModule(), linker);
  EXPECT_TRUE(HasError(instance.status(), absl::StatusCode::kInvalidArgument,
                       "incompatible import type"));
}

}  // namespace
}  // namespace kiln::engine_test
