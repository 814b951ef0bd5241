#include "cancel_on_signal.h"

#include <pthread.h>

#include <ctime>

namespace kiln::client {
namespace {

sigset_t CancellingSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

CancelOnSignal::CancelOnSignal() {
  const sigset_t signals = CancellingSignals();
  pthread_sigmask(SIG_BLOCK, &signals, &previous_mask_);
  thread_ = std::jthread([this](std::stop_token stop) {
    const sigset_t signals = CancellingSignals();
    // Wakes every 100 ms to see whether it should stop.
    const timespec period{.tv_sec = 0, .tv_nsec = 100'000'000};
    while (!stop.stop_requested()) {
      const int signal = sigtimedwait(&signals, nullptr, &period);
      if (signal <= 0) continue;
      received_.store(signal);
      if (KilnClient* client = client_.load()) client->CancelAll();
    }
  });
}

CancelOnSignal::~CancelOnSignal() {
  thread_.request_stop();
  thread_.join();
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

}  // namespace kiln::client
