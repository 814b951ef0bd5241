// kiln/jit/batch_cache.h — compiled batches of functions, reused by content.
//
// The Compiler compiles a module's functions in batches, one LLVM module and
// one object each. Batch boundaries depend only on the function bodies (a
// batch ends after a function whose body digest says so, within size
// bounds: content-defined, like rsync's chunks), so a module that differs
// from an earlier one in a few bodies has the same batches everywhere else,
// and generated code holds no module offsets (vm_abi.h), so those batches'
// objects are the same bytes. A BatchCache keeps objects under a key that
// covers everything a batch's code depends on:
//
//   - the compiler fingerprint (Kiln, LLVM, target, CPU, options);
//   - the module's declarations: types, imports, the type of every function,
//     tables, memories, globals with their initializers, element segments,
//     and the number and kind of data segments (not their bytes, nor custom
//     sections: no code depends on them);
//   - each of the batch's functions: its index, its type, its body.
//
// At O2 LLVM inlines across the functions of one batch; they are all in the
// key, so an object never holds stale inlined code. The price of caching by
// batch rather than by function: one changed body recompiles its whole
// batch (about 64 KiB of wasm), and a change to any declaration, or a new
// function that shifts the indices after it, recompiles the batches it
// touches, which for a declaration is all of them.
//
// The image a Compiler links from cached and fresh objects is byte for byte
// the image it would link from fresh ones.
#ifndef KILN_JIT_BATCH_CACHE_H_
#define KILN_JIT_BATCH_CACHE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace kiln::jit {

class BatchCache {
 public:
  using Key = std::array<uint8_t, 32>;  // a SHA-256
  // An ELF object, shared and immutable: a large module's objects are
  // hundreds of megabytes, which are handed over without copies.
  using Object = std::shared_ptr<const std::vector<uint8_t>>;
  virtual ~BatchCache() = default;

  // The object stored under `key`, or null. Must return exactly what was
  // Put under it, or nothing. Called from several compile threads at once.
  virtual Object Get(const Key& key) = 0;
  // Best effort: the cache may drop it. Called from several threads at once.
  virtual void Put(const Key& key, Object object) = 0;
};

// What one compile did, for stats and the request log.
struct CompileStats {
  uint32_t batches = 0;            // of functions (trampolines not counted)
  uint32_t batches_reused = 0;     // of those, taken from the BatchCache
  uint32_t functions_compiled = 0;
  uint32_t functions_reused = 0;
};

}  // namespace kiln::jit

#endif  // KILN_JIT_BATCH_CACHE_H_
