#include "i64x2_mul_scalarizer.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln::jit {
namespace {

std::unique_ptr<llvm::Module> Parse(llvm::LLVMContext& context, const char* ir) {
  llvm::SMDiagnostic error;
  std::unique_ptr<llvm::Module> module = llvm::parseAssemblyString(ir, error, context);
  if (module == nullptr) ADD_FAILURE() << error.getMessage().str();
  return module;
}

std::string Print(const llvm::Function& function) {
  std::string text;
  llvm::raw_string_ostream out(text);
  function.print(out);
  return text;
}

// A loop carrying two i64x2 accumulators through multiplies, as clang
// vectorizes a four-lane hash: entered from scalars, left through lane
// extracts, with the accumulator also stored as a whole vector.
constexpr const char* kHashLoop = R"(
define i64 @hash(ptr %words, i64 %seed, i64 %n, ptr %out) {
entry:
  %a = insertelement <2 x i64> poison, i64 %seed, i64 0
  %acc0 = insertelement <2 x i64> %a, i64 %n, i64 1
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %next, %loop ]
  %acc = phi <2 x i64> [ %acc0, %entry ], [ %mixed, %loop ]
  %p = getelementptr inbounds i8, ptr %words, i64 %i
  %w = load <2 x i64>, ptr %p, align 1
  %wk = mul <2 x i64> %w, <i64 -4417276706812531889, i64 -4417276706812531889>
  %sum = add <2 x i64> %acc, %wk
  %rot = call <2 x i64> @llvm.fshl.v2i64(<2 x i64> %sum, <2 x i64> %sum, <2 x i64> <i64 31, i64 31>)
  %mixed = mul <2 x i64> %rot, <i64 -7046029288634856825, i64 -7046029288634856825>
  %next = add i64 %i, 16
  %more = icmp ult i64 %next, %n
  br i1 %more, label %loop, label %exit
exit:
  store <2 x i64> %mixed, ptr %out, align 1
  %lo = extractelement <2 x i64> %mixed, i64 0
  %hi = extractelement <2 x i64> %mixed, i64 1
  %h = xor i64 %lo, %hi
  ret i64 %h
}
declare <2 x i64> @llvm.fshl.v2i64(<2 x i64>, <2 x i64>, <2 x i64>)
)";

TEST(I64x2MulScalarizerTest, MovesALoopOfMultipliesToScalarRegisters) {
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = Parse(context, kHashLoop);
  ASSERT_NE(module, nullptr);
  llvm::Function& function = *module->getFunction("hash");
  EXPECT_EQ(ScalarizeI64x2MulWebsIn(function), 1);
  std::string errors;
  llvm::raw_string_ostream error_stream(errors);
  ASSERT_FALSE(llvm::verifyFunction(function, &error_stream)) << errors << Print(function);
  const std::string text = Print(function);
  EXPECT_EQ(text.find("mul <2 x i64>"), std::string::npos) << text;
  EXPECT_EQ(text.find("phi <2 x i64>"), std::string::npos) << text;
  EXPECT_EQ(text.find("extractelement"), std::string::npos) << text;
  // Four scalar multiplies, the vector load split into two, the lanes of
  // the entry value taken from the scalars it was built from.
  size_t multiplies = 0;
  for (size_t at = text.find("mul i64"); at != std::string::npos; at = text.find("mul i64", at + 1)) {
    ++multiplies;
  }
  EXPECT_EQ(multiplies, 4u) << text;
  EXPECT_NE(text.find("phi i64 [ %seed, %entry ]"), std::string::npos) << text;
  EXPECT_NE(text.find("load i64, ptr %p, align 1"), std::string::npos) << text;
  // The store still writes all 16 bytes at once (a v128.store traps whole).
  EXPECT_NE(text.find("store <2 x i64>"), std::string::npos) << text;
}

TEST(I64x2MulScalarizerTest, LeavesALoneMultiplyOfVectorsAlone) {
  // Splitting both operands and rebuilding the result costs more than the
  // emulated multiply it replaces.
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = Parse(context, R"(
define <2 x i64> @lone(<2 x i64> %a, <2 x i64> %b) {
  %m = mul <2 x i64> %a, %b
  ret <2 x i64> %m
}
)");
  ASSERT_NE(module, nullptr);
  llvm::Function& function = *module->getFunction("lone");
  EXPECT_EQ(ScalarizeI64x2MulWebsIn(function), 0);
  EXPECT_NE(Print(function).find("mul <2 x i64> %a, %b"), std::string::npos);
}

TEST(I64x2MulScalarizerTest, LeavesAWebThatReachesUnreachableCodeAlone) {
  // The rewrite walks blocks from the entry; a member it would never visit
  // must keep the whole web as it is, not crash or leave it half done.
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = Parse(context, R"(
define i64 @dead(<2 x i64> %a) {
entry:
  br label %exit
dead:
  %m = mul <2 x i64> %a, %a
  br label %exit
exit:
  %p = phi <2 x i64> [ %a, %entry ], [ %m, %dead ]
  %r = mul <2 x i64> %p, <i64 3, i64 5>
  %s = mul <2 x i64> %r, <i64 7, i64 9>
  %lo = extractelement <2 x i64> %s, i64 0
  ret i64 %lo
}
)");
  ASSERT_NE(module, nullptr);
  llvm::Function& function = *module->getFunction("dead");
  EXPECT_EQ(ScalarizeI64x2MulWebsIn(function), 0);
  EXPECT_FALSE(llvm::verifyFunction(function));
}

}  // namespace
}  // namespace kiln::jit
