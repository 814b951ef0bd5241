#include "kiln/wasm/vm_abi.h"

namespace kiln::vm {

std::string_view TrapMessage(TrapCode code) {
  switch (code) {
    case TrapCode::kUnreachable: return "unreachable";
    case TrapCode::kMemoryOutOfBounds: return "out of bounds memory access";
    case TrapCode::kTableOutOfBounds: return "out of bounds table access";
    case TrapCode::kIndirectCallToNull: return "uninitialized element";
    case TrapCode::kUndefinedElement: return "undefined element";
    case TrapCode::kIndirectCallTypeMismatch: return "indirect call type mismatch";
    case TrapCode::kIntegerDivideByZero: return "integer divide by zero";
    case TrapCode::kIntegerOverflow: return "integer overflow";
    case TrapCode::kInvalidConversionToInteger: return "invalid conversion to integer";
    case TrapCode::kCallStackExhausted: return "call stack exhausted";
    case TrapCode::kInterrupted: return "interrupted";
    case TrapCode::kHostTrap: return "host function trapped";
    case TrapCode::kIllegalInstruction: return "illegal instruction";
    case TrapCode::kUnexpectedFault: return "unexpected fault in generated code";
  }
  return "unknown trap";
}

}  // namespace kiln::vm
