#include "kiln/wasm/decoder.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "binary_reader.h"
#include "name_section.h"

namespace kiln::wasm {
namespace {

using internal::BinaryReader;

enum SectionId : uint8_t {
  kCustom = 0,
  kType = 1,
  kImport = 2,
  kFunction = 3,
  kTable = 4,
  kMemory = 5,
  kGlobal = 6,
  kExport = 7,
  kStart = 8,
  kElement = 9,
  kCode = 10,
  kData = 11,
  kDataCount = 12,
};

// Position of each known section in the required order (data count comes
// between element and code).
int SectionRank(uint8_t id) {
  static constexpr int kRank[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
  return kRank[id];
}

// The 3.0 proposal a type byte Kiln does not decode yet belongs to, or empty:
// typed references (function-references), the GC types and exnref.
std::string_view ProposalOfTypeByte(uint8_t b) {
  switch (b) {
    case 0x63: case 0x64: return "function-references";  // (ref null ht), (ref ht)
    case 0x69: case 0x74: return "exceptions";           // exnref, nullexnref
    case 0x6A: case 0x6B: case 0x6C: case 0x6D: case 0x6E:  // array struct i31 eq any
    case 0x71: case 0x72: case 0x73:                        // none noextern nofunc
    case 0x4E: case 0x4F: case 0x50: case 0x5E: case 0x5F:  // rec, sub, array, struct
      return "gc";
    default: return "";
  }
}

// Bytes that are malformed in 2.0 but mean a 3.0 feature Kiln does not have
// yet: UNIMPLEMENTED, keeping 2.0's phrase `what` first.
bool UnsupportedTypeByte(BinaryReader& r, size_t at, std::string_view what, uint8_t b) {
  const std::string_view proposal = ProposalOfTypeByte(b);
  if (proposal.empty()) return r.Malformed(at, what);
  return r.Fail(ErrorKind::kUnsupported, at,
                absl::StrCat(std::string(what), " 0x", absl::Hex(b), ": ", std::string(proposal),
                             " is not supported yet"));
}

// A constant expression may hold at most this many instructions; 2.0 needs
// one, and the cap keeps a hostile expression from costing memory.
constexpr size_t kMaxConstExprInstructions = 10'000;

class Decoder {
 public:
  Decoder(std::span<const uint8_t> bytes, const DecodeOptions& options)
      : bytes_(bytes), limits_(options.limits) {}

  absl::StatusOr<Module> Decode();

 private:
  absl::Status DecodeSections();
  absl::Status DecodeSection(uint8_t id, BinaryReader& r);
  absl::Status FirstMalformedBody(uint64_t before) const;
  bool ReadValType(BinaryReader& r, ValType* out);
  bool ReadRefType(BinaryReader& r, ValType* out);
  bool ReadLimits(BinaryReader& r, Limits* out, bool memory);
  bool ReadTableType(BinaryReader& r, TableType* out);
  bool ReadGlobalType(BinaryReader& r, GlobalType* out);
  bool ReadConstExpr(BinaryReader& r, ConstExpr* out);

  bool DecodeTypes(BinaryReader& r);
  bool DecodeImports(BinaryReader& r);
  bool DecodeFunctions(BinaryReader& r);
  bool DecodeTables(BinaryReader& r);
  bool DecodeMemories(BinaryReader& r);
  bool DecodeGlobals(BinaryReader& r);
  bool DecodeExports(BinaryReader& r);
  bool DecodeStart(BinaryReader& r);
  bool DecodeElements(BinaryReader& r);
  bool DecodeCode(BinaryReader& r);
  bool DecodeData(BinaryReader& r);
  bool DecodeDataCount(BinaryReader& r);
  bool DecodeCustom(BinaryReader& r);

  std::span<const uint8_t> bytes_;
  const ImplementationLimits& limits_;
  Module module_;
  uint32_t num_declared_functions_ = 0;  // from the function section
  bool saw_code_section_ = false;
  std::optional<size_t> code_count_mismatch_at_;  // the code section's count
  bool saw_data_section_ = false;
};

absl::StatusOr<Module> Decoder::Decode() {
  if (bytes_.size() > limits_.max_module_size) {
    return MakeWasmError(ErrorKind::kLimit, 0,
                         absl::StrCat("module of ", bytes_.size(),
                                      " bytes exceeds the limit of ", limits_.max_module_size));
  }
  static constexpr uint8_t kMagic[] = {0x00, 0x61, 0x73, 0x6D};
  static constexpr uint8_t kVersion[] = {0x01, 0x00, 0x00, 0x00};
  if (bytes_.size() < 4) return MakeWasmError(ErrorKind::kMalformed, bytes_.size(), "unexpected end");
  if (!std::equal(kMagic, kMagic + 4, bytes_.begin())) {
    return MakeWasmError(ErrorKind::kMalformed, 0, "magic header not detected");
  }
  if (bytes_.size() < 8) return MakeWasmError(ErrorKind::kMalformed, bytes_.size(), "unexpected end");
  if (!std::equal(kVersion, kVersion + 4, bytes_.begin() + 4)) {
    return MakeWasmError(ErrorKind::kMalformed, 4, "unknown binary version");
  }

  if (absl::Status s = DecodeSections(); !s.ok()) {
    const std::optional<ErrorLocation> at = GetErrorLocation(s);
    if (at.has_value() && saw_code_section_) {
      if (absl::Status first = FirstMalformedBody(at->offset); !first.ok()) return first;
    }
    return s;
  }
  if (num_declared_functions_ != 0 && !saw_code_section_) {
    return MakeWasmError(ErrorKind::kMalformed, bytes_.size(),
                         "function and code section have inconsistent lengths");
  }
  if (module_.data_count.has_value() && *module_.data_count != 0 && !saw_data_section_) {
    return MakeWasmError(ErrorKind::kMalformed, bytes_.size(),
                         "data count and data section have inconsistent lengths");
  }
  return std::move(module_);
}

// The sections in order. A code section whose count differs from the
// function section's is reported after the other sections are read, as the
// spec's decoder does.
absl::Status Decoder::DecodeSections() {
  BinaryReader top(bytes_, 8, bytes_.size(), "unexpected end");
  int last_rank = 0;
  while (!top.AtEnd()) {
    const size_t section_start = top.pos();
    uint8_t id;
    top.ReadByte(&id);
    if (id > kDataCount) {
      return MakeWasmError(ErrorKind::kMalformed, section_start, "malformed section id");
    }
    uint32_t size;
    if (!top.ReadU32(&size)) return top.status();
    if (size > top.remaining()) {
      return MakeWasmError(ErrorKind::kMalformed, top.pos(), "length out of bounds");
    }
    if (id != kCustom) {
      const int rank = SectionRank(id);
      if (rank <= last_rank) {
        return MakeWasmError(ErrorKind::kMalformed, section_start,
                             "unexpected content after last section");
      }
      last_rank = rank;
    }
    BinaryReader r(bytes_, top.pos(), top.pos() + size);
    if (absl::Status s = DecodeSection(id, r); !s.ok()) return s;
    if (!r.AtEnd()) {
      return MakeWasmError(ErrorKind::kMalformed, r.pos(), "section size mismatch");
    }
    top.Skip(size);
  }

  if (code_count_mismatch_at_.has_value()) {
    return MakeWasmError(ErrorKind::kMalformed, *code_count_mismatch_at_,
                         "function and code section have inconsistent lengths");
  }
  return absl::OkStatus();
}

// The spec's decoder reads each function body as it goes, so a malformed body
// is reported before anything malformed in a later section. Kiln only splits
// the bodies here and reads them while validating; on that error path only,
// this finds a malformed body before `before`.
absl::Status Decoder::FirstMalformedBody(uint64_t before) const {
  for (size_t i = 0; i < module_.bodies.size() && module_.bodies[i].offset < before; ++i) {
    const FunctionBody& body = module_.bodies[i];
    const uint32_t function_index = module_.num_imported_functions + static_cast<uint32_t>(i);
    const size_t end = body.offset + body.bytes.size();
    BinaryReader r(bytes_, body.offset, end);
    r.set_function_index(function_index);
    uint32_t groups;
    if (!r.ReadU32(&groups)) return r.status();
    for (uint32_t g = 0; g < groups; ++g) {
      uint32_t count;
      uint8_t type;
      if (!r.ReadU32(&count) || !r.ReadByte(&type)) return r.status();
    }
    InstructionReader reader(bytes_, r.pos(), end, limits_.max_br_table_targets);
    reader.set_function_index(function_index);
    Instruction instruction;
    while (!reader.AtEnd()) {
      if (absl::Status s = reader.Next(&instruction); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status Decoder::DecodeSection(uint8_t id, BinaryReader& r) {
  bool ok = false;
  switch (id) {
    case kCustom: ok = DecodeCustom(r); break;
    case kType: ok = DecodeTypes(r); break;
    case kImport: ok = DecodeImports(r); break;
    case kFunction: ok = DecodeFunctions(r); break;
    case kTable: ok = DecodeTables(r); break;
    case kMemory: ok = DecodeMemories(r); break;
    case kGlobal: ok = DecodeGlobals(r); break;
    case kExport: ok = DecodeExports(r); break;
    case kStart: ok = DecodeStart(r); break;
    case kElement: ok = DecodeElements(r); break;
    case kCode: ok = DecodeCode(r); break;
    case kData: ok = DecodeData(r); break;
    case kDataCount: ok = DecodeDataCount(r); break;
  }
  return ok ? absl::OkStatus() : r.status();
}

bool Decoder::ReadValType(BinaryReader& r, ValType* out) {
  const size_t at = r.pos();
  uint8_t b;
  if (!r.ReadByte(&b)) return false;
  if (!IsValTypeByte(b)) return UnsupportedTypeByte(r, at, "malformed value type", b);
  *out = static_cast<ValType>(b);
  return true;
}

bool Decoder::ReadRefType(BinaryReader& r, ValType* out) {
  const size_t at = r.pos();
  uint8_t b;
  if (!r.ReadByte(&b)) return false;
  if (b != 0x70 && b != 0x6F) return UnsupportedTypeByte(r, at, "malformed reference type", b);
  *out = static_cast<ValType>(b);
  return true;
}

// Limits flags, 3.0: bit 0 a maximum follows, bit 1 shared (threads, memories
// only), bit 2 64-bit addresses (memory64 / table64). The flags are a LEB128
// in the spec's grammar, so a set continuation bit makes the encoding too long
// (2.0's phrase) and any other unknown flag is too large. Flags Kiln does not
// implement yet are unsupported, keeping 2.0's phrase for the same bytes.
bool Decoder::ReadLimits(BinaryReader& r, Limits* out, bool memory) {
  const size_t at = r.pos();
  uint8_t flags;
  if (!r.ReadByte(&flags)) return false;
  if (flags & 0x80) return r.Malformed(at, "integer representation too long: malformed limits flags");
  const bool shared = flags & 0x02;
  const bool wide = flags & 0x04;
  if (flags > 0x07 || (shared && !memory)) {
    return r.Malformed(at, "integer too large: malformed limits flags");
  }
  if (shared || wide) {
    return r.Fail(ErrorKind::kUnsupported, at,
                  absl::StrCat("integer too large: limits flags 0x", absl::Hex(flags),
                               shared ? " declare a shared memory" : "",
                               shared && wide ? " and" : "",
                               wide ? " declare 64-bit addresses" : "", ": ",
                               shared && wide ? "threads and memory64"
                               : shared       ? "threads"
                                              : "memory64",
                               " is not supported yet"));
  }
  const char* what = memory ? "memory size" : "table size";
  uint32_t min;
  if (!r.ReadU32Address(&min, what)) return false;
  out->min = min;
  out->max.reset();
  if (flags & 0x01) {
    uint32_t max;
    if (!r.ReadU32Address(&max, what)) return false;
    out->max = max;
  }
  return true;
}

bool Decoder::ReadTableType(BinaryReader& r, TableType* out) {
  return ReadRefType(r, &out->element) && ReadLimits(r, &out->limits, /*memory=*/false);
}

bool Decoder::ReadGlobalType(BinaryReader& r, GlobalType* out) {
  if (!ReadValType(r, &out->type)) return false;
  const size_t at = r.pos();
  uint8_t mut;
  if (!r.ReadByte(&mut)) return false;
  if (mut > 1) return r.Malformed(at, "malformed mutability");
  out->is_mutable = mut == 1;
  return true;
}

bool Decoder::ReadConstExpr(BinaryReader& r, ConstExpr* out) {
  out->offset = r.pos();
  InstructionReader reader(bytes_, r.pos(), r.end(), limits_.max_br_table_targets);
  Instruction instr;
  for (size_t count = 0;; ++count) {
    if (absl::Status s = reader.Next(&instr); !s.ok()) return r.Fail(std::move(s));
    if (instr.opcode == Opcode::kEnd) break;
    if (count >= kMaxConstExprInstructions) {
      return r.Fail(ErrorKind::kLimit, instr.offset, "constant expression too long");
    }
  }
  return r.ReadBytes(reader.offset() - r.pos(), &out->bytes);
}

bool Decoder::DecodeTypes(BinaryReader& r) {
  uint32_t count;
  if (!r.ReadCount(&count, limits_.max_types, "types")) return false;
  module_.types.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    FuncType& type = module_.types.emplace_back();
    const size_t at = r.pos();
    uint8_t form;
    if (!r.ReadByte(&form)) return false;
    if (form != 0x60) {
      return UnsupportedTypeByte(r, at, "integer representation too long: malformed function type",
                                 form);
    }
    uint32_t n;
    if (!r.ReadCount(&n, limits_.max_params, "parameters")) return false;
    type.params.resize(n);
    for (ValType& t : type.params) {
      if (!ReadValType(r, &t)) return false;
    }
    if (!r.ReadCount(&n, limits_.max_results, "results")) return false;
    type.results.resize(n);
    for (ValType& t : type.results) {
      if (!ReadValType(r, &t)) return false;
    }
  }
  return true;
}

bool Decoder::DecodeImports(BinaryReader& r) {
  uint32_t count;
  if (!r.ReadCount(&count, limits_.max_imports, "imports")) return false;
  for (uint32_t i = 0; i < count; ++i) {
    Import& imp = module_.imports.emplace_back();
    imp.offset = r.pos();
    if (!r.ReadName(&imp.module, limits_.max_name_bytes) ||
        !r.ReadName(&imp.name, limits_.max_name_bytes)) {
      return false;
    }
    const size_t at = r.pos();
    uint8_t kind;
    if (!r.ReadByte(&kind)) return false;
    // Imports come first in each index space; count them against its limit.
    auto add = [&](auto& space, uint32_t limit, uint32_t& imported, const auto& type,
                   std::string_view what) {
      if (space.size() >= limit) {
        return r.Fail(ErrorKind::kLimit, at, absl::StrCat("too many ", std::string(what)));
      }
      space.push_back(type);
      ++imported;
      return true;
    };
    switch (kind) {
      case 0:
        imp.kind = ExternKind::kFunc;
        if (!r.ReadU32(&imp.func_type_index) ||
            !add(module_.function_type_indices, limits_.max_functions,
                 module_.num_imported_functions, imp.func_type_index, "functions")) {
          return false;
        }
        break;
      case 1:
        imp.kind = ExternKind::kTable;
        if (!ReadTableType(r, &imp.table) ||
            !add(module_.tables, limits_.max_tables, module_.num_imported_tables, imp.table,
                 "tables")) {
          return false;
        }
        break;
      case 2:
        imp.kind = ExternKind::kMemory;
        if (!ReadLimits(r, &imp.memory.limits, /*memory=*/true) ||
            !add(module_.memories, limits_.max_memories, module_.num_imported_memories,
                 imp.memory, "memories")) {
          return false;
        }
        break;
      case 3:
        imp.kind = ExternKind::kGlobal;
        if (!ReadGlobalType(r, &imp.global) ||
            !add(module_.globals, limits_.max_globals, module_.num_imported_globals,
                 imp.global, "globals")) {
          return false;
        }
        break;
      default:
        return r.Malformed(at, "malformed import kind");
    }
  }
  return true;
}

bool Decoder::DecodeFunctions(BinaryReader& r) {
  uint32_t count;
  if (!r.ReadCount(&count, limits_.max_functions - module_.num_imported_functions,
                   "functions")) {
    return false;
  }
  num_declared_functions_ = count;
  module_.function_type_indices.reserve(module_.num_imported_functions + count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t type_index;
    if (!r.ReadU32(&type_index)) return false;
    module_.function_type_indices.push_back(type_index);
  }
  return true;
}

bool Decoder::DecodeTables(BinaryReader& r) {
  uint32_t count;
  if (!r.ReadCount(&count, limits_.max_tables - module_.num_imported_tables, "tables")) {
    return false;
  }
  for (uint32_t i = 0; i < count; ++i) {
    uint8_t first;
    if (r.PeekByte(&first) && first == 0x40) {  // 3.0: a table with an initializer
      return r.Fail(ErrorKind::kUnsupported, r.pos(),
                    "malformed reference type 0x40 (a table initializer): function-references "
                    "is not supported yet");
    }
    TableType type;
    if (!ReadTableType(r, &type)) return false;
    module_.tables.push_back(type);
  }
  return true;
}

bool Decoder::DecodeMemories(BinaryReader& r) {
  uint32_t count;
  if (!r.ReadCount(&count, limits_.max_memories - module_.num_imported_memories, "memories")) {
    return false;
  }
  for (uint32_t i = 0; i < count; ++i) {
    MemoryType type;
    if (!ReadLimits(r, &type.limits, /*memory=*/true)) return false;
    module_.memories.push_back(type);
  }
  return true;
}

bool Decoder::DecodeGlobals(BinaryReader& r) {
  uint32_t count;
  if (!r.ReadCount(&count, limits_.max_globals - module_.num_imported_globals, "globals")) {
    return false;
  }
  for (uint32_t i = 0; i < count; ++i) {
    GlobalType type;
    if (!ReadGlobalType(r, &type) || !ReadConstExpr(r, &module_.global_inits.emplace_back())) {
      return false;
    }
    module_.globals.push_back(type);
  }
  return true;
}

bool Decoder::DecodeExports(BinaryReader& r) {
  uint32_t count;
  if (!r.ReadCount(&count, limits_.max_exports, "exports")) return false;
  for (uint32_t i = 0; i < count; ++i) {
    Export& exp = module_.exports.emplace_back();
    exp.offset = r.pos();
    if (!r.ReadName(&exp.name, limits_.max_name_bytes)) return false;
    const size_t at = r.pos();
    uint8_t kind;
    if (!r.ReadByte(&kind)) return false;
    if (kind > 3) return r.Malformed(at, "malformed export kind");
    exp.kind = static_cast<ExternKind>(kind);
    if (!r.ReadU32(&exp.index)) return false;
  }
  return true;
}

bool Decoder::DecodeStart(BinaryReader& r) {
  module_.start_offset = r.pos();
  uint32_t index;
  if (!r.ReadU32(&index)) return false;
  module_.start = index;
  return true;
}

bool Decoder::DecodeElements(BinaryReader& r) {
  uint32_t count;
  if (!r.ReadCount(&count, limits_.max_element_segments, "element segments")) return false;
  for (uint32_t i = 0; i < count; ++i) {
    ElementSegment& seg = module_.elements.emplace_back();
    seg.offset = r.pos();
    uint32_t flags;
    if (!r.ReadU32(&flags)) return false;
    if (flags > 7) return r.Malformed(seg.offset, "malformed elements segment kind");
    // Bit 0: passive or declarative; bit 1: explicit table index (active) or
    // declarative; bit 2: element expressions instead of function indices.
    const bool not_active = flags & 1;
    const bool bit1 = flags & 2;
    seg.uses_expressions = flags & 4;
    seg.mode = !not_active ? SegmentMode::kActive
               : bit1      ? SegmentMode::kDeclarative
                           : SegmentMode::kPassive;
    seg.table_index = 0;
    if (seg.mode == SegmentMode::kActive) {
      if (bit1 && !r.ReadU32(&seg.table_index)) return false;
      if (!ReadConstExpr(r, &seg.offset_expr)) return false;
    }
    seg.type = ValType::kFuncRef;
    if (not_active || bit1) {
      if (seg.uses_expressions) {
        if (!ReadRefType(r, &seg.type)) return false;
      } else {
        const size_t at = r.pos();
        uint8_t kind;
        if (!r.ReadByte(&kind)) return false;
        if (kind != 0) return r.Malformed(at, "malformed element kind");
      }
    }
    uint32_t n;
    if (!r.ReadCount(&n, limits_.max_element_items, "elements in a segment")) return false;
    if (seg.uses_expressions) {
      for (uint32_t k = 0; k < n; ++k) {
        if (!ReadConstExpr(r, &seg.expressions.emplace_back())) return false;
      }
    } else {
      seg.function_indices.resize(n);
      for (uint32_t& f : seg.function_indices) {
        if (!r.ReadU32(&f)) return false;
      }
    }
  }
  return true;
}

bool Decoder::DecodeCode(BinaryReader& r) {
  saw_code_section_ = true;
  const size_t at = r.pos();
  uint32_t count;
  if (!r.ReadU32(&count)) return false;
  if (count != num_declared_functions_) code_count_mismatch_at_ = at;
  if (count > r.remaining()) return r.Malformed(r.pos(), "unexpected end of section or function");
  module_.bodies.resize(count);
  for (FunctionBody& body : module_.bodies) {
    const size_t size_at = r.pos();
    uint32_t size;
    if (!r.ReadU32(&size)) return false;
    body.offset = r.pos();
    if (!r.ReadBytes(size, &body.bytes)) return false;
    if (size > limits_.max_function_size) {
      return r.Fail(ErrorKind::kLimit, size_at,
                    absl::StrCat("function body of ", size, " bytes exceeds the limit of ",
                                 limits_.max_function_size));
    }
  }
  return true;
}

bool Decoder::DecodeData(BinaryReader& r) {
  saw_data_section_ = true;
  const size_t at = r.pos();
  uint32_t count;
  if (!r.ReadCount(&count, limits_.max_data_segments, "data segments")) return false;
  if (module_.data_count.has_value() && *module_.data_count != count) {
    return r.Malformed(at, "data count and data section have inconsistent lengths");
  }
  for (uint32_t i = 0; i < count; ++i) {
    DataSegment& seg = module_.data.emplace_back();
    seg.offset = r.pos();
    uint32_t flags;
    if (!r.ReadU32(&flags)) return false;
    if (flags > 2) return r.Malformed(seg.offset, "malformed data segment kind");
    seg.mode = flags == 1 ? SegmentMode::kPassive : SegmentMode::kActive;
    seg.memory_index = 0;
    if (flags == 2 && !r.ReadU32(&seg.memory_index)) return false;
    if (seg.mode == SegmentMode::kActive && !ReadConstExpr(r, &seg.offset_expr)) return false;
    uint32_t size;
    if (!r.ReadU32(&size) || !r.ReadBytes(size, &seg.bytes)) return false;
  }
  return true;
}

bool Decoder::DecodeDataCount(BinaryReader& r) {
  uint32_t count;
  if (!r.ReadU32(&count)) return false;
  module_.data_count = count;
  return true;
}

bool Decoder::DecodeCustom(BinaryReader& section_reader) {
  // A custom section is read strictly within its own bytes (the spec skips
  // it as a unit), so a name cut short is an unexpected end.
  BinaryReader r(bytes_.first(section_reader.end()), section_reader.pos(), section_reader.end());
  CustomSection section;
  if (!r.ReadName(&section.name, limits_.max_name_bytes)) return section_reader.Fail(r.status());
  section.offset = r.pos();
  r.ReadBytes(r.remaining(), &section.payload);
  section_reader.Skip(section_reader.remaining());
  if (section.name == "name") {
    // Errors in the name section are not errors in the module.
    module_.names = internal::DecodeNameSection(bytes_, section.offset,
                                                section.offset + section.payload.size())
                        .value_or(NameSection{});
  }
  module_.custom_sections.push_back(std::move(section));
  return true;
}

}  // namespace

absl::Status DecodeConstExpr(const ConstExpr& expr,
                             absl::InlinedVector<Instruction, 2>* instructions) {
  instructions->clear();
  const size_t end = expr.offset + expr.bytes.size();
  InstructionReader reader(std::span<const uint8_t>(expr.bytes.data() - expr.offset, end),
                           expr.offset, end);
  Instruction instr;
  while (!reader.AtEnd()) {
    if (absl::Status s = reader.Next(&instr); !s.ok()) return s;
    if (instr.opcode == Opcode::kEnd) break;
    instr.br_targets = {};  // the reader's buffer does not outlive it
    instructions->push_back(instr);
  }
  return absl::OkStatus();
}

absl::StatusOr<Module> DecodeModule(std::span<const uint8_t> bytes, const DecodeOptions& options) {
  return Decoder(bytes, options).Decode();
}

}  // namespace kiln::wasm
