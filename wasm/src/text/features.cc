#include <algorithm>
#include <string>

#include "kiln/wasm/text.h"

namespace kiln::wasm::text {

std::string_view FeatureName(Feature feature) {
  switch (feature) {
    case Feature::kCore: return "core";
    case Feature::kTailCall: return "tail-call";
    case Feature::kExtendedConst: return "extended-const";
    case Feature::kMultiMemory: return "multi-memory";
    case Feature::kMemory64: return "memory64";
    case Feature::kExceptions: return "exceptions";
    case Feature::kLegacyExceptions: return "legacy-exceptions";
    case Feature::kFunctionReferences: return "function-references";
    case Feature::kGc: return "gc";
    case Feature::kRelaxedSimd: return "relaxed-simd";
    case Feature::kThreads: return "threads";
    case Feature::kWideArithmetic: return "wide-arithmetic";
    case Feature::kCustomPageSizes: return "custom-page-sizes";
  }
  return "?";
}

std::string FeatureSet::Describe() const {
  std::string out;
  for (int i = 1; i < kFeatureCount; ++i) {
    const Feature f = static_cast<Feature>(i);
    if (!Has(f)) continue;
    if (!out.empty()) out += ", ";
    out += FeatureName(f);
  }
  return out;
}

bool LooksLikeText(std::span<const uint8_t> bytes) {
  static constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6D};
  return !(bytes.size() >= 4 && std::equal(kMagic, kMagic + 4, bytes.begin()));
}

}  // namespace kiln::wasm::text
