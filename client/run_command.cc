#include "run_command.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kiln/cache/local_artifact_store.h"
#include "kiln/client/command_request.h"
#include "kiln/client/kiln_client.h"
#include "kiln/runtime/trap.h"
#include "kiln/runtime/value.h"
#include "kiln/wasm/artifact_format.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/module.h"
#include "kiln/wasm/types.h"
#include "cancel_on_signal.h"
#include "compile_options_wire.h"
#include "load_report.h"
#include "local_engine.h"
#include "module_file.h"
#include "module_source.h"
#include "run_program.h"
#include "value_text.h"
#include "wire_values.h"

namespace kiln::client {
namespace {

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
    return RunUsage(absl::StrCat(options.path, " is an artifact; kilnd takes modules (or cache keys)"));
  }
  CancelOnSignal cancel_on_signal;
  absl::StatusOr<std::unique_ptr<KilnClient>> client = KilnClient::Connect(options.server);
  if (!client.ok()) return RunUsage(client.status().message());
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
  *request.mutable_module()->mutable_options() = ToWire(options.compiler);
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
  CommandRequest request = CommandRequest::ForModule(bytes, ToWire(options.compiler));
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
      return RunUsage(added.message());
    }
    if (!dir.read_only) writable[dir.guest_path] = dir.host_path;
  }
  request.ReturnFiles(!writable.empty());
  absl::StatusOr<std::string> in = ReadStdin();
  if (!in.ok()) return RunUsage(in.status().message());
  request.Stdin(*std::move(in));

  CancelOnSignal cancel_on_signal;
  absl::StatusOr<std::unique_ptr<KilnClient>> client = KilnClient::Connect(options.server);
  if (!client.ok()) return RunUsage(client.status().message());
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
  absl::StatusOr<RunOptions> options = ParseRunCommandLine(args);
  if (!options.ok()) return RunUsage(options.status().message());
  if (!options->server.target.empty()) {
    if (!options->tcp_listen.empty()) {
      return RunUsage("--tcplisten is for programs run here: kilnd gives its programs no sockets");
    }
    if (options->invoke.has_value() &&
        (!options->program_args.empty() || !options->dirs.empty() || !options->env.empty() ||
         options->env_inherit)) {
      return RunUsage("with --server, --dir and --env are for WASI programs, not --invoke");
    }
    absl::StatusOr<std::vector<uint8_t>> bytes = ReadModuleSource(options->path);
    if (!bytes.ok()) {
      PrintError(bytes.status().message());
      return kExitBadModule;
    }
    if (!options->invoke.has_value() && IsWasiCommand(*bytes)) {
      return RunCommandOnServer(*options, *std::move(bytes));
    }
    return RunOnServer(*options, *std::move(bytes));
  }

  LocalEngineOptions engine_options;
  engine_options.compiler = options->compiler;
  if (options->use_cache) {
    engine_options.cache_dir =
        options->cache_dir.empty() ? cache::DefaultCacheDir() : options->cache_dir;
  }
  absl::StatusOr<std::unique_ptr<LocalEngine>> engine = LocalEngine::Create(engine_options);
  if (!engine.ok() && !engine_options.cache_dir.empty()) {
    // A cache that cannot be opened only costs time: run without it.
    const std::string why(engine.status().message());
    engine_options.cache_dir.clear();
    engine = LocalEngine::Create(engine_options);
    if (engine.ok()) PrintError(absl::StrCat("warning: running without the artifact cache: ", why));
  }
  if (!engine.ok()) return RunUsage(engine.status().message());

  absl::StatusOr<std::vector<uint8_t>> bytes = ReadModuleSource(options->path);
  if (!bytes.ok()) {
    PrintError(bytes.status().message());
    return kExitBadModule;
  }
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module;
  if (wasm::HasArtifactMagic(*bytes)) {
    if (options->compiler_options_given) {
      return RunUsage(absl::StrCat("--opt-level and --cpu choose how to compile; ", options->path,
                                " is compiled already"));
    }
    module = (*engine)->LoadArtifact(*bytes);
  } else {
    LoadReport report;
    module = (*engine)->Load(*std::move(bytes), &report);
    if (module.ok() && options->verbose) PrintLoadReport(report, engine_options.cache_dir);
  }
  if (!module.ok()) {
    PrintError(absl::StrCat(options->path, ": ", module.status().message()));
    return kExitBadModule;
  }
  return RunLoadedModule(*options, (*engine)->engine(), *module);
}

}  // namespace kiln::client
