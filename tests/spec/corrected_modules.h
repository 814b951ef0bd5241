// corrected_modules.h — module binaries that wast2json gets wrong, encoded
// by hand.
//
// wabt's wast2json (1.0.32, the version Debian 12 ships) mis-encodes a few
// modules of the spec suite, so the bytes Kiln would be tested on are not
// the module the script means. Rather than skip such a command, kiln-spec
// runs it on the correct bytes listed here. Each entry is checked every
// run: it must match a command with a binary module, and wast2json's bytes
// must still differ (a fixed wast2json makes the entry stale, and the
// runner says so).
//
// Format, one entry a line:
//   FILE.wast:LINE HEX... | reason
// HEX is the whole module, in hex digits that may be split by spaces into
// groups for reading. Blank lines and lines starting with `#` are ignored.
#ifndef KILN_TESTS_SPEC_CORRECTED_MODULES_H_
#define KILN_TESTS_SPEC_CORRECTED_MODULES_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::spec {

struct CorrectedModule {
  std::string file;  // e.g. "select.wast"
  uint32_t line = 0;
  std::vector<uint8_t> bytes;
  std::string reason;
  uint32_t list_line = 0;  // where the entry is in the list, for messages
};

class CorrectedModules {
 public:
  // `origin` names the text in error messages (usually its path).
  static absl::StatusOr<CorrectedModules> Parse(std::string_view text, std::string_view origin);
  static absl::StatusOr<CorrectedModules> Load(const std::filesystem::path& path);

  // The correction for the command at `line` of `file`, or null.
  const CorrectedModule* Find(std::string_view file, uint32_t line) const;

  // Every entry naming `file`, so a runner can report those that matched
  // no command.
  std::vector<const CorrectedModule*> EntriesFor(std::string_view file) const;

  size_t size() const { return entries_.size(); }

 private:
  std::vector<CorrectedModule> entries_;
};

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_CORRECTED_MODULES_H_
