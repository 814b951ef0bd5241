#include "code_memory.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace kiln::runtime {

absl::StatusOr<std::unique_ptr<CodeMemory>> CodeMemory::Map(std::span<const uint8_t> bytes,
                                                             size_t text_size) {
  const size_t size = bytes.size();
  if (text_size > size || text_size % 4096 != 0) {
    return absl::InvalidArgumentError("code image has an invalid layout");
  }
  // A module with no functions and no types has no code at all.
  if (size == 0) return std::unique_ptr<CodeMemory>(new CodeMemory(nullptr, 0, 0));
  void* memory = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot map code: ", std::string(std::strerror(errno))));
  }
  auto* base = static_cast<uint8_t*>(memory);
  std::memcpy(base, bytes.data(), size);
  std::unique_ptr<CodeMemory> code(new CodeMemory(base, size, text_size));
  if (mprotect(base, text_size, PROT_READ | PROT_EXEC) != 0 ||
      (size > text_size && mprotect(base + text_size, size - text_size,
                                          PROT_READ) != 0)) {
    return absl::InternalError(
        absl::StrCat("cannot protect code: ", std::string(std::strerror(errno))));
  }
  return code;
}

CodeMemory::~CodeMemory() {
  if (base_ != nullptr) munmap(base_, size_);
}

}  // namespace kiln::runtime
