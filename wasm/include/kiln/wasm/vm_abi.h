// kiln/wasm/vm_abi.h — the contract between generated code and the runtime.
//
// Compiled functions (jit/) and the runtime that runs them (runtime/) agree
// on the structures below, field for field: the compiler emits loads at
// these offsets, the runtime fills them in. Both layers may use wasm/ and
// nothing else of each other, so the contract lives here. Changing any
// layout, builtin signature or trap code changes generated code: bump
// kVmAbiVersion, which is part of every artifact's fingerprint.
//
// Calling conventions (all on the host's C ABI):
//   - A wasm function of type [p...] -> [r...] is native code
//       R f(VMContext* vmctx, P... params)
//     with R void, the single result, or a struct of the results.
//   - An entry trampoline (one per distinct signature in a module) lets the
//     host call any wasm function of that signature through an array:
//       void entry(VMContext* callee_vmctx, const void* native_code, ValRaw* values)
//     It reads the parameters from values[0..], calls, and writes the
//     results to values[0..].
//   - An exit trampoline (one per distinct signature) is native code for an
//     untyped host function: its vmctx is a VMHostContext, and it passes the
//     parameters through an array to VMHostContext::callback.
#ifndef KILN_WASM_VM_ABI_H_
#define KILN_WASM_VM_ABI_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kiln::vm {

// 2: epoch checks re-read VMStoreContext::epoch_deadline every time (it
// may change while guest code runs: Store::Interrupt).
// 3: loops that call nothing have no epoch check; the runtime stops them
// with a signal (runtime/src/guest_signals.h).
// 4: the trap builtin takes the trapping instruction's module offset;
// generated code keeps frame pointers (traps walk them for backtraces).
// 5: generated code holds no module offsets: the trap builtin takes a
// TrapSite, and the debug info's lines are body lines.
inline constexpr uint32_t kVmAbiVersion = 5;

// Compiled code never holds a module offset, so a function compiles to the
// same bytes wherever its body lies in the module (batches of functions are
// cached by content: jit/include/kiln/jit/batch_cache.h). It locates a wasm
// instruction by its body line, the instruction's offset within its
// function's body plus one (0: unknown), and the module offset is
// body.offset + body line - 1.
inline constexpr uint64_t BodyLineToModuleOffset(uint64_t body_offset, uint32_t body_line) {
  return body_line == 0 ? 0 : body_offset + body_line - 1;
}

// What the trap builtin is told: the function index in the high 32 bits, the
// trapping instruction's body line in the low 32.
inline constexpr uint64_t MakeTrapSite(uint32_t function_index, uint32_t body_line) {
  return (uint64_t{function_index} << 32) | body_line;
}
inline constexpr uint32_t TrapSiteFunction(uint64_t site) { return static_cast<uint32_t>(site >> 32); }
inline constexpr uint32_t TrapSiteBodyLine(uint64_t site) { return static_cast<uint32_t>(site); }

// Every trap the spec distinguishes, plus the host's own.
enum class TrapCode : uint32_t {
  kUnreachable = 1,
  kMemoryOutOfBounds,
  kTableOutOfBounds,
  kIndirectCallToNull,         // "uninitialized element"
  kUndefinedElement,           // call_indirect index past the table's end
  kIndirectCallTypeMismatch,
  kIntegerDivideByZero,
  kIntegerOverflow,
  kInvalidConversionToInteger,
  kCallStackExhausted,
  kInterrupted,                // the Store's epoch deadline passed
  kHostTrap,                   // a host function returned an error
  // SIGILL in generated code: an instruction this CPU does not have (code
  // compiled for another CPU that the loader's check did not catch).
  kIllegalInstruction,
  // A fault in generated code that is neither a linear memory access out of
  // bounds nor the stack running out: a Kiln bug, reported as a trap so
  // the process survives it.
  kUnexpectedFault,
};

// The spec's text for a trap ("integer divide by zero", ...).
std::string_view TrapMessage(TrapCode code);

// One value in an argument/result array: 16 bytes so v128 fits.
union ValRaw {
  int32_t i32;
  int64_t i64;
  uint32_t f32_bits;
  uint64_t f64_bits;
  void* ref;
  uint8_t v128[16];
};
static_assert(sizeof(ValRaw) == 16);

struct VMContext;

using EntryTrampoline = void (*)(VMContext* callee_vmctx, const void* native_code,
                                 ValRaw* values);

// What a funcref value points to. Null funcrefs are null pointers.
struct VMFuncRef {
  const void* native_code;      // wasm calling convention
  EntryTrampoline array_call;   // host -> this function through ValRaw[]
  VMContext* vmctx;             // passed as the first argument
  uint32_t type_id;             // interned in the Engine's SignatureRegistry
  uint32_t reserved;
};

// Memory 0 of an instance (imported or defined). The base never moves: a
// 32-bit memory reserves all it can ever reach up front.
struct VMMemory {
  uint8_t* base;
  uint64_t size_bytes;
};

// A table's elements: VMFuncRef* for funcref tables, opaque host pointers
// for externref tables; null is nullptr in both.
struct VMTable {
  void** elements;
  uint32_t size;
  uint32_t reserved;
};

// A global's cell; the value is stored as in ValRaw.
struct VMGlobal {
  ValRaw value;
};

// Per-Store state generated code reads on every function entry and loop.
struct VMStoreContext {
  uintptr_t stack_limit;                  // trap when the stack pointer goes below
  // Trap when *epoch reaches it. Any thread may move it while guest code
  // runs (0 interrupts at the next check), so generated code reads it anew
  // at every check, as it does the epoch.
  std::atomic<uint64_t> epoch_deadline;
  const std::atomic<uint64_t>* epoch;     // the Engine's counter
};
static_assert(std::atomic<uint64_t>::is_always_lock_free &&
              sizeof(std::atomic<uint64_t>) == sizeof(uint64_t));

// The runtime functions generated code calls. Each takes the calling
// instance's vmctx first. Those that can trap do not return when they do.
struct VMBuiltins {
  // Never returns. `site` (MakeTrapSite) locates the trapping instruction:
  // the top frame of the trap's backtrace.
  void (*trap)(VMContext*, uint32_t code, uint64_t site);
  void (*epoch_reached)(VMContext*);  // traps kInterrupted
  uint32_t (*memory_grow)(VMContext*, uint32_t delta_pages);  // old size or -1
  void (*memory_fill)(VMContext*, uint32_t dst, uint32_t value, uint32_t len);
  void (*memory_copy)(VMContext*, uint32_t dst, uint32_t src, uint32_t len);
  void (*memory_init)(VMContext*, uint32_t segment, uint32_t dst, uint32_t src, uint32_t len);
  void (*data_drop)(VMContext*, uint32_t segment);
  void* (*table_get)(VMContext*, uint32_t table, uint32_t index);
  void (*table_set)(VMContext*, uint32_t table, uint32_t index, void* value);
  uint32_t (*table_grow)(VMContext*, uint32_t table, void* init, uint32_t delta);  // or -1
  void (*table_fill)(VMContext*, uint32_t table, uint32_t dst, void* value, uint32_t len);
  void (*table_copy)(VMContext*, uint32_t dst_table, uint32_t src_table, uint32_t dst,
                     uint32_t src, uint32_t len);
  void (*table_init)(VMContext*, uint32_t table, uint32_t segment, uint32_t dst, uint32_t src,
                     uint32_t len);
  void (*elem_drop)(VMContext*, uint32_t segment);
};

// An instance's context: the first argument of every wasm function.
struct VMContext {
  uint8_t* memory_base;            // memory 0's base, or null
  VMMemory* memory;                // memory 0, or null
  const VMBuiltins* builtins;
  VMStoreContext* store;
  VMFuncRef* funcs;                // by function index; imports are copies
  VMGlobal** globals;              // by global index
  VMTable** tables;                // by table index
  const uint32_t* type_ids;        // interned id of each type index
  void* instance;                  // the runtime's own Instance
};

// An untyped host function's context (the vmctx of its exit trampoline).
// `callback` reads the parameters from values[0..] and writes the results
// there; it returns 0, or nonzero when it trapped, after which the
// trampoline calls `raise`, which does not return.
struct VMHostContext {
  int32_t (*callback)(VMHostContext*, ValRaw* values);
  void (*raise)(VMHostContext*);  // never returns
};

// Field offsets, for the compiler.
inline constexpr uint32_t kVmctxMemoryBase = offsetof(VMContext, memory_base);
inline constexpr uint32_t kVmctxMemory = offsetof(VMContext, memory);
inline constexpr uint32_t kVmctxBuiltins = offsetof(VMContext, builtins);
inline constexpr uint32_t kVmctxStore = offsetof(VMContext, store);
inline constexpr uint32_t kVmctxFuncs = offsetof(VMContext, funcs);
inline constexpr uint32_t kVmctxGlobals = offsetof(VMContext, globals);
inline constexpr uint32_t kVmctxTables = offsetof(VMContext, tables);
inline constexpr uint32_t kVmctxTypeIds = offsetof(VMContext, type_ids);

}  // namespace kiln::vm

#endif  // KILN_WASM_VM_ABI_H_
