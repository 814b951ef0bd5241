// Tests for jit/src/numeric_ops: each numeric instruction is emitted into a
// tiny LLVM function, JIT-compiled with ORC and run on the spec's edge cases.
//
// Every check runs in four builds of the same instruction:
//   args        operands loaded at run time, no IR optimization: what the
//               emitted IR does on the machine;
//   args+O2     the same after LLVM's O2 pipeline;
//   const       operands baked in as constants (IRBuilder folds some);
//   const+O2    constants and O2, so LLVM's constant folder computes the
//               result: it must agree with the machine.
// Test functions have one shape, `uint64_t f(uint32_t* trap, const uint64_t*
// args)`: arguments and result travel as raw bits (floats bitcast, never
// converted, so signalling NaNs arrive intact); a trap stores its code to
// *trap and returns 0.
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "kiln/wasm/opcode.h"
#include "kiln/wasm/vm_abi.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "numeric_ops.h"

namespace kiln::jit {
namespace {

using vm::TrapCode;
using wasm::Opcode;
using wasm::OpSig;

// ---------------------------------------------------------------------------
// Values as raw bits.

enum class ValType { kI32, kI64, kF32, kF64 };

struct Val {
  ValType type;
  uint64_t bits;
};

Val I32(int32_t v) { return {ValType::kI32, static_cast<uint32_t>(v)}; }
Val U32(uint32_t v) { return {ValType::kI32, v}; }
Val I64(int64_t v) { return {ValType::kI64, static_cast<uint64_t>(v)}; }
Val U64(uint64_t v) { return {ValType::kI64, v}; }
Val F32(float v) { return {ValType::kF32, std::bit_cast<uint32_t>(v)}; }
Val F64(double v) { return {ValType::kF64, std::bit_cast<uint64_t>(v)}; }
Val F32Bits(uint32_t bits) { return {ValType::kF32, bits}; }
Val F64Bits(uint64_t bits) { return {ValType::kF64, bits}; }

constexpr float kNanF = std::numeric_limits<float>::quiet_NaN();
constexpr double kNanD = std::numeric_limits<double>::quiet_NaN();
constexpr float kInfF = std::numeric_limits<float>::infinity();
constexpr double kInfD = std::numeric_limits<double>::infinity();
constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int32_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

std::string ToString(const Val& v) {
  char text[96];
  switch (v.type) {
    case ValType::kI32:
      std::snprintf(text, sizeof text, "i32:%d (0x%08x)", static_cast<int32_t>(v.bits),
                    static_cast<uint32_t>(v.bits));
      break;
    case ValType::kI64:
      std::snprintf(text, sizeof text, "i64:%lld (0x%016llx)", static_cast<long long>(v.bits),
                    static_cast<unsigned long long>(v.bits));
      break;
    case ValType::kF32:
      std::snprintf(text, sizeof text, "f32:%.9g (0x%08x)",
                    static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(v.bits))),
                    static_cast<uint32_t>(v.bits));
      break;
    case ValType::kF64:
      std::snprintf(text, sizeof text, "f64:%.17g (0x%016llx)", std::bit_cast<double>(v.bits),
                    static_cast<unsigned long long>(v.bits));
      break;
  }
  return text;
}

bool IsNanValue(const Val& v) {
  if (v.type == ValType::kF32)
    return std::isnan(std::bit_cast<float>(static_cast<uint32_t>(v.bits)));
  if (v.type == ValType::kF64) return std::isnan(std::bit_cast<double>(v.bits));
  return false;
}

// ---------------------------------------------------------------------------
// Opcode signatures, from the opcode table.

struct Signature {
  std::vector<ValType> params;
  ValType result;
};

Signature SignatureOf(Opcode op) {
  using enum ValType;
  switch (wasm::GetOpcodeInfo(op).sig) {
    case OpSig::I_I:
      return {{kI32}, kI32};
    case OpSig::I_II:
      return {{kI32, kI32}, kI32};
    case OpSig::L_L:
      return {{kI64}, kI64};
    case OpSig::L_LL:
      return {{kI64, kI64}, kI64};
    case OpSig::I_L:
      return {{kI64}, kI32};
    case OpSig::I_LL:
      return {{kI64, kI64}, kI32};
    case OpSig::F_F:
      return {{kF32}, kF32};
    case OpSig::F_FF:
      return {{kF32, kF32}, kF32};
    case OpSig::I_FF:
      return {{kF32, kF32}, kI32};
    case OpSig::D_D:
      return {{kF64}, kF64};
    case OpSig::D_DD:
      return {{kF64, kF64}, kF64};
    case OpSig::I_DD:
      return {{kF64, kF64}, kI32};
    case OpSig::I_F:
      return {{kF32}, kI32};
    case OpSig::I_D:
      return {{kF64}, kI32};
    case OpSig::L_I:
      return {{kI32}, kI64};
    case OpSig::L_F:
      return {{kF32}, kI64};
    case OpSig::L_D:
      return {{kF64}, kI64};
    case OpSig::F_I:
      return {{kI32}, kF32};
    case OpSig::F_L:
      return {{kI64}, kF32};
    case OpSig::F_D:
      return {{kF64}, kF32};
    case OpSig::D_I:
      return {{kI32}, kF64};
    case OpSig::D_L:
      return {{kI64}, kF64};
    case OpSig::D_F:
      return {{kF32}, kF64};
    default:
      ADD_FAILURE() << "no scalar signature for " << wasm::OpcodeName(op);
      return {{}, kI32};
  }
}

unsigned BitWidth(ValType type) { return type == ValType::kI32 || type == ValType::kF32 ? 32 : 64; }

llvm::Type* LlvmType(llvm::LLVMContext& context, ValType type) {
  switch (type) {
    case ValType::kI32:
      return llvm::Type::getInt32Ty(context);
    case ValType::kI64:
      return llvm::Type::getInt64Ty(context);
    case ValType::kF32:
      return llvm::Type::getFloatTy(context);
    case ValType::kF64:
      return llvm::Type::getDoubleTy(context);
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// The test's TrapEmitter: a taken trap stores its code through the
// function's `trap` pointer and returns, so nothing after it runs.

class ReturningTrapEmitter : public TrapEmitter {
 public:
  ReturningTrapEmitter(llvm::IRBuilder<>& builder, llvm::Value* trap_out)
      : builder_(builder), trap_out_(trap_out) {}

  void TrapIf(llvm::Value* condition, TrapCode code) override {
    llvm::Function* function = builder_.GetInsertBlock()->getParent();
    llvm::LLVMContext& context = function->getContext();
    auto* trap = llvm::BasicBlock::Create(context, "trap", function);
    auto* next = llvm::BasicBlock::Create(context, "next", function);
    builder_.CreateCondBr(condition, trap, next,
                          llvm::MDBuilder(context).createUnlikelyBranchWeights());
    llvm::IRBuilder<> trap_builder(trap);
    trap_builder.CreateStore(trap_builder.getInt32(static_cast<uint32_t>(code)), trap_out_);
    trap_builder.CreateRet(llvm::Constant::getNullValue(function->getReturnType()));
    builder_.SetInsertPoint(next);
    ++traps_emitted_;
  }

  int traps_emitted() const { return traps_emitted_; }

 private:
  llvm::IRBuilder<>& builder_;
  llvm::Value* trap_out_;
  int traps_emitted_ = 0;
};

// ---------------------------------------------------------------------------
// The JIT: one LLJIT for the whole test program, one module per function.

using TestFn = uint64_t (*)(uint32_t* trap, const uint64_t* args);

struct BuildOptions {
  bool constants = false;  // bake `args` into the function
  bool optimize = false;   // run the O2 pipeline
};

class TestJit {
 public:
  static TestJit& Get() {
    static TestJit* jit = new TestJit();
    return *jit;
  }

  // Compiles ops[0](args...) followed by the unary ops[1..], each applied to
  // the previous result. Returns nullptr after reporting a failure.
  TestFn Compile(const std::vector<Opcode>& ops, const std::vector<Val>& args,
                 BuildOptions options) {
    auto key = std::make_pair(ops, options.optimize);
    if (!options.constants) {
      if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    }
    auto context = std::make_unique<llvm::LLVMContext>();
    auto module = std::make_unique<llvm::Module>("numeric_test", *context);
    module->setDataLayout(jit_->getDataLayout());
    module->setTargetTriple(jit_->getTargetTriple().str());
    // Appended rather than `"f" + ...`, which trips GCC 12's -Wrestrict
    // false positive at -O3.
    std::string name = "f";
    name += std::to_string(next_id_++);
    llvm::Function* function = Build(*module, name, ops, args, options.constants);
    if (function == nullptr) return nullptr;
    std::string errors;
    llvm::raw_string_ostream error_stream(errors);
    if (llvm::verifyModule(*module, &error_stream)) {
      ADD_FAILURE() << "invalid IR: " << errors;
      return nullptr;
    }
    if (options.optimize) Optimize(*module);
    if (auto error =
            jit_->addIRModule(llvm::orc::ThreadSafeModule(std::move(module), std::move(context)))) {
      ADD_FAILURE() << llvm::toString(std::move(error));
      return nullptr;
    }
    auto address = jit_->lookup(name);
    if (!address) {
      ADD_FAILURE() << llvm::toString(address.takeError());
      return nullptr;
    }
    auto fn = address->toPtr<TestFn>();
    if (!options.constants) cache_[key] = fn;
    return fn;
  }

  // The IR EmitNumericOp produces for `op` on run-time operands.
  std::string IrFor(Opcode op, int* traps_emitted) {
    llvm::LLVMContext context;
    llvm::Module module("ir", context);
    Build(module, "f", {op}, {}, false, traps_emitted);
    std::string text;
    llvm::raw_string_ostream stream(text);
    module.print(stream, nullptr);
    return text;
  }

 private:
  TestJit() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    auto jit = llvm::orc::LLJITBuilder().create();
    if (!jit) {
      ADD_FAILURE() << llvm::toString(jit.takeError());
      std::abort();
    }
    jit_ = std::move(*jit);
    // Float intrinsics may lower to libm calls (roundevenf, ...) on some
    // CPUs: let the JIT find them in this process.
    auto generator = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
        jit_->getDataLayout().getGlobalPrefix());
    if (!generator) {
      ADD_FAILURE() << llvm::toString(generator.takeError());
      std::abort();
    }
    jit_->getMainJITDylib().addGenerator(std::move(*generator));
  }

  static llvm::Function* Build(llvm::Module& module, const std::string& name,
                               const std::vector<Opcode>& ops, const std::vector<Val>& args,
                               bool constants, int* traps_emitted = nullptr) {
    llvm::LLVMContext& context = module.getContext();
    llvm::Type* i64 = llvm::Type::getInt64Ty(context);
    llvm::Type* ptr = llvm::PointerType::getUnqual(context);
    auto* function = llvm::Function::Create(llvm::FunctionType::get(i64, {ptr, ptr}, false),
                                            llvm::Function::ExternalLinkage, name, module);
    llvm::Value* trap_out = function->getArg(0);
    llvm::Value* args_in = function->getArg(1);
    llvm::IRBuilder<> builder(llvm::BasicBlock::Create(context, "entry", function));
    ReturningTrapEmitter traps(builder, trap_out);

    // The operands of ops[0], as raw bits (loaded or constant), bitcast to
    // their wasm type.
    const Signature first = SignatureOf(ops[0]);
    if (constants && args.size() != first.params.size()) {
      ADD_FAILURE() << wasm::OpcodeName(ops[0]) << " takes " << first.params.size()
                    << " operands, got " << args.size();
      return nullptr;
    }
    std::vector<llvm::Value*> operands;
    for (size_t i = 0; i < first.params.size(); ++i) {
      const ValType type = first.params[i];
      llvm::Type* bits_type = llvm::IntegerType::get(context, BitWidth(type));
      llvm::Value* bits;
      if (constants) {
        bits = llvm::ConstantInt::get(bits_type, args[i].bits);
      } else {
        llvm::Value* slot = builder.CreateConstGEP1_64(i64, args_in, i);
        bits = builder.CreateTrunc(builder.CreateLoad(i64, slot), bits_type);
      }
      operands.push_back(builder.CreateBitCast(bits, LlvmType(context, type)));
    }
    llvm::Value* result = EmitNumericOp(builder, ops[0], operands, traps);
    ValType result_type = first.result;
    for (size_t k = 1; k < ops.size(); ++k) {
      const Signature next = SignatureOf(ops[k]);
      if (next.params.size() != 1 || next.params[0] != result_type) {
        ADD_FAILURE() << wasm::OpcodeName(ops[k]) << " cannot take the previous result";
        return nullptr;
      }
      llvm::Value* operand[] = {result};
      result = EmitNumericOp(builder, ops[k], operand, traps);
      result_type = next.result;
    }
    if (result == nullptr || result->getType() != LlvmType(context, result_type)) {
      ADD_FAILURE() << wasm::OpcodeName(ops.back()) << ": wrong result type";
      return nullptr;
    }
    llvm::Value* result_bits =
        builder.CreateBitCast(result, llvm::IntegerType::get(context, BitWidth(result_type)));
    builder.CreateRet(builder.CreateZExt(result_bits, i64));
    if (traps_emitted != nullptr) *traps_emitted = traps.traps_emitted();
    return function;
  }

  static void Optimize(llvm::Module& module) {
    llvm::LoopAnalysisManager loops;
    llvm::FunctionAnalysisManager functions;
    llvm::CGSCCAnalysisManager cgscc;
    llvm::ModuleAnalysisManager modules;
    llvm::PassBuilder passes;
    passes.registerModuleAnalyses(modules);
    passes.registerCGSCCAnalyses(cgscc);
    passes.registerFunctionAnalyses(functions);
    passes.registerLoopAnalyses(loops);
    passes.crossRegisterProxies(loops, functions, cgscc, modules);
    passes.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2).run(module, modules);
  }

  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::map<std::pair<std::vector<Opcode>, bool>, TestFn> cache_;
  int next_id_ = 0;
};

// ---------------------------------------------------------------------------
// Running and checking.

struct Mode {
  const char* name;
  BuildOptions options;
};
constexpr Mode kModes[] = {
    {"args", {false, false}},
    {"args+O2", {false, true}},
    {"const", {true, false}},
    {"const+O2", {true, true}},
};

struct Run {
  const char* mode;
  std::optional<TrapCode> trap;
  Val result;
};

class Checked {
 public:
  Checked(std::vector<Opcode> ops, std::vector<Val> args, std::source_location where)
      : where_(where) {
    for (size_t k = ops.size(); k-- > 0;) {
      what_ += std::string(wasm::OpcodeName(ops[k])) + "(";
    }
    for (size_t i = 0; i < args.size(); ++i) {
      if (i > 0) what_ += ", ";
      what_ += ToString(args[i]);
    }
    what_ += std::string(ops.size(), ')');

    const Signature first = SignatureOf(ops[0]);
    ValType result_type = SignatureOf(ops.back()).result;
    if (args.size() != first.params.size()) {
      Fail(": wrong operand count");
      return;
    }
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i].type != first.params[i]) {
        Fail(": operand " + std::to_string(i) + " has the wrong type");
        return;
      }
    }
    std::vector<uint64_t> raw;
    for (const Val& arg : args) raw.push_back(arg.bits);
    for (const Mode& mode : kModes) {
      TestFn fn = TestJit::Get().Compile(ops, args, mode.options);
      if (fn == nullptr) return;
      uint32_t trap = 0;
      const uint64_t bits = fn(&trap, raw.data());
      runs_.push_back({mode.name, trap == 0 ? std::nullopt : std::optional(TrapCode{trap}),
                       Val{result_type, bits}});
    }
  }

  void Is(Val expected) const {
    for (const Run& run : runs_) {
      if (run.trap.has_value() || run.result.type != expected.type ||
          run.result.bits != expected.bits) {
        Fail(run, ToString(expected));
      }
    }
  }

  void IsNan() const {
    for (const Run& run : runs_) {
      if (run.trap.has_value() || !IsNanValue(run.result)) Fail(run, "a NaN");
    }
  }

  void Traps(TrapCode code) const {
    for (const Run& run : runs_) {
      if (run.trap != code) Fail(run, TrapText(code));
    }
  }

 private:
  static std::string TrapText(TrapCode code) {
    std::string text = "trap ";
    text += std::to_string(static_cast<uint32_t>(code));
    return text;
  }

  // Reports at the Check(...) call, not here.
  void Fail(const std::string& message) const {
    ADD_FAILURE_AT(where_.file_name(), where_.line()) << what_ << message;
  }
  void Fail(const Run& run, const std::string& expected) const {
    ADD_FAILURE_AT(where_.file_name(), where_.line())
        << what_ << " [" << run.mode
        << "] = " << (run.trap.has_value() ? TrapText(*run.trap) : ToString(run.result))
        << ", expected " << expected;
  }

  std::source_location where_;
  std::string what_;
  std::vector<Run> runs_;
};

Checked Check(Opcode op, std::vector<Val> args,
              std::source_location where = std::source_location::current()) {
  return Checked({op}, std::move(args), where);
}
Checked Check(std::vector<Opcode> ops, std::vector<Val> args,
              std::source_location where = std::source_location::current()) {
  return Checked(std::move(ops), std::move(args), where);
}

constexpr TrapCode kDivByZero = TrapCode::kIntegerDivideByZero;
constexpr TrapCode kOverflow = TrapCode::kIntegerOverflow;
constexpr TrapCode kInvalid = TrapCode::kInvalidConversionToInteger;

// ---------------------------------------------------------------------------
// Coverage.

constexpr Opcode kAllOpcodes[] = {
#define KILN_TEST_OPCODE(name, text, prefix, code, imm, sig, align) Opcode::k##name,
    KILN_FOREACH_OPCODE(KILN_TEST_OPCODE)
#undef KILN_TEST_OPCODE
};

TEST(NumericOpsTest, IsNumericOpMatchesTheOpcodeTable) {
  int count = 0;
  for (Opcode op : kAllOpcodes) {
    const wasm::OpcodeInfo& info = wasm::GetOpcodeInfo(op);
    const uint32_t prefix = static_cast<uint32_t>(op) >> 16;
    // Numeric = stack operands only, no immediate, not SIMD.
    const bool expected =
        prefix != 0xFD && info.imm == wasm::ImmKind::kNone && info.sig != OpSig::kSpecial;
    EXPECT_EQ(IsNumericOp(op), expected) << info.text;
    count += IsNumericOp(op) ? 1 : 0;
  }
  // 0x45..0xC4 and 0xFC 0..7.
  EXPECT_EQ(count, 0xC4 - 0x45 + 1 + 8);
}

// Every numeric op emits valid IR that compiles (no unresolved libcalls, no
// crash in instruction selection), optimized or not.
TEST(NumericOpsTest, EveryNumericOpCompiles) {
  for (Opcode op : kAllOpcodes) {
    if (!IsNumericOp(op)) continue;
    SCOPED_TRACE(std::string(wasm::OpcodeName(op)));
    EXPECT_NE(TestJit::Get().Compile({op}, {}, {false, false}), nullptr);
    EXPECT_NE(TestJit::Get().Compile({op}, {}, {false, true}), nullptr);
  }
}

// Only division, remainder and trapping truncation may trap.
TEST(NumericOpsTest, OnlyDivisionAndTruncationTrap) {
  for (Opcode op : kAllOpcodes) {
    if (!IsNumericOp(op)) continue;
    const std::string_view name = wasm::OpcodeName(op);
    const bool may_trap = name.find(".div_") != std::string_view::npos ||
                          name.find(".rem_") != std::string_view::npos ||
                          name.find(".trunc_f") != std::string_view::npos;
    int traps = 0;
    TestJit::Get().IrFor(op, &traps);
    EXPECT_EQ(traps > 0, may_trap) << name;
  }
}

// ---------------------------------------------------------------------------
// Comparisons.

TEST(NumericOpsTest, IntegerComparisons) {
  Check(Opcode::kI32Eqz, {I32(0)}).Is(I32(1));
  Check(Opcode::kI32Eqz, {I32(kI32Min)}).Is(I32(0));
  Check(Opcode::kI64Eqz, {I64(0)}).Is(I32(1));
  Check(Opcode::kI64Eqz, {I64(int64_t{1} << 32)}).Is(I32(0));
  Check(Opcode::kI32LtS, {I32(-1), I32(0)}).Is(I32(1));
  Check(Opcode::kI32LtU, {I32(-1), I32(0)}).Is(I32(0));
  Check(Opcode::kI32GeU, {I32(-1), I32(0)}).Is(I32(1));
  Check(Opcode::kI32LeS, {I32(kI32Min), I32(kI32Min)}).Is(I32(1));
  Check(Opcode::kI64GtS, {I64(kI64Min), I64(kI64Max)}).Is(I32(0));
  Check(Opcode::kI64GtU, {I64(kI64Min), I64(kI64Max)}).Is(I32(1));
  Check(Opcode::kI64Ne, {I64(1), I64(int64_t{1} << 32 | 1)}).Is(I32(1));
  Check(Opcode::kI64Eq, {I64(-1), I64(-1)}).Is(I32(1));
}

TEST(NumericOpsTest, FloatComparisonsWithNanAndZeros) {
  Check(Opcode::kF32Eq, {F32(kNanF), F32(kNanF)}).Is(I32(0));
  Check(Opcode::kF32Ne, {F32(kNanF), F32(kNanF)}).Is(I32(1));
  Check(Opcode::kF32Ne, {F32(1), F32(1)}).Is(I32(0));
  Check(Opcode::kF32Lt, {F32(kNanF), F32(1)}).Is(I32(0));
  Check(Opcode::kF32Gt, {F32(1), F32(kNanF)}).Is(I32(0));
  Check(Opcode::kF32Le, {F32(kNanF), F32(kNanF)}).Is(I32(0));
  Check(Opcode::kF32Ge, {F32(kInfF), F32(kNanF)}).Is(I32(0));
  Check(Opcode::kF32Eq, {F32(-0.0f), F32(0.0f)}).Is(I32(1));
  Check(Opcode::kF32Lt, {F32(-0.0f), F32(0.0f)}).Is(I32(0));
  Check(Opcode::kF64Eq, {F64(kNanD), F64(kNanD)}).Is(I32(0));
  Check(Opcode::kF64Ne, {F64Bits(0x7ff0000000000001), F64(1)}).Is(I32(1));
  Check(Opcode::kF64Ge, {F64(-0.0), F64(0.0)}).Is(I32(1));
  Check(Opcode::kF64Lt, {F64(-kInfD), F64(kInfD)}).Is(I32(1));
}

// ---------------------------------------------------------------------------
// Integer arithmetic.

TEST(NumericOpsTest, ArithmeticWraps) {
  Check(Opcode::kI32Add, {I32(kI32Max), I32(1)}).Is(I32(kI32Min));
  Check(Opcode::kI32Sub, {I32(kI32Min), I32(1)}).Is(I32(kI32Max));
  Check(Opcode::kI32Mul, {I32(0x10000), I32(0x10000)}).Is(I32(0));
  Check(Opcode::kI32Mul, {I32(kI32Min), I32(-1)}).Is(I32(kI32Min));
  Check(Opcode::kI64Add, {I64(kI64Max), I64(1)}).Is(I64(kI64Min));
  Check(Opcode::kI64Mul, {I64(0x0123456789abcdef), U64(0xfedcba9876543210)})
      .Is(U64(0x0123456789abcdefull * 0xfedcba9876543210ull));
}

TEST(NumericOpsTest, DivisionI32) {
  Check(Opcode::kI32DivS, {I32(7), I32(2)}).Is(I32(3));
  Check(Opcode::kI32DivS, {I32(-7), I32(2)}).Is(I32(-3));  // rounds toward zero
  Check(Opcode::kI32DivS, {I32(kI32Min), I32(1)}).Is(I32(kI32Min));
  Check(Opcode::kI32DivS, {I32(kI32Min), I32(2)}).Is(I32(-0x40000000));
  Check(Opcode::kI32DivS, {I32(1), I32(0)}).Traps(kDivByZero);
  Check(Opcode::kI32DivS, {I32(0), I32(0)}).Traps(kDivByZero);
  Check(Opcode::kI32DivS, {I32(kI32Min), I32(-1)}).Traps(kOverflow);
  Check(Opcode::kI32DivS, {I32(kI32Min + 1), I32(-1)}).Is(I32(kI32Max));
  Check(Opcode::kI32DivU, {I32(-1), I32(2)}).Is(I32(kI32Max));
  Check(Opcode::kI32DivU, {I32(kI32Min), I32(-1)}).Is(I32(0));
  Check(Opcode::kI32DivU, {I32(1), I32(0)}).Traps(kDivByZero);
  Check(Opcode::kI32RemS, {I32(-7), I32(2)}).Is(I32(-1));  // sign of the dividend
  Check(Opcode::kI32RemS, {I32(7), I32(-2)}).Is(I32(1));
  Check(Opcode::kI32RemS, {I32(kI32Min), I32(-1)}).Is(I32(0));
  Check(Opcode::kI32RemS, {I32(7), I32(-1)}).Is(I32(0));
  Check(Opcode::kI32RemS, {I32(kI32Min), I32(0)}).Traps(kDivByZero);
  Check(Opcode::kI32RemS, {I32(kI32Min), I32(2)}).Is(I32(0));
  Check(Opcode::kI32RemU, {I32(-1), I32(10)}).Is(I32(5));  // 4294967295 % 10
  Check(Opcode::kI32RemU, {I32(kI32Min), I32(-1)}).Is(I32(kI32Min));
  Check(Opcode::kI32RemU, {I32(5), I32(0)}).Traps(kDivByZero);
}

TEST(NumericOpsTest, DivisionI64) {
  Check(Opcode::kI64DivS, {I64(-7), I64(2)}).Is(I64(-3));
  Check(Opcode::kI64DivS, {I64(kI64Min), I64(-1)}).Traps(kOverflow);
  Check(Opcode::kI64DivS, {I64(kI64Min), I64(0)}).Traps(kDivByZero);
  // -1 in the low 32 bits only is not -1.
  Check(Opcode::kI64DivS, {I64(kI64Min), I64(0xffffffff)}).Is(I64(kI64Min / 0xffffffff));
  Check(Opcode::kI64DivU, {I64(-1), I64(2)}).Is(I64(kI64Max));
  Check(Opcode::kI64DivU, {I64(1), I64(0)}).Traps(kDivByZero);
  Check(Opcode::kI64RemS, {I64(kI64Min), I64(-1)}).Is(I64(0));
  Check(Opcode::kI64RemS, {I64(-7), I64(2)}).Is(I64(-1));
  Check(Opcode::kI64RemS, {I64(1), I64(0)}).Traps(kDivByZero);
  Check(Opcode::kI64RemU, {I64(-1), I64(10)}).Is(I64(5));  // 18446744073709551615 % 10
  Check(Opcode::kI64RemU, {I64(1), I64(0)}).Traps(kDivByZero);
}

TEST(NumericOpsTest, BitwiseOps) {
  Check(Opcode::kI32And, {I32(0x0ff0), I32(0x00ff)}).Is(I32(0x00f0));
  Check(Opcode::kI32Or, {I32(0x0ff0), I32(0x00ff)}).Is(I32(0x0fff));
  Check(Opcode::kI32Xor, {I32(-1), I32(0x0ff0)}).Is(I32(~0x0ff0));
  Check(Opcode::kI64Xor, {I64(-1), I64(1)}).Is(I64(-2));
}

TEST(NumericOpsTest, ShiftCountsAreModuloTheWidth) {
  Check(Opcode::kI32Shl, {I32(1), I32(31)}).Is(I32(kI32Min));
  Check(Opcode::kI32Shl, {I32(1), I32(32)}).Is(I32(1));
  Check(Opcode::kI32Shl, {I32(1), I32(33)}).Is(I32(2));
  Check(Opcode::kI32Shl, {I32(1), I32(-1)}).Is(I32(kI32Min));
  Check(Opcode::kI32ShrS, {I32(kI32Min), I32(31)}).Is(I32(-1));
  Check(Opcode::kI32ShrS, {I32(kI32Min), I32(32)}).Is(I32(kI32Min));
  Check(Opcode::kI32ShrS, {I32(-8), I32(0x7fffffe1)}).Is(I32(-4));  // count 1
  Check(Opcode::kI32ShrU, {I32(kI32Min), I32(63)}).Is(I32(1));
  Check(Opcode::kI32ShrU, {I32(-1), I32(32)}).Is(I32(-1));
  Check(Opcode::kI64Shl, {I64(1), I64(63)}).Is(I64(kI64Min));
  Check(Opcode::kI64Shl, {I64(1), I64(64)}).Is(I64(1));
  Check(Opcode::kI64Shl, {I64(1), I64(65)}).Is(I64(2));
  Check(Opcode::kI64Shl, {I64(1), I64(int64_t{1} << 32)}).Is(I64(1));
  Check(Opcode::kI64ShrS, {I64(kI64Min), I64(-1)}).Is(I64(-1));
  Check(Opcode::kI64ShrU, {I64(kI64Min), I64(-1)}).Is(I64(1));
  Check(Opcode::kI64ShrU, {I64(-1), I64(128)}).Is(I64(-1));
}

TEST(NumericOpsTest, Rotates) {
  Check(Opcode::kI32Rotl, {U32(0x80000001), I32(1)}).Is(I32(3));
  Check(Opcode::kI32Rotr, {I32(1), I32(1)}).Is(U32(0x80000000));
  Check(Opcode::kI32Rotl, {U32(0x12345678), I32(32)}).Is(U32(0x12345678));
  Check(Opcode::kI32Rotl, {U32(0x12345678), I32(4)}).Is(U32(0x23456781));
  Check(Opcode::kI32Rotl, {U32(0x12345678), I32(-4)}).Is(U32(0x81234567));
  Check(Opcode::kI32Rotr, {U32(0x12345678), I32(36)}).Is(U32(0x81234567));
  Check(Opcode::kI64Rotl, {I64(1), I64(65)}).Is(I64(2));
  Check(Opcode::kI64Rotl, {I64(kI64Min), I64(1)}).Is(I64(1));
  Check(Opcode::kI64Rotr, {I64(1), I64(64)}).Is(I64(1));
  Check(Opcode::kI64Rotr, {I64(1), I64(1)}).Is(I64(kI64Min));
  Check(Opcode::kI64Rotr, {U64(0x0123456789abcdef), I64(-8)}).Is(U64(0x23456789abcdef01));
}

TEST(NumericOpsTest, BitCounts) {
  Check(Opcode::kI32Clz, {I32(0)}).Is(I32(32));
  Check(Opcode::kI32Clz, {I32(1)}).Is(I32(31));
  Check(Opcode::kI32Clz, {I32(-1)}).Is(I32(0));
  Check(Opcode::kI32Ctz, {I32(0)}).Is(I32(32));
  Check(Opcode::kI32Ctz, {I32(kI32Min)}).Is(I32(31));
  Check(Opcode::kI32Popcnt, {I32(-1)}).Is(I32(32));
  Check(Opcode::kI32Popcnt, {U32(0xdeadbeef)}).Is(I32(24));
  Check(Opcode::kI64Clz, {I64(0)}).Is(I64(64));
  Check(Opcode::kI64Clz, {I64(1)}).Is(I64(63));
  Check(Opcode::kI64Ctz, {I64(0)}).Is(I64(64));
  Check(Opcode::kI64Ctz, {I64(int64_t{1} << 32)}).Is(I64(32));
  Check(Opcode::kI64Popcnt, {I64(-1)}).Is(I64(64));
}

// ---------------------------------------------------------------------------
// Float ops.

TEST(NumericOpsTest, FloatArithmetic) {
  Check(Opcode::kF32Add, {F32(1.5f), F32(2.25f)}).Is(F32(3.75f));
  Check(Opcode::kF32Sub, {F32(0.0f), F32(0.0f)}).Is(F32(0.0f));
  Check(Opcode::kF32Mul, {F32(-0.0f), F32(5.0f)}).Is(F32(-0.0f));
  Check(Opcode::kF32Div, {F32(1.0f), F32(-0.0f)}).Is(F32(-kInfF));
  Check(Opcode::kF32Div, {F32(0.0f), F32(0.0f)}).IsNan();
  Check(Opcode::kF32Add, {F32(kInfF), F32(-kInfF)}).IsNan();
  Check(Opcode::kF64Add, {F64(0.1), F64(0.2)}).Is(F64(0.1 + 0.2));
  Check(Opcode::kF64Mul, {F64(1e308), F64(10)}).Is(F64(kInfD));
  Check(Opcode::kF64Div, {F64(1.0), F64(3.0)}).Is(F64(1.0 / 3.0));
  Check(Opcode::kF64Sub, {F64(kNanD), F64(1)}).IsNan();
}

TEST(NumericOpsTest, MinMaxPropagateNanAndOrderZeros) {
  Check(Opcode::kF32Min, {F32(kNanF), F32(1)}).IsNan();
  Check(Opcode::kF32Min, {F32(1), F32(kNanF)}).IsNan();
  Check(Opcode::kF32Max, {F32(kNanF), F32(-kInfF)}).IsNan();
  Check(Opcode::kF32Max, {F32(kInfF), F32Bits(0x7fa00000)}).IsNan();
  Check(Opcode::kF32Min, {F32(-0.0f), F32(0.0f)}).Is(F32(-0.0f));
  Check(Opcode::kF32Min, {F32(0.0f), F32(-0.0f)}).Is(F32(-0.0f));
  Check(Opcode::kF32Max, {F32(-0.0f), F32(0.0f)}).Is(F32(0.0f));
  Check(Opcode::kF32Max, {F32(0.0f), F32(-0.0f)}).Is(F32(0.0f));
  Check(Opcode::kF32Min, {F32(1), F32(2)}).Is(F32(1));
  Check(Opcode::kF32Max, {F32(-kInfF), F32(-2)}).Is(F32(-2));
  Check(Opcode::kF64Min, {F64(kNanD), F64(1)}).IsNan();
  Check(Opcode::kF64Max, {F64(1), F64(kNanD)}).IsNan();
  Check(Opcode::kF64Min, {F64(0.0), F64(-0.0)}).Is(F64(-0.0));
  Check(Opcode::kF64Max, {F64(-0.0), F64(0.0)}).Is(F64(0.0));
  Check(Opcode::kF64Max, {F64(-0.0), F64(-0.0)}).Is(F64(-0.0));
  Check(Opcode::kF64Min, {F64(3), F64(-kInfD)}).Is(F64(-kInfD));
}

TEST(NumericOpsTest, Rounding) {
  Check(Opcode::kF32Nearest, {F32(0.5f)}).Is(F32(0.0f));
  Check(Opcode::kF32Nearest, {F32(1.5f)}).Is(F32(2.0f));
  Check(Opcode::kF32Nearest, {F32(2.5f)}).Is(F32(2.0f));
  Check(Opcode::kF32Nearest, {F32(-0.5f)}).Is(F32(-0.0f));
  Check(Opcode::kF32Nearest, {F32(-1.5f)}).Is(F32(-2.0f));
  Check(Opcode::kF32Nearest, {F32(-0.0f)}).Is(F32(-0.0f));
  Check(Opcode::kF32Nearest, {F32(8388609.0f)}).Is(F32(8388609.0f));  // already whole
  Check(Opcode::kF64Nearest, {F64(0.5)}).Is(F64(0.0));
  Check(Opcode::kF64Nearest, {F64(1.5)}).Is(F64(2.0));
  Check(Opcode::kF64Nearest, {F64(-0.5)}).Is(F64(-0.0));
  Check(Opcode::kF64Nearest, {F64(4503599627370497.0)}).Is(F64(4503599627370497.0));
  Check(Opcode::kF32Ceil, {F32(-0.5f)}).Is(F32(-0.0f));
  Check(Opcode::kF32Ceil, {F32(1.25f)}).Is(F32(2.0f));
  Check(Opcode::kF32Floor, {F32(-0.5f)}).Is(F32(-1.0f));
  Check(Opcode::kF32Floor, {F32(0.5f)}).Is(F32(0.0f));
  Check(Opcode::kF32Trunc, {F32(-0.7f)}).Is(F32(-0.0f));
  Check(Opcode::kF32Trunc, {F32(2.9f)}).Is(F32(2.0f));
  Check(Opcode::kF64Ceil, {F64(-0.5)}).Is(F64(-0.0));
  Check(Opcode::kF64Floor, {F64(-0.5)}).Is(F64(-1.0));
  Check(Opcode::kF64Trunc, {F64(-2.9)}).Is(F64(-2.0));
  Check(Opcode::kF64Ceil, {F64(kNanD)}).IsNan();
  Check(Opcode::kF32Floor, {F32(-kInfF)}).Is(F32(-kInfF));
}

TEST(NumericOpsTest, SquareRoot) {
  Check(Opcode::kF32Sqrt, {F32(4.0f)}).Is(F32(2.0f));
  Check(Opcode::kF32Sqrt, {F32(-0.0f)}).Is(F32(-0.0f));
  Check(Opcode::kF32Sqrt, {F32(-1.0f)}).IsNan();
  Check(Opcode::kF64Sqrt, {F64(2.0)}).Is(F64(std::sqrt(2.0)));
  Check(Opcode::kF64Sqrt, {F64(-kInfD)}).IsNan();
  Check(Opcode::kF64Sqrt, {F64(kInfD)}).Is(F64(kInfD));
}

// abs, neg and copysign only touch the sign bit, NaN payloads (signalling
// ones too) included.
TEST(NumericOpsTest, SignOpsPreserveNanPayloads) {
  Check(Opcode::kF32Neg, {F32Bits(0x7fa00001)}).Is(F32Bits(0xffa00001));
  Check(Opcode::kF32Neg, {F32Bits(0xff800001)}).Is(F32Bits(0x7f800001));
  Check(Opcode::kF32Neg, {F32(0.0f)}).Is(F32(-0.0f));
  Check(Opcode::kF32Abs, {F32Bits(0xffa00001)}).Is(F32Bits(0x7fa00001));
  Check(Opcode::kF32Abs, {F32Bits(0xff800001)}).Is(F32Bits(0x7f800001));
  Check(Opcode::kF32Abs, {F32(-0.0f)}).Is(F32(0.0f));
  Check(Opcode::kF32Copysign, {F32Bits(0x7fa00001), F32(-1.0f)}).Is(F32Bits(0xffa00001));
  Check(Opcode::kF32Copysign, {F32Bits(0x7f800001), F32(-0.0f)}).Is(F32Bits(0xff800001));
  Check(Opcode::kF32Copysign, {F32(2.0f), F32Bits(0xffc00000)}).Is(F32(-2.0f));
  Check(Opcode::kF32Copysign, {F32(-2.0f), F32Bits(0x7f800001)}).Is(F32(2.0f));
  Check(Opcode::kF64Neg, {F64Bits(0x7ff0000000000001)}).Is(F64Bits(0xfff0000000000001));
  Check(Opcode::kF64Abs, {F64Bits(0xfff4000000000001)}).Is(F64Bits(0x7ff4000000000001));
  Check(Opcode::kF64Copysign, {F64Bits(0x7ff0000000000001), F64(-1.0)})
      .Is(F64Bits(0xfff0000000000001));
  Check(Opcode::kF64Copysign, {F64(1.0), F64Bits(0xfff8000000000000)}).Is(F64(-1.0));
}

// ---------------------------------------------------------------------------
// Conversions.

TEST(NumericOpsTest, IntegerWidthChanges) {
  Check(Opcode::kI32WrapI64, {I64(0x100000005)}).Is(I32(5));
  Check(Opcode::kI32WrapI64, {I64(-1)}).Is(I32(-1));
  Check(Opcode::kI64ExtendI32S, {I32(-1)}).Is(I64(-1));
  Check(Opcode::kI64ExtendI32U, {I32(-1)}).Is(I64(0xffffffff));
  Check(Opcode::kI64ExtendI32S, {I32(kI32Max)}).Is(I64(kI32Max));
  Check(Opcode::kI32Extend8S, {I32(0x80)}).Is(I32(-128));
  Check(Opcode::kI32Extend8S, {I32(0x7f)}).Is(I32(127));
  Check(Opcode::kI32Extend8S, {I32(0x12345680)}).Is(I32(-128));  // high bits ignored
  Check(Opcode::kI32Extend16S, {I32(0x8000)}).Is(I32(-32768));
  Check(Opcode::kI32Extend16S, {I32(0x12347fff)}).Is(I32(0x7fff));
  Check(Opcode::kI64Extend8S, {I64(0x01234567890abcff)}).Is(I64(-1));
  Check(Opcode::kI64Extend16S, {I64(0x8000)}).Is(I64(-32768));
  Check(Opcode::kI64Extend32S, {I64(0x80000000)}).Is(I64(kI32Min));
  Check(Opcode::kI64Extend32S, {I64(0x123456787fffffff)}).Is(I64(kI32Max));
}

// Exhaustive edge cases for the trapping truncations: NaN, infinities, the
// largest valid values and the first invalid ones on both sides.
TEST(NumericOpsTest, TruncI32FromF32) {
  const float below_min = std::nextafter(-2147483648.0f, -kInfF);  // -2^31 - 128
  Check(Opcode::kI32TruncF32S, {F32(kNanF)}).Traps(kInvalid);
  Check(Opcode::kI32TruncF32S, {F32(-kNanF)}).Traps(kInvalid);
  Check(Opcode::kI32TruncF32S, {F32Bits(0x7fa00000)}).Traps(kInvalid);
  Check(Opcode::kI32TruncF32S, {F32(kInfF)}).Traps(kOverflow);
  Check(Opcode::kI32TruncF32S, {F32(-kInfF)}).Traps(kOverflow);
  Check(Opcode::kI32TruncF32S, {F32(2147483648.0f)}).Traps(kOverflow);
  Check(Opcode::kI32TruncF32S, {F32(2147483520.0f)}).Is(I32(2147483520));
  Check(Opcode::kI32TruncF32S, {F32(-2147483648.0f)}).Is(I32(kI32Min));
  Check(Opcode::kI32TruncF32S, {F32(below_min)}).Traps(kOverflow);
  Check(Opcode::kI32TruncF32S, {F32(-1.9f)}).Is(I32(-1));
  Check(Opcode::kI32TruncF32S, {F32(-0.0f)}).Is(I32(0));

  Check(Opcode::kI32TruncF32U, {F32(kNanF)}).Traps(kInvalid);
  Check(Opcode::kI32TruncF32U, {F32(kInfF)}).Traps(kOverflow);
  Check(Opcode::kI32TruncF32U, {F32(-kInfF)}).Traps(kOverflow);
  Check(Opcode::kI32TruncF32U, {F32(4294967296.0f)}).Traps(kOverflow);
  Check(Opcode::kI32TruncF32U, {F32(4294967040.0f)}).Is(U32(4294967040u));
  Check(Opcode::kI32TruncF32U, {F32(2147483648.0f)}).Is(U32(0x80000000));
  Check(Opcode::kI32TruncF32U, {F32(-0.99999994f)}).Is(I32(0));
  Check(Opcode::kI32TruncF32U, {F32(-1.0f)}).Traps(kOverflow);
}

TEST(NumericOpsTest, TruncI32FromF64) {
  Check(Opcode::kI32TruncF64S, {F64(kNanD)}).Traps(kInvalid);
  Check(Opcode::kI32TruncF64S, {F64Bits(0xfff0000000000001)}).Traps(kInvalid);
  Check(Opcode::kI32TruncF64S, {F64(kInfD)}).Traps(kOverflow);
  Check(Opcode::kI32TruncF64S, {F64(-kInfD)}).Traps(kOverflow);
  Check(Opcode::kI32TruncF64S, {F64(2147483648.0)}).Traps(kOverflow);
  Check(Opcode::kI32TruncF64S, {F64(std::nextafter(2147483648.0, 0.0))}).Is(I32(kI32Max));
  Check(Opcode::kI32TruncF64S, {F64(-2147483648.0)}).Is(I32(kI32Min));
  // Fractions below -2^31 still truncate to -2^31.
  Check(Opcode::kI32TruncF64S, {F64(std::nextafter(-2147483649.0, 0.0))}).Is(I32(kI32Min));
  Check(Opcode::kI32TruncF64S, {F64(-2147483648.9)}).Is(I32(kI32Min));
  Check(Opcode::kI32TruncF64S, {F64(-2147483649.0)}).Traps(kOverflow);

  Check(Opcode::kI32TruncF64U, {F64(kNanD)}).Traps(kInvalid);
  Check(Opcode::kI32TruncF64U, {F64(4294967296.0)}).Traps(kOverflow);
  Check(Opcode::kI32TruncF64U, {F64(std::nextafter(4294967296.0, 0.0))}).Is(U32(0xffffffff));
  Check(Opcode::kI32TruncF64U, {F64(std::nextafter(-1.0, 0.0))}).Is(I32(0));
  Check(Opcode::kI32TruncF64U, {F64(-1.0)}).Traps(kOverflow);
  Check(Opcode::kI32TruncF64U, {F64(1e-300)}).Is(I32(0));
}

TEST(NumericOpsTest, TruncI64FromF32) {
  const float two63 = 9223372036854775808.0f;
  Check(Opcode::kI64TruncF32S, {F32(kNanF)}).Traps(kInvalid);
  Check(Opcode::kI64TruncF32S, {F32(kInfF)}).Traps(kOverflow);
  Check(Opcode::kI64TruncF32S, {F32(two63)}).Traps(kOverflow);
  Check(Opcode::kI64TruncF32S, {F32(std::nextafter(two63, 0.0f))})
      .Is(I64(9223371487098961920));  // 2^63 - 2^39
  Check(Opcode::kI64TruncF32S, {F32(-two63)}).Is(I64(kI64Min));
  Check(Opcode::kI64TruncF32S, {F32(std::nextafter(-two63, -kInfF))}).Traps(kOverflow);
  Check(Opcode::kI64TruncF32S, {F32(-kInfF)}).Traps(kOverflow);

  const float two64 = 18446744073709551616.0f;
  Check(Opcode::kI64TruncF32U, {F32(-kNanF)}).Traps(kInvalid);
  Check(Opcode::kI64TruncF32U, {F32(two64)}).Traps(kOverflow);
  Check(Opcode::kI64TruncF32U, {F32(std::nextafter(two64, 0.0f))})
      .Is(U64(18446742974197923840ull));  // 2^64 - 2^40
  Check(Opcode::kI64TruncF32U, {F32(two63)}).Is(U64(0x8000000000000000));
  Check(Opcode::kI64TruncF32U, {F32(-0.9f)}).Is(I64(0));
  Check(Opcode::kI64TruncF32U, {F32(-1.0f)}).Traps(kOverflow);
  Check(Opcode::kI64TruncF32U, {F32(-kInfF)}).Traps(kOverflow);
}

TEST(NumericOpsTest, TruncI64FromF64) {
  const double two63 = 9223372036854775808.0;
  Check(Opcode::kI64TruncF64S, {F64(kNanD)}).Traps(kInvalid);
  Check(Opcode::kI64TruncF64S, {F64(kInfD)}).Traps(kOverflow);
  Check(Opcode::kI64TruncF64S, {F64(two63)}).Traps(kOverflow);
  Check(Opcode::kI64TruncF64S, {F64(std::nextafter(two63, 0.0))})
      .Is(I64(9223372036854774784));  // 2^63 - 1024
  Check(Opcode::kI64TruncF64S, {F64(-two63)}).Is(I64(kI64Min));
  Check(Opcode::kI64TruncF64S, {F64(std::nextafter(-two63, -kInfD))}).Traps(kOverflow);
  Check(Opcode::kI64TruncF64S, {F64(-1.5)}).Is(I64(-1));

  const double two64 = 18446744073709551616.0;
  Check(Opcode::kI64TruncF64U, {F64(kNanD)}).Traps(kInvalid);
  Check(Opcode::kI64TruncF64U, {F64(two64)}).Traps(kOverflow);
  Check(Opcode::kI64TruncF64U, {F64(std::nextafter(two64, 0.0))})
      .Is(U64(18446744073709549568ull));  // 2^64 - 2048
  Check(Opcode::kI64TruncF64U, {F64(two63)}).Is(U64(0x8000000000000000));
  Check(Opcode::kI64TruncF64U, {F64(std::nextafter(-1.0, 0.0))}).Is(I64(0));
  Check(Opcode::kI64TruncF64U, {F64(-1.0)}).Traps(kOverflow);
  Check(Opcode::kI64TruncF64U, {F64(-kInfD)}).Traps(kOverflow);
}

TEST(NumericOpsTest, TruncSatSaturatesAndMapsNanToZero) {
  Check(Opcode::kI32TruncSatF32S, {F32(kNanF)}).Is(I32(0));
  Check(Opcode::kI32TruncSatF32S, {F32(-kNanF)}).Is(I32(0));
  Check(Opcode::kI32TruncSatF32S, {F32(kInfF)}).Is(I32(kI32Max));
  Check(Opcode::kI32TruncSatF32S, {F32(-kInfF)}).Is(I32(kI32Min));
  Check(Opcode::kI32TruncSatF32S, {F32(2147483648.0f)}).Is(I32(kI32Max));
  Check(Opcode::kI32TruncSatF32S, {F32(-3.7f)}).Is(I32(-3));
  Check(Opcode::kI32TruncSatF32U, {F32(kNanF)}).Is(I32(0));
  Check(Opcode::kI32TruncSatF32U, {F32(-1.5f)}).Is(I32(0));
  Check(Opcode::kI32TruncSatF32U, {F32(1e20f)}).Is(U32(0xffffffff));
  Check(Opcode::kI32TruncSatF32U, {F32(3.7f)}).Is(I32(3));
  Check(Opcode::kI32TruncSatF64S, {F64(kNanD)}).Is(I32(0));
  Check(Opcode::kI32TruncSatF64S, {F64(-2147483649.0)}).Is(I32(kI32Min));
  Check(Opcode::kI32TruncSatF64S, {F64(2147483647.9)}).Is(I32(kI32Max));
  Check(Opcode::kI32TruncSatF64S, {F64(1e300)}).Is(I32(kI32Max));
  Check(Opcode::kI32TruncSatF64U, {F64(kNanD)}).Is(I32(0));
  Check(Opcode::kI32TruncSatF64U, {F64(-kInfD)}).Is(I32(0));
  Check(Opcode::kI32TruncSatF64U, {F64(4294967296.0)}).Is(U32(0xffffffff));
  Check(Opcode::kI32TruncSatF64U, {F64(4294967295.5)}).Is(U32(0xffffffff));
  Check(Opcode::kI64TruncSatF32S, {F32(kNanF)}).Is(I64(0));
  Check(Opcode::kI64TruncSatF32S, {F32(kInfF)}).Is(I64(kI64Max));
  Check(Opcode::kI64TruncSatF32S, {F32(-kInfF)}).Is(I64(kI64Min));
  Check(Opcode::kI64TruncSatF32U, {F32(kNanF)}).Is(I64(0));
  Check(Opcode::kI64TruncSatF32U, {F32(1e30f)}).Is(U64(0xffffffffffffffff));
  Check(Opcode::kI64TruncSatF32U, {F32(-1e30f)}).Is(I64(0));
  Check(Opcode::kI64TruncSatF64S, {F64(kNanD)}).Is(I64(0));
  Check(Opcode::kI64TruncSatF64S, {F64(9223372036854775808.0)}).Is(I64(kI64Max));
  Check(Opcode::kI64TruncSatF64S, {F64(-1e300)}).Is(I64(kI64Min));
  Check(Opcode::kI64TruncSatF64S, {F64(-1.5)}).Is(I64(-1));
  Check(Opcode::kI64TruncSatF64U, {F64(kNanD)}).Is(I64(0));
  Check(Opcode::kI64TruncSatF64U, {F64(18446744073709551616.0)}).Is(U64(0xffffffffffffffff));
  Check(Opcode::kI64TruncSatF64U, {F64(-0.5)}).Is(I64(0));
  Check(Opcode::kI64TruncSatF64U, {F64(9223372036854775808.0)}).Is(U64(0x8000000000000000));
}

TEST(NumericOpsTest, IntToFloatRoundsToNearestEven) {
  Check(Opcode::kF32ConvertI32S, {I32(16777217)}).Is(F32(16777216.0f));  // tie -> even
  Check(Opcode::kF32ConvertI32S, {I32(16777219)}).Is(F32(16777220.0f));  // tie -> even
  Check(Opcode::kF32ConvertI32S, {I32(kI32Min)}).Is(F32(-2147483648.0f));
  Check(Opcode::kF32ConvertI32U, {I32(-1)}).Is(F32(4294967296.0f));
  Check(Opcode::kF32ConvertI32U, {U32(0x80000080)}).Is(F32(2147483648.0f));
  Check(Opcode::kF32ConvertI32U, {U32(0x80000081)}).Is(F32(2147483904.0f));
  // A value where rounding via f64 first (double rounding) would be wrong.
  Check(Opcode::kF32ConvertI64S, {I64(9007199791611905)}).Is(F32(9007200328482816.0f));
  Check(Opcode::kF32ConvertI64S, {I64(kI64Min)}).Is(F32(-9223372036854775808.0f));
  Check(Opcode::kF32ConvertI64U, {I64(-1)}).Is(F32(18446744073709551616.0f));
  Check(Opcode::kF32ConvertI64U, {U64(0x8000008000000001)}).Is(F32(9223373136366403584.0f));
  Check(Opcode::kF64ConvertI32S, {I32(kI32Min)}).Is(F64(-2147483648.0));
  Check(Opcode::kF64ConvertI32U, {I32(-1)}).Is(F64(4294967295.0));
  Check(Opcode::kF64ConvertI64S, {I64(9007199254740993)}).Is(F64(9007199254740992.0));
  Check(Opcode::kF64ConvertI64U, {I64(-1)}).Is(F64(18446744073709551616.0));
  Check(Opcode::kF64ConvertI64U, {U64(0x8000000000000401)}).Is(F64(9223372036854777856.0));
}

TEST(NumericOpsTest, DemoteAndPromote) {
  Check(Opcode::kF32DemoteF64, {F64(1e300)}).Is(F32(kInfF));
  Check(Opcode::kF32DemoteF64, {F64(-1e300)}).Is(F32(-kInfF));
  Check(Opcode::kF32DemoteF64, {F64(4.9406564584124654e-324)}).Is(F32(0.0f));
  Check(Opcode::kF32DemoteF64, {F64(-0.0)}).Is(F32(-0.0f));
  Check(Opcode::kF32DemoteF64, {F64(1.0000000596046448)}).Is(F32(1.0f));  // tie -> even
  Check(Opcode::kF32DemoteF64, {F64(kNanD)}).IsNan();
  Check(Opcode::kF32DemoteF64, {F64Bits(0x7ff0000000000001)}).IsNan();
  Check(Opcode::kF64PromoteF32, {F32(std::numeric_limits<float>::max())})
      .Is(F64(static_cast<double>(std::numeric_limits<float>::max())));
  Check(Opcode::kF64PromoteF32, {F32(std::numeric_limits<float>::denorm_min())})
      .Is(F64(1.401298464324817e-45));
  Check(Opcode::kF64PromoteF32, {F32(-0.0f)}).Is(F64(-0.0));
  Check(Opcode::kF64PromoteF32, {F32(kNanF)}).IsNan();
}

TEST(NumericOpsTest, ReinterpretKeepsEveryBit) {
  Check(Opcode::kI32ReinterpretF32, {F32Bits(0x7fa00001)}).Is(U32(0x7fa00001));
  Check(Opcode::kI32ReinterpretF32, {F32Bits(0xff800001)}).Is(U32(0xff800001));
  Check(Opcode::kF32ReinterpretI32, {U32(0x7f800001)}).Is(F32Bits(0x7f800001));
  Check(Opcode::kI64ReinterpretF64, {F64Bits(0x7ff0000000000001)}).Is(U64(0x7ff0000000000001));
  Check(Opcode::kF64ReinterpretI64, {U64(0xfff4000000000000)}).Is(F64Bits(0xfff4000000000000));
  // Round trips through the float type, signalling NaNs included.
  for (uint32_t bits : {0x7f800001u, 0xffbfffffu, 0x7fc00000u, 0x80000000u, 0x00000001u}) {
    Check({Opcode::kF32ReinterpretI32, Opcode::kI32ReinterpretF32}, {U32(bits)}).Is(U32(bits));
  }
  for (uint64_t bits : {0x7ff0000000000001ull, 0xfff7ffffffffffffull, 0x8000000000000000ull}) {
    Check({Opcode::kF64ReinterpretI64, Opcode::kI64ReinterpretF64}, {U64(bits)}).Is(U64(bits));
  }
  // And through a sign op in between.
  Check({Opcode::kF32ReinterpretI32, Opcode::kF32Neg, Opcode::kI32ReinterpretF32},
        {U32(0x7f800001)})
      .Is(U32(0xff800001));
}

}  // namespace
}  // namespace kiln::jit
