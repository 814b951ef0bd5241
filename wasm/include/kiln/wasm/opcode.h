// kiln/wasm/opcode.h — every WebAssembly 2.0 instruction, in one table.
//
// KILN_FOREACH_OPCODE(V) expands V(Name, "text", prefix, code, Imm, Sig, Align)
// once per instruction:
//   prefix  0 for single-byte opcodes, else 0xFC / 0xFD;
//   code    the byte (or the LEB128 sub-opcode after the prefix);
//   Imm     the immediate layout (ImmKind);
//   Sig     the operand signature for instructions whose typing is a fixed
//           [params] -> [result] (OpSig; kSpecial when the validator types
//           it by hand), written RESULT_PARAMS with I=i32 L=i64 F=f32 D=f64
//           V=v128 and '_' for "no result";
//   Align   natural alignment (log2 of the access size) for memory accesses,
//           else 0. For lane instructions the lane count is 16 >> Align.
// The validator, the compiler and tools all derive from this table so that an
// opcode is described exactly once.
#ifndef KILN_WASM_OPCODE_H_
#define KILN_WASM_OPCODE_H_

#include <cstdint>
#include <string_view>

namespace kiln::wasm {

enum class ImmKind : uint8_t {
  kNone,
  kBlockType,    // block, loop, if
  kLabel,        // br, br_if
  kBrTable,      // br_table
  kFunc,         // call, ref.func
  kCallIndirect, // type index, table index
  kLocal,
  kGlobal,
  kTable,        // table.get/set/grow/size/fill
  kMemArg,       // loads and stores
  kMemory,       // memory.size/grow/fill: a memory index (a zero byte in 2.0)
  kI32,
  kI64,
  kF32,
  kF64,
  kV128,
  kLane,         // extract/replace_lane
  kShuffle,      // i8x16.shuffle: 16 lane indices
  kMemArgLane,   // v128.loadN_lane / storeN_lane
  kSelectTypes,  // typed select
  kRefType,      // ref.null
  kTableInit,    // elem index, table index
  kTableCopy,    // dst table, src table
  kMemoryInit,   // data index, memory index
  kData,         // data.drop
  kMemoryCopy,   // dst memory, src memory
  kElem,         // elem.drop
};

// Fixed operand signatures, RESULT_PARAMS.
#define KILN_FOREACH_OPSIG(V)                                                              \
  V(kSpecial) V(I_I) V(I_II) V(L_L) V(L_LL) V(I_L) V(I_LL) V(F_F) V(F_FF) V(I_FF) V(D_D)    \
  V(D_DD) V(I_DD) V(I_F) V(I_D) V(L_I) V(L_F) V(L_D) V(F_I) V(F_L) V(F_D) V(D_I) V(D_L)     \
  V(D_F) V(_II) V(_IL) V(_IF) V(_ID) V(V_V) V(V_VV)        \
  V(V_VVV) V(I_V) V(V_VI) V(V_I) V(V_L) V(V_F) V(V_D) V(L_V) V(F_V) V(D_V) V(V_VL) V(V_VF) \
  V(V_VD) V(_IV) V(V_IV) V(I_) V(L_) V(F_) V(D_) V(V_)

enum class OpSig : uint8_t {
#define KILN_OPSIG_ENUM(name) name,
  KILN_FOREACH_OPSIG(KILN_OPSIG_ENUM)
#undef KILN_OPSIG_ENUM
};

// clang-format off
#define KILN_FOREACH_OPCODE(V) \
  V(Unreachable,        "unreachable",          0, 0x00, kNone,        kSpecial, 0) \
  V(Nop,                "nop",                  0, 0x01, kNone,        kSpecial, 0) \
  V(Block,              "block",                0, 0x02, kBlockType,   kSpecial, 0) \
  V(Loop,               "loop",                 0, 0x03, kBlockType,   kSpecial, 0) \
  V(If,                 "if",                   0, 0x04, kBlockType,   kSpecial, 0) \
  V(Else,               "else",                 0, 0x05, kNone,        kSpecial, 0) \
  V(End,                "end",                  0, 0x0B, kNone,        kSpecial, 0) \
  V(Br,                 "br",                   0, 0x0C, kLabel,       kSpecial, 0) \
  V(BrIf,               "br_if",                0, 0x0D, kLabel,       kSpecial, 0) \
  V(BrTable,            "br_table",             0, 0x0E, kBrTable,     kSpecial, 0) \
  V(Return,             "return",               0, 0x0F, kNone,        kSpecial, 0) \
  V(Call,               "call",                 0, 0x10, kFunc,        kSpecial, 0) \
  V(CallIndirect,       "call_indirect",        0, 0x11, kCallIndirect, kSpecial, 0) \
  V(Drop,               "drop",                 0, 0x1A, kNone,        kSpecial, 0) \
  V(Select,             "select",               0, 0x1B, kNone,        kSpecial, 0) \
  V(SelectT,            "select",               0, 0x1C, kSelectTypes, kSpecial, 0) \
  V(LocalGet,           "local.get",            0, 0x20, kLocal,       kSpecial, 0) \
  V(LocalSet,           "local.set",            0, 0x21, kLocal,       kSpecial, 0) \
  V(LocalTee,           "local.tee",            0, 0x22, kLocal,       kSpecial, 0) \
  V(GlobalGet,          "global.get",           0, 0x23, kGlobal,      kSpecial, 0) \
  V(GlobalSet,          "global.set",           0, 0x24, kGlobal,      kSpecial, 0) \
  V(TableGet,           "table.get",            0, 0x25, kTable,       kSpecial, 0) \
  V(TableSet,           "table.set",            0, 0x26, kTable,       kSpecial, 0) \
  V(I32Load,            "i32.load",             0, 0x28, kMemArg,      I_I,      2) \
  V(I64Load,            "i64.load",             0, 0x29, kMemArg,      L_I,      3) \
  V(F32Load,            "f32.load",             0, 0x2A, kMemArg,      F_I,      2) \
  V(F64Load,            "f64.load",             0, 0x2B, kMemArg,      D_I,      3) \
  V(I32Load8S,          "i32.load8_s",          0, 0x2C, kMemArg,      I_I,      0) \
  V(I32Load8U,          "i32.load8_u",          0, 0x2D, kMemArg,      I_I,      0) \
  V(I32Load16S,         "i32.load16_s",         0, 0x2E, kMemArg,      I_I,      1) \
  V(I32Load16U,         "i32.load16_u",         0, 0x2F, kMemArg,      I_I,      1) \
  V(I64Load8S,          "i64.load8_s",          0, 0x30, kMemArg,      L_I,      0) \
  V(I64Load8U,          "i64.load8_u",          0, 0x31, kMemArg,      L_I,      0) \
  V(I64Load16S,         "i64.load16_s",         0, 0x32, kMemArg,      L_I,      1) \
  V(I64Load16U,         "i64.load16_u",         0, 0x33, kMemArg,      L_I,      1) \
  V(I64Load32S,         "i64.load32_s",         0, 0x34, kMemArg,      L_I,      2) \
  V(I64Load32U,         "i64.load32_u",         0, 0x35, kMemArg,      L_I,      2) \
  V(I32Store,           "i32.store",            0, 0x36, kMemArg,      _II,      2) \
  V(I64Store,           "i64.store",            0, 0x37, kMemArg,      _IL,      3) \
  V(F32Store,           "f32.store",            0, 0x38, kMemArg,      _IF,      2) \
  V(F64Store,           "f64.store",            0, 0x39, kMemArg,      _ID,      3) \
  V(I32Store8,          "i32.store8",           0, 0x3A, kMemArg,      _II,      0) \
  V(I32Store16,         "i32.store16",          0, 0x3B, kMemArg,      _II,      1) \
  V(I64Store8,          "i64.store8",           0, 0x3C, kMemArg,      _IL,      0) \
  V(I64Store16,         "i64.store16",          0, 0x3D, kMemArg,      _IL,      1) \
  V(I64Store32,         "i64.store32",          0, 0x3E, kMemArg,      _IL,      2) \
  V(MemorySize,         "memory.size",          0, 0x3F, kMemory,      kSpecial, 0) \
  V(MemoryGrow,         "memory.grow",          0, 0x40, kMemory,      kSpecial, 0) \
  V(I32Const,           "i32.const",            0, 0x41, kI32,         I_,       0) \
  V(I64Const,           "i64.const",            0, 0x42, kI64,         L_,       0) \
  V(F32Const,           "f32.const",            0, 0x43, kF32,         F_,       0) \
  V(F64Const,           "f64.const",            0, 0x44, kF64,         D_,       0) \
  V(I32Eqz,             "i32.eqz",              0, 0x45, kNone,        I_I,      0) \
  V(I32Eq,              "i32.eq",               0, 0x46, kNone,        I_II,     0) \
  V(I32Ne,              "i32.ne",               0, 0x47, kNone,        I_II,     0) \
  V(I32LtS,             "i32.lt_s",             0, 0x48, kNone,        I_II,     0) \
  V(I32LtU,             "i32.lt_u",             0, 0x49, kNone,        I_II,     0) \
  V(I32GtS,             "i32.gt_s",             0, 0x4A, kNone,        I_II,     0) \
  V(I32GtU,             "i32.gt_u",             0, 0x4B, kNone,        I_II,     0) \
  V(I32LeS,             "i32.le_s",             0, 0x4C, kNone,        I_II,     0) \
  V(I32LeU,             "i32.le_u",             0, 0x4D, kNone,        I_II,     0) \
  V(I32GeS,             "i32.ge_s",             0, 0x4E, kNone,        I_II,     0) \
  V(I32GeU,             "i32.ge_u",             0, 0x4F, kNone,        I_II,     0) \
  V(I64Eqz,             "i64.eqz",              0, 0x50, kNone,        I_L,      0) \
  V(I64Eq,              "i64.eq",               0, 0x51, kNone,        I_LL,     0) \
  V(I64Ne,              "i64.ne",               0, 0x52, kNone,        I_LL,     0) \
  V(I64LtS,             "i64.lt_s",             0, 0x53, kNone,        I_LL,     0) \
  V(I64LtU,             "i64.lt_u",             0, 0x54, kNone,        I_LL,     0) \
  V(I64GtS,             "i64.gt_s",             0, 0x55, kNone,        I_LL,     0) \
  V(I64GtU,             "i64.gt_u",             0, 0x56, kNone,        I_LL,     0) \
  V(I64LeS,             "i64.le_s",             0, 0x57, kNone,        I_LL,     0) \
  V(I64LeU,             "i64.le_u",             0, 0x58, kNone,        I_LL,     0) \
  V(I64GeS,             "i64.ge_s",             0, 0x59, kNone,        I_LL,     0) \
  V(I64GeU,             "i64.ge_u",             0, 0x5A, kNone,        I_LL,     0) \
  V(F32Eq,              "f32.eq",               0, 0x5B, kNone,        I_FF,     0) \
  V(F32Ne,              "f32.ne",               0, 0x5C, kNone,        I_FF,     0) \
  V(F32Lt,              "f32.lt",               0, 0x5D, kNone,        I_FF,     0) \
  V(F32Gt,              "f32.gt",               0, 0x5E, kNone,        I_FF,     0) \
  V(F32Le,              "f32.le",               0, 0x5F, kNone,        I_FF,     0) \
  V(F32Ge,              "f32.ge",               0, 0x60, kNone,        I_FF,     0) \
  V(F64Eq,              "f64.eq",               0, 0x61, kNone,        I_DD,     0) \
  V(F64Ne,              "f64.ne",               0, 0x62, kNone,        I_DD,     0) \
  V(F64Lt,              "f64.lt",               0, 0x63, kNone,        I_DD,     0) \
  V(F64Gt,              "f64.gt",               0, 0x64, kNone,        I_DD,     0) \
  V(F64Le,              "f64.le",               0, 0x65, kNone,        I_DD,     0) \
  V(F64Ge,              "f64.ge",               0, 0x66, kNone,        I_DD,     0) \
  V(I32Clz,             "i32.clz",              0, 0x67, kNone,        I_I,      0) \
  V(I32Ctz,             "i32.ctz",              0, 0x68, kNone,        I_I,      0) \
  V(I32Popcnt,          "i32.popcnt",           0, 0x69, kNone,        I_I,      0) \
  V(I32Add,             "i32.add",              0, 0x6A, kNone,        I_II,     0) \
  V(I32Sub,             "i32.sub",              0, 0x6B, kNone,        I_II,     0) \
  V(I32Mul,             "i32.mul",              0, 0x6C, kNone,        I_II,     0) \
  V(I32DivS,            "i32.div_s",            0, 0x6D, kNone,        I_II,     0) \
  V(I32DivU,            "i32.div_u",            0, 0x6E, kNone,        I_II,     0) \
  V(I32RemS,            "i32.rem_s",            0, 0x6F, kNone,        I_II,     0) \
  V(I32RemU,            "i32.rem_u",            0, 0x70, kNone,        I_II,     0) \
  V(I32And,             "i32.and",              0, 0x71, kNone,        I_II,     0) \
  V(I32Or,              "i32.or",               0, 0x72, kNone,        I_II,     0) \
  V(I32Xor,             "i32.xor",              0, 0x73, kNone,        I_II,     0) \
  V(I32Shl,             "i32.shl",              0, 0x74, kNone,        I_II,     0) \
  V(I32ShrS,            "i32.shr_s",            0, 0x75, kNone,        I_II,     0) \
  V(I32ShrU,            "i32.shr_u",            0, 0x76, kNone,        I_II,     0) \
  V(I32Rotl,            "i32.rotl",             0, 0x77, kNone,        I_II,     0) \
  V(I32Rotr,            "i32.rotr",             0, 0x78, kNone,        I_II,     0) \
  V(I64Clz,             "i64.clz",              0, 0x79, kNone,        L_L,      0) \
  V(I64Ctz,             "i64.ctz",              0, 0x7A, kNone,        L_L,      0) \
  V(I64Popcnt,          "i64.popcnt",           0, 0x7B, kNone,        L_L,      0) \
  V(I64Add,             "i64.add",              0, 0x7C, kNone,        L_LL,     0) \
  V(I64Sub,             "i64.sub",              0, 0x7D, kNone,        L_LL,     0) \
  V(I64Mul,             "i64.mul",              0, 0x7E, kNone,        L_LL,     0) \
  V(I64DivS,            "i64.div_s",            0, 0x7F, kNone,        L_LL,     0) \
  V(I64DivU,            "i64.div_u",            0, 0x80, kNone,        L_LL,     0) \
  V(I64RemS,            "i64.rem_s",            0, 0x81, kNone,        L_LL,     0) \
  V(I64RemU,            "i64.rem_u",            0, 0x82, kNone,        L_LL,     0) \
  V(I64And,             "i64.and",              0, 0x83, kNone,        L_LL,     0) \
  V(I64Or,              "i64.or",               0, 0x84, kNone,        L_LL,     0) \
  V(I64Xor,             "i64.xor",              0, 0x85, kNone,        L_LL,     0) \
  V(I64Shl,             "i64.shl",              0, 0x86, kNone,        L_LL,     0) \
  V(I64ShrS,            "i64.shr_s",            0, 0x87, kNone,        L_LL,     0) \
  V(I64ShrU,            "i64.shr_u",            0, 0x88, kNone,        L_LL,     0) \
  V(I64Rotl,            "i64.rotl",             0, 0x89, kNone,        L_LL,     0) \
  V(I64Rotr,            "i64.rotr",             0, 0x8A, kNone,        L_LL,     0) \
  V(F32Abs,             "f32.abs",              0, 0x8B, kNone,        F_F,      0) \
  V(F32Neg,             "f32.neg",              0, 0x8C, kNone,        F_F,      0) \
  V(F32Ceil,            "f32.ceil",             0, 0x8D, kNone,        F_F,      0) \
  V(F32Floor,           "f32.floor",            0, 0x8E, kNone,        F_F,      0) \
  V(F32Trunc,           "f32.trunc",            0, 0x8F, kNone,        F_F,      0) \
  V(F32Nearest,         "f32.nearest",          0, 0x90, kNone,        F_F,      0) \
  V(F32Sqrt,            "f32.sqrt",             0, 0x91, kNone,        F_F,      0) \
  V(F32Add,             "f32.add",              0, 0x92, kNone,        F_FF,     0) \
  V(F32Sub,             "f32.sub",              0, 0x93, kNone,        F_FF,     0) \
  V(F32Mul,             "f32.mul",              0, 0x94, kNone,        F_FF,     0) \
  V(F32Div,             "f32.div",              0, 0x95, kNone,        F_FF,     0) \
  V(F32Min,             "f32.min",              0, 0x96, kNone,        F_FF,     0) \
  V(F32Max,             "f32.max",              0, 0x97, kNone,        F_FF,     0) \
  V(F32Copysign,        "f32.copysign",         0, 0x98, kNone,        F_FF,     0) \
  V(F64Abs,             "f64.abs",              0, 0x99, kNone,        D_D,      0) \
  V(F64Neg,             "f64.neg",              0, 0x9A, kNone,        D_D,      0) \
  V(F64Ceil,            "f64.ceil",             0, 0x9B, kNone,        D_D,      0) \
  V(F64Floor,           "f64.floor",            0, 0x9C, kNone,        D_D,      0) \
  V(F64Trunc,           "f64.trunc",            0, 0x9D, kNone,        D_D,      0) \
  V(F64Nearest,         "f64.nearest",          0, 0x9E, kNone,        D_D,      0) \
  V(F64Sqrt,            "f64.sqrt",             0, 0x9F, kNone,        D_D,      0) \
  V(F64Add,             "f64.add",              0, 0xA0, kNone,        D_DD,     0) \
  V(F64Sub,             "f64.sub",              0, 0xA1, kNone,        D_DD,     0) \
  V(F64Mul,             "f64.mul",              0, 0xA2, kNone,        D_DD,     0) \
  V(F64Div,             "f64.div",              0, 0xA3, kNone,        D_DD,     0) \
  V(F64Min,             "f64.min",              0, 0xA4, kNone,        D_DD,     0) \
  V(F64Max,             "f64.max",              0, 0xA5, kNone,        D_DD,     0) \
  V(F64Copysign,        "f64.copysign",         0, 0xA6, kNone,        D_DD,     0) \
  V(I32WrapI64,         "i32.wrap_i64",         0, 0xA7, kNone,        I_L,      0) \
  V(I32TruncF32S,       "i32.trunc_f32_s",      0, 0xA8, kNone,        I_F,      0) \
  V(I32TruncF32U,       "i32.trunc_f32_u",      0, 0xA9, kNone,        I_F,      0) \
  V(I32TruncF64S,       "i32.trunc_f64_s",      0, 0xAA, kNone,        I_D,      0) \
  V(I32TruncF64U,       "i32.trunc_f64_u",      0, 0xAB, kNone,        I_D,      0) \
  V(I64ExtendI32S,      "i64.extend_i32_s",     0, 0xAC, kNone,        L_I,      0) \
  V(I64ExtendI32U,      "i64.extend_i32_u",     0, 0xAD, kNone,        L_I,      0) \
  V(I64TruncF32S,       "i64.trunc_f32_s",      0, 0xAE, kNone,        L_F,      0) \
  V(I64TruncF32U,       "i64.trunc_f32_u",      0, 0xAF, kNone,        L_F,      0) \
  V(I64TruncF64S,       "i64.trunc_f64_s",      0, 0xB0, kNone,        L_D,      0) \
  V(I64TruncF64U,       "i64.trunc_f64_u",      0, 0xB1, kNone,        L_D,      0) \
  V(F32ConvertI32S,     "f32.convert_i32_s",    0, 0xB2, kNone,        F_I,      0) \
  V(F32ConvertI32U,     "f32.convert_i32_u",    0, 0xB3, kNone,        F_I,      0) \
  V(F32ConvertI64S,     "f32.convert_i64_s",    0, 0xB4, kNone,        F_L,      0) \
  V(F32ConvertI64U,     "f32.convert_i64_u",    0, 0xB5, kNone,        F_L,      0) \
  V(F32DemoteF64,       "f32.demote_f64",       0, 0xB6, kNone,        F_D,      0) \
  V(F64ConvertI32S,     "f64.convert_i32_s",    0, 0xB7, kNone,        D_I,      0) \
  V(F64ConvertI32U,     "f64.convert_i32_u",    0, 0xB8, kNone,        D_I,      0) \
  V(F64ConvertI64S,     "f64.convert_i64_s",    0, 0xB9, kNone,        D_L,      0) \
  V(F64ConvertI64U,     "f64.convert_i64_u",    0, 0xBA, kNone,        D_L,      0) \
  V(F64PromoteF32,      "f64.promote_f32",      0, 0xBB, kNone,        D_F,      0) \
  V(I32ReinterpretF32,  "i32.reinterpret_f32",  0, 0xBC, kNone,        I_F,      0) \
  V(I64ReinterpretF64,  "i64.reinterpret_f64",  0, 0xBD, kNone,        L_D,      0) \
  V(F32ReinterpretI32,  "f32.reinterpret_i32",  0, 0xBE, kNone,        F_I,      0) \
  V(F64ReinterpretI64,  "f64.reinterpret_i64",  0, 0xBF, kNone,        D_L,      0) \
  V(I32Extend8S,        "i32.extend8_s",        0, 0xC0, kNone,        I_I,      0) \
  V(I32Extend16S,       "i32.extend16_s",       0, 0xC1, kNone,        I_I,      0) \
  V(I64Extend8S,        "i64.extend8_s",        0, 0xC2, kNone,        L_L,      0) \
  V(I64Extend16S,       "i64.extend16_s",       0, 0xC3, kNone,        L_L,      0) \
  V(I64Extend32S,       "i64.extend32_s",       0, 0xC4, kNone,        L_L,      0) \
  V(RefNull,            "ref.null",             0, 0xD0, kRefType,     kSpecial, 0) \
  V(RefIsNull,          "ref.is_null",          0, 0xD1, kNone,        kSpecial, 0) \
  V(RefFunc,            "ref.func",             0, 0xD2, kFunc,        kSpecial, 0) \
  V(I32TruncSatF32S,    "i32.trunc_sat_f32_s",  0xFC, 0, kNone,        I_F,      0) \
  V(I32TruncSatF32U,    "i32.trunc_sat_f32_u",  0xFC, 1, kNone,        I_F,      0) \
  V(I32TruncSatF64S,    "i32.trunc_sat_f64_s",  0xFC, 2, kNone,        I_D,      0) \
  V(I32TruncSatF64U,    "i32.trunc_sat_f64_u",  0xFC, 3, kNone,        I_D,      0) \
  V(I64TruncSatF32S,    "i64.trunc_sat_f32_s",  0xFC, 4, kNone,        L_F,      0) \
  V(I64TruncSatF32U,    "i64.trunc_sat_f32_u",  0xFC, 5, kNone,        L_F,      0) \
  V(I64TruncSatF64S,    "i64.trunc_sat_f64_s",  0xFC, 6, kNone,        L_D,      0) \
  V(I64TruncSatF64U,    "i64.trunc_sat_f64_u",  0xFC, 7, kNone,        L_D,      0) \
  V(MemoryInit,         "memory.init",          0xFC, 8, kMemoryInit,  kSpecial, 0) \
  V(DataDrop,           "data.drop",            0xFC, 9, kData,        kSpecial, 0) \
  V(MemoryCopy,         "memory.copy",          0xFC, 10, kMemoryCopy, kSpecial, 0) \
  V(MemoryFill,         "memory.fill",          0xFC, 11, kMemory,     kSpecial, 0) \
  V(TableInit,          "table.init",           0xFC, 12, kTableInit,  kSpecial, 0) \
  V(ElemDrop,           "elem.drop",            0xFC, 13, kElem,       kSpecial, 0) \
  V(TableCopy,          "table.copy",           0xFC, 14, kTableCopy,  kSpecial, 0) \
  V(TableGrow,          "table.grow",           0xFC, 15, kTable,      kSpecial, 0) \
  V(TableSize,          "table.size",           0xFC, 16, kTable,      kSpecial, 0) \
  V(TableFill,          "table.fill",           0xFC, 17, kTable,      kSpecial, 0) \
  KILN_FOREACH_SIMD_OPCODE(V)

#define KILN_FOREACH_SIMD_OPCODE(V) \
  V(V128Load,               "v128.load",                0xFD, 0x00, kMemArg,     V_I,   4) \
  V(V128Load8x8S,           "v128.load8x8_s",           0xFD, 0x01, kMemArg,     V_I,   3) \
  V(V128Load8x8U,           "v128.load8x8_u",           0xFD, 0x02, kMemArg,     V_I,   3) \
  V(V128Load16x4S,          "v128.load16x4_s",          0xFD, 0x03, kMemArg,     V_I,   3) \
  V(V128Load16x4U,          "v128.load16x4_u",          0xFD, 0x04, kMemArg,     V_I,   3) \
  V(V128Load32x2S,          "v128.load32x2_s",          0xFD, 0x05, kMemArg,     V_I,   3) \
  V(V128Load32x2U,          "v128.load32x2_u",          0xFD, 0x06, kMemArg,     V_I,   3) \
  V(V128Load8Splat,         "v128.load8_splat",         0xFD, 0x07, kMemArg,     V_I,   0) \
  V(V128Load16Splat,        "v128.load16_splat",        0xFD, 0x08, kMemArg,     V_I,   1) \
  V(V128Load32Splat,        "v128.load32_splat",        0xFD, 0x09, kMemArg,     V_I,   2) \
  V(V128Load64Splat,        "v128.load64_splat",        0xFD, 0x0A, kMemArg,     V_I,   3) \
  V(V128Store,              "v128.store",               0xFD, 0x0B, kMemArg,     _IV,   4) \
  V(V128Const,              "v128.const",               0xFD, 0x0C, kV128,       V_,    0) \
  V(I8x16Shuffle,           "i8x16.shuffle",            0xFD, 0x0D, kShuffle,    V_VV,  0) \
  V(I8x16Swizzle,           "i8x16.swizzle",            0xFD, 0x0E, kNone,       V_VV,  0) \
  V(I8x16Splat,             "i8x16.splat",              0xFD, 0x0F, kNone,       V_I,   0) \
  V(I16x8Splat,             "i16x8.splat",              0xFD, 0x10, kNone,       V_I,   0) \
  V(I32x4Splat,             "i32x4.splat",              0xFD, 0x11, kNone,       V_I,   0) \
  V(I64x2Splat,             "i64x2.splat",              0xFD, 0x12, kNone,       V_L,   0) \
  V(F32x4Splat,             "f32x4.splat",              0xFD, 0x13, kNone,       V_F,   0) \
  V(F64x2Splat,             "f64x2.splat",              0xFD, 0x14, kNone,       V_D,   0) \
  V(I8x16ExtractLaneS,      "i8x16.extract_lane_s",     0xFD, 0x15, kLane,       I_V,   0) \
  V(I8x16ExtractLaneU,      "i8x16.extract_lane_u",     0xFD, 0x16, kLane,       I_V,   0) \
  V(I8x16ReplaceLane,       "i8x16.replace_lane",       0xFD, 0x17, kLane,       V_VI,  0) \
  V(I16x8ExtractLaneS,      "i16x8.extract_lane_s",     0xFD, 0x18, kLane,       I_V,   1) \
  V(I16x8ExtractLaneU,      "i16x8.extract_lane_u",     0xFD, 0x19, kLane,       I_V,   1) \
  V(I16x8ReplaceLane,       "i16x8.replace_lane",       0xFD, 0x1A, kLane,       V_VI,  1) \
  V(I32x4ExtractLane,       "i32x4.extract_lane",       0xFD, 0x1B, kLane,       I_V,   2) \
  V(I32x4ReplaceLane,       "i32x4.replace_lane",       0xFD, 0x1C, kLane,       V_VI,  2) \
  V(I64x2ExtractLane,       "i64x2.extract_lane",       0xFD, 0x1D, kLane,       L_V,   3) \
  V(I64x2ReplaceLane,       "i64x2.replace_lane",       0xFD, 0x1E, kLane,       V_VL,  3) \
  V(F32x4ExtractLane,       "f32x4.extract_lane",       0xFD, 0x1F, kLane,       F_V,   2) \
  V(F32x4ReplaceLane,       "f32x4.replace_lane",       0xFD, 0x20, kLane,       V_VF,  2) \
  V(F64x2ExtractLane,       "f64x2.extract_lane",       0xFD, 0x21, kLane,       D_V,   3) \
  V(F64x2ReplaceLane,       "f64x2.replace_lane",       0xFD, 0x22, kLane,       V_VD,  3) \
  V(I8x16Eq,                "i8x16.eq",                 0xFD, 0x23, kNone,       V_VV,  0) \
  V(I8x16Ne,                "i8x16.ne",                 0xFD, 0x24, kNone,       V_VV,  0) \
  V(I8x16LtS,               "i8x16.lt_s",               0xFD, 0x25, kNone,       V_VV,  0) \
  V(I8x16LtU,               "i8x16.lt_u",               0xFD, 0x26, kNone,       V_VV,  0) \
  V(I8x16GtS,               "i8x16.gt_s",               0xFD, 0x27, kNone,       V_VV,  0) \
  V(I8x16GtU,               "i8x16.gt_u",               0xFD, 0x28, kNone,       V_VV,  0) \
  V(I8x16LeS,               "i8x16.le_s",               0xFD, 0x29, kNone,       V_VV,  0) \
  V(I8x16LeU,               "i8x16.le_u",               0xFD, 0x2A, kNone,       V_VV,  0) \
  V(I8x16GeS,               "i8x16.ge_s",               0xFD, 0x2B, kNone,       V_VV,  0) \
  V(I8x16GeU,               "i8x16.ge_u",               0xFD, 0x2C, kNone,       V_VV,  0) \
  V(I16x8Eq,                "i16x8.eq",                 0xFD, 0x2D, kNone,       V_VV,  0) \
  V(I16x8Ne,                "i16x8.ne",                 0xFD, 0x2E, kNone,       V_VV,  0) \
  V(I16x8LtS,               "i16x8.lt_s",               0xFD, 0x2F, kNone,       V_VV,  0) \
  V(I16x8LtU,               "i16x8.lt_u",               0xFD, 0x30, kNone,       V_VV,  0) \
  V(I16x8GtS,               "i16x8.gt_s",               0xFD, 0x31, kNone,       V_VV,  0) \
  V(I16x8GtU,               "i16x8.gt_u",               0xFD, 0x32, kNone,       V_VV,  0) \
  V(I16x8LeS,               "i16x8.le_s",               0xFD, 0x33, kNone,       V_VV,  0) \
  V(I16x8LeU,               "i16x8.le_u",               0xFD, 0x34, kNone,       V_VV,  0) \
  V(I16x8GeS,               "i16x8.ge_s",               0xFD, 0x35, kNone,       V_VV,  0) \
  V(I16x8GeU,               "i16x8.ge_u",               0xFD, 0x36, kNone,       V_VV,  0) \
  V(I32x4Eq,                "i32x4.eq",                 0xFD, 0x37, kNone,       V_VV,  0) \
  V(I32x4Ne,                "i32x4.ne",                 0xFD, 0x38, kNone,       V_VV,  0) \
  V(I32x4LtS,               "i32x4.lt_s",               0xFD, 0x39, kNone,       V_VV,  0) \
  V(I32x4LtU,               "i32x4.lt_u",               0xFD, 0x3A, kNone,       V_VV,  0) \
  V(I32x4GtS,               "i32x4.gt_s",               0xFD, 0x3B, kNone,       V_VV,  0) \
  V(I32x4GtU,               "i32x4.gt_u",               0xFD, 0x3C, kNone,       V_VV,  0) \
  V(I32x4LeS,               "i32x4.le_s",               0xFD, 0x3D, kNone,       V_VV,  0) \
  V(I32x4LeU,               "i32x4.le_u",               0xFD, 0x3E, kNone,       V_VV,  0) \
  V(I32x4GeS,               "i32x4.ge_s",               0xFD, 0x3F, kNone,       V_VV,  0) \
  V(I32x4GeU,               "i32x4.ge_u",               0xFD, 0x40, kNone,       V_VV,  0) \
  V(F32x4Eq,                "f32x4.eq",                 0xFD, 0x41, kNone,       V_VV,  0) \
  V(F32x4Ne,                "f32x4.ne",                 0xFD, 0x42, kNone,       V_VV,  0) \
  V(F32x4Lt,                "f32x4.lt",                 0xFD, 0x43, kNone,       V_VV,  0) \
  V(F32x4Gt,                "f32x4.gt",                 0xFD, 0x44, kNone,       V_VV,  0) \
  V(F32x4Le,                "f32x4.le",                 0xFD, 0x45, kNone,       V_VV,  0) \
  V(F32x4Ge,                "f32x4.ge",                 0xFD, 0x46, kNone,       V_VV,  0) \
  V(F64x2Eq,                "f64x2.eq",                 0xFD, 0x47, kNone,       V_VV,  0) \
  V(F64x2Ne,                "f64x2.ne",                 0xFD, 0x48, kNone,       V_VV,  0) \
  V(F64x2Lt,                "f64x2.lt",                 0xFD, 0x49, kNone,       V_VV,  0) \
  V(F64x2Gt,                "f64x2.gt",                 0xFD, 0x4A, kNone,       V_VV,  0) \
  V(F64x2Le,                "f64x2.le",                 0xFD, 0x4B, kNone,       V_VV,  0) \
  V(F64x2Ge,                "f64x2.ge",                 0xFD, 0x4C, kNone,       V_VV,  0) \
  V(V128Not,                "v128.not",                 0xFD, 0x4D, kNone,       V_V,   0) \
  V(V128And,                "v128.and",                 0xFD, 0x4E, kNone,       V_VV,  0) \
  V(V128AndNot,             "v128.andnot",              0xFD, 0x4F, kNone,       V_VV,  0) \
  V(V128Or,                 "v128.or",                  0xFD, 0x50, kNone,       V_VV,  0) \
  V(V128Xor,                "v128.xor",                 0xFD, 0x51, kNone,       V_VV,  0) \
  V(V128Bitselect,          "v128.bitselect",           0xFD, 0x52, kNone,       V_VVV, 0) \
  V(V128AnyTrue,            "v128.any_true",            0xFD, 0x53, kNone,       I_V,   0) \
  V(V128Load8Lane,          "v128.load8_lane",          0xFD, 0x54, kMemArgLane, V_IV,  0) \
  V(V128Load16Lane,         "v128.load16_lane",         0xFD, 0x55, kMemArgLane, V_IV,  1) \
  V(V128Load32Lane,         "v128.load32_lane",         0xFD, 0x56, kMemArgLane, V_IV,  2) \
  V(V128Load64Lane,         "v128.load64_lane",         0xFD, 0x57, kMemArgLane, V_IV,  3) \
  V(V128Store8Lane,         "v128.store8_lane",         0xFD, 0x58, kMemArgLane, _IV,   0) \
  V(V128Store16Lane,        "v128.store16_lane",        0xFD, 0x59, kMemArgLane, _IV,   1) \
  V(V128Store32Lane,        "v128.store32_lane",        0xFD, 0x5A, kMemArgLane, _IV,   2) \
  V(V128Store64Lane,        "v128.store64_lane",        0xFD, 0x5B, kMemArgLane, _IV,   3) \
  V(V128Load32Zero,         "v128.load32_zero",         0xFD, 0x5C, kMemArg,     V_I,   2) \
  V(V128Load64Zero,         "v128.load64_zero",         0xFD, 0x5D, kMemArg,     V_I,   3) \
  V(F32x4DemoteF64x2Zero,   "f32x4.demote_f64x2_zero",  0xFD, 0x5E, kNone,       V_V,   0) \
  V(F64x2PromoteLowF32x4,   "f64x2.promote_low_f32x4",  0xFD, 0x5F, kNone,       V_V,   0) \
  V(I8x16Abs,               "i8x16.abs",                0xFD, 0x60, kNone,       V_V,   0) \
  V(I8x16Neg,               "i8x16.neg",                0xFD, 0x61, kNone,       V_V,   0) \
  V(I8x16Popcnt,            "i8x16.popcnt",             0xFD, 0x62, kNone,       V_V,   0) \
  V(I8x16AllTrue,           "i8x16.all_true",           0xFD, 0x63, kNone,       I_V,   0) \
  V(I8x16Bitmask,           "i8x16.bitmask",            0xFD, 0x64, kNone,       I_V,   0) \
  V(I8x16NarrowI16x8S,      "i8x16.narrow_i16x8_s",     0xFD, 0x65, kNone,       V_VV,  0) \
  V(I8x16NarrowI16x8U,      "i8x16.narrow_i16x8_u",     0xFD, 0x66, kNone,       V_VV,  0) \
  V(F32x4Ceil,              "f32x4.ceil",               0xFD, 0x67, kNone,       V_V,   0) \
  V(F32x4Floor,             "f32x4.floor",              0xFD, 0x68, kNone,       V_V,   0) \
  V(F32x4Trunc,             "f32x4.trunc",              0xFD, 0x69, kNone,       V_V,   0) \
  V(F32x4Nearest,           "f32x4.nearest",            0xFD, 0x6A, kNone,       V_V,   0) \
  V(I8x16Shl,               "i8x16.shl",                0xFD, 0x6B, kNone,       V_VI,  0) \
  V(I8x16ShrS,              "i8x16.shr_s",              0xFD, 0x6C, kNone,       V_VI,  0) \
  V(I8x16ShrU,              "i8x16.shr_u",              0xFD, 0x6D, kNone,       V_VI,  0) \
  V(I8x16Add,               "i8x16.add",                0xFD, 0x6E, kNone,       V_VV,  0) \
  V(I8x16AddSatS,           "i8x16.add_sat_s",          0xFD, 0x6F, kNone,       V_VV,  0) \
  V(I8x16AddSatU,           "i8x16.add_sat_u",          0xFD, 0x70, kNone,       V_VV,  0) \
  V(I8x16Sub,               "i8x16.sub",                0xFD, 0x71, kNone,       V_VV,  0) \
  V(I8x16SubSatS,           "i8x16.sub_sat_s",          0xFD, 0x72, kNone,       V_VV,  0) \
  V(I8x16SubSatU,           "i8x16.sub_sat_u",          0xFD, 0x73, kNone,       V_VV,  0) \
  V(F64x2Ceil,              "f64x2.ceil",               0xFD, 0x74, kNone,       V_V,   0) \
  V(F64x2Floor,             "f64x2.floor",              0xFD, 0x75, kNone,       V_V,   0) \
  V(I8x16MinS,              "i8x16.min_s",              0xFD, 0x76, kNone,       V_VV,  0) \
  V(I8x16MinU,              "i8x16.min_u",              0xFD, 0x77, kNone,       V_VV,  0) \
  V(I8x16MaxS,              "i8x16.max_s",              0xFD, 0x78, kNone,       V_VV,  0) \
  V(I8x16MaxU,              "i8x16.max_u",              0xFD, 0x79, kNone,       V_VV,  0) \
  V(F64x2Trunc,             "f64x2.trunc",              0xFD, 0x7A, kNone,       V_V,   0) \
  V(I8x16AvgrU,             "i8x16.avgr_u",             0xFD, 0x7B, kNone,       V_VV,  0) \
  V(I16x8ExtaddPairwiseI8x16S, "i16x8.extadd_pairwise_i8x16_s", 0xFD, 0x7C, kNone, V_V,   0) \
  V(I16x8ExtaddPairwiseI8x16U, "i16x8.extadd_pairwise_i8x16_u", 0xFD, 0x7D, kNone, V_V,   0) \
  V(I32x4ExtaddPairwiseI16x8S, "i32x4.extadd_pairwise_i16x8_s", 0xFD, 0x7E, kNone, V_V,   0) \
  V(I32x4ExtaddPairwiseI16x8U, "i32x4.extadd_pairwise_i16x8_u", 0xFD, 0x7F, kNone, V_V,   0) \
  V(I16x8Abs,               "i16x8.abs",                0xFD, 0x80, kNone,       V_V,   0) \
  V(I16x8Neg,               "i16x8.neg",                0xFD, 0x81, kNone,       V_V,   0) \
  V(I16x8Q15mulrSatS,       "i16x8.q15mulr_sat_s",      0xFD, 0x82, kNone,       V_VV,  0) \
  V(I16x8AllTrue,           "i16x8.all_true",           0xFD, 0x83, kNone,       I_V,   0) \
  V(I16x8Bitmask,           "i16x8.bitmask",            0xFD, 0x84, kNone,       I_V,   0) \
  V(I16x8NarrowI32x4S,      "i16x8.narrow_i32x4_s",     0xFD, 0x85, kNone,       V_VV,  0) \
  V(I16x8NarrowI32x4U,      "i16x8.narrow_i32x4_u",     0xFD, 0x86, kNone,       V_VV,  0) \
  V(I16x8ExtendLowI8x16S,   "i16x8.extend_low_i8x16_s", 0xFD, 0x87, kNone,       V_V,   0) \
  V(I16x8ExtendHighI8x16S,  "i16x8.extend_high_i8x16_s", 0xFD, 0x88, kNone,      V_V,   0) \
  V(I16x8ExtendLowI8x16U,   "i16x8.extend_low_i8x16_u", 0xFD, 0x89, kNone,       V_V,   0) \
  V(I16x8ExtendHighI8x16U,  "i16x8.extend_high_i8x16_u", 0xFD, 0x8A, kNone,      V_V,   0) \
  V(I16x8Shl,               "i16x8.shl",                0xFD, 0x8B, kNone,       V_VI,  0) \
  V(I16x8ShrS,              "i16x8.shr_s",              0xFD, 0x8C, kNone,       V_VI,  0) \
  V(I16x8ShrU,              "i16x8.shr_u",              0xFD, 0x8D, kNone,       V_VI,  0) \
  V(I16x8Add,               "i16x8.add",                0xFD, 0x8E, kNone,       V_VV,  0) \
  V(I16x8AddSatS,           "i16x8.add_sat_s",          0xFD, 0x8F, kNone,       V_VV,  0) \
  V(I16x8AddSatU,           "i16x8.add_sat_u",          0xFD, 0x90, kNone,       V_VV,  0) \
  V(I16x8Sub,               "i16x8.sub",                0xFD, 0x91, kNone,       V_VV,  0) \
  V(I16x8SubSatS,           "i16x8.sub_sat_s",          0xFD, 0x92, kNone,       V_VV,  0) \
  V(I16x8SubSatU,           "i16x8.sub_sat_u",          0xFD, 0x93, kNone,       V_VV,  0) \
  V(F64x2Nearest,           "f64x2.nearest",            0xFD, 0x94, kNone,       V_V,   0) \
  V(I16x8Mul,               "i16x8.mul",                0xFD, 0x95, kNone,       V_VV,  0) \
  V(I16x8MinS,              "i16x8.min_s",              0xFD, 0x96, kNone,       V_VV,  0) \
  V(I16x8MinU,              "i16x8.min_u",              0xFD, 0x97, kNone,       V_VV,  0) \
  V(I16x8MaxS,              "i16x8.max_s",              0xFD, 0x98, kNone,       V_VV,  0) \
  V(I16x8MaxU,              "i16x8.max_u",              0xFD, 0x99, kNone,       V_VV,  0) \
  V(I16x8AvgrU,             "i16x8.avgr_u",             0xFD, 0x9B, kNone,       V_VV,  0) \
  V(I16x8ExtmulLowI8x16S,   "i16x8.extmul_low_i8x16_s", 0xFD, 0x9C, kNone,       V_VV,  0) \
  V(I16x8ExtmulHighI8x16S,  "i16x8.extmul_high_i8x16_s", 0xFD, 0x9D, kNone,      V_VV,  0) \
  V(I16x8ExtmulLowI8x16U,   "i16x8.extmul_low_i8x16_u", 0xFD, 0x9E, kNone,       V_VV,  0) \
  V(I16x8ExtmulHighI8x16U,  "i16x8.extmul_high_i8x16_u", 0xFD, 0x9F, kNone,      V_VV,  0) \
  V(I32x4Abs,               "i32x4.abs",                0xFD, 0xA0, kNone,       V_V,   0) \
  V(I32x4Neg,               "i32x4.neg",                0xFD, 0xA1, kNone,       V_V,   0) \
  V(I32x4AllTrue,           "i32x4.all_true",           0xFD, 0xA3, kNone,       I_V,   0) \
  V(I32x4Bitmask,           "i32x4.bitmask",            0xFD, 0xA4, kNone,       I_V,   0) \
  V(I32x4ExtendLowI16x8S,   "i32x4.extend_low_i16x8_s", 0xFD, 0xA7, kNone,       V_V,   0) \
  V(I32x4ExtendHighI16x8S,  "i32x4.extend_high_i16x8_s", 0xFD, 0xA8, kNone,      V_V,   0) \
  V(I32x4ExtendLowI16x8U,   "i32x4.extend_low_i16x8_u", 0xFD, 0xA9, kNone,       V_V,   0) \
  V(I32x4ExtendHighI16x8U,  "i32x4.extend_high_i16x8_u", 0xFD, 0xAA, kNone,      V_V,   0) \
  V(I32x4Shl,               "i32x4.shl",                0xFD, 0xAB, kNone,       V_VI,  0) \
  V(I32x4ShrS,              "i32x4.shr_s",              0xFD, 0xAC, kNone,       V_VI,  0) \
  V(I32x4ShrU,              "i32x4.shr_u",              0xFD, 0xAD, kNone,       V_VI,  0) \
  V(I32x4Add,               "i32x4.add",                0xFD, 0xAE, kNone,       V_VV,  0) \
  V(I32x4Sub,               "i32x4.sub",                0xFD, 0xB1, kNone,       V_VV,  0) \
  V(I32x4Mul,               "i32x4.mul",                0xFD, 0xB5, kNone,       V_VV,  0) \
  V(I32x4MinS,              "i32x4.min_s",              0xFD, 0xB6, kNone,       V_VV,  0) \
  V(I32x4MinU,              "i32x4.min_u",              0xFD, 0xB7, kNone,       V_VV,  0) \
  V(I32x4MaxS,              "i32x4.max_s",              0xFD, 0xB8, kNone,       V_VV,  0) \
  V(I32x4MaxU,              "i32x4.max_u",              0xFD, 0xB9, kNone,       V_VV,  0) \
  V(I32x4DotI16x8S,         "i32x4.dot_i16x8_s",        0xFD, 0xBA, kNone,       V_VV,  0) \
  V(I32x4ExtmulLowI16x8S,   "i32x4.extmul_low_i16x8_s", 0xFD, 0xBC, kNone,       V_VV,  0) \
  V(I32x4ExtmulHighI16x8S,  "i32x4.extmul_high_i16x8_s", 0xFD, 0xBD, kNone,      V_VV,  0) \
  V(I32x4ExtmulLowI16x8U,   "i32x4.extmul_low_i16x8_u", 0xFD, 0xBE, kNone,       V_VV,  0) \
  V(I32x4ExtmulHighI16x8U,  "i32x4.extmul_high_i16x8_u", 0xFD, 0xBF, kNone,      V_VV,  0) \
  V(I64x2Abs,               "i64x2.abs",                0xFD, 0xC0, kNone,       V_V,   0) \
  V(I64x2Neg,               "i64x2.neg",                0xFD, 0xC1, kNone,       V_V,   0) \
  V(I64x2AllTrue,           "i64x2.all_true",           0xFD, 0xC3, kNone,       I_V,   0) \
  V(I64x2Bitmask,           "i64x2.bitmask",            0xFD, 0xC4, kNone,       I_V,   0) \
  V(I64x2ExtendLowI32x4S,   "i64x2.extend_low_i32x4_s", 0xFD, 0xC7, kNone,       V_V,   0) \
  V(I64x2ExtendHighI32x4S,  "i64x2.extend_high_i32x4_s", 0xFD, 0xC8, kNone,      V_V,   0) \
  V(I64x2ExtendLowI32x4U,   "i64x2.extend_low_i32x4_u", 0xFD, 0xC9, kNone,       V_V,   0) \
  V(I64x2ExtendHighI32x4U,  "i64x2.extend_high_i32x4_u", 0xFD, 0xCA, kNone,      V_V,   0) \
  V(I64x2Shl,               "i64x2.shl",                0xFD, 0xCB, kNone,       V_VI,  0) \
  V(I64x2ShrS,              "i64x2.shr_s",              0xFD, 0xCC, kNone,       V_VI,  0) \
  V(I64x2ShrU,              "i64x2.shr_u",              0xFD, 0xCD, kNone,       V_VI,  0) \
  V(I64x2Add,               "i64x2.add",                0xFD, 0xCE, kNone,       V_VV,  0) \
  V(I64x2Sub,               "i64x2.sub",                0xFD, 0xD1, kNone,       V_VV,  0) \
  V(I64x2Mul,               "i64x2.mul",                0xFD, 0xD5, kNone,       V_VV,  0) \
  V(I64x2Eq,                "i64x2.eq",                 0xFD, 0xD6, kNone,       V_VV,  0) \
  V(I64x2Ne,                "i64x2.ne",                 0xFD, 0xD7, kNone,       V_VV,  0) \
  V(I64x2LtS,               "i64x2.lt_s",               0xFD, 0xD8, kNone,       V_VV,  0) \
  V(I64x2GtS,               "i64x2.gt_s",               0xFD, 0xD9, kNone,       V_VV,  0) \
  V(I64x2LeS,               "i64x2.le_s",               0xFD, 0xDA, kNone,       V_VV,  0) \
  V(I64x2GeS,               "i64x2.ge_s",               0xFD, 0xDB, kNone,       V_VV,  0) \
  V(I64x2ExtmulLowI32x4S,   "i64x2.extmul_low_i32x4_s", 0xFD, 0xDC, kNone,       V_VV,  0) \
  V(I64x2ExtmulHighI32x4S,  "i64x2.extmul_high_i32x4_s", 0xFD, 0xDD, kNone,      V_VV,  0) \
  V(I64x2ExtmulLowI32x4U,   "i64x2.extmul_low_i32x4_u", 0xFD, 0xDE, kNone,       V_VV,  0) \
  V(I64x2ExtmulHighI32x4U,  "i64x2.extmul_high_i32x4_u", 0xFD, 0xDF, kNone,      V_VV,  0) \
  V(F32x4Abs,               "f32x4.abs",                0xFD, 0xE0, kNone,       V_V,   0) \
  V(F32x4Neg,               "f32x4.neg",                0xFD, 0xE1, kNone,       V_V,   0) \
  V(F32x4Sqrt,              "f32x4.sqrt",               0xFD, 0xE3, kNone,       V_V,   0) \
  V(F32x4Add,               "f32x4.add",                0xFD, 0xE4, kNone,       V_VV,  0) \
  V(F32x4Sub,               "f32x4.sub",                0xFD, 0xE5, kNone,       V_VV,  0) \
  V(F32x4Mul,               "f32x4.mul",                0xFD, 0xE6, kNone,       V_VV,  0) \
  V(F32x4Div,               "f32x4.div",                0xFD, 0xE7, kNone,       V_VV,  0) \
  V(F32x4Min,               "f32x4.min",                0xFD, 0xE8, kNone,       V_VV,  0) \
  V(F32x4Max,               "f32x4.max",                0xFD, 0xE9, kNone,       V_VV,  0) \
  V(F32x4Pmin,              "f32x4.pmin",               0xFD, 0xEA, kNone,       V_VV,  0) \
  V(F32x4Pmax,              "f32x4.pmax",               0xFD, 0xEB, kNone,       V_VV,  0) \
  V(F64x2Abs,               "f64x2.abs",                0xFD, 0xEC, kNone,       V_V,   0) \
  V(F64x2Neg,               "f64x2.neg",                0xFD, 0xED, kNone,       V_V,   0) \
  V(F64x2Sqrt,              "f64x2.sqrt",               0xFD, 0xEF, kNone,       V_V,   0) \
  V(F64x2Add,               "f64x2.add",                0xFD, 0xF0, kNone,       V_VV,  0) \
  V(F64x2Sub,               "f64x2.sub",                0xFD, 0xF1, kNone,       V_VV,  0) \
  V(F64x2Mul,               "f64x2.mul",                0xFD, 0xF2, kNone,       V_VV,  0) \
  V(F64x2Div,               "f64x2.div",                0xFD, 0xF3, kNone,       V_VV,  0) \
  V(F64x2Min,               "f64x2.min",                0xFD, 0xF4, kNone,       V_VV,  0) \
  V(F64x2Max,               "f64x2.max",                0xFD, 0xF5, kNone,       V_VV,  0) \
  V(F64x2Pmin,              "f64x2.pmin",               0xFD, 0xF6, kNone,       V_VV,  0) \
  V(F64x2Pmax,              "f64x2.pmax",               0xFD, 0xF7, kNone,       V_VV,  0) \
  V(I32x4TruncSatF32x4S,    "i32x4.trunc_sat_f32x4_s",  0xFD, 0xF8, kNone,       V_V,   0) \
  V(I32x4TruncSatF32x4U,    "i32x4.trunc_sat_f32x4_u",  0xFD, 0xF9, kNone,       V_V,   0) \
  V(F32x4ConvertI32x4S,     "f32x4.convert_i32x4_s",    0xFD, 0xFA, kNone,       V_V,   0) \
  V(F32x4ConvertI32x4U,     "f32x4.convert_i32x4_u",    0xFD, 0xFB, kNone,       V_V,   0) \
  V(I32x4TruncSatF64x2SZero, "i32x4.trunc_sat_f64x2_s_zero", 0xFD, 0xFC, kNone,   V_V,   0) \
  V(I32x4TruncSatF64x2UZero, "i32x4.trunc_sat_f64x2_u_zero", 0xFD, 0xFD, kNone,   V_V,   0) \
  V(F64x2ConvertLowI32x4S,  "f64x2.convert_low_i32x4_s", 0xFD, 0xFE, kNone,      V_V,   0) \
  V(F64x2ConvertLowI32x4U,  "f64x2.convert_low_i32x4_u", 0xFD, 0xFF, kNone,      V_V,   0)
// clang-format on

// An opcode's value is (prefix << 16) | code, so prefixed and plain opcodes
// never collide and the encoding can be recovered.
enum class Opcode : uint32_t {
#define KILN_OPCODE_ENUM(name, text, prefix, code, imm, sig, align) \
  k##name = (uint32_t{prefix} << 16) | (code),
  KILN_FOREACH_OPCODE(KILN_OPCODE_ENUM)
#undef KILN_OPCODE_ENUM
};

// Static facts about one opcode, from the table above.
struct OpcodeInfo {
  std::string_view text;
  ImmKind imm;
  OpSig sig;
  uint8_t natural_align_log2;
};

// nullptr when (prefix, code) names no 2.0 instruction.
const OpcodeInfo* LookupOpcode(uint8_t prefix, uint32_t code);
const OpcodeInfo& GetOpcodeInfo(Opcode op);
inline std::string_view OpcodeName(Opcode op) { return GetOpcodeInfo(op).text; }

}  // namespace kiln::wasm

#endif  // KILN_WASM_OPCODE_H_
