#include "print_types.h"

#include <string_view>

#include "absl/strings/str_cat.h"

namespace kiln::wasm::text::print_internal {
namespace {

// The binary's reference-type prefixes: (ref null ht) and (ref ht).
constexpr uint8_t kRefNull = 0x63;
constexpr uint8_t kRef = 0x64;

// The abstract heap types, which share their byte with the short form of
// their nullable reference type (0x70 is both `func` and `funcref`).
std::string_view AbstractHeapTypeName(uint8_t byte) {
  switch (byte) {
    case 0x74: return "noexn";
    case 0x73: return "nofunc";
    case 0x72: return "noextern";
    case 0x71: return "none";
    case 0x70: return "func";
    case 0x6F: return "extern";
    case 0x6E: return "any";
    case 0x6D: return "eq";
    case 0x6C: return "i31";
    case 0x6B: return "struct";
    case 0x6A: return "array";
    case 0x69: return "exn";
    default: return {};
  }
}

// The short form of (ref null ht) for an abstract ht: the bottom types are
// spelled `null...ref`, the others `...ref`.
void AppendShortRefType(uint8_t byte, std::string& out) {
  switch (byte) {
    case 0x74: out += "nullexnref"; return;
    case 0x73: out += "nullfuncref"; return;
    case 0x72: out += "nullexternref"; return;
    case 0x71: out += "nullref"; return;
    default:
      out += AbstractHeapTypeName(byte);
      out += "ref";
      return;
  }
}

std::string_view NumericTypeName(uint8_t byte) {
  switch (byte) {
    case 0x7F: return "i32";
    case 0x7E: return "i64";
    case 0x7D: return "f32";
    case 0x7C: return "f64";
    case 0x7B: return "v128";
    default: return {};
  }
}

// What a heap type is: an abstract one (by its byte) or a type index.
struct HeapType {
  bool abstract = false;
  uint8_t byte = 0;
  uint32_t index = 0;
};

bool ReadHeapType(Cursor& c, HeapType* out) {
  // An abstract heap type is a one-byte negative s33; peeking at the byte
  // tells it from an index without a second decoding.
  uint8_t byte = 0;
  if (c.PeekByte(&byte) && !AbstractHeapTypeName(byte).empty()) {
    c.ReadByte(&byte);
    *out = {true, byte, 0};
    return true;
  }
  const size_t start = c.pos();
  int64_t value = 0;
  if (!c.ReadS33(&value)) return false;
  if (value < 0) return c.Fail(start, "malformed heap type");
  *out = {false, 0, static_cast<uint32_t>(value)};
  return true;
}

void AppendHeapType(const HeapType& type, std::string& out) {
  if (type.abstract) {
    out += AbstractHeapTypeName(type.byte);
  } else {
    absl::StrAppend(&out, type.index);
  }
}

// The reference type after its prefix byte (0x63, 0x64 or a short form).
bool PrintRefTypeAfter(Cursor& c, uint8_t byte, std::string& out) {
  if (!AbstractHeapTypeName(byte).empty()) {
    AppendShortRefType(byte, out);
    return true;
  }
  HeapType heap;
  if (!ReadHeapType(c, &heap)) return false;
  if (byte == kRefNull && heap.abstract) {
    // (ref null func) and funcref are one type; the text parser writes the
    // short form, so that is the form to print.
    AppendShortRefType(heap.byte, out);
    return true;
  }
  out += byte == kRefNull ? "(ref null " : "(ref ";
  AppendHeapType(heap, out);
  out += ')';
  return true;
}

bool IsRefTypeByte(uint8_t byte) {
  return byte == kRefNull || byte == kRef || !AbstractHeapTypeName(byte).empty();
}

// A limits' flags byte: bit 0 a maximum follows, bit 1 shared, bit 2 a
// 64-bit index type, bit 3 a custom page size (log2) follows the limits.
struct Limits {
  uint8_t flags = 0;
  uint64_t min = 0;
  uint64_t max = 0;
  uint32_t page_size_log2 = 0;
};
constexpr uint8_t kHasMax = 0x01;
constexpr uint8_t kShared = 0x02;
constexpr uint8_t kIndex64 = 0x04;
constexpr uint8_t kPageSize = 0x08;

bool ReadLimits(Cursor& c, uint8_t allowed_flags, Limits* out) {
  const size_t start = c.pos();
  if (!c.ReadByte(&out->flags)) return false;
  if (out->flags & ~allowed_flags) {
    return c.Fail(start, absl::StrCat("malformed limits flags 0x", absl::Hex(out->flags)));
  }
  if (out->flags & kIndex64) {
    if (!c.ReadU64(&out->min)) return false;
    if ((out->flags & kHasMax) && !c.ReadU64(&out->max)) return false;
  } else {
    uint32_t value = 0;
    if (!c.ReadU32(&value)) return false;
    out->min = value;
    if (out->flags & kHasMax) {
      if (!c.ReadU32(&value)) return false;
      out->max = value;
    }
  }
  if (out->flags & kPageSize) {
    const size_t at = c.pos();
    if (!c.ReadU32(&out->page_size_log2)) return false;
    // (pagesize N) is written in bytes, so the size must fit a u64.
    if (out->page_size_log2 > 63) return c.Fail(at, "malformed page size");
  }
  return true;
}

void AppendLimits(const Limits& limits, std::string& out) {
  if (limits.flags & kIndex64) out += "i64 ";
  absl::StrAppend(&out, limits.min);
  if (limits.flags & kHasMax) absl::StrAppend(&out, " ", limits.max);
}

// A struct field or array element: a value type or a packed i8/i16, then
// its mutability byte.
bool PrintFieldType(Cursor& c, std::string& out) {
  uint8_t byte = 0;
  if (!c.PeekByte(&byte)) return c.Fail(c.pos(), "unexpected end");
  std::string storage;
  if (byte == 0x78 || byte == 0x77) {
    c.ReadByte(&byte);
    storage = byte == 0x78 ? "i8" : "i16";
  } else if (!PrintValType(c, storage)) {
    return false;
  }
  const size_t at = c.pos();
  uint8_t mut = 0;
  if (!c.ReadByte(&mut)) return false;
  if (mut > 1) return c.Fail(at, "malformed mutability");
  if (mut == 1) {
    absl::StrAppend(&out, "(mut ", storage, ")");
  } else {
    out += storage;
  }
  return true;
}

// A vector of value types, each appended after a space.
bool PrintValTypes(Cursor& c, std::string& out) {
  uint32_t count = 0;
  if (!c.ReadCount(&count)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    out += ' ';
    if (!PrintValType(c, out)) return false;
  }
  return true;
}

bool PrintCompositeType(Cursor& c, std::string& out) {
  const size_t start = c.pos();
  uint8_t form = 0;
  if (!c.ReadByte(&form)) return false;
  switch (form) {
    case 0x60: {  // func
      out += "(func";
      std::string params, results;
      if (!PrintValTypes(c, params) || !PrintValTypes(c, results)) return false;
      if (!params.empty()) absl::StrAppend(&out, " (param", params, ")");
      if (!results.empty()) absl::StrAppend(&out, " (result", results, ")");
      out += ')';
      return true;
    }
    case 0x5F: {  // struct: one (field) per field keeps the count visible
      out += "(struct";
      uint32_t count = 0;
      if (!c.ReadCount(&count, 2)) return false;
      for (uint32_t i = 0; i < count; ++i) {
        out += " (field ";
        if (!PrintFieldType(c, out)) return false;
        out += ')';
      }
      out += ')';
      return true;
    }
    case 0x5E:  // array
      out += "(array ";
      if (!PrintFieldType(c, out)) return false;
      out += ')';
      return true;
    default:
      return c.Fail(start, absl::StrCat("malformed composite type 0x", absl::Hex(form)));
  }
}

// A subtype as a `(type ...)` field. A bare composite type is the
// abbreviation of a final subtype with no supertypes; 0x4F and 0x50 keep
// their (sub ...) so that the parser writes the same byte back.
bool PrintSubType(Cursor& c, std::string& out) {
  uint8_t byte = 0;
  if (!c.PeekByte(&byte)) return c.Fail(c.pos(), "unexpected end");
  out += "(type ";
  if (byte == 0x50 || byte == 0x4F) {
    c.ReadByte(&byte);
    out += byte == 0x4F ? "(sub final" : "(sub";
    uint32_t count = 0;
    if (!c.ReadCount(&count)) return false;
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t super = 0;
      if (!c.ReadU32(&super)) return false;
      absl::StrAppend(&out, " ", super);
    }
    out += ' ';
    if (!PrintCompositeType(c, out)) return false;
    out += ')';
  } else if (!PrintCompositeType(c, out)) {
    return false;
  }
  out += ')';
  return true;
}

}  // namespace

bool PrintValType(Cursor& c, std::string& out) {
  const size_t start = c.pos();
  uint8_t byte = 0;
  if (!c.ReadByte(&byte)) return false;
  if (std::string_view name = NumericTypeName(byte); !name.empty()) {
    out += name;
    return true;
  }
  if (IsRefTypeByte(byte)) return PrintRefTypeAfter(c, byte, out);
  return c.Fail(start, absl::StrCat("malformed value type 0x", absl::Hex(byte)));
}

bool PrintRefType(Cursor& c, std::string& out) {
  const size_t start = c.pos();
  uint8_t byte = 0;
  if (!c.ReadByte(&byte)) return false;
  if (IsRefTypeByte(byte)) return PrintRefTypeAfter(c, byte, out);
  return c.Fail(start, absl::StrCat("malformed reference type 0x", absl::Hex(byte)));
}

bool PrintHeapType(Cursor& c, std::string& out) {
  HeapType heap;
  if (!ReadHeapType(c, &heap)) return false;
  AppendHeapType(heap, out);
  return true;
}

bool PrintRefOfHeapType(Cursor& c, bool nullable, std::string& out) {
  out += nullable ? "(ref null " : "(ref ";
  if (!PrintHeapType(c, out)) return false;
  out += ')';
  return true;
}

bool PrintBlockType(Cursor& c, std::string& out) {
  uint8_t byte = 0;
  if (!c.PeekByte(&byte)) return c.Fail(c.pos(), "unexpected end");
  if (byte == 0x40) {
    c.ReadByte(&byte);
    return true;
  }
  if (!NumericTypeName(byte).empty() || IsRefTypeByte(byte)) {
    out += " (result ";
    if (!PrintValType(c, out)) return false;
    out += ')';
    return true;
  }
  const size_t start = c.pos();
  int64_t index = 0;
  if (!c.ReadS33(&index)) return false;
  if (index < 0) return c.Fail(start, "malformed block type");
  absl::StrAppend(&out, " (type ", index, ")");
  return true;
}

bool PrintTypeEntry(Cursor& c, std::string& out) {
  uint8_t byte = 0;
  if (!c.PeekByte(&byte)) return c.Fail(c.pos(), "unexpected end");
  if (byte != 0x4E) return PrintSubType(c, out);
  // A rec group, even of one member, stays a group: (rec (type ...)) and
  // (type ...) encode differently.
  c.ReadByte(&byte);
  uint32_t count = 0;
  if (!c.ReadCount(&count)) return false;
  out += "(rec";
  for (uint32_t i = 0; i < count; ++i) {
    out += "\n    ";
    if (!PrintSubType(c, out)) return false;
  }
  out += count == 0 ? ")" : "\n  )";
  return true;
}

bool PrintTableType(Cursor& c, std::string& out) {
  std::string ref;
  if (!PrintRefType(c, ref)) return false;
  // Tables are neither shared nor paged in 3.0.
  Limits limits;
  if (!ReadLimits(c, kHasMax | kIndex64, &limits)) return false;
  AppendLimits(limits, out);
  absl::StrAppend(&out, " ", ref);
  return true;
}

bool PrintMemoryType(Cursor& c, std::string& out) {
  Limits limits;
  if (!ReadLimits(c, kHasMax | kShared | kIndex64 | kPageSize, &limits)) return false;
  AppendLimits(limits, out);
  if (limits.flags & kShared) out += " shared";
  if (limits.flags & kPageSize) {
    absl::StrAppend(&out, " (pagesize ", uint64_t{1} << limits.page_size_log2, ")");
  }
  return true;
}

bool PrintGlobalType(Cursor& c, std::string& out) {
  std::string type;
  if (!PrintValType(c, type)) return false;
  const size_t at = c.pos();
  uint8_t mut = 0;
  if (!c.ReadByte(&mut)) return false;
  if (mut > 1) return c.Fail(at, "malformed mutability");
  if (mut == 1) {
    absl::StrAppend(&out, "(mut ", type, ")");
  } else {
    out += type;
  }
  return true;
}

void AppendQuoted(std::span<const uint8_t> bytes, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (uint8_t b : bytes) {
    if (b >= 0x20 && b < 0x7F && b != '"' && b != '\\') {
      out += static_cast<char>(b);
    } else {
      out += '\\';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    }
  }
  out += '"';
}

}  // namespace kiln::wasm::text::print_internal
