// wast_script.h — a .wast script as the runner sees it.
//
// Kiln reads the scripts itself (kiln/wasm/wast.h); ReadWastScript turns
// its commands into the runner's: modules encoded to binaries (or the
// parser's error, which is what assert_malformed expects), and actions and
// values as JSON objects in the shape wabt's wast2json used, which the
// value matching (spec_value.h) and the session read. A command that needs
// a feature Kiln does not run yet says so in `unsupported`.
#ifndef KILN_TESTS_SPEC_WAST_SCRIPT_H_
#define KILN_TESTS_SPEC_WAST_SCRIPT_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "kiln/wasm/text.h"

namespace kiln::spec {

enum class CommandType : uint8_t {
  kModule,
  kAssertInvalid,
  kAssertMalformed,
  kAssertReturn,
  kAssertTrap,
  kAssertExhaustion,
  kAssertException,
  kAssertUnlinkable,
  kAssertUninstantiable,
  kRegister,
  kAction,
  kModuleInstance,
  kThread,
  kWait,
};

// How a command's module is written.
enum class ModuleType : uint8_t { kAbsent, kBinary, kText, kQuote };

struct WastCommand {
  CommandType type = CommandType::kModule;
  std::string type_name;  // as written in the script, for messages
  uint32_t line = 0;      // in the .wast file
  ModuleType module_type = ModuleType::kAbsent;
  // The module's binary and the features its text uses, or the parser's
  // error. Only meaningful when module_type is not kAbsent.
  absl::StatusOr<wasm::text::ParsedModule> module = wasm::text::ParsedModule{};
  std::string text;  // the expected error message of an assertion
  // "name" (module, register), "as" (register), "action", "expected".
  nlohmann::json json;
  // Why this command cannot run on Kiln yet ("gc", "threads", ...); empty
  // when it can.
  std::string unsupported;
};

struct WastScript {
  std::string source_filename;
  std::vector<WastCommand> commands;
};

// Reads and parses the script at `path`. An error means the script itself
// could not be read or parsed.
absl::StatusOr<WastScript> ReadWastScript(const std::filesystem::path& path);

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_WAST_SCRIPT_H_
