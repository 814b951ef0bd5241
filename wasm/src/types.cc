#include "kiln/wasm/types.h"


namespace kiln::wasm {

bool IsValTypeByte(uint8_t byte) {
  switch (byte) {
    case 0x7F: case 0x7E: case 0x7D: case 0x7C: case 0x7B: case 0x70: case 0x6F:
      return true;
    default:
      return false;
  }
}

bool IsRefType(ValType type) {
  return type == ValType::kFuncRef || type == ValType::kExternRef;
}

bool IsNumType(ValType type) {
  return type == ValType::kI32 || type == ValType::kI64 || type == ValType::kF32 ||
         type == ValType::kF64;
}

std::string_view ValTypeName(ValType type) {
  switch (type) {
    case ValType::kI32: return "i32";
    case ValType::kI64: return "i64";
    case ValType::kF32: return "f32";
    case ValType::kF64: return "f64";
    case ValType::kV128: return "v128";
    case ValType::kFuncRef: return "funcref";
    case ValType::kExternRef: return "externref";
  }
  return "<unknown type>";
}

std::string FuncTypeToString(const FuncType& type) {
  std::string out = "[";
  for (size_t i = 0; i < type.params.size(); ++i) {
    out += i ? " " : "";
    out += ValTypeName(type.params[i]);
  }
  out += "] -> [";
  for (size_t i = 0; i < type.results.size(); ++i) {
    out += i ? " " : "";
    out += ValTypeName(type.results[i]);
  }
  out += "]";
  return out;
}

std::string_view ExternKindName(ExternKind kind) {
  switch (kind) {
    case ExternKind::kFunc: return "function";
    case ExternKind::kTable: return "table";
    case ExternKind::kMemory: return "memory";
    case ExternKind::kGlobal: return "global";
  }
  return "<unknown kind>";
}

}  // namespace kiln::wasm
