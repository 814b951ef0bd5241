// module_parser.h — one text-format module to its binary encoding.
//
// The parser runs in three steps over the module's tokens:
//   1. Scan: every field is visited once to learn the identifiers of every
//      index space (types, functions, tables, memories, globals, tags, elem
//      and data segments, in the order the binary numbers them: imports
//      first), so that a name may be used before it is defined.
//   2. Types: the type definitions are encoded; type uses found later look
//      them up, and append a new function type when none matches.
//   3. Encode: the other fields are encoded into their sections, which are
//      put together in the binary's order at the end.
//
// Encoding rules, which the printer follows so that printing and parsing
// gives back the same bytes: a func/import/tag that names `(type N)` uses
// N; `(type N)` in a block type always gives the index form; adjacent
// locals of one type share a run; an elem segment with `(table ...)`
// written uses flags 2/6, without it 0/4 (6 for a non-funcref expression
// list); a data segment with `(memory ...)` written uses flags 2; a memarg
// sets bit 6 only for a memory other than 0; the data count section is
// written when memory.init or data.drop is used.
#ifndef KILN_WASM_TEXT_MODULE_PARSER_H_
#define KILN_WASM_TEXT_MODULE_PARSER_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "kiln/wasm/text.h"
#include "lexer.h"

namespace kiln::wasm::text {

// Parses the module whose `(module` starts at tokens[index] (or, when
// `fields_only`, the fields from tokens[index] to the end). On success
// `index` is just past the module's closing ')'. Handles `(module binary
// ...)` and `(module quote ...)` too.
absl::StatusOr<ParsedModule> ParseModuleAt(const TokenStream& stream, size_t& index,
                                           bool fields_only = false);

}  // namespace kiln::wasm::text

#endif  // KILN_WASM_TEXT_MODULE_PARSER_H_
