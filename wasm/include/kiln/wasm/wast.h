// kiln/wasm/wast.h — WebAssembly script files (.wast), as the spec suites
// write them.
//
// ParseScript reads a script into commands. Modules are not encoded while
// the script is read: a module that does not parse is a result of its
// command (assert_malformed expects exactly that), so EncodeModule is
// called when the command runs.
#ifndef KILN_WASM_WAST_H_
#define KILN_WASM_WAST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/wasm/text.h"

namespace kiln::wasm::text {

struct TokenStream;

// An argument or an expected result.
struct ScriptValue {
  enum class Kind : uint8_t {
    kI32, kI64, kF32, kF64,  // bits
    kV128,                   // lanes
    kRefNull,                // heap type in `heap`
    kRefExtern,              // ref.extern N (an expected one may omit N)
    kRefHost,                // ref.host N
    kRefFunc,                // an expected non-null funcref
    kRefOther,               // an expected ref.struct / ref.array / ref.eq / ref.i31 / ref.any / ref.exn
    kEither,                 // any of `alternatives`
  };
  enum class Nan : uint8_t { kNone, kCanonical, kArithmetic };
  Kind kind = Kind::kI32;
  uint64_t bits = 0;
  Nan nan = Nan::kNone;
  // v128: the shape as written ("i32x4", ...), lane bits, per-lane NaN classes.
  std::string shape;
  std::vector<uint64_t> lanes;
  std::vector<Nan> lane_nans;
  std::string heap;  // kRefNull: "func", "extern", "any", ...; kRefOther: "struct", ...
  std::optional<uint64_t> payload;  // kRefExtern / kRefHost
  std::vector<ScriptValue> alternatives;
};

struct ScriptModule {
  enum class Form : uint8_t { kText, kBinary, kQuote };
  Form form = Form::kText;
  std::string id;           // $name without '$', empty when none
  bool definition = false;  // `module definition`: compiled, not instantiated
  size_t token = 0;         // kText: where `(module` starts in the script
  bool fields_only = false; // kText: the whole script is the module's fields
  std::string bytes;        // kBinary: the binary; kQuote: the text
};

struct ScriptAction {
  enum class Kind : uint8_t { kInvoke, kGet };
  Kind kind = Kind::kInvoke;
  std::string module_id;  // empty: the latest module
  std::string field;
  std::vector<ScriptValue> args;
};

struct ScriptCommand {
  enum class Kind : uint8_t {
    kModule,           // module
    kModuleInstance,   // (module instance $i? $def)
    kRegister,
    kAction,
    kAssertReturn,
    kAssertTrap,       // with an action, or with a module (instantiation traps)
    kAssertExhaustion,
    kAssertException,
    kAssertInvalid,
    kAssertMalformed,
    kAssertUnlinkable,
    kAssertUninstantiable,
    kThread,           // (thread $t (shared (module $m))* command*)
    kWait,             // (wait $t)
  };
  Kind kind = Kind::kModule;
  std::string keyword;  // as written ("assert_return", ...), for messages
  uint32_t line = 0;
  std::optional<ScriptModule> module;
  std::optional<ScriptAction> action;
  std::vector<ScriptValue> expected;
  std::string message;     // the expected error text of an assertion
  std::string name;        // register: the name; instance / thread / wait: their $id
  std::string module_id;   // register: which module; instance: the definition
  std::vector<ScriptCommand> thread_commands;
};

class Script {
 public:
  Script();
  Script(Script&&) noexcept;
  Script& operator=(Script&&) noexcept;
  ~Script();

  const std::vector<ScriptCommand>& commands() const { return commands_; }

  // The module's binary and the features its text uses (binary modules
  // report none). An error is the parser's, with file:line:column.
  absl::StatusOr<ParsedModule> EncodeModule(const ScriptModule& module) const;

 private:
  friend absl::StatusOr<Script> ParseScript(std::string source, std::string_view filename);
  std::unique_ptr<std::string> source_;
  std::unique_ptr<TokenStream> tokens_;
  std::vector<ScriptCommand> commands_;
};

// Reads a script. Errors (with file:line:column) mean the script itself is
// malformed, not one of its modules.
absl::StatusOr<Script> ParseScript(std::string source, std::string_view filename);

}  // namespace kiln::wasm::text

#endif  // KILN_WASM_WAST_H_
