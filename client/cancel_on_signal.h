// cancel_on_signal.h — Ctrl-C on a `kiln ... --server` command cancels its
// calls instead of killing the process.
//
// A killed client only closes its connection, and kilnd (gRPC 1.51) does
// not notice that while a guest runs: the guest would go on to its time
// limit. A cancelled call is noticed at once, so while a CancelOnSignal
// lives, SIGINT and SIGTERM are taken by a thread of its own, which
// cancels the client's calls (KilnClient::CancelAll); the command then
// finishes its way (dropping its instance) and exits 128 + the signal.
#ifndef KILN_CLIENT_CANCEL_ON_SIGNAL_H_
#define KILN_CLIENT_CANCEL_ON_SIGNAL_H_

#include <signal.h>

#include <atomic>
#include <thread>

#include "kiln/client/kiln_client.h"

namespace kiln::client {

class CancelOnSignal {
 public:
  // Blocks SIGINT and SIGTERM in this thread, so construct it before the
  // client makes any thread (before KilnClient::Connect): threads inherit
  // the mask, and one without it would die of the signal. `client` is
  // filled in later, by set_client.
  CancelOnSignal();
  // Stops the thread and restores the signal mask.
  ~CancelOnSignal();
  CancelOnSignal(const CancelOnSignal&) = delete;
  CancelOnSignal& operator=(const CancelOnSignal&) = delete;

  void set_client(KilnClient* client) { client_.store(client); }
  // The signal that cancelled the calls, or 0.
  int received() const { return received_.load(); }

 private:
  sigset_t previous_mask_;
  std::atomic<KilnClient*> client_{nullptr};
  std::atomic<int> received_{0};
  std::jthread thread_;
};

}  // namespace kiln::client

#endif  // KILN_CLIENT_CANCEL_ON_SIGNAL_H_
