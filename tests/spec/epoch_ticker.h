// epoch_ticker.h — turns Store epoch deadlines into wall-clock limits.
//
// Guest code can only be interrupted through its Engine's epoch. A thread
// that advances the epoch every `period` makes a deadline of N ticks mean
// about N * period, so a command that hangs (a miscompiled loop) fails on
// its own instead of stalling the whole suite until CTest kills it.
#ifndef KILN_TESTS_SPEC_EPOCH_TICKER_H_
#define KILN_TESTS_SPEC_EPOCH_TICKER_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include "kiln/runtime/engine.h"

namespace kiln::spec {

class EpochTicker {
 public:
  EpochTicker(runtime::Engine& engine, std::chrono::milliseconds period)
      : thread_([&engine, period](std::stop_token stop) {
          std::mutex mutex;
          std::condition_variable_any wake;
          std::unique_lock lock(mutex);
          // wait_for returns the predicate: false after a full period,
          // true as soon as a stop is requested.
          while (!wake.wait_for(lock, stop, period, [&stop] { return stop.stop_requested(); })) {
            engine.IncrementEpoch();
          }
        }) {}

  // std::jthread's destructor requests the stop and joins.
  EpochTicker(const EpochTicker&) = delete;
  EpochTicker& operator=(const EpochTicker&) = delete;

 private:
  std::jthread thread_;
};

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_EPOCH_TICKER_H_
