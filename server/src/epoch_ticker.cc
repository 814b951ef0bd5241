#include "kiln/server/epoch_ticker.h"

namespace kiln::server {

EpochTicker::EpochTicker(runtime::Engine& engine, std::chrono::milliseconds period)
    : period_(period), thread_(period, [&engine] { engine.IncrementEpoch(); }) {}

uint64_t EpochTicker::TicksFor(std::chrono::milliseconds limit) const {
  const int64_t period = period_.count();
  const int64_t ms = limit.count() < 1 ? 1 : limit.count();
  return static_cast<uint64_t>((ms + period - 1) / period) + 1;
}

}  // namespace kiln::server
