#include "wire_values.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace kiln::wire {

v1::ValueType ToWire(wasm::ValType type) {
  switch (type) {
    case wasm::ValType::kI32: return v1::VALUE_TYPE_I32;
    case wasm::ValType::kI64: return v1::VALUE_TYPE_I64;
    case wasm::ValType::kF32: return v1::VALUE_TYPE_F32;
    case wasm::ValType::kF64: return v1::VALUE_TYPE_F64;
    case wasm::ValType::kV128: return v1::VALUE_TYPE_V128;
    case wasm::ValType::kFuncRef: return v1::VALUE_TYPE_FUNCREF;
    case wasm::ValType::kExternRef: return v1::VALUE_TYPE_EXTERNREF;
  }
  return v1::VALUE_TYPE_UNSPECIFIED;
}

std::optional<wasm::ValType> FromWire(v1::ValueType type) {
  switch (type) {
    case v1::VALUE_TYPE_I32: return wasm::ValType::kI32;
    case v1::VALUE_TYPE_I64: return wasm::ValType::kI64;
    case v1::VALUE_TYPE_F32: return wasm::ValType::kF32;
    case v1::VALUE_TYPE_F64: return wasm::ValType::kF64;
    case v1::VALUE_TYPE_V128: return wasm::ValType::kV128;
    case v1::VALUE_TYPE_FUNCREF: return wasm::ValType::kFuncRef;
    case v1::VALUE_TYPE_EXTERNREF: return wasm::ValType::kExternRef;
    default: return std::nullopt;
  }
}

v1::FuncType ToWire(const wasm::FuncType& type) {
  v1::FuncType wire;
  for (wasm::ValType t : type.params) wire.add_params(ToWire(t));
  for (wasm::ValType t : type.results) wire.add_results(ToWire(t));
  return wire;
}

absl::StatusOr<wasm::FuncType> FromWire(const v1::FuncType& type) {
  wasm::FuncType result;
  for (int t : type.params()) {
    std::optional<wasm::ValType> v = FromWire(static_cast<v1::ValueType>(t));
    if (!v) return absl::InvalidArgumentError(absl::StrCat("unknown value type ", t));
    result.params.push_back(*v);
  }
  for (int t : type.results()) {
    std::optional<wasm::ValType> v = FromWire(static_cast<v1::ValueType>(t));
    if (!v) return absl::InvalidArgumentError(absl::StrCat("unknown value type ", t));
    result.results.push_back(*v);
  }
  return result;
}

v1::Value ToWire(const runtime::Value& value) {
  v1::Value wire;
  switch (value.type()) {
    case wasm::ValType::kI32: wire.set_i32(value.i32()); break;
    case wasm::ValType::kI64: wire.set_i64(value.i64()); break;
    case wasm::ValType::kF32: wire.set_f32_bits(value.f32_bits()); break;
    case wasm::ValType::kF64: wire.set_f64_bits(value.f64_bits()); break;
    case wasm::ValType::kV128:
      wire.set_v128(std::string(reinterpret_cast<const char*>(value.v128()), 16));
      break;
    case wasm::ValType::kFuncRef:
    case wasm::ValType::kExternRef:
      wire.mutable_ref()->set_type(ToWire(value.type()));
      wire.mutable_ref()->set_is_null(value.is_null_ref());
      break;
  }
  return wire;
}

absl::StatusOr<runtime::Value> FromWire(const v1::Value& value) {
  switch (value.value_case()) {
    case v1::Value::kI32: return runtime::Value::I32(value.i32());
    case v1::Value::kI64: return runtime::Value::I64(value.i64());
    case v1::Value::kF32Bits: return runtime::Value::F32Bits(value.f32_bits());
    case v1::Value::kF64Bits: return runtime::Value::F64Bits(value.f64_bits());
    case v1::Value::kV128:
      if (value.v128().size() != 16) {
        return absl::InvalidArgumentError(
            absl::StrCat("a v128 value has 16 bytes, not ", value.v128().size()));
      }
      return runtime::Value::V128(reinterpret_cast<const uint8_t*>(value.v128().data()));
    case v1::Value::kRef: {
      std::optional<wasm::ValType> type = FromWire(value.ref().type());
      if (!type || !wasm::IsRefType(*type)) {
        return absl::InvalidArgumentError("a reference value needs type funcref or externref");
      }
      if (!value.ref().is_null()) {
        return absl::InvalidArgumentError("only null references can be passed");
      }
      return runtime::Value::Ref(*type, nullptr);
    }
    case v1::Value::VALUE_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("a value with no type (no field of Value is set)");
}

std::optional<wasm::ValType> TypeOf(const v1::Value& value) {
  switch (value.value_case()) {
    case v1::Value::kI32: return wasm::ValType::kI32;
    case v1::Value::kI64: return wasm::ValType::kI64;
    case v1::Value::kF32Bits: return wasm::ValType::kF32;
    case v1::Value::kF64Bits: return wasm::ValType::kF64;
    case v1::Value::kV128: return wasm::ValType::kV128;
    case v1::Value::kRef: {
      std::optional<wasm::ValType> type = FromWire(value.ref().type());
      if (type && wasm::IsRefType(*type)) return type;
      return std::nullopt;
    }
    case v1::Value::VALUE_NOT_SET:
      break;
  }
  return std::nullopt;
}

namespace {

struct TrapPair {
  vm::TrapCode code;
  v1::TrapKind kind;
};

constexpr TrapPair kTrapPairs[] = {
    {vm::TrapCode::kUnreachable, v1::TRAP_KIND_UNREACHABLE},
    {vm::TrapCode::kMemoryOutOfBounds, v1::TRAP_KIND_MEMORY_OUT_OF_BOUNDS},
    {vm::TrapCode::kTableOutOfBounds, v1::TRAP_KIND_TABLE_OUT_OF_BOUNDS},
    {vm::TrapCode::kIndirectCallToNull, v1::TRAP_KIND_INDIRECT_CALL_TO_NULL},
    {vm::TrapCode::kUndefinedElement, v1::TRAP_KIND_UNDEFINED_ELEMENT},
    {vm::TrapCode::kIndirectCallTypeMismatch, v1::TRAP_KIND_INDIRECT_CALL_TYPE_MISMATCH},
    {vm::TrapCode::kIntegerDivideByZero, v1::TRAP_KIND_INTEGER_DIVIDE_BY_ZERO},
    {vm::TrapCode::kIntegerOverflow, v1::TRAP_KIND_INTEGER_OVERFLOW},
    {vm::TrapCode::kInvalidConversionToInteger, v1::TRAP_KIND_INVALID_CONVERSION_TO_INTEGER},
    {vm::TrapCode::kCallStackExhausted, v1::TRAP_KIND_CALL_STACK_EXHAUSTED},
    {vm::TrapCode::kInterrupted, v1::TRAP_KIND_INTERRUPTED},
    {vm::TrapCode::kHostTrap, v1::TRAP_KIND_HOST},
    {vm::TrapCode::kIllegalInstruction, v1::TRAP_KIND_ILLEGAL_INSTRUCTION},
    {vm::TrapCode::kUnexpectedFault, v1::TRAP_KIND_UNEXPECTED_FAULT},
};

}  // namespace

v1::TrapKind ToWire(vm::TrapCode code) {
  for (const TrapPair& pair : kTrapPairs) {
    if (pair.code == code) return pair.kind;
  }
  return v1::TRAP_KIND_UNSPECIFIED;
}

std::optional<vm::TrapCode> FromWire(v1::TrapKind kind) {
  for (const TrapPair& pair : kTrapPairs) {
    if (pair.kind == kind) return pair.code;
  }
  return std::nullopt;
}

std::optional<v1::Trap> TrapToWire(const absl::Status& status) {
  std::optional<vm::TrapCode> code = runtime::GetTrapCode(status);
  if (!code.has_value()) return std::nullopt;
  v1::Trap trap;
  trap.set_kind(ToWire(*code));
  trap.set_message(std::string(status.message()));
  const runtime::TrapBacktrace backtrace = runtime::GetTrapBacktrace(status);
  for (const runtime::TrapFrame& frame : backtrace.frames) {
    v1::TrapFrame* wire = trap.add_frames();
    wire->set_function_index(frame.function_index);
    wire->set_function_name(frame.function_name);
    wire->set_module_offset(frame.module_offset);
  }
  trap.set_omitted_frames(backtrace.omitted_frames);
  return trap;
}

runtime::TrapBacktrace BacktraceFromWire(const v1::Trap& trap) {
  runtime::TrapBacktrace backtrace;
  for (const v1::TrapFrame& frame : trap.frames()) {
    backtrace.frames.push_back(
        {frame.function_index(), frame.function_name(), frame.module_offset()});
  }
  backtrace.omitted_frames = trap.omitted_frames();
  return backtrace;
}

}  // namespace kiln::wire
