// kiln/runtime/linear_memory.h — a 32-bit WebAssembly linear memory.
//
// The memory reserves, up front and with no access, everything a wasm
// address can reach: an i32 address plus a u32 static offset, i.e. 8 GiB of
// address space (not of memory: nothing is committed). Growing makes pages
// readable and writable; everything beyond the current size stays
// inaccessible, so an out-of-bounds access faults instead of needing a bounds
// check in compiled code. The fault handler turns that fault into a trap.
//
// A LinearMemory belongs to one Store; it is not thread-safe.
#ifndef KILN_RUNTIME_LINEAR_MEMORY_H_
#define KILN_RUNTIME_LINEAR_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "kiln/wasm/types.h"

namespace kiln::runtime {

class LinearMemory {
 public:
  // The address space reserved for every memory: 4 GiB of addressable bytes
  // and 4 GiB of guard covering the largest static offset.
  static constexpr uint64_t kReservationBytes = (uint64_t{8} << 30) + 65536;

  // A memory of `type.limits.min` pages that may grow to `type.limits.max`
  // pages (or 65536) but never past `max_bytes`, a host-imposed cap (e.g. a
  // Store's limit; nullopt for none). RESOURCE_EXHAUSTED when the initial size
  // is over the cap or the address space cannot be reserved.
  static absl::StatusOr<std::unique_ptr<LinearMemory>> Create(
      const wasm::MemoryType& type, std::optional<uint64_t> max_bytes = std::nullopt);

  ~LinearMemory();
  LinearMemory(const LinearMemory&) = delete;
  LinearMemory& operator=(const LinearMemory&) = delete;

  uint8_t* base() const { return base_; }
  uint64_t size_bytes() const { return pages_ * wasm::kWasmPageSize; }
  uint32_t pages() const { return pages_; }
  // The most pages this memory may ever have (type maximum and host cap).
  uint32_t max_pages() const { return max_pages_; }

  // memory.grow: adds `delta` zeroed pages and returns the previous size in
  // pages, or -1 (leaving the memory unchanged) when the result would pass
  // max_pages() or the system refuses.
  int64_t Grow(uint32_t delta);

 private:
  LinearMemory(uint8_t* base, uint32_t max_pages) : base_(base), max_pages_(max_pages) {}

  uint8_t* base_;
  uint32_t pages_ = 0;
  uint32_t max_pages_;
};

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_LINEAR_MEMORY_H_
