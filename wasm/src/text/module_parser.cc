#include "module_parser.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kiln/wasm/leb128.h"
#include "module_parser_impl.h"
#include "numbers.h"

namespace kiln::wasm::text {
namespace {

// Binary section ids.
constexpr uint8_t kCustomId = 0, kTypeId = 1, kImportId = 2, kFuncId = 3, kTableId = 4,
                  kMemoryId = 5, kGlobalId = 6, kExportId = 7, kStartId = 8, kElemId = 9,
                  kCodeId = 10, kDataId = 11, kDataCountId = 12, kTagId = 13;
// The order sections appear in.
constexpr uint8_t kSectionOrder[] = {kTypeId,   kImportId, kFuncId,  kTableId,
                                     kMemoryId, kTagId,    kGlobalId, kExportId,
                                     kStartId,  kElemId,   kDataCountId, kCodeId, kDataId};

int SlotOfSection(std::string_view name) {
  static constexpr std::pair<std::string_view, uint8_t> kNames[] = {
      {"type", kTypeId},     {"import", kImportId}, {"func", kFuncId},   {"table", kTableId},
      {"memory", kMemoryId}, {"global", kGlobalId}, {"export", kExportId}, {"start", kStartId},
      {"elem", kElemId},     {"code", kCodeId},     {"data", kDataId},   {"datacount", kDataCountId},
      {"tag", kTagId}};
  for (const auto& [text, id] : kNames) {
    if (text != name) continue;
    for (int slot = 0; slot < static_cast<int>(std::size(kSectionOrder)); ++slot) {
      if (kSectionOrder[slot] == id) return slot;
    }
  }
  return -1;
}

constexpr std::string_view kSpaceWhat[] = {"type", "func", "table", "memory",
                                          "global", "tag", "elem", "data"};

// Abstract heap types and their binary bytes.
struct AbstractHeap {
  std::string_view name;
  uint8_t byte;
  Feature feature;
};
constexpr AbstractHeap kAbstractHeaps[] = {
    {"func", 0x70, Feature::kCore},        {"extern", 0x6F, Feature::kCore},
    {"any", 0x6E, Feature::kGc},           {"eq", 0x6D, Feature::kGc},
    {"i31", 0x6C, Feature::kGc},           {"struct", 0x6B, Feature::kGc},
    {"array", 0x6A, Feature::kGc},         {"exn", 0x69, Feature::kExceptions},
    {"noexn", 0x74, Feature::kExceptions}, {"nofunc", 0x73, Feature::kGc},
    {"noextern", 0x72, Feature::kGc},      {"none", 0x71, Feature::kGc},
};

const AbstractHeap* FindAbstractHeap(std::string_view name) {
  // The short names of the bottom types: nullref is (ref null none), ...
  if (name == "null") name = "none";
  if (name == "nullfunc") name = "nofunc";
  if (name == "nullextern") name = "noextern";
  if (name == "nullexn") name = "noexn";
  for (const AbstractHeap& h : kAbstractHeaps) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

void AppendSection(Bytes& out, uint8_t id, uint32_t count, const Bytes& body, bool counted = true) {
  // The count's bytes alone, so that the body (the code section: most of
  // the module) is copied once.
  Bytes count_bytes;
  if (counted) WriteVarUnsigned(count_bytes, count);
  out.push_back(id);
  WriteVarUnsigned(out, count_bytes.size() + body.size());
  out.insert(out.end(), count_bytes.begin(), count_bytes.end());
  out.insert(out.end(), body.begin(), body.end());
}

}  // namespace

void AppendName(Bytes& out, std::string_view name) {
  WriteVarUnsigned(out, name.size());
  out.insert(out.end(), name.begin(), name.end());
}

// ---------------------------------------------------------------------------
// Tokens.

absl::Status ModuleParser::Unexpected() const {
  // Like the reference parser: a word that is no keyword, or a malformed
  // number, reads as an unknown operator wherever it stands.
  if (Cur().kind == TokenKind::kReserved || Cur().kind == TokenKind::kNumber) {
    return Error(absl::StrCat("unknown operator ", std::string(Cur().text)));
  }
  if (Cur().kind == TokenKind::kLParen && Next().kind == TokenKind::kReserved) {
    return ErrorAt(s_, Next().offset, absl::StrCat("unknown operator ", std::string(Next().text)));
  }
  if (Cur().kind == TokenKind::kAnnotation && Cur().text == "(@custom") {
    return Error("misplaced @custom annotation");
  }
  if (Cur().kind == TokenKind::kEnd) return Error("unexpected end of input");
  return Error(absl::StrCat("unexpected token ", std::string(Cur().text)));
}

absl::Status ModuleParser::ExpectLParen() {
  if (Cur().kind != TokenKind::kLParen) return Unexpected();
  ++pos_;
  return absl::OkStatus();
}

absl::Status ModuleParser::ExpectRParen() {
  if (Cur().kind != TokenKind::kRParen) return Unexpected();
  ++pos_;
  return absl::OkStatus();
}

absl::Status ModuleParser::ExpectKeyword(std::string_view word) {
  if (!IsKeyword(word)) return Unexpected();
  ++pos_;
  return absl::OkStatus();
}

absl::StatusOr<size_t> ModuleParser::MatchingParen(size_t open) const {
  int depth = 0;
  for (size_t i = open; i < s_.tokens.size(); ++i) {
    const TokenKind k = s_.tokens[i].kind;
    if (k == TokenKind::kLParen || k == TokenKind::kAnnotation) ++depth;
    if (k == TokenKind::kRParen && --depth == 0) return i;
    if (k == TokenKind::kEnd) break;
  }
  return ErrorAtToken(open, "unclosed parenthesis");
}

absl::StatusOr<std::string> ModuleParser::TakeString() {
  if (Cur().kind != TokenKind::kString) return Unexpected();
  return StringValue(s_.tokens[pos_++]);
}

absl::StatusOr<std::string> ModuleParser::TakeName() {
  const size_t at = pos_;
  absl::StatusOr<std::string> name = TakeString();
  if (name.ok() && !IsValidUtf8(*name)) return ErrorAtToken(at, "malformed UTF-8 encoding");
  return name;
}

absl::StatusOr<uint32_t> ModuleParser::TakeU32() {
  if (Cur().kind != TokenKind::kNumber) return Unexpected();
  std::optional<uint64_t> value = ParseNat(Cur().text, UINT32_MAX);
  if (!value) {
    return ParseNat(Cur().text) ? Error("i32 constant out of range") : Unexpected();
  }
  ++pos_;
  return static_cast<uint32_t>(*value);
}

absl::StatusOr<uint64_t> ModuleParser::TakeU64() {
  if (Cur().kind != TokenKind::kNumber) return Unexpected();
  std::optional<uint64_t> value = ParseNat(Cur().text);
  if (!value) return Error("i64 constant out of range");
  ++pos_;
  return *value;
}

std::optional<std::string> ModuleParser::TakeId() {
  if (Cur().kind != TokenKind::kId) return std::nullopt;
  return IdName(s_.tokens[pos_++]);
}

// ---------------------------------------------------------------------------
// Index spaces.

absl::StatusOr<uint32_t> ModuleParser::Declare(Space space, const std::optional<std::string>& id,
                                               size_t at) {
  IndexSpace& s = SpaceOf(space);
  const uint32_t index = s.count++;
  if (id.has_value()) {
    if (id->empty()) return ErrorAtToken(at, "empty identifier");
    if (!s.by_name.try_emplace(*id, index).second) {
      return ErrorAtToken(at, absl::StrCat("duplicate ", std::string(kSpaceWhat[static_cast<int>(space)]), " $",
                                           *id));
    }
  }
  return index;
}

absl::StatusOr<uint32_t> ModuleParser::TakeIndex(Space space) {
  const IndexSpace& s = SpaceOf(space);
  if (Cur().kind == TokenKind::kNumber) return TakeU32();
  if (Cur().kind == TokenKind::kId) {
    const std::string name = IdName(Cur());
    auto it = s.by_name.find(name);
    if (it == s.by_name.end()) {
      return Error(absl::StrCat("unknown ", std::string(kSpaceWhat[static_cast<int>(space)]), " $", name));
    }
    ++pos_;
    return it->second;
  }
  return Unexpected();
}

// ---------------------------------------------------------------------------
// Types.

bool ModuleParser::AtValType() const {
  if (Cur().kind == TokenKind::kKeyword) {
    const std::string_view t = Cur().text;
    return t == "i32" || t == "i64" || t == "f32" || t == "f64" || t == "v128" ||
           (t.ends_with("ref") && FindAbstractHeap(t.substr(0, t.size() - 3)) != nullptr);
  }
  return AtField("ref");
}

absl::Status ModuleParser::TakeHeapType(Bytes& out) {
  if (Cur().kind == TokenKind::kKeyword) {
    const AbstractHeap* heap = FindAbstractHeap(Cur().text);
    if (heap == nullptr) return Unexpected();
    features_.Add(heap->feature);
    out.push_back(heap->byte);
    ++pos_;
    return absl::OkStatus();
  }
  absl::StatusOr<uint32_t> index = TakeIndex(Space::kType);
  if (!index.ok()) return index.status();
  features_.Add(Feature::kFunctionReferences);
  WriteVarSigned(out, *index);
  return absl::OkStatus();
}

absl::Status ModuleParser::TakeRefType(Bytes& out, bool* nullable_out) {
  if (Cur().kind == TokenKind::kKeyword && Cur().text.ends_with("ref")) {
    const AbstractHeap* heap = FindAbstractHeap(Cur().text.substr(0, Cur().text.size() - 3));
    if (heap == nullptr) return Unexpected();
    features_.Add(heap->feature);
    out.push_back(heap->byte);
    if (nullable_out != nullptr) *nullable_out = true;
    ++pos_;
    return absl::OkStatus();
  }
  if (!AtField("ref")) {
    // Where a type must be, a keyword that is none is an unknown word (the
    // spec's lexer says so of every word it does not know: "anyfunc").
    if (Cur().kind == TokenKind::kKeyword) {
      return Error(absl::StrCat("unknown operator ", std::string(Cur().text)));
    }
    return Unexpected();
  }
  pos_ += 2;
  const bool nullable = IsKeyword("null");
  if (nullable) ++pos_;
  if (nullable_out != nullptr) *nullable_out = nullable;
  Bytes heap;
  if (absl::Status s = TakeHeapType(heap); !s.ok()) return s;
  // A nullable abstract reference has a one-byte short form; use it so
  // that 2.0 decoders read `(ref null func)` as funcref.
  if (!(nullable && heap.size() == 1 && heap[0] >= 0x69)) {
    out.push_back(nullable ? 0x63 : 0x64);
    if (!nullable) features_.Add(Feature::kFunctionReferences);
  }
  out.insert(out.end(), heap.begin(), heap.end());
  return ExpectRParen();
}

absl::Status ModuleParser::TakeValType(Bytes& out, bool storage) {
  if (Cur().kind == TokenKind::kKeyword) {
    const std::string_view t = Cur().text;
    uint8_t byte = 0;
    if (t == "i32") byte = 0x7F;
    else if (t == "i64") byte = 0x7E;
    else if (t == "f32") byte = 0x7D;
    else if (t == "f64") byte = 0x7C;
    else if (t == "v128") byte = 0x7B;
    else if (storage && t == "i8") byte = 0x78;
    else if (storage && t == "i16") byte = 0x77;
    if (byte != 0) {
      ++pos_;
      out.push_back(byte);
      return absl::OkStatus();
    }
  }
  return TakeRefType(out);
}

uint32_t ModuleParser::FuncTypeFor(const FuncSig& sig) {
  for (uint32_t i = 0; i < types_.size(); ++i) {
    const TypeInfo& t = types_[i];
    if (t.kind == TypeInfo::Kind::kFunc && t.plain && t.sig == sig) return i;
  }
  TypeInfo info;
  info.sig = sig;
  types_.push_back(std::move(info));
  implicit_types_.push_back(sig);
  return static_cast<uint32_t>(types_.size() - 1);
}

absl::StatusOr<uint32_t> ModuleParser::TakeTypeUse(
    std::vector<std::optional<std::string>>* param_ids, bool* explicit_type) {
  std::optional<uint32_t> index;
  if (AtField("type")) {
    pos_ += 2;
    absl::StatusOr<uint32_t> i = TakeIndex(Space::kType);
    if (!i.ok()) return i.status();
    index = *i;
    if (absl::Status s = ExpectRParen(); !s.ok()) return s;
  }
  if (explicit_type != nullptr) *explicit_type = index.has_value();
  const size_t sig_at = pos_;
  FuncSig sig;
  bool written = false;
  while (AtField("param")) {
    written = true;
    pos_ += 2;
    if (Cur().kind == TokenKind::kId) {
      if (param_ids == nullptr) return Unexpected();
      const std::string name = IdName(Cur());
      ++pos_;
      Bytes type;
      if (absl::Status s = TakeValType(type); !s.ok()) return s;
      sig.params.push_back(std::move(type));
      param_ids->push_back(name);
    } else {
      while (!AtRParen()) {
        Bytes type;
        if (absl::Status s = TakeValType(type); !s.ok()) return s;
        sig.params.push_back(std::move(type));
        if (param_ids != nullptr) param_ids->push_back(std::nullopt);
      }
    }
    if (absl::Status s = ExpectRParen(); !s.ok()) return s;
  }
  while (AtField("result")) {
    written = true;
    pos_ += 2;
    while (!AtRParen()) {
      Bytes type;
      if (absl::Status s = TakeValType(type); !s.ok()) return s;
      sig.results.push_back(std::move(type));
    }
    if (absl::Status s = ExpectRParen(); !s.ok()) return s;
  }
  if (AtField("param")) return ErrorAtToken(pos_ + 1, "unexpected token param");
  if (!index.has_value()) return FuncTypeFor(sig);
  const TypeInfo* type = TypeAt(*index);
  if (type == nullptr) {
    return ErrorAtToken(sig_at > 0 ? sig_at - 1 : sig_at, absl::StrCat("unknown type ", *index));
  }
  if (type->kind != TypeInfo::Kind::kFunc) {
    return ErrorAtToken(sig_at, "type mismatch: not a function type");
  }
  if (written && !(type->sig == sig)) return ErrorAtToken(sig_at, "inline function type");
  if (!written && param_ids != nullptr) param_ids->assign(type->sig.params.size(), std::nullopt);
  return *index;
}

// ---------------------------------------------------------------------------
// Step 1: scan.

absl::Status ModuleParser::Scan(size_t begin, size_t end) {
  for (pos_ = begin; pos_ < end;) {
    const size_t at = pos_;
    if (Cur().kind == TokenKind::kAnnotation) {
      other_fields_.push_back(pos_);
    } else if (Cur().kind != TokenKind::kLParen || Next().kind != TokenKind::kKeyword) {
      if (Cur().kind == TokenKind::kLParen) {
        ++pos_;
        absl::Status s = Unexpected();
        --pos_;
        return s;
      }
      return Unexpected();
    } else if (absl::Status s = ScanField(pos_); !s.ok()) {
      return s;
    }
    absl::StatusOr<size_t> close = MatchingParen(at);
    if (!close.ok()) return close.status();
    pos_ = *close + 1;
  }
  return absl::OkStatus();
}

// A memory's or table's address type, known before any code that uses it
// is encoded (fields may come in any order): "i64" first in its type.
void ModuleParser::NoteAddressType(Space space) {
  if (space == Space::kMemory) memory64_.push_back(IsKeyword("i64"));
  if (space == Space::kTable) table64_.push_back(IsKeyword("i64"));
}

absl::Status ModuleParser::ScanField(size_t at) {
  const std::string_view kind = Tok(at + 1).text;
  pos_ = at + 2;
  static constexpr std::string_view kDefinitionWords[] = {"function", "table", "memory", "global"};
  auto space_of = [](std::string_view k) -> std::optional<Space> {
    if (k == "func") return Space::kFunc;
    if (k == "table") return Space::kTable;
    if (k == "memory") return Space::kMemory;
    if (k == "global") return Space::kGlobal;
    if (k == "tag") return Space::kTag;
    return std::nullopt;
  };
  auto check_import_order = [&]() -> absl::Status {
    for (int i = 0; i < 4; ++i) {
      if (seen_definition_[i]) {
        return ErrorAtToken(at, absl::StrCat("import after ", std::string(kDefinitionWords[i])));
      }
    }
    return absl::OkStatus();
  };
  if (kind == "type") {
    type_fields_.push_back(at);
    const size_t id_at = pos_;
    return Declare(Space::kType, TakeId(), id_at).status();
  }
  if (kind == "rec") {
    type_fields_.push_back(at);
    while (AtField("type")) {
      const size_t open = pos_;
      pos_ += 2;
      const size_t id_at = pos_;
      if (absl::Status s = Declare(Space::kType, TakeId(), id_at).status(); !s.ok()) return s;
      absl::StatusOr<size_t> close = MatchingParen(open);
      if (!close.ok()) return close.status();
      pos_ = *close + 1;
    }
    return AtRParen() ? absl::OkStatus() : Unexpected();
  }
  other_fields_.push_back(at);
  if (std::optional<Space> space = space_of(kind)) {
    const size_t id_at = pos_;
    std::optional<std::string> id = TakeId();
    // Inline exports, then maybe an inline import.
    while (AtField("export")) {
      absl::StatusOr<size_t> close = MatchingParen(pos_);
      if (!close.ok()) return close.status();
      pos_ = *close + 1;
    }
    if (AtField("import")) {
      if (absl::Status s = check_import_order(); !s.ok()) return s;
      absl::StatusOr<size_t> close = MatchingParen(pos_);
      if (!close.ok()) return close.status();
      pos_ = *close + 1;
    } else {
      if (*space == Space::kFunc) seen_definition_[0] = true;
      if (*space == Space::kTable) seen_definition_[1] = true;
      if (*space == Space::kMemory) seen_definition_[2] = true;
      if (*space == Space::kGlobal) seen_definition_[3] = true;
    }
    if (absl::Status s = Declare(*space, id, id_at).status(); !s.ok()) return s;
    NoteAddressType(*space);
    // A table's inline elem and a memory's inline data are segments too.
    if (*space == Space::kTable || *space == Space::kMemory) {
      const std::string_view inline_field = *space == Space::kTable ? "elem" : "data";
      int depth = 0;
      for (size_t i = pos_; Tok(i).kind != TokenKind::kEnd; ++i) {
        if (Tok(i).kind == TokenKind::kLParen) {
          if (depth == 0 && Tok(i + 1).kind == TokenKind::kKeyword && Tok(i + 1).text == inline_field) {
            return Declare(*space == Space::kTable ? Space::kElem : Space::kData, std::nullopt, i)
                .status();
          }
          ++depth;
        } else if (Tok(i).kind == TokenKind::kRParen) {
          if (depth-- == 0) break;
        }
      }
    }
    return absl::OkStatus();
  }
  if (kind == "import") {
    if (absl::Status s = check_import_order(); !s.ok()) return s;
    // (import "m" "n" (kind $id? ...))
    if (Cur().kind != TokenKind::kString) return Unexpected();
    ++pos_;
    if (Cur().kind != TokenKind::kString) return Unexpected();
    ++pos_;
    if (Cur().kind != TokenKind::kLParen || Next().kind != TokenKind::kKeyword) return Unexpected();
    std::optional<Space> space = space_of(Next().text);
    if (!space) return ErrorAtToken(pos_ + 1, absl::StrCat("unexpected token ", std::string(Next().text)));
    pos_ += 2;
    const size_t id_at = pos_;
    if (absl::Status s = Declare(*space, TakeId(), id_at).status(); !s.ok()) return s;
    NoteAddressType(*space);
    return absl::OkStatus();
  }
  if (kind == "elem" || kind == "data") {
    const size_t id_at = pos_;
    return Declare(kind == "elem" ? Space::kElem : Space::kData, TakeId(), id_at).status();
  }
  if (kind == "start") {
    if (seen_start_) return ErrorAtToken(at, "multiple start sections");
    seen_start_ = true;
    return absl::OkStatus();
  }
  if (kind == "export") return absl::OkStatus();
  return ErrorAtToken(at + 1, absl::StrCat("unexpected token ", std::string(kind)));
}

// ---------------------------------------------------------------------------
// Step 2: types.

absl::Status ModuleParser::EncodeTypes() {
  for (size_t at : type_fields_) {
    pos_ = at + 2;
    if (Tok(at + 1).text == "type") {
      if (absl::Status s = EncodeType(at, false, type_section_); !s.ok()) return s;
      ++type_entries_;
      continue;
    }
    features_.Add(Feature::kGc);
    Bytes group;
    uint32_t members = 0;
    while (AtField("type")) {
      const size_t open = pos_;
      if (absl::Status s = EncodeType(open, true, group); !s.ok()) return s;
      ++members;
    }
    if (absl::Status s = ExpectRParen(); !s.ok()) return s;
    type_section_.push_back(0x4E);
    WriteVarUnsigned(type_section_, members);
    type_section_.insert(type_section_.end(), group.begin(), group.end());
    ++type_entries_;
  }
  return absl::OkStatus();
}

absl::Status ModuleParser::EncodeType(size_t at, bool in_rec, Bytes& out) {
  pos_ = at + 2;
  TakeId();
  TypeInfo info;
  info.plain = !in_rec;
  if (absl::Status s = ExpectLParen(); !s.ok()) return s;
  bool sub = false;
  if (IsKeyword("sub")) {
    sub = true;
    ++pos_;
    features_.Add(Feature::kGc);
    const bool final = IsKeyword("final");
    if (final) ++pos_;
    Bytes supers;
    uint32_t count = 0;
    while (AtIndex()) {
      absl::StatusOr<uint32_t> super = TakeIndex(Space::kType);
      if (!super.ok()) return super.status();
      WriteVarUnsigned(supers, *super);
      ++count;
    }
    if (!final || count > 0) info.plain = false;
    out.push_back(final ? 0x4F : 0x50);
    WriteVarUnsigned(out, count);
    out.insert(out.end(), supers.begin(), supers.end());
    if (absl::Status s = ExpectLParen(); !s.ok()) return s;
  }
  if (IsKeyword("func")) {
    ++pos_;
    // A definition may name its parameters; the names mean nothing here.
    FuncSig sig;
    while (AtField("param") || AtField("result")) {
      const bool param = AtField("param");
      pos_ += 2;
      if (param && Cur().kind == TokenKind::kId) {
        ++pos_;
        Bytes t;
        if (absl::Status s = TakeValType(t); !s.ok()) return s;
        sig.params.push_back(std::move(t));
      } else {
        while (!AtRParen()) {
          Bytes t;
          if (absl::Status s = TakeValType(t); !s.ok()) return s;
          (param ? sig.params : sig.results).push_back(std::move(t));
        }
      }
      if (absl::Status s = ExpectRParen(); !s.ok()) return s;
      if (param && !sig.results.empty()) return Unexpected();
    }
    out.push_back(0x60);
    WriteVarUnsigned(out, sig.params.size());
    for (const Bytes& t : sig.params) out.insert(out.end(), t.begin(), t.end());
    WriteVarUnsigned(out, sig.results.size());
    for (const Bytes& t : sig.results) out.insert(out.end(), t.begin(), t.end());
    info.kind = TypeInfo::Kind::kFunc;
    info.sig = std::move(sig);
  } else if (IsKeyword("struct") || IsKeyword("array")) {
    const bool is_struct = IsKeyword("struct");
    features_.Add(Feature::kGc);
    ++pos_;
    Bytes fields;
    uint32_t count = 0;
    auto take_field_type = [&]() -> absl::Status {
      const bool mut = AtField("mut");
      if (mut) pos_ += 2;
      if (absl::Status s = TakeValType(fields, /*storage=*/true); !s.ok()) return s;
      fields.push_back(mut ? 1 : 0);
      ++count;
      return mut ? ExpectRParen() : absl::OkStatus();
    };
    if (is_struct) {
      while (AtField("field")) {
        pos_ += 2;
        if (Cur().kind == TokenKind::kId) {
          const std::string name = IdName(Cur());
          if (!info.fields.try_emplace(name, count).second) return Error("duplicate field");
          ++pos_;
          if (absl::Status s = take_field_type(); !s.ok()) return s;
        } else {
          while (!AtRParen()) {
            if (absl::Status s = take_field_type(); !s.ok()) return s;
          }
        }
        if (absl::Status s = ExpectRParen(); !s.ok()) return s;
      }
      out.push_back(0x5F);
      WriteVarUnsigned(out, count);
    } else {
      if (AtField("field")) {  // tolerated: (array (field t))
        pos_ += 2;
        if (absl::Status s = take_field_type(); !s.ok()) return s;
        if (absl::Status s = ExpectRParen(); !s.ok()) return s;
      } else if (absl::Status s = take_field_type(); !s.ok()) {
        return s;
      }
      out.push_back(0x5E);
    }
    out.insert(out.end(), fields.begin(), fields.end());
    info.kind = is_struct ? TypeInfo::Kind::kStruct : TypeInfo::Kind::kArray;
  } else {
    return Unexpected();
  }
  if (absl::Status s = ExpectRParen(); !s.ok()) return s;  // comptype
  if (sub) {
    if (absl::Status s = ExpectRParen(); !s.ok()) return s;
  }
  if (absl::Status s = ExpectRParen(); !s.ok()) return s;  // type
  types_.push_back(std::move(info));
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Step 3: fields.

absl::Status ModuleParser::TakeInlineExports(Space space, uint32_t index) {
  static constexpr uint8_t kExportKind[] = {0xFF, 0, 1, 2, 3, 4};
  while (AtField("export")) {
    pos_ += 2;
    absl::StatusOr<std::string> name = TakeName();
    if (!name.ok()) return name.status();
    AppendName(exports_, *name);
    exports_.push_back(kExportKind[static_cast<int>(space)]);
    WriteVarUnsigned(exports_, index);
    ++export_count_;
    if (absl::Status s = ExpectRParen(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ModuleParser::TakeLimits(Bytes& out, std::string_view what, bool* is64,
                                      uint64_t* min_out) {
  uint8_t flags = 0;
  if (IsKeyword("i64")) {
    ++pos_;
    *is64 = true;
    features_.Add(Feature::kMemory64);
  } else if (IsKeyword("i32")) {
    ++pos_;
  }
  if (*is64) flags |= 0x04;
  // A 32-bit table or memory takes sizes up to 2^32-1: beyond, 2.0 says
  // "i32 constant out of range" and 3.0 (which reads them as u64) "memory
  // size" or "table size"; the message has both.
  auto take = [&]() -> absl::StatusOr<uint64_t> {
    if (*is64) return TakeU64();
    if (Cur().kind == TokenKind::kNumber) {
      const std::optional<uint64_t> wide = ParseNat(Cur().text);
      if (wide.has_value() && *wide > UINT32_MAX) {
        return Error(absl::StrCat(std::string(what), " ", *wide,
                                  " does not fit 32 bits: i32 constant out of range"));
      }
    }
    return TakeU32();
  };
  absl::StatusOr<uint64_t> min = take();
  if (!min.ok()) return min.status();
  std::optional<uint64_t> max;
  if (Cur().kind == TokenKind::kNumber) {
    absl::StatusOr<uint64_t> m = take();
    if (!m.ok()) return m.status();
    max = *m;
    flags |= 0x01;
  }
  if (IsKeyword("shared")) {
    ++pos_;
    flags |= 0x02;
    features_.Add(Feature::kThreads);
  } else if (IsKeyword("unshared")) {
    ++pos_;
  }
  std::optional<uint32_t> page_log2;
  if (AtField("pagesize")) {
    pos_ += 2;
    absl::StatusOr<uint32_t> size = TakeU32();
    if (!size.ok()) return size.status();
    if (*size == 0 || (*size & (*size - 1)) != 0) return Error("invalid custom page size");
    page_log2 = static_cast<uint32_t>(__builtin_ctz(*size));
    flags |= 0x08;
    features_.Add(Feature::kCustomPageSizes);
    if (absl::Status s = ExpectRParen(); !s.ok()) return s;
  }
  out.push_back(flags);
  WriteVarUnsigned(out, *min);
  if (max) WriteVarUnsigned(out, *max);
  if (page_log2) WriteVarUnsigned(out, *page_log2);
  if (min_out != nullptr) *min_out = *min;
  return absl::OkStatus();
}

absl::Status ModuleParser::TakeDataString(Bytes& out) {
  while (Cur().kind == TokenKind::kString) {
    const std::string bytes = StringValue(Cur());
    out.insert(out.end(), bytes.begin(), bytes.end());
    ++pos_;
  }
  return absl::OkStatus();
}

// `(offset expr)` or one folded instruction.
absl::Status ModuleParser::TakeOffsetExpr(Bytes& out) {
  if (AtField("offset")) {
    pos_ += 2;
    return TakeConstExpr(out);  // stops at the ')' and consumes it
  }
  if (Cur().kind != TokenKind::kLParen) return Unexpected();
  if (absl::Status s = TakeOneFolded(out); !s.ok()) return s;
  out.push_back(0x0B);
  return absl::OkStatus();
}

absl::Status ModuleParser::EncodeField(size_t at) {
  if (Tok(at).kind == TokenKind::kAnnotation) return EncodeCustom(at);
  const std::string_view kind = Tok(at + 1).text;
  if (kind == "func") return EncodeFunc(at);
  if (kind == "table") return EncodeTable(at);
  if (kind == "memory") return EncodeMemory(at);
  if (kind == "global") return EncodeGlobal(at);
  if (kind == "tag") return EncodeTag(at);
  if (kind == "import") return EncodeImport(at);
  if (kind == "export") return EncodeExport(at);
  if (kind == "start") return EncodeStart(at);
  if (kind == "elem") return EncodeElem(at);
  if (kind == "data") return EncodeData(at);
  return ErrorAtToken(at + 1, "unexpected token");
}

// What an import or a definition of each kind is, after its id and exports.
// For an import the description goes to imports_, else to its section.

absl::Status ModuleParser::EncodeImport(size_t at) {
  pos_ = at + 2;
  absl::StatusOr<std::string> module = TakeName();
  if (!module.ok()) return module.status();
  absl::StatusOr<std::string> name = TakeName();
  if (!name.ok()) return name.status();
  if (absl::Status s = ExpectLParen(); !s.ok()) return s;
  const std::string_view kind = Cur().text;
  ++pos_;
  TakeId();
  if (kind == "func") NextIndex(Space::kFunc);
  if (kind == "table") NextIndex(Space::kTable);
  if (kind == "memory") NextIndex(Space::kMemory);
  if (kind == "global") NextIndex(Space::kGlobal);
  if (kind == "tag") NextIndex(Space::kTag);
  AppendName(imports_, *module);
  AppendName(imports_, *name);
  ++import_count_;
  if (kind == "func" || kind == "tag") {
    absl::StatusOr<uint32_t> type = TakeTypeUse(nullptr);
    if (!type.ok()) return type.status();
    if (kind == "func") {
      imports_.push_back(0x00);
    } else {
      features_.Add(Feature::kExceptions);
      imports_.push_back(0x04);
      imports_.push_back(0x00);
    }
    WriteVarUnsigned(imports_, *type);
  } else if (kind == "table") {
    imports_.push_back(0x01);
    bool is64 = false;
    Bytes limits;
    if (absl::Status s = TakeLimits(limits, "table size", &is64); !s.ok()) return s;
    if (absl::Status s = TakeRefType(imports_); !s.ok()) return s;
    imports_.insert(imports_.end(), limits.begin(), limits.end());
  } else if (kind == "memory") {
    imports_.push_back(0x02);
    bool is64 = false;
    if (absl::Status s = TakeLimits(imports_, "memory size", &is64); !s.ok()) return s;
  } else if (kind == "global") {
    imports_.push_back(0x03);
    const bool mut = AtField("mut");
    if (mut) pos_ += 2;
    if (absl::Status s = TakeValType(imports_); !s.ok()) return s;
    imports_.push_back(mut ? 1 : 0);
    if (mut) {
      if (absl::Status s = ExpectRParen(); !s.ok()) return s;
    }
  } else {
    return Unexpected();
  }
  if (absl::Status s = ExpectRParen(); !s.ok()) return s;
  return ExpectRParen();
}

absl::StatusOr<bool> ModuleParser::TakeInlineImport() {
  if (!AtField("import")) return false;
  pos_ += 2;
  absl::StatusOr<std::string> module = TakeName();
  if (!module.ok()) return module.status();
  absl::StatusOr<std::string> name = TakeName();
  if (!name.ok()) return name.status();
  if (absl::Status s = ExpectRParen(); !s.ok()) return s;
  AppendName(imports_, *module);
  AppendName(imports_, *name);
  ++import_count_;
  return true;
}

absl::Status ModuleParser::EncodeFunc(size_t at) {
  pos_ = at + 2;
  TakeId();
  const uint32_t func_index = NextIndex(Space::kFunc);
  if (absl::Status s = TakeInlineExports(Space::kFunc, func_index); !s.ok()) return s;
  absl::StatusOr<bool> imported = TakeInlineImport();
  if (!imported.ok()) return imported.status();
  if (*imported) {
    absl::StatusOr<uint32_t> type = TakeTypeUse(nullptr);
    if (!type.ok()) return type.status();
    imports_.push_back(0x00);
    WriteVarUnsigned(imports_, *type);
    return ExpectRParen();
  }
  std::vector<std::optional<std::string>> param_ids;
  absl::StatusOr<uint32_t> type = TakeTypeUse(&param_ids);
  if (!type.ok()) return type.status();
  WriteVarUnsigned(funcs_, *type);
  ++func_count_;

  FuncContext f;
  f.locals.what = "local";
  for (const std::optional<std::string>& id : param_ids) {
    const uint32_t i = f.locals.count++;
    if (id && !f.locals.by_name.try_emplace(*id, i).second) {
      return Error(absl::StrCat("duplicate local $", *id));
    }
  }
  // Locals, in runs of one type.
  std::vector<std::pair<uint32_t, Bytes>> runs;
  auto add_local = [&](Bytes type, const std::optional<std::string>& id) -> absl::Status {
    const uint32_t i = f.locals.count++;
    if (id && !f.locals.by_name.try_emplace(*id, i).second) {
      return Error(absl::StrCat("duplicate local $", *id));
    }
    if (!runs.empty() && runs.back().second == type) {
      ++runs.back().first;
    } else {
      runs.emplace_back(1, std::move(type));
    }
    return absl::OkStatus();
  };
  while (AtField("local")) {
    pos_ += 2;
    if (Cur().kind == TokenKind::kId) {
      const std::string name = IdName(Cur());
      ++pos_;
      Bytes t;
      if (absl::Status s = TakeValType(t); !s.ok()) return s;
      if (absl::Status s = add_local(std::move(t), name); !s.ok()) return s;
    } else {
      while (!AtRParen()) {
        Bytes t;
        if (absl::Status s = TakeValType(t); !s.ok()) return s;
        if (absl::Status s = add_local(std::move(t), std::nullopt); !s.ok()) return s;
      }
    }
    if (absl::Status s = ExpectRParen(); !s.ok()) return s;
  }
  Bytes body;
  WriteVarUnsigned(body, runs.size());
  for (const auto& [count, t] : runs) {
    WriteVarUnsigned(body, count);
    body.insert(body.end(), t.begin(), t.end());
  }
  if (absl::Status s = TakeInstructions(f, body); !s.ok()) return s;
  if (absl::Status s = ExpectRParen(); !s.ok()) return s;
  body.push_back(0x0B);
  WriteVarUnsigned(codes_, body.size());
  codes_.insert(codes_.end(), body.begin(), body.end());
  ++code_count_;
  return absl::OkStatus();
}

absl::Status ModuleParser::EncodeTable(size_t at) {
  pos_ = at + 2;
  TakeId();
  const uint32_t index = NextIndex(Space::kTable);
  if (absl::Status s = TakeInlineExports(Space::kTable, index); !s.ok()) return s;
  absl::StatusOr<bool> imported = TakeInlineImport();
  if (!imported.ok()) return imported.status();
  Bytes& out = *imported ? imports_ : tables_;
  if (*imported) out.push_back(0x01);
  bool is64 = false;
  // `(table $t? i64? reftype (elem ...))`: the size comes from the list.
  const size_t after_index_type = pos_ + ((IsKeyword("i64") || IsKeyword("i32")) ? 1 : 0);
  if (!*imported && Tok(after_index_type).kind != TokenKind::kNumber) {
    if (IsKeyword("i64")) {
      is64 = true;
      features_.Add(Feature::kMemory64);
    }
    pos_ = after_index_type;
    Bytes reftype;
    if (absl::Status s = TakeRefType(reftype); !s.ok()) return s;
    if (!AtField("elem")) return Unexpected();
    pos_ += 2;
    Bytes items;
    uint32_t count = 0;
    bool expressions = false;
    Bytes list_type = reftype;
    if (absl::Status s = TakeElemList(items, &count, &expressions, list_type); !s.ok()) return s;
    if (absl::Status s = ExpectRParen(); !s.ok()) return s;
    out.insert(out.end(), reftype.begin(), reftype.end());
    out.push_back(is64 ? 0x05 : 0x01);
    WriteVarUnsigned(out, count);
    WriteVarUnsigned(out, count);
    ++table_count_;
    // The segment: active on this table at offset 0.
    const bool funcref = reftype.size() == 1 && reftype[0] == 0x70;
    uint8_t flags = expressions ? 4 : 0;
    if (index != 0 || (expressions && !funcref)) flags |= 2;
    WriteVarUnsigned(elems_, flags);
    if (flags & 2) WriteVarUnsigned(elems_, index);
    elems_.push_back(is64 ? 0x42 : 0x41);
    elems_.push_back(0x00);
    elems_.push_back(0x0B);
    if (flags & 2) {
      if (expressions) {
        elems_.insert(elems_.end(), reftype.begin(), reftype.end());
      } else {
        elems_.push_back(0x00);
      }
    }
    WriteVarUnsigned(elems_, count);
    elems_.insert(elems_.end(), items.begin(), items.end());
    ++elem_count_;
    NextIndex(Space::kElem);
    return ExpectRParen();
  }
  Bytes limits;
  if (absl::Status s = TakeLimits(limits, "table size", &is64); !s.ok()) return s;
  Bytes reftype;
  if (absl::Status s = TakeRefType(reftype); !s.ok()) return s;
  if (!*imported && !AtRParen()) {
    // An initializer for every element.
    features_.Add(Feature::kFunctionReferences);
    out.push_back(0x40);
    out.push_back(0x00);
    out.insert(out.end(), reftype.begin(), reftype.end());
    out.insert(out.end(), limits.begin(), limits.end());
    FuncContext none;
    if (absl::Status s = TakeInstructions(none, out); !s.ok()) return s;
    out.push_back(0x0B);
  } else {
    out.insert(out.end(), reftype.begin(), reftype.end());
    out.insert(out.end(), limits.begin(), limits.end());
  }
  if (!*imported) ++table_count_;
  return ExpectRParen();
}

absl::Status ModuleParser::EncodeMemory(size_t at) {
  pos_ = at + 2;
  TakeId();
  const uint32_t index = NextIndex(Space::kMemory);
  if (index > 0) features_.Add(Feature::kMultiMemory);
  if (absl::Status s = TakeInlineExports(Space::kMemory, index); !s.ok()) return s;
  absl::StatusOr<bool> imported = TakeInlineImport();
  if (!imported.ok()) return imported.status();
  Bytes& out = *imported ? imports_ : memories_;
  if (*imported) out.push_back(0x02);
  bool is64 = false;
  const size_t after_index_type = pos_ + ((IsKeyword("i64") || IsKeyword("i32")) ? 1 : 0);
  if (!*imported && Tok(after_index_type).kind == TokenKind::kLParen &&
      Tok(after_index_type + 1).text == "data") {
    if (IsKeyword("i64")) {
      is64 = true;
      features_.Add(Feature::kMemory64);
    }
    pos_ = after_index_type + 2;
    Bytes bytes;
    if (absl::Status s = TakeDataString(bytes); !s.ok()) return s;
    if (absl::Status s = ExpectRParen(); !s.ok()) return s;
    const uint64_t pages = (bytes.size() + 65535) / 65536;
    out.push_back(is64 ? 0x05 : 0x01);
    WriteVarUnsigned(out, pages);
    WriteVarUnsigned(out, pages);
    ++memory_count_;
    WriteVarUnsigned(datas_, index == 0 ? 0 : 2);
    if (index != 0) WriteVarUnsigned(datas_, index);
    datas_.push_back(is64 ? 0x42 : 0x41);
    datas_.push_back(0x00);
    datas_.push_back(0x0B);
    WriteVarUnsigned(datas_, bytes.size());
    datas_.insert(datas_.end(), bytes.begin(), bytes.end());
    ++data_count_;
    NextIndex(Space::kData);
    return ExpectRParen();
  }
  if (absl::Status s = TakeLimits(out, "memory size", &is64); !s.ok()) return s;
  if (!*imported) ++memory_count_;
  return ExpectRParen();
}

absl::Status ModuleParser::EncodeGlobal(size_t at) {
  pos_ = at + 2;
  TakeId();
  const uint32_t index = NextIndex(Space::kGlobal);
  if (absl::Status s = TakeInlineExports(Space::kGlobal, index); !s.ok()) return s;
  absl::StatusOr<bool> imported = TakeInlineImport();
  if (!imported.ok()) return imported.status();
  Bytes& out = *imported ? imports_ : globals_;
  if (*imported) out.push_back(0x03);
  const bool mut = AtField("mut");
  if (mut) pos_ += 2;
  if (absl::Status s = TakeValType(out); !s.ok()) return s;
  out.push_back(mut ? 1 : 0);
  if (mut) {
    if (absl::Status s = ExpectRParen(); !s.ok()) return s;
  }
  if (*imported) return ExpectRParen();
  ++global_count_;
  return TakeConstExpr(out);
}

absl::Status ModuleParser::EncodeTag(size_t at) {
  pos_ = at + 2;
  TakeId();
  features_.Add(Feature::kExceptions);
  const uint32_t index = NextIndex(Space::kTag);
  if (absl::Status s = TakeInlineExports(Space::kTag, index); !s.ok()) return s;
  absl::StatusOr<bool> imported = TakeInlineImport();
  if (!imported.ok()) return imported.status();
  Bytes& out = *imported ? imports_ : tags_;
  if (*imported) out.push_back(0x04);
  absl::StatusOr<uint32_t> type = TakeTypeUse(nullptr);
  if (!type.ok()) return type.status();
  out.push_back(0x00);
  WriteVarUnsigned(out, *type);
  if (!*imported) ++tag_count_;
  return ExpectRParen();
}

// elemlist: `func? index*` (function indices) or `reftype item*` where an
// item is `(item expr)` or one folded instruction.
absl::Status ModuleParser::TakeElemList(Bytes& items, uint32_t* count, bool* expressions,
                                        Bytes& reftype) {
  *count = 0;
  if (IsKeyword("func") || AtIndex() || AtRParen()) {
    if (IsKeyword("func")) ++pos_;
    *expressions = false;
    reftype = {0x70};
    while (AtIndex()) {
      absl::StatusOr<uint32_t> f = TakeIndex(Space::kFunc);
      if (!f.ok()) return f.status();
      WriteVarUnsigned(items, *f);
      ++*count;
    }
    return absl::OkStatus();
  }
  *expressions = true;
  // A table's inline elem may leave the type to the table.
  if (Cur().kind == TokenKind::kLParen && !AtField("ref") && !reftype.empty()) {
  } else if (absl::Status s = TakeRefType(reftype); !s.ok()) {
    return s;
  }
  while (Cur().kind == TokenKind::kLParen) {
    if (AtField("item")) {
      pos_ += 2;
      if (absl::Status s = TakeConstExpr(items); !s.ok()) return s;
    } else {
      if (absl::Status s = TakeOneFolded(items); !s.ok()) return s;
      items.push_back(0x0B);
    }
    ++*count;
  }
  return absl::OkStatus();
}

absl::Status ModuleParser::EncodeElem(size_t at) {
  pos_ = at + 2;
  TakeId();
  NextIndex(Space::kElem);
  enum class Mode { kPassive, kDeclare, kActive } mode = Mode::kPassive;
  std::optional<uint32_t> table;
  Bytes offset;
  if (IsKeyword("declare")) {
    ++pos_;
    mode = Mode::kDeclare;
  } else {
    if (AtField("table")) {
      pos_ += 2;
      absl::StatusOr<uint32_t> t = TakeIndex(Space::kTable);
      if (!t.ok()) return t.status();
      table = *t;
      if (absl::Status s = ExpectRParen(); !s.ok()) return s;
      mode = Mode::kActive;
    } else if (AtIndex() && Next().kind == TokenKind::kLParen) {
      // The 1.0 form: a bare table index before the offset.
      absl::StatusOr<uint32_t> t = TakeIndex(Space::kTable);
      if (!t.ok()) return t.status();
      table = *t;
      mode = Mode::kActive;
    }
    if (AtField("offset") ||
        (Cur().kind == TokenKind::kLParen && Next().kind == TokenKind::kKeyword &&
         Next().text != "item" && Next().text != "ref")) {
      if (absl::Status s = TakeOffsetExpr(offset); !s.ok()) return s;
      mode = Mode::kActive;
    } else if (table) {
      return Unexpected();
    }
  }
  Bytes items;
  uint32_t count = 0;
  bool expressions = false;
  Bytes reftype;
  if (absl::Status s = TakeElemList(items, &count, &expressions, reftype); !s.ok()) return s;
  uint8_t flags = expressions ? 4 : 0;
  const bool funcref = reftype.size() == 1 && reftype[0] == 0x70;
  switch (mode) {
    case Mode::kPassive: flags |= 1; break;
    case Mode::kDeclare: flags |= 3; break;
    case Mode::kActive:
      if (table || (expressions && !funcref)) flags |= 2;
      break;
  }
  WriteVarUnsigned(elems_, flags);
  if (mode == Mode::kActive) {
    if (flags & 2) WriteVarUnsigned(elems_, table.value_or(0));
    elems_.insert(elems_.end(), offset.begin(), offset.end());
  }
  // Flags 1, 2, 3 carry an elemkind (0x00 = func); 5, 6, 7 a reftype.
  if ((flags & 3) != 0) {
    if (expressions) {
      elems_.insert(elems_.end(), reftype.begin(), reftype.end());
    } else {
      elems_.push_back(0x00);
    }
  }
  WriteVarUnsigned(elems_, count);
  elems_.insert(elems_.end(), items.begin(), items.end());
  ++elem_count_;
  return ExpectRParen();
}

absl::Status ModuleParser::EncodeData(size_t at) {
  pos_ = at + 2;
  TakeId();
  NextIndex(Space::kData);
  std::optional<uint32_t> memory;
  if (AtField("memory")) {
    pos_ += 2;
    absl::StatusOr<uint32_t> m = TakeIndex(Space::kMemory);
    if (!m.ok()) return m.status();
    memory = *m;
    if (*m != 0) features_.Add(Feature::kMultiMemory);
    if (absl::Status s = ExpectRParen(); !s.ok()) return s;
  } else if (AtIndex() && Next().kind == TokenKind::kLParen) {
    // The 1.0 form: a bare memory index before the offset.
    absl::StatusOr<uint32_t> m = TakeIndex(Space::kMemory);
    if (!m.ok()) return m.status();
    memory = *m;
  }
  Bytes offset;
  const bool active = Cur().kind == TokenKind::kLParen;
  if (active) {
    if (absl::Status s = TakeOffsetExpr(offset); !s.ok()) return s;
  } else if (memory) {
    return Unexpected();
  }
  Bytes bytes;
  if (absl::Status s = TakeDataString(bytes); !s.ok()) return s;
  if (!active) {
    datas_.push_back(0x01);
  } else if (memory) {
    datas_.push_back(0x02);
    WriteVarUnsigned(datas_, *memory);
  } else {
    datas_.push_back(0x00);
  }
  datas_.insert(datas_.end(), offset.begin(), offset.end());
  WriteVarUnsigned(datas_, bytes.size());
  datas_.insert(datas_.end(), bytes.begin(), bytes.end());
  ++data_count_;
  return ExpectRParen();
}

absl::Status ModuleParser::EncodeExport(size_t at) {
  pos_ = at + 2;
  absl::StatusOr<std::string> name = TakeName();
  if (!name.ok()) return name.status();
  if (absl::Status s = ExpectLParen(); !s.ok()) return s;
  static constexpr std::pair<std::string_view, Space> kKinds[] = {
      {"func", Space::kFunc},     {"table", Space::kTable}, {"memory", Space::kMemory},
      {"global", Space::kGlobal}, {"tag", Space::kTag}};
  for (uint8_t k = 0; k < std::size(kKinds); ++k) {
    if (!IsKeyword(kKinds[k].first)) continue;
    ++pos_;
    absl::StatusOr<uint32_t> index = TakeIndex(kKinds[k].second);
    if (!index.ok()) return index.status();
    AppendName(exports_, *name);
    exports_.push_back(k);
    WriteVarUnsigned(exports_, *index);
    ++export_count_;
    if (absl::Status s = ExpectRParen(); !s.ok()) return s;
    return ExpectRParen();
  }
  return Unexpected();
}

absl::Status ModuleParser::EncodeStart(size_t at) {
  pos_ = at + 2;
  absl::StatusOr<uint32_t> index = TakeIndex(Space::kFunc);
  if (!index.ok()) return index.status();
  WriteVarUnsigned(start_, *index);
  return ExpectRParen();
}

// (@custom "name" (before|after section|first|last)? datastring)
absl::Status ModuleParser::EncodeCustom(size_t at) {
  pos_ = at + 1;
  if (Cur().kind != TokenKind::kString) {
    return Error("@custom annotation: missing section name");
  }
  absl::StatusOr<std::string> name = TakeString();
  if (!name.ok()) return name.status();
  if (!IsValidUtf8(*name)) return ErrorAtToken(at, "@custom annotation: malformed UTF-8 encoding");
  // A place is a slot of kSectionOrder, times two, plus one for "after".
  int place = 1000;  // after last
  if (Cur().kind == TokenKind::kLParen) {
    ++pos_;
    const bool before = IsKeyword("before");
    if (!before && !IsKeyword("after")) return Error("@custom annotation: malformed placement");
    ++pos_;
    if (Cur().kind != TokenKind::kKeyword) return Error("@custom annotation: malformed placement");
    const std::string_view what = Cur().text;
    if (what == "first") {
      if (!before) return Error("@custom annotation: malformed placement");
      place = -1;
    } else if (what == "last") {
      if (before) return Error("@custom annotation: malformed placement");
      place = 1000;
    } else {
      const int slot = SlotOfSection(what);
      if (slot < 0) return Error("@custom annotation: malformed section kind");
      place = slot * 2 + (before ? 0 : 1);
    }
    ++pos_;
    if (!AtRParen()) return Error("@custom annotation: malformed placement");
    ++pos_;
  }
  Bytes content;
  AppendName(content, *name);
  if (Cur().kind != TokenKind::kString && !AtRParen()) {
    return Error("@custom annotation: unexpected token");
  }
  if (absl::Status s = TakeDataString(content); !s.ok()) return s;
  if (!AtRParen()) return Error("@custom annotation: unexpected token");
  ++pos_;
  customs_.emplace_back(place, std::move(content));
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Putting it together.

absl::StatusOr<Bytes> ModuleParser::Assemble() {
  Bytes out = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  // Room for every section: their bodies plus a few bytes of id, size and
  // count each, so that `out` seldom grows by copying.
  size_t room = 64 * (std::size(kSectionOrder) + customs_.size());
  for (const Bytes* b : {&type_section_, &imports_, &funcs_, &tables_, &memories_, &tags_,
                         &globals_, &exports_, &start_, &elems_, &codes_, &datas_}) {
    room += b->size();
  }
  for (const auto& [place, content] : customs_) room += content.size();
  out.reserve(out.size() + room);
  auto emit_customs = [&](int place) {
    for (const auto& [p, content] : customs_) {
      if (p == place) AppendSection(out, kCustomId, 0, content, /*counted=*/false);
    }
  };
  emit_customs(-1);
  for (int slot = 0; slot < static_cast<int>(std::size(kSectionOrder)); ++slot) {
    emit_customs(slot * 2);
    switch (kSectionOrder[slot]) {
      case kTypeId: {
        Bytes body = type_section_;
        for (const FuncSig& sig : implicit_types_) {
          body.push_back(0x60);
          WriteVarUnsigned(body, sig.params.size());
          for (const Bytes& t : sig.params) body.insert(body.end(), t.begin(), t.end());
          WriteVarUnsigned(body, sig.results.size());
          for (const Bytes& t : sig.results) body.insert(body.end(), t.begin(), t.end());
        }
        const uint32_t count = type_entries_ + static_cast<uint32_t>(implicit_types_.size());
        if (count > 0) AppendSection(out, kTypeId, count, body);
        break;
      }
      case kImportId:
        if (import_count_ > 0) AppendSection(out, kImportId, import_count_, imports_);
        break;
      case kFuncId:
        if (func_count_ > 0) AppendSection(out, kFuncId, func_count_, funcs_);
        break;
      case kTableId:
        if (table_count_ > 0) AppendSection(out, kTableId, table_count_, tables_);
        break;
      case kMemoryId:
        if (memory_count_ > 0) AppendSection(out, kMemoryId, memory_count_, memories_);
        break;
      case kTagId:
        if (tag_count_ > 0) AppendSection(out, kTagId, tag_count_, tags_);
        break;
      case kGlobalId:
        if (global_count_ > 0) AppendSection(out, kGlobalId, global_count_, globals_);
        break;
      case kExportId:
        if (export_count_ > 0) AppendSection(out, kExportId, export_count_, exports_);
        break;
      case kStartId:
        if (!start_.empty()) AppendSection(out, kStartId, 0, start_, /*counted=*/false);
        break;
      case kElemId:
        if (elem_count_ > 0) AppendSection(out, kElemId, elem_count_, elems_);
        break;
      case kDataCountId:
        if (uses_data_count_) {
          Bytes empty;
          AppendSection(out, kDataCountId, SpaceOf(Space::kData).count, empty);
        }
        break;
      case kCodeId:
        if (code_count_ > 0) AppendSection(out, kCodeId, code_count_, codes_);
        break;
      case kDataId:
        if (data_count_ > 0) AppendSection(out, kDataId, data_count_, datas_);
        break;
    }
    emit_customs(slot * 2 + 1);
  }
  emit_customs(1000);
  return out;
}

absl::StatusOr<ParsedModule> ModuleParser::Parse(size_t begin, size_t end) {
  for (int i = 0; i < static_cast<int>(Space::kCount); ++i) spaces_[i].what = kSpaceWhat[i].data();
  // A scan error (a stray token, say) is reported after the fields before
  // it are encoded, so errors come in text order as in the reference parser.
  const absl::Status scanned = Scan(begin, end);
  if (SpaceOf(Space::kMemory).count > 1) features_.Add(Feature::kMultiMemory);
  if (absl::Status s = EncodeTypes(); !s.ok()) return s;
  for (size_t at : other_fields_) {
    if (absl::Status s = EncodeField(at); !s.ok()) return s;
  }
  if (!scanned.ok()) return scanned;
  absl::StatusOr<Bytes> binary = Assemble();
  if (!binary.ok()) return binary.status();
  ParsedModule module;
  module.binary = *std::move(binary);
  module.features = features_;
  return module;
}

// ---------------------------------------------------------------------------

absl::StatusOr<ParsedModule> ParseModuleAt(const TokenStream& stream, size_t& index,
                                           bool fields_only) {
  ModuleParser parser(stream);
  if (fields_only) {
    const size_t end = stream.tokens.size() - 1;
    absl::StatusOr<ParsedModule> module = parser.Parse(index, end);
    if (module.ok()) index = end;
    return module;
  }
  const auto& tokens = stream.tokens;
  auto at = [&](size_t i) -> Token { return tokens[std::min(i, tokens.size() - 1)]; };
  if (at(index).kind != TokenKind::kLParen || at(index + 1).text != "module") {
    return ErrorAt(stream, at(index).offset, "unexpected token, expected (module");
  }
  size_t i = index + 2;
  if (at(i).kind == TokenKind::kKeyword && at(i).text == "definition") ++i;
  std::string name;
  if (at(i).kind == TokenKind::kId) name = IdName(at(i++));
  // The closing paren of the module.
  int depth = 0;
  size_t close = index;
  for (; close < tokens.size(); ++close) {
    const TokenKind k = tokens[close].kind;
    if (k == TokenKind::kLParen || k == TokenKind::kAnnotation) ++depth;
    if (k == TokenKind::kRParen && --depth == 0) break;
    if (k == TokenKind::kEnd) return ErrorAt(stream, at(index).offset, "unclosed module");
  }
  absl::StatusOr<ParsedModule> module;
  if (at(i).kind == TokenKind::kKeyword && (at(i).text == "binary" || at(i).text == "quote")) {
    const bool quote = at(i).text == "quote";
    std::string bytes;
    for (size_t k = i + 1; k < close; ++k) {
      if (tokens[k].kind != TokenKind::kString) {
        return ErrorAt(stream, tokens[k].offset, "unexpected token, expected a string");
      }
      bytes += StringValue(tokens[k]);
    }
    if (quote) {
      absl::StatusOr<ParsedModule> quoted = ParseModule(bytes, stream.filename + " (quote)");
      if (!quoted.ok()) return quoted.status();
      module = *std::move(quoted);
    } else {
      module = ParsedModule{};
      module->binary.assign(bytes.begin(), bytes.end());
    }
  } else {
    module = parser.Parse(i, close);
  }
  if (!module.ok()) return module.status();
  if (!name.empty()) module->name = name;
  index = close + 1;
  return module;
}

absl::StatusOr<ParsedModule> ParseModule(std::string_view text, std::string_view filename) {
  absl::StatusOr<TokenStream> stream = Lex(text, filename);
  if (!stream.ok()) return stream.status();
  size_t index = 0;
  const auto& tokens = stream->tokens;
  const bool wrapped = tokens.size() > 2 && tokens[0].kind == TokenKind::kLParen &&
                       tokens[1].kind == TokenKind::kKeyword && tokens[1].text == "module";
  absl::StatusOr<ParsedModule> module = ParseModuleAt(*stream, index, !wrapped);
  if (!module.ok()) return module.status();
  if (tokens[index].kind != TokenKind::kEnd) {
    return ErrorAt(*stream, tokens[index].offset, "unexpected token after the module");
  }
  return module;
}

}  // namespace kiln::wasm::text
