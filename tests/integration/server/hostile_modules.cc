#include "hostile_modules.h"

#include <string>

#include "kiln/wasm/opcode.h"
#include "kiln/wasm/types.h"
#include "module_builder.h"
#include "server_test_util.h"

namespace kiln::server_test::hostile {
namespace {

using wasm::ExternKind;
using wasm::FuncType;
using wasm::Opcode;
using wasm::ValType;
using wasm::test::Encoder;
using wasm::test::LocalDecl;
using wasm::test::ModuleBuilder;
using wasm::test::NumberedFuncType;

}  // namespace

Bytes FunctionOfBodySize(uint32_t body_bytes) {
  // Body: 0 local groups (1 byte), nops, i32.const 7 (2 bytes), end (1).
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {ValType::kI32});
  Encoder body;
  body.U32(0);
  for (uint32_t i = 4; i < body_bytes; ++i) body.Op(Opcode::kNop);
  body.I32Const(7).End();
  m.AddExport("f", ExternKind::kFunc, m.AddFunctionBody(type, body));
  return m.Build();
}

Bytes DenseFunctionOfBodySize(uint32_t body_bytes) {
  constexpr uint32_t kTargets = 65'520;
  // i32.const 0, br_table, the count (3 bytes), the labels and the default.
  constexpr uint32_t kTableBytes = 2 + 1 + 3 + (kTargets + 1) * 5;
  const Encoder padded_zero({0x80, 0x80, 0x80, 0x80, 0x00});
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {ValType::kI32});
  Encoder body;
  body.U32(0).Block();  // 3 bytes; the end of the block and body: 4 more
  while (body.size() + kTableBytes + 4 <= body_bytes) {
    body.I32Const(0).Op(Opcode::kBrTable).U32(kTargets);
    for (uint32_t j = 0; j <= kTargets; ++j) body.Raw(padded_zero);
  }
  while (body.size() + 4 < body_bytes) body.Op(Opcode::kNop);
  body.End().I32Const(7).End();
  m.AddExport("f", ExternKind::kFunc, m.AddFunctionBody(type, body));
  return m.Build();
}

Bytes NestedBlocks(uint32_t depth) {
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {ValType::kI32});
  Encoder code;
  for (uint32_t i = 0; i < depth; ++i) code.Block(ValType::kI32);
  code.I32Const(1);
  for (uint32_t i = 0; i < depth; ++i) code.End();
  code.End();
  m.AddExport("f", ExternKind::kFunc, m.AddFunction(type, {}, code));
  return m.Build();
}

Bytes ManyTables(uint32_t count, uint32_t min) {
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {ValType::kI32});
  uint32_t last = 0;
  for (uint32_t i = 0; i < count; ++i) last = m.AddTable(ValType::kFuncRef, min);
  m.AddExport("f", ExternKind::kFunc,
              m.AddFunction(type, {}, Encoder().Op(Opcode::kTableSize).U32(last).End()));
  return m.Build();
}

Bytes ManyTypes(uint32_t count) {
  ModuleBuilder m;
  for (uint32_t i = 0; i + 1 < count; ++i) {
    const FuncType type = NumberedFuncType(i);
    m.AddType(type.params, type.results);
  }
  const uint32_t type = m.AddType({}, {ValType::kI32});
  m.AddExport("f", ExternKind::kFunc,
              m.AddFunction(type, {}, Encoder().I32Const(static_cast<int32_t>(count)).End()));
  return m.Build();
}

Bytes ManyFunctions(uint32_t count) {
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {ValType::kI32});
  uint32_t last = 0;
  for (uint32_t i = 0; i < count; ++i) {
    last = m.AddFunction(type, {}, Encoder().I32Const(static_cast<int32_t>(i)).End());
  }
  m.AddExport("f", ExternKind::kFunc, last);
  return m.Build();
}

Bytes ActiveData(uint32_t pages, uint32_t offset, uint32_t segment_bytes) {
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {ValType::kI32});
  m.AddMemory(pages);
  m.AddActiveData(static_cast<int32_t>(offset), std::string(segment_bytes, '\x5a'));
  m.AddExport("f", ExternKind::kFunc,
              m.AddFunction(type, {}, Encoder().I32Const(0).Mem(Opcode::kI32Load8U, 0, 0).End()));
  return m.Build();
}

Bytes PassiveData(uint32_t pages, uint32_t segment_bytes) {
  ModuleBuilder m;
  const uint32_t type = m.AddType({ValType::kI32, ValType::kI32}, {ValType::kI32});
  m.AddMemory(pages);
  std::string data(segment_bytes, '\0');
  for (uint32_t i = 0; i < segment_bytes; ++i) data[i] = static_cast<char>(i % 251);
  m.AddPassiveData(data);
  m.SetDataCount(1);
  // memory.init 0 0 (dest 0, source offset, length); data.drop 0;
  // i32.load8_u (length - 1)
  const Encoder code = Encoder()
                           .I32Const(0)
                           .LocalGet(0)
                           .LocalGet(1)
                           .Op(Opcode::kMemoryInit)
                           .U32(0)
                           .Byte(0)
                           .Op(Opcode::kDataDrop)
                           .U32(0)
                           .LocalGet(1)
                           .I32Const(1)
                           .Op(Opcode::kI32Sub)
                           .Mem(Opcode::kI32Load8U, 0, 0)
                           .End();
  m.AddExport("f", ExternKind::kFunc, m.AddFunction(type, {}, code));
  return m.Build();
}

Bytes BrTable(uint32_t targets) {
  constexpr uint32_t kBlocks = 16;
  ModuleBuilder m;
  const uint32_t type = m.AddType({ValType::kI32}, {ValType::kI32});
  Encoder code;
  for (uint32_t i = 0; i < kBlocks; ++i) code.Block();
  code.LocalGet(0).Op(Opcode::kBrTable).U32(targets);
  for (uint32_t j = 0; j < targets; ++j) code.U32(j % (kBlocks - 1));
  code.U32(kBlocks - 1);
  // Leaving block k (label k from the br_table) lands after its `end`.
  for (uint32_t k = 0; k < kBlocks; ++k) {
    code.End();
    code.I32Const(k == kBlocks - 1 ? -1 : static_cast<int32_t>(k)).Op(Opcode::kReturn);
  }
  code.End();
  m.AddExport("f", ExternKind::kFunc, m.AddFunction(type, {}, code));
  return m.Build();
}

Bytes ManyLocals(uint32_t locals) {
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {ValType::kI32});
  m.AddExport("f", ExternKind::kFunc,
              m.AddFunction(type, {{locals, ValType::kI32}}, Encoder().I32Const(1).End()));
  return m.Build();
}

Bytes LocalsUsed(uint32_t locals) {
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {ValType::kI64});
  Encoder code;
  for (uint32_t j = 0; j < locals; ++j) code.I64Const(j).LocalSet(j);
  code.I64Const(0);
  for (uint32_t j = 0; j < locals; ++j) code.LocalGet(j).Op(Opcode::kI64Add);
  code.End();
  m.AddExport("f", ExternKind::kFunc, m.AddFunction(type, {{locals, ValType::kI64}}, code));
  return m.Build();
}

Bytes MemoryOfMinPages(uint32_t pages) {
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {ValType::kI32});
  m.AddMemory(pages);
  m.AddExport("f", ExternKind::kFunc,
              m.AddFunction(type, {}, Encoder().Op(Opcode::kMemorySize).Byte(0).End()));
  return m.Build();
}

Bytes ManyGlobals(uint32_t count) {
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {ValType::kI32});
  uint32_t last = 0;
  for (uint32_t i = 0; i < count; ++i) {
    last = m.AddGlobal(ValType::kI32, true, Encoder().I32Const(static_cast<int32_t>(i)).End());
  }
  m.AddExport("f", ExternKind::kFunc, m.AddFunction(type, {}, Encoder().GlobalGet(last).End()));
  return m.Build();
}

Bytes ElementSegment(uint32_t table_min, uint32_t items) {
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {ValType::kI32});
  m.AddTable(ValType::kFuncRef, table_min);
  const uint32_t f = m.AddFunction(type, {}, Encoder().I32Const(5).End());
  // call_indirect (type) (table 0) of element items - 1.
  const uint32_t g = m.AddFunction(type, {},
                                   Encoder()
                                       .I32Const(static_cast<int32_t>(items - 1))
                                       .Op(Opcode::kCallIndirect)
                                       .U32(type)
                                       .U32(0)
                                       .End());
  m.AddActiveElements(0, std::vector<uint32_t>(items, f));
  m.AddExport("f", ExternKind::kFunc, f);
  m.AddExport("g", ExternKind::kFunc, g);
  return m.Build();
}

Bytes RunTimeHostile() {
  ModuleBuilder m;
  const uint32_t void_type = m.AddType({}, {});
  const uint32_t i32_type = m.AddType({}, {ValType::kI32});
  const uint32_t step_type = m.AddType({ValType::kI32}, {ValType::kI32});
  m.AddMemory(1);
  const uint32_t recurse_index = m.num_functions();
  const uint32_t recurse = m.AddFunction(
      step_type, {},
      Encoder().LocalGet(0).I32Const(1).Op(Opcode::kI32Add).Call(recurse_index).End());
  const uint32_t spin = m.AddFunction(void_type, {}, Encoder().Loop().Br(0).End().End());
  const uint32_t grow = m.AddFunction(i32_type, {}, GrowMemoryUntilRefused());
  const uint32_t grow_max =
      m.AddFunction(i32_type, {}, Encoder().I32Const(65536).Op(Opcode::kMemoryGrow).Byte(0).End());
  m.AddExport("recurse", ExternKind::kFunc, recurse);
  m.AddExport("spin", ExternKind::kFunc, spin);
  m.AddExport("grow", ExternKind::kFunc, grow);
  m.AddExport("grow_max", ExternKind::kFunc, grow_max);
  return m.Build();
}

}  // namespace kiln::server_test::hostile
