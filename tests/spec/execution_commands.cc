#include "execution_commands.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kiln/runtime/trap.h"
#include "kiln/runtime/value.h"
#include "spec_value.h"
#include "trap_text.h"

namespace kiln::spec {
namespace {

using runtime::Value;
using ValuesOr = absl::StatusOr<std::vector<Value>>;

std::string Describe(const std::vector<ExpectedValue>& values) {
  return absl::StrCat(
      "(",
      absl::StrJoin(values, ", ",
                    [](std::string* out, const ExpectedValue& v) { out->append(Describe(v)); }),
      ")");
}

std::string Describe(const std::vector<Value>& values) {
  return absl::StrCat(
      "(",
      absl::StrJoin(values, ", ",
                    [](std::string* out, const Value& v) { out->append(v.ToString()); }),
      ")");
}

bool IsTrap(const absl::Status& status) { return runtime::GetTrapCode(status).has_value(); }

// A failed status as the "got" half of a message: traps are what the
// scripts talk about; anything else also shows its code.
std::string Describe(const absl::Status& status) {
  const std::string message(status.message());
  if (IsTrap(status)) return absl::StrCat("trap ", Quote(message));
  return absl::StrCat("error ", Quote(message), " (", absl::StatusCodeToString(status.code()), ")");
}

std::string Describe(const ValuesOr& result) {
  return result.ok() ? Describe(*result) : Describe(result.status());
}

bool TrapSays(const absl::Status& status, std::string_view expected) {
  std::optional<runtime::TrapCode> code = runtime::GetTrapCode(status);
  return code.has_value() &&
         TrapTextMatches(std::string(status.message()), vm::TrapMessage(*code), expected);
}

Outcome CannotPerform(const absl::Status& status) {
  return Failed(absl::StrCat("cannot perform the action: ", Describe(status)));
}

// `module`: compile and instantiate; the result, good or bad, becomes the
// target of the commands that follow.
Outcome RunModule(ScriptSession& session, const WastCommand& command) {
  const std::string name = command.json.value("name", "");
  if (!command.module.ok()) {
    session.SetCurrent(name, command.module.status(), command.line);
    return Failed(absl::StrCat("expected the module to parse, got ",
                               Describe(command.module.status())));
  }
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
      session.Load(command.module->binary);
  if (!module.ok()) {
    session.SetCurrent(name, module.status(), command.line);
    if (std::string feature = UnsupportedFeature(module.status()); !feature.empty()) {
      return Unsupported(feature);
    }
    return Failed(
        absl::StrCat("expected the module to compile and load, got ", Describe(module.status())));
  }
  absl::StatusOr<runtime::Instance> instance = session.Instantiate(*module);
  const absl::Status status = instance.status();
  session.SetCurrent(name, std::move(instance), command.line);
  if (!status.ok()) {
    return Failed(absl::StrCat("expected the module to instantiate, got ", Describe(status)));
  }
  return Passed();
}

Outcome RunRegister(ScriptSession& session, const WastCommand& command) {
  const std::string as = command.json.value("as", "");
  if (as.empty()) return Failed("register names no \"as\"");
  const absl::Status status = session.Register(as, command.json.value("name", ""));
  if (!status.ok()) return Failed(absl::StrCat("cannot register: ", Describe(status)));
  return Passed();
}

// `action`: it must complete; its results are not checked.
Outcome RunAction(ScriptSession& session, const WastCommand& command) {
  absl::StatusOr<ValuesOr> result = session.Perform(command.json.value("action", nlohmann::json()));
  if (!result.ok()) return CannotPerform(result.status());
  if (!result->ok()) {
    return Failed(absl::StrCat("expected the action to complete, got ", Describe(*result)));
  }
  return Passed();
}

Outcome RunAssertReturn(ScriptSession& session, const WastCommand& command) {
  absl::StatusOr<std::vector<ExpectedValue>> expected =
      ParseExpectedList(command.json.value("expected", nlohmann::json::array()));
  if (!expected.ok()) {
    return Failed(absl::StrCat("harness error: ", std::string(expected.status().message())));
  }
  absl::StatusOr<ValuesOr> result = session.Perform(command.json.value("action", nlohmann::json()));
  if (!result.ok()) return CannotPerform(result.status());
  bool matches = result->ok() && (*result)->size() == expected->size();
  for (size_t i = 0; matches && i < expected->size(); ++i) {
    matches = Matches((*expected)[i], (**result)[i]);
  }
  if (matches) return Passed();
  if (!result->ok() || (*result)->size() != expected->size()) {
    return Failed(absl::StrCat("expected ", Describe(*expected), ", got ", Describe(*result)));
  }
  // Each result shown the way its expected value is written (v128 lanes).
  std::vector<std::string> got;
  for (size_t i = 0; i < expected->size(); ++i) {
    got.push_back(DescribeLike((*expected)[i], (**result)[i]));
  }
  return Failed(absl::StrCat("expected ", Describe(*expected), ", got (",
                             absl::StrJoin(got, ", "), ")"));
}

// assert_trap with an action, and assert_exhaustion: the call must trap
// with the expected text.
Outcome RunAssertTrap(ScriptSession& session, const WastCommand& command) {
  absl::StatusOr<ValuesOr> result = session.Perform(command.json.value("action", nlohmann::json()));
  if (!result.ok()) return CannotPerform(result.status());
  if (!result->ok() && TrapSays(result->status(), command.text)) return Passed();
  return Failed(absl::StrCat("expected trap ", Quote(command.text), ", got ", Describe(*result)));
}

// assert_unlinkable and assert_uninstantiable (also assert_trap on a
// module): the module must compile, and instantiating it must fail with
// the expected text, by a link error or by a trap. Neither outcome defines
// a module for later commands.
Outcome RunInstantiationFailure(ScriptSession& session, const WastCommand& command,
                                bool expect_trap) {
  const std::string expected =
      absl::StrCat(expect_trap ? "expected trap " : "expected link error ", Quote(command.text));
  if (!command.module.ok()) {
    return Failed(absl::StrCat(expected, ", but the module did not parse: ",
                               Describe(command.module.status())));
  }
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
      session.Load(command.module->binary);
  if (!module.ok()) {
    if (std::string feature = UnsupportedFeature(module.status()); !feature.empty()) {
      return Unsupported(feature);
    }
    return Failed(
        absl::StrCat(expected, ", but the module was rejected: ", Describe(module.status())));
  }
  absl::StatusOr<runtime::Instance> instance = session.Instantiate(*module);
  if (instance.ok()) return Failed(absl::StrCat(expected, ", got an instance"));
  const absl::Status& status = instance.status();
  const bool passed = expect_trap
                          ? TrapSays(status, command.text)
                          : !IsTrap(status) && absl::StrContains(status.message(), command.text);
  if (passed) return Passed();
  return Failed(absl::StrCat(expected, ", got ", Describe(status)));
}

}  // namespace

Outcome RunExecutionCommand(ScriptSession& session, const WastCommand& command) {
  switch (command.type) {
    case CommandType::kModule:
      return RunModule(session, command);
    case CommandType::kRegister:
      return RunRegister(session, command);
    case CommandType::kAction:
      return RunAction(session, command);
    case CommandType::kAssertReturn:
      return RunAssertReturn(session, command);
    case CommandType::kAssertTrap:
      // `(assert_trap (module ...) "text")`: instantiation must trap.
      if (command.module_type != ModuleType::kAbsent) {
        return RunInstantiationFailure(session, command, /*expect_trap=*/true);
      }
      return RunAssertTrap(session, command);
    case CommandType::kAssertExhaustion:
      return RunAssertTrap(session, command);
    case CommandType::kAssertUnlinkable:
      return RunInstantiationFailure(session, command, /*expect_trap=*/false);
    case CommandType::kAssertUninstantiable:
      return RunInstantiationFailure(session, command, /*expect_trap=*/true);
    case CommandType::kAssertInvalid:
    case CommandType::kAssertMalformed:
    case CommandType::kAssertException:
    case CommandType::kModuleInstance:
    case CommandType::kThread:
    case CommandType::kWait:
      break;
  }
  return Failed(absl::StrCat("not an execution command: ", Quote(command.type_name)));
}

}  // namespace kiln::spec
