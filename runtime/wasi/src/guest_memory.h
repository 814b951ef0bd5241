// guest_memory.h — bounds-checked access to the calling module's linear
// memory, for host functions that take guest pointers.
//
// Every pointer and length comes from the guest: nothing is read or written
// unless the whole range lies inside the memory as it is now (it may have
// grown since the last call, so the base and size are read on each use).
// Values are little-endian and may be unaligned, as wasm allows.
#ifndef KILN_RUNTIME_WASI_SRC_GUEST_MEMORY_H_
#define KILN_RUNTIME_WASI_SRC_GUEST_MEMORY_H_

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

#include "kiln/runtime/extern.h"

namespace kiln::wasi {

class GuestMemory {
 public:
  GuestMemory() = default;
  explicit GuestMemory(runtime::Memory memory) : memory_(memory) {}

  bool bound() const { return memory_.has_value(); }

  // The bytes [offset, offset + length), or nullopt when they do not fit.
  std::optional<std::span<uint8_t>> Bytes(uint64_t offset, uint64_t length) const {
    if (!memory_.has_value()) return std::nullopt;
    const uint64_t size = memory_->size_bytes();
    if (offset > size || length > size - offset) return std::nullopt;
    return std::span<uint8_t>(memory_->data() + offset, length);
  }

  std::optional<std::string_view> String(uint64_t offset, uint64_t length) const {
    std::optional<std::span<uint8_t>> bytes = Bytes(offset, length);
    if (!bytes.has_value()) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  }

  template <typename T>
  std::optional<T> Read(uint64_t offset) const {
    static_assert(std::is_trivially_copyable_v<T>);
    std::optional<std::span<uint8_t>> bytes = Bytes(offset, sizeof(T));
    if (!bytes.has_value()) return std::nullopt;
    T value;
    std::memcpy(&value, bytes->data(), sizeof(T));
    return value;
  }

  // False when [offset, offset + sizeof(T)) does not fit.
  template <typename T>
  bool Write(uint64_t offset, T value) const {
    static_assert(std::is_trivially_copyable_v<T>);
    std::optional<std::span<uint8_t>> bytes = Bytes(offset, sizeof(T));
    if (!bytes.has_value()) return false;
    std::memcpy(bytes->data(), &value, sizeof(T));
    return true;
  }

 private:
  std::optional<runtime::Memory> memory_;
};

}  // namespace kiln::wasi

#endif  // KILN_RUNTIME_WASI_SRC_GUEST_MEMORY_H_
