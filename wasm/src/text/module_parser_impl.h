// module_parser_impl.h — the state of one module's parse, shared by
// module_parser.cc (fields and types) and instruction_parser.cc (function
// bodies and constant expressions). Internal to wasm/text.
#ifndef KILN_WASM_TEXT_MODULE_PARSER_IMPL_H_
#define KILN_WASM_TEXT_MODULE_PARSER_IMPL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "instruction_table.h"
#include "kiln/wasm/text.h"
#include "lexer.h"

namespace kiln::wasm::text {

using Bytes = std::vector<uint8_t>;

// One index space: entries in binary order, and the names of those that
// have one.
struct IndexSpace {
  const char* what = "";  // "func", "type", ... for messages
  uint32_t count = 0;
  absl::flat_hash_map<std::string, uint32_t> by_name;
};

// A function type as encoded value types, for matching type uses.
struct FuncSig {
  std::vector<Bytes> params;
  std::vector<Bytes> results;
  bool operator==(const FuncSig&) const = default;
};

struct TypeInfo {
  enum class Kind : uint8_t { kFunc, kStruct, kArray } kind = Kind::kFunc;
  FuncSig sig;                                   // kFunc
  absl::flat_hash_map<std::string, uint32_t> fields;  // kStruct: field names
  bool plain = true;  // alone in its rec group, final, no supertype
};

// Where each kind of field goes; the indices follow the binary's section
// order of the fields they hold.
enum class Space : uint8_t { kType, kFunc, kTable, kMemory, kGlobal, kTag, kElem, kData, kCount };

class ModuleParser {
 public:
  explicit ModuleParser(const TokenStream& stream) : s_(stream) {}

  // Parses fields from `begin` up to the ')' at `end` (exclusive).
  absl::StatusOr<ParsedModule> Parse(size_t begin, size_t end);

  // --- tokens ---------------------------------------------------------
  Token Tok(size_t i) const { return s_.tokens[i]; }
  Token Cur() const { return s_.tokens[pos_]; }
  Token Next(size_t ahead = 1) const { return s_.tokens[pos_ + ahead]; }
  bool IsKeyword(std::string_view word) const {
    return Cur().kind == TokenKind::kKeyword && Cur().text == word;
  }
  // '(' followed by `word`.
  bool AtField(std::string_view word) const {
    return Cur().kind == TokenKind::kLParen && Next().kind == TokenKind::kKeyword &&
           Next().text == word;
  }
  bool AtRParen() const { return Cur().kind == TokenKind::kRParen; }
  absl::Status Error(std::string_view message) const { return ErrorAt(s_, Cur().offset, message); }
  absl::Status ErrorAtToken(size_t i, std::string_view message) const {
    return ErrorAt(s_, Tok(i).offset, message);
  }
  // "unexpected token" (or a better word for the token at hand).
  absl::Status Unexpected() const;
  absl::Status ExpectLParen();
  absl::Status ExpectRParen();
  absl::Status ExpectKeyword(std::string_view word);
  // Index of the ')' closing the '(' at `open`.
  absl::StatusOr<size_t> MatchingParen(size_t open) const;
  absl::StatusOr<std::string> TakeString();
  absl::StatusOr<std::string> TakeName();  // a string that must be UTF-8
  absl::StatusOr<uint32_t> TakeU32();
  absl::StatusOr<uint64_t> TakeU64();
  std::optional<std::string> TakeId();  // $name, if there is one

  // --- index spaces ---------------------------------------------------
  IndexSpace& SpaceOf(Space s) { return spaces_[static_cast<int>(s)]; }
  // Declares a new entry, named `id` when there is one.
  absl::StatusOr<uint32_t> Declare(Space s, const std::optional<std::string>& id, size_t at);
  // An index written as a number or a $name.
  absl::StatusOr<uint32_t> TakeIndex(Space s);
  bool AtIndex() const {
    return Cur().kind == TokenKind::kNumber || Cur().kind == TokenKind::kId;
  }

  // --- types -----------------------------------------------------------
  // A value type; `storage` also allows i8/i16.
  absl::Status TakeValType(Bytes& out, bool storage = false);
  bool AtValType() const;
  absl::Status TakeRefType(Bytes& out, bool* nullable = nullptr);
  absl::Status TakeHeapType(Bytes& out);
  // `(type x)? (param ...)* (result ...)*`: the type index it names or
  // implies. `param_ids` collects parameter names (functions); nullptr
  // refuses them (block types).
  absl::StatusOr<uint32_t> TakeTypeUse(std::vector<std::optional<std::string>>* param_ids,
                                       bool* explicit_type = nullptr);
  // The type whose signature is `sig`, added when there is none.
  uint32_t FuncTypeFor(const FuncSig& sig);
  const TypeInfo* TypeAt(uint32_t index) const {
    return index < types_.size() ? &types_[index] : nullptr;
  }

  // --- instructions (instruction_parser.cc) ----------------------------
  // Per-function state.
  struct FuncContext {
    IndexSpace locals;
    std::vector<std::optional<std::string>> labels;  // innermost last
  };
  // Instructions up to the next ')' (or a block's closing keyword when
  // `in_block`).
  absl::Status TakeInstructions(FuncContext& f, Bytes& out);
  // One folded instruction of a constant expression (the abbreviation of
  // `(offset ...)` and `(item ...)`).
  absl::Status TakeOneFolded(Bytes& out);
  // A constant expression (no locals or labels) followed by `end`.
  absl::Status TakeConstExpr(Bytes& out);

  FeatureSet& features() { return features_; }
  bool MemoryIs64(uint32_t index) const {
    return index < memory64_.size() && memory64_[index];
  }
  bool TableIs64(uint32_t index) const { return index < table64_.size() && table64_[index]; }
  void UsesDataCount() { uses_data_count_ = true; }

 private:
  absl::Status TakeInstruction(FuncContext& f, Bytes& out);
  absl::Status TakeFolded(FuncContext& f, Bytes& out);
  absl::Status TakeBlock(FuncContext& f, Bytes& out, const TextInstruction& in, bool folded);
  absl::Status TakeImmediates(FuncContext& f, Bytes& out, const TextInstruction& in);
  absl::Status TakeBlockType(Bytes& out);
  absl::Status TakeLabel(FuncContext& f, Bytes& out);
  absl::Status TakeMemArg(Bytes& out, const TextInstruction& in);
  absl::Status TakeV128(Bytes& out);

  // Steps of Parse (module_parser.cc).
  absl::Status Scan(size_t begin, size_t end);
  void NoteAddressType(Space space);
  absl::Status ScanField(size_t at);
  absl::Status EncodeTypes();
  absl::Status EncodeType(size_t at, bool in_rec, Bytes& out);
  absl::Status EncodeField(size_t at);
  absl::Status EncodeImport(size_t at);
  absl::Status EncodeFunc(size_t at);
  absl::Status EncodeTable(size_t at);
  absl::Status EncodeMemory(size_t at);
  absl::Status EncodeGlobal(size_t at);
  absl::Status EncodeTag(size_t at);
  absl::Status EncodeElem(size_t at);
  absl::Status EncodeData(size_t at);
  absl::Status EncodeExport(size_t at);
  absl::Status EncodeStart(size_t at);
  absl::Status EncodeCustom(size_t at);
  absl::Status TakeInlineExports(Space space, uint32_t index);
  // `(import "m" "n")` inside a definition: its names go to the import
  // section and the caller adds the description.
  absl::StatusOr<bool> TakeInlineImport();
  // The index of the next field of `space` (imports and definitions are
  // numbered in text order, imports being first).
  uint32_t NextIndex(Space space) { return next_index_[static_cast<int>(space)]++; }
  // `what`: "memory size" or "table size", for a size beyond 32 bits.
  absl::Status TakeLimits(Bytes& out, std::string_view what, bool* is64,
                          uint64_t* min_pages_out = nullptr);
  absl::Status TakeElemList(Bytes& items, uint32_t* count, bool* expressions, Bytes& reftype);
  absl::Status TakeDataString(Bytes& out);
  absl::Status TakeOffsetExpr(Bytes& out);
  absl::StatusOr<Bytes> Assemble();

  const TokenStream& s_;
  size_t pos_ = 0;
  IndexSpace spaces_[static_cast<int>(Space::kCount)];
  std::vector<TypeInfo> types_;
  std::vector<bool> memory64_;
  std::vector<bool> table64_;
  FeatureSet features_;
  bool uses_data_count_ = false;
  bool in_const_expr_ = false;
  uint32_t next_index_[static_cast<int>(Space::kCount)] = {};

  // Fields by kind, in text order (token index of their '(').
  std::vector<size_t> type_fields_;  // `type` and `rec`
  std::vector<size_t> other_fields_;
  bool seen_definition_[4] = {};  // func, table, memory, global: for "import after"
  bool seen_start_ = false;

  // Section contents (without their id and size), and entry counts.
  Bytes type_section_;
  uint32_t type_entries_ = 0;
  Bytes imports_, funcs_, tables_, memories_, tags_, globals_, exports_, start_, elems_, codes_,
      datas_;
  uint32_t import_count_ = 0, func_count_ = 0, table_count_ = 0, memory_count_ = 0,
           tag_count_ = 0, global_count_ = 0, export_count_ = 0, elem_count_ = 0,
           code_count_ = 0, data_count_ = 0;
  absl::flat_hash_map<std::string, bool> export_names_;
  // Custom sections: (after which section id, or -1 for before all; bytes).
  std::vector<std::pair<int, Bytes>> customs_;
  // Function types added for type uses, after the written ones.
  std::vector<FuncSig> implicit_types_;
};

// Appends a name / byte vector with its length.
void AppendName(Bytes& out, std::string_view name);

}  // namespace kiln::wasm::text

#endif  // KILN_WASM_TEXT_MODULE_PARSER_IMPL_H_
