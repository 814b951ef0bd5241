#include "kiln/server/heap_trimmer.h"

#include <malloc.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>

namespace kiln::server {

HeapTrimmer::HeapTrimmer(const RequestLog& log, std::chrono::milliseconds period)
    : thread_([&log, period](std::stop_token stop) {
        std::mutex mutex;
        std::condition_variable_any wake;
        std::unique_lock lock(mutex);
        uint64_t trimmed_at = 0;  // finished() at the last trim
        // wait_for returns the predicate: false after a full period, true as
        // soon as a stop is requested.
        while (!wake.wait_for(lock, stop, period, [&stop] { return stop.stop_requested(); })) {
          // finished() first: a request that starts in between makes the
          // two differ, and the trim waits for the next quiet period.
          const uint64_t finished = log.finished();
          if (finished != trimmed_at && log.requests() == finished) {
            malloc_trim(0);
            trimmed_at = finished;
          }
        }
      }) {}

}  // namespace kiln::server
