// The CPU features on both sides of an artifact: the list the compiler
// writes into the fingerprint (jit/src/compiler.cc) and the runtime's own
// detection of this host (runtime/src/host_cpu_features.cc), each checked
// against LLVM. A mistake on either side would refuse a host its own code,
// or let a host load code it cannot run and die of SIGILL.
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "host_cpu.h"
#include "host_cpu_features.h"
#include "kiln/jit/compiler.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"

namespace kiln::engine_test {
namespace {

using runtime::FingerprintField;

// The "+name"/"-name" entries of a fingerprint's feature list.
std::vector<std::string> FeatureList(const std::string& fingerprint) {
  std::vector<std::string> features;
  const std::string list = FingerprintField(fingerprint, "features");
  size_t start = 0;
  while (start < list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    features.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return features;
}

std::set<std::string> Names(const std::vector<std::string>& features) {
  std::set<std::string> names;
  for (const std::string& feature : features) names.insert(feature.substr(1));
  return names;
}

std::string HostFingerprint() {
  absl::StatusOr<std::unique_ptr<jit::Compiler>> compiler = jit::Compiler::Create({});
  EXPECT_TRUE(compiler.ok()) << compiler.status();
  return compiler.ok() ? (*compiler)->fingerprint() : "";
}

// The fingerprint with its feature list replaced by `features`.
std::string WithFeatures(const std::string& fingerprint, const std::string& features) {
  const size_t at = fingerprint.find("features=");
  const size_t end = std::min(fingerprint.find(';', at), fingerprint.size());
  std::string changed = fingerprint;
  changed.replace(at, end - at, absl::StrCat("features=", features));
  return changed;
}

class CpuFeaturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    llvm::InitializeNativeTarget();
    triple_ = llvm::sys::getProcessTriple();
    std::string error;
    target_ = llvm::TargetRegistry::lookupTarget(triple_, error);
    ASSERT_NE(target_, nullptr) << error;
  }

  std::unique_ptr<llvm::MCSubtargetInfo> Subtarget(const std::string& cpu,
                                                   const std::string& features) const {
    return std::unique_ptr<llvm::MCSubtargetInfo>(
        target_->createMCSubtargetInfo(triple_, cpu, features));
  }

  // Every x86-64 CPU LLVM knows that Kiln compiles for (those with SSE4.1),
  // with the fingerprint of a compiler for it.
  std::vector<std::pair<std::string, std::string>> CompilableCpus() const {
    std::vector<std::pair<std::string, std::string>> cpus;
    std::unique_ptr<llvm::MCSubtargetInfo> generic = Subtarget("", "");
    for (const llvm::SubtargetSubTypeKV& cpu : generic->getAllProcessorDescriptions()) {
      absl::StatusOr<std::unique_ptr<jit::Compiler>> compiler =
          jit::Compiler::Create({.cpu = cpu.Key});
      if (compiler.ok()) cpus.emplace_back(cpu.Key, (*compiler)->fingerprint());
    }
    return cpus;
  }

  std::string triple_;
  const llvm::Target* target_ = nullptr;
};

// The runtime's table against LLVM's detection, name by name: they must
// agree on every host, or the host's own artifacts are refused (runtime
// says absent) or foreign ones may crash it (runtime says present).
TEST_F(CpuFeaturesTest, RuntimeDetectionAgreesWithLlvmOnThisHost) {
  const llvm::StringMap<bool> llvm_view = llvm::sys::getHostCPUFeatures();
  ASSERT_GT(llvm_view.size(), 50u);
  std::vector<std::string> disagreements;
  int present = 0;
  for (const auto& feature : llvm_view) {
    const std::string name = feature.first().str();
    const std::optional<bool> ours = runtime::HostHasCpuFeature(name);
    if (!ours.has_value()) {
      disagreements.push_back(absl::StrCat(name, ": unknown to the runtime"));
    } else if (*ours != feature.second) {
      disagreements.push_back(absl::StrCat(name, ": LLVM says ", feature.second ? "yes" : "no",
                                           ", the runtime ", *ours ? "yes" : "no"));
    }
    present += feature.second ? 1 : 0;
  }
  EXPECT_TRUE(disagreements.empty()) << absl::StrJoin(disagreements, "\n");
  std::cout << "this host has " << present << " of the " << llvm_view.size()
            << " features LLVM detects\n";
}

TEST_F(CpuFeaturesTest, RuntimeKnowsUnknownNamesAreUnknown) {
  EXPECT_FALSE(runtime::HostHasCpuFeature("no-such-feature").has_value());
  EXPECT_FALSE(runtime::HostHasCpuFeature("").has_value());
  EXPECT_EQ(runtime::HostHasCpuFeature("sse2"), std::optional<bool>(true));
  // Kiln needs SSE4.1; every host it runs on has it.
  EXPECT_EQ(runtime::HostHasCpuFeature("sse4.1"), std::optional<bool>(true));
}

// This host's list: what LLVM detects (which the compiler reads back from
// the subtarget, so the two must be the same here), plus evex512.
TEST_F(CpuFeaturesTest, HostFingerprintListsWhatLlvmDetects) {
  const std::string fingerprint = HostFingerprint();
  const std::vector<std::string> features = FeatureList(fingerprint);
  ASSERT_FALSE(features.empty()) << fingerprint;
  EXPECT_TRUE(std::is_sorted(features.begin(), features.end()));
  const std::set<std::string> listed(features.begin(), features.end());
  for (const auto& feature : llvm::sys::getHostCPUFeatures()) {
    const std::string entry = absl::StrCat(feature.second ? "+" : "-", feature.first().str());
    EXPECT_TRUE(listed.contains(entry)) << entry << " missing from " << fingerprint;
  }
  EXPECT_TRUE(listed.contains("+evex512") || listed.contains("-evex512")) << fingerprint;
  EXPECT_TRUE(runtime::CheckHostCanRun(fingerprint).ok()) << runtime::CheckHostCanRun(fingerprint);
}

// Every CPU's list names the same features, so a fingerprint for a named
// CPU does not depend on the host that compiled it, and the runtime knows
// every one of them.
TEST_F(CpuFeaturesTest, EveryCpuListsTheSameFeaturesAndTheRuntimeKnowsThem) {
  const std::set<std::string> host = Names(FeatureList(HostFingerprint()));
  std::set<std::string> expected = {"evex512"};
  for (const auto& feature : llvm::sys::getHostCPUFeatures()) {
    expected.insert(feature.first().str());
  }
  EXPECT_EQ(host, expected);
  const std::vector<std::pair<std::string, std::string>> cpus = CompilableCpus();
  ASSERT_GT(cpus.size(), 30u);
  for (const auto& [cpu, fingerprint] : cpus) {
    EXPECT_EQ(FingerprintField(fingerprint, "cpu"), cpu);
    EXPECT_EQ(Names(FeatureList(fingerprint)), expected) << cpu;
  }
  for (const std::string& name : expected) {
    EXPECT_TRUE(runtime::HostHasCpuFeature(name).has_value()) << name;
  }
}

// The list is also the feature string the compiler's target machines get:
// over the same CPU it must describe exactly that CPU's subtarget, or
// naming it would change the code.
TEST_F(CpuFeaturesTest, ListDescribesTheSubtargetExactly) {
  for (const auto& [cpu, fingerprint] : CompilableCpus()) {
    const std::string features = FingerprintField(fingerprint, "features");
    EXPECT_EQ(Subtarget(cpu, "")->getFeatureBits(), Subtarget(cpu, features)->getFeatureBits())
        << cpu;
    // And the list is what the subtarget has, feature by feature.
    std::unique_ptr<llvm::MCSubtargetInfo> info = Subtarget(cpu, "");
    for (const std::string& feature : FeatureList(fingerprint)) {
      EXPECT_EQ(info->checkFeatures(absl::StrCat("+", feature.substr(1))), feature[0] == '+')
          << cpu << " " << feature;
    }
  }
  // This host: the same subtarget as LLVM's detection gives.
  std::vector<std::string> detected;
  for (const auto& feature : llvm::sys::getHostCPUFeatures()) {
    detected.push_back(absl::StrCat(feature.second ? "+" : "-", feature.first().str()));
  }
  std::sort(detected.begin(), detected.end());
  const std::string fingerprint = HostFingerprint();
  const std::string cpu = FingerprintField(fingerprint, "cpu");
  EXPECT_EQ(Subtarget(cpu, absl::StrJoin(detected, ","))->getFeatureBits(),
            Subtarget(cpu, FingerprintField(fingerprint, "features"))->getFeatureBits());
}

TEST_F(CpuFeaturesTest, FingerprintsAreDeterministic) {
  for (const std::string cpu : {"", "x86-64-v3", "sapphirerapids", "znver4"}) {
    absl::StatusOr<std::unique_ptr<jit::Compiler>> a = jit::Compiler::Create({.cpu = cpu});
    absl::StatusOr<std::unique_ptr<jit::Compiler>> b = jit::Compiler::Create({.cpu = cpu});
    ASSERT_TRUE(a.ok() && b.ok()) << cpu;
    EXPECT_EQ((*a)->fingerprint(), (*b)->fingerprint()) << cpu;
  }
}

// ---- CheckHostCanRun on fingerprints edited by hand -----------------------

// Features LLVM says this host lacks. No host has them all (AMX is Intel's,
// SSE4A and CLZERO are AMD's), so there are always some.
std::vector<std::string> LackingFeatures() {
  std::vector<std::string> lacking;
  for (const auto& feature : llvm::sys::getHostCPUFeatures()) {
    if (!feature.second) lacking.push_back(feature.first().str());
  }
  std::sort(lacking.begin(), lacking.end());
  return lacking;
}

TEST_F(CpuFeaturesTest, EveryMissingFeatureIsNamed) {
  const std::vector<std::string> lacking = LackingFeatures();
  ASSERT_GE(lacking.size(), 2u);
  const std::string fingerprint = WithFeatures(
      HostFingerprint(), absl::StrCat("+sse4.1,+", lacking[0], ",-sse4a,+", lacking[1]));
  const absl::Status status = runtime::CheckHostCanRun(fingerprint);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(std::string(status.message()),
            absl::StrCat("artifact cannot run on this host: it needs CPU features ", lacking[0],
                         ", ", lacking[1], " that this host lacks (compiled for CPU ",
                         FingerprintField(fingerprint, "cpu"), ")"));
}

TEST_F(CpuFeaturesTest, UnknownFeaturesAreRefused) {
  const std::string fingerprint = WithFeatures(HostFingerprint(), "+sse4.1,+avx11,-avx12");
  const absl::Status status = runtime::CheckHostCanRun(fingerprint);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_NE(std::string(status.message())
                .find("it needs CPU feature avx11 that this runtime cannot detect"),
            std::string::npos)
      << status;
  // Both kinds at once.
  const std::string lacking = LackingFeatures().at(0);
  const absl::Status both =
      runtime::CheckHostCanRun(WithFeatures(fingerprint, absl::StrCat("+avx11,+", lacking)));
  EXPECT_NE(std::string(both.message())
                .find(absl::StrCat("it needs CPU feature ", lacking,
                                   " that this host lacks, and CPU feature avx11 that this "
                                   "runtime cannot detect")),
            std::string::npos)
      << both;
}

// Kiln once wrote no feature list for a named CPU: such an artifact might
// use anything the CPU has, so only the x86-64 levels, which the runtime
// checks by name, still load.
TEST_F(CpuFeaturesTest, NamedCpuWithoutFeatureListIsRefused) {
  // The fingerprint of an older Kiln's `--cpu sapphirerapids` compile.
  std::string fingerprint = WithFeatures(HostFingerprint(), "");
  const size_t at = fingerprint.find("cpu=");
  fingerprint.replace(at, fingerprint.find(';', at) - at, "cpu=sapphirerapids");
  const absl::Status status = runtime::CheckHostCanRun(fingerprint);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_NE(std::string(status.message()).find("lists no CPU features for CPU 'sapphirerapids'"),
            std::string::npos)
      << status;
  fingerprint.replace(at, fingerprint.find(';', at) - at, "cpu=x86-64-v2");
  EXPECT_TRUE(runtime::CheckHostCanRun(fingerprint).ok()) << runtime::CheckHostCanRun(fingerprint);
  fingerprint.replace(at, fingerprint.find(';', at) - at, "cpu=x86-64-v9");
  EXPECT_EQ(runtime::CheckHostCanRun(fingerprint).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(CpuFeaturesTest, BaselineLevelsThisHostMeetsAreAccepted) {
  absl::StatusOr<std::unique_ptr<jit::Compiler>> v2 = jit::Compiler::Create({.cpu = "x86-64-v2"});
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_TRUE(runtime::CheckHostCanRun((*v2)->fingerprint()).ok())
      << runtime::CheckHostCanRun((*v2)->fingerprint());
}

}  // namespace
}  // namespace kiln::engine_test
