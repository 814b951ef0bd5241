// host_cpu_features.h — which x86 CPU features this host has, by LLVM's names.
//
// A compiler fingerprint lists the CPU features its code may use by the
// names LLVM gives them ("avx512bw", "amx-tile"). The runtime links no LLVM,
// so it finds the same features itself, the way LLVM 19's
// llvm::sys::getHostCPUFeatures does: CPUID says what the processor
// implements, and XGETBV whether the OS saves the registers a feature needs
// (YMM, ZMM and mask registers, AMX tiles) across context switches. Every
// name that function can report is known here, and on any host the answers
// are the same (tests/unit/engine/host_cpu_test.cc compares them).
#ifndef KILN_RUNTIME_HOST_CPU_FEATURES_H_
#define KILN_RUNTIME_HOST_CPU_FEATURES_H_

#include <optional>
#include <string_view>
#include <vector>

namespace kiln::runtime {

// Whether this host has the CPU feature LLVM calls `llvm_name`; nullopt for
// a name this runtime does not know, which callers must treat as "cannot
// tell". Detected once per process; safe to call from any thread.
std::optional<bool> HostHasCpuFeature(std::string_view llvm_name);

// Every name HostHasCpuFeature knows.
std::vector<std::string_view> KnownCpuFeatureNames();

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_HOST_CPU_FEATURES_H_
