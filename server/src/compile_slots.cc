#include "kiln/server/compile_slots.h"

#include "absl/time/time.h"

namespace kiln::server {
namespace {

constexpr absl::Duration kCancelPollInterval = absl::Milliseconds(10);

}  // namespace

CompileSlots::Slot CompileSlots::Acquire(const std::function<bool()>& cancelled) {
  absl::MutexLock lock(&mu_);
  const absl::Condition free_slot(this, &CompileSlots::HasFreeSlotLocked);
  while (!mu_.AwaitWithTimeout(free_slot, kCancelPollInterval)) {
    if (cancelled && cancelled()) return Slot();
  }
  ++in_use_;
  return Slot(this);
}

void CompileSlots::Release() {
  absl::MutexLock lock(&mu_);
  --in_use_;
}

uint32_t CompileSlots::in_use() const {
  absl::MutexLock lock(&mu_);
  return in_use_;
}

}  // namespace kiln::server
