#include "kiln/wasm/instruction.h"

#include "absl/strings/str_format.h"
#include "binary_reader.h"

namespace kiln::wasm {

using internal::BinaryReader;

namespace {

constexpr std::string_view kEndOfBody = "unexpected end of section or function";

// The memarg flags (3.0): the alignment exponent in bits 0..5, and bit 6
// set when a memory index follows (multi-memory); larger flags are
// malformed. The offset is a u32 for a 32-bit memory.
bool ReadMemArg(BinaryReader& r, MemArg* out) {
  const size_t at = r.pos();
  uint32_t flags;
  if (!r.ReadU32(&flags)) return false;
  if (flags >= 0x80) return r.Malformed(at, "malformed memop flags");
  out->memory = 0;
  if (flags & 0x40) {
    if (!r.ReadU32(&out->memory)) return false;
    flags &= ~0x40u;
  }
  out->align_log2 = flags;
  uint32_t offset32 = 0;
  if (!r.ReadU32Address(&offset32, "offset")) return false;
  out->offset = offset32;
  return true;
}

}  // namespace

InstructionReader::InstructionReader(std::span<const uint8_t> module_bytes, size_t begin,
                                     size_t end, uint32_t max_br_table_targets)
    : data_(module_bytes.data()),
      module_size_(module_bytes.size()),
      pos_(begin),
      end_(end),
      max_br_table_targets_(max_br_table_targets) {}

absl::Status InstructionReader::Next(Instruction* out) {
  out->offset = pos_;
  if (pos_ >= end_) return MakeWasmError(ErrorKind::kMalformed, pos_, kEndOfBody, function_index_);
  const uint8_t first = data_[pos_++];
  const OpcodeInfo* info;
  uint32_t code = first;
  uint8_t prefix = 0;
  if (first == 0xFC || first == 0xFD) {
    prefix = first;
    BinaryReader r(std::span<const uint8_t>(data_, module_size_), pos_, end_, kEndOfBody);
    r.set_function_index(function_index_);
    if (!r.ReadU32(&code)) return r.status();
    pos_ = r.pos();
    info = LookupOpcode(prefix, code);
  } else {
    info = LookupOpcode(0, code);
  }
  if (info == nullptr) {
    return MakeWasmError(ErrorKind::kMalformed, out->offset,
                         prefix ? absl::StrFormat("illegal opcode %02x %x", prefix, code)
                                : absl::StrFormat("illegal opcode %02x", code),
                         function_index_);
  }
  out->opcode = static_cast<Opcode>((uint32_t{prefix} << 16) | code);
  out->info = info;
  if (info->imm == ImmKind::kNone) return absl::OkStatus();
  return ReadImmediates(out);
}

absl::Status InstructionReader::ReadImmediates(Instruction* out) {
  BinaryReader r(std::span<const uint8_t>(data_, module_size_), pos_, end_, kEndOfBody);
  r.set_function_index(function_index_);
  auto zero_byte = [&r]() {
    const size_t at = r.pos();
    uint8_t b;
    if (!r.ReadByte(&b)) return false;
    if (b != 0) return r.Malformed(at, "zero byte expected");
    return true;
  };
  bool ok = true;
  switch (out->info->imm) {
    case ImmKind::kNone:
      break;
    case ImmKind::kBlockType: {
      uint8_t b;
      if (!r.PeekByte(&b)) {
        ok = r.Malformed(r.pos(), kEndOfBody);
      } else if (b == 0x40) {
        r.Skip(1);
        out->block.kind = BlockType::Kind::kEmpty;
      } else if (IsValTypeByte(b)) {
        r.Skip(1);
        out->block.kind = BlockType::Kind::kValue;
        out->block.value = static_cast<ValType>(b);
      } else {
        const size_t at = r.pos();
        int64_t index = 0;
        ok = r.ReadS33(&index);
        if (ok && index < 0) ok = r.Malformed(at, "malformed value type");
        out->block.kind = BlockType::Kind::kTypeIndex;
        out->block.type_index = static_cast<uint32_t>(index);
      }
      break;
    }
    case ImmKind::kLabel:
    case ImmKind::kFunc:
    case ImmKind::kLocal:
    case ImmKind::kGlobal:
    case ImmKind::kTable:
    case ImmKind::kData:
    case ImmKind::kElem:
      ok = r.ReadU32(&out->index);
      break;
    case ImmKind::kBrTable: {
      uint32_t count;
      ok = r.ReadCount(&count, max_br_table_targets_, "br_table targets");
      if (!ok) break;
      br_targets_.resize(count);
      for (uint32_t i = 0; ok && i < count; ++i) ok = r.ReadU32(&br_targets_[i]);
      ok = ok && r.ReadU32(&out->br_default);
      out->br_targets = std::span<const uint32_t>(br_targets_.data(), count);
      break;
    }
    case ImmKind::kCallIndirect:
      ok = r.ReadU32(&out->index) && r.ReadU32(&out->index2);
      break;
    case ImmKind::kMemArg:
      ok = ReadMemArg(r, &out->memarg);
      break;
    case ImmKind::kMemArgLane:
      ok = ReadMemArg(r, &out->memarg) && r.ReadByte(&out->lane);
      break;
    case ImmKind::kMemory:
      ok = zero_byte();
      out->index = 0;
      break;
    case ImmKind::kI32:
      ok = r.ReadS32(&out->i32);
      break;
    case ImmKind::kI64:
      ok = r.ReadS64(&out->i64);
      break;
    case ImmKind::kF32:
      ok = r.ReadFixed32(&out->f32_bits);
      break;
    case ImmKind::kF64:
      ok = r.ReadFixed64(&out->f64_bits);
      break;
    case ImmKind::kV128:
    case ImmKind::kShuffle: {
      std::span<const uint8_t> bytes;
      ok = r.ReadBytes(16, &bytes);
      if (ok) std::copy(bytes.begin(), bytes.end(), out->v128.begin());
      break;
    }
    case ImmKind::kLane:
      ok = r.ReadByte(&out->lane);
      break;
    case ImmKind::kSelectTypes: {
      uint32_t count = 0;
      ok = r.ReadU32(&count);
      if (ok && count > r.remaining()) ok = r.Malformed(r.pos(), kEndOfBody);
      out->select_type_count = count;
      for (uint32_t i = 0; ok && i < count; ++i) {
        const size_t at = r.pos();
        uint8_t b;
        ok = r.ReadByte(&b);
        if (ok && !IsValTypeByte(b)) ok = r.Malformed(at, "malformed value type");
        if (ok && i == 0) out->value_type = static_cast<ValType>(b);
      }
      break;
    }
    case ImmKind::kRefType: {
      const size_t at = r.pos();
      uint8_t b = 0;
      ok = r.ReadByte(&b);
      if (ok && b != 0x70 && b != 0x6F) ok = r.Malformed(at, "malformed reference type");
      out->value_type = static_cast<ValType>(b);
      break;
    }
    case ImmKind::kTableInit:
    case ImmKind::kTableCopy:
      ok = r.ReadU32(&out->index) && r.ReadU32(&out->index2);
      break;
    case ImmKind::kMemoryInit:
      ok = r.ReadU32(&out->index) && zero_byte();
      out->index2 = 0;
      break;
    case ImmKind::kMemoryCopy:
      ok = zero_byte() && zero_byte();
      out->index = out->index2 = 0;
      break;
  }
  if (!ok) return r.status();
  pos_ = r.pos();
  return absl::OkStatus();
}

}  // namespace kiln::wasm
