#include "wast_script.h"

#include <fstream>
#include <iterator>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "kiln/wasm/wast.h"

namespace kiln::spec {
namespace {

using wasm::text::ScriptAction;
using wasm::text::ScriptCommand;
using wasm::text::ScriptModule;
using wasm::text::ScriptValue;

CommandType TypeOf(ScriptCommand::Kind kind) {
  using K = ScriptCommand::Kind;
  switch (kind) {
    case K::kModule: return CommandType::kModule;
    case K::kModuleInstance: return CommandType::kModuleInstance;
    case K::kRegister: return CommandType::kRegister;
    case K::kAction: return CommandType::kAction;
    case K::kAssertReturn: return CommandType::kAssertReturn;
    case K::kAssertTrap: return CommandType::kAssertTrap;
    case K::kAssertExhaustion: return CommandType::kAssertExhaustion;
    case K::kAssertException: return CommandType::kAssertException;
    case K::kAssertInvalid: return CommandType::kAssertInvalid;
    case K::kAssertMalformed: return CommandType::kAssertMalformed;
    case K::kAssertUnlinkable: return CommandType::kAssertUnlinkable;
    case K::kAssertUninstantiable: return CommandType::kAssertUninstantiable;
    case K::kThread: return CommandType::kThread;
    case K::kWait: return CommandType::kWait;
  }
  return CommandType::kModule;
}

std::string FloatText(const ScriptValue& v) {
  if (v.nan == ScriptValue::Nan::kCanonical) return "nan:canonical";
  if (v.nan == ScriptValue::Nan::kArithmetic) return "nan:arithmetic";
  return std::to_string(v.bits);
}

// A value as wast2json wrote it; an error names the feature a value needs
// that the runner cannot express (GC references, `either`, ...).
absl::StatusOr<nlohmann::json> ValueJson(const ScriptValue& v) {
  using K = ScriptValue::Kind;
  switch (v.kind) {
    case K::kI32: return nlohmann::json{{"type", "i32"}, {"value", std::to_string(v.bits)}};
    case K::kI64: return nlohmann::json{{"type", "i64"}, {"value", std::to_string(v.bits)}};
    case K::kF32: return nlohmann::json{{"type", "f32"}, {"value", FloatText(v)}};
    case K::kF64: return nlohmann::json{{"type", "f64"}, {"value", FloatText(v)}};
    case K::kV128: {
      nlohmann::json lanes = nlohmann::json::array();
      for (size_t i = 0; i < v.lanes.size(); ++i) {
        ScriptValue lane;
        lane.bits = v.lanes[i];
        lane.nan = v.lane_nans[i];
        lanes.push_back(FloatText(lane));
      }
      return nlohmann::json{
          {"type", "v128"}, {"lane_type", v.shape.substr(0, v.shape.find('x'))}, {"value", lanes}};
    }
    case K::kRefNull:
      if (v.heap == "func") return nlohmann::json{{"type", "funcref"}, {"value", "null"}};
      if (v.heap == "extern") return nlohmann::json{{"type", "externref"}, {"value", "null"}};
      if (v.heap == "exn" || v.heap == "noexn") return absl::UnimplementedError("exceptions");
      return absl::UnimplementedError("gc");
    case K::kRefExtern:
      if (!v.payload) return absl::UnimplementedError("gc");  // any extern reference
      return nlohmann::json{{"type", "externref"}, {"value", std::to_string(*v.payload)}};
    case K::kRefFunc:
      return nlohmann::json{{"type", "funcref"}, {"value", "0"}};
    case K::kRefHost:
    case K::kRefOther:
      return absl::UnimplementedError("gc");
    case K::kEither:
      return absl::UnimplementedError("either (nondeterministic results)");
  }
  return absl::UnimplementedError("unknown value");
}

absl::StatusOr<nlohmann::json> ActionJson(const ScriptAction& action) {
  nlohmann::json json{{"type", action.kind == ScriptAction::Kind::kInvoke ? "invoke" : "get"},
                      {"field", action.field}};
  if (!action.module_id.empty()) json["module"] = action.module_id;
  nlohmann::json args = nlohmann::json::array();
  for (const ScriptValue& arg : action.args) {
    absl::StatusOr<nlohmann::json> value = ValueJson(arg);
    if (!value.ok()) return value.status();
    args.push_back(*std::move(value));
  }
  json["args"] = std::move(args);
  return json;
}

WastCommand Convert(const wasm::text::Script& script, const ScriptCommand& c) {
  WastCommand command;
  command.type = TypeOf(c.kind);
  command.type_name = c.keyword;
  command.line = c.line;
  command.text = c.message;
  command.json = nlohmann::json::object();
  auto unsupported = [&](const absl::Status& status) {
    if (command.unsupported.empty()) command.unsupported = std::string(status.message());
  };
  if (c.module.has_value()) {
    switch (c.module->form) {
      case ScriptModule::Form::kText: command.module_type = ModuleType::kText; break;
      case ScriptModule::Form::kBinary: command.module_type = ModuleType::kBinary; break;
      case ScriptModule::Form::kQuote: command.module_type = ModuleType::kQuote; break;
    }
    command.module = script.EncodeModule(*c.module);
    if (command.module.ok() && command.module->features.BeyondCore()) {
      command.unsupported = command.module->features.Describe();
    }
    if (!c.module->id.empty()) command.json["name"] = c.module->id;
    if (c.module->definition) unsupported(absl::UnimplementedError("module definitions"));
  }
  if (c.kind == ScriptCommand::Kind::kRegister) {
    command.json["as"] = c.name;
    if (!c.module_id.empty()) command.json["name"] = c.module_id;
  }
  if (c.action.has_value()) {
    absl::StatusOr<nlohmann::json> action = ActionJson(*c.action);
    if (action.ok()) {
      command.json["action"] = *std::move(action);
    } else {
      unsupported(action.status());
    }
  }
  nlohmann::json expected = nlohmann::json::array();
  for (const ScriptValue& v : c.expected) {
    absl::StatusOr<nlohmann::json> value = ValueJson(v);
    if (!value.ok()) {
      unsupported(value.status());
      break;
    }
    expected.push_back(*std::move(value));
  }
  command.json["expected"] = std::move(expected);
  switch (c.kind) {
    case ScriptCommand::Kind::kThread:
    case ScriptCommand::Kind::kWait:
      unsupported(absl::UnimplementedError("threads"));
      break;
    case ScriptCommand::Kind::kAssertException:
      unsupported(absl::UnimplementedError("exceptions"));
      break;
    case ScriptCommand::Kind::kModuleInstance:
      if (!c.name.empty()) command.json["name"] = c.name;
      unsupported(absl::UnimplementedError("module definitions"));
      break;
    default:
      break;
  }
  return command;
}

}  // namespace

absl::StatusOr<WastScript> ReadWastScript(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path.string()));
  std::string source((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  absl::StatusOr<wasm::text::Script> script =
      wasm::text::ParseScript(std::move(source), path.filename().string());
  if (!script.ok()) return script.status();
  WastScript out;
  out.source_filename = path.filename().string();
  for (const ScriptCommand& c : script->commands()) out.commands.push_back(Convert(*script, c));
  return out;
}

}  // namespace kiln::spec
