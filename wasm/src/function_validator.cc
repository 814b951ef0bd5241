// Validation of function bodies: the algorithm of the spec's validation
// appendix (an operand stack of value types with an "unknown" type for
// unreachable code, and a stack of control frames), fused with decoding so a
// body is read once.
#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "binary_reader.h"
#include "kiln/wasm/instruction.h"
#include "kiln/wasm/validator.h"
#include "validation_context.h"

namespace kiln::wasm::internal {
namespace {

// Operand types are ValType bytes; 0 stands for "unknown" (the bottom type
// that unreachable code produces), which matches anything.
using Type = uint8_t;
constexpr Type kUnknown = 0;
constexpr Type kI32 = static_cast<Type>(ValType::kI32);
constexpr Type kI64 = static_cast<Type>(ValType::kI64);
constexpr Type kF32 = static_cast<Type>(ValType::kF32);
constexpr Type kF64 = static_cast<Type>(ValType::kF64);
constexpr Type kV128 = static_cast<Type>(ValType::kV128);
constexpr Type kFuncRef = static_cast<Type>(ValType::kFuncRef);

// One-element type lists for block types written as a single value type;
// control frames point into this table, which never moves.
constexpr std::array<ValType, 256> kSingleTypes = [] {
  std::array<ValType, 256> table{};
  for (int i = 0; i < 256; ++i) table[i] = static_cast<ValType>(i);
  return table;
}();

bool IsNum(Type t) { return t == kI32 || t == kI64 || t == kF32 || t == kF64 || t == kUnknown; }
bool IsVec(Type t) { return t == kV128 || t == kUnknown; }
bool IsRef(Type t) {
  return t == kFuncRef || t == static_cast<Type>(ValType::kExternRef) || t == kUnknown;
}

std::string TypeName(Type t) {
  return t == kUnknown ? "<unknown>" : std::string(ValTypeName(static_cast<ValType>(t)));
}

// The fixed signatures of OpSig, as (params, result) with kUnknown = none.
struct FixedSig {
  Type params[3];
  uint8_t num_params;
  Type result;
  bool has_result;
};

constexpr FixedSig MakeSig(const char* text) {
  // RESULT_PARAMS, e.g. "I_II", "_IV".
  auto letter = [](char c) -> Type {
    switch (c) {
      case 'I':
        return kI32;
      case 'L':
        return kI64;
      case 'F':
        return kF32;
      case 'D':
        return kF64;
      case 'V':
        return kV128;
    }
    return kUnknown;
  };
  FixedSig sig{};
  if (text[0] == 'k') return sig;  // kSpecial: typed by hand
  int i = 0;
  if (text[0] != '_') {
    sig.result = letter(text[0]);
    sig.has_result = true;
    i = 1;
  }
  ++i;  // the underscore
  for (; text[i] != '\0'; ++i) sig.params[sig.num_params++] = letter(text[i]);
  return sig;
}

constexpr FixedSig kFixedSigs[] = {
#define KILN_FIXED_SIG(name) MakeSig(#name),
    KILN_FOREACH_OPSIG(KILN_FIXED_SIG)
#undef KILN_FIXED_SIG
};

// How FastStep handles each single-byte opcode: one dispatch decodes the
// immediate inline and, for the hottest shapes, checks types inline too.
enum class FastClass : uint8_t {
  kGeneral,      // InstructionReader + Step (prefixed and rare opcodes)
  kFixed,        // no immediate, fixed signature: checked inline
  kNoImmediate,  // no immediate, typed by StepSpecial (end, else, drop, select, ...)
  kIndex,        // one u32 LEB128 immediate, typed by StepSpecial (br, call, ...)
  kLocalGet,
  kLocalSet,
  kLocalTee,
  kBlockType,  // block/loop/if with an empty or single-value block type
  kI32Const,
  kI64Const,
  kF32Const,
  kF64Const,
  kMemAccess,  // loads and stores: memarg, then a fixed signature
  // Control instructions whose common case is checked inline.
  kEnd,
  kElse,
  kDrop,
  kBrIf,
  kCall,
  kCount,  // the number of classes (FastRun's handler table)
};

struct FastEntry {
  FastClass cls = FastClass::kGeneral;
  const OpcodeInfo* info = nullptr;
};

const std::array<FastEntry, 256> kFastTable = [] {
  std::array<FastEntry, 256> table{};
  for (int op = 0; op < 256; ++op) {
    const OpcodeInfo* info = LookupOpcode(0, op);
    if (info == nullptr) continue;
    FastEntry& e = table[op];
    e.info = info;
    switch (info->imm) {
      case ImmKind::kNone:
        e.cls = info->sig != OpSig::kSpecial ? FastClass::kFixed : FastClass::kNoImmediate;
        break;
      case ImmKind::kLabel:
      case ImmKind::kFunc:
      case ImmKind::kGlobal:
      case ImmKind::kTable:
        e.cls = FastClass::kIndex;
        break;
      case ImmKind::kLocal:
        e.cls = op == 0x20   ? FastClass::kLocalGet
                : op == 0x21 ? FastClass::kLocalSet
                             : FastClass::kLocalTee;
        break;
      case ImmKind::kBlockType:
        e.cls = FastClass::kBlockType;
        break;
      case ImmKind::kI32:
        e.cls = FastClass::kI32Const;
        break;
      case ImmKind::kI64:
        e.cls = FastClass::kI64Const;
        break;
      case ImmKind::kF32:
        e.cls = FastClass::kF32Const;
        break;
      case ImmKind::kF64:
        e.cls = FastClass::kF64Const;
        break;
      case ImmKind::kMemArg:
        e.cls = FastClass::kMemAccess;
        break;
      default:
        break;
    }
  }
  table[static_cast<uint8_t>(Opcode::kEnd)].cls = FastClass::kEnd;
  table[static_cast<uint8_t>(Opcode::kElse)].cls = FastClass::kElse;
  table[static_cast<uint8_t>(Opcode::kDrop)].cls = FastClass::kDrop;
  table[static_cast<uint8_t>(Opcode::kBrIf)].cls = FastClass::kBrIf;
  table[static_cast<uint8_t>(Opcode::kCall)].cls = FastClass::kCall;
  return table;
}();

enum class FrameKind : uint8_t { kFunction, kBlock, kLoop, kIf, kElse };

struct Frame {
  FrameKind kind;
  bool unreachable;
  uint32_t height;  // operand stack height at entry
  const ValType* params;
  uint32_t num_params;
  const ValType* results;
  uint32_t num_results;

  // The types a branch to this frame carries.
  const ValType* label_types() const { return kind == FrameKind::kLoop ? params : results; }
  uint32_t num_label_types() const { return kind == FrameKind::kLoop ? num_params : num_results; }
};

}  // namespace

struct FunctionValidator::Impl {
  explicit Impl(const ValidationContext& c) : ctx(c), module(c.module) {}

  const ValidationContext& ctx;
  const Module& module;
  uint32_t function_index = 0;
  std::vector<Type> locals;
  std::vector<Type> stack;
  std::vector<Frame> frames;
  std::vector<Type> scratch;  // br_table's popped label types
  absl::Status error;

  absl::Status Validate(uint32_t defined_index);

  // --- errors -------------------------------------------------------------
  bool Fail(ErrorKind kind, size_t offset, std::string_view message) {
    if (error.ok()) error = MakeWasmError(kind, offset, message, function_index);
    return false;
  }
  bool Invalid(size_t offset, std::string_view message) {
    return Fail(ErrorKind::kInvalid, offset, message);
  }
  bool Mismatch(size_t offset, Type expected, Type actual, bool empty) {
    return Invalid(offset, empty ? absl::StrCat("type mismatch: expected ", TypeName(expected),
                                                " but the stack is empty")
                                 : absl::StrCat("type mismatch: expected ", TypeName(expected),
                                                " but got ", TypeName(actual)));
  }

  // --- operand stack ------------------------------------------------------
  void Push(Type t) { stack.push_back(t); }
  void PushTypes(const ValType* types, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) stack.push_back(static_cast<Type>(types[i]));
  }

  // Pops one operand into *actual, which must match `expected` (kUnknown:
  // anything).
  bool Pop(size_t at, Type expected, Type* actual = nullptr) {
    const Frame& f = frames.back();
    if (stack.size() == f.height) {
      if (f.unreachable) {
        if (actual) *actual = kUnknown;
        return true;
      }
      return Mismatch(at, expected, kUnknown, true);
    }
    const Type t = stack.back();
    stack.pop_back();
    if (t != expected && t != kUnknown && expected != kUnknown) {
      return Mismatch(at, expected, t, false);
    }
    if (actual) *actual = t;
    return true;
  }
  bool PopTypes(size_t at, const ValType* types, uint32_t n) {
    for (uint32_t i = n; i-- > 0;) {
      if (!Pop(at, static_cast<Type>(types[i]))) return false;
    }
    return true;
  }

  void PushFrame(FrameKind kind, const ValType* params, uint32_t num_params, const ValType* results,
                 uint32_t num_results) {
    frames.push_back({kind, false, static_cast<uint32_t>(stack.size()), params, num_params, results,
                      num_results});
    PushTypes(params, num_params);
  }

  // Checks the frame's results are exactly what is on the stack, then pops it.
  bool PopFrame(size_t at, Frame* out) {
    const Frame& f = frames.back();
    if (!PopTypes(at, f.results, f.num_results)) return false;
    if (stack.size() != f.height) {
      return Invalid(at, absl::StrCat("type mismatch: ", stack.size() - f.height,
                                      " extra value(s) left at the end of the block"));
    }
    *out = f;
    frames.pop_back();
    return true;
  }

  void SetUnreachable() {
    Frame& f = frames.back();
    stack.resize(f.height);
    f.unreachable = true;
  }

  // --- immediates ---------------------------------------------------------
  bool ResolveBlockType(const Instruction& in, const ValType** params, uint32_t* np,
                        const ValType** results, uint32_t* nr) {
    switch (in.block.kind) {
      case BlockType::Kind::kEmpty:
        *params = *results = nullptr;
        *np = *nr = 0;
        return true;
      case BlockType::Kind::kValue:
        *params = nullptr;
        *np = 0;
        *results = &kSingleTypes[static_cast<uint8_t>(in.block.value)];
        *nr = 1;
        return true;
      case BlockType::Kind::kTypeIndex: {
        if (in.block.type_index >= module.types.size()) {
          return Invalid(in.offset, absl::StrCat("unknown type ", in.block.type_index));
        }
        const FuncType& ft = module.types[in.block.type_index];
        *params = ft.params.data();
        *np = static_cast<uint32_t>(ft.params.size());
        *results = ft.results.data();
        *nr = static_cast<uint32_t>(ft.results.size());
        return true;
      }
    }
    return false;
  }

  bool CheckLabel(const Instruction& in, uint32_t depth) {
    if (depth >= frames.size()) return Invalid(in.offset, absl::StrCat("unknown label ", depth));
    return true;
  }
  const Frame& LabelFrame(uint32_t depth) const { return frames[frames.size() - 1 - depth]; }

  bool CheckMemory(const Instruction& in, uint32_t index) {
    if (index >= module.memories.size()) {
      return Invalid(in.offset, absl::StrCat("unknown memory ", index));
    }
    return true;
  }
  bool CheckTable(const Instruction& in, uint32_t index) {
    if (index >= module.tables.size()) {
      return Invalid(in.offset, absl::StrCat("unknown table ", index));
    }
    return true;
  }
  bool CheckMemArg(const Instruction& in) {
    if (!CheckMemory(in, in.memarg.memory)) return false;
    if (in.memarg.align_log2 > in.info->natural_align_log2) {
      return Invalid(in.offset, "alignment must not be larger than natural");
    }
    return true;
  }
  bool CheckLane(const Instruction& in, uint32_t lanes) {
    if (in.lane >= lanes) return Invalid(in.offset, absl::StrCat("invalid lane index ", in.lane));
    return true;
  }
  bool CheckDataCount(const Instruction& in, uint32_t index) {
    if (!module.data_count.has_value()) {
      return Fail(ErrorKind::kMalformed, in.offset,
                  absl::StrCat("unknown data segment ", index, ": data count section required"));
    }
    if (index >= *module.data_count) {
      return Invalid(in.offset, absl::StrCat("unknown data segment ", index));
    }
    return true;
  }
  bool CheckElem(const Instruction& in, uint32_t index) {
    if (index >= module.elements.size()) {
      return Invalid(in.offset, absl::StrCat("unknown elem segment ", index));
    }
    return true;
  }

  bool DecodeLocals(const FunctionBody& body, size_t* code_begin);
  enum class FastResult : uint8_t { kDone, kFailed, kGeneral };
  FastResult FastRun(const uint8_t* data, size_t* pos, size_t end, Instruction* in);

  // Pops `n` operands of exactly `params` when they are plainly there
  // (no unknown types, no underflow); otherwise leaves the stack alone and
  // returns false so the general path can decide, and report errors.
  bool FastPop(const Type* params, int n) {
    const size_t size = stack.size();
    if (size < frames.back().height + static_cast<size_t>(n) || !TopIs(params, n)) return false;
    stack.resize(size - n);
    return true;
  }
  // The top n operands are exactly `types` (caller checked there are n).
  bool TopIs(const Type* types, size_t n) const {
    const Type* top = stack.data() + stack.size() - n;
    switch (n) {  // the usual arities without a loop
      case 0:
        return true;
      case 1:
        return top[0] == types[0];
      case 2:
        return top[0] == types[0] && top[1] == types[1];
      default:
        for (size_t i = 0; i < n; ++i) {
          if (top[i] != types[i]) return false;
        }
        return true;
    }
  }
  absl::Status ScanFormat(uint32_t defined_index);

  // The body's declared size ran out before the END that closes it. (The
  // spec suite words this three ways depending on what follows the body;
  // the message states all three facts.)
  absl::Status TrailingCode(size_t offset) const {
    return MakeWasmError(ErrorKind::kMalformed, offset,
                         "section size mismatch: bytes after the END of the function",
                         function_index);
  }
  absl::Status MissingEnd(size_t offset) const {
    return MakeWasmError(ErrorKind::kMalformed, offset,
                         "END opcode expected: unexpected end of section or function "
                         "(section size mismatch with the function body)",
                         function_index);
  }
  bool Step(const Instruction& in);
  bool StepSpecial(const Instruction& in);
};

FunctionValidator::FunctionValidator(const ValidationContext& context) : impl_(new Impl(context)) {}
FunctionValidator::~FunctionValidator() { delete impl_; }
absl::Status FunctionValidator::Validate(uint32_t defined_index) {
  return impl_->Validate(defined_index);
}
absl::Status FunctionValidator::ScanFormat(uint32_t defined_index) {
  return impl_->ScanFormat(defined_index);
}

absl::Status FunctionValidator::Impl::ScanFormat(uint32_t defined_index) {
  const FunctionBody& body = module.bodies[defined_index];
  function_index = module.num_imported_functions + defined_index;
  error = absl::OkStatus();
  const size_t body_end = body.offset + body.bytes.size();
  std::span<const uint8_t> module_bytes(body.bytes.data() - body.offset, body_end);
  size_t code_begin = 0;
  if (!DecodeLocals(body, &code_begin)) return error;
  InstructionReader reader(module_bytes, code_begin, body_end, ctx.limits.max_br_table_targets);
  reader.set_function_index(function_index);
  Instruction in;
  for (size_t depth = 1; depth > 0;) {
    if (reader.AtEnd()) return MissingEnd(reader.offset());
    if (absl::Status s = reader.Next(&in); !s.ok()) return s;
    switch (in.opcode) {
      case Opcode::kBlock:
      case Opcode::kLoop:
      case Opcode::kIf:
        ++depth;
        break;
      case Opcode::kEnd:
        --depth;
        break;
      default:
        break;
    }
  }
  if (!reader.AtEnd()) return TrailingCode(reader.offset());
  return absl::OkStatus();
}

bool FunctionValidator::Impl::DecodeLocals(const FunctionBody& body, size_t* code_begin) {
  const size_t body_end = body.offset + body.bytes.size();
  BinaryReader r(std::span<const uint8_t>(body.bytes.data() - body.offset, body_end), body.offset,
                 body_end);
  r.set_function_index(function_index);
  locals.clear();
  // ScanFormat runs on modules that failed validation, where the type index
  // may be unknown; the parameters then simply do not count.
  const uint32_t type_index = module.function_type_indices[function_index];
  if (type_index < module.types.size()) {
    for (ValType t : module.types[type_index].params) locals.push_back(static_cast<Type>(t));
  }
  uint32_t groups;
  if (!r.ReadU32(&groups)) {
    error = r.status();
    return false;
  }
  uint64_t total = locals.size();
  for (uint32_t g = 0; g < groups; ++g) {
    const size_t at = r.pos();
    uint32_t n;
    uint8_t byte;
    if (!r.ReadU32(&n)) {
      error = r.status();
      return false;
    }
    total += n;
    if (total > ctx.limits.max_locals) {
      return Fail(total > UINT32_MAX ? ErrorKind::kMalformed : ErrorKind::kLimit, at,
                  absl::StrCat("too many locals: more than ", ctx.limits.max_locals));
    }
    if (!r.ReadByte(&byte)) {
      error = r.status();
      return false;
    }
    if (!IsValTypeByte(byte))
      return Fail(ErrorKind::kMalformed, r.pos() - 1, "malformed value type");
    locals.insert(locals.end(), n, byte);
  }
  *code_begin = r.pos();
  return true;
}

// FastRun dispatches with computed goto (GNU C, in GCC and Clang), which
// ISO C++ lacks.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
// Runs single-byte opcodes, each decoded with one dispatch on the opcode
// byte, until the function's last `end` (kDone), an error (kFailed), or an
// instruction the fast decoder does not take (kGeneral: prefixes, rare
// immediates, malformed bytes), which the general path then re-reads from
// *pos and reports on. The hottest shapes are type-checked inline when their
// operands are plainly there; the rest go to Step with the decoded
// instruction. Looping here keeps the cursor in registers.
FunctionValidator::Impl::FastResult FunctionValidator::Impl::FastRun(const uint8_t* data,
                                                                     size_t* pos, size_t end,
                                                                     Instruction* in) {
  size_t p = *pos;   // the instruction being validated
  size_t q = p + 1;  // the cursor within it
  const FastEntry* entry = nullptr;
  auto read_u32 = [&](uint32_t* out) {
    if (q < end && data[q] < 0x80) {  // most indices fit in one byte
      *out = data[q++];
      return true;
    }
    uint64_t value;
    if (ReadVarUnsigned<32>(data, q, end, &value) != LebError::kOk) return false;
    *out = static_cast<uint32_t>(value);
    return true;
  };
  // One handler per FastClass, in the enum's order.
  static const void* const kHandlers[] = {
      &&L_kGeneral,   &&L_kFixed,     &&L_kNoImmediate, &&L_kIndex,    &&L_kLocalGet, &&L_kLocalSet,
      &&L_kLocalTee,  &&L_kBlockType, &&L_kI32Const,    &&L_kI64Const, &&L_kF32Const, &&L_kF64Const,
      &&L_kMemAccess, &&L_kEnd,       &&L_kElse,        &&L_kDrop,     &&L_kBrIf,     &&L_kCall};
  static_assert(std::size(kHandlers) == static_cast<size_t>(FastClass::kCount));
  // Each handler ends by dispatching the next instruction itself, so every
  // handler has its own indirect jump for the branch predictor to learn.
#define KILN_DISPATCH()                                \
  do {                                                 \
    if (p >= end) goto leave;                          \
    entry = &kFastTable[data[p]];                      \
    q = p + 1;                                         \
    goto* kHandlers[static_cast<uint8_t>(entry->cls)]; \
  } while (0)
  KILN_DISPATCH();

L_kGeneral:
  goto leave;
L_kFixed : {
  const FixedSig& fs = kFixedSigs[static_cast<uint8_t>(entry->info->sig)];
  if (!FastPop(fs.params, fs.num_params)) goto check_decoded;
  Push(fs.result);  // every immediate-free fixed signature has a result
  p = q;
  KILN_DISPATCH();
}
L_kNoImmediate:
  goto check_decoded;
L_kIndex:
  if (!read_u32(&in->index)) goto leave;
  goto check_decoded;
L_kLocalGet:
L_kLocalSet:
L_kLocalTee : {
  uint32_t index;
  if (!read_u32(&index)) goto leave;
  in->index = index;
  if (index >= locals.size()) goto check_decoded;
  if (entry->cls == FastClass::kLocalGet) {
    Push(locals[index]);
  } else {
    if (!FastPop(&locals[index], 1)) goto check_decoded;
    if (entry->cls == FastClass::kLocalTee) Push(locals[index]);
  }
  p = q;
  KILN_DISPATCH();
}
L_kBlockType : {
  if (q >= end) goto leave;
  const uint8_t b = data[q];
  if (b == 0x40) {
    in->block.kind = BlockType::Kind::kEmpty;
  } else if (IsValTypeByte(b)) {
    in->block.kind = BlockType::Kind::kValue;
    in->block.value = static_cast<ValType>(b);
  } else {
    goto leave;  // a type index: the general path
  }
  ++q;
  // No parameters: only `if` pops (its condition).
  const Opcode op = static_cast<Opcode>(data[p]);
  if (frames.size() >= ctx.limits.max_nesting_depth || (op == Opcode::kIf && !FastPop(&kI32, 1))) {
    goto check_decoded;
  }
  const FrameKind kind = op == Opcode::kBlock  ? FrameKind::kBlock
                         : op == Opcode::kLoop ? FrameKind::kLoop
                                               : FrameKind::kIf;
  const bool has_result = in->block.kind == BlockType::Kind::kValue;
  PushFrame(kind, nullptr, 0, has_result ? &kSingleTypes[b] : nullptr, has_result ? 1 : 0);
  p = q;
  KILN_DISPATCH();
}
L_kEnd:
L_kElse : {
  // The frame's results are exactly what is above its height.
  const Frame& f = frames.back();
  const bool is_if = f.kind == FrameKind::kIf;
  if ((entry->cls == FastClass::kElse && !is_if) ||
      (entry->cls == FastClass::kEnd && is_if && f.num_params + f.num_results != 0) ||
      stack.size() != f.height + f.num_results ||
      !TopIs(reinterpret_cast<const Type*>(f.results), f.num_results)) {
    goto check_decoded;
  }
  if (entry->cls == FastClass::kElse) {
    Frame& g = frames.back();
    g.kind = FrameKind::kElse;
    g.unreachable = false;
    stack.resize(g.height);
    PushTypes(g.params, g.num_params);
  } else {
    frames.pop_back();  // its results stay on the stack for the parent
  }
  p = q;
  if (frames.empty()) goto leave;  // the function's own end
  KILN_DISPATCH();
}
L_kDrop:
  if (stack.size() <= frames.back().height) goto check_decoded;
  stack.pop_back();
  p = q;
  KILN_DISPATCH();
L_kBrIf : {
  if (!read_u32(&in->index)) goto leave;
  if (in->index >= frames.size() || !FastPop(&kI32, 1)) goto check_decoded;
  const Frame& target = LabelFrame(in->index);
  const uint32_t n = target.num_label_types();
  if (stack.size() < frames.back().height + n ||
      !TopIs(reinterpret_cast<const Type*>(target.label_types()), n)) {
    Push(kI32);  // undo, and let the general check report it
    goto check_decoded;
  }
  p = q;
  KILN_DISPATCH();
}
L_kCall : {
  if (!read_u32(&in->index)) goto leave;
  if (in->index >= module.num_functions()) goto check_decoded;
  const FuncType& ft = module.function_type(in->index);
  if (!FastPop(reinterpret_cast<const Type*>(ft.params.data()),
               static_cast<int>(ft.params.size()))) {
    goto check_decoded;
  }
  PushTypes(ft.results.data(), static_cast<uint32_t>(ft.results.size()));
  p = q;
  KILN_DISPATCH();
}
L_kI32Const : {
  int64_t value;
  if (q < end && data[q] < 0x80) {
    ++q;
  } else if (ReadVarSigned<32>(data, q, end, &value) != LebError::kOk) {
    goto leave;
  }
  Push(kI32);
  p = q;
  KILN_DISPATCH();
}
L_kI64Const : {
  int64_t value;
  if (ReadVarSigned<64>(data, q, end, &value) != LebError::kOk) goto leave;
  Push(kI64);
  p = q;
  KILN_DISPATCH();
}
L_kF32Const:
L_kF64Const : {
  const size_t size = entry->cls == FastClass::kF32Const ? 4 : 8;
  if (end - q < size) goto leave;
  Push(entry->cls == FastClass::kF32Const ? kF32 : kF64);
  p = q + size;
  KILN_DISPATCH();
}
L_kMemAccess : {
  uint32_t align, offset;
  // Flags with a memory index (bit 6) or beyond: the general reader.
  if (!read_u32(&align) || align >= 0x40 || !read_u32(&offset)) goto leave;
  in->memarg = MemArg{align, offset, 0};
  const FixedSig& fs = kFixedSigs[static_cast<uint8_t>(entry->info->sig)];
  if (module.memories.empty() || align > entry->info->natural_align_log2 ||
      !FastPop(fs.params, fs.num_params)) {
    goto check_decoded;
  }
  if (fs.has_result) Push(fs.result);
  p = q;
  KILN_DISPATCH();
}
check_decoded:
  // Decoded here, but not the plain case: the general checker types it
  // (and reports any error).
  in->opcode = static_cast<Opcode>(data[p]);
  in->info = entry->info;
  in->offset = p;
  if (!Step(*in)) return FastResult::kFailed;
  p = q;
  if (frames.empty()) goto leave;  // it was the function's end
  KILN_DISPATCH();

leave:
#undef KILN_DISPATCH
  *pos = p;
  return frames.empty() ? FastResult::kDone : FastResult::kGeneral;
}
#pragma GCC diagnostic pop

absl::Status FunctionValidator::Impl::Validate(uint32_t defined_index) {
  const FunctionBody& body = module.bodies[defined_index];
  function_index = module.num_imported_functions + defined_index;
  error = absl::OkStatus();
  stack.clear();
  frames.clear();

  const uint32_t type_index = module.function_type_indices[function_index];
  if (type_index >= module.types.size()) {
    return MakeWasmError(ErrorKind::kInvalid, body.offset,
                         absl::StrCat("unknown type ", type_index), function_index);
  }
  const size_t body_end = body.offset + body.bytes.size();
  std::span<const uint8_t> module_bytes(body.bytes.data() - body.offset, body_end);
  size_t code_begin = 0;
  if (!DecodeLocals(body, &code_begin)) return error;
  InstructionReader reader(module_bytes, code_begin, body_end, ctx.limits.max_br_table_targets);
  reader.set_function_index(function_index);

  const FuncType& type = module.types[type_index];
  frames.push_back({FrameKind::kFunction, false, 0, nullptr, 0, type.results.data(),
                    static_cast<uint32_t>(type.results.size())});
  const uint8_t* data = module_bytes.data();
  size_t pos = code_begin;
  Instruction in;
  while (!frames.empty()) {
    const FastResult fast = FastRun(data, &pos, body_end, &in);
    if (fast == FastResult::kDone) break;
    if (fast == FastResult::kFailed) return error;
    if (pos >= body_end) return MissingEnd(pos);
    reader.Seek(pos);
    if (absl::Status s = reader.Next(&in); !s.ok()) return s;
    if (!Step(in)) return error;
    pos = reader.offset();
  }
  if (pos != body_end) return TrailingCode(pos);
  return absl::OkStatus();
}

bool FunctionValidator::Impl::Step(const Instruction& in) {
  const OpSig sig = in.info->sig;
  if (sig == OpSig::kSpecial) return StepSpecial(in);
  // Fixed signature: immediates first (memory, alignment, lanes), then types.
  switch (in.info->imm) {
    case ImmKind::kMemArg:
      if (!CheckMemArg(in)) return false;
      break;
    case ImmKind::kMemArgLane:
      if (!CheckMemArg(in) || !CheckLane(in, 16u >> in.info->natural_align_log2)) return false;
      break;
    case ImmKind::kLane:
      if (!CheckLane(in, 16u >> in.info->natural_align_log2)) return false;
      break;
    case ImmKind::kShuffle:
      for (uint8_t lane : in.v128) {
        if (lane >= 32) return Invalid(in.offset, absl::StrCat("invalid lane index ", lane));
      }
      break;
    default:
      break;
  }
  const FixedSig& fs = kFixedSigs[static_cast<uint8_t>(sig)];
  for (int i = fs.num_params; i-- > 0;) {
    if (!Pop(in.offset, fs.params[i])) return false;
  }
  if (fs.has_result) Push(fs.result);
  return true;
}

bool FunctionValidator::Impl::StepSpecial(const Instruction& in) {
  const size_t at = in.offset;
  switch (in.opcode) {
    case Opcode::kUnreachable:
      SetUnreachable();
      return true;
    case Opcode::kNop:
      return true;
    case Opcode::kBlock:
    case Opcode::kLoop:
    case Opcode::kIf: {
      const ValType* params = nullptr;
      const ValType* results = nullptr;
      uint32_t np = 0, nr = 0;
      if (!ResolveBlockType(in, &params, &np, &results, &nr)) return false;
      if (in.opcode == Opcode::kIf && !Pop(at, kI32)) return false;
      if (!PopTypes(at, params, np)) return false;
      if (frames.size() >= ctx.limits.max_nesting_depth) {
        return Fail(ErrorKind::kLimit, at,
                    absl::StrCat("blocks nested deeper than ", ctx.limits.max_nesting_depth));
      }
      const FrameKind kind = in.opcode == Opcode::kBlock  ? FrameKind::kBlock
                             : in.opcode == Opcode::kLoop ? FrameKind::kLoop
                                                          : FrameKind::kIf;
      PushFrame(kind, params, np, results, nr);
      return true;
    }
    case Opcode::kElse: {
      if (frames.back().kind != FrameKind::kIf) {
        return Fail(ErrorKind::kMalformed, at, "else without a matching if");
      }
      Frame f;
      if (!PopFrame(at, &f)) return false;
      PushFrame(FrameKind::kElse, f.params, f.num_params, f.results, f.num_results);
      return true;
    }
    case Opcode::kEnd: {
      Frame f;
      if (!PopFrame(at, &f)) return false;
      if (f.kind == FrameKind::kIf) {
        // An if without else: the missing else must turn params into results.
        bool same = f.num_params == f.num_results;
        for (uint32_t i = 0; same && i < f.num_params; ++i) same = f.params[i] == f.results[i];
        if (!same) return Invalid(at, "type mismatch: if without else must leave its parameters");
      }
      if (!frames.empty()) PushTypes(f.results, f.num_results);
      return true;
    }
    case Opcode::kBr: {
      if (!CheckLabel(in, in.index)) return false;
      const Frame& target = LabelFrame(in.index);
      if (!PopTypes(at, target.label_types(), target.num_label_types())) return false;
      SetUnreachable();
      return true;
    }
    case Opcode::kBrIf: {
      if (!CheckLabel(in, in.index) || !Pop(at, kI32)) return false;
      const Frame& target = LabelFrame(in.index);
      if (!PopTypes(at, target.label_types(), target.num_label_types())) return false;
      PushTypes(target.label_types(), target.num_label_types());
      return true;
    }
    case Opcode::kBrTable: {
      if (!Pop(at, kI32) || !CheckLabel(in, in.br_default)) return false;
      const uint32_t arity = LabelFrame(in.br_default).num_label_types();
      for (uint32_t depth : in.br_targets) {
        if (!CheckLabel(in, depth)) return false;
        const Frame& target = LabelFrame(depth);
        if (target.num_label_types() != arity) {
          return Invalid(at, "type mismatch: br_table targets have different arities");
        }
        // Pop the label's types and push back what was popped, so each
        // target is checked against the same stack.
        scratch.resize(arity);
        const ValType* types = target.label_types();
        for (uint32_t i = arity; i-- > 0;) {
          if (!Pop(at, static_cast<Type>(types[i]), &scratch[i])) return false;
        }
        for (uint32_t i = 0; i < arity; ++i) Push(scratch[i]);
      }
      const Frame& def = LabelFrame(in.br_default);
      if (!PopTypes(at, def.label_types(), arity)) return false;
      SetUnreachable();
      return true;
    }
    case Opcode::kReturn: {
      const Frame& fn = frames.front();
      if (!PopTypes(at, fn.results, fn.num_results)) return false;
      SetUnreachable();
      return true;
    }
    case Opcode::kCall: {
      if (in.index >= module.num_functions()) {
        return Invalid(at, absl::StrCat("unknown function ", in.index));
      }
      const FuncType& ft = module.function_type(in.index);
      if (!PopTypes(at, ft.params.data(), static_cast<uint32_t>(ft.params.size()))) return false;
      PushTypes(ft.results.data(), static_cast<uint32_t>(ft.results.size()));
      return true;
    }
    case Opcode::kCallIndirect: {
      if (!CheckTable(in, in.index2)) return false;
      if (module.tables[in.index2].element != ValType::kFuncRef) {
        return Invalid(at, "type mismatch: call_indirect needs a funcref table");
      }
      if (in.index >= module.types.size()) {
        return Invalid(at, absl::StrCat("unknown type ", in.index));
      }
      const FuncType& ft = module.types[in.index];
      if (!Pop(at, kI32)) return false;
      if (!PopTypes(at, ft.params.data(), static_cast<uint32_t>(ft.params.size()))) return false;
      PushTypes(ft.results.data(), static_cast<uint32_t>(ft.results.size()));
      return true;
    }
    case Opcode::kDrop:
      return Pop(at, kUnknown);
    case Opcode::kSelect: {
      Type t1 = kUnknown, t2 = kUnknown;
      if (!Pop(at, kI32) || !Pop(at, kUnknown, &t1) || !Pop(at, kUnknown, &t2)) return false;
      if (!((IsNum(t1) && IsNum(t2)) || (IsVec(t1) && IsVec(t2)))) {
        return Invalid(at, "type mismatch: select without a type needs numeric or vector operands");
      }
      if (t1 != t2 && t1 != kUnknown && t2 != kUnknown) {
        return Mismatch(at, t1, t2, false);
      }
      Push(t1 == kUnknown ? t2 : t1);
      return true;
    }
    case Opcode::kSelectT: {
      if (in.select_type_count != 1) return Invalid(at, "invalid result arity");
      const Type t = static_cast<Type>(in.value_type);
      if (!Pop(at, kI32) || !Pop(at, t) || !Pop(at, t)) return false;
      Push(t);
      return true;
    }
    case Opcode::kLocalGet:
    case Opcode::kLocalSet:
    case Opcode::kLocalTee: {
      if (in.index >= locals.size()) return Invalid(at, absl::StrCat("unknown local ", in.index));
      const Type t = locals[in.index];
      if (in.opcode == Opcode::kLocalGet) {
        Push(t);
        return true;
      }
      if (!Pop(at, t)) return false;
      if (in.opcode == Opcode::kLocalTee) Push(t);
      return true;
    }
    case Opcode::kGlobalGet:
    case Opcode::kGlobalSet: {
      if (in.index >= module.globals.size()) {
        return Invalid(at, absl::StrCat("unknown global ", in.index));
      }
      const GlobalType& g = module.globals[in.index];
      if (in.opcode == Opcode::kGlobalGet) {
        Push(static_cast<Type>(g.type));
        return true;
      }
      if (!g.is_mutable) {
        return Invalid(at, absl::StrCat("global is immutable: global.set of immutable global ", in.index));
      }
      return Pop(at, static_cast<Type>(g.type));
    }
    case Opcode::kTableGet:
    case Opcode::kTableSet:
    case Opcode::kTableSize:
    case Opcode::kTableGrow:
    case Opcode::kTableFill: {
      if (!CheckTable(in, in.index)) return false;
      const Type elem = static_cast<Type>(module.tables[in.index].element);
      switch (in.opcode) {
        case Opcode::kTableGet:
          if (!Pop(at, kI32)) return false;
          Push(elem);
          return true;
        case Opcode::kTableSet:
          return Pop(at, elem) && Pop(at, kI32);
        case Opcode::kTableSize:
          Push(kI32);
          return true;
        case Opcode::kTableGrow:
          if (!Pop(at, kI32) || !Pop(at, elem)) return false;
          Push(kI32);
          return true;
        default:  // table.fill
          return Pop(at, kI32) && Pop(at, elem) && Pop(at, kI32);
      }
    }
    case Opcode::kTableCopy: {
      if (!CheckTable(in, in.index) || !CheckTable(in, in.index2)) return false;
      if (module.tables[in.index].element != module.tables[in.index2].element) {
        return Invalid(at, "type mismatch: table.copy between tables of different types");
      }
      return Pop(at, kI32) && Pop(at, kI32) && Pop(at, kI32);
    }
    case Opcode::kTableInit: {
      if (!CheckTable(in, in.index2) || !CheckElem(in, in.index)) return false;
      if (module.elements[in.index].type != module.tables[in.index2].element) {
        return Invalid(at, "type mismatch: table.init of a segment of another type");
      }
      return Pop(at, kI32) && Pop(at, kI32) && Pop(at, kI32);
    }
    case Opcode::kElemDrop:
      return CheckElem(in, in.index);
    case Opcode::kMemorySize:
      if (!CheckMemory(in, in.index)) return false;
      Push(kI32);
      return true;
    case Opcode::kMemoryGrow:
      if (!CheckMemory(in, in.index) || !Pop(at, kI32)) return false;
      Push(kI32);
      return true;
    case Opcode::kMemoryFill:
    case Opcode::kMemoryCopy:
      if (!CheckMemory(in, in.index)) return false;
      return Pop(at, kI32) && Pop(at, kI32) && Pop(at, kI32);
    case Opcode::kMemoryInit:
      if (!CheckMemory(in, in.index2) || !CheckDataCount(in, in.index)) return false;
      return Pop(at, kI32) && Pop(at, kI32) && Pop(at, kI32);
    case Opcode::kDataDrop:
      return CheckDataCount(in, in.index);
    case Opcode::kRefNull:
      Push(static_cast<Type>(in.value_type));
      return true;
    case Opcode::kRefIsNull: {
      Type t = kUnknown;
      if (!Pop(at, kUnknown, &t)) return false;
      if (!IsRef(t)) {
        return Invalid(at,
                       absl::StrCat("type mismatch: expected a reference but got ", TypeName(t)));
      }
      Push(kI32);
      return true;
    }
    case Opcode::kRefFunc:
      if (in.index >= module.num_functions()) {
        return Invalid(at, absl::StrCat("unknown function ", in.index));
      }
      if (!ctx.declared_refs[in.index]) return Invalid(at, "undeclared function reference");
      Push(kFuncRef);
      return true;
    default:
      return Invalid(at, absl::StrCat("unhandled instruction ", std::string(in.info->text)));
  }
}

}  // namespace kiln::wasm::internal
