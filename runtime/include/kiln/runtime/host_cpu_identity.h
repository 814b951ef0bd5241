// kiln/runtime/host_cpu_identity.h — this host's processor, as a compiler sees it.
#ifndef KILN_RUNTIME_HOST_CPU_IDENTITY_H_
#define KILN_RUNTIME_HOST_CPU_IDENTITY_H_

#include <string>

namespace kiln::runtime {

// What a compile for "this host's CPU" depends on, as text: the CPUID
// vendor, family, model and stepping (LLVM names the CPU from them) and
// every CPU feature the host has (by LLVM's names, as HostHasCpuFeature
// finds them). Two hosts with the same text get the same compiler
// fingerprint, so it can key what was learnt about that fingerprint
// (client/fingerprint_memo.h) without linking LLVM. Found once per process.
const std::string& HostCpuIdentity();

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_HOST_CPU_IDENTITY_H_
