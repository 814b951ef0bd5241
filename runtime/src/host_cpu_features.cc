#include "host_cpu_features.h"

#include "kiln/runtime/host_cpu_identity.h"

#include <cpuid.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace kiln::runtime {
namespace {

// Why a table of our own: __builtin_cpu_supports knows only some of LLVM's
// names (no AMX, APX, AVX10, SHA-512...), and a name it does not know cannot
// be checked at all. Artifacts compiled for a named CPU (--cpu
// sapphirerapids) list every feature LLVM can detect, so the loader must
// judge each one or refuse the artifact; running code with an instruction
// the host lacks ends the process with SIGILL.
//
// The rows follow LLVM 19's getHostCPUFeatures for x86-64: the same CPUID
// leaf, sub-leaf, register and bit, and the same OS register-state
// requirement. Where LLVM derives one name from another's bit (crc32 from
// sse4.2, the APX names from one APX_F bit), the row repeats that bit.

enum class Reg : uint8_t { kEax, kEbx, kEcx, kEdx };

// Register state the OS must save on context switches (XCR0) before a
// feature's instructions may be used. kAvx is LLVM's "HasAVXSave": OSXSAVE,
// the AVX bit itself, and XMM+YMM state. kAvx512 adds the opmask and both
// halves of the ZMM state; kAmx is the tile configuration and tile data.
enum class OsState : uint8_t { kNone, kAvx, kAvx512, kAmx };

struct CpuidBit {
  std::string_view name;  // LLVM's name for the feature
  uint32_t leaf;
  uint32_t subleaf;
  Reg reg;
  uint8_t bit;
  OsState state = OsState::kNone;
  // A row that must be present too (avx10.1-512 is AVX10.1 with 512-bit
  // vectors); empty for none.
  std::string_view also_needs = {};
};

using enum Reg;
using enum OsState;

constexpr uint32_t kExt1 = 0x80000001;
constexpr uint32_t kExt8 = 0x80000008;

constexpr CpuidBit kCpuidBits[] = {
    // Leaf 1.
    {"cx8", 1, 0, kEdx, 8},
    {"cmov", 1, 0, kEdx, 15},
    {"mmx", 1, 0, kEdx, 23},
    {"fxsr", 1, 0, kEdx, 24},
    {"sse", 1, 0, kEdx, 25},
    {"sse2", 1, 0, kEdx, 26},
    {"sse3", 1, 0, kEcx, 0},
    {"pclmul", 1, 0, kEcx, 1},
    {"ssse3", 1, 0, kEcx, 9},
    {"fma", 1, 0, kEcx, 12, kAvx},
    {"cx16", 1, 0, kEcx, 13},
    {"sse4.1", 1, 0, kEcx, 19},
    {"sse4.2", 1, 0, kEcx, 20},
    {"crc32", 1, 0, kEcx, 20},
    {"movbe", 1, 0, kEcx, 22},
    {"popcnt", 1, 0, kEcx, 23},
    {"aes", 1, 0, kEcx, 25},
    {"xsave", 1, 0, kEcx, 26, kAvx},
    {"avx", 1, 0, kEcx, 28, kAvx},
    {"f16c", 1, 0, kEcx, 29, kAvx},
    {"rdrnd", 1, 0, kEcx, 30},
    // Extended leaf 0x80000001.
    {"sahf", kExt1, 0, kEcx, 0},
    {"lzcnt", kExt1, 0, kEcx, 5},
    {"sse4a", kExt1, 0, kEcx, 6},
    {"prfchw", kExt1, 0, kEcx, 8},
    {"xop", kExt1, 0, kEcx, 11, kAvx},
    {"lwp", kExt1, 0, kEcx, 15},
    {"fma4", kExt1, 0, kEcx, 16, kAvx},
    {"tbm", kExt1, 0, kEcx, 21},
    {"mwaitx", kExt1, 0, kEcx, 29},
    {"64bit", kExt1, 0, kEdx, 29},
    // Extended leaf 0x80000008.
    {"clzero", kExt8, 0, kEbx, 0},
    {"rdpru", kExt8, 0, kEbx, 4},
    {"wbnoinvd", kExt8, 0, kEbx, 9},
    // Leaf 7, sub-leaf 0.
    {"fsgsbase", 7, 0, kEbx, 0},
    {"sgx", 7, 0, kEbx, 2},
    {"bmi", 7, 0, kEbx, 3},
    {"avx2", 7, 0, kEbx, 5, kAvx},
    {"bmi2", 7, 0, kEbx, 8},
    {"invpcid", 7, 0, kEbx, 10},
    {"rtm", 7, 0, kEbx, 11},
    {"avx512f", 7, 0, kEbx, 16, kAvx512},
    {"avx512dq", 7, 0, kEbx, 17, kAvx512},
    {"rdseed", 7, 0, kEbx, 18},
    {"adx", 7, 0, kEbx, 19},
    {"avx512ifma", 7, 0, kEbx, 21, kAvx512},
    {"clflushopt", 7, 0, kEbx, 23},
    {"clwb", 7, 0, kEbx, 24},
    {"avx512cd", 7, 0, kEbx, 28, kAvx512},
    {"sha", 7, 0, kEbx, 29},
    {"avx512bw", 7, 0, kEbx, 30, kAvx512},
    {"avx512vl", 7, 0, kEbx, 31, kAvx512},
    {"avx512vbmi", 7, 0, kEcx, 1, kAvx512},
    {"pku", 7, 0, kEcx, 4},
    {"waitpkg", 7, 0, kEcx, 5},
    {"avx512vbmi2", 7, 0, kEcx, 6, kAvx512},
    {"shstk", 7, 0, kEcx, 7},
    {"gfni", 7, 0, kEcx, 8},
    {"vaes", 7, 0, kEcx, 9, kAvx},
    {"vpclmulqdq", 7, 0, kEcx, 10, kAvx},
    {"avx512vnni", 7, 0, kEcx, 11, kAvx512},
    {"avx512bitalg", 7, 0, kEcx, 12, kAvx512},
    {"avx512vpopcntdq", 7, 0, kEcx, 14, kAvx512},
    {"rdpid", 7, 0, kEcx, 22},
    {"kl", 7, 0, kEcx, 23},
    {"cldemote", 7, 0, kEcx, 25},
    {"movdiri", 7, 0, kEcx, 27},
    {"movdir64b", 7, 0, kEcx, 28},
    {"enqcmd", 7, 0, kEcx, 29},
    {"uintr", 7, 0, kEdx, 5},
    {"avx512vp2intersect", 7, 0, kEdx, 8, kAvx512},
    {"serialize", 7, 0, kEdx, 14},
    {"tsxldtrk", 7, 0, kEdx, 16},
    {"pconfig", 7, 0, kEdx, 18},
    {"amx-bf16", 7, 0, kEdx, 22, kAmx},
    {"avx512fp16", 7, 0, kEdx, 23, kAvx512},
    {"amx-tile", 7, 0, kEdx, 24, kAmx},
    {"amx-int8", 7, 0, kEdx, 25, kAmx},
    // Leaf 7, sub-leaf 1.
    {"sha512", 7, 1, kEax, 0},
    {"sm3", 7, 1, kEax, 1},
    {"sm4", 7, 1, kEax, 2},
    {"raoint", 7, 1, kEax, 3},
    {"avxvnni", 7, 1, kEax, 4, kAvx},
    {"avx512bf16", 7, 1, kEax, 5, kAvx512},
    {"cmpccxadd", 7, 1, kEax, 7},
    {"amx-fp16", 7, 1, kEax, 21, kAmx},
    {"hreset", 7, 1, kEax, 22},
    {"avxifma", 7, 1, kEax, 23, kAvx},
    {"avxvnniint8", 7, 1, kEdx, 4, kAvx},
    {"avxneconvert", 7, 1, kEdx, 5, kAvx},
    {"amx-complex", 7, 1, kEdx, 8, kAmx},
    {"avxvnniint16", 7, 1, kEdx, 10, kAvx},
    {"prefetchi", 7, 1, kEdx, 14},
    {"usermsr", 7, 1, kEdx, 15},
    // LLVM 19 asks no OS state of AVX10 and APX; neither do we, so that
    // the host's own code is never refused here.
    {"avx10.1-256", 7, 1, kEdx, 19},
    {"egpr", 7, 1, kEdx, 21},
    {"push2pop2", 7, 1, kEdx, 21},
    {"ppx", 7, 1, kEdx, 21},
    {"ndd", 7, 1, kEdx, 21},
    {"ccmp", 7, 1, kEdx, 21},
    {"cf", 7, 1, kEdx, 21},
    // Leaf 0xd, sub-leaf 1.
    {"xsaveopt", 0xd, 1, kEax, 0, kAvx},
    {"xsavec", 0xd, 1, kEax, 1, kAvx},
    {"xsaves", 0xd, 1, kEax, 3, kAvx},
    // Leaves 0x14, 0x19 and 0x24.
    {"ptwrite", 0x14, 0, kEbx, 4},
    {"widekl", 0x19, 0, kEbx, 2},
    {"avx10.1-512", 0x24, 0, kEbx, 18, kNone, "avx10.1-256"},
};

// Names that are code-generation switches rather than hardware features,
// so every host "has" them. LLVM 19's "evex512" allows 512-bit EVEX
// instructions; those also need avx512f (or avx10.1-512), which the
// fingerprint lists and the table above checks.
constexpr std::string_view kCodegenOnly[] = {"evex512"};

constexpr size_t kRows = std::size(kCpuidBits);

struct Registers {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;

  uint32_t Get(Reg reg) const {
    switch (reg) {
      case kEax:
        return eax;
      case kEbx:
        return ebx;
      case kEcx:
        return ecx;
      case kEdx:
        return edx;
    }
    return 0;
  }
};

// CPUID(leaf, subleaf); all zero for a leaf past the processor's last one
// (__get_cpuid_count checks the basic or extended maximum) and for a
// sub-leaf of leaf 7 past the last one leaf 7 reports, which some CPUs do
// not return as zeros.
Registers Cpuid(uint32_t leaf, uint32_t subleaf) {
  Registers r;
  if (leaf == 7 && subleaf > 0 && Cpuid(7, 0).eax < subleaf) return r;
  if (__get_cpuid_count(leaf, subleaf, &r.eax, &r.ebx, &r.ecx, &r.edx) == 0) return Registers{};
  return r;
}

// XCR0: which register state the OS saves. Only to be read when CPUID says
// the OS has enabled XSAVE (OSXSAVE); XGETBV is undefined otherwise.
uint64_t ReadXcr0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (uint64_t{edx} << 32) | eax;
}

struct OsSupport {
  bool avx = false;
  bool avx512 = false;
  bool amx = false;
};

OsSupport DetectOsSupport() {
  const Registers leaf1 = Cpuid(1, 0);
  const bool osxsave = (leaf1.ecx >> 27) & 1;
  const bool avx_bit = (leaf1.ecx >> 28) & 1;
  if (!osxsave) return {};
  const uint64_t xcr0 = ReadXcr0();
  constexpr uint64_t kXmmYmm = 0x6;                     // SSE and AVX state
  constexpr uint64_t kOpmaskZmm = 0xe0;                 // opmask, ZMM_Hi256, Hi16_ZMM
  constexpr uint64_t kTiles = (1u << 17) | (1u << 18);  // TILECFG, TILEDATA
  OsSupport os;
  os.avx = avx_bit && (xcr0 & kXmmYmm) == kXmmYmm;
  os.avx512 = os.avx && (xcr0 & kOpmaskZmm) == kOpmaskZmm;
  os.amx = (xcr0 & kTiles) == kTiles;
  return os;
}

size_t RowOf(std::string_view name) {
  for (size_t i = 0; i < kRows; ++i) {
    if (kCpuidBits[i].name == name) return i;
  }
  return kRows;
}

std::array<bool, kRows> Detect() {
  const OsSupport os = DetectOsSupport();
  std::array<bool, kRows> present{};
  for (size_t i = 0; i < kRows; ++i) {
    const CpuidBit& row = kCpuidBits[i];
    bool has = (Cpuid(row.leaf, row.subleaf).Get(row.reg) >> row.bit) & 1;
    switch (row.state) {
      case kNone:
        break;
      case kAvx:
        has = has && os.avx;
        break;
      case kAvx512:
        has = has && os.avx512;
        break;
      case kAmx:
        has = has && os.amx;
        break;
    }
    present[i] = has;
  }
  // A second pass: a row's also_needs may come later in the table.
  for (size_t i = 0; i < kRows; ++i) {
    if (!kCpuidBits[i].also_needs.empty()) {
      const size_t other = RowOf(kCpuidBits[i].also_needs);
      present[i] = present[i] && other < kRows && present[other];
    }
  }
  return present;
}

}  // namespace

std::optional<bool> HostHasCpuFeature(std::string_view llvm_name) {
  static const std::array<bool, kRows> present = Detect();
  const size_t row = RowOf(llvm_name);
  if (row < kRows) return present[row];
  for (std::string_view name : kCodegenOnly) {
    if (name == llvm_name) return true;
  }
  return std::nullopt;
}

std::vector<std::string_view> KnownCpuFeatureNames() {
  std::vector<std::string_view> names;
  for (const CpuidBit& row : kCpuidBits) names.push_back(row.name);
  for (std::string_view name : kCodegenOnly) names.push_back(name);
  return names;
}

const std::string& HostCpuIdentity() {
  static const std::string identity = [] {
    const Registers leaf0 = Cpuid(0, 0);
    char vendor[13] = {};
    std::memcpy(vendor, &leaf0.ebx, 4);
    std::memcpy(vendor + 4, &leaf0.edx, 4);
    std::memcpy(vendor + 8, &leaf0.ecx, 4);
    // Leaf 1's EAX: stepping, model, family and their extended fields.
    std::string text = std::string("vendor=") + vendor +
                       ";signature=" + std::to_string(Cpuid(1, 0).eax) + ";features=";
    for (const CpuidBit& row : kCpuidBits) {
      if (HostHasCpuFeature(row.name).value_or(false)) {
        text += row.name;
        text += ',';
      }
    }
    return text;
  }();
  return identity;
}

}  // namespace kiln::runtime
