#include "host_cpu.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kiln/wasm/vm_abi.h"

namespace kiln::runtime {
namespace {

#if defined(__x86_64__)
constexpr std::string_view kHostArch = "x86_64";
#else
#error "Kiln generates x86-64 code only"
#endif

struct CpuCheck {
  std::string_view name;  // an LLVM feature name, or an x86-64 level
  bool (*supported)();
};

// __builtin_cpu_supports takes only literals, hence one lambda per entry.
#define KILN_CPU_CHECK(llvm_name, gcc_name) \
  CpuCheck { llvm_name, [] { return __builtin_cpu_supports(gcc_name) != 0; } }

// The features that change which instructions LLVM selects for wasm code.
// Features missing from this table (e.g. "xsave") do not appear in
// generated wasm code.
const CpuCheck kChecks[] = {
    KILN_CPU_CHECK("x86-64-v2", "x86-64-v2"),
    KILN_CPU_CHECK("x86-64-v3", "x86-64-v3"),
    KILN_CPU_CHECK("x86-64-v4", "x86-64-v4"),
    KILN_CPU_CHECK("sse3", "sse3"),
    KILN_CPU_CHECK("ssse3", "ssse3"),
    KILN_CPU_CHECK("sse4.1", "sse4.1"),
    KILN_CPU_CHECK("sse4.2", "sse4.2"),
    KILN_CPU_CHECK("popcnt", "popcnt"),
    KILN_CPU_CHECK("lzcnt", "lzcnt"),
    KILN_CPU_CHECK("movbe", "movbe"),
    KILN_CPU_CHECK("bmi", "bmi"),
    KILN_CPU_CHECK("bmi2", "bmi2"),
    KILN_CPU_CHECK("f16c", "f16c"),
    KILN_CPU_CHECK("fma", "fma"),
    KILN_CPU_CHECK("avx", "avx"),
    KILN_CPU_CHECK("avx2", "avx2"),
    KILN_CPU_CHECK("pclmul", "pclmul"),
    KILN_CPU_CHECK("aes", "aes"),
    KILN_CPU_CHECK("gfni", "gfni"),
    KILN_CPU_CHECK("vpclmulqdq", "vpclmulqdq"),
    KILN_CPU_CHECK("avx512f", "avx512f"),
    KILN_CPU_CHECK("avx512bw", "avx512bw"),
    KILN_CPU_CHECK("avx512dq", "avx512dq"),
    KILN_CPU_CHECK("avx512vl", "avx512vl"),
    KILN_CPU_CHECK("avx512cd", "avx512cd"),
    KILN_CPU_CHECK("avx512vbmi", "avx512vbmi"),
    KILN_CPU_CHECK("avx512vbmi2", "avx512vbmi2"),
    KILN_CPU_CHECK("avx512ifma", "avx512ifma"),
    KILN_CPU_CHECK("avx512vnni", "avx512vnni"),
    KILN_CPU_CHECK("avx512bitalg", "avx512bitalg"),
    KILN_CPU_CHECK("avx512vpopcntdq", "avx512vpopcntdq"),
    KILN_CPU_CHECK("avx512bf16", "avx512bf16"),
};

#undef KILN_CPU_CHECK

// Whether the host has `name`; unknown names count as present.
bool HostHas(std::string_view name) {
  __builtin_cpu_init();
  for (const CpuCheck& check : kChecks) {
    if (check.name == name) return check.supported();
  }
  return true;
}

// The parts of `text` between `separator`s, empty ones dropped. (Debian's
// abseil has its own string_view, which absl::StrSplit yields.)
std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    const size_t end = std::min(text.find(separator), text.size());
    if (end > 0) parts.push_back(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return parts;
}

absl::Status Refuse(std::string message) {
  return absl::FailedPreconditionError(absl::StrCat("artifact cannot run on this host: ", message));
}

}  // namespace

std::string FingerprintField(std::string_view fingerprint, std::string_view field) {
  for (std::string_view part : Split(fingerprint, ';')) {
    const size_t equals = part.find('=');
    if (equals != std::string_view::npos && part.substr(0, equals) == field) {
      return std::string(part.substr(equals + 1));
    }
  }
  return "";
}

absl::Status CheckHostCanRun(std::string_view fingerprint) {
  uint32_t abi = 0;
  const std::string abi_text = FingerprintField(fingerprint, "kiln-vm-abi");
  if (!absl::SimpleAtoi(abi_text, &abi) || abi != vm::kVmAbiVersion) {
    return Refuse(absl::StrCat("it uses VM ABI version '", abi_text, "', this runtime ",
                               vm::kVmAbiVersion));
  }
  const std::string triple = FingerprintField(fingerprint, "triple");
  const std::string_view arch = std::string_view(triple).substr(0, triple.find('-'));
  if (arch != kHostArch) {
    return Refuse(absl::StrCat("it was compiled for ", triple, ", this host is ",
                               std::string(kHostArch)));
  }
  const std::string cpu = FingerprintField(fingerprint, "cpu");
  if (cpu.starts_with("x86-64-v") && !HostHas(cpu)) {
    return Refuse(absl::StrCat("it was compiled for CPU ", cpu, ", which this host is not"));
  }
  const std::string features = FingerprintField(fingerprint, "features");
  for (std::string_view feature : Split(features, ',')) {
    if (feature.starts_with('+') && !HostHas(feature.substr(1))) {
      return Refuse(absl::StrCat("it uses CPU feature ", std::string(feature.substr(1)),
                                 ", which this host lacks (compiled for CPU ", cpu, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace kiln::runtime
