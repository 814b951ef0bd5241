// wast_script.h — a .wast script, as wast2json describes it.
//
// Kiln does not parse the text format, so the runner leans on wabt's
// wast2json: it turns a .wast into a JSON list of commands plus one file per
// module. ReadWastScript reads that JSON into plain structs. Only the fields
// the validation milestone needs are lifted out; each command also keeps its
// whole JSON object so the execution milestone can read actions and expected
// values without touching this reader.
#ifndef KILN_TESTS_SPEC_WAST_SCRIPT_H_
#define KILN_TESTS_SPEC_WAST_SCRIPT_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace kiln::spec {

enum class CommandType : uint8_t {
  kModule,
  kAssertInvalid,
  kAssertMalformed,
  kAssertReturn,
  kAssertTrap,
  kAssertExhaustion,
  kAssertUnlinkable,
  kAssertUninstantiable,
  kRegister,
  kAction,
  // A type this runner does not know (a newer wabt): reported, not guessed at.
  kUnknown,
};

// How an assertion's module is written. wast2json leaves the field out of
// plain `module` commands, whose file is always a binary.
enum class ModuleType : uint8_t { kAbsent, kBinary, kText };

struct WastCommand {
  CommandType type = CommandType::kUnknown;
  std::string type_name;  // as written in the JSON, for messages
  uint32_t line = 0;      // in the .wast file
  ModuleType module_type = ModuleType::kAbsent;
  std::filesystem::path module_file;  // absolute; empty when the command has no module
  std::string text;                   // the expected error message of an assertion
  nlohmann::json json;                // the whole command
};

struct WastScript {
  std::string source_filename;  // the name wast2json was given
  std::vector<WastCommand> commands;
};

// Reads the JSON that wast2json wrote to `json_path`. Module file names are
// resolved against the JSON's folder.
absl::StatusOr<WastScript> ReadWastScript(const std::filesystem::path& json_path);

// The bytes of a module file a script names (WastCommand::module_file).
absl::StatusOr<std::vector<uint8_t>> ReadModuleBytes(const std::filesystem::path& path);

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_WAST_SCRIPT_H_
