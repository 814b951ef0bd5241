// list_text.h — what kiln-spec's line-based lists (the skip list, the
// corrected modules) share: reading the file and trimming a line.
#ifndef KILN_TESTS_SPEC_LIST_TEXT_H_
#define KILN_TESTS_SPEC_LIST_TEXT_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace kiln::spec {

// The whole file at `path`; NOT_FOUND names it as `what` when it cannot be
// opened.
absl::StatusOr<std::string> ReadListText(const std::filesystem::path& path, std::string_view what);

// `s` without leading and trailing spaces, tabs and carriage returns.
std::string_view TrimSpaces(std::string_view s);

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_LIST_TEXT_H_
