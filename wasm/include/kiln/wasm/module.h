// kiln/wasm/module.h — a decoded WebAssembly module.
//
// A Module refers into the bytes it was decoded from (function bodies, data
// segment contents and custom section payloads are views, not copies): the
// caller keeps those bytes alive and unchanged for as long as the Module is
// used. Index spaces (functions, tables, memories, globals) list imports
// first, in import order, then the module's own definitions.
#ifndef KILN_WASM_MODULE_H_
#define KILN_WASM_MODULE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "kiln/wasm/instruction.h"
#include "kiln/wasm/types.h"

namespace kiln::wasm {

// A constant expression, as a view of its bytes (the final `end` included).
// In 2.0 a valid one is a single instruction; the decoder has checked only
// the binary format, so the validator can still say "constant expression
// required". DecodeConstExpr gives the instructions.
struct ConstExpr {
  size_t offset = 0;               // of the first instruction, in the module
  std::span<const uint8_t> bytes;  // up to and including `end`
};

// The instructions of `expr`, without the final `end`. Cannot fail on a
// ConstExpr from DecodeModule, which checked the same bytes.
absl::Status DecodeConstExpr(const ConstExpr& expr,
                             absl::InlinedVector<Instruction, 2>* instructions);

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t func_type_index = 0;  // kFunc
  TableType table;               // kTable
  MemoryType memory;             // kMemory
  GlobalType global;             // kGlobal
  size_t offset = 0;
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t index = 0;
  size_t offset = 0;
};

// The code of one function defined by the module.
struct FunctionBody {
  size_t offset = 0;                // of the body's first byte (its local declarations)
  std::span<const uint8_t> bytes;   // local declarations, then the instructions
};

enum class SegmentMode : uint8_t { kActive, kPassive, kDeclarative };

struct ElementSegment {
  SegmentMode mode = SegmentMode::kActive;
  ValType type = ValType::kFuncRef;
  uint32_t table_index = 0;  // active only
  ConstExpr offset_expr;     // active only
  // Exactly one of these is used: the plain function-index form, or the
  // expression form (flags bit 2).
  bool uses_expressions = false;
  std::vector<uint32_t> function_indices;
  std::vector<ConstExpr> expressions;
  size_t offset = 0;

  size_t size() const {
    return uses_expressions ? expressions.size() : function_indices.size();
  }
};

struct DataSegment {
  SegmentMode mode = SegmentMode::kActive;  // never kDeclarative
  uint32_t memory_index = 0;
  ConstExpr offset_expr;
  std::span<const uint8_t> bytes;
  size_t offset = 0;
};

struct CustomSection {
  std::string name;
  std::span<const uint8_t> payload;
  size_t offset = 0;  // of the payload
};

// The "name" custom section, decoded. Malformed name sections are ignored
// (as the spec allows for custom sections) and leave this empty.
struct NameSection {
  std::optional<std::string> module_name;
  std::vector<std::pair<uint32_t, std::string>> function_names;  // sorted by index
  // Per function (sorted), its local names (sorted by local index).
  std::vector<std::pair<uint32_t, std::vector<std::pair<uint32_t, std::string>>>> local_names;
};

struct Module {
  std::vector<FuncType> types;
  std::vector<Import> imports;

  std::vector<uint32_t> function_type_indices;  // function index space
  std::vector<TableType> tables;                // table index space
  std::vector<MemoryType> memories;             // memory index space
  std::vector<GlobalType> globals;              // global index space
  uint32_t num_imported_functions = 0;
  uint32_t num_imported_tables = 0;
  uint32_t num_imported_memories = 0;
  uint32_t num_imported_globals = 0;

  std::vector<FunctionBody> bodies;      // bodies[i] is function num_imported_functions + i
  std::vector<ConstExpr> global_inits;   // global_inits[i] is global num_imported_globals + i
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  size_t start_offset = 0;
  std::vector<ElementSegment> elements;
  std::vector<DataSegment> data;
  std::optional<uint32_t> data_count;
  std::vector<CustomSection> custom_sections;
  NameSection names;

  uint32_t num_functions() const { return static_cast<uint32_t>(function_type_indices.size()); }
  const FuncType& function_type(uint32_t function_index) const {
    return types[function_type_indices[function_index]];
  }
};

}  // namespace kiln::wasm

#endif  // KILN_WASM_MODULE_H_
