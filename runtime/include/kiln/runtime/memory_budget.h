// kiln/runtime/memory_budget.h — a byte budget shared by many Stores and
// whatever else their host sizes against it.
//
// A Store's own limits (StoreLimits) bound one tenant; a MemoryBudget bounds
// all of them together, so that many tenants each within their limits
// cannot add up to more memory than the host has. A Store given one in its
// StoreLimits charges it for its linear memories' committed bytes and its
// tables' element storage when it creates or grows them, and gives
// everything back when it is destroyed. Growing past the budget fails like
// growing past the Store's limit (memory.grow and table.grow return -1);
// creating past it is RESOURCE_EXHAUSTED. A host may reserve bytes for its
// own work (buffers, compiles) from the same budget.
//
// Thread-safe: any number of Stores and threads may charge one budget. It
// must outlive everything that charges it.
#ifndef KILN_RUNTIME_MEMORY_BUDGET_H_
#define KILN_RUNTIME_MEMORY_BUDGET_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace kiln::runtime {

class MemoryBudget {
 public:
  // `name` says which limit this is in error messages, e.g. "this daemon's
  // memory budget (--max-total-memory)".
  MemoryBudget(uint64_t limit_bytes, std::string name);
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  uint64_t limit() const { return limit_; }
  uint64_t used() const { return used_.load(std::memory_order_relaxed); }
  uint64_t available() const;
  const std::string& name() const { return name_; }

  // Takes `bytes` if they fit beside what is taken; all or nothing.
  bool TryCharge(uint64_t bytes);
  // Gives back bytes taken by TryCharge.
  void Release(uint64_t bytes);

  // Bytes held until the Reservation is destroyed (or Resize'd).
  class Reservation {
   public:
    Reservation() = default;
    Reservation(Reservation&& other) noexcept;
    Reservation& operator=(Reservation&& other) noexcept;
    ~Reservation();

    uint64_t bytes() const { return bytes_; }
    // Holds `bytes` in all from now on: more if they fit (false and no
    // change otherwise), or gives the difference back. Only on a
    // Reservation made by Reserve.
    bool Resize(uint64_t bytes);

   private:
    friend class MemoryBudget;
    Reservation(MemoryBudget* budget, uint64_t bytes) : budget_(budget), bytes_(bytes) {}
    MemoryBudget* budget_ = nullptr;
    uint64_t bytes_ = 0;
  };

  // `bytes` for `what` (e.g. "compiling this module"), or RESOURCE_EXHAUSTED
  // naming the budget, its size and what is left (see IsBudgetExhausted).
  absl::StatusOr<Reservation> Reserve(uint64_t bytes, std::string_view what);

  // The RESOURCE_EXHAUSTED that Reserve returns for `bytes` of `what`.
  absl::Status Exhausted(uint64_t bytes, std::string_view what) const;

 private:
  const uint64_t limit_;
  const std::string name_;
  std::atomic<uint64_t> used_{0};
};

// Whether `status` is a MemoryBudget's refusal (as opposed to, say, a
// Store's own limit), so that a host can tell its callers which limit hit.
bool IsBudgetExhausted(const absl::Status& status);

// "512 bytes", "3.0 KiB", "48.0 MiB", "2.5 GiB": sizes in messages.
std::string FormatBytes(uint64_t bytes);

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_MEMORY_BUDGET_H_
