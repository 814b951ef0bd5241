// instruction_table.h — every instruction the text format knows, by name and
// by encoding: the 2.0 instructions of kiln/wasm/opcode.h and, below, the
// WebAssembly 3.0 ones the engine does not run yet.
//
// The 3.0 instructions live here, not in KILN_FOREACH_OPCODE, because the
// decoder, validator and compiler switch over that table: an entry there is
// a promise that the engine handles it. When a feature lands in the engine
// its rows move from this file into opcode.h.
#ifndef KILN_WASM_TEXT_INSTRUCTION_TABLE_H_
#define KILN_WASM_TEXT_INSTRUCTION_TABLE_H_

#include <cstdint>
#include <string_view>

#include "kiln/wasm/text.h"

namespace kiln::wasm::text {

// How an instruction's immediates are written, in text and in binary.
enum class TextImm : uint8_t {
  kNone,
  kBlockType,     // block, loop, if, try (legacy): label? blocktype
  kTryTable,      // label? blocktype catch-clause*
  kLabel,         // br, br_if, br_on_null, br_on_non_null, rethrow, delegate
  kBrTable,       // label+
  kBrOnCast,      // label reftype reftype (flags byte, label, heap types)
  kFunc,          // call, return_call, ref.func
  kCallIndirect,  // table? typeuse
  kTypeIndex,     // call_ref, struct.new, array.get, ...
  kTypeField,     // struct.get: type, field
  kTypeCount,     // array.new_fixed: type, u32
  kTypeData,      // array.new_data / init_data: type, data
  kTypeElem,      // array.new_elem / init_elem: type, elem
  kTypeType,      // array.copy: type, type
  kRefTest,       // ref.test / ref.cast: reftype (nullable picks the opcode)
  kLocal,
  kGlobal,
  kTable,         // table? (default 0)
  kTag,
  kMemArg,        // memory? offset=? align=?
  kMemory,        // memory? (memory.size / grow / fill)
  kI32,
  kI64,
  kF32,
  kF64,
  kV128,
  kLane,
  kShuffle,
  kMemArgLane,
  kSelect,        // select (result t)*: typed when a result is written
  kHeapType,      // ref.null
  kTableInit,     // table? elem
  kTableCopy,     // (table table)?
  kMemoryInit,    // memory? data
  kData,
  kMemoryCopy,    // (memory memory)?
  kElem,
  kZeroByte,      // atomic.fence: a reserved 0x00
  kCatch,         // legacy catch: tag (a block boundary)
};

// clang-format off
// V(text, prefix, code, TextImm, natural alignment log2, Feature)
#define KILN_FOREACH_TEXT_ONLY_INSTRUCTION(V) \
  /* tail calls */ \
  V("return_call",            0x00, 0x12, kFunc,         0, kTailCall) \
  V("return_call_indirect",   0x00, 0x13, kCallIndirect, 0, kTailCall) \
  V("return_call_ref",        0x00, 0x15, kTypeIndex,    0, kTailCall) \
  /* typed function references */ \
  V("call_ref",               0x00, 0x14, kTypeIndex,    0, kFunctionReferences) \
  V("ref.as_non_null",        0x00, 0xD4, kNone,         0, kFunctionReferences) \
  V("br_on_null",             0x00, 0xD5, kLabel,        0, kFunctionReferences) \
  V("br_on_non_null",         0x00, 0xD6, kLabel,        0, kFunctionReferences) \
  /* exception handling */ \
  V("throw",                  0x00, 0x08, kTag,          0, kExceptions) \
  V("throw_ref",              0x00, 0x0A, kNone,         0, kExceptions) \
  V("try_table",              0x00, 0x1F, kTryTable,     0, kExceptions) \
  V("try",                    0x00, 0x06, kBlockType,    0, kLegacyExceptions) \
  V("catch",                  0x00, 0x07, kCatch,        0, kLegacyExceptions) \
  V("catch_all",              0x00, 0x19, kNone,         0, kLegacyExceptions) \
  V("rethrow",                0x00, 0x09, kLabel,        0, kLegacyExceptions) \
  V("delegate",               0x00, 0x18, kLabel,        0, kLegacyExceptions) \
  /* garbage collection */ \
  V("ref.eq",                 0x00, 0xD3, kNone,         0, kGc) \
  V("struct.new",             0xFB, 0x00, kTypeIndex,    0, kGc) \
  V("struct.new_default",     0xFB, 0x01, kTypeIndex,    0, kGc) \
  V("struct.get",             0xFB, 0x02, kTypeField,    0, kGc) \
  V("struct.get_s",           0xFB, 0x03, kTypeField,    0, kGc) \
  V("struct.get_u",           0xFB, 0x04, kTypeField,    0, kGc) \
  V("struct.set",             0xFB, 0x05, kTypeField,    0, kGc) \
  V("array.new",              0xFB, 0x06, kTypeIndex,    0, kGc) \
  V("array.new_default",      0xFB, 0x07, kTypeIndex,    0, kGc) \
  V("array.new_fixed",        0xFB, 0x08, kTypeCount,    0, kGc) \
  V("array.new_data",         0xFB, 0x09, kTypeData,     0, kGc) \
  V("array.new_elem",         0xFB, 0x0A, kTypeElem,     0, kGc) \
  V("array.get",              0xFB, 0x0B, kTypeIndex,    0, kGc) \
  V("array.get_s",            0xFB, 0x0C, kTypeIndex,    0, kGc) \
  V("array.get_u",            0xFB, 0x0D, kTypeIndex,    0, kGc) \
  V("array.set",              0xFB, 0x0E, kTypeIndex,    0, kGc) \
  V("array.len",              0xFB, 0x0F, kNone,         0, kGc) \
  V("array.fill",             0xFB, 0x10, kTypeIndex,    0, kGc) \
  V("array.copy",             0xFB, 0x11, kTypeType,     0, kGc) \
  V("array.init_data",        0xFB, 0x12, kTypeData,     0, kGc) \
  V("array.init_elem",        0xFB, 0x13, kTypeElem,     0, kGc) \
  V("ref.test",               0xFB, 0x14, kRefTest,      0, kGc) \
  V("ref.cast",               0xFB, 0x16, kRefTest,      0, kGc) \
  V("br_on_cast",             0xFB, 0x18, kBrOnCast,     0, kGc) \
  V("br_on_cast_fail",        0xFB, 0x19, kBrOnCast,     0, kGc) \
  V("any.convert_extern",     0xFB, 0x1A, kNone,         0, kGc) \
  V("extern.convert_any",     0xFB, 0x1B, kNone,         0, kGc) \
  V("ref.i31",                0xFB, 0x1C, kNone,         0, kGc) \
  V("i31.get_s",              0xFB, 0x1D, kNone,         0, kGc) \
  V("i31.get_u",              0xFB, 0x1E, kNone,         0, kGc) \
  /* wide arithmetic */ \
  V("i64.add128",             0xFC, 0x13, kNone,         0, kWideArithmetic) \
  V("i64.sub128",             0xFC, 0x14, kNone,         0, kWideArithmetic) \
  V("i64.mul_wide_s",         0xFC, 0x15, kNone,         0, kWideArithmetic) \
  V("i64.mul_wide_u",         0xFC, 0x16, kNone,         0, kWideArithmetic) \
  /* relaxed SIMD */ \
  V("i8x16.relaxed_swizzle",  0xFD, 0x100, kNone,        0, kRelaxedSimd) \
  V("i32x4.relaxed_trunc_f32x4_s", 0xFD, 0x101, kNone,   0, kRelaxedSimd) \
  V("i32x4.relaxed_trunc_f32x4_u", 0xFD, 0x102, kNone,   0, kRelaxedSimd) \
  V("i32x4.relaxed_trunc_f64x2_s_zero", 0xFD, 0x103, kNone, 0, kRelaxedSimd) \
  V("i32x4.relaxed_trunc_f64x2_u_zero", 0xFD, 0x104, kNone, 0, kRelaxedSimd) \
  V("f32x4.relaxed_madd",     0xFD, 0x105, kNone,        0, kRelaxedSimd) \
  V("f32x4.relaxed_nmadd",    0xFD, 0x106, kNone,        0, kRelaxedSimd) \
  V("f64x2.relaxed_madd",     0xFD, 0x107, kNone,        0, kRelaxedSimd) \
  V("f64x2.relaxed_nmadd",    0xFD, 0x108, kNone,        0, kRelaxedSimd) \
  V("i8x16.relaxed_laneselect", 0xFD, 0x109, kNone,      0, kRelaxedSimd) \
  V("i16x8.relaxed_laneselect", 0xFD, 0x10A, kNone,      0, kRelaxedSimd) \
  V("i32x4.relaxed_laneselect", 0xFD, 0x10B, kNone,      0, kRelaxedSimd) \
  V("i64x2.relaxed_laneselect", 0xFD, 0x10C, kNone,      0, kRelaxedSimd) \
  V("f32x4.relaxed_min",      0xFD, 0x10D, kNone,        0, kRelaxedSimd) \
  V("f32x4.relaxed_max",      0xFD, 0x10E, kNone,        0, kRelaxedSimd) \
  V("f64x2.relaxed_min",      0xFD, 0x10F, kNone,        0, kRelaxedSimd) \
  V("f64x2.relaxed_max",      0xFD, 0x110, kNone,        0, kRelaxedSimd) \
  V("i16x8.relaxed_q15mulr_s", 0xFD, 0x111, kNone,       0, kRelaxedSimd) \
  V("i16x8.relaxed_dot_i8x16_i7x16_s", 0xFD, 0x112, kNone, 0, kRelaxedSimd) \
  V("i32x4.relaxed_dot_i8x16_i7x16_add_s", 0xFD, 0x113, kNone, 0, kRelaxedSimd) \
  /* threads */ \
  V("memory.atomic.notify",   0xFE, 0x00, kMemArg,       2, kThreads) \
  V("memory.atomic.wait32",   0xFE, 0x01, kMemArg,       2, kThreads) \
  V("memory.atomic.wait64",   0xFE, 0x02, kMemArg,       3, kThreads) \
  V("atomic.fence",           0xFE, 0x03, kZeroByte,     0, kThreads) \
  V("i32.atomic.load",        0xFE, 0x10, kMemArg,       2, kThreads) \
  V("i64.atomic.load",        0xFE, 0x11, kMemArg,       3, kThreads) \
  V("i32.atomic.load8_u",     0xFE, 0x12, kMemArg,       0, kThreads) \
  V("i32.atomic.load16_u",    0xFE, 0x13, kMemArg,       1, kThreads) \
  V("i64.atomic.load8_u",     0xFE, 0x14, kMemArg,       0, kThreads) \
  V("i64.atomic.load16_u",    0xFE, 0x15, kMemArg,       1, kThreads) \
  V("i64.atomic.load32_u",    0xFE, 0x16, kMemArg,       2, kThreads) \
  V("i32.atomic.store",       0xFE, 0x17, kMemArg,       2, kThreads) \
  V("i64.atomic.store",       0xFE, 0x18, kMemArg,       3, kThreads) \
  V("i32.atomic.store8",      0xFE, 0x19, kMemArg,       0, kThreads) \
  V("i32.atomic.store16",     0xFE, 0x1A, kMemArg,       1, kThreads) \
  V("i64.atomic.store8",      0xFE, 0x1B, kMemArg,       0, kThreads) \
  V("i64.atomic.store16",     0xFE, 0x1C, kMemArg,       1, kThreads) \
  V("i64.atomic.store32",     0xFE, 0x1D, kMemArg,       2, kThreads) \
  KILN_ATOMIC_RMW(V, "add",     0x1E) \
  KILN_ATOMIC_RMW(V, "sub",     0x25) \
  KILN_ATOMIC_RMW(V, "and",     0x2C) \
  KILN_ATOMIC_RMW(V, "or",      0x33) \
  KILN_ATOMIC_RMW(V, "xor",     0x3A) \
  KILN_ATOMIC_RMW(V, "xchg",    0x41) \
  KILN_ATOMIC_RMW(V, "cmpxchg", 0x48)

// The seven widths of one read-modify-write operation, at consecutive codes.
#define KILN_ATOMIC_RMW(V, op, base) \
  V("i32.atomic.rmw." op,        0xFE, (base) + 0, kMemArg, 2, kThreads) \
  V("i64.atomic.rmw." op,        0xFE, (base) + 1, kMemArg, 3, kThreads) \
  V("i32.atomic.rmw8." op "_u",  0xFE, (base) + 2, kMemArg, 0, kThreads) \
  V("i32.atomic.rmw16." op "_u", 0xFE, (base) + 3, kMemArg, 1, kThreads) \
  V("i64.atomic.rmw8." op "_u",  0xFE, (base) + 4, kMemArg, 0, kThreads) \
  V("i64.atomic.rmw16." op "_u", 0xFE, (base) + 5, kMemArg, 1, kThreads) \
  V("i64.atomic.rmw32." op "_u", 0xFE, (base) + 6, kMemArg, 2, kThreads)
// clang-format on

// One instruction as the text format sees it.
struct TextInstruction {
  std::string_view name;
  uint8_t prefix = 0;  // 0 for a single-byte opcode, else 0xFB..0xFE
  uint32_t code = 0;   // the byte, or the LEB128 sub-opcode after the prefix
  TextImm imm = TextImm::kNone;
  uint8_t natural_align_log2 = 0;
  Feature feature = Feature::kCore;
};

// The instruction called `name`, or nullptr. `select` names the untyped
// form; the parser switches to the typed one when a result is written.
const TextInstruction* FindInstruction(std::string_view name);

// The instruction encoded as (prefix, code), or nullptr.
const TextInstruction* FindInstruction(uint8_t prefix, uint32_t code);

}  // namespace kiln::wasm::text

#endif  // KILN_WASM_TEXT_INSTRUCTION_TABLE_H_
