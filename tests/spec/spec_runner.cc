// kiln-spec — runs WebAssembly spec-suite scripts (.wast) against Kiln.
//
//   kiln-spec [--verbose] [--skip-list FILE] [--check-skips] [--opt-level L] PATH...
//
// Each PATH is a .wast file or a folder of them (not searched recursively).
// Every script is read with Kiln's own text-format parser (kiln/wasm/wast.h)
// and its commands are run in order: modules are compiled with one
// jit::Compiler and instantiated in a Store of their own script, on one
// Engine for the whole run. Output: one line per script with its counts,
// the failures under it, and last the line
//   N passed, N failed, N skipped, N unsupported
// A command is unsupported when it needs a WebAssembly feature Kiln does not
// run yet (a 3.0 feature its module's text uses, a GC value, threads);
// --verbose names the feature of each. Exit status: 0 when nothing failed,
// 1 when a command failed or a script could not be read, 2 for bad usage.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "epoch_ticker.h"
#include "execution_commands.h"
#include "local_engine.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/text.h"
#include "kiln/wasm/validator.h"
#include "outcome.h"
#include "script_session.h"
#include "skip_list.h"
#include "wast_script.h"

#ifndef KILN_SPEC_DEFAULT_SKIP_LIST
#error "KILN_SPEC_DEFAULT_SKIP_LIST must name tests/spec/skip-list.txt (set by CMake)"
#endif

namespace kiln::spec {
namespace {

constexpr std::string_view kUsage =
    "usage: kiln-spec [--verbose] [--skip-list FILE] [--check-skips] [--opt-level L] PATH...\n"
    "\n"
    "Runs WebAssembly spec scripts: each PATH is a .wast file or a folder of them.\n"
    "\n"
    "  --verbose          print every command and its outcome, and every failure\n"
    "                     (otherwise at most %d failures a script)\n"
    "  --skip-list FILE   use FILE instead of the default skip list\n"
    "                     (%s)\n"
    "  --check-skips      also run skip-listed commands and report entries that\n"
    "                     now pass (off by default: an entry may be there because\n"
    "                     the command crashes)\n"
    "  --round-trip       also print every module and parse it back: the same bytes\n"
    "                     (binary modules: after one trip makes them canonical)\n"
    "  --write-modules DIR\n"
    "                     also write every module's binary into DIR\n"
    "  --opt-level L      compile with LLVM optimization level O0, O1 or O2\n"
    "                     (default O2)\n";

// Without --verbose a script prints at most this many failures: a broken
// engine should not bury the summary under thousands of lines.
constexpr int kQuietFailureLimit = 20;

// Every guest call and instantiation may run this long before it is
// interrupted and fails (a hang would otherwise stall the whole run).
constexpr std::chrono::milliseconds kEpochPeriod{100};
constexpr uint64_t kDeadlineTicks = 600;  // 60 s

void PrintUsage(std::FILE* out) {
  std::fprintf(out, kUsage.data(), kQuietFailureLimit, KILN_SPEC_DEFAULT_SKIP_LIST);
}

// Parses (text), decodes and validates the command's module: its first
// error. The harness's own trouble (no module) is returned as the outer
// error so it is not mistaken for Kiln rejecting the module.
absl::StatusOr<absl::Status> CheckModule(const WastCommand& command) {
  if (command.module_type == ModuleType::kAbsent) {
    return absl::InvalidArgumentError("the command has no module");
  }
  if (!command.module.ok()) return command.module.status();
  return kiln::wasm::DecodeAndValidate(command.module->binary).status();
}

// assert_invalid / assert_malformed: the module must be rejected, with a
// message containing the spec's text. A rejection for another reason is a
// failure too: it usually means the check that should have fired is missing.
Outcome ExpectRejected(const WastCommand& command) {
  absl::StatusOr<absl::Status> result = CheckModule(command);
  if (!result.ok()) {
    return Failed(absl::StrCat("harness error: ", std::string(result.status().message())));
  }
  const std::string expected = absl::StrCat("expected error ", Quote(command.text));
  if (result->ok()) return Failed(absl::StrCat(expected, ", got no error (module accepted)"));
  const std::string message(result->message());
  if (message.find(command.text) != std::string::npos) return Passed();
  // Rejected for needing a 3.0 feature: whether it breaks the rule the
  // command is about cannot be told yet.
  if (std::string feature = UnsupportedFeature(*result); !feature.empty()) {
    return Unsupported(feature);
  }
  return Failed(absl::StrCat(expected, ", got error ", Quote(message)));
}

// Runs one command.
Outcome RunCommand(const WastCommand& command, ScriptSession& session) {
  switch (command.type) {
    case CommandType::kAssertInvalid:
    case CommandType::kAssertMalformed:
      return ExpectRejected(command);
    case CommandType::kModule:
    case CommandType::kAssertReturn:
    case CommandType::kAssertTrap:
    case CommandType::kAssertExhaustion:
    case CommandType::kAssertUnlinkable:
    case CommandType::kAssertUninstantiable:
    case CommandType::kRegister:
    case CommandType::kAction:
      return RunExecutionCommand(session, command);
    case CommandType::kAssertException:
    case CommandType::kModuleInstance:
    case CommandType::kThread:
    case CommandType::kWait:
      break;
  }
  // These carry `unsupported` and never get here.
  return Failed(absl::StrCat("cannot run ", Quote(command.type_name)));
}

// RunCommand, with anything it throws (nlohmann::json does, for a field of
// an unexpected JSON type) turned into this command's failure so that the
// rest of the script still runs.
Outcome RunCommandGuarded(const WastCommand& command, ScriptSession& session) {
  try {
    return RunCommand(command, session);
  } catch (const std::exception& e) {
    return Failed(absl::StrCat("harness error: exception: ", e.what()));
  }
}

// ---------------------------------------------------------------------------
// Scripts.

struct Totals {
  uint64_t passed = 0;
  uint64_t failed = 0;
  uint64_t skipped = 0;
  uint64_t unsupported = 0;

  void Add(const Totals& other) {
    passed += other.passed;
    failed += other.failed;
    skipped += other.skipped;
    unsupported += other.unsupported;
  }
};

struct RunnerOptions {
  bool verbose = false;
  bool check_skips = false;
  bool round_trip = false;
  std::filesystem::path write_modules;  // --write-modules: a folder, or empty
  jit::OptLevel opt_level = jit::OptLevel::kO2;
};

// How the commands one skip-list entry covers fared. Only with
// --check-skips are they run, so would_pass and would_fail stay 0 otherwise.
struct SkipTally {
  uint64_t covered = 0;
  uint64_t would_pass = 0;
  uint64_t would_fail = 0;
};
using SkipTallies = std::map<const SkipEntry*, SkipTally>;

// What one script produced, printed once the script is done.
struct ScriptReport {
  std::string name;  // the script's file name, as the skip list names it
  Totals totals;
  std::vector<std::string> failures;
  std::vector<std::string> notes;
  bool cannot_run = false;  // the script could not be read or set up
};

// What the scripts of one run share: the Compiler and the Engine (each
// script gets a Store of its own).
struct Execution {
  client::LocalEngine& engine;
};

class SpecRunner {
 public:
  SpecRunner(RunnerOptions options, SkipList skip_list, Execution execution)
      : options_(options), skip_list_(std::move(skip_list)), execution_(execution) {}

  // Runs one script and prints its report.
  void RunFile(const std::filesystem::path& wast);

  const Totals& totals() const { return totals_; }
  const std::map<std::string, uint64_t>& skip_reasons() const { return skip_reasons_; }
  const std::map<std::string, uint64_t>& unsupported_features() const {
    return unsupported_features_;
  }

 private:
  // Reads `wast` and runs its commands. An error means the script could not
  // be read or parsed, or its Store not set up.
  absl::Status RunScript(const std::filesystem::path& wast, ScriptReport& report);
  void RunCommandOf(const WastCommand& command, ScriptSession& session, ScriptReport& report,
                    SkipTallies& tallies);
  // Why `command` cannot run on Kiln yet, or empty. Tracks which modules
  // were unsupported, so actions on them are too.
  std::string UnsupportedReason(const WastCommand& command, ScriptSession& session);
  // --round-trip: the command's module printed and parsed again must give
  // the same bytes (text modules); binary ones may use encodings text cannot
  // express (padded LEB128s, empty sections), so their bytes must come back
  // unchanged from a second trip.
  void CheckRoundTrip(const WastCommand& command, ScriptReport& report);
  // --write-modules: the command's module binary as NAME-LINE.wasm (a fuzz
  // seed corpus; scripts/fuzz.sh uses it).
  void WriteModule(const WastCommand& command, const ScriptReport& report) const;
  void CheckSkipEntries(const SkipTallies& tallies, ScriptReport& report) const;
  void Print(const ScriptReport& report) const;

  RunnerOptions options_;
  SkipList skip_list_;
  Execution execution_;
  Totals totals_;
  std::map<std::string, uint64_t> skip_reasons_;
  std::map<std::string, uint64_t> unsupported_features_;
  // Per script: why the latest module ("") and named modules could not be
  // run; absent when they could.
  std::map<std::string, std::string> unsupported_modules_;
  // Per script: names registered from such modules.
  std::map<std::string, std::string> unsupported_registrations_;
  // Per script: the module each registered name stands for ("as" -> $id),
  // the id of the latest module, and the registered modules whose state an
  // unsupported module would have changed (its data and elements, written
  // through imports even when its instantiation then traps), with why.
  std::map<std::string, std::string> registered_ids_;
  std::string latest_module_id_;
  std::map<std::string, std::string> altered_modules_;
  // Records what an unsupported `command` would have changed.
  void NoteUnsupportedEffects(const WastCommand& command, const std::string& feature);

 public:
  uint64_t round_trips_ = 0;                // modules printed and parsed back
  uint64_t round_trips_canonicalized_ = 0;  // binary modules whose bytes changed
};

void SpecRunner::RunFile(const std::filesystem::path& wast) {
  ScriptReport report;
  report.name = wast.filename().string();
  unsupported_modules_.clear();
  unsupported_registrations_.clear();
  registered_ids_.clear();
  latest_module_id_.clear();
  altered_modules_.clear();
  const absl::Status status = RunScript(wast, report);
  if (!status.ok()) {
    // A script that cannot be read counts as a failure, so the run fails.
    ++report.totals.failed;
    report.cannot_run = true;
    report.failures.push_back(
        absl::StrCat(report.name, ": cannot run: ", std::string(status.message())));
  }
  Print(report);
  totals_.Add(report.totals);
}

absl::Status SpecRunner::RunScript(const std::filesystem::path& wast, ScriptReport& report) {
  absl::StatusOr<WastScript> script = ReadWastScript(wast);
  if (!script.ok()) return script.status();

  // One Store per script, so nothing one script does can reach another.
  absl::StatusOr<std::unique_ptr<ScriptSession>> session =
      ScriptSession::Create(execution_.engine, kDeadlineTicks);
  if (!session.ok()) return session.status();

  SkipTallies tallies;
  for (const WastCommand& command : script->commands) {
    RunCommandOf(command, **session, report, tallies);
    if (options_.round_trip) CheckRoundTrip(command, report);
    if (!options_.write_modules.empty()) WriteModule(command, report);
  }
  CheckSkipEntries(tallies, report);
  return absl::OkStatus();
}

void SpecRunner::CheckRoundTrip(const WastCommand& command, ScriptReport& report) {
  if (command.module_type == ModuleType::kAbsent || !command.module.ok()) return;
  // Only modules Kiln's decoder accepts, or that the suite expects to run.
  if (command.type == CommandType::kAssertMalformed) return;
  const std::vector<uint8_t>& binary = command.module->binary;
  auto fail = [&](std::string what) {
    ++report.totals.failed;
    report.failures.push_back(
        absl::StrCat(report.name, ":", command.line, ": round trip: ", what));
  };
  absl::StatusOr<std::string> text = wasm::text::PrintModule(binary);
  if (!text.ok()) {
    if (command.type == CommandType::kModule) fail(std::string(text.status().message()));
    return;
  }
  absl::StatusOr<wasm::text::ParsedModule> again = wasm::text::ParseModule(*text, "printed");
  if (!again.ok()) return fail(absl::StrCat("the printed text does not parse: ",
                                            std::string(again.status().message())));
  ++round_trips_;
  if (again->binary == binary) return;
  if (command.module_type != ModuleType::kBinary) return fail("the bytes differ");
  // Canonical now: another trip must change nothing.
  absl::StatusOr<std::string> text_again = wasm::text::PrintModule(again->binary);
  if (!text_again.ok()) return fail("the canonical module does not print");
  absl::StatusOr<wasm::text::ParsedModule> third = wasm::text::ParseModule(*text_again, "printed");
  if (!third.ok() || third->binary != again->binary) return fail("the canonical bytes differ");
  ++round_trips_canonicalized_;
}

void SpecRunner::NoteUnsupportedEffects(const WastCommand& command, const std::string& feature) {
  // Only instantiation writes through imports; a link failure writes nothing.
  if (command.type != CommandType::kModule && command.type != CommandType::kAssertTrap &&
      command.type != CommandType::kAssertUninstantiable) {
    return;
  }
  if (command.module_type == ModuleType::kAbsent || !command.module.ok()) return;
  absl::StatusOr<wasm::Module> module = wasm::DecodeModule(command.module->binary);
  if (!module.ok()) return;  // its imports cannot be told; nothing is marked
  for (const wasm::Import& import : module->imports) {
    auto it = registered_ids_.find(import.module);
    if (it == registered_ids_.end() || it->second.empty()) continue;
    altered_modules_[it->second] =
        absl::StrCat("state written by the unsupported module on line ", command.line, " (",
                     feature, ")");
  }
}

void SpecRunner::WriteModule(const WastCommand& command, const ScriptReport& report) const {
  if (command.module_type == ModuleType::kAbsent || !command.module.ok()) return;
  const std::filesystem::path file =
      options_.write_modules / absl::StrCat(report.name, "-", command.line, ".wasm");
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(command.module->binary.data()),
            static_cast<std::streamsize>(command.module->binary.size()));
}

std::string SpecRunner::UnsupportedReason(const WastCommand& command, ScriptSession& session) {
  if (command.type == CommandType::kModule) {
    const std::string name = command.json.value("name", "");
    if (command.unsupported.empty()) {
      unsupported_modules_.erase("");
      if (!name.empty()) unsupported_modules_.erase(name);
      return "";
    }
    // Later commands must not reach the module before this one.
    session.SetCurrent(name, absl::UnimplementedError(command.unsupported), command.line);
    unsupported_modules_[""] = command.unsupported;
    if (!name.empty()) unsupported_modules_[name] = command.unsupported;
    return command.unsupported;
  }
  if (!command.unsupported.empty()) return command.unsupported;
  std::string target;
  if (command.type == CommandType::kRegister) {
    target = command.json.value("name", "");
  } else if (command.json.contains("action")) {
    target = command.json["action"].value("module", "");
  } else {
    return "";
  }
  auto it = unsupported_modules_.find(target);
  return it == unsupported_modules_.end() ? "" : it->second;
}

// The skip list must only shrink, so entries that no longer earn their place
// are pointed out (as notes: they do not fail the run).
void SpecRunner::CheckSkipEntries(const SkipTallies& tallies, ScriptReport& report) const {
  for (const SkipEntry* entry : skip_list_.EntriesFor(report.name)) {
    const std::string what = entry->line.has_value()
                                 ? absl::StrCat("skip-list entry on line ", entry->list_line, " (",
                                                report.name, ":", *entry->line, ")")
                                 : absl::StrCat("skip-list entry on line ", entry->list_line,
                                                " (all of ", report.name, ")");
    auto it = tallies.find(entry);
    if (it == tallies.end()) {
      // Mistyped, or the script changed under it.
      report.notes.push_back(absl::StrCat(what, " matches no command; remove it"));
      continue;
    }
    const SkipTally& tally = it->second;
    if (tally.would_pass == 0) continue;
    if (tally.would_fail == 0) {
      report.notes.push_back(absl::StrCat(what, ": nothing it covers fails now; remove it"));
    } else {
      report.notes.push_back(absl::StrCat(what, ": ", tally.would_pass, " of ", tally.covered,
                                          " commands it covers pass now; list only the ",
                                          tally.would_fail, " failing ones"));
    }
  }
}

void SpecRunner::RunCommandOf(const WastCommand& command, ScriptSession& session,
                              ScriptReport& report, SkipTallies& tallies) {
  const std::string where = absl::StrCat(report.name, ":", command.line, ": ", command.type_name);
  Outcome outcome;
  if (const SkipEntry* entry = skip_list_.Find(report.name, command.line); entry != nullptr) {
    SkipTally& tally = tallies[entry];
    ++tally.covered;
    if (options_.check_skips) {
      const Verdict would_be = RunCommandGuarded(command, session).verdict;
      if (would_be == Verdict::kPassed) ++tally.would_pass;
      if (would_be == Verdict::kFailed) ++tally.would_fail;
    }
    outcome = Skipped(absl::StrCat("skip list: ", entry->reason));
  } else if (std::string reason = UnsupportedReason(command, session); !reason.empty()) {
    // A module that must be rejected may use a feature to be invalid; Kiln
    // rejecting it for the right reason is a pass.
    const bool rejection = command.type == CommandType::kAssertInvalid ||
                           command.type == CommandType::kAssertMalformed;
    outcome = rejection ? RunCommandGuarded(command, session) : Outcome{};
    if (!rejection || outcome.verdict != Verdict::kPassed) outcome = Unsupported(reason);
  } else {
    outcome = RunCommandGuarded(command, session);
    // An action on a module whose state an unsupported module would have
    // changed may fail for that reason alone.
    if (outcome.verdict == Verdict::kFailed && command.json.contains("action")) {
      auto it = altered_modules_.find(command.json["action"].value("module", ""));
      if (it != altered_modules_.end()) outcome = Unsupported(it->second);
    }
    // A module importing from a registered module that could not run fails
    // to link for that reason alone.
    if (outcome.verdict == Verdict::kFailed) {
      // The spectest module's shared memory needs threads.
      if (outcome.detail.find("unknown import: \"spectest\" \"shared_memory\"") !=
          std::string::npos) {
        outcome = Unsupported("threads");
      }
      for (const auto& [as, reason] : unsupported_registrations_) {
        if (outcome.detail.find(absl::StrCat("unknown import: \"", as, "\"")) !=
            std::string::npos) {
          outcome = Unsupported(reason);
          break;
        }
      }
    }
  }
  if (command.type == CommandType::kRegister && outcome.verdict == Verdict::kUnsupported) {
    unsupported_registrations_[command.json.value("as", "")] = outcome.detail;
  }
  if (command.type == CommandType::kModule || command.type == CommandType::kModuleInstance) {
    latest_module_id_ = command.json.value("name", "");
    // A module the decoder found unsupported: later commands on it are too.
    if (outcome.verdict == Verdict::kUnsupported) {
      unsupported_modules_[""] = outcome.detail;
      if (!latest_module_id_.empty()) unsupported_modules_[latest_module_id_] = outcome.detail;
    }
  }
  if (command.type == CommandType::kRegister && outcome.verdict == Verdict::kPassed) {
    const std::string id = command.json.value("name", "");
    registered_ids_[command.json.value("as", "")] = id.empty() ? latest_module_id_ : id;
  }
  if (outcome.verdict == Verdict::kUnsupported) NoteUnsupportedEffects(command, outcome.detail);

  const char* verdict = "";
  switch (outcome.verdict) {
    case Verdict::kPassed:
      ++report.totals.passed;
      verdict = "passed";
      break;
    case Verdict::kFailed:
      ++report.totals.failed;
      report.failures.push_back(absl::StrCat(where, ": ", outcome.detail));
      verdict = "FAILED";
      break;
    case Verdict::kSkipped:
      ++report.totals.skipped;
      ++skip_reasons_[outcome.detail];
      verdict = "skipped";
      break;
    case Verdict::kUnsupported:
      ++report.totals.unsupported;
      ++unsupported_features_[outcome.detail];
      verdict = "unsupported";
      break;
  }
  if (options_.verbose) {
    std::string line = absl::StrCat("  ", where, ": ", verdict);
    if (outcome.verdict == Verdict::kSkipped || outcome.verdict == Verdict::kUnsupported) {
      absl::StrAppend(&line, " (", outcome.detail, ")");
    }
    std::printf("%s\n", line.c_str());
  }
}

void SpecRunner::Print(const ScriptReport& report) const {
  std::printf("%s: %llu passed, %llu failed, %llu skipped, %llu unsupported\n",
              report.name.c_str(), static_cast<unsigned long long>(report.totals.passed),
              static_cast<unsigned long long>(report.totals.failed),
              static_cast<unsigned long long>(report.totals.skipped),
              static_cast<unsigned long long>(report.totals.unsupported));
  size_t shown = report.failures.size();
  if (!options_.verbose && !report.cannot_run) {
    shown = std::min(shown, static_cast<size_t>(kQuietFailureLimit));
  }
  for (size_t i = 0; i < shown; ++i) std::printf("  %s\n", report.failures[i].c_str());
  if (shown < report.failures.size()) {
    std::printf("  ... and %zu more failures (--verbose shows them all)\n",
                report.failures.size() - shown);
  }
  for (const std::string& note : report.notes) std::printf("  note: %s\n", note.c_str());
  // Reports of long runs should appear as scripts finish, even through a pipe.
  std::fflush(stdout);
}

// ---------------------------------------------------------------------------
// Command line.

struct CommandLine {
  RunnerOptions options;
  std::filesystem::path skip_list = KILN_SPEC_DEFAULT_SKIP_LIST;
  bool skip_list_given = false;
  std::vector<std::filesystem::path> paths;
};

// Whether argv[i] is option `name`, given as `NAME VALUE` or `NAME=VALUE`.
// If so, `value` is set to its value (and `i` moves past a separate one), or
// to nullopt when the value is missing.
bool TakeOption(std::string_view name, int argc, char** argv, int& i,
                std::optional<std::string_view>& value) {
  const std::string_view arg = argv[i];
  if (arg == name) {
    value = i + 1 < argc ? std::optional<std::string_view>(argv[++i]) : std::nullopt;
    return true;
  }
  if (arg.starts_with(name) && arg.substr(name.size()).starts_with('=')) {
    value = arg.substr(name.size() + 1);
    return true;
  }
  return false;
}

absl::StatusOr<CommandLine> ParseCommandLine(int argc, char** argv) {
  CommandLine command_line;
  bool options_done = false;
  std::optional<std::string_view> value;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (options_done || arg.empty() || arg.front() != '-') {
      command_line.paths.emplace_back(arg);
    } else if (arg == "--") {
      options_done = true;
    } else if (arg == "--verbose" || arg == "-v") {
      command_line.options.verbose = true;
    } else if (TakeOption("--write-modules", argc, argv, i, value)) {
      if (!value) return absl::InvalidArgumentError("--write-modules needs a folder");
      command_line.options.write_modules = std::filesystem::path(*value);
    } else if (arg == "--round-trip") {
      command_line.options.round_trip = true;
    } else if (arg == "--check-skips") {
      command_line.options.check_skips = true;
    } else if (TakeOption("--opt-level", argc, argv, i, value)) {
      if (!value) return absl::InvalidArgumentError("--opt-level needs a level");
      absl::StatusOr<jit::OptLevel> level = jit::ParseOptLevel(*value);
      if (!level.ok()) return level.status();
      command_line.options.opt_level = *level;
    } else if (TakeOption("--skip-list", argc, argv, i, value)) {
      if (!value) return absl::InvalidArgumentError("--skip-list needs a file");
      command_line.skip_list = std::filesystem::path(*value);
      command_line.skip_list_given = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", std::string(arg)));
    }
  }
  if (command_line.paths.empty()) return absl::InvalidArgumentError("no PATH given");
  return command_line;
}

// The scripts named by the command line, folders expanded in sorted order.
absl::StatusOr<std::vector<std::filesystem::path>> ExpandPaths(
    const std::vector<std::filesystem::path>& paths) {
  std::vector<std::filesystem::path> scripts;
  for (const std::filesystem::path& path : paths) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      std::vector<std::filesystem::path> found;
      for (const auto& item : std::filesystem::directory_iterator(path, error)) {
        if (item.path().extension() == ".wast" && item.is_regular_file()) found.push_back(item);
      }
      if (error) {
        return absl::InvalidArgumentError(absl::StrCat(path.string(), ": ", error.message()));
      }
      // A folder with no scripts would make the run pass vacuously.
      if (found.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(path.string(), ": no .wast files"));
      }
      std::sort(found.begin(), found.end());
      scripts.insert(scripts.end(), found.begin(), found.end());
    } else if (std::filesystem::is_regular_file(path, error)) {
      scripts.push_back(path);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(path.string(), ": no such .wast file or folder"));
    }
  }
  return scripts;
}

// The list at `path`, loaded with List::Load. A default list that is not
// there (the binary was moved away from its source tree) gives an empty
// list and `missing_note` (with %s for the path) on stderr: run rather
// than refuse, and say so. A list named on the command line must exist.
template <typename List>
absl::StatusOr<List> LoadListOrEmpty(const std::filesystem::path& path, bool given,
                                     const char* missing_note) {
  std::error_code error;
  if (given || std::filesystem::exists(path, error)) return List::Load(path);
  std::fprintf(stderr, "kiln-spec: note: ");
  std::fprintf(stderr, missing_note, path.c_str());
  std::fprintf(stderr, "\n");
  return List();
}

int Main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      PrintUsage(stdout);
      return 0;
    }
  }
  absl::StatusOr<CommandLine> command_line = ParseCommandLine(argc, argv);
  if (!command_line.ok()) {
    std::fprintf(stderr, "kiln-spec: %s\n\n", std::string(command_line.status().message()).c_str());
    PrintUsage(stderr);
    return 2;
  }
  absl::StatusOr<std::vector<std::filesystem::path>> scripts = ExpandPaths(command_line->paths);
  if (!scripts.ok()) {
    std::fprintf(stderr, "kiln-spec: %s\n", std::string(scripts.status().message()).c_str());
    return 2;
  }

  absl::StatusOr<SkipList> skip_list =
      LoadListOrEmpty<SkipList>(command_line->skip_list, command_line->skip_list_given,
                                "default skip list %s not found; skipping nothing");
  if (!skip_list.ok()) {
    std::fprintf(stderr, "kiln-spec: %s\n", std::string(skip_list.status().message()).c_str());
    return 2;
  }

  client::LocalEngineOptions engine_options;
  engine_options.compiler.opt_level = command_line->options.opt_level;
  absl::StatusOr<std::unique_ptr<client::LocalEngine>> engine =
      client::LocalEngine::Create(engine_options);
  if (!engine.ok()) {
    std::fprintf(stderr, "kiln-spec: cannot create the compiler: %s\n",
                 std::string(engine.status().message()).c_str());
    return 1;
  }
  // Declared after the engine so it stops before the engine goes away.
  EpochTicker ticker((*engine)->engine(), kEpochPeriod);

  SpecRunner runner(command_line->options, *std::move(skip_list), Execution{**engine});
  for (const std::filesystem::path& script : *scripts) runner.RunFile(script);

  const Totals& totals = runner.totals();
  if (command_line->options.verbose) {
    for (const auto& [reason, count] : runner.skip_reasons()) {
      std::printf("skipped %llu: %s\n", static_cast<unsigned long long>(count), reason.c_str());
    }
    for (const auto& [feature, count] : runner.unsupported_features()) {
      std::printf("unsupported %llu: %s\n", static_cast<unsigned long long>(count),
                  feature.c_str());
    }
  }
  std::printf("%llu passed, %llu failed, %llu skipped, %llu unsupported\n",
              static_cast<unsigned long long>(totals.passed),
              static_cast<unsigned long long>(totals.failed),
              static_cast<unsigned long long>(totals.skipped),
              static_cast<unsigned long long>(totals.unsupported));
  if (command_line->options.round_trip) {
    std::printf("round trip: %llu modules printed and parsed back, %llu binary modules in a "
                "non-canonical encoding came back canonical\n",
                static_cast<unsigned long long>(runner.round_trips_),
                static_cast<unsigned long long>(runner.round_trips_canonicalized_));
  }
  return totals.failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace kiln::spec

int main(int argc, char** argv) { return kiln::spec::Main(argc, argv); }
