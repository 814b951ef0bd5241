// wat_parse_fuzzer: arbitrary bytes into the text-format parser.
//
// The parser must return a module or an error, never crash, hang or
// allocate without bound. A module it returns must print, and the printed
// text must parse back to the same bytes (the round trip kiln-spec
// --round-trip checks on the spec suites, here on whatever the fuzzer
// finds).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "kiln/wasm/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Deeply nested folded instructions recurse; keep inputs moderate.
  if (size > 64 * 1024) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<kiln::wasm::text::ParsedModule> module =
      kiln::wasm::text::ParseModule(text, "fuzz");
  if (!module.ok()) return 0;
  absl::StatusOr<std::string> printed = kiln::wasm::text::PrintModule(module->binary);
  if (!printed.ok()) return 0;  // the parser encodes what it is told; the printer may refuse
  absl::StatusOr<kiln::wasm::text::ParsedModule> again =
      kiln::wasm::text::ParseModule(*printed, "printed");
  if (!again.ok()) {
    std::fprintf(stderr, "printed text does not parse: %s\n%s\n",
                 std::string(again.status().message()).c_str(), printed->c_str());
    std::abort();
  }
  return 0;
}
