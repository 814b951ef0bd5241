// kiln/server/compile_memory.h — how much memory compiling a module may
// take, told from its bytes before anything is decoded.
//
// LLVM cannot fail an allocation gracefully: Debian's LLVM is built without
// exceptions, so running out of memory mid-compile aborts the daemon. kilnd
// therefore reserves each compile's memory from its MemoryBudget before
// the compile starts, and refuses outright a module whose compile could
// never fit. The estimate needs only the code section's size and its
// largest function body, which the section headers and the bodies' size
// prefixes give without decoding an instruction.
#ifndef KILN_SERVER_COMPILE_MEMORY_H_
#define KILN_SERVER_COMPILE_MEMORY_H_

#include <cstdint>
#include <span>

namespace kiln::server {

struct CodeSize {
  uint64_t code_bytes = 0;    // the code section: every body, with its size prefix
  uint64_t largest_body = 0;  // the largest single body
};

// `module`'s CodeSize, from its section headers and the bodies' size
// prefixes. Where those are malformed, what was read so far (the decoder
// stops at the same place, before compiling anything, with the error the
// caller should see); the code section's size counts as its largest body
// when the bodies themselves cannot be read.
CodeSize ScanCodeSize(std::span<const uint8_t> module);

// The most memory one compile of a module of `code` is expected to add to
// the process at its peak, decoding and validation included, when it may
// run on `threads` threads (see compile_memory.cc for the measurements).
uint64_t EstimateCompileMemory(const CodeSize& code, uint32_t threads);

}  // namespace kiln::server

#endif  // KILN_SERVER_COMPILE_MEMORY_H_
