// kiln/server/compile_progress.h — how far the compile of each module is,
// for the requests that watch it.
//
// The compile of a module runs once however many requests ask for it
// (cache::ArtifactStore), so progress is posted by cache key: the compile
// reports (functions done, total) from its pool threads, and every request
// watching that key hears it, whether it leads the compile or waits for
// it. A watcher is told at most every kMinInterval (and always of the last
// function), so a client's stream carries a few updates a second whatever
// the batch size. Nothing is kept for keys nobody watches.
#ifndef KILN_SERVER_COMPILE_PROGRESS_H_
#define KILN_SERVER_COMPILE_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "kiln/cache/cache_key.h"

namespace kiln::server {

class CompileProgressBoard {
 public:
  using Listener = std::function<void(uint32_t done, uint32_t total)>;
  static constexpr std::chrono::milliseconds kMinInterval{200};

  // Stops the listener when destroyed: once the destructor returns, the
  // listener is not running and will not be called again.
  class Watch {
   public:
    Watch() = default;
    Watch(Watch&& other) noexcept = default;
    Watch& operator=(Watch&& other) noexcept;
    ~Watch();

   private:
    friend class CompileProgressBoard;
    struct Watcher;
    Watch(CompileProgressBoard* board, cache::CacheKey key, std::shared_ptr<Watcher> watcher)
        : board_(board), key_(key), watcher_(std::move(watcher)) {}
    void Stop();

    CompileProgressBoard* board_ = nullptr;
    cache::CacheKey key_{cache::CacheKey::Digest{}};
    std::shared_ptr<Watcher> watcher_;
  };

  // Calls `listener` with the progress of compiles of `key` until the Watch
  // is destroyed. The listener runs on the compile's threads: it must be
  // quick (or at least not wait for the compile).
  Watch Subscribe(const cache::CacheKey& key, Listener listener);

  // Tells the watchers of `key`, if any.
  void Report(const cache::CacheKey& key, uint32_t done, uint32_t total);

 private:
  void Unsubscribe(const cache::CacheKey& key, const Watch::Watcher* watcher);

  absl::Mutex mu_;
  absl::flat_hash_map<cache::CacheKey, std::vector<std::shared_ptr<Watch::Watcher>>> watchers_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace kiln::server

#endif  // KILN_SERVER_COMPILE_PROGRESS_H_
