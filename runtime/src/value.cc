#include "kiln/runtime/value.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kiln::runtime {

std::string Value::ToString() const {
  const std::string type_name(wasm::ValTypeName(type_));
  switch (type_) {
    case wasm::ValType::kI32: return absl::StrCat("i32:", raw_.i32);
    case wasm::ValType::kI64: return absl::StrCat("i64:", raw_.i64);
    case wasm::ValType::kF32:
      return absl::StrFormat("f32:%.9g (0x%08x)", static_cast<double>(f32()), raw_.f32_bits);
    case wasm::ValType::kF64: return absl::StrFormat("f64:%.17g (0x%016x)", f64(), raw_.f64_bits);
    case wasm::ValType::kV128: {
      std::string out = "v128:";
      for (int i = 0; i < 16; ++i) absl::StrAppendFormat(&out, "%02x", raw_.v128[i]);
      return out;
    }
    case wasm::ValType::kFuncRef:
    case wasm::ValType::kExternRef:
      if (raw_.ref == nullptr) return type_name + ":null";
      return absl::StrFormat("%s:%p", type_name, raw_.ref);
  }
  return type_name;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case wasm::ValType::kI32: return a.raw_.i32 == b.raw_.i32;
    case wasm::ValType::kF32: return a.raw_.f32_bits == b.raw_.f32_bits;
    case wasm::ValType::kI64: return a.raw_.i64 == b.raw_.i64;
    case wasm::ValType::kF64: return a.raw_.f64_bits == b.raw_.f64_bits;
    case wasm::ValType::kV128: return std::memcmp(a.raw_.v128, b.raw_.v128, 16) == 0;
    case wasm::ValType::kFuncRef:
    case wasm::ValType::kExternRef: return a.raw_.ref == b.raw_.ref;
  }
  return false;
}

}  // namespace kiln::runtime
