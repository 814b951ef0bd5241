// kiln/server/compile_slots.h — a counting semaphore for compiles whose
// waiters can give up.
//
// LLVM compiles are the daemon's costliest work, so at most N run at once
// (--max-concurrent-compiles); the rest queue here. A queued request whose
// caller cancels or runs out of deadline must leave the queue promptly
// instead of compiling for nobody, hence the polled `cancelled`.
#ifndef KILN_SERVER_COMPILE_SLOTS_H_
#define KILN_SERVER_COMPILE_SLOTS_H_

#include <cstdint>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace kiln::server {

class CompileSlots {
 public:
  explicit CompileSlots(uint32_t slots) : slots_(slots) {}

  // Releases its slot when destroyed (if it holds one).
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (owner_ != nullptr) owner_->Release();
    }
    explicit operator bool() const { return owner_ != nullptr; }

   private:
    friend class CompileSlots;
    explicit Slot(CompileSlots* owner) : owner_(owner) {}
    CompileSlots* owner_ = nullptr;
  };

  // Waits for a free slot; an empty Slot when `cancelled()` turned true
  // first (it is polled every few milliseconds while waiting).
  Slot Acquire(const std::function<bool()>& cancelled);

  uint32_t in_use() const;

 private:
  void Release();
  bool HasFreeSlotLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_use_ < slots_; }

  const uint32_t slots_;
  mutable absl::Mutex mu_;
  uint32_t in_use_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace kiln::server

#endif  // KILN_SERVER_COMPILE_SLOTS_H_
