// lexer.h — the tokens of the WebAssembly text format.
//
// Lex() cuts a whole source into tokens up front; parsers then walk the
// vector with indices (a module's fields are visited twice: once to learn
// every identifier, once to encode). Tokens point into the source, which
// must outlive them. Positions are byte offsets; line and column are worked
// out only when an error is reported.
#ifndef KILN_WASM_TEXT_LEXER_H_
#define KILN_WASM_TEXT_LEXER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::wasm::text {

enum class TokenKind : uint8_t {
  kLParen,
  kRParen,
  kAnnotation,  // "(@name": an annotation's opening, name without "(@"
  kKeyword,     // starts with a lowercase letter: `module`, `i32.add`, `nan:0x1`
  kId,          // $name or $"name"; text() holds the name without '$'
  kNumber,      // starts with a digit, '+' or '-' (checked when read)
  kString,      // "..." with escapes undone in value()
  kReserved,    // any other run of id characters
  kEnd,         // after the last token
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  uint32_t offset = 0;    // where the token starts in the source
  std::string_view text;  // the token as written ($ and quotes included)
};

// The tokens of one source. A large module has tens of millions of them,
// so each is stored in 12 bytes (a Token, with its string_view, takes 24)
// and tokens[i] builds the Token from them.
class TokenList {
 public:
  Token operator[](size_t i) const {
    const Stored& t = stored_[i];
    return {t.kind, t.offset, std::string_view(source_.data() + t.offset, t.size)};
  }
  size_t size() const { return stored_.size(); }

 private:
  friend class Lexer;
  struct Stored {
    uint32_t offset;
    uint32_t size;
    TokenKind kind;
  };
  std::string_view source_;
  std::vector<Stored> stored_;
};

// The tokens of one source and the decoded strings they refer to.
struct TokenStream {
  std::string_view source;
  std::string filename;
  TokenList tokens;  // ends with one kEnd token
};

// "FILE:LINE:COLUMN" of a byte offset in `stream.source`.
std::string Position(const TokenStream& stream, uint32_t offset);

// INVALID_ARGUMENT "FILE:LINE:COLUMN: message".
absl::Status ErrorAt(const TokenStream& stream, uint32_t offset, std::string_view message);

// Lexes `source`. Errors: an unterminated string or block comment, a
// control character, a malformed escape ("malformed UTF-8 encoding" for a
// string that is not valid UTF-8 is left to whoever needs a name).
absl::StatusOr<TokenStream> Lex(std::string_view source, std::string_view filename);

// The bytes a string token stands for (escapes undone). `token` must be a
// kString that Lex accepted.
std::string StringValue(const Token& token);

// The name an id token stands for ($x -> "x", $"a b" -> "a b").
std::string IdName(const Token& token);

// Whether `bytes` is valid UTF-8.
bool IsValidUtf8(std::string_view bytes);

}  // namespace kiln::wasm::text

#endif  // KILN_WASM_TEXT_LEXER_H_
