// kiln/server/cancel_watcher.h — stops guest code whose caller has gone.
//
// Guest code runs on the gRPC handler thread, which cannot look at its call
// while it is inside the guest. So a caller that cancels (or disconnects)
// would leave its guest running to the time limit, holding a thread, a
// core and, for Invoke, the instance. A running call registers here; a
// thread polls each registered call every `period` and interrupts the Store
// of one whose call was cancelled (runtime::Store::Interrupt), so its guest
// traps at its next function entry or loop iteration.
//
// What gRPC reports as cancelled: an explicit cancel (RST_STREAM) and an
// expired deadline. A connection that just closes is not: gRPC 1.51 keeps
// such a call open on the server until the handler answers, so a guest
// whose client died runs to its time limit.
#ifndef KILN_SERVER_CANCEL_WATCHER_H_
#define KILN_SERVER_CANCEL_WATCHER_H_

#include <chrono>
#include <vector>

#include <grpcpp/server_context.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "kiln/runtime/store.h"
#include "kiln/server/periodic_thread.h"

namespace kiln::server {

class CancelWatcher {
 public:
  explicit CancelWatcher(std::chrono::milliseconds period);
  CancelWatcher(const CancelWatcher&) = delete;
  CancelWatcher& operator=(const CancelWatcher&) = delete;

  // While a Watch lives, cancelling `context` interrupts `store`. Both must
  // outlive it.
  class [[nodiscard]] Watch {
   public:
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

   private:
    friend class CancelWatcher;
    Watch(CancelWatcher& watcher, const grpc::ServerContext& context, runtime::Store& store);
    CancelWatcher& watcher_;
  };
  Watch Start(const grpc::ServerContext& context, runtime::Store& store) {
    return Watch(*this, context, store);
  }

 private:
  struct Entry {
    const Watch* watch;
    const grpc::ServerContext* context;
    runtime::Store* store;
  };
  void Tick();

  absl::Mutex mutex_;
  std::vector<Entry> running_ ABSL_GUARDED_BY(mutex_);
  PeriodicThread thread_;  // last: it stops before the members it uses go
};

}  // namespace kiln::server

#endif  // KILN_SERVER_CANCEL_WATCHER_H_
