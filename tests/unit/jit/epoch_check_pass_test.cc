#include "epoch_check_pass.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln::jit {
namespace {

// Each check is as the translator emits it: a monotonic load compared
// with the deadline, a branch marked !kiln.epoch_check to a block that
// calls the builtin and falls into the code after the check.
constexpr const char* kLoops = R"(
declare void @epoch_reached()

; for (i = 0; i < n; ++i) p[i] = 0: an exact trip count.
define void @counted(ptr %p, i32 %n, ptr %epoch, i64 %deadline) {
entry:
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %next, %body ]
  %now = load atomic i64, ptr %epoch monotonic, align 8
  %late = icmp uge i64 %now, %deadline
  br i1 %late, label %reached, label %body, !kiln.epoch_check !0
reached:
  call void @epoch_reached()
  br label %body
body:
  %a = zext i32 %i to i64
  %q = getelementptr inbounds i32, ptr %p, i64 %a
  store i32 0, ptr %q, align 4
  %next = add nuw nsw i32 %i, 1
  %more = icmp slt i32 %next, %n
  br i1 %more, label %loop, label %exit
exit:
  ret void
}

; An insertion sort's inner loop: while (j >= 0 && v[j] > x) --j. The
; data-dependent exit has no count, but j >= 0 bounds the iterations.
define i32 @bounded(ptr %v, i32 %start, i32 %x, ptr %epoch, i64 %deadline) {
entry:
  br label %loop
loop:
  %j = phi i32 [ %start, %entry ], [ %prev, %body ]
  %now = load atomic i64, ptr %epoch monotonic, align 8
  %late = icmp uge i64 %now, %deadline
  br i1 %late, label %reached, label %check, !kiln.epoch_check !0
reached:
  call void @epoch_reached()
  br label %check
check:
  %in = icmp sge i32 %j, 0
  br i1 %in, label %body, label %exit
body:
  %a = zext nneg i32 %j to i64
  %q = getelementptr inbounds i32, ptr %v, i64 %a
  %e = load i32, ptr %q, align 4
  %prev = add nsw i32 %j, -1
  %greater = icmp sgt i32 %e, %x
  br i1 %greater, label %loop, label %exit
exit:
  %r = phi i32 [ %j, %check ], [ %j, %body ]
  ret i32 %r
}

; A partition scan: do ++i; while (v[i] < pivot). Nothing bounds it (i
; wraps), so it may run forever; it calls nothing (ctpop is an instruction),
; so the runtime's signal stops it and the check goes.
define i32 @unbounded(ptr %v, i32 %pivot, ptr %epoch, i64 %deadline) {
entry:
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %next, %body ]
  %now = load atomic i64, ptr %epoch monotonic, align 8
  %late = icmp uge i64 %now, %deadline
  br i1 %late, label %reached, label %body, !kiln.epoch_check !0
reached:
  call void @epoch_reached()
  br label %body
body:
  %next = add i32 %i, 1
  %a = zext i32 %next to i64
  %q = getelementptr inbounds i32, ptr %v, i64 %a
  %e = load i32, ptr %q, align 4
  %bits = call i32 @llvm.ctpop.i32(i32 %e)
  %less = icmp slt i32 %bits, %pivot
  br i1 %less, label %loop, label %exit
exit:
  ret i32 %next
}

declare i32 @llvm.ctpop.i32(i32)
declare void @log(i32)
declare void @llvm.memmove.p0.p0.i64(ptr, ptr, i64, i1)

; The same scan, calling out on each iteration: the guest may spend its
; time outside generated code, where the signal cannot stop it, so the
; check stays. @calls_a_function calls a function, @moves_memory a memory
; intrinsic (which may become a libc call).
define i32 @calls_a_function(ptr %v, i32 %pivot, ptr %epoch, i64 %deadline) {
entry:
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %next, %body ]
  %now = load atomic i64, ptr %epoch monotonic, align 8
  %late = icmp uge i64 %now, %deadline
  br i1 %late, label %reached, label %body, !kiln.epoch_check !0
reached:
  call void @epoch_reached()
  br label %body
body:
  %next = add i32 %i, 1
  %a = zext i32 %next to i64
  %q = getelementptr inbounds i32, ptr %v, i64 %a
  %e = load i32, ptr %q, align 4
  call void @log(i32 %e)
  %less = icmp slt i32 %e, %pivot
  br i1 %less, label %loop, label %exit
exit:
  ret i32 %next
}

define i32 @moves_memory(ptr %v, i32 %pivot, ptr %epoch, i64 %deadline) {
entry:
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %next, %body ]
  %now = load atomic i64, ptr %epoch monotonic, align 8
  %late = icmp uge i64 %now, %deadline
  br i1 %late, label %reached, label %body, !kiln.epoch_check !0
reached:
  call void @epoch_reached()
  br label %body
body:
  %next = add i32 %i, 1
  %a = zext i32 %next to i64
  %q = getelementptr inbounds i32, ptr %v, i64 %a
  %e = load i32, ptr %q, align 4
  %n = zext i32 %e to i64
  call void @llvm.memmove.p0.p0.i64(ptr %v, ptr %q, i64 %n, i1 false)
  %less = icmp slt i32 %e, %pivot
  br i1 %less, label %loop, label %exit
exit:
  ret i32 %next
}

; A function's entry check, inlined into a loop that calls nothing.
define void @inlined_entry_check(ptr %p, ptr %epoch, i64 %deadline) {
entry:
  br label %loop
loop:
  %now = load atomic i64, ptr %epoch monotonic, align 8
  %late = icmp uge i64 %now, %deadline
  br i1 %late, label %reached, label %body, !kiln.epoch_check !0
reached:
  call void @epoch_reached()
  br label %body
body:
  %x = load volatile i32, ptr %p, align 4
  %now2 = load atomic i64, ptr %epoch monotonic, align 8
  %late2 = icmp uge i64 %now2, %deadline
  br i1 %late2, label %reached2, label %body2, !kiln.epoch_check !0
reached2:
  call void @epoch_reached()
  br label %body2
body2:
  store volatile i32 %x, ptr %p, align 4
  br label %loop
}

; The same check at a function's entry, outside any loop: it stays.
define void @entry_check(ptr %epoch, i64 %deadline) {
entry:
  %now = load atomic i64, ptr %epoch monotonic, align 8
  %late = icmp uge i64 %now, %deadline
  br i1 %late, label %reached, label %done, !kiln.epoch_check !0
reached:
  call void @epoch_reached()
  br label %done
done:
  ret void
}

!0 = !{}
)";

class EpochCheckPassTest : public ::testing::Test {
 protected:
  void SetUp() override {
    llvm::SMDiagnostic error;
    module_ = llvm::parseAssemblyString(kLoops, error, context_);
    ASSERT_NE(module_, nullptr) << error.getMessage().str();
    builder_.registerFunctionAnalyses(analyses_);
  }

  // Runs the pass on `name` and returns the function's text afterwards.
  std::string Run(const char* name) {
    llvm::Function& function = *module_->getFunction(name);
    DropLoopEpochChecks().run(function, analyses_);
    std::string text;
    llvm::raw_string_ostream out(text);
    EXPECT_FALSE(llvm::verifyFunction(function, &out)) << text;
    function.print(out);
    return text;
  }

  static bool Checks(const std::string& text) {
    return text.find("@epoch_reached") != std::string::npos ||
           text.find("load atomic") != std::string::npos;
  }

  llvm::LLVMContext context_;
  std::unique_ptr<llvm::Module> module_;
  llvm::PassBuilder builder_;
  llvm::FunctionAnalysisManager analyses_;
};

TEST_F(EpochCheckPassTest, DropsTheCheckOfACountedLoop) {
  const std::string text = Run("counted");
  EXPECT_FALSE(Checks(text)) << text;
}

TEST_F(EpochCheckPassTest, DropsTheCheckOfALoopWithABoundedExit) {
  const std::string text = Run("bounded");
  EXPECT_FALSE(Checks(text)) << text;
}

TEST_F(EpochCheckPassTest, DropsTheCheckOfAnEndlessLoopThatCallsNothing) {
  const std::string text = Run("unbounded");
  EXPECT_FALSE(Checks(text)) << text;
}

TEST_F(EpochCheckPassTest, KeepsTheCheckOfAnEndlessLoopThatCallsOut) {
  for (const char* name : {"calls_a_function", "moves_memory"}) {
    const std::string text = Run(name);
    EXPECT_TRUE(Checks(text)) << text;
    EXPECT_NE(text.find("!kiln.epoch_check"), std::string::npos) << text;
  }
}

TEST_F(EpochCheckPassTest, DropsAnEntryCheckInlinedIntoALoopThatCallsNothing) {
  const std::string text = Run("inlined_entry_check");
  EXPECT_FALSE(Checks(text)) << text;
}

TEST_F(EpochCheckPassTest, KeepsAFunctionEntryCheck) {
  const std::string text = Run("entry_check");
  EXPECT_TRUE(Checks(text)) << text;
}

}  // namespace
}  // namespace kiln::jit
