#include "trap_text.h"

namespace kiln::spec {

bool TrapTextMatches(std::string_view message, std::string_view trap_text,
                     std::string_view expected) {
  if (message.find(expected) != std::string_view::npos) return true;
  return !trap_text.empty() && expected.size() > trap_text.size() &&
         expected.starts_with(trap_text) && expected[trap_text.size()] == ' ';
}

}  // namespace kiln::spec
