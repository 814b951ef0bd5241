// Deliberately huge declared counts and lengths in tiny modules. A decoder
// that trusted them would allocate gigabytes or loop for billions of
// iterations; Kiln must reject each quickly, with a spec message or an
// implementation-limit error, while holding little memory at its peak (the
// inputs are a few dozen bytes; 1 MiB is generous).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "allocation_tracker.h"
#include "gtest/gtest.h"
#include "module_builder.h"
#include "test_util.h"

namespace kiln::wasm::test {
namespace {

constexpr size_t kPeakAllowance = 1 << 20;
constexpr uint32_t kHuge = 0xFFFFFFFF;
// Within every ImplementationLimits default, so only the byte count can stop it.
constexpr uint32_t kLarge = 60'000;

struct HostileCase {
  std::string name;
  Bytes module;
};

// The phrases a hostile count may be rejected with: an implementation limit
// ("too many types: ...") or the spec's words for running out of bytes.
constexpr std::string_view kCountPhrases[] = {"too many", "unexpected end", "length out of bounds"};

// Decodes `c.module` and checks it fails with one of `phrases` within the
// peak allowance.
void ExpectRejectedCheaply(const HostileCase& c, std::span<const std::string_view> phrases,
                           bool validate = false) {
  SCOPED_TRACE(c.name);
  PeakAllocationScope scope;
  const absl::Status status =
      validate ? DecodeAndValidate(c.module).status() : DecodeModule(c.module).status();
  const size_t peak = scope.peak_bytes();
  EXPECT_TRUE(IsWasmErrorAmong(status, phrases));
  EXPECT_LT(peak, kPeakAllowance) << "peak allocation of " << peak << " bytes";
}

std::vector<HostileCase> HugeVectorCounts(uint32_t count) {
  const std::string n = std::to_string(count);
  const Bytes one_type = Section(kTypeSection, Encoder().U32(1).Raw({0x60, 0x00, 0x00}));
  const Bytes one_table =
      Section(kTableSection, Encoder().U32(1).Type(ValType::kFuncRef).LimitsOf(1, {}));
  return {
      {n + " types", ModuleBytes({Section(kTypeSection, Encoder().U32(count).Raw({0x60, 0, 0}))})},
      {n + " parameters",
       ModuleBytes({Section(kTypeSection, Encoder().U32(1).Byte(0x60).U32(count).Byte(0x7F))})},
      {n + " imports", ModuleBytes({Section(
                           kImportSection, Encoder().U32(count).Name("m").Name("f").Raw({0, 0}))})},
      {n + " functions",
       ModuleBytes({one_type, Section(kFunctionSection, Encoder().U32(count).U32(0))})},
      {n + " tables",
       ModuleBytes({Section(kTableSection, Encoder().U32(count).Raw({0x70, 0, 1}))})},
      {n + " memories", ModuleBytes({Section(kMemorySection, Encoder().U32(count).Raw({0, 1}))})},
      {n + " globals",
       ModuleBytes(
           {Section(kGlobalSection, Encoder().U32(count).Raw({0x7F, 0}).I32Const(0).End())})},
      {n + " exports",
       ModuleBytes({Section(kExportSection, Encoder().U32(count).Name("e").Raw({0, 0}))})},
      {n + " element segments",
       ModuleBytes(
           {one_table, Section(kElementSection, Encoder().U32(count).U32(1).Byte(0).U32(0))})},
      {n + " element items (function indices)",
       ModuleBytes(
           {one_table, Section(kElementSection,
                               Encoder().U32(1).U32(0).I32Const(0).End().U32(count).U32(0))})},
      {n + " element items (expressions)",
       ModuleBytes({one_table, Section(kElementSection, Encoder()
                                                            .U32(1)
                                                            .U32(5)
                                                            .Type(ValType::kFuncRef)
                                                            .U32(count)
                                                            .Op(Opcode::kRefNull)
                                                            .Byte(0x70)
                                                            .End())})},
      {n + " data segments",
       ModuleBytes({Section(kDataSection, Encoder().U32(count).U32(1).Name("x"))})},
      {n + " br_table targets in a constant expression",
       ModuleBytes({Section(kGlobalSection, Encoder()
                                                .U32(1)
                                                .Raw({0x7F, 0})
                                                .I32Const(0)
                                                .Op(Opcode::kBrTable)
                                                .U32(count)
                                                .U32(0)
                                                .End())})},
  };
}

TEST(HostileCountsTest, HugeVectorCountsAreRejectedCheaply) {
  for (const HostileCase& c : HugeVectorCounts(kHuge)) ExpectRejectedCheaply(c, kCountPhrases);
}

TEST(HostileCountsTest, LargeCountsWithinLimitsStillNeedTheBytes) {
  // Under every limit, so only the count of bytes left can stop these early.
  for (const HostileCase& c : HugeVectorCounts(kLarge)) ExpectRejectedCheaply(c, kCountPhrases);
}

TEST(HostileCountsTest, CountsJustOverTheLimitSayTooMany) {
  DecodeOptions options;
  options.limits.max_types = 3;
  const Bytes four_types = ModuleBytes({Section(
      kTypeSection, Encoder().U32(4).Raw({0x60, 0, 0, 0x60, 0, 0, 0x60, 0, 0, 0x60, 0, 0}))});
  const absl::Status status = DecodeStatus(four_types, options);
  EXPECT_TRUE(IsWasmError(status, "too many types"));
  ASSERT_TRUE(GetErrorLocation(status).has_value());
  EXPECT_EQ(GetErrorLocation(status)->kind, ErrorKind::kLimit);
  // The limit is inclusive.
  options.limits.max_types = 4;
  EXPECT_TRUE(DecodeModule(four_types, options).ok());
}

// A declared byte length (of a name, a data segment, a body) beyond the end
// of its section is "length out of bounds" in the spec's interpreter, or
// "unexpected end": either way a spec message, whatever the length.
TEST(HostileCountsTest, HugeDeclaredLengthsAreOutOfBounds) {
  const std::vector<HostileCase> cases = {
      {"import module name of 4 GiB",
       ModuleBytes(
           {Section(kImportSection, Encoder().U32(1).U32(kHuge).Raw({'m', 1, 'f', 0, 0}))})},
      {"import field name of 4 GiB",
       ModuleBytes(
           {Section(kImportSection, Encoder().U32(1).Name("m").U32(kHuge).Raw({'f', 0, 0}))})},
      {"export name of 4 GiB",
       ModuleBytes({Section(kExportSection, Encoder().U32(1).U32(kHuge).Raw({'e', 0, 0}))})},
      {"custom section name of 4 GiB",
       ModuleBytes({Section(kCustomSection, Encoder().U32(kHuge).Raw({'n', 'a', 'm', 'e'}))})},
      {"data segment of 4 GiB",
       ModuleBytes({Section(kDataSection, Encoder().U32(1).U32(1).U32(kHuge).Raw({'x'}))})},
      {"function body of 4 GiB",
       ModuleBytes({Section(kTypeSection, Encoder().U32(1).Raw({0x60, 0, 0})),
                    Section(kFunctionSection, Encoder().U32(1).U32(0)),
                    Section(kCodeSection, Encoder().U32(1).U32(kHuge).Raw({0, 0x0B}))})},
      {"section of 4 GiB", ModuleBytes({Encoder().Byte(kTypeSection).U32(kHuge).Raw({1}).bytes()})},
  };
  constexpr std::string_view kOutOfBounds[] = {"length out of bounds", "unexpected end"};
  for (const HostileCase& c : cases) ExpectRejectedCheaply(c, kOutOfBounds);
}

TEST(HostileCountsTest, NameWithinTheModuleButOverTheLimitIsALimitError) {
  DecodeOptions options;
  options.limits.max_name_bytes = 16;
  const Bytes module = ModuleBytes(
      {Section(kExportSection, Encoder().U32(1).Name(std::string(17, 'e')).Raw({0, 0}))});
  const absl::Status status = DecodeStatus(module, options);
  ASSERT_FALSE(status.ok());
  ASSERT_TRUE(GetErrorLocation(status).has_value()) << status;
  EXPECT_EQ(GetErrorLocation(status)->kind, ErrorKind::kLimit) << status;
  options.limits.max_name_bytes = 17;
  EXPECT_TRUE(DecodeModule(module, options).ok());
}

TEST(HostileCountsTest, ModuleLargerThanTheLimit) {
  DecodeOptions options;
  options.limits.max_module_size = 16;
  const Bytes module = ModuleBytes({CustomSection("pad", Encoder().Raw({1, 2, 3, 4, 5, 6}))});
  ASSERT_GT(module.size(), 16u);
  const absl::Status status = DecodeStatus(module, options);
  ASSERT_TRUE(GetErrorLocation(status).has_value()) << status;
  EXPECT_EQ(GetErrorLocation(status)->kind, ErrorKind::kLimit);
}

// --- Counts inside function bodies: the validator's side. ---

Bytes ModuleWithBody(const Encoder& body) {
  ModuleBuilder b;
  b.AddFunctionBody(b.AddType({}, {}), body);
  return b.Build();
}

TEST(HostileCountsTest, HugeLocalCountsAreTooManyLocals) {
  // The spec's cases: one run of 2^32-1 locals, and runs whose sum is 2^32
  // (so a 32-bit sum would wrap to zero).
  const std::vector<HostileCase> cases = {
      {"2^32-1 locals",
       ModuleWithBody(
           Encoder().U32(2).U32(kHuge).Type(ValType::kI32).U32(2).Type(ValType::kI64).End())},
      {"4 x 2^30 locals", ModuleWithBody(Encoder()
                                             .U32(4)
                                             .U32(0x40000000)
                                             .Type(ValType::kI32)
                                             .U32(0x40000000)
                                             .Type(ValType::kI64)
                                             .U32(0x40000000)
                                             .Type(ValType::kF32)
                                             .U32(0x40000000)
                                             .Type(ValType::kF64)
                                             .End())},
      {"more than the local limit",
       ModuleWithBody(Encoder().U32(1).U32(60'000).Type(ValType::kI32).End())},
  };
  constexpr std::string_view kTooManyLocals[] = {"too many locals"};
  for (const HostileCase& c : cases) ExpectRejectedCheaply(c, kTooManyLocals, /*validate=*/true);
}

TEST(HostileCountsTest, HugeBrTableInAFunctionBody) {
  const std::vector<HostileCase> cases = {
      {"br_table of 2^32-1 targets", ModuleWithBody(Encoder()
                                                        .U32(0)
                                                        .Block()
                                                        .I32Const(0)
                                                        .Op(Opcode::kBrTable)
                                                        .U32(kHuge)
                                                        .U32(0)
                                                        .End()
                                                        .End())},
      {"br_table of 60000 targets, 1 given", ModuleWithBody(Encoder()
                                                                .U32(0)
                                                                .Block()
                                                                .I32Const(0)
                                                                .Op(Opcode::kBrTable)
                                                                .U32(kLarge)
                                                                .U32(0)
                                                                .End()
                                                                .End())},
  };
  for (const HostileCase& c : cases) ExpectRejectedCheaply(c, kCountPhrases, /*validate=*/true);
}

TEST(HostileCountsTest, HugeSelectTypeCount) {
  // Typed select lists its types in a vector; 2.0 allows exactly one.
  const HostileCase c = {"select with 2^32-1 types", ModuleWithBody(Encoder()
                                                                        .U32(0)
                                                                        .I32Const(0)
                                                                        .I32Const(0)
                                                                        .I32Const(0)
                                                                        .Op(Opcode::kSelectT)
                                                                        .U32(kHuge)
                                                                        .Type(ValType::kI32)
                                                                        .Op(Opcode::kDrop)
                                                                        .End())};
  constexpr std::string_view kPhrases[] = {"invalid result arity", "unexpected end",
                                           "length out of bounds", "too many"};
  ExpectRejectedCheaply(c, kPhrases, /*validate=*/true);
}

TEST(HostileCountsTest, TinyElementExpressionsCostLittleMemoryEach) {
  // A valid shape, not a lie about counts: one passive segment of 200,000
  // three-byte `ref.null func end` expressions. Constant expressions are
  // views of the module's bytes, so decoding holds a small multiple of the
  // input (a decoded instruction per expression would be ~45x).
  constexpr uint32_t kItems = 200'000;
  Encoder items;
  for (uint32_t i = 0; i < kItems; ++i) {
    items.Op(Opcode::kRefNull).Type(ValType::kFuncRef).End();
  }
  const Bytes module = ModuleBytes({Section(
      kElementSection,
      Encoder().U32(1).U32(5).Type(ValType::kFuncRef).U32(kItems).Raw(items))});
  PeakAllocationScope scope;
  absl::StatusOr<Module> decoded = DecodeAndValidate(module);
  const size_t peak = scope.peak_bytes();
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->elements.at(0).size(), kItems);
  EXPECT_LT(peak, 20 * module.size()) << "peak allocation of " << peak << " bytes for "
                                      << module.size() << " bytes of module";
}

}  // namespace
}  // namespace kiln::wasm::test
