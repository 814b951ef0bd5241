// print_types.h — the module printer's types: value, reference and heap
// types, block types, the type section's entries, and table, memory and
// global types, each read from the bytes and written in text.
//
// Every function appends to `out` and returns false with the error kept in
// the cursor. Reference types are written the way the text parser encodes
// them back: a nullable abstract type in its short form (`funcref`), every
// other one as `(ref null? HEAPTYPE)`.
#ifndef KILN_WASM_SRC_TEXT_PRINT_TYPES_H_
#define KILN_WASM_SRC_TEXT_PRINT_TYPES_H_

#include <cstdint>
#include <span>
#include <string>

#include "print_cursor.h"

namespace kiln::wasm::text::print_internal {

// A value type: i32 ... v128 or a reference type.
bool PrintValType(Cursor& c, std::string& out);
// A value type that must be a reference type (tables, element segments).
bool PrintRefType(Cursor& c, std::string& out);
// A heap type: an abstract name (`func`, `none`, ...) or a type index.
bool PrintHeapType(Cursor& c, std::string& out);
// A heap type written as the reference type `(ref null? HEAPTYPE)`, for the
// immediates that keep nullability apart from the heap type (br_on_cast,
// ref.test, ref.cast).
bool PrintRefOfHeapType(Cursor& c, bool nullable, std::string& out);
// A block type: nothing for the empty type, else " (result t)" or
// " (type N)" with a leading space.
bool PrintBlockType(Cursor& c, std::string& out);

// One entry of the type section (a rec group or a lone subtype) as a module
// field, "(type ...)" or "(rec ...)", without leading indentation.
bool PrintTypeEntry(Cursor& c, std::string& out);

// "i64? MIN MAX? REFTYPE"
bool PrintTableType(Cursor& c, std::string& out);
// "i64? MIN MAX? shared? (pagesize N)?"
bool PrintMemoryType(Cursor& c, std::string& out);
// "t" or "(mut t)"
bool PrintGlobalType(Cursor& c, std::string& out);

// `bytes` as a quoted text string: printable ASCII as is, `"`, `\` and every
// other byte as \hh.
void AppendQuoted(std::span<const uint8_t> bytes, std::string& out);

}  // namespace kiln::wasm::text::print_internal

#endif  // KILN_WASM_SRC_TEXT_PRINT_TYPES_H_
