#include "run_command.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kiln/cache/local_artifact_store.h"
#include "kiln/jit/compiler.h"
#include "kiln/runtime/extern.h"
#include "kiln/runtime/linker.h"
#include "kiln/runtime/store.h"
#include "kiln/runtime/trap.h"
#include "kiln/runtime/value.h"
#include "kiln/wasi/wasi_context.h"
#include "kiln/wasm/artifact_format.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/module.h"
#include "kiln/wasm/types.h"
#include "cancel_on_signal.h"
#include "command_line.h"
#include "kiln/client/command_request.h"
#include "kiln/client/kiln_client.h"
#include "wire_values.h"
#include "local_engine.h"
#include "module_file.h"
#include "value_text.h"

namespace kiln::client {
namespace {

struct RunOptions {
  std::string path;
  LocalEngineOptions engine;
  std::optional<std::string> invoke;  // the export to call
  std::vector<std::string> args;      // its arguments, as text
  bool compiler_options_given = false;
  bool use_cache = true;
  std::string cache_dir;  // empty: cache::DefaultCacheDir()
  bool verbose = false;
  ClientOptions server;   // a target: run on that kilnd instead
  // A WASI program's world: its arguments (after the module), environment
  // and preopened directories.
  std::vector<std::string> program_args;
  std::vector<std::string> env;
  bool env_inherit = false;
  std::vector<wasi::Preopen> dirs;
};

// "HOST[::GUEST]" of --dir: the guest sees HOST under GUEST (HOST itself
// by default), as wasmtime's --dir.
absl::StatusOr<wasi::Preopen> ParseDir(const std::string& value, bool read_only) {
  if (value.empty()) return absl::InvalidArgumentError("--dir needs a folder");
  const size_t split = value.find("::");
  wasi::Preopen preopen;
  preopen.host_path = value.substr(0, split);
  preopen.guest_path = split == std::string::npos ? value : value.substr(split + 2);
  preopen.read_only = read_only;
  if (preopen.host_path.empty() || preopen.guest_path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--dir ", value, ": expected HOST or HOST::GUEST"));
  }
  return preopen;
}

void PrintError(absl::string_view message) {
  std::fprintf(stderr, "kiln: %s\n", std::string(message).c_str());
}

int Usage(absl::string_view message) {
  PrintError(message);
  std::fputs(kRunUsage.data(), stderr);
  return kExitUsage;
}

// Options come before the module; after it come either --invoke NAME and
// the export's arguments, or the program's arguments (after an optional
// "--"), as `wasmtime run` takes them. Every word after --invoke NAME is an
// argument, so that negative numbers ("-1", "-inf") need no quoting.
absl::StatusOr<RunOptions> ParseCommandLine(const std::vector<std::string>& args) {
  RunOptions options;
  bool have_path = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::string error;
    if (CompilerOption(args, &i, &options.engine.compiler, &error)) {
      if (!error.empty()) return absl::InvalidArgumentError(error);
      options.compiler_options_given = true;
    } else if (ServerOption(args, &i, &options.server, &error)) {
      if (!error.empty()) return absl::InvalidArgumentError(error);
    } else if (arg == "--no-cache") {
      options.use_cache = false;
    } else if (std::optional<std::string> dir = OptionValue(args, &i, "--cache-dir", &error)) {
      if (dir->empty()) return absl::InvalidArgumentError("--cache-dir needs a folder");
      options.cache_dir = *dir;
    } else if (arg == "-v" || arg == "--verbose") {
      options.verbose = true;
    } else if (arg == "--env-inherit") {
      options.env_inherit = true;
    } else if (std::optional<std::string> env = OptionValue(args, &i, "--env", &error)) {
      if (env->empty() || env->front() == '=') {
        return absl::InvalidArgumentError(absl::StrCat("--env ", *env, ": expected NAME=VALUE or NAME"));
      }
      if (env->find('=') == std::string::npos) {
        // NAME alone passes this process's value on, if it has one.
        const char* value = std::getenv(env->c_str());
        if (value == nullptr) continue;
        *env = absl::StrCat(*env, "=", value);
      }
      options.env.push_back(*env);
    } else if (std::optional<std::string> dir = OptionValue(args, &i, "--dir", &error)) {
      absl::StatusOr<wasi::Preopen> preopen = ParseDir(*dir, /*read_only=*/false);
      if (!preopen.ok()) return preopen.status();
      options.dirs.push_back(*preopen);
    } else if (std::optional<std::string> dir = OptionValue(args, &i, "--dir-ro", &error)) {
      absl::StatusOr<wasi::Preopen> preopen = ParseDir(*dir, /*read_only=*/true);
      if (!preopen.ok()) return preopen.status();
      options.dirs.push_back(*preopen);
    } else if (std::optional<std::string> name = OptionValue(args, &i, "--invoke", &error)) {
      options.invoke = *name;
      options.args.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    } else if (!error.empty()) {
      return absl::InvalidArgumentError(error);
    } else if (arg.size() > 1 && arg[0] == '-') {
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", arg));
    } else if (have_path) {
      return absl::InvalidArgumentError(
          absl::StrCat("one module at a time (got ", options.path, " and ", arg, ")"));
    } else {
      options.path = arg;
      have_path = true;
      if (i + 1 < args.size() && args[i + 1] == "--invoke") continue;
      size_t first = i + 1;
      if (first < args.size() && args[first] == "--") ++first;
      options.program_args.assign(args.begin() + static_cast<std::ptrdiff_t>(first), args.end());
      break;
    }
  }
  if (!have_path) return absl::InvalidArgumentError("no module given");
  return options;
}

std::string PluralArguments(size_t n) {
  return absl::StrCat(n, n == 1 ? " argument" : " arguments");
}

std::string TypeList(std::span<const wasm::ValType> types) {
  return absl::StrJoin(types, " ", [](std::string* out, wasm::ValType t) {
    absl::StrAppend(out, std::string(wasm::ValTypeName(t)));
  });
}

// The exported function `name`'s type, or a usage error naming the exports
// there are. Looked up in the module, so nothing runs before it is known.
absl::StatusOr<const wasm::FuncType*> ExportedFuncType(const wasm::Module& module,
                                                       const std::string& name) {
  std::vector<std::string> functions;
  for (const wasm::Export& e : module.exports) {
    if (e.kind == wasm::ExternKind::kFunc) functions.push_back(absl::StrCat("\"", e.name, "\""));
    if (e.name != name) continue;
    if (e.kind != wasm::ExternKind::kFunc) {
      return absl::InvalidArgumentError(absl::StrCat(
          "export \"", name, "\" is a ", std::string(wasm::ExternKindName(e.kind)), ", not a function"));
    }
    return &module.types[module.function_type_indices[e.index]];
  }
  return absl::NotFoundError(absl::StrCat(
      "no export named \"", name, "\"; exported functions: ",
      functions.empty() ? std::string("none") : absl::StrJoin(functions, ", ")));
}

absl::StatusOr<std::vector<runtime::Value>> ParseArguments(const std::string& name,
                                                           const wasm::FuncType& type,
                                                           const std::vector<std::string>& args) {
  if (args.size() != type.params.size()) {
    std::string message = absl::StrCat("\"", name, "\" takes ", PluralArguments(type.params.size()));
    if (!type.params.empty()) absl::StrAppend(&message, " (", TypeList(type.params), ")");
    absl::StrAppend(&message, ", got ", args.size());
    if (!args.empty()) absl::StrAppend(&message, ": ", absl::StrJoin(args, " "));
    if (args.size() > type.params.size()) {
      absl::StrAppend(&message, " (options go before --invoke)");
    }
    return absl::InvalidArgumentError(message);
  }
  std::vector<runtime::Value> values;
  values.reserve(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    absl::StatusOr<runtime::Value> value = ParseValue(args[i], type.params[i]);
    if (!value.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "argument ", i + 1, " of \"", name, "\": expected ", std::string(wasm::ValTypeName(type.params[i])),
          ", got \"", args[i], "\" (", std::string(value.status().message()), ")"));
    }
    values.push_back(*value);
  }
  return values;
}

// "wasm backtrace:" and its frames, or nothing without frames.
std::string BacktraceText(const runtime::TrapBacktrace& backtrace) {
  const std::string frames = runtime::FormatBacktrace(backtrace);
  return frames.empty() ? frames : absl::StrCat("wasm backtrace:\n", frames);
}

std::string_view TrapKindName(runtime::TrapCode code) {
  using runtime::TrapCode;
  switch (code) {
    case TrapCode::kUnreachable: return "unreachable";
    case TrapCode::kMemoryOutOfBounds: return "memory_out_of_bounds";
    case TrapCode::kTableOutOfBounds: return "table_out_of_bounds";
    case TrapCode::kIndirectCallToNull: return "indirect_call_to_null";
    case TrapCode::kUndefinedElement: return "undefined_element";
    case TrapCode::kIndirectCallTypeMismatch: return "indirect_call_type_mismatch";
    case TrapCode::kIntegerDivideByZero: return "integer_divide_by_zero";
    case TrapCode::kIntegerOverflow: return "integer_overflow";
    case TrapCode::kInvalidConversionToInteger: return "invalid_conversion_to_integer";
    case TrapCode::kCallStackExhausted: return "call_stack_exhausted";
    case TrapCode::kInterrupted: return "interrupted";
    case TrapCode::kHostTrap: return "host_trap";
    case TrapCode::kIllegalInstruction: return "illegal_instruction";
    case TrapCode::kUnexpectedFault: return "unexpected_fault";
  }
  return "unknown";
}

// A failed instantiation or call: a trap (exit 3) or an engine error.
int ReportRunError(const absl::Status& status, const std::string& during) {
  if (std::optional<runtime::TrapCode> code = runtime::GetTrapCode(status)) {
    std::fprintf(stderr, "trap: %s (%s)%s\n%s", std::string(status.message()).c_str(),
                 std::string(TrapKindName(*code)).c_str(), during.c_str(),
                 BacktraceText(runtime::GetTrapBacktrace(status)).c_str());
    return kExitTrap;
  }
  PrintError(absl::StrCat(status.message(), during));
  return kExitBadModule;
}

std::string DescribeImport(const wasm::Module& module, const wasm::Import& import) {
  std::string text = absl::StrCat("\"", import.module, "\" \"", import.name, "\" (",
                                  std::string(wasm::ExternKindName(import.kind)));
  if (import.kind == wasm::ExternKind::kFunc) {
    absl::StrAppend(&text, " ", wasm::FuncTypeToString(module.types[import.func_type_index]));
  }
  return absl::StrCat(text, ")");
}

// For --verbose: where the module came from and what it cost.
void PrintLoadReport(const LoadReport& report, const std::string& cache_dir) {
  if (report.cache_key.empty()) {
    std::fprintf(stderr, "kiln: compiled in %.1f ms, loaded in %.2f ms (no cache)\n",
                 report.compile_ms, report.load_ms);
  } else if (report.cache_hit) {
    std::fprintf(stderr, "kiln: cache hit %s in %s, loaded in %.2f ms\n",
                 report.cache_key.c_str(), cache_dir.c_str(), report.load_ms);
  } else {
    std::fprintf(stderr, "kiln: cache miss%s; compiled in %.1f ms, cached as %s in %s, loaded in %.2f ms\n",
                 report.replaced_entry ? " (the cached entry was unusable)" : "",
                 report.compile_ms, report.cache_key.c_str(), cache_dir.c_str(), report.load_ms);
  }
}

// The export `name` among an instance's exports, as ExportedFuncType.
absl::StatusOr<wasm::FuncType> RemoteExportType(const v1::InstantiateResponse& instance,
                                                const std::string& name) {
  std::vector<std::string> functions;
  for (const v1::Export& e : instance.exports()) {
    const bool is_function = e.kind() == v1::EXTERN_KIND_FUNCTION;
    if (is_function) functions.push_back(absl::StrCat("\"", e.name(), "\""));
    if (e.name() != name) continue;
    if (!is_function) {
      return absl::InvalidArgumentError(absl::StrCat("export \"", name, "\" is not a function"));
    }
    return wire::FromWire(e.func_type());
  }
  return absl::NotFoundError(absl::StrCat(
      "no export named \"", name, "\"; exported functions: ",
      functions.empty() ? std::string("none") : absl::StrJoin(functions, ", ")));
}

int ReportRemoteTrap(const v1::Trap& trap, const std::string& during) {
  const std::optional<runtime::TrapCode> code = wire::FromWire(trap.kind());
  std::fprintf(stderr, "trap: %s (%s)%s\n%s", trap.message().c_str(),
               code ? std::string(TrapKindName(*code)).c_str() : "unknown", during.c_str(),
               BacktraceText(wire::BacktraceFromWire(trap)).c_str());
  return kExitTrap;
}

// `kiln run --server`: the daemon compiles (through its cache), instantiates
// and calls; the output is what running in this process prints.
int RunOnServer(const RunOptions& options, std::vector<uint8_t> bytes) {
  if (wasm::HasArtifactMagic(bytes)) {
    return Usage(absl::StrCat(options.path, " is an artifact; kilnd takes modules (or cache keys)"));
  }
  CancelOnSignal cancel_on_signal;
  absl::StatusOr<std::unique_ptr<KilnClient>> client = KilnClient::Connect(options.server);
  if (!client.ok()) return Usage(client.status().message());
  cancel_on_signal.set_client(client->get());
  // A signal cancels the call in flight (it ends CANCELLED) and stops the
  // command at its next step, even one that came between calls: say why
  // and exit as a process killed by it would, after the instance (if any)
  // is dropped. 0 while no signal came.
  auto exit_for_signal = [&cancel_on_signal] {
    const int signal = cancel_on_signal.received();
    if (signal == 0) return 0;
    std::fprintf(stderr, "kiln: %s; the call was cancelled\n", strsignal(signal));
    return 128 + signal;
  };
  v1::InstantiateRequest request;
  request.mutable_module()->set_module(bytes.data(), bytes.size());
  *request.mutable_module()->mutable_options() = ToWire(options.engine.compiler);
  absl::StatusOr<v1::InstantiateResponse> instance = (*client)->Instantiate(request);
  if (absl::IsCancelled(instance.status())) {
    if (int code = exit_for_signal()) return code;
  }
  if (!instance.ok()) {
    if (instance.status().code() == absl::StatusCode::kUnavailable) {
      PrintError(absl::StrCat("cannot reach kilnd at ", options.server.target, ": ",
                              instance.status().message()));
    } else {
      PrintError(absl::StrCat(options.path, ": ", instance.status().message()));
    }
    return kExitBadModule;
  }
  if (options.verbose) {
    std::fprintf(stderr, "kiln: %s %s on %s\n",
                 instance->cache_hit() ? "cache hit" : "compiled, cached as",
                 instance->cache_key().c_str(), options.server.target.c_str());
  }
  if (instance->has_start_trap()) return ReportRemoteTrap(instance->start_trap(), " while instantiating");
  // The instance lives in the daemon until dropped, whatever happens here.
  struct Dropper {
    KilnClient& client;
    const std::string& id;
    ~Dropper() { client.DropInstance(id).IgnoreError(); }
  } dropper{**client, instance->instance_id()};
  if (int code = exit_for_signal()) return code;
  if (!options.invoke.has_value()) return kExitOk;

  absl::StatusOr<wasm::FuncType> type = RemoteExportType(*instance, *options.invoke);
  if (!type.ok()) {
    PrintError(type.status().message());
    return kExitUsage;
  }
  absl::StatusOr<std::vector<runtime::Value>> arguments =
      ParseArguments(*options.invoke, *type, options.args);
  if (!arguments.ok()) {
    PrintError(arguments.status().message());
    return kExitUsage;
  }
  std::vector<v1::Value> wire_arguments;
  for (const runtime::Value& value : *arguments) wire_arguments.push_back(wire::ToWire(value));
  absl::StatusOr<v1::InvokeResponse> call =
      (*client)->Invoke(instance->instance_id(), *options.invoke, std::move(wire_arguments));
  if (int code = exit_for_signal()) return code;
  if (!call.ok()) {
    PrintError(call.status().message());
    return kExitBadModule;
  }
  if (call->has_trap()) return ReportRemoteTrap(call->trap(), "");
  for (const v1::Value& wire_value : call->results().values()) {
    absl::StatusOr<runtime::Value> value = wire::FromWire(wire_value);
    // Non-null references cannot cross the wire; print them by type.
    if (!value.ok() && wire_value.has_ref()) {
      std::printf("%s:ref\n", std::string(wasm::ValTypeName(*wire::TypeOf(wire_value))).c_str());
      continue;
    }
    if (!value.ok()) {
      PrintError(value.status().message());
      return kExitBadModule;
    }
    std::printf("%s\n", FormatValue(*value).c_str());
  }
  return kExitOk;
}

// Whether `bytes` is a module that exports "_start" (read from its export
// section; anything undecodable is left for the daemon to explain).
bool IsWasiCommand(std::span<const uint8_t> bytes) {
  absl::StatusOr<wasm::Module> module = wasm::DecodeModule(bytes);
  if (!module.ok()) return false;
  for (const wasm::Export& e : module->exports) {
    if (e.kind == wasm::ExternKind::kFunc && e.name == "_start") return true;
  }
  return false;
}

// Standard input for a remote program: all of it, unless it is a terminal
// (a program run remotely cannot wait for typing).
absl::StatusOr<std::string> ReadStdin() {
  std::string in;
  if (::isatty(0)) return in;
  constexpr size_t kMaxStdin = size_t{64} << 20;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::InvalidArgumentError(absl::StrCat("cannot read stdin: ", std::strerror(errno)));
    if (n == 0) break;
    in.append(buf, static_cast<size_t>(n));
    if (in.size() > kMaxStdin) {
      return absl::InvalidArgumentError("stdin is more than 64 MiB, too much to send to kilnd");
    }
  }
  return in;
}

// `kiln run --server` of a WASI command: the daemon runs it (RunCommand)
// in a world this request carries -- arguments, environment, stdin and
// the --dir folders' files -- streaming its output back; the files it
// leaves in writable folders are written back here. It behaves like the
// local run for programs that read args, stdin and their folders and write
// output and files (it sees no other file of this machine).
int RunCommandOnServer(const RunOptions& options, std::vector<uint8_t> bytes) {
  CommandRequest request = CommandRequest::ForModule(bytes, ToWire(options.engine.compiler));
  std::vector<std::string> args = {options.path};
  args.insert(args.end(), options.program_args.begin(), options.program_args.end());
  request.Args(std::move(args));
  std::vector<std::string> env;
  if (options.env_inherit) {
    for (char** entry = environ; *entry != nullptr; ++entry) env.push_back(*entry);
  }
  env.insert(env.end(), options.env.begin(), options.env.end());
  for (const std::string& e : env) {
    const size_t equals = e.find('=');
    request.Env(e.substr(0, equals), equals == std::string::npos ? "" : e.substr(equals + 1));
  }
  std::map<std::string, std::string> writable;
  for (const wasi::Preopen& dir : options.dirs) {
    if (absl::Status added = request.AddHostDirectory(dir.host_path, dir.guest_path, dir.read_only);
        !added.ok()) {
      return Usage(added.message());
    }
    if (!dir.read_only) writable[dir.guest_path] = dir.host_path;
  }
  request.ReturnFiles(!writable.empty());
  absl::StatusOr<std::string> in = ReadStdin();
  if (!in.ok()) return Usage(in.status().message());
  request.Stdin(*std::move(in));

  CancelOnSignal cancel_on_signal;
  absl::StatusOr<std::unique_ptr<KilnClient>> client = KilnClient::Connect(options.server);
  if (!client.ok()) return Usage(client.status().message());
  cancel_on_signal.set_client(client->get());
  auto write_all = [](int fd, std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  };
  absl::StatusOr<v1::RunCommandResult> result = (*client)->RunCommand(
      request.proto(), {.on_stdout = [&](std::string_view b) { write_all(1, b); },
                        .on_stderr = [&](std::string_view b) { write_all(2, b); }});
  if (const int signal = cancel_on_signal.received(); signal != 0) {
    std::fprintf(stderr, "kiln: %s; the program was stopped\n", strsignal(signal));
    return 128 + signal;
  }
  if (!result.ok()) {
    if (result.status().code() == absl::StatusCode::kUnavailable) {
      PrintError(absl::StrCat("cannot reach kilnd at ", options.server.target, ": ",
                              result.status().message()));
    } else {
      PrintError(absl::StrCat(options.path, ": ", result.status().message()));
    }
    return kExitBadModule;
  }
  if (options.verbose) {
    std::fprintf(stderr, "kiln: %s %s on %s\n", result->cache_hit() ? "cache hit" : "compiled, cached as",
                 result->cache_key().c_str(), options.server.target.c_str());
  }
  if (absl::Status written = WriteBackFiles(*result, writable); !written.ok()) {
    PrintError(written.message());
    return kExitBadModule;
  }
  if (result->has_trap()) return ReportRemoteTrap(result->trap(), "");
  return result->exit_code();
}

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  absl::StatusOr<RunOptions> options = ParseCommandLine(args);
  if (!options.ok()) return Usage(options.status().message());
  if (!options->server.target.empty()) {
    if (options->invoke.has_value() &&
        (!options->program_args.empty() || !options->dirs.empty() || !options->env.empty() ||
         options->env_inherit)) {
      return Usage("with --server, --dir and --env are for WASI programs, not --invoke");
    }
    absl::StatusOr<std::vector<uint8_t>> bytes = ReadModuleFile(options->path);
    if (!bytes.ok()) {
      PrintError(bytes.status().message());
      return kExitBadModule;
    }
    if (!options->invoke.has_value() && IsWasiCommand(*bytes)) {
      return RunCommandOnServer(*options, *std::move(bytes));
    }
    return RunOnServer(*options, *std::move(bytes));
  }

  if (options->use_cache) {
    options->engine.cache_dir =
        options->cache_dir.empty() ? cache::DefaultCacheDir() : options->cache_dir;
  }
  absl::StatusOr<std::unique_ptr<LocalEngine>> engine = LocalEngine::Create(options->engine);
  if (!engine.ok() && !options->engine.cache_dir.empty()) {
    // A cache that cannot be opened only costs time: run without it.
    const std::string why(engine.status().message());
    options->engine.cache_dir.clear();
    engine = LocalEngine::Create(options->engine);
    if (engine.ok()) PrintError(absl::StrCat("warning: running without the artifact cache: ", why));
  }
  if (!engine.ok()) return Usage(engine.status().message());

  absl::StatusOr<std::vector<uint8_t>> bytes = ReadModuleFile(options->path);
  if (!bytes.ok()) {
    PrintError(bytes.status().message());
    return kExitBadModule;
  }
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module;
  if (wasm::HasArtifactMagic(*bytes)) {
    if (options->compiler_options_given) {
      return Usage(absl::StrCat("--opt-level and --cpu choose how to compile; ", options->path,
                                " is compiled already"));
    }
    module = (*engine)->LoadArtifact(*bytes);
  } else {
    LoadReport report;
    module = (*engine)->Load(*std::move(bytes), &report);
    if (module.ok() && options->verbose) PrintLoadReport(report, options->engine.cache_dir);
  }
  if (!module.ok()) {
    PrintError(absl::StrCat(options->path, ": ", module.status().message()));
    return kExitBadModule;
  }
  const wasm::Module& wasm = (*module)->wasm();

  // WASI's functions are the only imports offered: any other is unresolved.
  bool uses_wasi = false;
  bool unresolved = false;
  for (const wasm::Import& import : wasm.imports) {
    if (import.module == std::string(wasi::kPreview1Module)) {
      uses_wasi = true;
      continue;
    }
    PrintError(absl::StrCat(options->path, ": unresolved import ", DescribeImport(wasm, import)));
    unresolved = true;
  }
  if (unresolved) {
    PrintError(absl::StrCat("kiln offers only WASI (", std::string(wasi::kPreview1Module),
                            ") to modules it runs"));
    return kExitBadModule;
  }
  bool is_command = false;
  for (const wasm::Export& e : wasm.exports) {
    if (e.kind == wasm::ExternKind::kFunc && e.name == "_start") is_command = true;
  }
  if (!options->program_args.empty() && !is_command) {
    return Usage(absl::StrCat(options->path, " exports no \"_start\": it takes no program ",
                              "arguments (to call an export, use --invoke NAME ARG...)"));
  }

  // Check the invocation before anything runs (the start function included).
  const wasm::FuncType* type = nullptr;
  std::vector<runtime::Value> arguments;
  if (options->invoke.has_value()) {
    absl::StatusOr<const wasm::FuncType*> found = ExportedFuncType(wasm, *options->invoke);
    if (!found.ok()) {
      PrintError(found.status().message());
      return kExitUsage;
    }
    type = *found;
    absl::StatusOr<std::vector<runtime::Value>> parsed =
        ParseArguments(*options->invoke, *type, options->args);
    if (!parsed.ok()) {
      PrintError(parsed.status().message());
      return kExitUsage;
    }
    arguments = *std::move(parsed);
  }

  // The program's world. argv[0] is the module's path, as wasmtime gives it.
  wasi::WasiOptions world;
  world.args.push_back(options->path);
  world.args.insert(world.args.end(), options->program_args.begin(), options->program_args.end());
  if (options->env_inherit) {
    for (char** entry = environ; *entry != nullptr; ++entry) world.env.push_back(*entry);
  }
  world.env.insert(world.env.end(), options->env.begin(), options->env.end());
  world.preopens = options->dirs;
  absl::StatusOr<std::unique_ptr<wasi::WasiContext>> wasi_context = wasi::WasiContext::Create(world);
  if (!wasi_context.ok()) return Usage(wasi_context.status().message());

  runtime::Store store((*engine)->engine());
  runtime::Linker linker;
  (*wasi_context)->Define(store, linker);
  absl::StatusOr<runtime::Instance> instance = linker.Instantiate(store, *module);
  if (!instance.ok()) return ReportRunError(instance.status(), " while instantiating");

  if (!options->invoke.has_value()) {
    if (!is_command) return kExitOk;
    // Output the guest wrote through its own descriptors comes before ours.
    std::fflush(stdout);
    absl::StatusOr<int> exit_code = (*wasi_context)->RunCommand(store, *instance);
    if (!exit_code.ok()) return ReportRunError(exit_code.status(), "");
    return *exit_code;
  }

  absl::StatusOr<runtime::Func> func = instance->GetFunc(*options->invoke);
  if (!func.ok()) {
    PrintError(func.status().message());
    return kExitUsage;
  }
  if (uses_wasi) {
    // A reactor: _initialize first, with the WASI functions bound.
    if (absl::Status init = (*wasi_context)->Initialize(store, *instance); !init.ok()) {
      if ((*wasi_context)->exit_code().has_value()) return *(*wasi_context)->exit_code();
      return ReportRunError(init, " in _initialize");
    }
  }
  absl::StatusOr<std::vector<runtime::Value>> results = store.Call(*func, arguments);
  if (!results.ok()) {
    if ((*wasi_context)->exit_code().has_value()) return *(*wasi_context)->exit_code();
    return ReportRunError(results.status(), "");
  }
  for (const runtime::Value& result : *results) {
    std::printf("%s\n", FormatValue(result).c_str());
  }
  return kExitOk;
}

}  // namespace kiln::client
