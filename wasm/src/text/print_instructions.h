// print_instructions.h — the module printer's instructions: an expression
// (a function body or a constant expression) in flat text form.
//
// Every instruction of the text format's table (instruction_table.h) is
// read, with its immediates written the way the text parser encodes them
// back (see PrintExpression). The block structure is checked as it is read
// (`else` only in an `if`, `catch` only in a `try`, ...), since a binary
// whose structure text cannot express is malformed.
#ifndef KILN_WASM_SRC_TEXT_PRINT_INSTRUCTIONS_H_
#define KILN_WASM_SRC_TEXT_PRINT_INSTRUCTIONS_H_

#include <string>

#include "print_cursor.h"

namespace kiln::wasm::text::print_internal {

enum class ExprLayout {
  // One instruction per line, each line starting "\n" and indented by
  // `indent` spaces plus two per open block: function bodies.
  kLines,
  // Instructions separated by spaces on one line: constant expressions.
  kInline,
};

struct ExprOptions {
  ExprLayout layout = ExprLayout::kInline;
  int indent = 0;  // kLines: the indentation of the outermost instructions
  // Whether instructions may name data segments (memory.init, data.drop,
  // array.new_data, array.init_data). A function body may only when the
  // module has a data count section, so that a one-pass compiler knows the
  // count before the code; the binary format calls a body that does so
  // without one malformed.
  bool data_indices_allowed = true;
};

// Reads instructions up to and including the `end` that closes the
// expression and appends them to `out`; the closing `end` is not printed.
bool PrintExpression(Cursor& c, const ExprOptions& options, std::string& out);

}  // namespace kiln::wasm::text::print_internal

#endif  // KILN_WASM_SRC_TEXT_PRINT_INSTRUCTIONS_H_
