#include "kiln/server/compile_progress.h"

#include <algorithm>

namespace kiln::server {

// One listener. Its mutex serializes calls of the listener and Stop, so
// that once Stop returns the listener is neither running nor called again.
struct CompileProgressBoard::Watch::Watcher {
  explicit Watcher(Listener l) : listener(std::move(l)) {}

  absl::Mutex mu;
  Listener listener ABSL_GUARDED_BY(mu);  // empty once stopped
  std::chrono::steady_clock::time_point last_told ABSL_GUARDED_BY(mu);
  uint32_t last_done ABSL_GUARDED_BY(mu) = 0;
};

CompileProgressBoard::Watch& CompileProgressBoard::Watch::operator=(Watch&& other) noexcept {
  if (this != &other) {
    Stop();
    board_ = other.board_;
    key_ = other.key_;
    watcher_ = std::move(other.watcher_);
    other.board_ = nullptr;
  }
  return *this;
}

CompileProgressBoard::Watch::~Watch() { Stop(); }

void CompileProgressBoard::Watch::Stop() {
  if (watcher_ == nullptr) return;
  {
    absl::MutexLock lock(&watcher_->mu);
    watcher_->listener = nullptr;
  }
  board_->Unsubscribe(key_, watcher_.get());
  watcher_ = nullptr;
}

CompileProgressBoard::Watch CompileProgressBoard::Subscribe(const cache::CacheKey& key,
                                                            Listener listener) {
  auto watcher = std::make_shared<Watch::Watcher>(std::move(listener));
  absl::MutexLock lock(&mu_);
  watchers_[key].push_back(watcher);
  return Watch(this, key, std::move(watcher));
}

void CompileProgressBoard::Unsubscribe(const cache::CacheKey& key, const Watch::Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  auto it = watchers_.find(key);
  if (it == watchers_.end()) return;
  std::erase_if(it->second, [watcher](const auto& w) { return w.get() == watcher; });
  if (it->second.empty()) watchers_.erase(it);
}

void CompileProgressBoard::Report(const cache::CacheKey& key, uint32_t done, uint32_t total) {
  std::vector<std::shared_ptr<Watch::Watcher>> watchers;
  {
    absl::MutexLock lock(&mu_);
    auto it = watchers_.find(key);
    if (it == watchers_.end()) return;
    watchers = it->second;
  }
  // Outside the board's lock: a slow listener holds up only its own compile.
  const auto now = std::chrono::steady_clock::now();
  for (const std::shared_ptr<Watch::Watcher>& watcher : watchers) {
    absl::MutexLock lock(&watcher->mu);
    if (!watcher->listener || done <= watcher->last_done) continue;
    if (done < total && now - watcher->last_told < kMinInterval) continue;
    watcher->last_told = now;
    watcher->last_done = done;
    watcher->listener(done, total);
  }
}

}  // namespace kiln::server
