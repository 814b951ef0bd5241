#include "host_cpu.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "host_cpu_features.h"
#include "kiln/wasm/vm_abi.h"

namespace kiln::runtime {
namespace {

#if defined(__x86_64__)
constexpr std::string_view kHostArch = "x86_64";
#else
#error "Kiln generates x86-64 code only"
#endif

// The x86-64 microarchitecture levels, for artifacts compiled with --cpu
// x86-64-v2..v4. Their feature lists are checked one by one below as well;
// this check only gives older artifacts, which listed no features for a
// named CPU, a check of their own.
bool HostIsLevel(std::string_view level) {
  __builtin_cpu_init();
  if (level == "x86-64-v2") return __builtin_cpu_supports("x86-64-v2") != 0;
  if (level == "x86-64-v3") return __builtin_cpu_supports("x86-64-v3") != 0;
  if (level == "x86-64-v4") return __builtin_cpu_supports("x86-64-v4") != 0;
  return false;
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

// "a, b, c". (absl::StrJoin would take absl::string_view, see above.)
std::string JoinNames(const std::vector<std::string_view>& names) {
  std::string text;
  for (std::string_view name : names) {
    if (!text.empty()) text += ", ";
    text += name;
  }
  return text;
}

// "CPU feature x" or "CPU features x, y".
std::string FeatureNames(const std::vector<std::string_view>& names) {
  return absl::StrCat("CPU feature", names.size() > 1 ? "s " : " ", JoinNames(names));
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
  const bool level = cpu.starts_with("x86-64-v");
  if (level && !HostIsLevel(cpu)) {
    return Refuse(absl::StrCat("it was compiled for CPU ", cpu, ", which this host is not"));
  }
  const std::string feature_list = FingerprintField(fingerprint, "features");
  const std::vector<std::string_view> features = Split(feature_list, ',');
  // Kiln once recorded no features for a named CPU: such code may use
  // anything that CPU has, which only the x86-64 levels above pin down.
  if (features.empty() && !level) {
    return Refuse(absl::StrCat("its fingerprint lists no CPU features for CPU '", cpu,
                               "', so this host cannot tell whether it can run it; compile "
                               "the module again"));
  }
  std::vector<std::string_view> missing;
  std::vector<std::string_view> unknown;
  for (std::string_view feature : features) {
    if (!feature.starts_with('+')) continue;
    const std::string_view name = feature.substr(1);
    const std::optional<bool> present = HostHasCpuFeature(name);
    if (!present.has_value()) {
      unknown.push_back(name);
    } else if (!*present) {
      missing.push_back(name);
    }
  }
  if (missing.empty() && unknown.empty()) return absl::OkStatus();
  std::string needs;
  if (!missing.empty()) {
    absl::StrAppend(&needs, FeatureNames(missing), " that this host lacks");
  }
  // A name the runtime cannot check might be anything: refused, since
  // running an instruction the CPU lacks kills the process.
  if (!unknown.empty()) {
    absl::StrAppend(&needs, needs.empty() ? "" : ", and ", FeatureNames(unknown),
                    " that this runtime cannot detect");
  }
  return Refuse(absl::StrCat("it needs ", needs, " (compiled for CPU ", cpu, ")"));
}

}  // namespace kiln::runtime
