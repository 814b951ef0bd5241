// host_cpu.h — can this host run code compiled under a given fingerprint?
//
// The runtime links no LLVM, so it reads the fingerprint's fields
// (jit::Compiler::fingerprint) itself: the VM ABI version, the target
// architecture and the CPU features the code may use. Running code that uses
// an instruction this CPU lacks would kill the process with SIGILL, so such
// an artifact is refused up front.
#ifndef KILN_RUNTIME_HOST_CPU_H_
#define KILN_RUNTIME_HOST_CPU_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace kiln::runtime {

// The value of `field` in a "name=value;name=value" fingerprint, or "".
std::string FingerprintField(std::string_view fingerprint, std::string_view field);

// FAILED_PRECONDITION when this host cannot run the code: another VM ABI,
// another architecture, an x86-64 level (x86-64-v2..v4) it is not, or any
// "+feature" of the fingerprint's feature list it lacks or cannot detect
// (host_cpu_features.h); the message names every such feature. A named CPU
// is judged by its feature list, which the compiler writes in full for
// every CPU; a list missing altogether is refused except for the levels.
absl::Status CheckHostCanRun(std::string_view fingerprint);

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_HOST_CPU_H_
