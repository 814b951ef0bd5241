#include "kiln/runtime/linear_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace kiln::runtime {

absl::StatusOr<std::unique_ptr<LinearMemory>> LinearMemory::Create(
    const wasm::MemoryType& type, std::optional<uint64_t> max_bytes) {
  uint64_t max_pages = std::min(type.limits.max.value_or(wasm::kMaxMemoryPages),
                                wasm::kMaxMemoryPages);
  if (max_bytes.has_value()) max_pages = std::min(max_pages, *max_bytes / wasm::kWasmPageSize);
  if (type.limits.min > max_pages) {
    return absl::ResourceExhaustedError(
        absl::StrCat("memory of ", type.limits.min, " pages exceeds the limit of ", max_pages,
                     " pages"));
  }
  // PROT_NONE + MAP_NORESERVE: address space only, no commit charge.
  void* reservation = mmap(nullptr, kReservationBytes, PROT_NONE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reservation == MAP_FAILED) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot reserve address space for a linear memory: ", std::string(std::strerror(errno))));
  }
  std::unique_ptr<LinearMemory> memory(
      new LinearMemory(static_cast<uint8_t*>(reservation), static_cast<uint32_t>(max_pages)));
  if (memory->Grow(static_cast<uint32_t>(type.limits.min)) < 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot commit ", type.limits.min, " pages of linear memory"));
  }
  return memory;
}

LinearMemory::~LinearMemory() { munmap(base_, kReservationBytes); }

int64_t LinearMemory::Grow(uint32_t delta) {
  const uint32_t old_pages = pages_;
  if (uint64_t{old_pages} + delta > max_pages_) return -1;
  if (delta == 0) return old_pages;
  // Pages never made accessible before read as zero; pages are never made
  // inaccessible again, so no zeroing is needed.
  uint8_t* start = base_ + uint64_t{old_pages} * wasm::kWasmPageSize;
  if (mprotect(start, uint64_t{delta} * wasm::kWasmPageSize, PROT_READ | PROT_WRITE) != 0) {
    return -1;
  }
  pages_ = old_pages + delta;
  return old_pages;
}

}  // namespace kiln::runtime
