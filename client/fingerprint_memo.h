// client/fingerprint_memo.h — the compiler fingerprint, known without a compiler.
//
// A module's cache key is its bytes plus the fingerprint of the compiler
// that compiles it (jit::Compiler::fingerprint), and finding that
// fingerprint means asking LLVM about this host: loading libLLVM costs a
// `kiln run` of a cached program more than running it. So once a compiler
// has been made for some options, its fingerprint is written down in the
// cache folder, and a later run with the same options on the same host
// reads it back instead (kiln_main.cc's cached path).
//
// The memo is named by everything the fingerprint is made of apart from
// what only LLVM knows: this Kiln's version, VM ABI and LLVM version, the
// options, and this host's CPU identity (runtime::HostCpuIdentity). A memo
// that is wrong anyway (damaged, or planted by someone who can write the
// cache folder, who could plant artifacts too) cannot make a host run code
// it should not: the loader checks every artifact's fingerprint against the
// host, and a key that finds nothing just means compiling (which writes the
// memo again).
//
// Layout: <cache>/compilers/<64 hex digits>, one line of text. The disk
// tier looks only at its two-hex-digit shard folders, so this folder is
// invisible to it.
#ifndef KILN_CLIENT_FINGERPRINT_MEMO_H_
#define KILN_CLIENT_FINGERPRINT_MEMO_H_

#include <optional>
#include <string>

#include "kiln/jit/compiler_options.h"

namespace kiln::client {

// The fingerprint recorded for `options` on this host, if any.
std::optional<std::string> ReadFingerprintMemo(const std::string& cache_dir,
                                               const jit::CompilerOptions& options);

// Records `fingerprint` for `options` on this host unless it is recorded
// already. Best effort: failing to write only costs a later run its LLVM-free
// start.
void WriteFingerprintMemo(const std::string& cache_dir, const jit::CompilerOptions& options,
                          const std::string& fingerprint);

}  // namespace kiln::client

#endif  // KILN_CLIENT_FINGERPRINT_MEMO_H_
