// kiln/server/batch_store.h — kilnd's cache of compiled batches of functions
// (kiln/jit/batch_cache.h), so that a module that differs from an earlier
// one (from any client) in a few function bodies compiles only the batches
// holding those.
//
// The batches live in cache tiers of their own, with budgets apart from the
// artifacts': a memory tier (--batch-memory-cache) over a disk tier in
// CACHE_DIR/batches (--batch-cache-budget), sealed and evicted like
// artifacts (kiln/cache/disk_tier.h); memory only without a cache folder.
#ifndef KILN_SERVER_BATCH_STORE_H_
#define KILN_SERVER_BATCH_STORE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "kiln/cache/artifact_store.h"
#include "kiln/jit/batch_cache.h"
#include "kiln/server/server_config.h"

namespace kiln::server {

class BatchStore final : public jit::BatchCache {
 public:
  // Fails when the folder cannot be created or opened.
  static absl::StatusOr<std::unique_ptr<BatchStore>> Open(const ServerConfig& config);

  Object Get(const Key& key) override;
  void Put(const Key& key, Object object) override;

  // Its tiers, for stats.
  const cache::ArtifactStore& store() const { return *store_; }

 private:
  explicit BatchStore(std::unique_ptr<cache::ArtifactStore> store) : store_(std::move(store)) {}
  std::unique_ptr<cache::ArtifactStore> store_;
};

}  // namespace kiln::server

#endif  // KILN_SERVER_BATCH_STORE_H_
