// Function bodies and constant expressions: instructions, flat and folded.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "kiln/wasm/leb128.h"
#include "module_parser_impl.h"
#include "numbers.h"

namespace kiln::wasm::text {
namespace {

// A lane index past 255: the 2.0 suite's wording and the 3.0 suite's.
constexpr std::string_view kLaneTooLarge = "malformed lane index: i8 constant out of range";

// block, loop, if, try and try_table: told by their immediates, which no
// other instruction shares, rather than by comparing names.
bool IsBlockInstruction(const TextInstruction& in) {
  return in.imm == TextImm::kBlockType || in.imm == TextImm::kTryTable;
}

// Keywords that end a run of instructions inside a block.
bool IsBlockBoundary(std::string_view name) {
  return name == "end" || name == "else" || name == "catch" || name == "catch_all" ||
         name == "delegate";
}

void AppendOpcode(Bytes& out, uint8_t prefix, uint32_t code) {
  if (prefix == 0) {
    out.push_back(static_cast<uint8_t>(code));
  } else {
    out.push_back(prefix);
    WriteVarUnsigned(out, code);
  }
}

bool IsExtendedConstOp(std::string_view name) {
  return name == "i32.add" || name == "i32.sub" || name == "i32.mul" || name == "i64.add" ||
         name == "i64.sub" || name == "i64.mul";
}

}  // namespace

absl::Status ModuleParser::TakeInstructions(FuncContext& f, Bytes& out) {
  while (true) {
    const Token& t = Cur();
    if (t.kind == TokenKind::kRParen || t.kind == TokenKind::kEnd) return absl::OkStatus();
    if (t.kind == TokenKind::kLParen) {
      if (absl::Status s = TakeFolded(f, out); !s.ok()) return s;
      continue;
    }
    if (t.kind == TokenKind::kKeyword) {
      if (IsBlockBoundary(t.text)) return absl::OkStatus();
      if (absl::Status s = TakeInstruction(f, out); !s.ok()) return s;
      continue;
    }
    // A malformed literal or other stray word where an instruction belongs.
    return Error("unknown operator");
  }
}

absl::Status ModuleParser::TakeConstExpr(Bytes& out) {
  FuncContext none;
  in_const_expr_ = true;
  absl::Status s = TakeInstructions(none, out);
  in_const_expr_ = false;
  if (!s.ok()) return s;
  if (!AtRParen()) return Unexpected();
  ++pos_;
  out.push_back(0x0B);
  return absl::OkStatus();
}

absl::Status ModuleParser::TakeOneFolded(Bytes& out) {
  FuncContext none;
  in_const_expr_ = true;
  absl::Status s = TakeFolded(none, out);
  in_const_expr_ = false;
  return s;
}

absl::Status ModuleParser::TakeLabel(FuncContext& f, Bytes& out) {
  if (Cur().kind == TokenKind::kId) {
    const std::string name = IdName(Cur());
    for (size_t i = f.labels.size(); i-- > 0;) {
      if (f.labels[i] == name) {
        ++pos_;
        WriteVarUnsigned(out, f.labels.size() - 1 - i);
        return absl::OkStatus();
      }
    }
    return Error(absl::StrCat("unknown label $", name));
  }
  if (Cur().kind != TokenKind::kNumber) return Unexpected();
  absl::StatusOr<uint32_t> depth = TakeU32();
  if (!depth.ok()) return depth.status();
  WriteVarUnsigned(out, *depth);
  return absl::OkStatus();
}

// blocktype: `(type x)? (param t*)* (result t*)*`; the short forms when
// no type index is written and the signature allows.
absl::Status ModuleParser::TakeBlockType(Bytes& out) {
  if (AtField("type")) {
    absl::StatusOr<uint32_t> index = TakeTypeUse(nullptr);
    if (!index.ok()) return index.status();
    WriteVarSigned(out, *index);
    return absl::OkStatus();
  }
  FuncSig sig;
  while (AtField("param")) {
    pos_ += 2;
    if (Cur().kind == TokenKind::kId) return Unexpected();
    while (!AtRParen()) {
      Bytes t;
      if (absl::Status s = TakeValType(t); !s.ok()) return s;
      sig.params.push_back(std::move(t));
    }
    ++pos_;
  }
  while (AtField("result")) {
    pos_ += 2;
    while (!AtRParen()) {
      Bytes t;
      if (absl::Status s = TakeValType(t); !s.ok()) return s;
      sig.results.push_back(std::move(t));
    }
    ++pos_;
  }
  if (AtField("param")) return ErrorAtToken(pos_ + 1, "unexpected token param");
  if (sig.params.empty() && sig.results.empty()) {
    out.push_back(0x40);
  } else if (sig.params.empty() && sig.results.size() == 1) {
    out.insert(out.end(), sig.results[0].begin(), sig.results[0].end());
  } else {
    WriteVarSigned(out, FuncTypeFor(sig));
  }
  return absl::OkStatus();
}

// A block instruction with its body, flat (`block ... end`) or folded
// (`(block ...)`, `(if ... (then ...) (else ...))`, `(try ... (do ...) ...)`).
absl::Status ModuleParser::TakeBlock(FuncContext& f, Bytes& out, const TextInstruction& in,
                                     bool folded) {
  const std::string_view name = in.name;
  features_.Add(in.feature);
  std::optional<std::string> label = TakeId();
  Bytes head;
  AppendOpcode(head, in.prefix, in.code);
  if (absl::Status s = TakeBlockType(head); !s.ok()) return s;
  if (name == "try_table") {
    Bytes catches;
    uint32_t count = 0;
    // Catch labels are resolved outside the block (its label is not yet pushed).
    while (AtField("catch") || AtField("catch_ref") || AtField("catch_all") ||
           AtField("catch_all_ref")) {
      const std::string_view kind = Next().text;
      pos_ += 2;
      const uint8_t code = kind == "catch" ? 0 : kind == "catch_ref" ? 1 : kind == "catch_all" ? 2 : 3;
      catches.push_back(code);
      if (code < 2) {
        absl::StatusOr<uint32_t> tag = TakeIndex(Space::kTag);
        if (!tag.ok()) return tag.status();
        WriteVarUnsigned(catches, *tag);
      }
      if (absl::Status s = TakeLabel(f, catches); !s.ok()) return s;
      if (absl::Status s = ExpectRParen(); !s.ok()) return s;
      ++count;
    }
    WriteVarUnsigned(head, count);
    head.insert(head.end(), catches.begin(), catches.end());
  }
  // A folded `if` takes its condition first.
  if (folded && name == "if") {
    while (Cur().kind == TokenKind::kLParen && !AtField("then")) {
      if (absl::Status s = TakeFolded(f, out); !s.ok()) return s;
    }
  }
  out.insert(out.end(), head.begin(), head.end());
  f.labels.push_back(label);

  auto check_label = [&]() -> absl::Status {
    if (Cur().kind != TokenKind::kId) return absl::OkStatus();
    if (!label.has_value() || IdName(Cur()) != *label) return Error("mismatching label");
    ++pos_;
    return absl::OkStatus();
  };

  if (folded) {
    if (name == "if") {
      if (!AtField("then")) return Unexpected();
      pos_ += 2;
      if (absl::Status s = TakeInstructions(f, out); !s.ok()) return s;
      if (absl::Status s = ExpectRParen(); !s.ok()) return s;
      if (AtField("else")) {
        pos_ += 2;
        out.push_back(0x05);
        if (absl::Status s = TakeInstructions(f, out); !s.ok()) return s;
        if (absl::Status s = ExpectRParen(); !s.ok()) return s;
      }
    } else if (name == "try") {
      if (AtField("do")) {
        pos_ += 2;
        if (absl::Status s = TakeInstructions(f, out); !s.ok()) return s;
        if (absl::Status s = ExpectRParen(); !s.ok()) return s;
      }
      while (AtField("catch") || AtField("catch_all")) {
        const bool all = Next().text == "catch_all";
        pos_ += 2;
        out.push_back(all ? 0x19 : 0x07);
        if (!all) {
          absl::StatusOr<uint32_t> tag = TakeIndex(Space::kTag);
          if (!tag.ok()) return tag.status();
          WriteVarUnsigned(out, *tag);
        }
        if (absl::Status s = TakeInstructions(f, out); !s.ok()) return s;
        if (absl::Status s = ExpectRParen(); !s.ok()) return s;
      }
      if (AtField("delegate")) {
        pos_ += 2;
        f.labels.pop_back();
        out.push_back(0x18);
        if (absl::Status s = TakeLabel(f, out); !s.ok()) return s;
        if (absl::Status s = ExpectRParen(); !s.ok()) return s;
        return ExpectRParen();
      }
    } else {
      if (absl::Status s = TakeInstructions(f, out); !s.ok()) return s;
    }
    f.labels.pop_back();
    out.push_back(0x0B);
    return ExpectRParen();
  }

  // Flat.
  if (absl::Status s = TakeInstructions(f, out); !s.ok()) return s;
  if (name == "if" && IsKeyword("else")) {
    ++pos_;
    if (absl::Status s = check_label(); !s.ok()) return s;
    out.push_back(0x05);
    if (absl::Status s = TakeInstructions(f, out); !s.ok()) return s;
  }
  if (name == "try") {
    while (IsKeyword("catch") || IsKeyword("catch_all")) {
      const bool all = IsKeyword("catch_all");
      ++pos_;
      out.push_back(all ? 0x19 : 0x07);
      if (!all) {
        absl::StatusOr<uint32_t> tag = TakeIndex(Space::kTag);
        if (!tag.ok()) return tag.status();
        WriteVarUnsigned(out, *tag);
      }
      if (absl::Status s = TakeInstructions(f, out); !s.ok()) return s;
    }
    if (IsKeyword("delegate")) {
      ++pos_;
      f.labels.pop_back();
      out.push_back(0x18);
      return TakeLabel(f, out);
    }
  }
  if (!IsKeyword("end")) return Unexpected();
  ++pos_;
  if (absl::Status s = check_label(); !s.ok()) return s;
  f.labels.pop_back();
  out.push_back(0x0B);
  return absl::OkStatus();
}

absl::Status ModuleParser::TakeFolded(FuncContext& f, Bytes& out) {
  const size_t open = pos_;
  if (Next().kind != TokenKind::kKeyword) {
    ++pos_;
    return Unexpected();
  }
  const std::string_view name = Next().text;
  pos_ += 2;
  const TextInstruction* in = FindInstruction(name);
  if (in == nullptr) {
    static constexpr std::string_view kFieldWords[] = {"param", "result", "local", "type",
                                                       "export", "import", "then", "else"};
    for (std::string_view word : kFieldWords) {
      if (word == name) return ErrorAtToken(open + 1, absl::StrCat("unexpected token ", std::string(name)));
    }
    return ErrorAtToken(open + 1, absl::StrCat("unknown operator ", std::string(name)));
  }
  if (IsBlockInstruction(*in)) return TakeBlock(f, out, *in, /*folded=*/true);
  Bytes op;
  if (absl::Status s = TakeImmediates(f, op, *in); !s.ok()) return s;
  while (Cur().kind == TokenKind::kLParen) {
    if (absl::Status s = TakeFolded(f, out); !s.ok()) return s;
  }
  if (!AtRParen()) {
    if (Cur().kind == TokenKind::kKeyword && FindInstruction(Cur().text) == nullptr &&
        !Cur().text.starts_with("offset=") && !Cur().text.starts_with("align=")) {
      return Error(absl::StrCat("unknown operator ", std::string(Cur().text)));
    }
    return Unexpected();
  }
  ++pos_;
  out.insert(out.end(), op.begin(), op.end());
  return absl::OkStatus();
}

absl::Status ModuleParser::TakeInstruction(FuncContext& f, Bytes& out) {
  const std::string_view name = Cur().text;
  const TextInstruction* in = FindInstruction(name);
  if (in == nullptr) return Error(absl::StrCat("unknown operator ", std::string(name)));
  ++pos_;
  if (IsBlockInstruction(*in)) return TakeBlock(f, out, *in, /*folded=*/false);
  return TakeImmediates(f, out, *in);
}

absl::Status ModuleParser::TakeMemArg(Bytes& out, const TextInstruction& in) {
  uint32_t memory = 0;
  if (AtIndex()) {
    absl::StatusOr<uint32_t> m = TakeIndex(Space::kMemory);
    if (!m.ok()) return m.status();
    memory = *m;
  }
  if (memory != 0) features_.Add(Feature::kMultiMemory);
  uint64_t offset = 0;
  uint32_t align_log2 = in.natural_align_log2;
  const size_t offset_at = pos_;
  if (Cur().kind == TokenKind::kKeyword && Cur().text.starts_with("offset=")) {
    std::optional<uint64_t> value = ParseNat(Cur().text.substr(7));
    if (!value) return Error(MemoryIs64(memory) ? "i64 constant out of range" : "unknown operator");
    offset = *value;
    ++pos_;
  }
  if (Cur().kind == TokenKind::kKeyword && Cur().text.starts_with("align=")) {
    std::optional<uint64_t> value = ParseNat(Cur().text.substr(6));
    if (!value) return Error("unknown operator");
    if (*value == 0 || (*value & (*value - 1)) != 0) {
      return Error("alignment must be a power of two");
    }
    align_log2 = static_cast<uint32_t>(__builtin_ctzll(*value));
    ++pos_;
  }
  // A 32-bit memory's offset must fit 32 bits: 2.0 says "i32 constant" and
  // 3.0 (which reads a u64) "offset out of range"; the message has both. As
  // in 3.0's validation, too large an alignment is reported first.
  if (!MemoryIs64(memory) && offset > UINT32_MAX) {
    if (align_log2 > in.natural_align_log2) {
      return ErrorAtToken(offset_at, "alignment must not be larger than natural");
    }
    return ErrorAtToken(offset_at,
                        absl::StrCat("offset out of range: ", offset,
                                     " does not fit a 32-bit memory (i32 constant out of range)"));
  }
  WriteVarUnsigned(out, align_log2 | (memory != 0 ? 0x40 : 0));
  if (memory != 0) WriteVarUnsigned(out, memory);
  WriteVarUnsigned(out, offset);
  return absl::OkStatus();
}

absl::Status ModuleParser::TakeV128(Bytes& out) {
  if (Cur().kind != TokenKind::kKeyword) return Error("unexpected token: a v128 shape expected");
  const std::string_view shape = Cur().text;
  int lanes = 0;
  int bits = 0;
  bool is_float = false;
  if (shape == "i8x16") { lanes = 16; bits = 8; }
  else if (shape == "i16x8") { lanes = 8; bits = 16; }
  else if (shape == "i32x4") { lanes = 4; bits = 32; }
  else if (shape == "i64x2") { lanes = 2; bits = 64; }
  else if (shape == "f32x4") { lanes = 4; bits = 32; is_float = true; }
  else if (shape == "f64x2") { lanes = 2; bits = 64; is_float = true; }
  else return Error("unexpected token");
  ++pos_;
  int written = 0;
  while (Tok(pos_ + written).kind == TokenKind::kNumber ||
         (Tok(pos_ + written).kind == TokenKind::kKeyword &&
          FindInstruction(Tok(pos_ + written).text) == nullptr) ||
         Tok(pos_ + written).kind == TokenKind::kReserved) {
    ++written;
  }
  if (written != lanes) {
    // A stray word among the lanes is an unknown operator; a count that
    // does not fit the shape is its own error.
    for (int i = 0; i < written; ++i) {
      if (Tok(pos_ + i).kind == TokenKind::kReserved) {
        return ErrorAtToken(pos_ + i, "unknown operator");
      }
    }
    return Error("wrong number of lane literals");
  }
  for (int i = 0; i < lanes; ++i) {
    if (Cur().kind == TokenKind::kRParen || Cur().kind == TokenKind::kLParen ||
        Cur().kind == TokenKind::kEnd) {
      return Error("wrong number of lane literals");
    }
    uint64_t value = 0;
    if (is_float) {
      FloatError e = FloatError::kOk;
      if (bits == 32) {
        uint32_t b = 0;
        e = ParseF32Bits(Cur().text, &b);
        value = b;
      } else {
        e = ParseF64Bits(Cur().text, &value);
      }
      if (e == FloatError::kOutOfRange) return Error("constant out of range");
      if (e == FloatError::kMalformed) return Error("unknown operator");
    } else {
      if (Cur().kind != TokenKind::kNumber) {
        return Error(FindInstruction(Cur().text) ? "wrong number of lane literals"
                                                 : "unknown operator");
      }
      std::optional<uint64_t> v = ParseIntBits(Cur().text, bits);
      if (!v) {
        return Error(IsIntegerSyntax(Cur().text) ? "constant out of range" : "unknown operator");
      }
      value = *v;
    }
    ++pos_;
    for (int b = 0; b < bits / 8; ++b) out.push_back(static_cast<uint8_t>(value >> (8 * b)));
  }
  if (Cur().kind == TokenKind::kNumber || Cur().kind == TokenKind::kKeyword) {
    if (Cur().kind == TokenKind::kNumber || FindInstruction(Cur().text) == nullptr) {
      return Error("wrong number of lane literals");
    }
  }
  return absl::OkStatus();
}

absl::Status ModuleParser::TakeImmediates(FuncContext& f, Bytes& out, const TextInstruction& in) {
  features_.Add(in.feature);
  if (in_const_expr_ && IsExtendedConstOp(in.name)) features_.Add(Feature::kExtendedConst);
  // `select` names the untyped row; the typed one shares its name.
  const TextImm imm = in.name == "select" ? TextImm::kSelect : in.imm;
  switch (imm) {
    case TextImm::kSelect: {
      if (!AtField("result")) {
        AppendOpcode(out, 0, 0x1B);
        return absl::OkStatus();
      }
      Bytes types;
      uint32_t count = 0;
      while (AtField("result")) {
        pos_ += 2;
        while (!AtRParen()) {
          if (absl::Status s = TakeValType(types); !s.ok()) return s;
          ++count;
        }
        ++pos_;
      }
      out.push_back(0x1C);
      WriteVarUnsigned(out, count);
      out.insert(out.end(), types.begin(), types.end());
      return absl::OkStatus();
    }
    case TextImm::kRefTest: {
      bool nullable = false;
      Bytes type;
      if (absl::Status s = TakeRefType(type, &nullable); !s.ok()) return s;
      AppendOpcode(out, in.prefix, in.code + (nullable ? 1 : 0));
      // The heap type alone: drop the 0x63/0x64 prefix of the long form.
      if (type[0] == 0x63 || type[0] == 0x64) type.erase(type.begin());
      out.insert(out.end(), type.begin(), type.end());
      return absl::OkStatus();
    }
    default:
      break;
  }
  AppendOpcode(out, in.prefix, in.code);
  switch (in.imm) {
    case TextImm::kNone:
    case TextImm::kSelect:
    case TextImm::kRefTest:
    case TextImm::kBlockType:
    case TextImm::kTryTable:
      return absl::OkStatus();
    case TextImm::kZeroByte:
      out.push_back(0x00);
      return absl::OkStatus();
    case TextImm::kLabel:
      return TakeLabel(f, out);
    case TextImm::kBrTable: {
      Bytes labels;
      uint32_t count = 0;
      while (AtIndex()) {
        if (absl::Status s = TakeLabel(f, labels); !s.ok()) return s;
        ++count;
      }
      if (count == 0) return Unexpected();
      WriteVarUnsigned(out, count - 1);
      out.insert(out.end(), labels.begin(), labels.end());
      return absl::OkStatus();
    }
    case TextImm::kBrOnCast: {
      Bytes label;
      if (absl::Status s = TakeLabel(f, label); !s.ok()) return s;
      bool null1 = false, null2 = false;
      Bytes t1, t2;
      if (absl::Status s = TakeRefType(t1, &null1); !s.ok()) return s;
      if (absl::Status s = TakeRefType(t2, &null2); !s.ok()) return s;
      if (t1[0] == 0x63 || t1[0] == 0x64) t1.erase(t1.begin());
      if (t2[0] == 0x63 || t2[0] == 0x64) t2.erase(t2.begin());
      out.push_back((null1 ? 1 : 0) | (null2 ? 2 : 0));
      out.insert(out.end(), label.begin(), label.end());
      out.insert(out.end(), t1.begin(), t1.end());
      out.insert(out.end(), t2.begin(), t2.end());
      return absl::OkStatus();
    }
    case TextImm::kFunc: {
      absl::StatusOr<uint32_t> i = TakeIndex(Space::kFunc);
      if (!i.ok()) return i.status();
      WriteVarUnsigned(out, *i);
      return absl::OkStatus();
    }
    case TextImm::kCallIndirect: {
      uint32_t table = 0;
      if (AtIndex()) {
        absl::StatusOr<uint32_t> t = TakeIndex(Space::kTable);
        if (!t.ok()) return t.status();
        table = *t;
      }
      absl::StatusOr<uint32_t> type = TakeTypeUse(nullptr);
      if (!type.ok()) return type.status();
      WriteVarUnsigned(out, *type);
      WriteVarUnsigned(out, table);
      return absl::OkStatus();
    }
    case TextImm::kTypeIndex:
    case TextImm::kTypeCount:
    case TextImm::kTypeData:
    case TextImm::kTypeElem:
    case TextImm::kTypeType:
    case TextImm::kTypeField: {
      absl::StatusOr<uint32_t> type = TakeIndex(Space::kType);
      if (!type.ok()) return type.status();
      WriteVarUnsigned(out, *type);
      absl::StatusOr<uint32_t> second = 0u;
      switch (in.imm) {
        case TextImm::kTypeCount: second = TakeU32(); break;
        case TextImm::kTypeData: second = TakeIndex(Space::kData); break;
        case TextImm::kTypeElem: second = TakeIndex(Space::kElem); break;
        case TextImm::kTypeType: second = TakeIndex(Space::kType); break;
        case TextImm::kTypeField:
          if (Cur().kind == TokenKind::kId) {
            const TypeInfo* info = TypeAt(*type);
            const std::string name = IdName(Cur());
            if (info == nullptr || !info->fields.contains(name)) {
              return Error(absl::StrCat("unknown field $", name));
            }
            ++pos_;
            second = info->fields.at(name);
          } else {
            second = TakeU32();
          }
          break;
        default:
          return absl::OkStatus();
      }
      if (!second.ok()) return second.status();
      if (in.imm == TextImm::kTypeData) UsesDataCount();
      WriteVarUnsigned(out, *second);
      return absl::OkStatus();
    }
    case TextImm::kLocal: {
      if (Cur().kind == TokenKind::kId) {
        const std::string name = IdName(Cur());
        auto it = f.locals.by_name.find(name);
        if (it == f.locals.by_name.end()) return Error(absl::StrCat("unknown local $", name));
        ++pos_;
        WriteVarUnsigned(out, it->second);
        return absl::OkStatus();
      }
      absl::StatusOr<uint32_t> i = TakeU32();
      if (!i.ok()) return i.status();
      WriteVarUnsigned(out, *i);
      return absl::OkStatus();
    }
    case TextImm::kGlobal:
    case TextImm::kTag:
    case TextImm::kData:
    case TextImm::kElem: {
      const Space space = in.imm == TextImm::kGlobal ? Space::kGlobal
                          : in.imm == TextImm::kTag  ? Space::kTag
                          : in.imm == TextImm::kData ? Space::kData
                                                     : Space::kElem;
      if (space == Space::kData) UsesDataCount();
      absl::StatusOr<uint32_t> i = TakeIndex(space);
      if (!i.ok()) return i.status();
      WriteVarUnsigned(out, *i);
      return absl::OkStatus();
    }
    case TextImm::kTable:
    case TextImm::kMemory: {
      const Space space = in.imm == TextImm::kTable ? Space::kTable : Space::kMemory;
      uint32_t index = 0;
      if (AtIndex()) {
        absl::StatusOr<uint32_t> i = TakeIndex(space);
        if (!i.ok()) return i.status();
        index = *i;
      }
      if (space == Space::kMemory && index != 0) features_.Add(Feature::kMultiMemory);
      WriteVarUnsigned(out, index);
      return absl::OkStatus();
    }
    case TextImm::kTableInit:
    case TextImm::kMemoryInit: {
      const bool table = in.imm == TextImm::kTableInit;
      const Space target = table ? Space::kTable : Space::kMemory;
      const Space segment = table ? Space::kElem : Space::kData;
      if (!table) UsesDataCount();
      uint32_t target_index = 0;
      // Two indices: the first is the table or memory.
      if (AtIndex() && (Next().kind == TokenKind::kNumber || Next().kind == TokenKind::kId)) {
        absl::StatusOr<uint32_t> t = TakeIndex(target);
        if (!t.ok()) return t.status();
        target_index = *t;
      }
      absl::StatusOr<uint32_t> seg = TakeIndex(segment);
      if (!seg.ok()) return seg.status();
      WriteVarUnsigned(out, *seg);
      WriteVarUnsigned(out, target_index);
      if (!table && target_index != 0) features_.Add(Feature::kMultiMemory);
      return absl::OkStatus();
    }
    case TextImm::kTableCopy:
    case TextImm::kMemoryCopy: {
      const Space space = in.imm == TextImm::kTableCopy ? Space::kTable : Space::kMemory;
      uint32_t dst = 0, src = 0;
      if (AtIndex()) {
        absl::StatusOr<uint32_t> d = TakeIndex(space);
        if (!d.ok()) return d.status();
        absl::StatusOr<uint32_t> s = TakeIndex(space);
        if (!s.ok()) return s.status();
        dst = *d;
        src = *s;
      }
      if (space == Space::kMemory && (dst != 0 || src != 0)) features_.Add(Feature::kMultiMemory);
      WriteVarUnsigned(out, dst);
      WriteVarUnsigned(out, src);
      return absl::OkStatus();
    }
    case TextImm::kMemArg:
      return TakeMemArg(out, in);
    case TextImm::kMemArgLane: {
      // `v128.load8_lane 1 0`: with two numbers the first is the memory.
      const bool two = AtIndex() && (Next().kind == TokenKind::kNumber ||
                                     (Next().kind == TokenKind::kKeyword &&
                                      (Next().text.starts_with("offset=") ||
                                       Next().text.starts_with("align="))));
      if (two || Cur().kind != TokenKind::kNumber) {
        if (absl::Status s = TakeMemArg(out, in); !s.ok()) return s;
      } else {
        // Only the lane: the memarg is all defaults.
        WriteVarUnsigned(out, in.natural_align_log2);
        WriteVarUnsigned(out, 0);
      }
      if (Cur().kind != TokenKind::kNumber) return Error(kLaneTooLarge);
      std::optional<uint64_t> lane = ParseNat(Cur().text, 255);
      if (!lane) return Error(kLaneTooLarge);
      ++pos_;
      out.push_back(static_cast<uint8_t>(*lane));
      return absl::OkStatus();
    }
    case TextImm::kLane: {
      if (Cur().kind != TokenKind::kNumber || Cur().text[0] == '-' || Cur().text[0] == '+' ||
          !IsIntegerSyntax(Cur().text)) {
        return Error("unexpected token");
      }
      std::optional<uint64_t> lane = ParseNat(Cur().text, 255);
      if (!lane) return Error(kLaneTooLarge);
      ++pos_;
      out.push_back(static_cast<uint8_t>(*lane));
      return absl::OkStatus();
    }
    case TextImm::kShuffle: {
      for (int i = 0; i < 16; ++i) {
        if (Cur().kind == TokenKind::kRParen || Cur().kind == TokenKind::kLParen) {
          return Error("invalid lane length");
        }
        std::optional<uint64_t> lane = ParseNat(Cur().text, 255);
        if (!lane) return Error(kLaneTooLarge);
        ++pos_;
        out.push_back(static_cast<uint8_t>(*lane));
      }
      if (Cur().kind == TokenKind::kNumber) return Error("invalid lane length");
      return absl::OkStatus();
    }
    case TextImm::kHeapType:
      return TakeHeapType(out);
    case TextImm::kI32:
    case TextImm::kI64: {
      const int bits = in.imm == TextImm::kI32 ? 32 : 64;
      if (Cur().kind != TokenKind::kNumber) {
        return Cur().kind == TokenKind::kReserved ? Error("unknown operator") : Unexpected();
      }
      std::optional<uint64_t> value = ParseIntBits(Cur().text, bits);
      if (!value) {
        // The reference parser reads a malformed literal as an unknown word.
        if (!IsIntegerSyntax(Cur().text)) return Error("unknown operator");
        return Error(bits == 32 ? "i32 constant out of range" : "i64 constant out of range");
      }
      const int64_t signed_value =
          bits == 32 ? static_cast<int64_t>(static_cast<int32_t>(*value)) : static_cast<int64_t>(*value);
      WriteVarSigned(out, signed_value);
      ++pos_;
      return absl::OkStatus();
    }
    case TextImm::kF32:
    case TextImm::kF64: {
      if (Cur().kind != TokenKind::kNumber && Cur().kind != TokenKind::kKeyword) {
        return AtRParen() ? Unexpected() : Error("unknown operator");
      }
      // NaN classes belong to scripts' expectations, not to modules.
      if (Cur().text == "nan:canonical" || Cur().text == "nan:arithmetic") {
        return Unexpected();
      }
      FloatError e = FloatError::kOk;
      uint64_t bits = 0;
      if (in.imm == TextImm::kF32) {
        uint32_t b = 0;
        e = ParseF32Bits(Cur().text, &b);
        bits = b;
      } else {
        e = ParseF64Bits(Cur().text, &bits);
      }
      if (e == FloatError::kOutOfRange) return Error("constant out of range");
      if (e == FloatError::kMalformed) return Error("unknown operator");
      ++pos_;
      const int bytes = in.imm == TextImm::kF32 ? 4 : 8;
      for (int b = 0; b < bytes; ++b) out.push_back(static_cast<uint8_t>(bits >> (8 * b)));
      return absl::OkStatus();
    }
    case TextImm::kV128:
      return TakeV128(out);
    case TextImm::kCatch:
      return Unexpected();  // only inside a legacy try
  }
  return Unexpected();
}

}  // namespace kiln::wasm::text
