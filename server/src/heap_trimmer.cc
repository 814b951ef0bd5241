#include "kiln/server/heap_trimmer.h"

#include <malloc.h>

#include <cstdint>

namespace kiln::server {

HeapTrimmer::HeapTrimmer(const RequestLog& log, std::chrono::milliseconds period)
    : thread_(period, [&log, trimmed_at = uint64_t{0}]() mutable {
        // finished() first: a request that starts in between makes the two
        // differ, and the trim waits for the next quiet period.
        const uint64_t finished = log.finished();
        if (finished != trimmed_at && log.requests() == finished) {
          malloc_trim(0);
          trimmed_at = finished;  // finished() at the last trim
        }
      }) {}

}  // namespace kiln::server
