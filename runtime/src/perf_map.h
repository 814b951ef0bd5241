// perf_map.h — tells Linux `perf` where a loaded module's functions are.
//
// Generated code lives in anonymous mappings, so `perf report` shows it as
// bare addresses. With KILN_PERF_MAP=1 in the environment, every module
// load appends one line per defined function ("START SIZE NAME", hex) to
// /tmp/perf-PID.map, the file perf reads for JIT code. Off by default: the
// file grows with every load and is never cleaned up.
#ifndef KILN_RUNTIME_PERF_MAP_H_
#define KILN_RUNTIME_PERF_MAP_H_

#include <cstdint>
#include <vector>

#include "kiln/wasm/module.h"

namespace kiln::runtime {

// Records the functions of `module`, whose code starts at `text` with the
// given per-function offsets and sizes, when KILN_PERF_MAP=1.
void AnnounceToPerf(const wasm::Module& module, const uint8_t* text,
                    const std::vector<uint32_t>& function_offsets,
                    const std::vector<uint32_t>& function_sizes);

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_PERF_MAP_H_
