#include <utility>

#include "absl/strings/str_cat.h"
#include "kiln/wasm/wast.h"
#include "lexer.h"
#include "module_parser.h"
#include "numbers.h"

namespace kiln::wasm::text {
namespace {

using Kind = ScriptCommand::Kind;

class ScriptParser {
 public:
  explicit ScriptParser(const TokenStream& s) : s_(s) {}

  absl::Status Run(std::vector<ScriptCommand>& out) {
    // A script may be one module written as bare fields.
    static constexpr std::string_view kFields[] = {"func", "memory", "table", "global", "type",
                                                   "import", "export", "data", "elem", "start",
                                                   "tag", "rec"};
    for (std::string_view field : kFields) {
      if (!AtField(field)) continue;
      ScriptCommand command;
      command.kind = Kind::kModule;
      command.keyword = "module";
      command.line = 1;
      command.module.emplace();
      command.module->fields_only = true;
      out.push_back(std::move(command));
      return absl::OkStatus();
    }
    while (Cur().kind != TokenKind::kEnd) {
      ScriptCommand command;
      if (absl::Status s = TakeCommand(command); !s.ok()) return s;
      out.push_back(std::move(command));
    }
    return absl::OkStatus();
  }

 private:
  Token Cur() const { return s_.tokens[pos_]; }
  Token Next() const { return s_.tokens[std::min(pos_ + 1, s_.tokens.size() - 1)]; }
  bool AtField(std::string_view word) const {
    return Cur().kind == TokenKind::kLParen && Next().kind == TokenKind::kKeyword &&
           Next().text == word;
  }
  absl::Status Error(std::string_view message) const {
    return ErrorAt(s_, Cur().offset, message);
  }
  absl::Status Unexpected() const {
    return Error(absl::StrCat("unexpected token ", std::string(Cur().text)));
  }
  absl::Status Expect(TokenKind kind) {
    if (Cur().kind != kind) return Unexpected();
    ++pos_;
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> TakeString() {
    if (Cur().kind != TokenKind::kString) return Unexpected();
    return StringValue(s_.tokens[pos_++]);
  }
  std::string TakeId() {
    if (Cur().kind != TokenKind::kId) return "";
    return IdName(s_.tokens[pos_++]);
  }
  // Moves past the parenthesised group starting at pos_.
  absl::Status SkipGroup() {
    int depth = 0;
    do {
      const TokenKind k = Cur().kind;
      if (k == TokenKind::kEnd) return Error("unclosed parenthesis");
      if (k == TokenKind::kLParen || k == TokenKind::kAnnotation) ++depth;
      if (k == TokenKind::kRParen) --depth;
      ++pos_;
    } while (depth > 0);
    return absl::OkStatus();
  }
  uint32_t LineOf(uint32_t offset) {
    for (; line_offset_ < offset && line_offset_ < s_.source.size(); ++line_offset_) {
      if (s_.source[line_offset_] == '\n') ++line_;
    }
    return line_;
  }

  absl::Status TakeModule(ScriptModule& module) {
    if (!AtField("module")) return Unexpected();
    module.token = pos_;
    pos_ += 2;
    if (Cur().kind == TokenKind::kKeyword && Cur().text == "definition") {
      module.definition = true;
      ++pos_;
    }
    module.id = TakeId();
    if (Cur().kind == TokenKind::kKeyword && (Cur().text == "binary" || Cur().text == "quote")) {
      module.form = Cur().text == "binary" ? ScriptModule::Form::kBinary : ScriptModule::Form::kQuote;
      ++pos_;
      while (Cur().kind == TokenKind::kString) module.bytes += StringValue(s_.tokens[pos_++]);
      return Expect(TokenKind::kRParen);
    }
    pos_ = module.token;
    return SkipGroup();
  }

  absl::Status TakeAction(ScriptAction& action) {
    if (AtField("invoke")) {
      action.kind = ScriptAction::Kind::kInvoke;
    } else if (AtField("get")) {
      action.kind = ScriptAction::Kind::kGet;
    } else {
      return Unexpected();
    }
    pos_ += 2;
    action.module_id = TakeId();
    absl::StatusOr<std::string> field = TakeString();
    if (!field.ok()) return field.status();
    action.field = *std::move(field);
    while (Cur().kind == TokenKind::kLParen) {
      ScriptValue value;
      if (absl::Status s = TakeValue(value, /*expected=*/false); !s.ok()) return s;
      action.args.push_back(std::move(value));
    }
    return Expect(TokenKind::kRParen);
  }

  // A float (or a float lane) that may be a NaN class in an expectation.
  absl::Status TakeFloat(bool f32, bool expected, uint64_t& bits, ScriptValue::Nan& nan) {
    const std::string_view t = Cur().text;
    if (expected && t == "nan:canonical") {
      nan = ScriptValue::Nan::kCanonical;
    } else if (expected && t == "nan:arithmetic") {
      nan = ScriptValue::Nan::kArithmetic;
    } else if (f32) {
      uint32_t b = 0;
      if (ParseF32Bits(t, &b) != FloatError::kOk) return Error("malformed f32 constant");
      bits = b;
    } else if (ParseF64Bits(t, &bits) != FloatError::kOk) {
      return Error("malformed f64 constant");
    }
    ++pos_;
    return absl::OkStatus();
  }

  absl::Status TakeValue(ScriptValue& v, bool expected) {
    if (absl::Status s = Expect(TokenKind::kLParen); !s.ok()) return s;
    if (Cur().kind != TokenKind::kKeyword) return Unexpected();
    const std::string_view op = Cur().text;
    ++pos_;
    using VK = ScriptValue::Kind;
    if (op == "i32.const" || op == "i64.const") {
      const bool is32 = op == "i32.const";
      v.kind = is32 ? VK::kI32 : VK::kI64;
      std::optional<uint64_t> bits = ParseIntBits(Cur().text, is32 ? 32 : 64);
      if (!bits) return Error("malformed integer constant");
      v.bits = *bits;
      ++pos_;
    } else if (op == "f32.const" || op == "f64.const") {
      v.kind = op == "f32.const" ? VK::kF32 : VK::kF64;
      if (absl::Status s = TakeFloat(v.kind == VK::kF32, expected, v.bits, v.nan); !s.ok()) {
        return s;
      }
    } else if (op == "v128.const") {
      v.kind = VK::kV128;
      v.shape = std::string(Cur().text);
      int lanes = 0, bits = 0;
      bool is_float = false;
      if (v.shape == "i8x16") { lanes = 16; bits = 8; }
      else if (v.shape == "i16x8") { lanes = 8; bits = 16; }
      else if (v.shape == "i32x4") { lanes = 4; bits = 32; }
      else if (v.shape == "i64x2") { lanes = 2; bits = 64; }
      else if (v.shape == "f32x4") { lanes = 4; bits = 32; is_float = true; }
      else if (v.shape == "f64x2") { lanes = 2; bits = 64; is_float = true; }
      else return Error("unknown v128 shape");
      ++pos_;
      for (int i = 0; i < lanes; ++i) {
        uint64_t lane = 0;
        ScriptValue::Nan nan = ScriptValue::Nan::kNone;
        if (is_float) {
          if (absl::Status s = TakeFloat(bits == 32, expected, lane, nan); !s.ok()) return s;
        } else {
          std::optional<uint64_t> b = ParseIntBits(Cur().text, bits);
          if (!b) return Error("malformed lane");
          lane = *b;
          ++pos_;
        }
        v.lanes.push_back(lane);
        v.lane_nans.push_back(nan);
      }
    } else if (op == "ref.null") {
      v.kind = VK::kRefNull;
      if (Cur().kind == TokenKind::kKeyword) {
        v.heap = std::string(Cur().text);
        ++pos_;
      } else if (Cur().kind == TokenKind::kId || Cur().kind == TokenKind::kNumber) {
        v.heap = "type";
        ++pos_;
      }
    } else if (op == "ref.extern" || op == "ref.host") {
      v.kind = op == "ref.extern" ? VK::kRefExtern : VK::kRefHost;
      if (Cur().kind == TokenKind::kNumber) {
        std::optional<uint64_t> n = ParseNat(Cur().text);
        if (!n) return Error("malformed reference");
        v.payload = *n;
        ++pos_;
      }
    } else if (op == "ref.func" && expected) {
      v.kind = VK::kRefFunc;
      if (Cur().kind != TokenKind::kRParen) ++pos_;
    } else if (expected && op.starts_with("ref.")) {
      v.kind = VK::kRefOther;
      v.heap = std::string(op.substr(4));
    } else if (expected && op == "either") {
      v.kind = VK::kEither;
      while (Cur().kind == TokenKind::kLParen) {
        ScriptValue alt;
        if (absl::Status s = TakeValue(alt, true); !s.ok()) return s;
        v.alternatives.push_back(std::move(alt));
      }
    } else {
      return Error(absl::StrCat("unknown value ", std::string(op)));
    }
    return Expect(TokenKind::kRParen);
  }

  absl::Status TakeCommand(ScriptCommand& c) {
    if (Cur().kind != TokenKind::kLParen || Next().kind != TokenKind::kKeyword) {
      return Unexpected();
    }
    c.line = LineOf(Cur().offset);
    c.keyword = std::string(Next().text);
    const std::string_view k = c.keyword;
    if (k == "module") {
      // (module instance $i? $def?)
      if (s_.tokens[pos_ + 2].kind == TokenKind::kKeyword && s_.tokens[pos_ + 2].text == "instance") {
        c.kind = Kind::kModuleInstance;
        pos_ += 3;
        c.name = TakeId();
        c.module_id = TakeId();
        if (c.module_id.empty()) std::swap(c.name, c.module_id);
        return Expect(TokenKind::kRParen);
      }
      c.kind = Kind::kModule;
      c.module.emplace();
      return TakeModule(*c.module);
    }
    pos_ += 2;
    if (k == "register") {
      c.kind = Kind::kRegister;
      absl::StatusOr<std::string> name = TakeString();
      if (!name.ok()) return name.status();
      c.name = *std::move(name);
      c.module_id = TakeId();
      return Expect(TokenKind::kRParen);
    }
    if (k == "invoke" || k == "get") {
      c.kind = Kind::kAction;
      pos_ -= 2;
      c.action.emplace();
      return TakeAction(*c.action);
    }
    if (k == "assert_return" || k == "assert_exhaustion" || k == "assert_exception") {
      c.kind = k == "assert_return"       ? Kind::kAssertReturn
               : k == "assert_exhaustion" ? Kind::kAssertExhaustion
                                          : Kind::kAssertException;
      c.action.emplace();
      if (absl::Status s = TakeAction(*c.action); !s.ok()) return s;
      if (c.kind == Kind::kAssertReturn) {
        while (Cur().kind == TokenKind::kLParen) {
          ScriptValue v;
          if (absl::Status s = TakeValue(v, /*expected=*/true); !s.ok()) return s;
          c.expected.push_back(std::move(v));
        }
      } else if (c.kind == Kind::kAssertExhaustion) {
        absl::StatusOr<std::string> text = TakeString();
        if (!text.ok()) return text.status();
        c.message = *std::move(text);
      }
      return Expect(TokenKind::kRParen);
    }
    if (k == "assert_trap") {
      c.kind = Kind::kAssertTrap;
      if (AtField("module")) {
        c.module.emplace();
        if (absl::Status s = TakeModule(*c.module); !s.ok()) return s;
      } else {
        c.action.emplace();
        if (absl::Status s = TakeAction(*c.action); !s.ok()) return s;
      }
      absl::StatusOr<std::string> text = TakeString();
      if (!text.ok()) return text.status();
      c.message = *std::move(text);
      return Expect(TokenKind::kRParen);
    }
    if (k == "assert_invalid" || k == "assert_malformed" || k == "assert_unlinkable" ||
        k == "assert_uninstantiable" || k == "assert_invalid_custom" ||
        k == "assert_malformed_custom") {
      c.kind = k.starts_with("assert_invalid")     ? Kind::kAssertInvalid
               : k.starts_with("assert_malformed") ? Kind::kAssertMalformed
               : k == "assert_unlinkable"          ? Kind::kAssertUnlinkable
                                                   : Kind::kAssertUninstantiable;
      c.module.emplace();
      if (absl::Status s = TakeModule(*c.module); !s.ok()) return s;
      absl::StatusOr<std::string> text = TakeString();
      if (!text.ok()) return text.status();
      c.message = *std::move(text);
      return Expect(TokenKind::kRParen);
    }
    if (k == "thread") {
      c.kind = Kind::kThread;
      c.name = TakeId();
      while (AtField("shared")) {
        pos_ += 2;
        if (!AtField("module")) return Unexpected();
        pos_ += 2;
        TakeId();
        if (absl::Status s = Expect(TokenKind::kRParen); !s.ok()) return s;
        if (absl::Status s = Expect(TokenKind::kRParen); !s.ok()) return s;
      }
      while (Cur().kind == TokenKind::kLParen) {
        ScriptCommand inner;
        if (absl::Status s = TakeCommand(inner); !s.ok()) return s;
        c.thread_commands.push_back(std::move(inner));
      }
      return Expect(TokenKind::kRParen);
    }
    if (k == "wait") {
      c.kind = Kind::kWait;
      c.name = TakeId();
      return Expect(TokenKind::kRParen);
    }
    pos_ -= 2;
    return Error(absl::StrCat("unknown command ", std::string(k)));
  }

  const TokenStream& s_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  size_t line_offset_ = 0;
};

}  // namespace

Script::Script() = default;
Script::Script(Script&&) noexcept = default;
Script& Script::operator=(Script&&) noexcept = default;
Script::~Script() = default;

absl::StatusOr<ParsedModule> Script::EncodeModule(const ScriptModule& module) const {
  switch (module.form) {
    case ScriptModule::Form::kBinary: {
      ParsedModule parsed;
      parsed.binary.assign(module.bytes.begin(), module.bytes.end());
      parsed.name = module.id;
      return parsed;
    }
    case ScriptModule::Form::kQuote:
      return ParseModule(module.bytes, tokens_->filename + " (module quote)");
    case ScriptModule::Form::kText: {
      size_t index = module.token;
      return ParseModuleAt(*tokens_, index, module.fields_only);
    }
  }
  return absl::InternalError("unknown module form");
}

absl::StatusOr<Script> ParseScript(std::string source, std::string_view filename) {
  Script script;
  script.source_ = std::make_unique<std::string>(std::move(source));
  absl::StatusOr<TokenStream> tokens = Lex(*script.source_, filename);
  if (!tokens.ok()) return tokens.status();
  script.tokens_ = std::make_unique<TokenStream>(*std::move(tokens));
  ScriptParser parser(*script.tokens_);
  if (absl::Status s = parser.Run(script.commands_); !s.ok()) return s;
  return script;
}

}  // namespace kiln::wasm::text
