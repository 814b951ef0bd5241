#include "guest_signals.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store_state.h"

namespace kiln::runtime {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kFirstRetry{1};
constexpr milliseconds kLongestRetry{50};

// The threads running guest code, and a thread that repeats the signal to
// those past their deadline: the first one may land outside generated code,
// after which a loop without checks would never see it. Never destroyed, so
// a guest thread still running while the process exits finds it intact.
class GuestRegistry {
 public:
  void Add(RunningGuest& guest) {
    std::lock_guard<std::mutex> lock(mutex_);
    guest.previous = nullptr;
    guest.next = head_;
    if (head_ != nullptr) head_->previous = &guest;
    head_ = &guest;
  }

  void Remove(RunningGuest& guest) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (guest.previous != nullptr) {
      guest.previous->next = guest.next;
    } else {
      head_ = guest.next;
    }
    if (guest.next != nullptr) guest.next->previous = guest.previous;
  }

  void SignalPastDeadline() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!SignalPastDeadlineLocked()) return;
    retrying_ = true;
    if (!retry_thread_started_) {
      std::thread([this] { RetryLoop(); }).detach();
      retry_thread_started_ = true;
    }
    wake_.notify_one();
  }

 private:
  // Returns whether any thread was signalled.
  bool SignalPastDeadlineLocked() {
    bool any = false;
    for (RunningGuest* guest = head_; guest != nullptr; guest = guest->next) {
      if (!guest->store->DeadlineReached()) continue;
      // The thread is alive: it leaves the list before it returns to the
      // host, under this lock.
      pthread_kill(guest->thread, kInterruptSignal);
      any = true;
    }
    return any;
  }

  [[noreturn]] void RetryLoop() {
    std::unique_lock<std::mutex> lock(mutex_);
    milliseconds interval = kFirstRetry;
    while (true) {
      if (!retrying_) {
        wake_.wait(lock, [this] { return retrying_; });
        interval = kFirstRetry;
        continue;
      }
      wake_.wait_for(lock, interval);
      retrying_ = SignalPastDeadlineLocked();
      interval = std::min(interval * 2, kLongestRetry);
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  RunningGuest* head_ = nullptr;
  bool retrying_ = false;
  bool retry_thread_started_ = false;
};

GuestRegistry& Registry() {
  static GuestRegistry* const registry = new GuestRegistry;
  return *registry;
}

}  // namespace

void EnterGuest(RunningGuest& guest) {
  // Once per thread: a thread that blocks the signal could not be stopped
  // in a loop without checks.
  thread_local const bool unblocked = [] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, kInterruptSignal);
    return pthread_sigmask(SIG_UNBLOCK, &set, nullptr) == 0;
  }();
  (void)unblocked;
  guest.thread = pthread_self();
  Registry().Add(guest);
}

void LeaveGuest(RunningGuest& guest) { Registry().Remove(guest); }

void SignalGuestsPastDeadline() { Registry().SignalPastDeadline(); }

}  // namespace kiln::runtime
