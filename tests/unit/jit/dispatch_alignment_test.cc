#include "dispatch_alignment.h"

#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"

namespace kiln::jit {
namespace {

// An interpreter's loop over ten opcodes, and a loop over four: LLVM makes
// a jump table of both switches.
constexpr const char* kDispatchLoops = R"(
define i64 @ten_opcodes(ptr %code) {
entry:
  br label %dispatch
dispatch:
  %pc = phi i64 [ 0, %entry ], [ %next, %advance ]
  %acc = phi i64 [ 1, %entry ], [ %acc.next, %advance ]
  %at = getelementptr inbounds i32, ptr %code, i64 %pc
  %op = load i32, ptr %at, align 4
  switch i32 %op, label %done [
    i32 0, label %op0
    i32 1, label %op1
    i32 2, label %op2
    i32 3, label %op3
    i32 4, label %op4
    i32 5, label %op5
    i32 6, label %op6
    i32 7, label %op7
    i32 8, label %op8
    i32 9, label %op9
  ]
op0:
  %a0 = add i64 %acc, 3
  br label %advance
op1:
  %a1 = mul i64 %acc, 5
  br label %advance
op2:
  %a2 = xor i64 %acc, 7
  br label %advance
op3:
  %a3 = sub i64 %acc, 11
  br label %advance
op4:
  %a4 = shl i64 %acc, 1
  br label %advance
op5:
  %a5 = lshr i64 %acc, 2
  br label %advance
op6:
  %a6 = or i64 %acc, 13
  br label %advance
op7:
  %a7 = and i64 %acc, 17
  br label %advance
op8:
  %a8 = udiv i64 %acc, 19
  br label %advance
op9:
  %a9 = mul i64 %acc, 23
  br label %advance
advance:
  %acc.next = phi i64 [ %a0, %op0 ], [ %a1, %op1 ], [ %a2, %op2 ], [ %a3, %op3 ],
                      [ %a4, %op4 ], [ %a5, %op5 ], [ %a6, %op6 ], [ %a7, %op7 ],
                      [ %a8, %op8 ], [ %a9, %op9 ]
  %next = add i64 %pc, 1
  br label %dispatch
done:
  ret i64 %acc
}

define i64 @four_opcodes(ptr %code) {
entry:
  br label %dispatch
dispatch:
  %pc = phi i64 [ 0, %entry ], [ %next, %advance ]
  %acc = phi i64 [ 1, %entry ], [ %acc.next, %advance ]
  %at = getelementptr inbounds i32, ptr %code, i64 %pc
  %op = load i32, ptr %at, align 4
  switch i32 %op, label %done [
    i32 0, label %op0
    i32 1, label %op1
    i32 2, label %op2
    i32 3, label %op3
  ]
op0:
  %a0 = add i64 %acc, 3
  br label %advance
op1:
  %a1 = mul i64 %acc, 5
  br label %advance
op2:
  %a2 = xor i64 %acc, 7
  br label %advance
op3:
  %a3 = sub i64 %acc, 11
  br label %advance
advance:
  %acc.next = phi i64 [ %a0, %op0 ], [ %a1, %op1 ], [ %a2, %op2 ], [ %a3, %op3 ]
  %next = add i64 %pc, 1
  br label %dispatch
done:
  ret i64 %acc
}
)";

// The x86-64 assembly of kDispatchLoops, split into lines.
std::vector<std::string> CompileToAssembly() {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::LLVMContext context;
  llvm::SMDiagnostic error;
  std::unique_ptr<llvm::Module> module = llvm::parseAssemblyString(kDispatchLoops, error, context);
  EXPECT_NE(module, nullptr) << error.getMessage().str();
  if (module == nullptr) return {};
  const std::string triple = "x86_64-pc-linux-gnu";
  std::string lookup_error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, lookup_error);
  EXPECT_NE(target, nullptr) << lookup_error;
  if (target == nullptr) return {};
  std::unique_ptr<llvm::TargetMachine> machine(
      target->createTargetMachine(triple, "znver3", "", llvm::TargetOptions(), llvm::Reloc::PIC_,
                                  llvm::CodeModel::Small, llvm::CodeGenOptLevel::Default));
  module->setTargetTriple(triple);
  module->setDataLayout(machine->createDataLayout());

  llvm::SmallString<0> text;
  llvm::raw_svector_ostream out(text);
  llvm::legacy::PassManager passes;
  EXPECT_TRUE(AddCodeGenPasses(*machine, passes, out, llvm::CodeGenFileType::AssemblyFile));
  passes.run(*module);

  std::vector<std::string> lines;
  std::istringstream stream(text.str().str());
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// The labels that the jump tables name, e.g. ".LBB0_3". Each table, named
// .LJTI<function>_<n>, lists one label per line until the next directive.
std::set<std::string> JumpTableTargets(const std::vector<std::string>& lines) {
  std::set<std::string> targets;
  bool in_table = false;
  for (const std::string& line : lines) {
    if (line.rfind(".LJTI", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    const size_t at = line.find(".LBB");
    if (at == std::string::npos) {
      in_table = false;
      continue;
    }
    targets.insert(line.substr(at, line.find_first_of("- \t", at) - at));
  }
  return targets;
}

// The directive in front of `label` (comments skipped), or "".
std::string DirectiveBefore(const std::vector<std::string>& lines, const std::string& label) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind(label + ":", 0) != 0) continue;
    for (size_t j = i; j-- > 0;) {
      const size_t start = lines[j].find_first_not_of(" \t");
      if (start == std::string::npos || lines[j][start] == '#') continue;
      return lines[j].substr(start, lines[j].find_first_of("#", start) - start);
    }
  }
  return "";
}

TEST(DispatchAlignmentTest, TargetsOfABigTableStartCacheLines) {
  const std::vector<std::string> lines = CompileToAssembly();
  ASSERT_FALSE(lines.empty());
  std::set<std::string> ten;
  std::set<std::string> four;
  // Functions are numbered in order: ten_opcodes is 0, four_opcodes is 1.
  for (const std::string& target : JumpTableTargets(lines)) {
    (target.rfind(".LBB0_", 0) == 0 ? ten : four).insert(target);
  }
  ASSERT_EQ(ten.size(), 10u);
  ASSERT_EQ(four.size(), 4u);
  for (const std::string& target : ten) {
    EXPECT_EQ(DirectiveBefore(lines, target).rfind(".p2align\t6", 0), 0u)
        << target << " follows " << DirectiveBefore(lines, target);
  }
  for (const std::string& target : four) {
    EXPECT_EQ(DirectiveBefore(lines, target).find(".p2align\t6"), std::string::npos) << target;
  }
}

}  // namespace
}  // namespace kiln::jit
