// kiln/server/loaded_modules.h — runtime::Modules the daemon has loaded,
// by cache key.
//
// Loading an artifact checks its digest and maps its code, so repeated
// Instantiate calls for one module reuse the loaded Module (immutable and
// shareable between Stores). The most recently used `capacity` modules are
// kept; an evicted one lives on in the instances that still use it.
#ifndef KILN_SERVER_LOADED_MODULES_H_
#define KILN_SERVER_LOADED_MODULES_H_

#include <cstddef>
#include <list>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "kiln/cache/cache_key.h"
#include "kiln/runtime/module.h"

namespace kiln::server {

class LoadedModules {
 public:
  explicit LoadedModules(size_t capacity) : capacity_(capacity) {}

  // The module loaded under `key`, or null.
  std::shared_ptr<const runtime::Module> Find(const cache::CacheKey& key);
  void Insert(const cache::CacheKey& key, std::shared_ptr<const runtime::Module> module);
  void Remove(const cache::CacheKey& key);

 private:
  using Entry = std::pair<cache::CacheKey, std::shared_ptr<const runtime::Module>>;
  using Lru = std::list<Entry>;  // most recently used first

  const size_t capacity_;
  absl::Mutex mu_;
  Lru lru_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<cache::CacheKey, Lru::iterator> index_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kiln::server

#endif  // KILN_SERVER_LOADED_MODULES_H_
