// kiln/server/epoch_ticker.h — wall-clock time limits for guest code.
//
// Generated code can only be stopped through its Engine's epoch: function
// entries and loops compare the epoch with their Store's deadline, and
// loops without checks are signalled when it passes. A thread advancing the
// epoch every `period` turns "N ticks" into "about N periods", which is how
// the daemon enforces --time-limit-ms.
#ifndef KILN_SERVER_EPOCH_TICKER_H_
#define KILN_SERVER_EPOCH_TICKER_H_

#include <chrono>
#include <cstdint>

#include "kiln/runtime/engine.h"
#include "kiln/server/periodic_thread.h"

namespace kiln::server {

class EpochTicker {
 public:
  // Starts ticking at once; the destructor stops and joins the thread.
  EpochTicker(runtime::Engine& engine, std::chrono::milliseconds period);
  EpochTicker(const EpochTicker&) = delete;
  EpochTicker& operator=(const EpochTicker&) = delete;

  // Ticks for a deadline no earlier than `limit` from now: the tick in
  // progress may be nearly over, so one more than limit / period.
  uint64_t TicksFor(std::chrono::milliseconds limit) const;

 private:
  const std::chrono::milliseconds period_;
  PeriodicThread thread_;
};

}  // namespace kiln::server

#endif  // KILN_SERVER_EPOCH_TICKER_H_
