#include "kiln/server/epoch_ticker.h"

#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace kiln::server {

EpochTicker::EpochTicker(runtime::Engine& engine, std::chrono::milliseconds period)
    : period_(period), thread_([&engine, period](std::stop_token stop) {
        std::mutex mutex;
        std::condition_variable_any wake;
        std::unique_lock lock(mutex);
        // wait_for returns the predicate: false after a full period, true as
        // soon as a stop is requested.
        while (!wake.wait_for(lock, stop, period, [&stop] { return stop.stop_requested(); })) {
          engine.IncrementEpoch();
        }
      }) {}

uint64_t EpochTicker::TicksFor(std::chrono::milliseconds limit) const {
  const int64_t period = period_.count();
  const int64_t ms = limit.count() < 1 ? 1 : limit.count();
  return static_cast<uint64_t>((ms + period - 1) / period) + 1;
}

}  // namespace kiln::server
