#include "instruction_table.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "kiln/wasm/opcode.h"

namespace kiln::wasm::text {
namespace {

// The text immediates of a 2.0 instruction, from its binary immediate kind.
TextImm TextImmOf(ImmKind kind) {
  switch (kind) {
    case ImmKind::kNone: return TextImm::kNone;
    case ImmKind::kBlockType: return TextImm::kBlockType;
    case ImmKind::kLabel: return TextImm::kLabel;
    case ImmKind::kBrTable: return TextImm::kBrTable;
    case ImmKind::kFunc: return TextImm::kFunc;
    case ImmKind::kCallIndirect: return TextImm::kCallIndirect;
    case ImmKind::kLocal: return TextImm::kLocal;
    case ImmKind::kGlobal: return TextImm::kGlobal;
    case ImmKind::kTable: return TextImm::kTable;
    case ImmKind::kMemArg: return TextImm::kMemArg;
    case ImmKind::kMemory: return TextImm::kMemory;
    case ImmKind::kI32: return TextImm::kI32;
    case ImmKind::kI64: return TextImm::kI64;
    case ImmKind::kF32: return TextImm::kF32;
    case ImmKind::kF64: return TextImm::kF64;
    case ImmKind::kV128: return TextImm::kV128;
    case ImmKind::kLane: return TextImm::kLane;
    case ImmKind::kShuffle: return TextImm::kShuffle;
    case ImmKind::kMemArgLane: return TextImm::kMemArgLane;
    case ImmKind::kSelectTypes: return TextImm::kSelect;
    case ImmKind::kRefType: return TextImm::kHeapType;
    case ImmKind::kTableInit: return TextImm::kTableInit;
    case ImmKind::kTableCopy: return TextImm::kTableCopy;
    case ImmKind::kMemoryInit: return TextImm::kMemoryInit;
    case ImmKind::kData: return TextImm::kData;
    case ImmKind::kMemoryCopy: return TextImm::kMemoryCopy;
    case ImmKind::kElem: return TextImm::kElem;
  }
  return TextImm::kNone;
}

// FNV-1a. The parser looks up every instruction it reads by name, and
// names are short: this simple hash and the table below cost about half of
// a general-purpose hash map's lookup.
uint32_t NameHash(std::string_view name) {
  uint32_t h = 2166136261u;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

struct Tables {
  std::vector<TextInstruction> all;
  // Open addressing with linear probing; a power-of-two size at least four
  // times the number of names, so that probes are short; null is empty.
  std::vector<const TextInstruction*> by_name;
  absl::flat_hash_map<uint32_t, const TextInstruction*> by_code;  // prefix << 24 | code
};

const Tables& GetTables() {
  static const Tables tables = [] {
    Tables t;
#define KILN_CORE_ROW(name, text, prefix, code, imm, sig, align) \
  t.all.push_back({text, prefix, code, TextImmOf(ImmKind::imm), align, Feature::kCore});
    KILN_FOREACH_OPCODE(KILN_CORE_ROW)
#undef KILN_CORE_ROW
#define KILN_TEXT_ROW(text, prefix, code, imm, align, feature) \
  t.all.push_back({text, prefix, code, TextImm::imm, align, Feature::feature});
    KILN_FOREACH_TEXT_ONLY_INSTRUCTION(KILN_TEXT_ROW)
#undef KILN_TEXT_ROW
    size_t slots = 1;
    while (slots < 4 * t.all.size()) slots *= 2;
    t.by_name.assign(slots, nullptr);
    for (const TextInstruction& row : t.all) {
      // The typed select shares its name with the untyped one, which the
      // parser looks up first: the first row of a name wins.
      size_t i = NameHash(row.name) & (slots - 1);
      while (t.by_name[i] != nullptr && t.by_name[i]->name != row.name) i = (i + 1) & (slots - 1);
      if (t.by_name[i] == nullptr) t.by_name[i] = &row;
      t.by_code.try_emplace((uint32_t{row.prefix} << 24) | row.code, &row);
    }
    return t;
  }();
  return tables;
}

}  // namespace

const TextInstruction* FindInstruction(std::string_view name) {
  const std::vector<const TextInstruction*>& slots = GetTables().by_name;
  const size_t mask = slots.size() - 1;
  for (size_t i = NameHash(name) & mask; slots[i] != nullptr; i = (i + 1) & mask) {
    if (slots[i]->name == name) return slots[i];
  }
  return nullptr;
}

const TextInstruction* FindInstruction(uint8_t prefix, uint32_t code) {
  if (code > 0xFFFFFF) return nullptr;
  const auto& map = GetTables().by_code;
  auto it = map.find((uint32_t{prefix} << 24) | code);
  return it == map.end() ? nullptr : it->second;
}

}  // namespace kiln::wasm::text
