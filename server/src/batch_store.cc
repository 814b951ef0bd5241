#include "kiln/server/batch_store.h"

#include <utility>
#include <vector>

#include "kiln/cache/local_artifact_store.h"
#include "kiln/cache/memory_tier.h"

namespace kiln::server {

absl::StatusOr<std::unique_ptr<BatchStore>> BatchStore::Open(const ServerConfig& config) {
  std::unique_ptr<cache::ArtifactStore> store;
  if (!config.cache_dir.empty()) {
    absl::StatusOr<std::unique_ptr<cache::ArtifactStore>> local =
        cache::OpenLocalArtifactStore(config.cache_dir + "/batches", config.batch_cache_budget_bytes,
                                      config.batch_memory_cache_bytes);
    if (!local.ok()) return local.status();
    store = *std::move(local);
  } else {
    std::vector<std::unique_ptr<cache::ArtifactTier>> tiers;
    if (config.batch_memory_cache_bytes > 0) {
      tiers.push_back(std::make_unique<cache::MemoryTier>(config.batch_memory_cache_bytes));
    }
    store = std::make_unique<cache::ArtifactStore>(std::move(tiers));
  }
  return std::unique_ptr<BatchStore>(new BatchStore(std::move(store)));
}

// Objects and blobs are the same shared buffers: nothing is copied.
BatchStore::Object BatchStore::Get(const Key& key) { return store_->Get(cache::CacheKey(key)); }

void BatchStore::Put(const Key& key, Object object) {
  // Best effort: a batch that cannot be kept is compiled again next time.
  if (object != nullptr) store_->Put(cache::CacheKey(key), std::move(object)).IgnoreError();
}

}  // namespace kiln::server
