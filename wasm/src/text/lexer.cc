#include "lexer.h"

#include <sys/mman.h>

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"

namespace kiln::wasm::text {
namespace {

// The characters of an id, keyword, number or reserved token.
constexpr bool IsIdChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '/': case ':': case '<': case '=': case '>': case '?':
    case '@': case '\\': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

// Characters that may glue onto a reserved token but belong to no other.
constexpr bool IsReservedOnlyChar(unsigned char c) {
  return c == ',' || c == ';' || c == '[' || c == ']' || c == '{' || c == '}';
}

// IsIdChar as a table, for the lexer's innermost loop.
constexpr std::array<bool, 256> kIdChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = IsIdChar(static_cast<unsigned char>(c));
  return table;
}();

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Length of the valid UTF-8 sequence at s[i], or 0.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  const uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// The token vector of a large source is hundreds of megabytes written
// once, front to back; on 4 KiB pages, the page faults that map it cost
// more than the lexing. Asks for huge pages where the kernel gives them on
// request (transparent_hugepage=madvise); elsewhere this does nothing.
void AdviseHugePages(void* data, size_t bytes) {
  constexpr uintptr_t kPage = 4096;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kPage - 1) & ~(kPage - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kPage - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace

// A friend of TokenList, hence outside the anonymous namespace.
class Lexer {
 public:
  explicit Lexer(TokenStream& stream) : stream_(stream), src_(stream.source) {
    stream_.tokens.source_ = src_;
    std::vector<TokenList::Stored>& stored = stream_.tokens.stored_;
    stored.reserve(src_.size() / 4 + 1);
    AdviseHugePages(stored.data(), stored.capacity() * sizeof(TokenList::Stored));
  }

  absl::Status Run() {
    while (true) {
      if (absl::Status s = SkipSpace(); !s.ok()) return s;
      if (pos_ >= src_.size()) break;
      const size_t start = pos_;
      const char c = src_[pos_];
      if (c == '(') {
        if (pos_ + 1 < src_.size() && src_[pos_ + 1] == '@') {
          pos_ += 2;
          if (pos_ < src_.size() && src_[pos_] == '"') {
            // (@"name"): the id is a string, which must be a valid one.
            if (absl::Status s = ScanQuotedName(start, "empty annotation id"); !s.ok()) return s;
          }
          if (absl::Status s = ScanRun(); !s.ok()) return s;
          // An empty id is an error, unless inside another annotation
          // (DropAnnotations decides).
          Push(TokenKind::kAnnotation, start, pos_);
          continue;
        }
        ++pos_;
        Push(TokenKind::kLParen, start, pos_);
        continue;
      }
      if (c == ')') {
        ++pos_;
        Push(TokenKind::kRParen, start, pos_);
        continue;
      }
      const auto uc = static_cast<unsigned char>(c);
      if (!IsIdChar(uc) && c != '"' && !IsReservedOnlyChar(uc)) {
        if (uc >= 0x80 && Utf8Length(src_, pos_) == 0) {
          return Error(start, "malformed UTF-8 encoding");
        }
        return Error(start, "illegal character");
      }
      bool has_string = false;
      bool only_string = c == '"';
      const size_t strings_before = strings_;
      if (c == '$') {
        ++pos_;
        if (pos_ < src_.size() && src_[pos_] == '"') {
          // $"name": the name is a string, which must be a valid one.
          if (absl::Status s = ScanQuotedName(start, "empty identifier"); !s.ok()) return s;
        } else if (pos_ >= src_.size() || !IsIdChar(static_cast<unsigned char>(src_[pos_]))) {
          return Error(start, "empty identifier");
        }
      }
      if (absl::Status s = ScanRun(); !s.ok()) return s;
      has_string = strings_ > strings_before;
      std::string_view text = src_.substr(start, pos_ - start);
      only_string = only_string && strings_ == strings_before + 1 && text.back() == '"' &&
                    StringEndsAt(start) == pos_;
      TokenKind kind = TokenKind::kReserved;
      if (only_string) {
        kind = TokenKind::kString;
      } else if (text[0] == '$' && text.size() > 1 &&
                 (!has_string || (text[1] == '"' && StringEndsAt(start + 1) == pos_))) {
        kind = TokenKind::kId;
      } else if (!has_string && std::none_of(text.begin(), text.end(), [](char ch) {
                   return IsReservedOnlyChar(static_cast<unsigned char>(ch));
                 })) {
        if (c >= 'a' && c <= 'z') kind = TokenKind::kKeyword;
        else if ((c >= '0' && c <= '9') || c == '+' || c == '-') kind = TokenKind::kNumber;
      }
      Push(kind, start, pos_);
    }
    Push(TokenKind::kEnd, src_.size(), src_.size());
    return DropAnnotations();
  }

 private:
  void Push(TokenKind kind, size_t start, size_t end) {
    stream_.tokens.stored_.push_back(
        {static_cast<uint32_t>(start), static_cast<uint32_t>(end - start), kind});
  }

  // Annotations other than @custom mean nothing to Kiln: their whole
  // parenthesised group is dropped, so parsers never see them. @custom
  // stays; the module parser turns it into a custom section.
  absl::Status DropAnnotations() {
    const TokenList& tokens = stream_.tokens;
    std::vector<TokenList::Stored>& stored = stream_.tokens.stored_;
    size_t out = 0;
    for (size_t i = 0; i < tokens.size(); ++i) {
      const Token t = tokens[i];
      if (t.kind != TokenKind::kAnnotation || t.text == "(@custom") {
        stored[out++] = stored[i];
        continue;
      }
      if (t.text == "(@") return Error(t.offset, "empty annotation id");
      int depth = 1;
      const size_t open = i;
      while (depth > 0) {
        if (++i >= tokens.size() || tokens[i].kind == TokenKind::kEnd) {
          return Error(tokens[open].offset, "unclosed annotation");
        }
        if (tokens[i].kind == TokenKind::kLParen || tokens[i].kind == TokenKind::kAnnotation) ++depth;
        if (tokens[i].kind == TokenKind::kRParen) --depth;
      }
    }
    stored.resize(out);
    return absl::OkStatus();
  }

  absl::Status Error(size_t at, std::string_view message) const {
    return ErrorAt(stream_, static_cast<uint32_t>(at), message);
  }

  // Where the string starting at `at` ends (one past its closing quote).
  size_t StringEndsAt(size_t at) const {
    size_t i = at + 1;
    while (i < src_.size() && src_[i] != '"') i += src_[i] == '\\' ? 2 : 1;
    return i + 1;
  }

  // The string at pos_ that names an id ($"name") or an annotation
  // ((@"name")): a malformed or empty one is `empty_message`, as if the
  // name were missing; one that is not UTF-8 once unescaped is malformed.
  absl::Status ScanQuotedName(size_t start, std::string_view empty_message) {
    const size_t quote = pos_;
    if (!ScanString().ok()) return Error(start, empty_message);
    ++strings_;
    Token name{TokenKind::kString, static_cast<uint32_t>(quote), src_.substr(quote, pos_ - quote)};
    const std::string value = StringValue(name);
    if (value.empty()) return Error(start, empty_message);
    if (!IsValidUtf8(value)) return Error(start, "malformed UTF-8 encoding");
    return absl::OkStatus();
  }

  // Moves past id characters and strings glued together.
  absl::Status ScanRun() {
    // Most runs are id characters only: skip those with a local index
    // (pos_, a member, would be stored at every character).
    size_t i = pos_;
    while (i < src_.size() && kIdChars[static_cast<unsigned char>(src_[i])]) ++i;
    pos_ = i;
    while (pos_ < src_.size()) {
      const auto c = static_cast<unsigned char>(src_[pos_]);
      if (c == '"') {
        if (absl::Status s = ScanString(); !s.ok()) return s;
        ++strings_;
      } else if (c == ';' && pos_ + 1 < src_.size() && src_[pos_ + 1] == ';') {
        break;  // a line comment
      } else if (kIdChars[c] || IsReservedOnlyChar(c)) {
        ++pos_;
      } else {
        break;
      }
    }
    return absl::OkStatus();
  }

  absl::Status ScanString() {
    const size_t start = pos_++;
    while (true) {
      if (pos_ >= src_.size()) return Error(start, "unclosed string");
      const auto c = static_cast<unsigned char>(src_[pos_]);
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c == '\n') return Error(start, "unclosed string");
      if (c < 0x20 || c == 0x7F) return Error(pos_, "illegal character in string");
      if (c >= 0x80) {
        const size_t n = Utf8Length(src_, pos_);
        if (n == 0) return Error(pos_, "malformed UTF-8 encoding");
        pos_ += n;
        continue;
      }
      if (c != '\\') {
        ++pos_;
        continue;
      }
      const size_t escape = pos_++;
      if (pos_ >= src_.size()) return Error(start, "unclosed string");
      const char e = src_[pos_];
      if (e == 't' || e == 'n' || e == 'r' || e == '"' || e == '\'' || e == '\\') {
        ++pos_;
      } else if (e == 'u') {
        ++pos_;
        if (pos_ >= src_.size() || src_[pos_] != '{') return Error(escape, "illegal escape");
        ++pos_;
        uint64_t cp = 0;
        size_t digits = 0;
        bool underscore_ok = false;
        while (pos_ < src_.size() && src_[pos_] != '}') {
          if (src_[pos_] == '_' && underscore_ok) {
            underscore_ok = false;
            ++pos_;
            continue;
          }
          const int d = HexDigit(src_[pos_]);
          if (d < 0) return Error(escape, "illegal escape");
          cp = std::min<uint64_t>(cp * 16 + d, 0x110000);
          ++digits;
          underscore_ok = true;
          ++pos_;
        }
        if (pos_ >= src_.size() || digits == 0 || !underscore_ok) {
          return Error(escape, "illegal escape");
        }
        ++pos_;
        if (cp >= 0x110000 || (cp >= 0xD800 && cp < 0xE000)) {
          return Error(escape, "illegal escape");
        }
      } else if (HexDigit(e) >= 0 && pos_ + 1 < src_.size() && HexDigit(src_[pos_ + 1]) >= 0) {
        pos_ += 2;
      } else {
        return Error(escape, "illegal escape");
      }
    }
  }

  absl::Status SkipSpace() {
    // Indentation and line ends first, with a local index as in ScanRun.
    size_t i = pos_;
    while (i < src_.size() && (src_[i] == ' ' || src_[i] == '\n')) ++i;
    pos_ = i;
    while (pos_ < src_.size()) {
      const char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else if (c == ';' && pos_ + 1 < src_.size() && src_[pos_ + 1] == ';') {
        // A line comment ends at a line feed or a carriage return.
        while (pos_ < src_.size() && src_[pos_] != '\n' && src_[pos_] != '\r') ++pos_;
      } else if (c == '(' && pos_ + 1 < src_.size() && src_[pos_ + 1] == ';') {
        const size_t start = pos_;
        pos_ += 2;
        int depth = 1;
        while (depth > 0) {
          if (pos_ + 1 >= src_.size()) return Error(start, "unclosed comment");
          if (src_[pos_] == '(' && src_[pos_ + 1] == ';') {
            ++depth;
            pos_ += 2;
          } else if (src_[pos_] == ';' && src_[pos_ + 1] == ')') {
            --depth;
            pos_ += 2;
          } else {
            const auto uc = static_cast<unsigned char>(src_[pos_]);
            if (uc >= 0x80) {
              const size_t n = Utf8Length(src_, pos_);
              if (n == 0) return Error(pos_, "malformed UTF-8 encoding");
              pos_ += n;
            } else {
              ++pos_;
            }
          }
        }
      } else {
        return absl::OkStatus();
      }
    }
    return absl::OkStatus();
  }

  TokenStream& stream_;
  std::string_view src_;
  size_t pos_ = 0;
  size_t strings_ = 0;
};

std::string Position(const TokenStream& stream, uint32_t offset) {
  uint32_t line = 1;
  uint32_t column = 1;
  const size_t end = std::min<size_t>(offset, stream.source.size());
  for (size_t i = 0; i < end; ++i) {
    if (stream.source[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return absl::StrCat(stream.filename, ":", line, ":", column);
}

absl::Status ErrorAt(const TokenStream& stream, uint32_t offset, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(Position(stream, offset), ": ", std::string(message)));
}

absl::StatusOr<TokenStream> Lex(std::string_view source, std::string_view filename) {
  TokenStream stream;
  stream.source = source;
  stream.filename = std::string(filename);
  Lexer lexer(stream);
  if (absl::Status s = lexer.Run(); !s.ok()) return s;
  return stream;
}

std::string StringValue(const Token& token) {
  std::string out;
  std::string_view t = token.text;
  // A string token may be the quoted part of an id ($"name").
  const size_t open = t.find('"');
  for (size_t i = open + 1; i + 1 < t.size(); ++i) {
    if (t[i] != '\\') {
      out += t[i];
      continue;
    }
    const char e = t[++i];
    switch (e) {
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case '"': out += '"'; break;
      case '\'': out += '\''; break;
      case '\\': out += '\\'; break;
      case 'u': {
        i += 2;  // past "u{"
        uint32_t cp = 0;
        for (; t[i] != '}'; ++i) {
          if (t[i] != '_') cp = cp * 16 + HexDigit(t[i]);
        }
        AppendUtf8(out, cp);
        break;
      }
      default:
        out += static_cast<char>(HexDigit(e) * 16 + HexDigit(t[i + 1]));
        ++i;
        break;
    }
  }
  return out;
}

std::string IdName(const Token& token) {
  if (token.text.size() > 1 && token.text[1] == '"') return StringValue(token);
  return std::string(token.text.substr(1));
}

bool IsValidUtf8(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    const size_t n = Utf8Length(bytes, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace kiln::wasm::text
