// Traps carry a backtrace of wasm frames: function index, name from the
// "name" section and the module offset of each frame's instruction, the
// trapping one first. Checked three calls deep at O0 and O2 (where the
// optimizer inlines the callees, so the frames come from inlining records),
// for explicit traps, memory faults, host traps, and through an artifact.
#include <cstdint>
#include <string>
#include <vector>

#include "engine_test_util.h"
#include "gtest/gtest.h"
#include "kiln/jit/artifact_writer.h"
#include "kiln/wasm/decoder.h"

namespace kiln::engine_test {
namespace {

using runtime::TrapBacktrace;

Encoder FunctionNames(const std::vector<std::pair<uint32_t, std::string>>& names) {
  Encoder map;
  map.U32(static_cast<uint32_t>(names.size()));
  for (const auto& [index, name] : names) map.U32(index).Name(name);
  return Encoder().Byte(1).U32(static_cast<uint32_t>(map.size())).Raw(map);
}

// f0 inner(a, b) = a / b, f1 load(a, b) = i32.load(a + b), f2 unreachable,
// f3 middle(a, b, op) calls one of them by op, f4 outer(a, b, op) =
// middle(a, b, op), f5 host import is called by f6 "via_host". Every body
// starts with the same local.get prologue, so the offsets below are
// computed from the decoded bodies.
struct Layout {
  Bytes bytes;
  uint32_t div = 0;         // module offset of i32.div_s in inner
  uint32_t load = 0;        // of i32.load in load
  uint32_t unreachable = 0; // of unreachable in f2
  uint32_t middle_call_div = 0, middle_call_load = 0, middle_call_unreachable = 0;
  uint32_t outer_call = 0;
};

Layout ThreeDeep() {
  ModuleBuilder m;
  const uint32_t ii_i = m.AddType({ValType::kI32, ValType::kI32}, {ValType::kI32});
  const uint32_t iii_i = m.AddType({ValType::kI32, ValType::kI32, ValType::kI32}, {ValType::kI32});
  m.AddMemory(1);
  // Bodies: 1 byte of local declarations (none), then the instructions.
  const uint32_t inner =
      m.AddFunction(ii_i, {}, Encoder().LocalGet(0).LocalGet(1).Op(Opcode::kI32DivS).End());
  const uint32_t load = m.AddFunction(
      ii_i, {}, Encoder().LocalGet(0).LocalGet(1).Op(Opcode::kI32Add).Mem(Opcode::kI32Load, 2, 0).End());
  const uint32_t trap = m.AddFunction(
      ii_i, {}, Encoder().Op(Opcode::kUnreachable).End());
  // middle: if op == 0 inner, op == 1 load, else unreachable, each a call.
  Encoder middle_body;
  middle_body.LocalGet(2).Op(Opcode::kI32Eqz).Op(Opcode::kIf).Byte(0x40)
      .LocalGet(0).LocalGet(1).Call(inner).Op(Opcode::kReturn)
      .Op(Opcode::kEnd)
      .LocalGet(2).I32Const(1).Op(Opcode::kI32Eq).Op(Opcode::kIf).Byte(0x40)
      .LocalGet(0).LocalGet(1).Call(load).Op(Opcode::kReturn)
      .Op(Opcode::kEnd)
      .LocalGet(0).LocalGet(1).Call(trap)
      .End();
  const uint32_t middle = m.AddFunction(iii_i, {}, middle_body);
  const uint32_t outer = m.AddFunction(
      iii_i, {}, Encoder().LocalGet(0).LocalGet(1).LocalGet(2).Call(middle).End());
  m.AddExport("outer", ExternKind::kFunc, outer);
  m.AddCustomSection("name", FunctionNames({{inner, "inner"},
                                            {load, "load"},
                                            {middle, "middle"},
                                            {outer, "outer"}}));
  Layout layout;
  layout.bytes = m.Build();
  absl::StatusOr<wasm::Module> decoded = wasm::DecodeModule(layout.bytes);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  auto at = [&](uint32_t function, size_t offset_in_body) {
    return static_cast<uint32_t>(decoded->bodies[function].offset + offset_in_body);
  };
  layout.div = at(inner, 1 + 2 + 2);
  layout.load = at(load, 1 + 2 + 2 + 1);
  layout.unreachable = at(trap, 1);
  // middle: local.get 2 (2) i32.eqz (1) if (2) local.get 0 (2) local.get 1 (2) call
  layout.middle_call_div = at(middle, 1 + 2 + 1 + 2 + 2 + 2);
  // ... call (2) return (1) end (1) local.get 2 (2) i32.const 1 (2) i32.eq (1)
  // if (2) local.get 0 (2) local.get 1 (2) call
  layout.middle_call_load = layout.middle_call_div + 2 + 1 + 1 + 2 + 2 + 1 + 2 + 2 + 2;
  // ... call (2) return (1) end (1) local.get 0 (2) local.get 1 (2) call
  layout.middle_call_unreachable = layout.middle_call_load + 2 + 1 + 1 + 2 + 2;
  layout.outer_call = at(outer, 1 + 2 + 2 + 2);
  return layout;
}

struct Expected {
  uint32_t function_index;
  std::string name;
  uint32_t offset;
};

void ExpectFrames(const absl::Status& status, TrapCode code, const std::vector<Expected>& expected) {
  ASSERT_TRUE(IsTrap(status, code)) << status;
  const TrapBacktrace backtrace = runtime::GetTrapBacktrace(status);
  ASSERT_EQ(backtrace.frames.size(), expected.size()) << runtime::FormatBacktrace(backtrace);
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "frame " << i << "\n" << runtime::FormatBacktrace(backtrace));
    EXPECT_EQ(backtrace.frames[i].function_index, expected[i].function_index);
    EXPECT_EQ(backtrace.frames[i].function_name, expected[i].name);
    EXPECT_EQ(backtrace.frames[i].module_offset, expected[i].offset);
  }
  EXPECT_EQ(backtrace.omitted_frames, 0u);
}

class BacktraceTest : public ::testing::TestWithParam<jit::OptLevel> {
 protected:
  jit::CompilerOptions Options() const { return {.opt_level = GetParam()}; }
};

void CheckAllTraps(runtime::Store& store, const runtime::Instance& instance, const Layout& l) {
  auto with = [&](Expected top, uint32_t middle_offset) {
    std::vector<Expected> frames{top, {3, "middle", middle_offset}, {4, "outer", l.outer_call}};
    return frames;
  };
  ExpectFrames(Invoke(store, instance, "outer", {Value::I32(7), Value::I32(0), Value::I32(0)}).status(),
               TrapCode::kIntegerDivideByZero, with({0, "inner", l.div}, l.middle_call_div));
  ExpectFrames(
      Invoke(store, instance, "outer", {Value::I32(65535), Value::I32(1), Value::I32(1)}).status(),
      TrapCode::kMemoryOutOfBounds, with({1, "load", l.load}, l.middle_call_load));
  ExpectFrames(Invoke(store, instance, "outer", {Value::I32(0), Value::I32(0), Value::I32(2)}).status(),
               TrapCode::kUnreachable, with({2, "", l.unreachable}, l.middle_call_unreachable));
}

TEST_P(BacktraceTest, ThreeCallsDeepInProcess) {
  const Layout layout = ThreeDeep();
  runtime::Engine engine;
  runtime::Store store(engine);
  absl::StatusOr<runtime::Instance> instance =
      Instantiate(store, layout.bytes, runtime::Linker{}, Options());
  ASSERT_TRUE(instance.ok()) << instance.status();
  CheckAllTraps(store, *instance, layout);
}

TEST_P(BacktraceTest, ThreeCallsDeepFromAnArtifact) {
  const Layout layout = ThreeDeep();
  absl::StatusOr<std::unique_ptr<jit::Compiler>> compiler = jit::Compiler::Create(Options());
  ASSERT_TRUE(compiler.ok());
  absl::StatusOr<wasm::CodeImage> image = CompileImage(**compiler, layout.bytes);
  ASSERT_TRUE(image.ok()) << image.status();
  absl::StatusOr<std::vector<uint8_t>> artifact = jit::WriteArtifact(layout.bytes, *image);
  ASSERT_TRUE(artifact.ok()) << artifact.status();
  runtime::Engine engine;
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
      runtime::Module::LoadArtifact(engine, *artifact);
  ASSERT_TRUE(module.ok()) << module.status();
  runtime::Store store(engine);
  absl::StatusOr<runtime::Instance> instance = runtime::Linker{}.Instantiate(store, *module);
  ASSERT_TRUE(instance.ok()) << instance.status();
  CheckAllTraps(store, *instance, layout);
}

// Unbounded recursion: the innermost frames are kept, the rest counted.
TEST_P(BacktraceTest, DeepRecursionKeepsTheInnermostFrames) {
  ModuleBuilder m;
  const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
  const uint32_t f = m.AddFunction(
      i_i, {}, Encoder().LocalGet(0).I32Const(1).Op(Opcode::kI32Add).Call(0).End());
  m.AddExport("recurse", ExternKind::kFunc, f);
  m.AddCustomSection("name", FunctionNames({{f, "recurse"}}));
  runtime::Engine engine;
  runtime::Store store(engine);
  absl::StatusOr<runtime::Instance> instance =
      Instantiate(store, m.Build(), runtime::Linker{}, Options());
  ASSERT_TRUE(instance.ok()) << instance.status();
  const absl::Status status = Invoke(store, *instance, "recurse", {Value::I32(0)}).status();
  ASSERT_TRUE(IsTrap(status, TrapCode::kCallStackExhausted)) << status;
  const TrapBacktrace backtrace = runtime::GetTrapBacktrace(status);
  ASSERT_FALSE(backtrace.frames.empty());
  EXPECT_GT(backtrace.omitted_frames, 0u);
  for (const runtime::TrapFrame& frame : backtrace.frames) {
    EXPECT_EQ(frame.function_index, 0u);
    EXPECT_EQ(frame.function_name, "recurse");
  }
}

// A host function's error traps the wasm frames that called it.
TEST_P(BacktraceTest, HostTrapShowsTheCallingFrames) {
  ModuleBuilder m;
  const uint32_t v_v = m.AddType({}, {});
  m.ImportFunction("env", "fail", v_v);
  const uint32_t caller = m.AddFunction(v_v, {}, Encoder().Call(0).End());
  m.AddExport("call_host", ExternKind::kFunc, caller);
  runtime::Engine engine;
  runtime::Store store(engine);
  runtime::Linker linker;
  runtime::Func fail = store.CreateHostFunc(
      wasm::FuncType{}, [](std::span<const Value>, std::span<Value>) {
        return absl::InternalError("boom");
      });
  linker.Define("env", "fail", fail);
  absl::StatusOr<runtime::Instance> instance = Instantiate(store, m.Build(), linker, Options());
  ASSERT_TRUE(instance.ok()) << instance.status();
  const absl::Status status = Invoke(store, *instance, "call_host").status();
  ASSERT_TRUE(IsTrap(status, TrapCode::kHostTrap)) << status;
  const TrapBacktrace backtrace = runtime::GetTrapBacktrace(status);
  ASSERT_EQ(backtrace.frames.size(), 1u) << runtime::FormatBacktrace(backtrace);
  EXPECT_EQ(backtrace.frames[0].function_index, 1u);
  EXPECT_NE(backtrace.frames[0].module_offset, 0u);
}

INSTANTIATE_TEST_SUITE_P(OptLevels, BacktraceTest,
                         ::testing::Values(jit::OptLevel::kO0, jit::OptLevel::kO2),
                         [](const auto& info) {
                           return info.param == jit::OptLevel::kO0 ? "O0" : "O2";
                         });

TEST(FormatBacktraceTest, PrintsOneLinePerFrame) {
  TrapBacktrace backtrace;
  backtrace.frames = {{3, "inner", 0x2a}, {7, "", 0x40}, {9, "x", 0}};
  backtrace.omitted_frames = 5;
  EXPECT_EQ(runtime::FormatBacktrace(backtrace),
            "    0: 0x2a - inner (function 3)\n"
            "    1: 0x40 - <function 7>\n"
            "    2:      ? - x (function 9)\n"
            "    ... 5 more frames\n");
}

}  // namespace
}  // namespace kiln::engine_test
