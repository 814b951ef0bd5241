// tests/unit/wasm/module_builder.h — assembles WebAssembly binaries by hand,
// so that a test reads as the bytes it feeds the decoder.
//
// Two levels:
//   * Encoder: a byte buffer with the binary format's primitive encodings
//     (LEB128, names, opcodes). Every method returns *this, so a function
//     body reads as a list of instructions:
//         Encoder().LocalGet(0).I32Const(1).Op(Opcode::kI32Add).End()
//     Section() and ModuleBytes() wrap payloads into sections and a module,
//     in whatever order the test gives: that is how malformed layouts
//     (duplicates, wrong order, bad sizes) are made.
//   * ModuleBuilder: collects types, imports, functions, ... and emits the
//     sections in the required order. Indices it returns follow the spec's
//     index spaces (imports first), so add imports before definitions.
//
// Nothing here checks what it writes: a test may build any bytes it likes.
#ifndef KILN_TESTS_UNIT_WASM_MODULE_BUILDER_H_
#define KILN_TESTS_UNIT_WASM_MODULE_BUILDER_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/wasm/opcode.h"
#include "kiln/wasm/types.h"

namespace kiln::wasm::test {

using Bytes = std::vector<uint8_t>;

enum SectionId : uint8_t {
  kCustomSection = 0,
  kTypeSection = 1,
  kImportSection = 2,
  kFunctionSection = 3,
  kTableSection = 4,
  kMemorySection = 5,
  kGlobalSection = 6,
  kExportSection = 7,
  kStartSection = 8,
  kElementSection = 9,
  kCodeSection = 10,
  kDataSection = 11,
  kDataCountSection = 12,
};

class Encoder {
 public:
  Encoder() = default;
  Encoder(std::initializer_list<uint8_t> bytes) : bytes_(bytes) {}

  Encoder& Byte(uint8_t byte);
  Encoder& Raw(std::span<const uint8_t> bytes);
  Encoder& Raw(std::initializer_list<uint8_t> bytes);
  Encoder& Raw(const Encoder& other) { return Raw(other.bytes()); }

  // Minimal LEB128 encodings.
  Encoder& U32(uint32_t value) { return U64(value); }
  Encoder& U64(uint64_t value);
  Encoder& S32(int32_t value) { return S64(value); }
  Encoder& S64(int64_t value);
  // IEEE 754 bits, little-endian.
  Encoder& F32(float value);
  Encoder& F64(double value);
  // A length-prefixed name; the bytes are written as given (UTF-8 or not).
  Encoder& Name(std::string_view name);
  Encoder& Type(ValType type) { return Byte(static_cast<uint8_t>(type)); }
  // Limits as a table or memory type writes them (flag, min, optional max).
  Encoder& LimitsOf(uint32_t min, std::optional<uint32_t> max);

  // An opcode: one byte, or its prefix and LEB128 sub-opcode.
  Encoder& Op(Opcode op);

  // Shorthands for the instructions tests use most.
  Encoder& End() { return Op(Opcode::kEnd); }
  Encoder& I32Const(int32_t value) { return Op(Opcode::kI32Const).S32(value); }
  Encoder& I64Const(int64_t value) { return Op(Opcode::kI64Const).S64(value); }
  Encoder& F32Const(float value) { return Op(Opcode::kF32Const).F32(value); }
  Encoder& F64Const(double value) { return Op(Opcode::kF64Const).F64(value); }
  Encoder& LocalGet(uint32_t index) { return Op(Opcode::kLocalGet).U32(index); }
  Encoder& LocalSet(uint32_t index) { return Op(Opcode::kLocalSet).U32(index); }
  Encoder& LocalTee(uint32_t index) { return Op(Opcode::kLocalTee).U32(index); }
  Encoder& GlobalGet(uint32_t index) { return Op(Opcode::kGlobalGet).U32(index); }
  Encoder& GlobalSet(uint32_t index) { return Op(Opcode::kGlobalSet).U32(index); }
  Encoder& Call(uint32_t function) { return Op(Opcode::kCall).U32(function); }
  Encoder& Br(uint32_t depth) { return Op(Opcode::kBr).U32(depth); }
  Encoder& BrIf(uint32_t depth) { return Op(Opcode::kBrIf).U32(depth); }
  // block/loop/if with an empty or single-value block type.
  Encoder& Block(std::optional<ValType> result = std::nullopt);
  Encoder& Loop(std::optional<ValType> result = std::nullopt);
  Encoder& If(std::optional<ValType> result = std::nullopt);
  // A load or store with its memarg.
  Encoder& Mem(Opcode op, uint32_t align_log2, uint32_t offset) {
    return Op(op).U32(align_log2).U32(offset);
  }

  const Bytes& bytes() const { return bytes_; }
  size_t size() const { return bytes_.size(); }

 private:
  Encoder& BlockLike(Opcode op, std::optional<ValType> result);

  Bytes bytes_;
};

// "\0asm" and version 1.
Bytes Header();
// A section: its id, its payload's size as LEB128, the payload.
Bytes Section(uint8_t id, const Encoder& payload);
// A custom section with the given name and payload.
Bytes CustomSection(std::string_view name, const Encoder& payload);
// The header followed by the given sections (or any other bytes), in order.
Bytes ModuleBytes(std::initializer_list<Bytes> sections = {});

// A run of locals of one type, as a function body declares them.
struct LocalDecl {
  uint32_t count;
  ValType type;
};

class ModuleBuilder {
 public:
  uint32_t AddType(std::vector<ValType> params, std::vector<ValType> results);

  uint32_t ImportFunction(std::string_view module, std::string_view name, uint32_t type_index);
  uint32_t ImportTable(std::string_view module, std::string_view name, ValType element,
                       uint32_t min, std::optional<uint32_t> max = std::nullopt);
  uint32_t ImportMemory(std::string_view module, std::string_view name, uint32_t min,
                        std::optional<uint32_t> max = std::nullopt);
  uint32_t ImportGlobal(std::string_view module, std::string_view name, ValType type,
                        bool is_mutable);

  // `code` holds the instructions including the final `end`.
  uint32_t AddFunction(uint32_t type_index, std::vector<LocalDecl> locals, const Encoder& code);
  // A body given as raw bytes (local declarations and code), for malformed
  // bodies.
  uint32_t AddFunctionBody(uint32_t type_index, const Encoder& body);
  uint32_t AddTable(ValType element, uint32_t min, std::optional<uint32_t> max = std::nullopt);
  uint32_t AddMemory(uint32_t min, std::optional<uint32_t> max = std::nullopt);
  // `init` holds the constant expression including its `end`.
  uint32_t AddGlobal(ValType type, bool is_mutable, const Encoder& init);
  void AddExport(std::string_view name, ExternKind kind, uint32_t index);
  void SetStart(uint32_t function_index) { start_ = function_index; }

  // Element segments. The raw form takes an encoded segment (flags first).
  void AddElementSegment(const Encoder& segment);
  // Active, table 0, at an i32.const offset, listing function indices.
  void AddActiveElements(int32_t offset, const std::vector<uint32_t>& functions);
  // Declarative: makes functions referable by ref.func without a table.
  void AddDeclarativeElements(const std::vector<uint32_t>& functions);

  // Data segments. The raw form takes an encoded segment (flags first).
  void AddDataSegment(const Encoder& segment);
  void AddActiveData(int32_t offset, std::string_view bytes);
  void AddPassiveData(std::string_view bytes);
  void SetDataCount(uint32_t count) { data_count_ = count; }

  // Custom sections are written after all others.
  void AddCustomSection(std::string_view name, const Encoder& payload);

  uint32_t num_functions() const { return num_imported_functions_ + num_defined_functions_; }
  uint32_t num_globals() const { return num_imported_globals_ + num_defined_globals_; }

  Bytes Build() const;

 private:
  Encoder types_, imports_, functions_, tables_, memories_, globals_, exports_, elements_, code_,
      data_;
  // Entries written to each section.
  uint32_t num_types_ = 0, num_imports_ = 0, num_exports_ = 0, num_elements_ = 0, num_data_ = 0;
  // Index spaces: imports first, then definitions.
  uint32_t num_imported_functions_ = 0, num_defined_functions_ = 0;
  uint32_t num_imported_tables_ = 0, num_defined_tables_ = 0;
  uint32_t num_imported_memories_ = 0, num_defined_memories_ = 0;
  uint32_t num_imported_globals_ = 0, num_defined_globals_ = 0;
  std::optional<uint32_t> start_;
  std::optional<uint32_t> data_count_;
  std::vector<Bytes> custom_sections_;
};

// The n-th of an endless family of distinct function types, for tests that
// need many types: the bits of n from the lowest up to the highest set one
// as params (i32 for 0, i64 for 1), no results. Different n, different type.
FuncType NumberedFuncType(uint32_t n);

// A module whose only type is NumberedFuncType(n), with one exported
// function "f" of it that does nothing: many modules, no two alike.
Bytes NumberedTypeModule(uint32_t n);

}  // namespace kiln::wasm::test

#endif  // KILN_TESTS_UNIT_WASM_MODULE_BUILDER_H_
