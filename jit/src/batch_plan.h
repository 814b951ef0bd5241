// batch_plan.h — how a module's functions are cut into compile batches, and
// the key of each batch's object (kiln/jit/batch_cache.h).
#ifndef KILN_JIT_BATCH_PLAN_H_
#define KILN_JIT_BATCH_PLAN_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "kiln/crypto/sha256.h"
#include "kiln/jit/batch_cache.h"
#include "kiln/wasm/module.h"

namespace kiln::jit {

// One compile task: a range of defined functions, or trampolines of the
// given (canonical) type indices.
struct BatchJob {
  uint32_t first_defined = 0;
  uint32_t end_defined = 0;
  std::vector<uint32_t> entry_types;
  std::vector<uint32_t> exit_types;
};

// The batches of functions, in order. `functions_per_batch` > 0 cuts every
// that many functions (for tests); 0 cuts by content: a batch takes at
// least kMinBatchBytes of bodies, then ends after each further function with
// a probability proportional to its size (decided by its digest), so that
// batches average about 64 KiB; kMaxBatchBytes and kMaxBatchFunctions bound
// them. `body_digests` are the SHA-256 of each defined function's body.
std::vector<BatchJob> PlanFunctionBatches(const wasm::Module& module,
                                          const std::vector<crypto::Sha256Digest>& body_digests,
                                          uint32_t functions_per_batch);

// The SHA-256 of every defined function's body, computed in parallel.
std::vector<crypto::Sha256Digest> DigestBodies(const wasm::Module& module);

// The digest of the module's declarations, as batch_cache.h lists them.
crypto::Sha256Digest DigestDeclarations(const wasm::Module& module);

// The key of `job`'s object.
BatchCache::Key BatchKey(std::string_view fingerprint, const crypto::Sha256Digest& declarations,
                         const std::vector<crypto::Sha256Digest>& body_digests,
                         const BatchJob& job);

}  // namespace kiln::jit

#endif  // KILN_JIT_BATCH_PLAN_H_
