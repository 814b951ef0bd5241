#include "sample_modules.h"

#include <cstdint>
#include <string>

namespace kiln::wasm::test {

using enum ValType;

Bytes KitchenSinkModule() {
  ModuleBuilder b;
  const uint32_t t_void = b.AddType({}, {});
  const uint32_t t_i32_i32 = b.AddType({kI32}, {kI32});
  const uint32_t t_mixed = b.AddType({kI32, kI64, kF32, kF64}, {kF64});

  const uint32_t f_log = b.ImportFunction("env", "log", t_i32_i32);
  const uint32_t g_base = b.ImportGlobal("env", "base", kI32, /*is_mutable=*/false);
  b.ImportTable("env", "table", kFuncRef, 8, 16);
  b.ImportMemory("env", "memory", 1, 2);

  // Bodies below keep one line per group of instructions that does one
  // thing, which clang-format would undo.
  // clang-format off

  // The start function: [] -> [].
  const uint32_t f_start = b.AddFunction(t_void, {}, Encoder().Op(Opcode::kNop).End());

  const uint32_t f_call = b.AddFunction(
      t_i32_i32, {},
      Encoder().LocalGet(0).I32Const(1).Op(Opcode::kI32Add).Call(f_log).End());

  // Params i32 i64 f32 f64 are locals 0..3; the declared ones are 4..6.
  const uint32_t f_arith = b.AddFunction(
      t_mixed, {{2, kI32}, {1, kI64}},
      Encoder()
          .Block(kF64).LocalGet(3).F64Const(1.5).Op(Opcode::kF64Add).End()
          .LocalGet(2).Op(Opcode::kF64PromoteF32).Op(Opcode::kF64Mul)
          .LocalGet(0).LocalGet(4).Op(Opcode::kI32Add).LocalTee(5).Op(Opcode::kDrop)
          .LocalGet(1).LocalGet(6).Op(Opcode::kI64Add).LocalSet(6)
          .End());

  const uint32_t g_counter = b.AddGlobal(kI32, /*is_mutable=*/true, Encoder().I32Const(42).End());
  b.AddGlobal(kI64, false, Encoder().I64Const(-1).End());
  b.AddGlobal(kFuncRef, false, Encoder().Op(Opcode::kRefFunc).U32(f_start).End());
  b.AddGlobal(kI32, false, Encoder().GlobalGet(g_base).End());
  b.AddGlobal(kF32, false, Encoder().F32Const(0.25f).End());
  b.AddGlobal(kF64, false, Encoder().F64Const(-2.0).End());
  b.AddGlobal(kExternRef, true, Encoder().Op(Opcode::kRefNull).Type(kExternRef).End());

  // Memory and a counted loop on a mutable global.
  const uint32_t f_memory = b.AddFunction(
      t_void, {},
      Encoder()
          .I32Const(0).Mem(Opcode::kI32Load, 2, 4).Op(Opcode::kDrop)
          .I32Const(8).I64Const(7).Mem(Opcode::kI64Store, 3, 0)
          .I32Const(0).F32Const(1.0f).Mem(Opcode::kF32Store, 1, 16)
          .I32Const(1).Op(Opcode::kMemoryGrow).Byte(0).Op(Opcode::kDrop)
          .Loop()
          .GlobalGet(g_counter).I32Const(1).Op(Opcode::kI32Sub).GlobalSet(g_counter)
          .GlobalGet(g_counter).BrIf(0)
          .End()
          .End());

  // References and an indirect call through the imported table.
  const uint32_t f_refs = b.AddFunction(
      t_i32_i32, {},
      Encoder()
          .Op(Opcode::kRefFunc).U32(f_call).Op(Opcode::kRefIsNull).Op(Opcode::kDrop)
          .LocalGet(0).I32Const(0).Op(Opcode::kCallIndirect).U32(t_i32_i32).U32(0)
          .End());

  // Bulk memory: needs the data count section.
  b.AddFunction(t_void, {},
                Encoder()
                    .I32Const(0).I32Const(0).I32Const(5)
                    .Op(Opcode::kMemoryInit).U32(1).Byte(0)
                    .Op(Opcode::kDataDrop).U32(1)
                    .I32Const(0).I32Const(1).I32Const(2).Op(Opcode::kMemoryFill).Byte(0)
                    .End());

  // SIMD: a constant, a lane, a shuffle.
  Encoder simd;
  simd.Op(Opcode::kV128Const);
  for (int i = 0; i < 16; ++i) simd.Byte(static_cast<uint8_t>(i));
  simd.Op(Opcode::kI32x4ExtractLane).Byte(3).Op(Opcode::kDrop);
  simd.I32Const(7).Op(Opcode::kI32x4Splat).I32Const(9).Op(Opcode::kI32x4Splat);
  simd.Op(Opcode::kI8x16Shuffle);
  for (int i = 0; i < 16; ++i) simd.Byte(static_cast<uint8_t>(31 - i));
  simd.Op(Opcode::kV128AnyTrue).Op(Opcode::kDrop).End();
  b.AddFunction(t_void, {}, simd);

  // br_table, if/else and select.
  b.AddFunction(t_i32_i32, {{1, kI32}},
                Encoder()
                    .Block().Block()
                    .LocalGet(0).Op(Opcode::kBrTable).U32(2).U32(0).U32(1).U32(0)
                    .End().End()
                    .LocalGet(0).If(kI32).I32Const(1).Op(Opcode::kElse).I32Const(2).End()
                    .LocalSet(1)
                    .LocalGet(1).I32Const(3).LocalGet(0).Op(Opcode::kSelect)
                    .End());

  // clang-format on

  b.AddExport("call", ExternKind::kFunc, f_call);
  b.AddExport("arith", ExternKind::kFunc, f_arith);
  b.AddExport("counter", ExternKind::kGlobal, g_counter);
  b.AddExport("memory", ExternKind::kMemory, 0);
  b.AddExport("table", ExternKind::kTable, 0);
  b.SetStart(f_start);

  b.AddActiveElements(0, {f_call, f_refs});
  b.AddDeclarativeElements({f_memory});
  // Flags 5: passive, with element expressions of type funcref.
  b.AddElementSegment(Encoder()
                          .U32(5)
                          .Type(kFuncRef)
                          .U32(2)
                          .Op(Opcode::kRefFunc)
                          .U32(f_arith)
                          .End()
                          .Op(Opcode::kRefNull)
                          .Type(kFuncRef)
                          .End());

  b.SetDataCount(2);
  b.AddActiveData(16, "hello");
  b.AddPassiveData("world");

  b.AddCustomSection("name", Encoder()
                                 .Byte(0)
                                 .U32(5)
                                 .Name("sink")  // module name
                                 .Byte(1)
                                 .U32(16)
                                 .U32(2)  // function names
                                 .U32(f_log)
                                 .Name("log")
                                 .U32(f_call)
                                 .Name("call_log"));
  b.AddCustomSection("producers", Encoder().Raw({0x00}));
  return b.Build();
}

namespace {

// Many small functions that call their neighbours, with a table of them.
Bytes ManyFunctionsModule() {
  ModuleBuilder b;
  const uint32_t t = b.AddType({kI32, kI32}, {kI32});
  constexpr uint32_t kCount = 40;
  for (uint32_t i = 0; i < kCount; ++i) {
    Encoder code;
    code.LocalGet(0).LocalGet(1).Op(i % 2 ? Opcode::kI32Mul : Opcode::kI32Xor);
    if (i > 0) code.LocalGet(1).Call(i - 1);
    code.End();
    b.AddFunction(t, {}, code);
    std::string name = "f";
    name += std::to_string(i);  // (not "f" + ...: GCC 12 warns falsely on that, -Wrestrict)
    b.AddExport(name, ExternKind::kFunc, i);
  }
  b.AddTable(kFuncRef, kCount, kCount);
  b.AddActiveElements(0, {0, 5, 10, 15, 20, 25, 30, 35});
  return b.Build();
}

// A memory with data and nothing else.
Bytes DataOnlyModule() {
  ModuleBuilder b;
  b.AddMemory(1);
  b.AddActiveData(0, "abc");
  b.AddActiveData(1024, std::string(300, 'x'));  // a size that needs two LEB128 bytes
  b.AddPassiveData("");
  return b.Build();
}

}  // namespace

std::vector<SampleModule> SampleModules() {
  return {
      {"empty", ModuleBytes()},
      {"kitchen_sink", KitchenSinkModule()},
      {"many_functions", ManyFunctionsModule()},
      {"data_only", DataOnlyModule()},
  };
}

}  // namespace kiln::wasm::test
