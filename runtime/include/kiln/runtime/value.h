// kiln/runtime/value.h — a typed WebAssembly value held by the host.
//
// Floats are kept as their bit patterns so NaN payloads survive every copy.
// A reference is a pointer: for funcref the function's vm::VMFuncRef (see
// Func), for externref an opaque host pointer; null is nullptr.
#ifndef KILN_RUNTIME_VALUE_H_
#define KILN_RUNTIME_VALUE_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

#include "kiln/wasm/types.h"
#include "kiln/wasm/vm_abi.h"

namespace kiln::runtime {

class Value {
 public:
  Value() : Value(wasm::ValType::kI32) {}

  static Value I32(int32_t v) { Value r(wasm::ValType::kI32); r.raw_.i32 = v; return r; }
  static Value I64(int64_t v) { Value r(wasm::ValType::kI64); r.raw_.i64 = v; return r; }
  static Value F32Bits(uint32_t bits) { Value r(wasm::ValType::kF32); r.raw_.f32_bits = bits; return r; }
  static Value F64Bits(uint64_t bits) { Value r(wasm::ValType::kF64); r.raw_.f64_bits = bits; return r; }
  static Value F32(float v) { return F32Bits(std::bit_cast<uint32_t>(v)); }
  static Value F64(double v) { return F64Bits(std::bit_cast<uint64_t>(v)); }
  static Value V128(const uint8_t bytes[16]) {
    Value r(wasm::ValType::kV128);
    std::memcpy(r.raw_.v128, bytes, 16);
    return r;
  }
  // A reference of `type` (kFuncRef or kExternRef); nullptr is null.
  static Value Ref(wasm::ValType type, void* ref) { Value r(type); r.raw_.ref = ref; return r; }
  // The zero value of `type` (null for references), as locals start.
  static Value Zero(wasm::ValType type) { return Value(type); }

  wasm::ValType type() const { return type_; }
  int32_t i32() const { return raw_.i32; }
  int64_t i64() const { return raw_.i64; }
  uint32_t f32_bits() const { return raw_.f32_bits; }
  uint64_t f64_bits() const { return raw_.f64_bits; }
  float f32() const { return std::bit_cast<float>(raw_.f32_bits); }
  double f64() const { return std::bit_cast<double>(raw_.f64_bits); }
  void* ref() const { return raw_.ref; }
  const uint8_t* v128() const { return raw_.v128; }
  bool is_null_ref() const { return wasm::IsRefType(type_) && raw_.ref == nullptr; }

  // The raw slot generated code reads and writes.
  const vm::ValRaw& raw() const { return raw_; }
  static Value FromRaw(wasm::ValType type, const vm::ValRaw& raw) {
    Value r(type);
    r.raw_ = raw;
    return r;
  }

  // "i32:42", "f32:0x7fc00000 (nan)", "funcref:null", ... for messages.
  std::string ToString() const;

  // Same type and same bits.
  friend bool operator==(const Value& a, const Value& b);

 private:
  explicit Value(wasm::ValType type) : type_(type) { std::memset(&raw_, 0, sizeof(raw_)); }

  wasm::ValType type_;
  vm::ValRaw raw_;
};

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_VALUE_H_
