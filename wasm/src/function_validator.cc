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
bool IsRef(Type t) { return t == kFuncRef || t == static_cast<Type>(ValType::kExternRef) || t == kUnknown; }

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
      case 'I': return kI32;
      case 'L': return kI64;
      case 'F': return kF32;
      case 'D': return kF64;
      case 'V': return kV128;
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

  void PushFrame(FrameKind kind, const ValType* params, uint32_t num_params,
                 const ValType* results, uint32_t num_results) {
    frames.push_back({kind, false, static_cast<uint32_t>(stack.size()), params, num_params,
                      results, num_results});
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

FunctionValidator::FunctionValidator(const ValidationContext& context)
    : impl_(new Impl(context)) {}
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

bool FunctionValidator::Impl::DecodeLocals(const FunctionBody& body,
                                           size_t* code_begin) {
  const size_t body_end = body.offset + body.bytes.size();
  BinaryReader r(std::span<const uint8_t>(body.bytes.data() - body.offset, body_end),
                 body.offset, body_end);
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
    if (!IsValTypeByte(byte)) return Fail(ErrorKind::kMalformed, r.pos() - 1, "malformed value type");
    locals.insert(locals.end(), n, byte);
  }
  *code_begin = r.pos();
  return true;
}

absl::Status FunctionValidator::Impl::Validate(uint32_t defined_index) {
  const FunctionBody& body = module.bodies[defined_index];
  function_index = module.num_imported_functions + defined_index;
  error = absl::OkStatus();
  stack.clear();
  frames.clear();

  const uint32_t type_index = module.function_type_indices[function_index];
  if (type_index >= module.types.size()) {
    return MakeWasmError(ErrorKind::kInvalid, body.offset, absl::StrCat("unknown type ", type_index),
                         function_index);
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
  Instruction in;
  while (!frames.empty()) {
    if (reader.AtEnd()) return MissingEnd(reader.offset());
    if (absl::Status s = reader.Next(&in); !s.ok()) return s;
    if (!Step(in)) return error;
  }
  if (!reader.AtEnd()) return TrailingCode(reader.offset());
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
      const FrameKind kind = in.opcode == Opcode::kBlock ? FrameKind::kBlock
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
      if (!g.is_mutable) return Invalid(at, "global is immutable");
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
        return Invalid(at, absl::StrCat("type mismatch: expected a reference but got ", TypeName(t)));
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
