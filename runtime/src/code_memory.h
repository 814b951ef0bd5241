// code_memory.h — a code image's bytes copied into memory and made
// executable.
#ifndef KILN_RUNTIME_CODE_MEMORY_H_
#define KILN_RUNTIME_CODE_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "absl/status/statusor.h"

namespace kiln::runtime {

class CodeMemory {
 public:
  // Text becomes read + execute, the rest read only; never writable and
  // executable at once.
  // `bytes` are text (`text_size` bytes, page aligned), then read-only data.
  static absl::StatusOr<std::unique_ptr<CodeMemory>> Map(std::span<const uint8_t> bytes,
                                                         size_t text_size);
  ~CodeMemory();
  CodeMemory(const CodeMemory&) = delete;
  CodeMemory& operator=(const CodeMemory&) = delete;

  const uint8_t* base() const { return base_; }
  size_t text_size() const { return text_size_; }

 private:
  CodeMemory(uint8_t* base, size_t size, size_t text_size)
      : base_(base), size_(size), text_size_(text_size) {}

  uint8_t* base_;
  size_t size_;
  size_t text_size_;
};

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_CODE_MEMORY_H_
