#include "kiln/server/heap_trimmer.h"

#include <malloc.h>

#include <cstdint>

namespace kiln::server {

HeapTrimmer::HeapTrimmer(const RequestLog& log, std::chrono::milliseconds period)
    : thread_(period,
              [&log, seen = uint64_t{0}, trimmed_at = uint64_t{0}]() mutable {
                // finished() first: a request that starts in between makes
                // the two differ, and the trim waits.
                const uint64_t finished = log.finished();
                const bool quiet_for_a_period = finished == seen && log.requests() == finished;
                if (quiet_for_a_period && finished != trimmed_at) {
                  malloc_trim(0);
                  trimmed_at = finished;
                }
                seen = finished;
              }) {}

}  // namespace kiln::server
