#include "kiln/server/periodic_thread.h"

#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <utility>

namespace kiln::server {

PeriodicThread::PeriodicThread(std::chrono::milliseconds period, std::function<void()> tick)
    : thread_([period, tick = std::move(tick)](std::stop_token stop) {
        std::mutex mutex;
        std::condition_variable_any wake;
        std::unique_lock lock(mutex);
        // wait_for returns the predicate: false after a full period, true as
        // soon as a stop is requested.
        while (!wake.wait_for(lock, stop, period, [&stop] { return stop.stop_requested(); })) {
          tick();
        }
      }) {}

}  // namespace kiln::server
