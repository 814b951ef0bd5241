// tests/unit/wasm/allocation_tracker.h — measures how much heap memory a piece
// of code holds at its peak, so tests can show that hostile inputs are
// rejected without a large allocation.
//
// allocation_tracker.cc replaces the global operator new/delete of the test
// executable: every allocation made through them, on any thread, is counted
// (malloc_usable_size bytes). Plain malloc calls are not seen, which is fine
// for the C++ code under test.
#ifndef KILN_TESTS_UNIT_WASM_ALLOCATION_TRACKER_H_
#define KILN_TESTS_UNIT_WASM_ALLOCATION_TRACKER_H_

#include <cstddef>

namespace kiln::wasm::test {

// Peak bytes held beyond what was held when the scope began.
class PeakAllocationScope {
 public:
  PeakAllocationScope();
  size_t peak_bytes() const;

 private:
  size_t baseline_;
};

}  // namespace kiln::wasm::test

#endif  // KILN_TESTS_UNIT_WASM_ALLOCATION_TRACKER_H_
