// kiln/wasm/text.h — the WebAssembly text format (WAT), both ways.
//
// ParseModule turns a module written in text into its binary encoding, the
// way wat2wasm does; the binary then goes through the ordinary decoder and
// validator, so the text front-end adds no second idea of what a module
// means. It reads the whole WebAssembly 3.0 text format, including the
// features the engine does not run yet, and says which of those a module
// uses (a runner reports such modules as unsupported, not as failures).
// PrintModule goes the other way (like `wasm-tools print`).
//
// Errors are INVALID_ARGUMENT with "FILE:LINE:COLUMN: message", using the
// spec's wording where its tests check it ("unknown operator", "unexpected
// token", "alignment", "i32 constant", "unknown label", ...).
#ifndef KILN_WASM_TEXT_H_
#define KILN_WASM_TEXT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::wasm::text {

// The WebAssembly features beyond 2.0 that a module can use.
enum class Feature : uint8_t {
  kCore,  // WebAssembly 2.0: what the engine runs today
  kTailCall,
  kExtendedConst,
  kMultiMemory,
  kMemory64,
  kExceptions,
  kLegacyExceptions,
  kFunctionReferences,
  kGc,
  kRelaxedSimd,
  kThreads,
  kWideArithmetic,
  kCustomPageSizes,
};
constexpr int kFeatureCount = 13;

// The feature's name as the proposals call it ("tail-call", "gc", ...).
std::string_view FeatureName(Feature feature);

// A set of features, one bit each.
class FeatureSet {
 public:
  void Add(Feature f) { bits_ |= 1u << static_cast<unsigned>(f); }
  bool Has(Feature f) const { return (bits_ >> static_cast<unsigned>(f)) & 1u; }
  // Whether anything beyond 2.0 is used.
  bool BeyondCore() const { return (bits_ & ~1u) != 0; }
  // "gc, threads": the features beyond 2.0, for messages.
  std::string Describe() const;
  void Merge(const FeatureSet& other) { bits_ |= other.bits_; }

 private:
  uint32_t bits_ = 0;
};

struct ParsedModule {
  std::vector<uint8_t> binary;
  FeatureSet features;
  std::string name;  // the module's $id, without the '$'; empty when none
};

// Parses one module: `(module $id? field*)`, or the fields alone (the
// abbreviation the spec allows for a file holding one module). `filename`
// prefixes error positions.
absl::StatusOr<ParsedModule> ParseModule(std::string_view text,
                                         std::string_view filename = "<text>");

// Whether `bytes` should be read as text: anything that does not start
// with the binary magic "\0asm".
bool LooksLikeText(std::span<const uint8_t> bytes);

// The text of a binary module, one field per line, instructions in flat
// form, every index a number; ParseModule gives back the same bytes. Custom
// sections, "name" included, are printed last as (@custom ...) annotations
// that say where they were. What text cannot say does not come back:
// non-minimal LEB128s, empty sections, zero-count or split local runs, a
// data count section where the parser writes none, `(ref null func)`
// spelled 0x63 0x70. Malformed input is INVALID_ARGUMENT "at byte 0x1f:
// message", with the offset also as kiln/wasm/error.h's location.
absl::StatusOr<std::string> PrintModule(std::span<const uint8_t> binary);

}  // namespace kiln::wasm::text

#endif  // KILN_WASM_TEXT_H_
