#include "print_instructions.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <span>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "instruction_table.h"
#include "print_types.h"

namespace kiln::wasm::text::print_internal {
namespace {

// Blocks nested deeper than this are indented no further: indentation is
// only for reading, and unbounded indentation would make the text grow with
// the square of the input (a body of nested blocks).
constexpr size_t kMaxIndentedDepth = 32;

// An open block, with what may still come before its `end`.
enum class Frame : uint8_t {
  kBlock,        // block, loop, try_table
  kIf,           // if, before its else
  kElse,         // if, after its else
  kTry,          // legacy try, before any catch (delegate is still allowed)
  kTryCatch,     // legacy try after a catch
  kTryCatchAll,  // legacy try after its catch_all
};

// Opcodes the block structure is built from (all without a prefix).
constexpr uint32_t kOpTry = 0x06;
constexpr uint32_t kOpElse = 0x05;
constexpr uint32_t kOpCatch = 0x07;
constexpr uint32_t kOpEnd = 0x0B;
constexpr uint32_t kOpDelegate = 0x18;
constexpr uint32_t kOpCatchAll = 0x19;
constexpr uint32_t kOpIf = 0x04;

// The nullable forms of ref.test and ref.cast, one past the rows the table
// holds (0xFB 20 and 22).
constexpr uint32_t kRefTestNull = 21;
constexpr uint32_t kRefCastNull = 23;

uint32_t LoadLittleEndian32(std::span<const uint8_t> bytes) {
  uint32_t value = 0;
  std::memcpy(&value, bytes.data(), 4);
  return value;
}

// A float written so that it reads back to the same bits: finite values as
// C's %a hex float, NaNs with their payload.
void AppendF32(uint32_t bits, std::string& out) {
  const bool negative = bits >> 31;
  const uint32_t exponent = (bits >> 23) & 0xFF;
  const uint32_t payload = bits & 0x7FFFFF;
  if (exponent == 0xFF) {
    if (negative) out += '-';
    if (payload == 0) {
      out += "inf";
    } else {
      absl::StrAppendFormat(&out, "nan:0x%x", payload);
    }
    return;
  }
  float value;
  std::memcpy(&value, &bits, 4);
  char buffer[64];
  // Every float is a double exactly, and %a prints a double exactly.
  std::snprintf(buffer, sizeof buffer, "%a", static_cast<double>(value));
  out += buffer;
}

void AppendF64(uint64_t bits, std::string& out) {
  const bool negative = bits >> 63;
  const uint64_t exponent = (bits >> 52) & 0x7FF;
  const uint64_t payload = bits & ((uint64_t{1} << 52) - 1);
  if (exponent == 0x7FF) {
    if (negative) out += '-';
    if (payload == 0) {
      out += "inf";
    } else {
      absl::StrAppendFormat(&out, "nan:0x%x", payload);
    }
    return;
  }
  double value;
  std::memcpy(&value, &bits, 8);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%a", value);
  out += buffer;
}

class ExpressionPrinter {
 public:
  ExpressionPrinter(Cursor& c, const ExprOptions& options, std::string& out)
      : c_(c), options_(options), out_(out) {}

  bool Run();

 private:
  // Starts an instruction written at block depth `depth`.
  void StartInstruction(size_t depth);
  // The instructions that open, divide or close blocks; false with
  // *handled unset when `code` is none of them.
  bool PrintStructure(size_t at, uint32_t code, bool* handled, bool* done);
  bool PrintImmediates(const TextInstruction& inst, bool nullable);

  bool U32() {
    uint32_t value = 0;
    if (!c_.ReadU32(&value)) return false;
    absl::StrAppend(&out_, " ", value);
    return true;
  }
  bool MemArg(const TextInstruction& inst);
  bool TryTableCatches();
  bool BrOnCast();

  Cursor& c_;
  const ExprOptions& options_;
  std::string& out_;
  std::vector<Frame> frames_;
  bool first_ = true;
};

void ExpressionPrinter::StartInstruction(size_t depth) {
  if (options_.layout == ExprLayout::kInline) {
    if (!first_) out_ += ' ';
    first_ = false;
    return;
  }
  out_ += '\n';
  out_.append(options_.indent + 2 * std::min(depth, kMaxIndentedDepth), ' ');
}

bool ExpressionPrinter::Run() {
  while (true) {
    const size_t at = c_.pos();
    uint8_t byte = 0;
    if (!c_.ReadByte(&byte)) return false;
    uint8_t prefix = 0;
    uint32_t code = byte;
    if (byte >= 0xFB && byte <= 0xFE) {
      prefix = byte;
      if (!c_.ReadU32(&code)) return false;
    }
    if (prefix == 0) {
      bool handled = false, done = false;
      if (!PrintStructure(at, code, &handled, &done)) return false;
      if (done) return true;
      if (handled) continue;
    }
    bool nullable = false;
    if (prefix == 0xFB && (code == kRefTestNull || code == kRefCastNull)) {
      nullable = true;
      --code;
    }
    const TextInstruction* inst = FindInstruction(prefix, code);
    if (inst == nullptr) {
      return c_.Fail(at, prefix == 0 ? absl::StrFormat("illegal opcode %02x", code)
                                     : absl::StrFormat("illegal opcode %02x %x", prefix, code));
    }
    if (!options_.data_indices_allowed &&
        (inst->imm == TextImm::kData || inst->imm == TextImm::kMemoryInit ||
         inst->imm == TextImm::kTypeData)) {
      return c_.Fail(at, "data count section required");
    }
    StartInstruction(frames_.size());
    out_ += inst->name;
    if (!PrintImmediates(*inst, nullable)) return false;
    if (inst->imm == TextImm::kBlockType || inst->imm == TextImm::kTryTable) {
      Frame frame = Frame::kBlock;
      if (prefix == 0 && code == kOpIf) frame = Frame::kIf;
      if (prefix == 0 && code == kOpTry) frame = Frame::kTry;
      frames_.push_back(frame);
    }
  }
}

bool ExpressionPrinter::PrintStructure(size_t at, uint32_t code, bool* handled, bool* done) {
  switch (code) {
    case kOpEnd:
      *handled = true;
      if (frames_.empty()) {
        *done = true;
        return true;
      }
      frames_.pop_back();
      StartInstruction(frames_.size());
      out_ += "end";
      return true;
    case kOpElse:
      *handled = true;
      if (frames_.empty() || frames_.back() != Frame::kIf) return c_.Fail(at, "else outside if");
      frames_.back() = Frame::kElse;
      StartInstruction(frames_.size() - 1);
      out_ += "else";
      return true;
    case kOpCatch:
    case kOpCatchAll: {
      *handled = true;
      const bool all = code == kOpCatchAll;
      if (!frames_.empty() && frames_.back() == Frame::kTryCatchAll) {
        return c_.Fail(at, all ? "catch_all after catch_all" : "catch after catch_all");
      }
      if (frames_.empty() ||
          (frames_.back() != Frame::kTry && frames_.back() != Frame::kTryCatch)) {
        return c_.Fail(at, all ? "catch_all outside try" : "catch outside try");
      }
      frames_.back() = all ? Frame::kTryCatchAll : Frame::kTryCatch;
      StartInstruction(frames_.size() - 1);
      out_ += all ? "catch_all" : "catch";
      return all || U32();
    }
    case kOpDelegate:
      *handled = true;
      if (frames_.empty() || frames_.back() != Frame::kTry) {
        return c_.Fail(at, "delegate outside try");
      }
      frames_.pop_back();
      StartInstruction(frames_.size());
      out_ += "delegate";
      return U32();
    default:
      return true;
  }
}

bool ExpressionPrinter::MemArg(const TextInstruction& inst) {
  const size_t at = c_.pos();
  uint32_t flags = 0;
  if (!c_.ReadU32(&flags)) return false;
  // Below 2^6 the flags are the alignment's log2; bit 6 says a memory index
  // follows; anything above is not a memarg.
  if (flags >= 0x80) return c_.Fail(at, "malformed memop flags");
  if (flags & 0x40) {
    if (!U32()) return false;
  }
  uint64_t offset = 0;
  if (!c_.ReadU64(&offset)) return false;
  if (offset != 0) absl::StrAppend(&out_, " offset=", offset);
  const uint32_t align_log2 = flags & 0x3F;
  if (align_log2 != inst.natural_align_log2) {
    absl::StrAppend(&out_, " align=", uint64_t{1} << align_log2);
  }
  return true;
}

bool ExpressionPrinter::TryTableCatches() {
  uint32_t count = 0;
  if (!c_.ReadCount(&count, 2)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    const size_t at = c_.pos();
    uint8_t kind = 0;
    if (!c_.ReadByte(&kind)) return false;
    switch (kind) {
      case 0: out_ += " (catch"; break;
      case 1: out_ += " (catch_ref"; break;
      case 2: out_ += " (catch_all"; break;
      case 3: out_ += " (catch_all_ref"; break;
      default: return c_.Fail(at, absl::StrFormat("malformed catch clause kind 0x%02x", kind));
    }
    if (kind < 2 && !U32()) return false;  // the tag
    if (!U32()) return false;              // the label
    out_ += ')';
  }
  return true;
}

bool ExpressionPrinter::BrOnCast() {
  const size_t at = c_.pos();
  uint8_t flags = 0;
  if (!c_.ReadByte(&flags)) return false;
  // Bit 0: the source type is nullable; bit 1: the target type is.
  if (flags > 3) return c_.Fail(at, absl::StrFormat("malformed br_on_cast flags 0x%02x", flags));
  if (!U32()) return false;
  out_ += ' ';
  if (!PrintRefOfHeapType(c_, flags & 1, out_)) return false;
  out_ += ' ';
  return PrintRefOfHeapType(c_, flags & 2, out_);
}

bool ExpressionPrinter::PrintImmediates(const TextInstruction& inst, bool nullable) {
  switch (inst.imm) {
    case TextImm::kNone:
      return true;
    case TextImm::kBlockType:
      return PrintBlockType(c_, out_);
    case TextImm::kTryTable:
      return PrintBlockType(c_, out_) && TryTableCatches();
    case TextImm::kLabel:
    case TextImm::kFunc:
    case TextImm::kTypeIndex:
    case TextImm::kLocal:
    case TextImm::kGlobal:
    case TextImm::kTable:
    case TextImm::kTag:
    case TextImm::kMemory:
    case TextImm::kData:
    case TextImm::kElem:
    case TextImm::kCatch:
      return U32();
    // Two indices, printed in the order the binary has them.
    case TextImm::kTypeField:
    case TextImm::kTypeCount:
    case TextImm::kTypeData:
    case TextImm::kTypeElem:
    case TextImm::kTypeType:
    case TextImm::kTableCopy:
    case TextImm::kMemoryCopy:
      return U32() && U32();
    case TextImm::kTableInit:
    case TextImm::kMemoryInit: {
      // The binary has the segment first, the text the table or memory.
      uint32_t segment = 0, target = 0;
      if (!c_.ReadU32(&segment) || !c_.ReadU32(&target)) return false;
      absl::StrAppend(&out_, " ", target, " ", segment);
      return true;
    }
    case TextImm::kCallIndirect: {
      uint32_t type = 0, table = 0;
      if (!c_.ReadU32(&type) || !c_.ReadU32(&table)) return false;
      absl::StrAppend(&out_, " ", table, " (type ", type, ")");
      return true;
    }
    case TextImm::kBrTable: {
      uint32_t count = 0;
      if (!c_.ReadCount(&count)) return false;
      // The targets, then the default.
      for (uint64_t i = 0; i <= count; ++i) {
        if (!U32()) return false;
      }
      return true;
    }
    case TextImm::kBrOnCast:
      return BrOnCast();
    case TextImm::kRefTest:
      out_ += ' ';
      return PrintRefOfHeapType(c_, nullable, out_);
    case TextImm::kHeapType:
      out_ += ' ';
      return PrintHeapType(c_, out_);
    case TextImm::kMemArg:
      return MemArg(inst);
    case TextImm::kMemArgLane: {
      if (!MemArg(inst)) return false;
      uint8_t lane = 0;
      if (!c_.ReadByte(&lane)) return false;
      absl::StrAppend(&out_, " ", lane);
      return true;
    }
    case TextImm::kI32: {
      int32_t value = 0;
      if (!c_.ReadS32(&value)) return false;
      absl::StrAppend(&out_, " ", value);
      return true;
    }
    case TextImm::kI64: {
      int64_t value = 0;
      if (!c_.ReadS64(&value)) return false;
      absl::StrAppend(&out_, " ", value);
      return true;
    }
    case TextImm::kF32: {
      std::span<const uint8_t> bytes;
      if (!c_.ReadBytes(4, &bytes)) return false;
      out_ += ' ';
      AppendF32(LoadLittleEndian32(bytes), out_);
      return true;
    }
    case TextImm::kF64: {
      std::span<const uint8_t> bytes;
      if (!c_.ReadBytes(8, &bytes)) return false;
      out_ += ' ';
      const uint64_t low = LoadLittleEndian32(bytes);
      const uint64_t high = LoadLittleEndian32(bytes.subspan(4));
      AppendF64(high << 32 | low, out_);
      return true;
    }
    case TextImm::kV128: {
      std::span<const uint8_t> bytes;
      if (!c_.ReadBytes(16, &bytes)) return false;
      out_ += " i32x4";
      for (int i = 0; i < 4; ++i) {
        absl::StrAppendFormat(&out_, " 0x%08x", LoadLittleEndian32(bytes.subspan(4 * i)));
      }
      return true;
    }
    case TextImm::kLane: {
      uint8_t lane = 0;
      if (!c_.ReadByte(&lane)) return false;
      absl::StrAppend(&out_, " ", lane);
      return true;
    }
    case TextImm::kShuffle: {
      std::span<const uint8_t> lanes;
      if (!c_.ReadBytes(16, &lanes)) return false;
      for (uint8_t lane : lanes) absl::StrAppend(&out_, " ", lane);
      return true;
    }
    case TextImm::kSelect: {
      // Typed select: (result) even when the vector is empty, since the
      // untyped select is another opcode.
      uint32_t count = 0;
      if (!c_.ReadCount(&count)) return false;
      out_ += " (result";
      for (uint32_t i = 0; i < count; ++i) {
        out_ += ' ';
        if (!PrintValType(c_, out_)) return false;
      }
      out_ += ')';
      return true;
    }
    case TextImm::kZeroByte: {
      const size_t at = c_.pos();
      uint8_t zero = 0;
      if (!c_.ReadByte(&zero)) return false;
      if (zero != 0) return c_.Fail(at, "zero byte expected");
      return true;
    }
  }
  return c_.Fail(c_.pos(), "unknown immediate kind");
}

}  // namespace

bool PrintExpression(Cursor& c, const ExprOptions& options, std::string& out) {
  return ExpressionPrinter(c, options, out).Run();
}

}  // namespace kiln::wasm::text::print_internal
