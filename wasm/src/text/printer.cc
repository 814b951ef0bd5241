// PrintModule: a binary module in the text format, for ParseModule to read
// back to the same bytes.
//
// The sections are walked here rather than through the decoder, which reads
// WebAssembly 2.0 only; the printer reads all of 3.0 (GC types, exceptions,
// threads, memory64, custom page sizes, ...) and checks only what it needs
// to print: the binary grammar, not validation. Indices are printed as
// numbers, and every field is written in the one form the parser encodes
// to the bytes it came from (see kiln/wasm/text.h and print_types.h).
#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kiln/wasm/limits.h"
#include "kiln/wasm/text.h"
#include "print_cursor.h"
#include "print_instructions.h"
#include "print_types.h"

namespace kiln::wasm::text {
namespace {

using print_internal::AppendQuoted;
using print_internal::Cursor;
using print_internal::ExprLayout;
using print_internal::PrintError;

enum SectionId : uint8_t {
  kCustomId = 0,
  kTypeId = 1,
  kImportId = 2,
  kFunctionId = 3,
  kTableId = 4,
  kMemoryId = 5,
  kGlobalId = 6,
  kExportId = 7,
  kStartId = 8,
  kElemId = 9,
  kCodeId = 10,
  kDataId = 11,
  kDataCountId = 12,
  kTagId = 13,
};
constexpr uint8_t kLastSectionId = kTagId;

// Each known section's place in the order the binary format requires: the
// tag section sits between memory and global, data count before code.
constexpr std::array<int, kLastSectionId + 1> kSectionOrder = {
    0, 1, 2, 3, 4, 5, /*global*/ 7, 8, 9, 10, /*code*/ 12, 13, /*datacount*/ 11, /*tag*/ 6};

// The section's name in a custom section's (after ...) placement.
std::string_view SectionName(uint8_t id) {
  static constexpr std::array<std::string_view, kLastSectionId + 1> kNames = {
      "custom", "type",  "import", "func", "table", "memory",    "global",
      "export", "start", "elem",   "code", "data",  "datacount", "tag"};
  return kNames[id];
}

// The module's fields by kind, in the order they are printed: the order of
// the binary's sections, with functions (their types in one section, their
// bodies in another) printed together, and custom sections last since each
// says where it goes.
enum Part {
  kTypes,
  kImports,
  kFuncs,
  kTables,
  kMemories,
  kTags,
  kGlobals,
  kExports,
  kStart,
  kElems,
  kDatas,
  kCustoms,
  kPartCount,
};

constexpr std::string_view kExternKinds[] = {"func", "table", "memory", "global", "tag"};

class ModulePrinter {
 public:
  explicit ModulePrinter(std::span<const uint8_t> binary)
      : binary_(binary),
        // A run of locals is a few bytes in binary and a word per local in
        // text; the budget keeps the text within a fixed multiple of the
        // input however the counts are chosen.
        locals_budget_(std::max<uint64_t>(uint64_t{1} << 20, 4 * uint64_t{binary.size()})) {}

  absl::StatusOr<std::string> Print();

 private:
  bool PrintSection(uint8_t id, Cursor& c);
  bool TypeSection(Cursor& c);
  bool ImportSection(Cursor& c);
  bool FunctionSection(Cursor& c);
  bool TableSection(Cursor& c);
  bool MemorySection(Cursor& c);
  bool TagSection(Cursor& c);
  bool GlobalSection(Cursor& c);
  bool ExportSection(Cursor& c);
  bool StartSection(Cursor& c);
  bool ElemSection(Cursor& c);
  bool ElemSegment(Cursor& c, std::string& out);
  bool DataCountSection(Cursor& c);
  bool CodeSection(Cursor& c);
  bool Function(Cursor& c, uint32_t type_index, std::string& out);
  bool DataSection(Cursor& c);
  bool CustomSection(Cursor& c);

  // Starts a module field of kind `part`; the caller writes it and ends it
  // with EndField.
  std::string& StartField(Part part) {
    parts_[part] += "  ";
    return parts_[part];
  }
  static void EndField(std::string& out) { out += ")\n"; }

  std::span<const uint8_t> binary_;
  std::array<std::string, kPartCount> parts_;
  // The last non-custom section so far, for custom sections' placement.
  std::optional<uint8_t> last_section_;
  std::vector<uint32_t> function_types_;  // the function section
  bool have_code_ = false;
  std::optional<uint32_t> data_count_;
  std::optional<uint32_t> data_segments_;
  uint64_t locals_budget_ = 0;
};

absl::StatusOr<std::string> ModulePrinter::Print() {
  static constexpr uint8_t kHeader[8] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  if (binary_.size() < 4 || !std::equal(kHeader, kHeader + 4, binary_.begin())) {
    return PrintError(0, "magic header not detected");
  }
  if (binary_.size() < 8 || !std::equal(kHeader + 4, kHeader + 8, binary_.begin() + 4)) {
    return PrintError(4, "unknown binary version");
  }
  Cursor c(binary_, 8, binary_.size());
  int last_order = 0;
  while (!c.AtEnd()) {
    const size_t start = c.pos();
    uint8_t id = 0;
    uint32_t size = 0;
    if (!c.ReadByte(&id) || !c.ReadU32(&size)) return c.status();
    if (id > kLastSectionId) return PrintError(start, absl::StrCat("malformed section id ", id));
    if (size > c.remaining()) {
      return PrintError(c.pos(), absl::StrFormat("section of %u bytes runs past the end", size));
    }
    if (id != kCustomId) {
      if (kSectionOrder[id] <= last_order) {
        return PrintError(start, absl::StrCat("unexpected ", std::string(SectionName(id)),
                                              " section: duplicated or out of order"));
      }
      last_order = kSectionOrder[id];
    }
    Cursor section(binary_, c.pos(), c.pos() + size);
    std::span<const uint8_t> skipped;
    c.ReadBytes(size, &skipped);
    if (!PrintSection(id, section)) return section.status();
    if (!section.AtEnd()) return PrintError(section.pos(), "section size mismatch");
    if (id != kCustomId) last_section_ = id;
  }
  if (!function_types_.empty() && !have_code_) {
    return PrintError(binary_.size(), "function and code section have inconsistent lengths");
  }
  if (data_count_.has_value() && *data_count_ != data_segments_.value_or(0)) {
    return PrintError(binary_.size(), "data count and data section have inconsistent lengths");
  }
  std::string text = "(module\n";
  for (const std::string& part : parts_) text += part;
  text += ")\n";
  return text;
}

bool ModulePrinter::PrintSection(uint8_t id, Cursor& c) {
  switch (id) {
    case kCustomId: return CustomSection(c);
    case kTypeId: return TypeSection(c);
    case kImportId: return ImportSection(c);
    case kFunctionId: return FunctionSection(c);
    case kTableId: return TableSection(c);
    case kMemoryId: return MemorySection(c);
    case kGlobalId: return GlobalSection(c);
    case kExportId: return ExportSection(c);
    case kStartId: return StartSection(c);
    case kElemId: return ElemSection(c);
    case kCodeId: return CodeSection(c);
    case kDataId: return DataSection(c);
    case kDataCountId: return DataCountSection(c);
    case kTagId: return TagSection(c);
    default: return c.Fail(c.pos(), "unknown section");
  }
}

bool ModulePrinter::TypeSection(Cursor& c) {
  uint32_t count = 0;
  if (!c.ReadCount(&count)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    std::string& out = parts_[kTypes];
    out += "  ";
    if (!print_internal::PrintTypeEntry(c, out)) return false;
    out += '\n';
  }
  return true;
}

bool ModulePrinter::ImportSection(Cursor& c) {
  uint32_t count = 0;
  if (!c.ReadCount(&count, 4)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    std::span<const uint8_t> module, name;
    if (!c.ReadName(&module) || !c.ReadName(&name)) return false;
    std::string& out = StartField(kImports);
    out += "(import ";
    AppendQuoted(module, out);
    out += ' ';
    AppendQuoted(name, out);
    const size_t at = c.pos();
    uint8_t kind = 0;
    if (!c.ReadByte(&kind)) return false;
    switch (kind) {
      case 0x00: {
        uint32_t type = 0;
        if (!c.ReadU32(&type)) return false;
        absl::StrAppend(&out, " (func (type ", type, "))");
        break;
      }
      case 0x01:
        out += " (table ";
        if (!print_internal::PrintTableType(c, out)) return false;
        out += ')';
        break;
      case 0x02:
        out += " (memory ";
        if (!print_internal::PrintMemoryType(c, out)) return false;
        out += ')';
        break;
      case 0x03:
        out += " (global ";
        if (!print_internal::PrintGlobalType(c, out)) return false;
        out += ')';
        break;
      case 0x04: {
        const size_t attribute_at = c.pos();
        uint8_t attribute = 0;
        uint32_t type = 0;
        if (!c.ReadByte(&attribute)) return false;
        if (attribute != 0) return c.Fail(attribute_at, "malformed tag attribute");
        if (!c.ReadU32(&type)) return false;
        absl::StrAppend(&out, " (tag (type ", type, "))");
        break;
      }
      default:
        return c.Fail(at, absl::StrFormat("malformed import kind 0x%02x", kind));
    }
    EndField(out);
  }
  return true;
}

bool ModulePrinter::FunctionSection(Cursor& c) {
  uint32_t count = 0;
  if (!c.ReadCount(&count)) return false;
  function_types_.resize(count);  // count <= bytes left, so bounded
  for (uint32_t& type : function_types_) {
    if (!c.ReadU32(&type)) return false;
  }
  return true;
}

bool ModulePrinter::TableSection(Cursor& c) {
  uint32_t count = 0;
  if (!c.ReadCount(&count, 3)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    std::string& out = StartField(kTables);
    out += "(table ";
    // 0x40 0x00 introduces a table with an initializer expression.
    uint8_t byte = 0;
    const bool has_init = c.PeekByte(&byte) && byte == 0x40;
    if (has_init) {
      c.ReadByte(&byte);
      const size_t at = c.pos();
      if (!c.ReadByte(&byte)) return false;
      if (byte != 0) return c.Fail(at, "malformed table: zero byte expected");
    }
    if (!print_internal::PrintTableType(c, out)) return false;
    if (has_init) {
      out += ' ';
      if (!print_internal::PrintExpression(c, {}, out)) return false;
    }
    EndField(out);
  }
  return true;
}

bool ModulePrinter::MemorySection(Cursor& c) {
  uint32_t count = 0;
  if (!c.ReadCount(&count, 2)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    std::string& out = StartField(kMemories);
    out += "(memory ";
    if (!print_internal::PrintMemoryType(c, out)) return false;
    EndField(out);
  }
  return true;
}

bool ModulePrinter::TagSection(Cursor& c) {
  uint32_t count = 0;
  if (!c.ReadCount(&count, 2)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    const size_t at = c.pos();
    uint8_t attribute = 0;
    uint32_t type = 0;
    if (!c.ReadByte(&attribute)) return false;
    if (attribute != 0) return c.Fail(at, "malformed tag attribute");
    if (!c.ReadU32(&type)) return false;
    std::string& out = StartField(kTags);
    absl::StrAppend(&out, "(tag (type ", type, ")");
    EndField(out);
  }
  return true;
}

bool ModulePrinter::GlobalSection(Cursor& c) {
  uint32_t count = 0;
  if (!c.ReadCount(&count, 3)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    std::string& out = StartField(kGlobals);
    out += "(global ";
    if (!print_internal::PrintGlobalType(c, out)) return false;
    out += ' ';
    if (!print_internal::PrintExpression(c, {}, out)) return false;
    EndField(out);
  }
  return true;
}

bool ModulePrinter::ExportSection(Cursor& c) {
  uint32_t count = 0;
  if (!c.ReadCount(&count, 3)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    std::span<const uint8_t> name;
    if (!c.ReadName(&name)) return false;
    const size_t at = c.pos();
    uint8_t kind = 0;
    uint32_t index = 0;
    if (!c.ReadByte(&kind)) return false;
    if (kind >= std::size(kExternKinds)) {
      return c.Fail(at, absl::StrFormat("malformed export kind 0x%02x", kind));
    }
    if (!c.ReadU32(&index)) return false;
    std::string& out = StartField(kExports);
    out += "(export ";
    AppendQuoted(name, out);
    absl::StrAppend(&out, " (", std::string(kExternKinds[kind]), " ", index, ")");
    EndField(out);
  }
  return true;
}

bool ModulePrinter::StartSection(Cursor& c) {
  uint32_t index = 0;
  if (!c.ReadU32(&index)) return false;
  std::string& out = StartField(kStart);
  absl::StrAppend(&out, "(start ", index);
  EndField(out);
  return true;
}

bool ModulePrinter::ElemSection(Cursor& c) {
  uint32_t count = 0;
  if (!c.ReadCount(&count, 2)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    std::string& out = StartField(kElems);
    if (!ElemSegment(c, out)) return false;
    EndField(out);
  }
  return true;
}

bool ModulePrinter::ElemSegment(Cursor& c, std::string& out) {
  const size_t at = c.pos();
  uint32_t flags = 0;
  if (!c.ReadU32(&flags)) return false;
  if (flags > 7) return c.Fail(at, absl::StrCat("malformed elements segment kind ", flags));
  // Bit 0: passive, or with bit 1 declarative; bit 1 of an active segment:
  // a table index follows; bit 2: items are expressions, not indices.
  const bool active = (flags & 1) == 0;
  const bool explicit_table = active && (flags & 2);
  const bool declarative = (flags & 3) == 3;
  const bool expressions = flags & 4;
  // Flags 0 and 4 leave out the element kind (funcref / func) as well.
  const bool has_kind = (flags & 3) != 0;
  out += "(elem";
  if (declarative) out += " declare";
  if (explicit_table) {
    uint32_t table = 0;
    if (!c.ReadU32(&table)) return false;
    absl::StrAppend(&out, " (table ", table, ")");
  }
  if (active) {
    out += " (offset ";
    if (!print_internal::PrintExpression(c, {}, out)) return false;
    out += ')';
  }
  uint32_t count = 0;
  if (expressions) {
    out += ' ';
    if (has_kind) {
      if (!print_internal::PrintRefType(c, out)) return false;
    } else {
      out += "funcref";
    }
    if (!c.ReadCount(&count)) return false;
    for (uint32_t i = 0; i < count; ++i) {
      out += " (item ";
      if (!print_internal::PrintExpression(c, {}, out)) return false;
      out += ')';
    }
    return true;
  }
  if (has_kind) {
    const size_t kind_at = c.pos();
    uint8_t kind = 0;
    if (!c.ReadByte(&kind)) return false;
    if (kind != 0) return c.Fail(kind_at, absl::StrFormat("malformed element kind 0x%02x", kind));
  }
  out += " func";
  if (!c.ReadCount(&count)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t index = 0;
    if (!c.ReadU32(&index)) return false;
    absl::StrAppend(&out, " ", index);
  }
  return true;
}

bool ModulePrinter::DataCountSection(Cursor& c) {
  uint32_t count = 0;
  if (!c.ReadU32(&count)) return false;
  data_count_ = count;
  return true;
}

bool ModulePrinter::CodeSection(Cursor& c) {
  have_code_ = true;
  const size_t at = c.pos();
  uint32_t count = 0;
  if (!c.ReadCount(&count)) return false;
  if (count != function_types_.size()) {
    return c.Fail(at, "function and code section have inconsistent lengths");
  }
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t size = 0;
    if (!c.ReadU32(&size)) return false;
    if (size > c.remaining()) {
      return c.Fail(c.pos(),
                    absl::StrFormat("function body of %u bytes runs past the section", size));
    }
    Cursor body(c.module(), c.pos(), c.pos() + size);
    std::span<const uint8_t> skipped;
    c.ReadBytes(size, &skipped);
    if (!Function(body, function_types_[i], StartField(kFuncs))) return c.Fail(body.status());
  }
  return true;
}

bool ModulePrinter::Function(Cursor& c, uint32_t type_index, std::string& out) {
  absl::StrAppend(&out, "(func (type ", type_index, ")");
  uint32_t runs = 0;
  if (!c.ReadCount(&runs, 2)) return false;
  uint64_t locals = 0;
  for (uint32_t i = 0; i < runs; ++i) {
    const size_t at = c.pos();
    uint32_t n = 0;
    if (!c.ReadU32(&n)) return false;
    locals += n;
    if (locals > ImplementationLimits{}.max_locals || n > locals_budget_) {
      return c.Fail(at, "too many locals");
    }
    locals_budget_ -= n;
    std::string type;
    if (!print_internal::PrintValType(c, type)) return false;
    if (n == 0) continue;  // declares nothing, and text cannot say it
    out += " (local";
    for (uint32_t k = 0; k < n; ++k) absl::StrAppend(&out, " ", type);
    out += ')';
  }
  const size_t body_start = out.size();
  print_internal::ExprOptions options;
  options.layout = ExprLayout::kLines;
  options.indent = 4;
  options.data_indices_allowed = data_count_.has_value();
  if (!print_internal::PrintExpression(c, options, out)) return false;
  if (!c.AtEnd()) return c.Fail(c.pos(), "function body continues after its end");
  if (out.size() != body_start) out += "\n  ";
  EndField(out);
  return true;
}

bool ModulePrinter::DataSection(Cursor& c) {
  uint32_t count = 0;
  if (!c.ReadCount(&count, 2)) return false;
  data_segments_ = count;
  for (uint32_t i = 0; i < count; ++i) {
    const size_t at = c.pos();
    uint32_t flags = 0;
    if (!c.ReadU32(&flags)) return false;
    if (flags > 2) return c.Fail(at, absl::StrCat("malformed data segment kind ", flags));
    std::string& out = StartField(kDatas);
    out += "(data";
    if (flags == 2) {
      uint32_t memory = 0;
      if (!c.ReadU32(&memory)) return false;
      absl::StrAppend(&out, " (memory ", memory, ")");
    }
    if (flags != 1) {
      out += " (offset ";
      if (!print_internal::PrintExpression(c, {}, out)) return false;
      out += ')';
    }
    uint32_t size = 0;
    std::span<const uint8_t> bytes;
    if (!c.ReadCount(&size) || !c.ReadBytes(size, &bytes)) return false;
    out += ' ';
    AppendQuoted(bytes, out);
    EndField(out);
  }
  return true;
}

bool ModulePrinter::CustomSection(Cursor& c) {
  std::span<const uint8_t> name, bytes;
  if (!c.ReadName(&name) || !c.ReadBytes(c.remaining(), &bytes)) return false;
  std::string& out = StartField(kCustoms);
  out += "(@custom ";
  AppendQuoted(name, out);
  if (last_section_.has_value()) {
    absl::StrAppend(&out, " (after ", std::string(SectionName(*last_section_)), ") ");
  } else {
    out += " (before first) ";
  }
  AppendQuoted(bytes, out);
  EndField(out);
  return true;
}

}  // namespace

absl::StatusOr<std::string> PrintModule(std::span<const uint8_t> binary) {
  return ModulePrinter(binary).Print();
}

}  // namespace kiln::wasm::text
