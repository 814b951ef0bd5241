#include "wast_script.h"

#include <fstream>
#include <iterator>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace kiln::spec {
namespace {

CommandType ParseCommandType(std::string_view name) {
  struct Entry {
    std::string_view name;
    CommandType type;
  };
  static constexpr Entry kTypes[] = {
      {"module", CommandType::kModule},
      {"assert_invalid", CommandType::kAssertInvalid},
      {"assert_malformed", CommandType::kAssertMalformed},
      {"assert_return", CommandType::kAssertReturn},
      {"assert_trap", CommandType::kAssertTrap},
      {"assert_exhaustion", CommandType::kAssertExhaustion},
      {"assert_unlinkable", CommandType::kAssertUnlinkable},
      {"assert_uninstantiable", CommandType::kAssertUninstantiable},
      {"register", CommandType::kRegister},
      {"action", CommandType::kAction},
  };
  for (const Entry& entry : kTypes) {
    if (entry.name == name) return entry.type;
  }
  return CommandType::kUnknown;
}

absl::StatusOr<ModuleType> ParseModuleType(const nlohmann::json& command) {
  auto it = command.find("module_type");
  if (it == command.end()) return ModuleType::kAbsent;
  if (!it->is_string()) return absl::InvalidArgumentError("module_type is not a string");
  const std::string& name = it->get_ref<const std::string&>();
  if (name == "binary") return ModuleType::kBinary;
  if (name == "text") return ModuleType::kText;
  return absl::InvalidArgumentError(absl::StrCat("unknown module_type \"", name, "\""));
}

absl::StatusOr<WastCommand> ParseCommand(const nlohmann::json& object,
                                         const std::filesystem::path& folder) {
  if (!object.is_object()) return absl::InvalidArgumentError("a command is not an object");
  WastCommand command;
  command.type_name = object.value("type", "");
  command.type = ParseCommandType(command.type_name);
  command.line = object.value("line", uint32_t{0});
  absl::StatusOr<ModuleType> module_type = ParseModuleType(object);
  if (!module_type.ok()) return module_type.status();
  command.module_type = *module_type;
  const std::string filename = object.value("filename", "");
  if (!filename.empty()) command.module_file = folder / filename;
  command.text = object.value("text", "");
  command.json = object;
  return command;
}

}  // namespace

absl::StatusOr<WastScript> ReadWastScript(const std::filesystem::path& json_path) {
  std::ifstream in(json_path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", json_path.string()));

  // nlohmann::json reports errors by throwing; keep that inside this file.
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(json_path.string(), ": ", e.what()));
  }
  if (!root.is_object() || !root.contains("commands") || !root["commands"].is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(json_path.string(), ": no \"commands\" array"));
  }

  WastScript script;
  script.source_filename = root.value("source_filename", "");
  const std::filesystem::path folder = json_path.parent_path();
  try {
    for (const nlohmann::json& object : root["commands"]) {
      absl::StatusOr<WastCommand> command = ParseCommand(object, folder);
      if (!command.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(json_path.string(), ": ", std::string(command.status().message())));
      }
      script.commands.push_back(*std::move(command));
    }
  } catch (const nlohmann::json::exception& e) {
    // value() throws when a field has the wrong JSON type.
    return absl::InvalidArgumentError(absl::StrCat(json_path.string(), ": ", e.what()));
  }
  return script;
}

absl::StatusOr<std::vector<uint8_t>> ReadModuleBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path.string()));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path.string()));
  return bytes;
}

}  // namespace kiln::spec
