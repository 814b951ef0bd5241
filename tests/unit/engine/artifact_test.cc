// Serialized artifacts end to end: a module compiled, written as an
// artifact, loaded back through runtime::Module::LoadArtifact and run; and
// every way an artifact can be damaged or foreign refused with an error
// that says which.
#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine_test_util.h"
#include "gtest/gtest.h"
#include "kiln/jit/artifact_writer.h"
#include "kiln/runtime/artifact.h"
#include "kiln/runtime/host_func.h"
#include "kiln/wasm/artifact_format.h"
#include "kiln/wasm/version.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

namespace kiln::engine_test {
namespace {

// An i64.const no other part of the module encodes, to look for the body.
constexpr int64_t kBodyMarker = 0x5eed5eed5eed;

int32_t Triple(int32_t x) { return 3 * x; }

// Imports env.triple; has a memory with data, a table with elements, a
// mutable global, a start function and a custom section; exports one of
// each kind. run(x) = triple(x) + mem[8] + table[1]() + g, with g = 100
// set by the start function.
Bytes FeatureModule() {
  ModuleBuilder m;
  const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
  const uint32_t v_i = m.AddType({}, {ValType::kI32});
  const uint32_t v_v = m.AddType({}, {});
  const uint32_t triple = m.ImportFunction("env", "triple", i_i);
  m.AddMemory(1, 2);
  m.AddTable(ValType::kFuncRef, 2);
  const uint32_t g = m.AddGlobal(ValType::kI32, true, Encoder().I32Const(1).End());
  const uint32_t seven = m.AddFunction(v_i, {}, Encoder().I32Const(7).End());
  const uint32_t marker =
      m.AddFunction(v_i, {}, Encoder().I64Const(kBodyMarker).Op(wasm::Opcode::kI32WrapI64).End());
  const uint32_t start = m.AddFunction(v_v, {}, Encoder().I32Const(100).GlobalSet(g).End());
  const uint32_t run = m.AddFunction(
      i_i, {},
      Encoder().LocalGet(0).Call(triple)
          .I32Const(8).Mem(wasm::Opcode::kI32Load, 2, 0).Op(wasm::Opcode::kI32Add)
          .I32Const(1).Op(wasm::Opcode::kCallIndirect).U32(v_i).U32(0).Op(wasm::Opcode::kI32Add)
          .GlobalGet(g).Op(wasm::Opcode::kI32Add)
          .End());
  m.AddActiveElements(0, {marker, seven});
  m.AddActiveData(8, std::string("\x2a\x00\x00\x00", 4));
  m.SetStart(start);
  m.AddExport("run", ExternKind::kFunc, run);
  m.AddExport("memory", ExternKind::kMemory, 0);
  m.AddExport("table", ExternKind::kTable, 0);
  m.AddExport("counter", ExternKind::kGlobal, g);
  m.AddCustomSection("secret", Encoder().Name("TOPSECRET"));
  return m.Build();
}

class ArtifactTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<jit::Compiler>> compiler = jit::Compiler::Create({});
    ASSERT_TRUE(compiler.ok()) << compiler.status();
    compiler_ = *std::move(compiler);
    module_ = FeatureModule();
    absl::StatusOr<wasm::CodeImage> image = CompileImage(*compiler_, module_);
    ASSERT_TRUE(image.ok()) << image.status();
    absl::StatusOr<std::vector<uint8_t>> artifact = jit::WriteArtifact(module_, *image);
    ASSERT_TRUE(artifact.ok()) << artifact.status();
    artifact_ = *std::move(artifact);
  }

  absl::StatusOr<std::shared_ptr<const runtime::Module>> Load(
      std::span<const uint8_t> artifact, const runtime::ArtifactLoadOptions& options = {}) {
    return runtime::Module::LoadArtifact(engine_, artifact, options);
  }

  // The artifact again, framed with another version and fingerprint.
  std::vector<uint8_t> Reframed(std::string_view kiln_version, std::string_view fingerprint) {
    absl::StatusOr<wasm::ArtifactFrame> frame = wasm::UnframeArtifact(artifact_);
    EXPECT_TRUE(frame.ok()) << frame.status();
    return wasm::FrameArtifact(kiln_version, fingerprint, frame->sections);
  }

  // The artifact with field `name` of its fingerprint set to `value`.
  std::vector<uint8_t> WithFingerprintField(const std::string& name, const std::string& value) {
    std::string fingerprint = compiler_->fingerprint();
    const size_t at = fingerprint.find(name + "=");
    EXPECT_NE(at, std::string::npos) << name;
    const size_t end = std::min(fingerprint.find(';', at), fingerprint.size());
    fingerprint.replace(at, end - at, absl::StrCat(name, "=", value));
    return Reframed(KilnVersion(), fingerprint);
  }

  runtime::Engine engine_;
  std::unique_ptr<jit::Compiler> compiler_;
  Bytes module_;
  std::vector<uint8_t> artifact_;
};

TEST_F(ArtifactTest, LoadedArtifactRunsLikeTheModule) {
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
      Load(artifact_, {.expected_fingerprint = compiler_->fingerprint()});
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_EQ((*module)->fingerprint(), compiler_->fingerprint());
  ASSERT_EQ((*module)->wasm().imports.size(), 1u);
  EXPECT_EQ((*module)->wasm().exports.size(), 4u);

  runtime::Store store(engine_);
  runtime::Linker linker;
  linker.Define("env", "triple", runtime::WrapFunction<&Triple>(store));
  absl::StatusOr<runtime::Instance> instance = linker.Instantiate(store, *module);
  ASSERT_TRUE(instance.ok()) << instance.status();
  // 3*5 + 42 (data) + 7 (table[1]) + 100 (set by start).
  absl::StatusOr<int32_t> result = InvokeI32(store, *instance, "run", {Value::I32(5)});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, 15 + 42 + 7 + 100);
}

TEST_F(ArtifactTest, HoldsNoFunctionBodiesAndNoCustomSections) {
  absl::StatusOr<wasm::ArtifactFrame> frame = wasm::UnframeArtifact(artifact_);
  ASSERT_TRUE(frame.ok()) << frame.status();
  const std::vector<uint8_t> marker = Encoder().I64Const(kBodyMarker).bytes();
  auto contains = [&](std::span<const uint8_t> haystack, std::span<const uint8_t> needle) {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
           haystack.end();
  };
  ASSERT_TRUE(contains(module_, marker));
  EXPECT_FALSE(contains(artifact_, marker));
  const std::string secret = "TOPSECRET";
  EXPECT_FALSE(contains(artifact_, std::span(reinterpret_cast<const uint8_t*>(secret.data()),
                                             secret.size())));
  EXPECT_TRUE(frame->signature.empty());
}

TEST_F(ArtifactTest, InspectDescribesTheArtifact) {
  absl::StatusOr<runtime::ArtifactInfo> info = runtime::InspectArtifact(artifact_);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->format_version, wasm::kArtifactFormatVersion);
  EXPECT_EQ(info->kiln_version, KilnVersion());
  EXPECT_EQ(info->fingerprint, compiler_->fingerprint());
  EXPECT_EQ(info->size_bytes, artifact_.size());
  EXPECT_EQ(info->digest.size(), 64u);
  EXPECT_EQ(info->defined_functions, 4u);
  EXPECT_EQ(info->imported_functions, 1u);
  EXPECT_GT(info->text_bytes, 0u);
  ASSERT_EQ(info->imports.size(), 1u);
  EXPECT_EQ(info->imports[0].name, "triple");
  EXPECT_EQ(info->imports[0].type, "[i32] -> [i32]");
  ASSERT_EQ(info->exports.size(), 4u);
  EXPECT_EQ(info->exports[0].name, "run");
  EXPECT_EQ(info->exports[1].type, "min 1 max 2");
  EXPECT_EQ(info->exports[3].type, "mut i32");
}

TEST_F(ArtifactTest, EveryFlippedByteIsRefused) {
  for (size_t i = 0; i < artifact_.size(); ++i) {
    for (uint8_t flip : {uint8_t{0x01}, uint8_t{0x80}}) {
      std::vector<uint8_t> damaged = artifact_;
      damaged[i] ^= flip;
      absl::StatusOr<std::shared_ptr<const runtime::Module>> module = Load(damaged);
      ASSERT_FALSE(module.ok()) << "byte " << i << " ^ " << int{flip} << " was not noticed";
      const absl::StatusCode code = module.status().code();
      EXPECT_TRUE(code == absl::StatusCode::kDataLoss || code == absl::StatusCode::kInvalidArgument ||
                  code == absl::StatusCode::kFailedPrecondition)
          << "byte " << i << ": " << module.status();
    }
  }
  // Past the magic and the format version, the digest is what catches it.
  std::vector<uint8_t> damaged = artifact_;
  damaged[artifact_.size() / 2] ^= 1;
  EXPECT_TRUE(HasError(Load(damaged).status(), absl::StatusCode::kDataLoss,
                       "digest does not match"));
  damaged = artifact_;
  damaged[0] ^= 1;
  EXPECT_TRUE(HasError(Load(damaged).status(), absl::StatusCode::kInvalidArgument,
                       "not a Kiln artifact"));
}

TEST_F(ArtifactTest, EveryTruncationIsRefused) {
  for (size_t size = 0; size < artifact_.size(); ++size) {
    absl::Status status = Load(std::span(artifact_).first(size)).status();
    ASSERT_FALSE(status.ok()) << size;
    if (size < 8) {
      EXPECT_TRUE(HasError(status, absl::StatusCode::kInvalidArgument, "not a Kiln artifact"));
    } else if (size < 32) {
      EXPECT_TRUE(HasError(status, absl::StatusCode::kDataLoss, "truncated in its header"));
    } else {
      EXPECT_TRUE(HasError(status, absl::StatusCode::kDataLoss,
                           absl::StrCat("truncated: ", size, " of its ", artifact_.size())));
    }
  }
  std::vector<uint8_t> longer = artifact_;
  longer.push_back(0);
  EXPECT_TRUE(HasError(Load(longer).status(), absl::StatusCode::kDataLoss, "1 bytes past its end"));
}

TEST_F(ArtifactTest, NewerFormatIsRefused) {
  std::vector<uint8_t> newer = artifact_;
  newer[8] = wasm::kArtifactFormatVersion + 1;
  EXPECT_TRUE(HasError(Load(newer).status(), absl::StatusCode::kFailedPrecondition,
                       "is newer than the version this Kiln reads"));
  EXPECT_FALSE(runtime::InspectArtifact(newer).ok());
}

TEST_F(ArtifactTest, OtherKilnVersionIsRefused) {
  const std::vector<uint8_t> other = Reframed("0.0.1-other", compiler_->fingerprint());
  EXPECT_TRUE(HasError(Load(other).status(), absl::StatusCode::kFailedPrecondition,
                       "made by Kiln 0.0.1-other"));
  // Still described: `kiln inspect` shows what made it.
  absl::StatusOr<runtime::ArtifactInfo> info = runtime::InspectArtifact(other);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->kiln_version, "0.0.1-other");
}

TEST_F(ArtifactTest, UnexpectedFingerprintIsRefused) {
  EXPECT_TRUE(HasError(Load(artifact_, {.expected_fingerprint = "another compiler"}).status(),
                       absl::StatusCode::kFailedPrecondition, "fingerprint mismatch"));
  const std::vector<uint8_t> o0 = WithFingerprintField("opt", "O0");
  EXPECT_TRUE(HasError(Load(o0, {.expected_fingerprint = compiler_->fingerprint()}).status(),
                       absl::StatusCode::kFailedPrecondition, "fingerprint mismatch"));
  // Without an expected fingerprint, any compiler's code this host runs.
  EXPECT_TRUE(Load(o0).ok());
}

// A CPU LLVM knows that has features this host lacks, found at test time
// so that every host has one: AMX is only Intel's, SSE4A and CLZERO only
// AMD's. "Lacks" is by LLVM's own detection, an oracle independent of the
// runtime's (host_cpu_test.cc checks the two agree).
struct ForeignCpu {
  std::string name;
  std::unique_ptr<jit::Compiler> compiler;
  std::vector<std::string> lacking;  // in the fingerprint's order
};

std::optional<ForeignCpu> FindForeignCpu() {
  const llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  for (const char* cpu : {"sapphirerapids", "znver4", "graniterapids", "znver5", "arrowlake"}) {
    absl::StatusOr<std::unique_ptr<jit::Compiler>> compiler = jit::Compiler::Create({.cpu = cpu});
    if (!compiler.ok()) continue;
    const std::string fingerprint = (*compiler)->fingerprint();
    const size_t at = fingerprint.find(";features=") + 10;
    const std::string list = fingerprint.substr(at, fingerprint.find(';', at) - at);
    std::vector<std::string> lacking;
    for (size_t start = 0; start < list.size();) {
      const size_t comma = std::min(list.find(',', start), list.size());
      const std::string feature = list.substr(start, comma - start);
      start = comma + 1;
      // Names LLVM does not report here (evex512 without AVX-512) are not
      // hardware features.
      const auto detected = host.find(feature.substr(1));
      if (feature[0] == '+' && detected != host.end() && !detected->second) {
        lacking.push_back(feature.substr(1));
      }
    }
    if (!lacking.empty()) return ForeignCpu{cpu, *std::move(compiler), std::move(lacking)};
  }
  return std::nullopt;
}

TEST_F(ArtifactTest, CodeThisHostCannotRunIsRefused) {
  EXPECT_TRUE(HasError(Load(WithFingerprintField("triple", "aarch64-unknown-linux-gnu")).status(),
                       absl::StatusCode::kFailedPrecondition,
                       "compiled for aarch64-unknown-linux-gnu, this host is x86_64"));
  EXPECT_TRUE(HasError(Load(WithFingerprintField("kiln-vm-abi", "999")).status(),
                       absl::StatusCode::kFailedPrecondition, "VM ABI version '999'"));

  // Code really compiled for a CPU with features this host lacks.
  std::optional<ForeignCpu> foreign = FindForeignCpu();
  // Never a silent pass: every host lacks something one of these has.
  ASSERT_TRUE(foreign.has_value()) << "no candidate CPU has a feature this host lacks";
  absl::StatusOr<wasm::CodeImage> image = CompileImage(*foreign->compiler, module_);
  ASSERT_TRUE(image.ok()) << image.status();
  absl::StatusOr<std::vector<uint8_t>> artifact = jit::WriteArtifact(module_, *image);
  ASSERT_TRUE(artifact.ok()) << artifact.status();
  const std::string expected =
      absl::StrCat("artifact cannot run on this host: it needs CPU feature",
                   foreign->lacking.size() > 1 ? "s " : " ", absl::StrJoin(foreign->lacking, ", "),
                   " that this host lacks (compiled for CPU ", foreign->name, ")");
  const absl::Status loaded = Load(*artifact).status();
  EXPECT_EQ(loaded.code(), absl::StatusCode::kFailedPrecondition) << loaded;
  EXPECT_EQ(Message(loaded), expected);
  // Compiled in this process and never written out: refused the same way.
  const absl::Status in_process = runtime::Module::Load(engine_, module_, *image).status();
  EXPECT_EQ(in_process.code(), absl::StatusCode::kFailedPrecondition) << in_process;
  EXPECT_EQ(Message(in_process), expected);
}

TEST_F(ArtifactTest, BaselineCpuArtifactRunsHere) {
  absl::StatusOr<std::unique_ptr<jit::Compiler>> v2 = jit::Compiler::Create({.cpu = "x86-64-v2"});
  ASSERT_TRUE(v2.ok()) << v2.status();
  absl::StatusOr<wasm::CodeImage> image = CompileImage(**v2, module_);
  ASSERT_TRUE(image.ok()) << image.status();
  absl::StatusOr<std::vector<uint8_t>> artifact = jit::WriteArtifact(module_, *image);
  ASSERT_TRUE(artifact.ok()) << artifact.status();
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module = Load(*artifact);
  ASSERT_TRUE(module.ok()) << module.status();
  runtime::Store store(engine_);
  runtime::Linker linker;
  linker.Define("env", "triple", runtime::WrapFunction<&Triple>(store));
  absl::StatusOr<runtime::Instance> instance = linker.Instantiate(store, *module);
  ASSERT_TRUE(instance.ok()) << instance.status();
  absl::StatusOr<int32_t> result = InvokeI32(store, *instance, "run", {Value::I32(1)});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, 3 + 42 + 7 + 100);
}

}  // namespace
}  // namespace kiln::engine_test
