#include "allocation_tracker.h"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<size_t> g_current_bytes{0};
std::atomic<size_t> g_peak_bytes{0};

void RecordAllocation(void* p) {
  const size_t size = malloc_usable_size(p);
  const size_t now = g_current_bytes.fetch_add(size) + size;
  size_t peak = g_peak_bytes.load(std::memory_order_relaxed);
  while (now > peak && !g_peak_bytes.compare_exchange_weak(peak, now)) {
  }
}

void* Allocate(size_t size, size_t alignment) {
  if (size == 0) size = 1;
  void* p;
  if (alignment <= alignof(std::max_align_t)) {
    p = std::malloc(size);
  } else {
    // aligned_alloc wants a size that is a multiple of the alignment.
    p = std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
  }
  if (p != nullptr) RecordAllocation(p);
  return p;
}

void* AllocateOrThrow(size_t size, size_t alignment) {
  void* p = Allocate(size, alignment);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void Release(void* p) noexcept {
  if (p == nullptr) return;
  g_current_bytes.fetch_sub(malloc_usable_size(p));
  std::free(p);
}

constexpr size_t kDefaultAlign = alignof(std::max_align_t);

}  // namespace

namespace kiln::wasm::test {

PeakAllocationScope::PeakAllocationScope() : baseline_(g_current_bytes.load()) {
  g_peak_bytes.store(baseline_);
}

size_t PeakAllocationScope::peak_bytes() const {
  const size_t peak = g_peak_bytes.load();
  return peak > baseline_ ? peak - baseline_ : 0;
}

}  // namespace kiln::wasm::test

// The replaceable global allocation functions ([new.delete]).
void* operator new(size_t size) { return AllocateOrThrow(size, kDefaultAlign); }
void* operator new[](size_t size) { return AllocateOrThrow(size, kDefaultAlign); }
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  return Allocate(size, kDefaultAlign);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  return Allocate(size, kDefaultAlign);
}
void* operator new(size_t size, std::align_val_t align) {
  return AllocateOrThrow(size, static_cast<size_t>(align));
}
void* operator new[](size_t size, std::align_val_t align) {
  return AllocateOrThrow(size, static_cast<size_t>(align));
}
void* operator new(size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return Allocate(size, static_cast<size_t>(align));
}
void* operator new[](size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return Allocate(size, static_cast<size_t>(align));
}
void operator delete(void* p) noexcept { Release(p); }
void operator delete[](void* p) noexcept { Release(p); }
void operator delete(void* p, size_t) noexcept { Release(p); }
void operator delete[](void* p, size_t) noexcept { Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete(void* p, std::align_val_t) noexcept { Release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { Release(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { Release(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { Release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { Release(p); }
