// LEB128 edge cases, seen through DecodeModule: over-long encodings, unused
// bits set in the last byte, the longest valid forms and non-minimal forms.
//
// The binary format allows at most ceil(N/7) bytes for an N-bit integer; in
// the last of those bytes the bits beyond N must be zero (unsigned) or copies
// of the sign bit (signed). Non-minimal encodings within that length are
// valid. Each case is tried at several places where the decoder reads an
// integer, since each place could use its own reading code.
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "module_builder.h"
#include "test_util.h"

namespace kiln::wasm::test {
namespace {

// A place in a module that holds a u32: how to build a module with the given
// encoding there, and how to read the decoded value back.
struct U32Site {
  std::string name;
  std::function<Bytes(const Bytes& leb)> make;
  std::function<uint64_t(const Module&)> read;
};

std::vector<U32Site> U32Sites() {
  const Bytes one_type = Section(kTypeSection, Encoder().U32(1).Raw({0x60, 0x00, 0x00}));
  const Bytes one_body = Section(kCodeSection, Encoder().U32(1).U32(2).U32(0).End());
  return {
      {"memory minimum",
       [](const Bytes& leb) {
         return ModuleBytes({Section(kMemorySection, Encoder().U32(1).Byte(0x00).Raw(leb))});
       },
       [](const Module& m) { return m.memories.at(0).limits.min; }},
      {"memory maximum",
       [](const Bytes& leb) {
         return ModuleBytes({Section(kMemorySection, Encoder().U32(1).Byte(0x01).U32(0).Raw(leb))});
       },
       [](const Module& m) { return m.memories.at(0).limits.max.value_or(~0ull); }},
      {"table minimum",
       [](const Bytes& leb) {
         return ModuleBytes({Section(kTableSection, Encoder().U32(1).Byte(0x70).Byte(0).Raw(leb))});
       },
       [](const Module& m) { return m.tables.at(0).limits.min; }},
      {"function type index",
       [one_type, one_body](const Bytes& leb) {
         return ModuleBytes(
             {one_type, Section(kFunctionSection, Encoder().U32(1).Raw(leb)), one_body});
       },
       [](const Module& m) { return m.function_type_indices.at(0); }},
      {"export index",
       [](const Bytes& leb) {
         return ModuleBytes({Section(kExportSection, Encoder().U32(1).Name("e").Byte(0).Raw(leb))});
       },
       [](const Module& m) { return m.exports.at(0).index; }},
      {"start index",
       [](const Bytes& leb) { return ModuleBytes({Section(kStartSection, Encoder().Raw(leb))}); },
       [](const Module& m) { return m.start.value_or(~0ull); }},
      {"import type index",
       [](const Bytes& leb) {
         return ModuleBytes(
             {Section(kImportSection, Encoder().U32(1).Name("m").Name("f").Byte(0).Raw(leb))});
       },
       [](const Module& m) { return m.imports.at(0).func_type_index; }},
  };
}

struct U32Case {
  Bytes leb;
  uint64_t value;
};

TEST(Leb128Test, U32ValidFormsAreAccepted) {
  const std::vector<U32Case> cases = {
      {{0x00}, 0},
      {{0x80, 0x00}, 0},                             // non-minimal zero
      {{0x80, 0x80, 0x80, 0x80, 0x00}, 0},           // the longest zero
      {{0x82, 0x80, 0x80, 0x80, 0x00}, 2},           // non-minimal, 5 bytes
      {{0xE5, 0x8E, 0x26}, 624485},                  // the textbook example
      {{0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, 0xFFFFFFFF},  // the largest u32
      {{0x80, 0x80, 0x80, 0x80, 0x08}, 0x80000000},
  };
  for (const U32Site& site : U32Sites()) {
    for (const U32Case& c : cases) {
      SCOPED_TRACE(site.name + ", value " + std::to_string(c.value));
      absl::StatusOr<Module> module = DecodeModule(site.make(c.leb));
      ASSERT_TRUE(module.ok()) << module.status();
      EXPECT_EQ(site.read(*module), c.value);
    }
  }
}

TEST(Leb128Test, U32LongerThanFiveBytesIsTooLong) {
  const std::vector<Bytes> cases = {
      {0x80, 0x80, 0x80, 0x80, 0x80, 0x00},  // six bytes for zero
      {0x82, 0x80, 0x80, 0x80, 0x80, 0x00},
      {0xFF, 0xFF, 0xFF, 0xFF, 0x8F, 0x00},  // continuation bit on the fifth byte
  };
  for (const U32Site& site : U32Sites()) {
    for (const Bytes& leb : cases) {
      SCOPED_TRACE(site.name);
      EXPECT_TRUE(IsWasmError(DecodeStatus(site.make(leb)), "integer representation too long"));
    }
  }
}

TEST(Leb128Test, U32UnusedBitsInLastByteAreTooLarge) {
  // The fifth byte carries bits 28..31; bits 4..6 of it must be zero.
  const std::vector<Bytes> cases = {
      {0xFF, 0xFF, 0xFF, 0xFF, 0x1F},
      {0x80, 0x80, 0x80, 0x80, 0x10},
      {0x82, 0x80, 0x80, 0x80, 0x70},
      {0x80, 0x80, 0x80, 0x80, 0x40},
  };
  for (const U32Site& site : U32Sites()) {
    for (const Bytes& leb : cases) {
      SCOPED_TRACE(site.name);
      EXPECT_TRUE(IsWasmError(DecodeStatus(site.make(leb)), "integer too large"));
    }
  }
}

TEST(Leb128Test, SectionSizeAndCountsAcceptNonMinimalForms) {
  // A type section of one type `[] -> []`, its size written in five bytes
  // and its count in two.
  const Bytes module = ModuleBytes({Encoder()
                                        .Byte(kTypeSection)
                                        .Raw({0x85, 0x80, 0x80, 0x80, 0x00})
                                        .Raw({0x81, 0x00})
                                        .Raw({0x60, 0x00, 0x00})
                                        .bytes()});
  absl::StatusOr<Module> decoded = DecodeModule(module);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->types.size(), 1u);
}

TEST(Leb128Test, SectionSizeTooLongOrTooLarge) {
  EXPECT_TRUE(
      IsWasmError(DecodeStatus(ModuleBytes({{kTypeSection, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}})),
                  "integer representation too long"));
  EXPECT_TRUE(
      IsWasmError(DecodeStatus(ModuleBytes({{kCustomSection, 0x80, 0x80, 0x80, 0x80, 0x10}})),
                  "integer too large"));
}

// A module whose only global is initialised by `opcode <leb> end`.
Bytes GlobalInitWith(ValType type, Opcode opcode, const Bytes& leb) {
  return ModuleBytes(
      {Section(kGlobalSection, Encoder().U32(1).Type(type).Byte(0x00).Op(opcode).Raw(leb).End())});
}

struct SignedCase {
  Bytes leb;
  int64_t value;
};

TEST(Leb128Test, S32ValidFormsAreAccepted) {
  const std::vector<SignedCase> cases = {
      {{0x00}, 0},
      {{0x7F}, -1},
      {{0x80, 0x00}, 0},                     // non-minimal zero
      {{0xFF, 0x7F}, -1},                    // non-minimal minus one
      {{0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, -1},  // the longest minus one
      {{0x80, 0x80, 0x80, 0x80, 0x78}, INT32_MIN},
      {{0xFF, 0xFF, 0xFF, 0xFF, 0x07}, INT32_MAX},
      {{0xC0, 0xBB, 0x78}, -123456},
  };
  for (const SignedCase& c : cases) {
    SCOPED_TRACE(c.value);
    const Bytes bytes = GlobalInitWith(ValType::kI32, Opcode::kI32Const, c.leb);
    absl::StatusOr<Module> module = DecodeModule(bytes);  // refers into `bytes`
    ASSERT_TRUE(module.ok()) << module.status();
    absl::InlinedVector<Instruction, 2> init;
    ASSERT_TRUE(DecodeConstExpr(module->global_inits.at(0), &init).ok());
    ASSERT_EQ(init.size(), 1u);
    EXPECT_EQ(init[0].i32, c.value);
  }
}

TEST(Leb128Test, S32InvalidForms) {
  // In the fifth byte, bits 3..6 must all equal the sign bit (bit 3).
  const std::vector<Bytes> too_large = {
      {0xFF, 0xFF, 0xFF, 0xFF, 0x0F},  // 0xFFFFFFFF as if unsigned: the spec's example
      {0x80, 0x80, 0x80, 0x80, 0x70},
      {0xFF, 0xFF, 0xFF, 0xFF, 0x4F},
      {0x80, 0x80, 0x80, 0x80, 0x10},
  };
  for (const Bytes& leb : too_large) {
    EXPECT_TRUE(IsWasmError(DecodeStatus(GlobalInitWith(ValType::kI32, Opcode::kI32Const, leb)),
                            "integer too large"));
  }
  const std::vector<Bytes> too_long = {
      {0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
      {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F},
  };
  for (const Bytes& leb : too_long) {
    EXPECT_TRUE(IsWasmError(DecodeStatus(GlobalInitWith(ValType::kI32, Opcode::kI32Const, leb)),
                            "integer representation too long"));
  }
}

// `n` copies of `byte`, then `last`.
Bytes Repeat(uint8_t byte, size_t n, uint8_t last) {
  Encoder out;
  for (size_t i = 0; i < n; ++i) out.Byte(byte);
  return out.Byte(last).bytes();
}

TEST(Leb128Test, S64ValidFormsAreAccepted) {
  const std::vector<SignedCase> cases = {
      {{0x00}, 0},
      {Repeat(0x80, 9, 0x00), 0},  // the longest zero
      {Repeat(0xFF, 9, 0x7F), -1},
      {Repeat(0x80, 9, 0x7F), std::numeric_limits<int64_t>::min()},
      {Repeat(0xFF, 9, 0x00), std::numeric_limits<int64_t>::max()},
      {{0x80, 0x80, 0x80, 0x80, 0x10}, int64_t{1} << 32},  // past what an s32 could hold
  };
  for (const SignedCase& c : cases) {
    SCOPED_TRACE(c.value);
    const Bytes bytes = GlobalInitWith(ValType::kI64, Opcode::kI64Const, c.leb);
    absl::StatusOr<Module> module = DecodeModule(bytes);  // refers into `bytes`
    ASSERT_TRUE(module.ok()) << module.status();
    absl::InlinedVector<Instruction, 2> init;
    ASSERT_TRUE(DecodeConstExpr(module->global_inits.at(0), &init).ok());
    ASSERT_EQ(init.size(), 1u);
    EXPECT_EQ(init[0].i64, c.value);
  }
}

TEST(Leb128Test, S64InvalidForms) {
  // The tenth byte holds bit 63 only; bits 1..6 must copy it.
  const std::vector<Bytes> too_large = {
      Repeat(0xFF, 9, 0x01),
      Repeat(0x80, 9, 0x7E),
      Repeat(0x80, 9, 0x02),
      Repeat(0xFF, 9, 0x41),
  };
  for (const Bytes& leb : too_large) {
    EXPECT_TRUE(IsWasmError(DecodeStatus(GlobalInitWith(ValType::kI64, Opcode::kI64Const, leb)),
                            "integer too large"));
  }
  const std::vector<Bytes> too_long = {
      Repeat(0x80, 10, 0x00),
      Repeat(0xFF, 10, 0x7F),
  };
  for (const Bytes& leb : too_long) {
    EXPECT_TRUE(IsWasmError(DecodeStatus(GlobalInitWith(ValType::kI64, Opcode::kI64Const, leb)),
                            "integer representation too long"));
  }
}

TEST(Leb128Test, EncoderRoundTripsThroughTheDecoder) {
  // Guards the test helper itself: what Encoder writes, the decoder reads.
  for (int32_t v : {0, 1, -1, 63, 64, -64, -65, 8191, -8192, INT32_MAX, INT32_MIN}) {
    const Bytes bytes = ModuleBytes(
        {Section(kGlobalSection, Encoder().U32(1).Type(ValType::kI32).Byte(0).I32Const(v).End())});
    absl::StatusOr<Module> module = DecodeModule(bytes);
    ASSERT_TRUE(module.ok()) << module.status();
    absl::InlinedVector<Instruction, 2> init;
    ASSERT_TRUE(DecodeConstExpr(module->global_inits[0], &init).ok());
    EXPECT_EQ(init.at(0).i32, v);
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1} << 40, -(int64_t{1} << 40),
                    std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    const Bytes bytes = ModuleBytes(
        {Section(kGlobalSection, Encoder().U32(1).Type(ValType::kI64).Byte(0).I64Const(v).End())});
    absl::StatusOr<Module> module = DecodeModule(bytes);
    ASSERT_TRUE(module.ok()) << module.status();
    absl::InlinedVector<Instruction, 2> init;
    ASSERT_TRUE(DecodeConstExpr(module->global_inits[0], &init).ok());
    EXPECT_EQ(init.at(0).i64, v);
  }
}

}  // namespace
}  // namespace kiln::wasm::test
