// Host functions: values must cross the wasm/host boundary intact in both
// directions, a host error must become a trap of the calling wasm code, a
// host function may call back into wasm, and linking mistakes must be
// errors of Instantiate rather than crashes.
#include <cstdint>
#include <optional>
#include <vector>

#include "engine_test_util.h"
#include "gtest/gtest.h"

namespace kiln::engine_test {
namespace {

const wasm::FuncType kMixType{{ValType::kI32, ValType::kI64, ValType::kF32, ValType::kF64},
                              {ValType::kI64, ValType::kF64, ValType::kI32}};

// What env.mix computes, so the tests can check each result separately.
absl::Status Mix(std::span<const Value> params, std::span<Value> results) {
  results[0] = Value::I64(params[0].i32() + params[1].i64());
  results[1] = Value::F64(static_cast<double>(params[2].f32()) * params[3].f64());
  results[2] = Value::I32(params[0].i32() ^ 0x55);
  return absl::OkStatus();
}

// Imports env.mix : [i32 i64 f32 f64] -> [i64 f64 i32]. Exports:
//   call_mix  the same type, forwards to env.mix.
//   combine   calls env.mix and folds its three results into one i64
//             (i64 + trunc(f64) + extend(i32)), so wasm reads them in order.
Bytes MixModule() {
  ModuleBuilder m;
  const uint32_t mix_type = m.AddType(kMixType.params, kMixType.results);
  const uint32_t combine_type = m.AddType(kMixType.params, {ValType::kI64});
  const uint32_t mix = m.ImportFunction("env", "mix", mix_type);
  Encoder forward;
  for (uint32_t i = 0; i < 4; ++i) forward.LocalGet(i);
  const uint32_t call_mix = m.AddFunction(mix_type, {}, Encoder(forward).Call(mix).End());
  // [i64 f64 i32] -> extend -> [i64 f64 i64] -> set tmp -> trunc -> add -> + tmp
  const uint32_t combine = m.AddFunction(
      combine_type, {{1, ValType::kI64}},
      Encoder(forward)
          .Call(mix)
          .Op(Opcode::kI64ExtendI32S)
          .LocalSet(4)
          .Op(Opcode::kI64TruncF64S)
          .Op(Opcode::kI64Add)
          .LocalGet(4)
          .Op(Opcode::kI64Add)
          .End());
  m.AddExport("call_mix", ExternKind::kFunc, call_mix);
  m.AddExport("combine", ExternKind::kFunc, combine);
  return m.Build();
}

std::vector<Value> MixArgs() {
  return {Value::I32(-3), Value::I64(int64_t{1} << 40), Value::F32(1.5f), Value::F64(-4.0)};
}

TEST(HostFunctionTest, ManyParamsAndResults) {
  runtime::Engine engine;
  runtime::Store store(engine);
  std::vector<Value> seen;
  runtime::Func mix = store.CreateHostFunc(
      kMixType, [&seen](std::span<const Value> params, std::span<Value> results) {
        seen.assign(params.begin(), params.end());
        return Mix(params, results);
      });
  runtime::Linker linker;
  linker.Define("env", "mix", mix);
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, MixModule(), linker);
  ASSERT_TRUE(instance.ok()) << instance.status();

  absl::StatusOr<std::vector<Value>> results = Invoke(store, *instance, "call_mix", MixArgs());
  ASSERT_TRUE(results.ok()) << results.status();
  // The host saw exactly the arguments wasm passed, types included.
  EXPECT_EQ(seen, MixArgs());
  ASSERT_EQ(results->size(), 3u);
  EXPECT_EQ((*results)[0], Value::I64((int64_t{1} << 40) - 3));
  EXPECT_EQ((*results)[1], Value::F64(-6.0));
  EXPECT_EQ((*results)[2], Value::I32(-3 ^ 0x55));

  absl::StatusOr<std::vector<Value>> combined = Invoke(store, *instance, "combine", MixArgs());
  ASSERT_TRUE(combined.ok()) << combined.status();
  ASSERT_EQ(combined->size(), 1u);
  EXPECT_EQ((*combined)[0], Value::I64((int64_t{1} << 40) - 3 - 6 + (-3 ^ 0x55)));

  // Once imported, the host function can be called from the host too.
  absl::StatusOr<std::vector<Value>> direct = store.Call(mix, MixArgs());
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_EQ(*direct, *results);
}

TEST(HostFunctionTest, CallableFromTheHostBeforeAnyModuleImportsIt) {
  // Store::Call promises to call any Func; a host function needs no
  // compiled code to be called through its array entry point.
  runtime::Engine engine;
  runtime::Store store(engine);
  runtime::Func mix = store.CreateHostFunc(kMixType, Mix);
  absl::StatusOr<std::vector<Value>> direct = store.Call(mix, MixArgs());
  ASSERT_TRUE(direct.ok()) << direct.status();
  ASSERT_EQ(direct->size(), 3u);
  EXPECT_EQ((*direct)[2], Value::I32(-3 ^ 0x55));
}

// Imports env.fail : [] -> [i32]. Exports call_fail, which calls it and then
// writes 1 to memory address 0 (which must not happen if env.fail traps),
// and read0, which reads address 0.
Bytes FailModule() {
  ModuleBuilder m;
  const uint32_t v_i = m.AddType({}, {ValType::kI32});
  const uint32_t v_v = m.AddType({}, {});
  const uint32_t fail = m.ImportFunction("env", "fail", v_i);
  m.AddMemory(1);
  const uint32_t call_fail = m.AddFunction(
      v_v, {},
      Encoder().Call(fail).Op(Opcode::kDrop).I32Const(0).I32Const(1)
          .Mem(Opcode::kI32Store, 2, 0).End());
  const uint32_t read0 =
      m.AddFunction(v_i, {}, Encoder().I32Const(0).Mem(Opcode::kI32Load, 2, 0).End());
  m.AddExport("call_fail", ExternKind::kFunc, call_fail);
  m.AddExport("read0", ExternKind::kFunc, read0);
  return m.Build();
}

TEST(HostFunctionTest, ErrorStatusTrapsTheCaller) {
  runtime::Engine engine;
  runtime::Store store(engine);
  bool should_fail = true;
  runtime::Linker linker;
  linker.Define("env", "fail",
                store.CreateHostFunc({{}, {ValType::kI32}},
                                     [&should_fail](std::span<const Value>, std::span<Value> r) {
                                       if (should_fail) {
                                         return absl::PermissionDeniedError("tenant 7 over quota");
                                       }
                                       r[0] = Value::I32(0);
                                       return absl::OkStatus();
                                     }));
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, FailModule(), linker);
  ASSERT_TRUE(instance.ok()) << instance.status();

  absl::Status status = Invoke(store, *instance, "call_fail").status();
  EXPECT_TRUE(IsTrap(status, TrapCode::kHostTrap));
  EXPECT_TRUE(HasError(status, absl::StatusCode::kAborted, "tenant 7 over quota"));
  // The trap unwound the wasm caller: its store after the call never ran.
  absl::StatusOr<int32_t> word = InvokeI32(store, *instance, "read0");
  ASSERT_TRUE(word.ok()) << word.status();
  EXPECT_EQ(*word, 0);

  // The detail does not leak into the next, unrelated trap or success.
  should_fail = false;
  ASSERT_TRUE(Invoke(store, *instance, "call_fail").ok());
  word = InvokeI32(store, *instance, "read0");
  ASSERT_TRUE(word.ok()) << word.status();
  EXPECT_EQ(*word, 1);
}

TEST(HostFunctionTest, WrongResultTypeTraps) {
  runtime::Engine engine;
  runtime::Store store(engine);
  runtime::Linker linker;
  // Declared to return i32, writes an i64.
  linker.Define("env", "fail",
                store.CreateHostFunc({{}, {ValType::kI32}},
                                     [](std::span<const Value>, std::span<Value> r) {
                                       r[0] = Value::I64(1);
                                       return absl::OkStatus();
                                     }));
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, FailModule(), linker);
  ASSERT_TRUE(instance.ok()) << instance.status();
  absl::Status status = Invoke(store, *instance, "call_fail").status();
  EXPECT_TRUE(IsTrap(status, TrapCode::kHostTrap));
  EXPECT_TRUE(HasError(status, absl::StatusCode::kAborted, "i64"));
}

// Imports env.reenter : [i32] -> [i32] and env.boom_via_host : [] -> [].
// Exports:
//   down(n)  = n == 0 ? 1000 : env.reenter(n - 1) + 1
//   boom     unreachable
//   outer_boom  calls env.boom_via_host
Bytes ReentrantModule() {
  ModuleBuilder m;
  const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
  const uint32_t v_v = m.AddType({}, {});
  const uint32_t reenter = m.ImportFunction("env", "reenter", i_i);
  const uint32_t boom_via_host = m.ImportFunction("env", "boom_via_host", v_v);
  const uint32_t down = m.AddFunction(
      i_i, {},
      Encoder()
          .LocalGet(0).Op(Opcode::kI32Eqz)
          .If(ValType::kI32)
          .I32Const(1000)
          .Op(Opcode::kElse)
          .LocalGet(0).I32Const(1).Op(Opcode::kI32Sub).Call(reenter).I32Const(1)
          .Op(Opcode::kI32Add)
          .End()
          .End());
  const uint32_t boom = m.AddFunction(v_v, {}, Encoder().Op(Opcode::kUnreachable).End());
  const uint32_t outer_boom = m.AddFunction(v_v, {}, Encoder().Call(boom_via_host).End());
  m.AddExport("down", ExternKind::kFunc, down);
  m.AddExport("boom", ExternKind::kFunc, boom);
  m.AddExport("outer_boom", ExternKind::kFunc, outer_boom);
  return m.Build();
}

TEST(HostFunctionTest, HostCallsBackIntoWasm) {
  runtime::Engine engine;
  runtime::Store store(engine);
  // The exports the host functions call; known only after instantiation.
  std::optional<runtime::Func> down;
  std::optional<runtime::Func> boom;
  int host_calls = 0;

  runtime::Linker linker;
  // reenter(k) = down(k) + 10, through a fresh Store::Call from inside the
  // host function: host -> wasm -> host -> wasm -> ... n levels deep.
  linker.Define("env", "reenter",
                store.CreateHostFunc({{ValType::kI32}, {ValType::kI32}},
                                     [&](std::span<const Value> p, std::span<Value> r) {
                                       ++host_calls;
                                       absl::StatusOr<std::vector<Value>> inner =
                                           store.Call(*down, p);
                                       if (!inner.ok()) return inner.status();
                                       r[0] = Value::I32((*inner)[0].i32() + 10);
                                       return absl::OkStatus();
                                     }));
  // Calls wasm `boom`, which traps, and passes that trap on.
  linker.Define("env", "boom_via_host",
                store.CreateHostFunc({{}, {}}, [&](std::span<const Value>, std::span<Value>) {
                  return store.Call(*boom, {}).status();
                }));
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, ReentrantModule(), linker);
  ASSERT_TRUE(instance.ok()) << instance.status();
  down = *instance->GetFunc("down");
  boom = *instance->GetFunc("boom");

  // down(n) = down(n - 1) + 11, down(0) = 1000.
  absl::StatusOr<int32_t> result = InvokeI32(store, *instance, "down", {Value::I32(5)});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, 1055);
  EXPECT_EQ(host_calls, 5);

  // A trap in the innermost wasm reaches the host function as a status; the
  // host passing it on traps the outer wasm, with the inner text kept.
  absl::Status status = Invoke(store, *instance, "outer_boom").status();
  EXPECT_TRUE(IsTrap(status, TrapCode::kHostTrap));
  EXPECT_TRUE(HasError(status, absl::StatusCode::kAborted, "unreachable"));

  // The nested activations were all unwound: the Store works normally.
  result = InvokeI32(store, *instance, "down", {Value::I32(3)});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, 1033);
  EXPECT_TRUE(IsTrap(Invoke(store, *instance, "boom").status(), TrapCode::kUnreachable));
}

// Imports env.f : [] -> [] and exports call_f.
Bytes ImportsFunction() {
  ModuleBuilder m;
  const uint32_t v_v = m.AddType({}, {});
  const uint32_t f = m.ImportFunction("env", "f", v_v);
  m.AddExport("call_f", ExternKind::kFunc, m.AddFunction(v_v, {}, Encoder().Call(f).End()));
  return m.Build();
}

class ImportErrorTest : public ::testing::Test {
 protected:
  // After a failed instantiation the Store must still instantiate and run
  // a correctly linked module.
  void ExpectStoreUsable() {
    runtime::Linker good;
    int calls = 0;
    good.Define("env", "f", store_.CreateHostFunc({{}, {}}, [&calls](auto, auto) {
      ++calls;
      return absl::OkStatus();
    }));
    absl::StatusOr<runtime::Instance> instance = Instantiate(store_, ImportsFunction(), good);
    ASSERT_TRUE(instance.ok()) << instance.status();
    ASSERT_TRUE(Invoke(store_, *instance, "call_f").ok());
    EXPECT_EQ(calls, 1);
  }

  runtime::Engine engine_;
  runtime::Store store_{engine_};
};

TEST_F(ImportErrorTest, MemoryForFunctionImport) {
  absl::StatusOr<runtime::Memory> memory = store_.CreateMemory({.limits = {1, std::nullopt}});
  ASSERT_TRUE(memory.ok()) << memory.status();
  runtime::Linker linker;
  linker.Define("env", "f", *memory);
  absl::StatusOr<runtime::Instance> instance = Instantiate(store_, ImportsFunction(), linker);
  EXPECT_TRUE(HasError(instance.status(), absl::StatusCode::kInvalidArgument,
                       "incompatible import type"));
  ExpectStoreUsable();
}

TEST_F(ImportErrorTest, FunctionOfAnotherType) {
  runtime::Linker linker;
  linker.Define("env", "f",
                store_.CreateHostFunc({{ValType::kI32}, {}}, [](auto, auto) {
                  return absl::OkStatus();
                }));
  absl::StatusOr<runtime::Instance> instance = Instantiate(store_, ImportsFunction(), linker);
  EXPECT_TRUE(HasError(instance.status(), absl::StatusCode::kInvalidArgument,
                       "incompatible import type"));
  ExpectStoreUsable();
}

TEST_F(ImportErrorTest, FunctionForMemoryImport) {
  ModuleBuilder m;
  m.ImportMemory("env", "mem", 1);
  runtime::Linker linker;
  linker.Define("env", "mem",
                store_.CreateHostFunc({{}, {}}, [](auto, auto) { return absl::OkStatus(); }));
  absl::StatusOr<runtime::Instance> instance = Instantiate(store_, m.Build(), linker);
  EXPECT_TRUE(HasError(instance.status(), absl::StatusCode::kInvalidArgument,
                       "incompatible import type"));
  ExpectStoreUsable();
}

TEST_F(ImportErrorTest, MissingImport) {
  absl::StatusOr<runtime::Instance> instance = Instantiate(store_, ImportsFunction());
  EXPECT_TRUE(HasError(instance.status(), absl::StatusCode::kNotFound, "unknown import"));
  EXPECT_TRUE(HasError(instance.status(), absl::StatusCode::kNotFound, "\"env\" \"f\""));
  ExpectStoreUsable();
}

}  // namespace
}  // namespace kiln::engine_test
