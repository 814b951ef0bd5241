#include "kiln/wasm/opcode.h"

#include <array>

namespace kiln::wasm {
namespace {

// Dense lookup tables, one per prefix, built once from KILN_FOREACH_OPCODE.
struct OpcodeTables {
  std::array<const OpcodeInfo*, 256> plain{};
  std::array<const OpcodeInfo*, 256> fc{};
  std::array<const OpcodeInfo*, 256> fd{};
};

constexpr OpcodeInfo kInfos[] = {
#define KILN_OPCODE_INFO(name, text, prefix, code, imm, sig, align) \
  {text, ImmKind::imm, OpSig::sig, align},
    KILN_FOREACH_OPCODE(KILN_OPCODE_INFO)
#undef KILN_OPCODE_INFO
};

constexpr Opcode kOpcodes[] = {
#define KILN_OPCODE_VALUE(name, text, prefix, code, imm, sig, align) Opcode::k##name,
    KILN_FOREACH_OPCODE(KILN_OPCODE_VALUE)
#undef KILN_OPCODE_VALUE
};

const OpcodeTables& Tables() {
  static const OpcodeTables tables = [] {
    OpcodeTables t;
    for (size_t i = 0; i < std::size(kOpcodes); ++i) {
      const uint32_t value = static_cast<uint32_t>(kOpcodes[i]);
      const uint32_t prefix = value >> 16;
      const uint32_t code = value & 0xFFFF;
      auto& table = prefix == 0 ? t.plain : prefix == 0xFC ? t.fc : t.fd;
      table[code] = &kInfos[i];
    }
    return t;
  }();
  return tables;
}

}  // namespace

const OpcodeInfo* LookupOpcode(uint8_t prefix, uint32_t code) {
  if (code > 0xFF) return nullptr;
  const OpcodeTables& t = Tables();
  switch (prefix) {
    case 0: return t.plain[code];
    case 0xFC: return t.fc[code];
    case 0xFD: return t.fd[code];
    default: return nullptr;
  }
}

const OpcodeInfo& GetOpcodeInfo(Opcode op) {
  const uint32_t value = static_cast<uint32_t>(op);
  return *LookupOpcode(static_cast<uint8_t>(value >> 16), value & 0xFFFF);
}

}  // namespace kiln::wasm
