#include "corrected_modules.h"

#include "list_text.h"

#include <charconv>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace kiln::spec {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<CorrectedModules> CorrectedModules::Parse(std::string_view text,
                                                         std::string_view origin) {
  CorrectedModules list;
  uint32_t list_line = 0;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    const std::string_view line = TrimSpaces(text.substr(0, newline));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++list_line;
    if (line.empty() || line.front() == '#') continue;

    auto error = [&](std::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat(std::string(origin), ":", list_line, ": ",
                                                     std::string(what), ": ", std::string(line)));
    };

    const size_t bar = line.find('|');
    if (bar == std::string_view::npos) return error("expected FILE.wast:LINE HEX... | reason");
    CorrectedModule entry;
    entry.list_line = list_line;
    entry.reason = std::string(TrimSpaces(line.substr(bar + 1)));
    // A correction without a reason cannot be checked by a reader.
    if (entry.reason.empty()) return error("an entry needs a reason");

    std::string_view head = TrimSpaces(line.substr(0, bar));
    const size_t space = head.find_first_of(" \t");
    const std::string_view target = head.substr(0, space);
    const size_t colon = target.find(':');
    entry.file = std::string(target.substr(0, colon));
    if (!entry.file.ends_with(".wast") || colon == std::string_view::npos) {
      return error("expected FILE.wast:LINE");
    }
    const std::string_view digits = target.substr(colon + 1);
    const auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), entry.line);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
        entry.line == 0) {
      return error("LINE must be a positive number");
    }

    std::string hex;
    for (char c : head.substr(space == std::string_view::npos ? head.size() : space)) {
      if (c == ' ' || c == '\t') continue;
      if (HexDigit(c) < 0) return error(absl::StrCat("'", std::string(1, c), "' is not a hex digit"));
      hex.push_back(c);
    }
    if (hex.empty() || hex.size() % 2 != 0) return error("expected whole bytes of hex");
    for (size_t i = 0; i < hex.size(); i += 2) {
      entry.bytes.push_back(static_cast<uint8_t>(HexDigit(hex[i]) << 4 | HexDigit(hex[i + 1])));
    }
    for (const CorrectedModule& other : list.entries_) {
      if (other.file == entry.file && other.line == entry.line) {
        return error(absl::StrCat("duplicate of line ", other.list_line));
      }
    }
    list.entries_.push_back(std::move(entry));
  }
  return list;
}

absl::StatusOr<CorrectedModules> CorrectedModules::Load(const std::filesystem::path& path) {
  absl::StatusOr<std::string> text = ReadListText(path, "corrected-module list");
  if (!text.ok()) return text.status();
  return Parse(*text, path.string());
}

const CorrectedModule* CorrectedModules::Find(std::string_view file, uint32_t line) const {
  for (const CorrectedModule& entry : entries_) {
    if (entry.file == file && entry.line == line) return &entry;
  }
  return nullptr;
}

std::vector<const CorrectedModule*> CorrectedModules::EntriesFor(std::string_view file) const {
  std::vector<const CorrectedModule*> result;
  for (const CorrectedModule& entry : entries_) {
    if (entry.file == file) result.push_back(&entry);
  }
  return result;
}

}  // namespace kiln::spec
