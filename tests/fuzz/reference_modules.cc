#include "reference_modules.h"

#include <initializer_list>
#include <string_view>
#include <utility>

#include "module_builder.h"

namespace kiln::fuzz {
namespace {

using wasm::ExternKind;
using wasm::Opcode;
using wasm::ValType;
using wasm::test::Encoder;
using wasm::test::ModuleBuilder;

// A "name" section naming functions (subsection 1).
Encoder FunctionNames(std::initializer_list<std::pair<uint32_t, std::string_view>> names) {
  Encoder map;
  map.U32(static_cast<uint32_t>(names.size()));
  for (const auto& [index, name] : names) map.U32(index).Name(name);
  Encoder payload;
  payload.Byte(1).U32(static_cast<uint32_t>(map.size())).Raw(map);
  return payload;
}

// Recursion, inlining and the arithmetic traps.
std::vector<uint8_t> ArithmeticModule() {
  ModuleBuilder m;
  const uint32_t i64_to_i64 = m.AddType({ValType::kI64}, {ValType::kI64});
  const uint32_t to_i64 = m.AddType({}, {ValType::kI64});
  const uint32_t to_i32 = m.AddType({}, {ValType::kI32});
  const uint32_t to_f64 = m.AddType({}, {ValType::kF64});
  const uint32_t none = m.AddType({}, {});
  // fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2)
  const uint32_t fib = m.AddFunction(
      i64_to_i64, {},
      Encoder()
          .LocalGet(0).I64Const(2).Op(Opcode::kI64LtS)
          .If(ValType::kI64)
          .LocalGet(0)
          .Op(Opcode::kElse)
          .LocalGet(0).I64Const(1).Op(Opcode::kI64Sub).Call(0)
          .LocalGet(0).I64Const(2).Op(Opcode::kI64Sub).Call(0)
          .Op(Opcode::kI64Add)
          .End()
          .End());
  const uint32_t fib20 = m.AddFunction(to_i64, {}, Encoder().I64Const(20).Call(fib).End());
  // A small callee the optimizer inlines, so that a trap in it has an
  // inlined frame in the caller's address map.
  const uint32_t divide = m.AddFunction(
      to_i32, {}, Encoder().I32Const(7).I32Const(0).Op(Opcode::kI32DivS).End());
  const uint32_t div0 = m.AddFunction(
      to_i32, {}, Encoder().Call(divide).I32Const(1).Op(Opcode::kI32Add).End());
  const uint32_t overflow = m.AddFunction(
      to_i32, {},
      Encoder().I32Const(INT32_MIN).I32Const(-1).Op(Opcode::kI32DivS).End());
  const uint32_t unreachable = m.AddFunction(none, {}, Encoder().Op(Opcode::kUnreachable).End());
  const uint32_t product = m.AddFunction(
      to_f64, {}, Encoder().F64Const(1.5).F64Const(-2.25).Op(Opcode::kF64Mul).End());
  const uint32_t convert = m.AddFunction(
      to_i32, {}, Encoder().F64Const(1e300).Op(Opcode::kI32TruncF64S).End());
  m.AddExport("fib", ExternKind::kFunc, fib);
  m.AddExport("fib20", ExternKind::kFunc, fib20);
  m.AddExport("div0", ExternKind::kFunc, div0);
  m.AddExport("overflow", ExternKind::kFunc, overflow);
  m.AddExport("unreachable", ExternKind::kFunc, unreachable);
  m.AddExport("product", ExternKind::kFunc, product);
  m.AddExport("convert", ExternKind::kFunc, convert);
  m.AddCustomSection("name", FunctionNames({{fib, "fib"}, {fib20, "fib20"}, {divide, "divide"},
                                            {div0, "div0"}, {unreachable, "unreachable"}}));
  return m.Build();
}

// Memory, data, a mutable global and a start function.
std::vector<uint8_t> MemoryModule() {
  ModuleBuilder m;
  const uint32_t to_i32 = m.AddType({}, {ValType::kI32});
  const uint32_t none = m.AddType({}, {});
  const uint32_t memory = m.AddMemory(1, 4);
  const uint32_t counter = m.AddGlobal(ValType::kI32, true, Encoder().I32Const(0).End());
  m.AddActiveData(16, "kiln fuzz seed!!");
  const uint32_t start = m.AddFunction(none, {}, Encoder().I32Const(100).GlobalSet(counter).End());
  // sum = 0; for i in 0..16: sum += mem[16 + i]
  const uint32_t sum = m.AddFunction(
      to_i32, {{2, ValType::kI32}},
      Encoder()
          .Block()
          .Loop()
          .LocalGet(0).I32Const(16).Op(Opcode::kI32GeU).BrIf(1)
          .LocalGet(1)
          .LocalGet(0).Mem(Opcode::kI32Load8U, 0, 16)
          .Op(Opcode::kI32Add).LocalSet(1)
          .LocalGet(0).I32Const(1).Op(Opcode::kI32Add).LocalSet(0)
          .Br(0)
          .End()
          .End()
          .LocalGet(1)
          .End());
  const uint32_t grow =
      m.AddFunction(to_i32, {}, Encoder().I32Const(1).Op(Opcode::kMemoryGrow).Byte(0).End());
  const uint32_t out_of_bounds =
      m.AddFunction(to_i32, {}, Encoder().I32Const(-4).Mem(Opcode::kI32Load, 2, 0).End());
  const uint32_t bump = m.AddFunction(
      to_i32, {},
      Encoder()
          .GlobalGet(counter).I32Const(1).Op(Opcode::kI32Add).GlobalSet(counter)
          .GlobalGet(counter)
          .End());
  m.SetStart(start);
  m.AddExport("memory", ExternKind::kMemory, memory);
  m.AddExport("counter", ExternKind::kGlobal, counter);
  m.AddExport("sum", ExternKind::kFunc, sum);
  m.AddExport("grow", ExternKind::kFunc, grow);
  m.AddExport("out_of_bounds", ExternKind::kFunc, out_of_bounds);
  m.AddExport("bump", ExternKind::kFunc, bump);
  m.AddExport("grow_again", ExternKind::kFunc, grow);
  return m.Build();
}

// A table with elements and every outcome of call_indirect.
std::vector<uint8_t> TableModule() {
  ModuleBuilder m;
  const uint32_t to_i32 = m.AddType({}, {ValType::kI32});
  const uint32_t i32_to_i32 = m.AddType({ValType::kI32}, {ValType::kI32});
  const uint32_t table = m.AddTable(ValType::kFuncRef, 4);
  const uint32_t one = m.AddFunction(to_i32, {}, Encoder().I32Const(1).End());
  const uint32_t two = m.AddFunction(to_i32, {}, Encoder().I32Const(2).End());
  const uint32_t identity = m.AddFunction(i32_to_i32, {}, Encoder().LocalGet(0).End());
  m.AddActiveElements(0, {one, two, identity});
  auto call_slot = [&](int32_t slot) {
    return m.AddFunction(
        to_i32, {}, Encoder().I32Const(slot).Op(Opcode::kCallIndirect).U32(to_i32).U32(0).End());
  };
  m.AddExport("table", ExternKind::kTable, table);
  m.AddExport("call0", ExternKind::kFunc, call_slot(0));
  m.AddExport("call1", ExternKind::kFunc, call_slot(1));
  m.AddExport("mismatch", ExternKind::kFunc, call_slot(2));
  m.AddExport("null", ExternKind::kFunc, call_slot(3));
  m.AddExport("past_end", ExternKind::kFunc, call_slot(10));
  m.AddExport("identity", ExternKind::kFunc, identity);
  return m.Build();
}

// Imports of every kind, and a recursion that exhausts the stack.
std::vector<uint8_t> ImportModule() {
  ModuleBuilder m;
  const uint32_t i32_to_i32 = m.AddType({ValType::kI32}, {ValType::kI32});
  const uint32_t to_i32 = m.AddType({}, {ValType::kI32});
  const uint32_t none = m.AddType({}, {});
  const uint32_t host = m.ImportFunction("env", "f", i32_to_i32);
  const uint32_t global = m.ImportGlobal("env", "g", ValType::kI32, false);
  m.ImportMemory("env", "memory", 1);
  m.ImportTable("env", "table", ValType::kFuncRef, 1);
  const uint32_t call_host = m.AddFunction(
      to_i32, {},
      Encoder().I32Const(5).Call(host).GlobalGet(global).Op(Opcode::kI32Add).End());
  const uint32_t load =
      m.AddFunction(to_i32, {}, Encoder().I32Const(8).Mem(Opcode::kI32Load, 2, 0).End());
  const uint32_t deep = m.AddFunction(none, {}, Encoder().Call(m.num_functions()).End());
  m.AddExport("call_host", ExternKind::kFunc, call_host);
  m.AddExport("load", ExternKind::kFunc, load);
  m.AddExport("deep", ExternKind::kFunc, deep);
  m.AddExport("host", ExternKind::kFunc, host);
  return m.Build();
}

}  // namespace

std::vector<ReferenceModule> ReferenceModules() {
  return {
      {"arithmetic", ArithmeticModule()},
      {"memory", MemoryModule()},
      {"table", TableModule()},
      {"imports", ImportModule()},
  };
}

}  // namespace kiln::fuzz
