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

// An interpreter's loop over `opcodes` opcodes (at most 10), each doing a
// different operation: LLVM makes a jump table of its switch.
std::string DispatchLoop(const std::string& name, int opcodes) {
  static const char* const kOperations[] = {"add i64 %acc, 3",  "mul i64 %acc, 5",
                                            "xor i64 %acc, 7",  "sub i64 %acc, 11",
                                            "shl i64 %acc, 1",  "lshr i64 %acc, 2",
                                            "or i64 %acc, 13",  "and i64 %acc, 17",
                                            "udiv i64 %acc, 19", "mul i64 %acc, 23"};
  std::string cases, blocks, incoming;
  for (int op = 0; op < opcodes; ++op) {
    const std::string n = std::to_string(op);
    cases += "    i32 " + n + ", label %op" + n + "\n";
    blocks += "op" + n + ":\n  %a" + n + " = " + kOperations[op] + "\n  br label %advance\n";
    incoming += std::string(op == 0 ? "" : ", ") + "[ %a" + n + ", %op" + n + " ]";
  }
  return "define i64 @" + name + R"((ptr %code) {
entry:
  br label %dispatch
dispatch:
  %pc = phi i64 [ 0, %entry ], [ %next, %advance ]
  %acc = phi i64 [ 1, %entry ], [ %acc.next, %advance ]
  %at = getelementptr inbounds i32, ptr %code, i64 %pc
  %op = load i32, ptr %at, align 4
  switch i32 %op, label %done [
)" + cases + "  ]\n" + blocks + R"(advance:
  %acc.next = phi i64 )" + incoming + R"(
  %next = add i64 %pc, 1
  br label %dispatch
done:
  ret i64 %acc
}
)";
}

// The x86-64 assembly of a ten-opcode and a four-opcode DispatchLoop, split
// into lines.
std::vector<std::string> CompileToAssembly() {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::LLVMContext context;
  llvm::SMDiagnostic error;
  const std::string text = DispatchLoop("ten_opcodes", 10) + DispatchLoop("four_opcodes", 4);
  std::unique_ptr<llvm::Module> module = llvm::parseAssemblyString(text, error, context);
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

  llvm::SmallString<0> assembly;
  llvm::raw_svector_ostream out(assembly);
  llvm::legacy::PassManager passes;
  EXPECT_TRUE(AddCodeGenPasses(*machine, passes, out, llvm::CodeGenFileType::AssemblyFile));
  passes.run(*module);

  std::vector<std::string> lines;
  std::istringstream stream(assembly.str().str());
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
