// kiln/runtime/thread_stack.h — the calling thread's stack, as running wasm
// on it needs to know.
//
// Wasm runs on the thread that calls it. Its stack limit (and the tell
// between a stack overflow and any other fault) comes from the thread's
// stack bounds, read once per thread: pthread_getattr_np makes a system
// call each time.
#ifndef KILN_RUNTIME_THREAD_STACK_H_
#define KILN_RUNTIME_THREAD_STACK_H_

#include <cstdint>

namespace kiln::runtime {

// Stack left below the wasm stack limit for the host code that wasm calls
// (builtins, host functions) and the runtime's own entry and trap paths.
inline constexpr uint64_t kHostStackReserve = 256 * 1024;

struct ThreadStack {
  uintptr_t low = 0;   // lowest usable address; 0 when unknown
  uintptr_t high = 0;  // one past the highest
};

// The calling thread's stack. Async-signal-safe once the thread has called
// it (the runtime does before running wasm).
const ThreadStack& CurrentThreadStack();

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_THREAD_STACK_H_
