#include "kiln/server/cancel_watcher.h"

#include <algorithm>

namespace kiln::server {

CancelWatcher::CancelWatcher(std::chrono::milliseconds period)
    : thread_(period, [this] { Tick(); }) {}

CancelWatcher::Watch::Watch(CancelWatcher& watcher, const grpc::ServerContext& context,
                            runtime::Store& store)
    : watcher_(watcher) {
  absl::MutexLock lock(&watcher_.mutex_);
  watcher_.running_.push_back({this, &context, &store});
}

CancelWatcher::Watch::~Watch() {
  // Under the lock: once this returns, Tick no longer touches the call,
  // which the handler is about to finish.
  absl::MutexLock lock(&watcher_.mutex_);
  std::vector<Entry>& running = watcher_.running_;
  running.erase(std::find_if(running.begin(), running.end(),
                             [this](const Entry& entry) { return entry.watch == this; }));
}

void CancelWatcher::Tick() {
  absl::MutexLock lock(&mutex_);
  for (const Entry& entry : running_) {
    // The handler thread is inside the guest, so this thread is the only
    // one asking the call anything (gRPC's compile cancellation polls the
    // same way from TBB's threads).
    if (entry.context->IsCancelled()) entry.store->Interrupt();
  }
}

}  // namespace kiln::server
