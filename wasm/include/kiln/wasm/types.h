// kiln/wasm/types.h — the WebAssembly 2.0 type grammar.
//
// Value types carry their binary encoding as the enumerator value, so a
// decoded byte converts directly. Everything here is a plain value type with
// no behaviour beyond comparison and printing.
#ifndef KILN_WASM_TYPES_H_
#define KILN_WASM_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::wasm {

enum class ValType : uint8_t {
  kI32 = 0x7F,
  kI64 = 0x7E,
  kF32 = 0x7D,
  kF64 = 0x7C,
  kV128 = 0x7B,
  kFuncRef = 0x70,
  kExternRef = 0x6F,
};

// True for the bytes that encode a value type.
bool IsValTypeByte(uint8_t byte);
bool IsRefType(ValType type);
bool IsNumType(ValType type);
// "i32", "funcref", ...
std::string_view ValTypeName(ValType type);

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;

  friend bool operator==(const FuncType&, const FuncType&) = default;
};
// "[i32 i64] -> [f32]"
std::string FuncTypeToString(const FuncType& type);

// Limits of a table (in elements) or memory (in 64 KiB pages).
struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;

  friend bool operator==(const Limits&, const Limits&) = default;
};

struct TableType {
  ValType element = ValType::kFuncRef;
  Limits limits;

  friend bool operator==(const TableType&, const TableType&) = default;
};

struct MemoryType {
  Limits limits;

  friend bool operator==(const MemoryType&, const MemoryType&) = default;
};

struct GlobalType {
  ValType type = ValType::kI32;
  bool is_mutable = false;

  friend bool operator==(const GlobalType&, const GlobalType&) = default;
};

enum class ExternKind : uint8_t {
  kFunc = 0,
  kTable = 1,
  kMemory = 2,
  kGlobal = 3,
};
std::string_view ExternKindName(ExternKind kind);

// A 2.0 memory holds at most 2^16 pages of 64 KiB.
inline constexpr uint64_t kWasmPageSize = 65536;
inline constexpr uint64_t kMaxMemoryPages = 65536;

}  // namespace kiln::wasm

#endif  // KILN_WASM_TYPES_H_
