// proto/bridge/wire_values.h — WebAssembly values, types and trap kinds
// between their wire form (kiln.v1) and the runtime's.
//
// Used by kilnd (arguments in, results out) and by the client (the CLI
// parses and prints values as runtime::Value, whichever engine runs them).
#ifndef KILN_PROTO_BRIDGE_WIRE_VALUES_H_
#define KILN_PROTO_BRIDGE_WIRE_VALUES_H_

#include <optional>

#include "absl/status/statusor.h"
#include "kiln/runtime/trap.h"
#include "kiln/runtime/value.h"
#include "kiln/v1/execution_service.pb.h"
#include "kiln/v1/types.pb.h"
#include "kiln/wasm/types.h"
#include "kiln/wasm/vm_abi.h"

namespace kiln::wire {

v1::ValueType ToWire(wasm::ValType type);
// std::nullopt for VALUE_TYPE_UNSPECIFIED or an unknown number.
std::optional<wasm::ValType> FromWire(v1::ValueType type);

v1::FuncType ToWire(const wasm::FuncType& type);
absl::StatusOr<wasm::FuncType> FromWire(const v1::FuncType& type);

// A reference becomes only its type and whether it is null: a host pointer
// means nothing outside this process.
v1::Value ToWire(const runtime::Value& value);

// INVALID_ARGUMENT for an unset value, a v128 that is not 16 bytes, or a
// reference that is not null (there is no way to name one on the wire).
absl::StatusOr<runtime::Value> FromWire(const v1::Value& value);

// The value's type, or std::nullopt for an unset or malformed value.
std::optional<wasm::ValType> TypeOf(const v1::Value& value);

v1::TrapKind ToWire(vm::TrapCode code);
// std::nullopt for TRAP_KIND_UNSPECIFIED or an unknown number.
std::optional<vm::TrapCode> FromWire(v1::TrapKind kind);

// A trap status (runtime::GetTrapCode says which) as a wire Trap: kind,
// message and backtrace. std::nullopt for any other status.
std::optional<v1::Trap> TrapToWire(const absl::Status& status);
// The backtrace a wire Trap carries.
runtime::TrapBacktrace BacktraceFromWire(const v1::Trap& trap);

}  // namespace kiln::wire

#endif  // KILN_PROTO_BRIDGE_WIRE_VALUES_H_
