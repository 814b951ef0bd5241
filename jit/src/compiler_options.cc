#include "kiln/jit/compiler_options.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace kiln::jit {

absl::StatusOr<OptLevel> ParseOptLevel(std::string_view text) {
  if (text == "O0" || text == "0") return OptLevel::kO0;
  if (text == "O1" || text == "1") return OptLevel::kO1;
  if (text == "O2" || text == "2") return OptLevel::kO2;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown optimization level '", std::string(text), "' (use O0, O1 or O2)"));
}

std::string_view OptLevelName(OptLevel level) {
  switch (level) {
    case OptLevel::kO0: return "O0";
    case OptLevel::kO1: return "O1";
    case OptLevel::kO2: return "O2";
  }
  return "O2";
}

}  // namespace kiln::jit
