// skip_list.h — the one list of spec commands Kiln knowingly does not pass.
//
// Format, one entry a line:
//   FILE.wast[:LINE] reason
// FILE.wast is the script's base name; LINE is the command's line in that
// script (the `line` wast2json reports). Without a line the whole file is
// skipped. Every entry needs a reason. Blank lines and lines starting with
// `#` are ignored.
#ifndef KILN_TESTS_SPEC_SKIP_LIST_H_
#define KILN_TESTS_SPEC_SKIP_LIST_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::spec {

struct SkipEntry {
  std::string file;              // e.g. "simd_lane.wast"
  std::optional<uint32_t> line;  // nullopt: the whole file
  std::string reason;
  uint32_t list_line = 0;  // where the entry is in the skip list, for messages
};

class SkipList {
 public:
  // `origin` names the text in error messages (usually its path).
  static absl::StatusOr<SkipList> Parse(std::string_view text, std::string_view origin);
  static absl::StatusOr<SkipList> Load(const std::filesystem::path& path);

  // The entry that skips the command at `line` of `file`, or null. An entry
  // for that line is preferred over one for the whole file.
  const SkipEntry* Find(std::string_view file, uint32_t line) const;

  // Every entry naming `file`, so a runner can report those that matched
  // nothing (a stale list would otherwise hide a test for ever).
  std::vector<const SkipEntry*> EntriesFor(std::string_view file) const;

  size_t size() const { return entries_.size(); }

 private:
  std::vector<SkipEntry> entries_;
};

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_SKIP_LIST_H_
