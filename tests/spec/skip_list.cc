#include "skip_list.h"

#include "list_text.h"

#include <charconv>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace kiln::spec {

absl::StatusOr<SkipList> SkipList::Parse(std::string_view text, std::string_view origin) {
  SkipList list;
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

    const size_t space = line.find_first_of(" \t\r");
    const std::string_view target = line.substr(0, space);
    const std::string_view reason =
        space == std::string_view::npos ? std::string_view() : TrimSpaces(line.substr(space));
    // A skip without a reason cannot be judged later, when deciding whether
    // it may be dropped.
    if (reason.empty()) return error("an entry needs a reason");

    SkipEntry entry;
    entry.reason = std::string(reason);
    entry.list_line = list_line;
    const size_t colon = target.find(':');
    entry.file = std::string(target.substr(0, colon));
    if (!entry.file.ends_with(".wast")) return error("expected FILE.wast[:LINE]");
    if (colon != std::string_view::npos) {
      const std::string_view digits = target.substr(colon + 1);
      uint32_t value = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
          value == 0) {
        return error("LINE must be a positive number");
      }
      entry.line = value;
    }
    for (const SkipEntry& other : list.entries_) {
      if (other.file == entry.file && other.line == entry.line) {
        return error(absl::StrCat("duplicate of line ", other.list_line));
      }
    }
    list.entries_.push_back(std::move(entry));
  }
  return list;
}

absl::StatusOr<SkipList> SkipList::Load(const std::filesystem::path& path) {
  absl::StatusOr<std::string> text = ReadListText(path, "skip list");
  if (!text.ok()) return text.status();
  return Parse(*text, path.string());
}

const SkipEntry* SkipList::Find(std::string_view file, uint32_t line) const {
  const SkipEntry* whole_file = nullptr;
  for (const SkipEntry& entry : entries_) {
    if (entry.file != file) continue;
    if (entry.line == line) return &entry;
    if (!entry.line.has_value()) whole_file = &entry;
  }
  return whole_file;
}

std::vector<const SkipEntry*> SkipList::EntriesFor(std::string_view file) const {
  std::vector<const SkipEntry*> result;
  for (const SkipEntry& entry : entries_) {
    if (entry.file == file) result.push_back(&entry);
  }
  return result;
}

}  // namespace kiln::spec
