// kiln/server/heap_trimmer.h — gives the heap's free memory back to the
// system once the daemon goes idle.
//
// Requests carry modules of megabytes, and gRPC receives them in many
// smaller buffers, on whichever handler thread runs the call; glibc keeps
// each thread's heap arena, and a freed buffer in the middle of an arena
// stays resident. After a burst of large requests the daemon would sit on
// tens of megabytes it no longer uses. A thread here looks every `period`
// and calls malloc_trim, which returns the free pages of every arena, once
// a whole period has passed with no request running, starting or
// finishing, after some ran since the last trim. A daemon under load never
// trims, not even a single client's back-to-back calls with gaps between
// them: a trim there made every next request fault its buffers back in.
#ifndef KILN_SERVER_HEAP_TRIMMER_H_
#define KILN_SERVER_HEAP_TRIMMER_H_

#include <chrono>

#include "kiln/server/periodic_thread.h"
#include "kiln/server/request_log.h"

namespace kiln::server {

class HeapTrimmer {
 public:
  // Starts at once; the destructor stops and joins the thread.
  HeapTrimmer(const RequestLog& log, std::chrono::milliseconds period);
  HeapTrimmer(const HeapTrimmer&) = delete;
  HeapTrimmer& operator=(const HeapTrimmer&) = delete;

 private:
  PeriodicThread thread_;
};

}  // namespace kiln::server

#endif  // KILN_SERVER_HEAP_TRIMMER_H_
