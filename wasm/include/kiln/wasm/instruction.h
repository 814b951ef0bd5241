// kiln/wasm/instruction.h — decoding one instruction at a time from a
// function body or constant expression.
//
// InstructionReader checks the binary format of each instruction (opcode
// known, immediates well-formed LEB128, reserved bytes zero); it knows
// nothing of types, which are the validator's business. It never allocates
// per instruction: br_table targets are read into a buffer the reader owns,
// valid until the next call.
#ifndef KILN_WASM_INSTRUCTION_H_
#define KILN_WASM_INSTRUCTION_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "kiln/wasm/opcode.h"
#include "kiln/wasm/types.h"

namespace kiln::wasm {

struct BlockType {
  enum class Kind : uint8_t { kEmpty, kValue, kTypeIndex };
  Kind kind = Kind::kEmpty;
  ValType value = ValType::kI32;  // when kValue
  uint32_t type_index = 0;        // when kTypeIndex
};

struct MemArg {
  uint32_t align_log2 = 0;
  uint64_t offset = 0;
  uint32_t memory = 0;
};

struct Instruction {
  Opcode opcode = Opcode::kNop;
  const OpcodeInfo* info = nullptr;
  size_t offset = 0;  // of the first opcode byte, in the module

  // Which fields hold data depends on info->imm.
  BlockType block;
  MemArg memarg;
  uint32_t index = 0;   // label, function, local, global, table, type, elem, data, memory
  uint32_t index2 = 0;  // call_indirect table; table.init/copy and memory.init/copy second index
  uint8_t lane = 0;
  ValType value_type = ValType::kI32;  // ref.null type; typed select's type
  uint32_t select_type_count = 0;      // typed select: how many types were listed
  union {
    int32_t i32;
    int64_t i64;
    uint32_t f32_bits;
    uint64_t f64_bits;
  };
  std::array<uint8_t, 16> v128{};      // v128.const bytes, i8x16.shuffle lanes
  std::span<const uint32_t> br_targets;  // br_table labels, default excluded
  uint32_t br_default = 0;

  Instruction() : i64(0) {}
};

class InstructionReader {
 public:
  // Reads module_bytes[begin, end). Offsets in errors are module offsets.
  InstructionReader(std::span<const uint8_t> module_bytes, size_t begin, size_t end,
                    uint32_t max_br_table_targets = 65'520);

  // Errors then name this function (index in the function index space).
  void set_function_index(uint32_t index) { function_index_ = index; }

  bool AtEnd() const { return pos_ >= end_; }
  size_t offset() const { return pos_; }
  // Continues reading at `offset` (within the range given at construction).
  void Seek(size_t offset) { pos_ = offset; }

  // Decodes the next instruction into *out.
  absl::Status Next(Instruction* out);

 private:
  absl::Status ReadImmediates(Instruction* out);

  const uint8_t* data_;
  // LEB128s may run past the end of the range, up to the end of the module,
  // as in the spec's decoder (an over-long one is then reported as such).
  size_t module_size_;
  size_t pos_;
  size_t end_;
  uint32_t max_br_table_targets_;
  std::optional<uint32_t> function_index_;
  std::vector<uint32_t> br_targets_;
};

}  // namespace kiln::wasm

#endif  // KILN_WASM_INSTRUCTION_H_
