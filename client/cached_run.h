// client/cached_run.h — `kiln run` of a module that is compiled already.
//
// The usual `kiln run` finds the module in the artifact cache; compiling
// is the exception. Loading LLVM and gRPC costs a process tens of
// milliseconds before main, far more than loading and running a cached
// hello-world, so `kiln` itself links neither: it runs what it can from the
// cache (or an artifact file), and hands every other command, and every
// run it cannot finish alone, to kiln-full, the complete CLI, before doing
// anything a second attempt would notice.
#ifndef KILN_CLIENT_CACHED_RUN_H_
#define KILN_CLIENT_CACHED_RUN_H_

#include <optional>
#include <string>
#include <vector>

namespace kiln::client {

// `args` are the words after "run". Runs the module as kiln-full's
// RunCommand would and returns the exit status, when it needs neither a
// compiler nor kilnd: an artifact file, or a module whose artifact is in
// the cache under the key the compiler's fingerprint memo
// (fingerprint_memo.h) gives. Otherwise returns std::nullopt having printed
// nothing and read no standard input, so that kiln-full can start over: a
// miss, --server, --no-cache, a module on stdin, a command line with an
// error (kiln-full words it), an artifact that does not load. (A cache
// entry whose seal is broken is deleted on the way, as any reader of the
// cache does.)
std::optional<int> RunFromCache(const std::vector<std::string>& args);

}  // namespace kiln::client

#endif  // KILN_CLIENT_CACHED_RUN_H_
