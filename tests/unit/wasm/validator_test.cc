// The validation rules, on hand-assembled modules. Each invalid module breaks
// exactly one rule and is expected to fail with the spec suite's phrase;
// where the phrase names an index ("unknown function 7") the index is
// checked too. Errors inside a function must say which function.
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kiln/wasm/validator.h"
#include "module_builder.h"
#include "sample_modules.h"
#include "test_util.h"

namespace kiln::wasm::test {
namespace {

using enum ValType;

struct Case {
  std::string what;
  Bytes module;
  std::string phrase;  // empty: the module is valid
};

// Validates every case serially and in parallel.
void CheckCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    DumpForCrossCheck((c.phrase.empty() ? "valid--" : "invalid--") + c.what, c.module);
    for (bool parallel : {false, true}) {
      SCOPED_TRACE(parallel ? "parallel" : "serial");
      const absl::Status status = ValidateStatus(c.module, parallel);
      if (c.phrase.empty()) {
        EXPECT_TRUE(status.ok()) << status;
      } else {
        EXPECT_TRUE(IsWasmError(status, c.phrase));
      }
    }
  }
}

// A module whose last function has type [params] -> [results], the given
// locals and code. `setup` adds what the function needs (memories, globals,
// imports...) first.
Bytes Func(std::vector<ValType> params, std::vector<ValType> results, std::vector<LocalDecl> locals,
           const Encoder& code, const std::function<void(ModuleBuilder&)>& setup = {}) {
  ModuleBuilder b;
  if (setup) setup(b);
  b.AddFunction(b.AddType(std::move(params), std::move(results)), std::move(locals), code);
  return b.Build();
}
Bytes Func(const Encoder& code, const std::function<void(ModuleBuilder&)>& setup = {}) {
  return Func({}, {}, {}, code, setup);
}

void WithMemory(ModuleBuilder& b) { b.AddMemory(1); }

Encoder V128Zero() {
  Encoder e;
  e.Op(Opcode::kV128Const);
  for (int i = 0; i < 16; ++i) e.Byte(0);
  return e;
}

TEST(ValidatorTest, SampleModulesAreValid) {
  for (const SampleModule& sample : SampleModules()) {
    SCOPED_TRACE(sample.name);
    DumpForCrossCheck("valid--sample-" + sample.name, sample.bytes);
    for (bool parallel : {false, true}) {
      ValidateOptions options;
      options.parallel = parallel;
      EXPECT_TRUE(DecodeAndValidate(sample.bytes, options).ok())
          << DecodeAndValidate(sample.bytes, options).status();
    }
  }
}

TEST(ValidatorTest, ValidEdgeCases) {
  CheckCases({
      {"unreachable makes the stack polymorphic",
       Func({}, {kI32}, {}, Encoder().Op(Opcode::kUnreachable).Op(Opcode::kI32Add).End()), ""},
      {"br makes the rest unreachable",
       Func({}, {kI64}, {}, Encoder().I64Const(1).Br(0).Op(Opcode::kI64Add).End()), ""},
      {"multi-value block with parameters",
       Func({}, {kI32}, {},
            Encoder()
                .I32Const(1)
                .I32Const(2)
                .Op(Opcode::kBlock)
                .S32(1)
                .Op(Opcode::kI32Add)
                .End()
                .End(),
            [](ModuleBuilder& b) {
              b.AddType({}, {});
              b.AddType({kI32, kI32}, {kI32});
            }),
       ""},
      {"loop with a parameter branches to its start",
       Func({kI32}, {kI32}, {},
            Encoder()
                .LocalGet(0)
                .Op(Opcode::kLoop)
                .S32(0)
                .I32Const(1)
                .Op(Opcode::kI32Sub)
                .LocalTee(0)
                .LocalGet(0)
                .BrIf(0)
                .End()
                .End(),
            [](ModuleBuilder& b) { b.AddType({kI32}, {kI32}); }),
       ""},
      {"last local of params and locals",
       Func({kI32, kF64}, {}, {{3, kI64}}, Encoder().LocalGet(4).Op(Opcode::kDrop).End()), ""},
      {"natural alignment",
       Func(Encoder().I32Const(0).Mem(Opcode::kI64Load, 3, 0).Op(Opcode::kDrop).End(), WithMemory),
       ""},
      {"smaller alignment",
       Func(Encoder().I32Const(0).Mem(Opcode::kI64Load, 0, 0).Op(Opcode::kDrop).End(), WithMemory),
       ""},
      {"largest lane index",
       Func(V128Zero().Op(Opcode::kI8x16ExtractLaneU).Byte(15).Op(Opcode::kDrop).End()), ""},
      {"memory of 65536 pages",
       Func(Encoder().End(), [](ModuleBuilder& b) { b.AddMemory(65536, 65536); }), ""},
      {"ref.func of an exported function",
       Func({}, {kFuncRef}, {}, Encoder().Op(Opcode::kRefFunc).U32(0).End(),
            [](ModuleBuilder& b) { b.AddExport("f", ExternKind::kFunc, 0); }),
       ""},
      {"ref.func declared by a declarative segment",
       Func({}, {kFuncRef}, {}, Encoder().Op(Opcode::kRefFunc).U32(0).End(),
            [](ModuleBuilder& b) { b.AddDeclarativeElements({0}); }),
       ""},
      {"global.get of an imported immutable global in a constant",
       Func(Encoder().End(),
            [](ModuleBuilder& b) {
              b.ImportGlobal("m", "g", kI32, false);
              b.AddGlobal(kI32, false, Encoder().GlobalGet(0).End());
            }),
       ""},
      {"set a mutable global",
       Func(Encoder().I32Const(1).GlobalSet(0).End(),
            [](ModuleBuilder& b) { b.AddGlobal(kI32, true, Encoder().I32Const(0).End()); }),
       ""},
  });
}

TEST(ValidatorTest, TypeMismatch) {
  CheckCases({
      {"wrong result", Func({}, {kI32}, {}, Encoder().I64Const(0).End()), "type mismatch"},
      {"missing result", Func({}, {kI32}, {}, Encoder().End()), "type mismatch"},
      {"value left over", Func(Encoder().I32Const(0).End()), "type mismatch"},
      {"operand of the wrong type",
       Func(Encoder().I32Const(0).I64Const(0).Op(Opcode::kI32Add).Op(Opcode::kDrop).End()),
       "type mismatch"},
      {"operand missing", Func(Encoder().I32Const(0).Op(Opcode::kI32Add).Op(Opcode::kDrop).End()),
       "type mismatch"},
      {"operand from outside the block",
       Func(Encoder().I32Const(0).Block().Op(Opcode::kDrop).End().Op(Opcode::kDrop).End()),
       "type mismatch"},
      {"if with a result but no else",
       Func({}, {kI32}, {}, Encoder().I32Const(1).If(kI32).I32Const(1).End().End()),
       "type mismatch"},
      {"if condition of the wrong type", Func(Encoder().I64Const(1).If().End().End()),
       "type mismatch"},
      {"local.set of the wrong type", Func({kI32}, {}, {}, Encoder().F32Const(1).LocalSet(0).End()),
       "type mismatch"},
      {"global.set of the wrong type",
       Func(Encoder().I64Const(1).GlobalSet(0).End(),
            [](ModuleBuilder& b) { b.AddGlobal(kI32, true, Encoder().I32Const(0).End()); }),
       "type mismatch"},
      {"call argument of the wrong type",
       Func(Encoder().F64Const(1).Call(0).End(),
            [](ModuleBuilder& b) { b.ImportFunction("m", "f", b.AddType({kI32}, {})); }),
       "type mismatch"},
      {"br_if value of the wrong type",
       Func({}, {kI32}, {},
            Encoder()
                .Block(kI32)
                .I64Const(0)
                .I32Const(1)
                .BrIf(0)
                .Op(Opcode::kDrop)
                .I32Const(0)
                .End()
                .End()),
       "type mismatch"},
      {"select operands differ",
       Func(Encoder()
                .I32Const(0)
                .I64Const(0)
                .I32Const(1)
                .Op(Opcode::kSelect)
                .Op(Opcode::kDrop)
                .End()),
       "type mismatch"},
      {"return of the wrong type",
       Func({}, {kF32}, {}, Encoder().F64Const(0).Op(Opcode::kReturn).End()), "type mismatch"},
      {"load address of the wrong type",
       Func(Encoder().I64Const(0).Mem(Opcode::kI32Load, 2, 0).Op(Opcode::kDrop).End(), WithMemory),
       "type mismatch"},
  });
}

TEST(ValidatorTest, UnknownIndicesNameTheIndex) {
  CheckCases({
      {"local", Func({kI32}, {}, {{2, kI64}}, Encoder().LocalGet(7).Op(Opcode::kDrop).End()),
       "unknown local 7"},
      {"local just past the last",
       Func({kI32}, {}, {{2, kI64}}, Encoder().I64Const(0).LocalSet(3).End()), "unknown local 3"},
      {"global",
       Func(Encoder().GlobalGet(3).Op(Opcode::kDrop).End(),
            [](ModuleBuilder& b) { b.AddGlobal(kI32, false, Encoder().I32Const(0).End()); }),
       "unknown global 3"},
      {"function", Func(Encoder().Call(7).End()), "unknown function 7"},
      {"table of call_indirect",
       Func(Encoder().I32Const(0).Op(Opcode::kCallIndirect).U32(0).U32(1).End(),
            [](ModuleBuilder& b) {
              b.AddType({}, {});
              b.AddTable(kFuncRef, 1);
            }),
       "unknown table 1"},
      {"table of table.get",
       Func(Encoder().I32Const(0).Op(Opcode::kTableGet).U32(2).Op(Opcode::kDrop).End()),
       "unknown table 2"},
      {"memory of a load",
       Func(Encoder().I32Const(0).Mem(Opcode::kI32Load, 2, 0).Op(Opcode::kDrop).End()),
       "unknown memory 0"},
      {"memory of memory.size",
       Func(Encoder().Op(Opcode::kMemorySize).Byte(0).Op(Opcode::kDrop).End()), "unknown memory 0"},
      {"type of call_indirect",
       Func(Encoder().I32Const(0).Op(Opcode::kCallIndirect).U32(9).U32(0).End(),
            [](ModuleBuilder& b) { b.AddTable(kFuncRef, 1); }),
       "unknown type 9"},
      {"type of a block", Func(Encoder().Op(Opcode::kBlock).S32(5).End().End()), "unknown type 5"},
      {"type of a function",
       [] {
         ModuleBuilder b;
         b.AddType({}, {});
         b.AddFunction(4, {}, Encoder().End());
         return b.Build();
       }(),
       "unknown type 4"},
      {"type of an imported function",
       [] {
         ModuleBuilder b;
         b.ImportFunction("m", "f", 3);
         return b.Build();
       }(),
       "unknown type 3"},
      {"label", Func(Encoder().Block().Br(2).End().End()), "unknown label"},
      {"exported function",
       Func(Encoder().End(), [](ModuleBuilder& b) { b.AddExport("f", ExternKind::kFunc, 5); }),
       "unknown function 5"},
      {"exported global",
       Func(Encoder().End(), [](ModuleBuilder& b) { b.AddExport("g", ExternKind::kGlobal, 2); }),
       "unknown global 2"},
      {"exported memory",
       Func(Encoder().End(), [](ModuleBuilder& b) { b.AddExport("m", ExternKind::kMemory, 0); }),
       "unknown memory 0"},
      {"exported table",
       Func(Encoder().End(), [](ModuleBuilder& b) { b.AddExport("t", ExternKind::kTable, 1); }),
       "unknown table 1"},
      {"start function", Func(Encoder().End(), [](ModuleBuilder& b) { b.SetStart(4); }),
       "unknown function 4"},
      {"function in an element segment",
       Func(Encoder().End(),
            [](ModuleBuilder& b) {
              b.AddTable(kFuncRef, 1);
              b.AddActiveElements(0, {9});
            }),
       "unknown function 9"},
      {"table of an element segment",
       Func(Encoder().End(), [](ModuleBuilder& b) { b.AddActiveElements(0, {0}); }),
       "unknown table 0"},
      {"memory of a data segment",
       Func(Encoder().End(), [](ModuleBuilder& b) { b.AddActiveData(0, "x"); }),
       "unknown memory 0"},
      {"data segment of memory.init",
       Func(Encoder()
                .I32Const(0)
                .I32Const(0)
                .I32Const(0)
                .Op(Opcode::kMemoryInit)
                .U32(3)
                .Byte(0)
                .End(),
            [](ModuleBuilder& b) {
              b.AddMemory(1);
              b.SetDataCount(1);
              b.AddPassiveData("x");
            }),
       "unknown data segment 3"},
      {"element segment of elem.drop", Func(Encoder().Op(Opcode::kElemDrop).U32(4).End()),
       "unknown elem segment 4"},
      {"global in a constant expression",
       Func(Encoder().End(),
            [](ModuleBuilder& b) {
              b.ImportGlobal("m", "g", kI32, false);
              b.AddGlobal(kI32, false, Encoder().GlobalGet(5).End());
            }),
       "unknown global 5"},
      {"defined global in a constant expression (only imports are visible)",
       Func(Encoder().End(),
            [](ModuleBuilder& b) {
              b.AddGlobal(kI32, false, Encoder().I32Const(0).End());
              b.AddGlobal(kI32, false, Encoder().GlobalGet(0).End());
            }),
       "unknown global 0"},
  });
}

TEST(ValidatorTest, AlignmentMustNotExceedNatural) {
  const std::string phrase = "alignment must not be larger than natural";
  CheckCases({
      {"i32.load align 8",
       Func(Encoder().I32Const(0).Mem(Opcode::kI32Load, 3, 0).Op(Opcode::kDrop).End(), WithMemory),
       phrase},
      {"i64.load8_s align 2",
       Func(Encoder().I32Const(0).Mem(Opcode::kI64Load8S, 1, 0).Op(Opcode::kDrop).End(),
            WithMemory),
       phrase},
      {"i32.store16 align 4",
       Func(Encoder().I32Const(0).I32Const(0).Mem(Opcode::kI32Store16, 2, 0).End(), WithMemory),
       phrase},
      {"f64.store align 16",
       Func(Encoder().I32Const(0).F64Const(0).Mem(Opcode::kF64Store, 4, 0).End(), WithMemory),
       phrase},
      {"v128.load align 32",
       Func(Encoder().I32Const(0).Mem(Opcode::kV128Load, 5, 0).Op(Opcode::kDrop).End(), WithMemory),
       phrase},
      {"v128.load32_splat align 8",
       Func(Encoder().I32Const(0).Mem(Opcode::kV128Load32Splat, 3, 0).Op(Opcode::kDrop).End(),
            WithMemory),
       phrase},
      {"alignment exponent 63 (the largest the memop flags hold)",
       Func(Encoder().I32Const(0).Mem(Opcode::kI32Load, 63, 0).Op(Opcode::kDrop).End(),
            WithMemory),
       phrase},
      // 3.0: flags of 128 and up are no memarg at all.
      {"memop flags of 2^32-1",
       Func(Encoder().I32Const(0).Mem(Opcode::kI32Load, 0xFFFFFFFF, 0).Op(Opcode::kDrop).End(),
            WithMemory),
       "malformed memop flags"},
  });
}

TEST(ValidatorTest, InvalidLaneIndex) {
  const std::string phrase = "invalid lane index";
  CheckCases({
      {"i32x4.extract_lane 4",
       Func(V128Zero().Op(Opcode::kI32x4ExtractLane).Byte(4).Op(Opcode::kDrop).End()), phrase},
      {"i8x16.replace_lane 16",
       Func(V128Zero().I32Const(0).Op(Opcode::kI8x16ReplaceLane).Byte(16).Op(Opcode::kDrop).End()),
       phrase},
      {"f64x2.extract_lane 2",
       Func(V128Zero().Op(Opcode::kF64x2ExtractLane).Byte(2).Op(Opcode::kDrop).End()), phrase},
      {"i16x8.extract_lane_s 255",
       Func(V128Zero().Op(Opcode::kI16x8ExtractLaneS).Byte(255).Op(Opcode::kDrop).End()), phrase},
      {"i8x16.shuffle lane 32",
       [] {
         Encoder code = V128Zero();
         code.Raw(V128Zero()).Op(Opcode::kI8x16Shuffle);
         for (int i = 0; i < 15; ++i) code.Byte(0);
         code.Byte(32).Op(Opcode::kDrop).End();
         return Func(code);
       }(),
       phrase},
      {"v128.load32_lane 4",
       Func(Encoder()
                .I32Const(0)
                .Raw(V128Zero())
                .Mem(Opcode::kV128Load32Lane, 2, 0)
                .Byte(4)
                .Op(Opcode::kDrop)
                .End(),
            WithMemory),
       phrase},
  });
}

TEST(ValidatorTest, ConstantExpressionRequired) {
  const std::string phrase = "constant expression required";
  auto with_global_init = [](const Encoder& init) {
    return Func(Encoder().End(), [init](ModuleBuilder& b) { b.AddGlobal(kI32, false, init); });
  };
  CheckCases({
      {"arithmetic in a global",
       with_global_init(Encoder().I32Const(1).I32Const(2).Op(Opcode::kI32Add).End()), phrase},
      {"nop in a global", with_global_init(Encoder().Op(Opcode::kNop).I32Const(0).End()), phrase},
      {"mutable imported global in a constant",
       Func(Encoder().End(),
            [](ModuleBuilder& b) {
              b.ImportGlobal("m", "g", kI32, /*is_mutable=*/true);
              b.AddGlobal(kI32, false, Encoder().GlobalGet(0).End());
            }),
       phrase},
      {"call in a data offset",
       Func(Encoder().End(),
            [](ModuleBuilder& b) {
              b.AddMemory(1);
              b.AddDataSegment(Encoder().U32(0).Call(0).End().Name("x"));
            }),
       phrase},
      {"arithmetic in an element offset",
       Func(Encoder().End(),
            [](ModuleBuilder& b) {
              b.AddTable(kFuncRef, 1);
              b.AddElementSegment(
                  Encoder().U32(0).I32Const(0).I32Const(0).Op(Opcode::kI32Add).End().U32(0));
            }),
       phrase},
      {"local.get in an element expression",
       Func(Encoder().End(),
            [](ModuleBuilder& b) {
              b.AddElementSegment(Encoder().U32(5).Type(kFuncRef).U32(1).LocalGet(0).End());
            }),
       phrase},
      // The other rule of constant expressions: they must have the type.
      {"wrong type in a global", with_global_init(Encoder().I64Const(0).End()), "type mismatch"},
      {"empty global initializer", with_global_init(Encoder().End()), "type mismatch"},
  });
}

TEST(ValidatorTest, ModuleLevelRules) {
  CheckCases({
      {"duplicate export name",
       Func(Encoder().End(),
            [](ModuleBuilder& b) {
              b.AddMemory(1);
              b.AddExport("x", ExternKind::kFunc, 0);
              b.AddExport("x", ExternKind::kMemory, 0);
            }),
       "duplicate export name"},
      {"undeclared function reference",
       Func({}, {kFuncRef}, {}, Encoder().Op(Opcode::kRefFunc).U32(0).End()),
       "undeclared function reference"},
      {"two memories",
       Func(Encoder().End(),
            [](ModuleBuilder& b) {
              b.AddMemory(1);
              b.AddMemory(1);
            }),
       "multiple memories"},
      {"imported and defined memory",
       Func(Encoder().End(),
            [](ModuleBuilder& b) {
              b.ImportMemory("m", "mem", 1);
              b.AddMemory(1);
            }),
       "multiple memories"},
      {"memory minimum over 65536 pages",
       Func(Encoder().End(), [](ModuleBuilder& b) { b.AddMemory(65537); }),
       "memory size must be at most 65536 pages (4GiB)"},
      {"memory maximum over 65536 pages",
       Func(Encoder().End(), [](ModuleBuilder& b) { b.AddMemory(0, 0xFFFFFFFF); }),
       "memory size must be at most 65536 pages (4GiB)"},
      {"imported memory over 65536 pages",
       Func(Encoder().End(), [](ModuleBuilder& b) { b.ImportMemory("m", "mem", 0, 65537); }),
       "memory size must be at most 65536 pages (4GiB)"},
      {"memory minimum above maximum",
       Func(Encoder().End(), [](ModuleBuilder& b) { b.AddMemory(2, 1); }),
       "size minimum must not be greater than maximum"},
      {"table minimum above maximum",
       Func(Encoder().End(), [](ModuleBuilder& b) { b.AddTable(kFuncRef, 0xFFFFFFFF, 0); }),
       "size minimum must not be greater than maximum"},
      {"start function with a parameter",
       Func({kI32}, {}, {}, Encoder().End(), [](ModuleBuilder& b) { b.SetStart(0); }),
       "start function"},
      {"start function with a result",
       Func({}, {kI32}, {}, Encoder().I32Const(0).End(), [](ModuleBuilder& b) { b.SetStart(0); }),
       "start function"},
      {"set an immutable global",
       Func(Encoder().I32Const(1).GlobalSet(0).End(),
            [](ModuleBuilder& b) { b.AddGlobal(kI32, false, Encoder().I32Const(0).End()); }),
       "global is immutable"},
      {"set an immutable imported global",
       Func(Encoder().I32Const(1).GlobalSet(0).End(),
            [](ModuleBuilder& b) { b.ImportGlobal("m", "g", kI32, false); }),
       "global is immutable"},
      {"memory.init without a data count section",
       Func(Encoder()
                .I32Const(0)
                .I32Const(0)
                .I32Const(0)
                .Op(Opcode::kMemoryInit)
                .U32(0)
                .Byte(0)
                .End(),
            [](ModuleBuilder& b) {
              b.AddMemory(1);
              b.AddPassiveData("x");
            }),
       "unknown data segment 0: data count section required"},
      {"data.drop without a data count section",
       Func(Encoder().Op(Opcode::kDataDrop).U32(0).End(),
            [](ModuleBuilder& b) {
              b.AddMemory(1);
              b.AddPassiveData("x");
            }),
       "unknown data segment 0: data count section required"},
      {"typed select of no types",
       Func(Encoder()
                .I32Const(0)
                .I32Const(0)
                .I32Const(1)
                .Op(Opcode::kSelectT)
                .U32(0)
                .Op(Opcode::kDrop)
                .End()),
       "invalid result arity"},
      {"illegal opcode in a body", Func(Encoder().Byte(0xFF).End()), "illegal opcode"},
  });
}

// --- Where errors are reported ---

TEST(ValidatorTest, ErrorNamesTheFunctionInTheIndexSpace) {
  // Two imports shift the index space: the third defined function is 4.
  ModuleBuilder b;
  const uint32_t t = b.AddType({}, {});
  b.ImportFunction("m", "a", t);
  b.ImportFunction("m", "b", t);
  b.AddFunction(t, {}, Encoder().End());
  b.AddFunction(t, {}, Encoder().Call(0).End());
  const uint32_t bad = b.AddFunction(t, {}, Encoder().Call(77).End());
  ASSERT_EQ(bad, 4u);
  for (bool parallel : {false, true}) {
    const absl::Status status = ValidateStatus(b.Build(), parallel);
    EXPECT_TRUE(IsWasmError(status, "unknown function 77"));
    EXPECT_TRUE(IsInFunction(status, 4));
    if (GetErrorLocation(status).has_value()) {
      EXPECT_EQ(GetErrorLocation(status)->kind, ErrorKind::kInvalid);
    }
  }
}

TEST(ValidatorTest, MalformedBodyIsMalformedAndNamesTheFunction) {
  ModuleBuilder b;
  const uint32_t t = b.AddType({}, {});
  b.AddFunction(t, {}, Encoder().End());
  b.AddFunction(
      t, {},
      Encoder().Op(Opcode::kI32Const).Raw({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}).Op(Opcode::kDrop).End());
  const absl::Status status = ValidateStatus(b.Build());
  EXPECT_TRUE(IsWasmError(status, "integer too large"));
  EXPECT_TRUE(IsInFunction(status, 1));
  if (GetErrorLocation(status).has_value()) {
    EXPECT_EQ(GetErrorLocation(status)->kind, ErrorKind::kMalformed);
  }
}

// A module of `count` functions [i32] -> [i32] after one import; the
// defined functions listed in `broken` each break a rule, which one depending
// on their position in the list (see the switch below).
Bytes ManyFunctionsWithErrors(uint32_t count, const std::vector<uint32_t>& broken) {
  ModuleBuilder b;
  const uint32_t t = b.AddType({kI32}, {kI32});
  b.ImportFunction("m", "f", t);
  for (uint32_t i = 0; i < count; ++i) {
    Encoder code;
    const auto it = std::find(broken.begin(), broken.end(), i);
    if (it == broken.end()) {
      code.LocalGet(0).I32Const(static_cast<int32_t>(i)).Op(Opcode::kI32Add).Call(0).End();
    } else {
      // A different error for each broken function, so the one reported
      // shows which function it came from.
      switch ((it - broken.begin()) % 3) {
        case 0:
          code.LocalGet(5 + i).End();
          break;  // "unknown local 5+i"
        case 1:
          code.I64Const(0).End();
          break;  // "type mismatch"
        case 2:
          code.LocalGet(0).Call(100'000 + i).End();
          break;  // "unknown function 100000+i"
      }
    }
    b.AddFunction(t, {}, code);
  }
  return b.Build();
}

TEST(ValidatorTest, ParallelAndSerialReportTheLowestFailingFunction) {
  constexpr uint32_t kCount = 3000;
  // Listed out of order: the lowest, 1234, is the second.
  const std::vector<uint32_t> broken = {2999, 1234, 2000, 1500};
  const Bytes bytes = ManyFunctionsWithErrors(kCount, broken);
  absl::StatusOr<Module> decoded = DecodeModule(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();

  ValidateOptions serial;
  serial.parallel = false;
  const absl::Status expected = ValidateModule(*decoded, serial);
  // Defined function 1234 is function 1235; it is broken with case 1.
  EXPECT_TRUE(IsWasmError(expected, "type mismatch"));
  EXPECT_TRUE(IsInFunction(expected, 1235));

  ValidateOptions parallel;
  parallel.parallel = true;
  for (int run = 0; run < 10; ++run) {
    const absl::Status status = ValidateModule(*decoded, parallel);
    EXPECT_EQ(status.message(), expected.message()) << "run " << run;
    EXPECT_TRUE(IsInFunction(status, 1235)) << "run " << run;
  }
}

TEST(ValidatorTest, ParallelFindsAnErrorInTheLastFunction) {
  constexpr uint32_t kCount = 3000;
  const Bytes bytes = ManyFunctionsWithErrors(kCount, {kCount - 1});
  for (bool parallel : {false, true}) {
    const absl::Status status = ValidateStatus(bytes, parallel);
    EXPECT_TRUE(IsWasmError(status, "unknown local " + std::to_string(5 + kCount - 1)));
    EXPECT_TRUE(IsInFunction(status, kCount));  // the import shifts it by one
  }
}

TEST(ValidatorTest, ManyValidFunctionsPassInBothModes) {
  const Bytes bytes = ManyFunctionsWithErrors(3000, {});
  EXPECT_TRUE(ValidateStatus(bytes, false).ok());
  EXPECT_TRUE(ValidateStatus(bytes, true).ok());
}

TEST(ValidatorTest, ValidateFunctionChecksOneBody) {
  const Bytes bytes = ManyFunctionsWithErrors(100, {40});
  absl::StatusOr<Module> decoded = DecodeModule(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(ValidateFunction(*decoded, 39).ok());
  EXPECT_TRUE(ValidateFunction(*decoded, 41).ok());
  const absl::Status status = ValidateFunction(*decoded, 40);
  EXPECT_TRUE(IsWasmError(status, "unknown local 45"));
  EXPECT_TRUE(IsInFunction(status, 41));
}

}  // namespace
}  // namespace kiln::wasm::test
