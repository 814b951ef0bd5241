#include "run_program.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kiln/runtime/extern.h"
#include "kiln/runtime/linker.h"
#include "kiln/runtime/store.h"
#include "kiln/wasi/wasi_context.h"
#include "kiln/wasm/module.h"
#include "kiln/wasm/types.h"
#include "load_report.h"
#include "tcp_listener.h"
#include "value_text.h"

extern char** environ;

namespace kiln::client {
namespace {

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

}  // namespace

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

namespace {

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

}  // namespace

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

int RunLoadedModule(const RunOptions& options, runtime::Engine& engine,
                    const std::shared_ptr<const runtime::Module>& module) {
  const wasm::Module& wasm = module->wasm();

  // WASI's functions are the only imports offered: any other is unresolved.
  bool uses_wasi = false;
  bool unresolved = false;
  for (const wasm::Import& import : wasm.imports) {
    if (import.module == std::string(wasi::kPreview1Module)) {
      uses_wasi = true;
      continue;
    }
    PrintError(absl::StrCat(options.path, ": unresolved import ", DescribeImport(wasm, import)));
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
  if (!options.program_args.empty() && !is_command) {
    return RunUsage(absl::StrCat(options.path, " exports no \"_start\": it takes no program ",
                              "arguments (to call an export, use --invoke NAME ARG...)"));
  }

  // Check the invocation before anything runs (the start function included).
  const wasm::FuncType* type = nullptr;
  std::vector<runtime::Value> arguments;
  if (options.invoke.has_value()) {
    absl::StatusOr<const wasm::FuncType*> found = ExportedFuncType(wasm, *options.invoke);
    if (!found.ok()) {
      PrintError(found.status().message());
      return kExitUsage;
    }
    type = *found;
    absl::StatusOr<std::vector<runtime::Value>> parsed =
        ParseArguments(*options.invoke, *type, options.args);
    if (!parsed.ok()) {
      PrintError(parsed.status().message());
      return kExitUsage;
    }
    arguments = *std::move(parsed);
  }

  // The program's world. argv[0] is the module's path, as wasmtime gives it.
  wasi::WasiOptions world;
  world.args.push_back(options.path);
  world.args.insert(world.args.end(), options.program_args.begin(), options.program_args.end());
  if (options.env_inherit) {
    for (char** entry = environ; *entry != nullptr; ++entry) world.env.push_back(*entry);
  }
  world.env.insert(world.env.end(), options.env.begin(), options.env.end());
  world.preopens = options.dirs;
  std::vector<TcpListener> listeners;
  for (const std::string& address : options.tcp_listen) {
    absl::StatusOr<TcpListener> listener = TcpListener::Listen(address);
    if (!listener.ok()) return RunUsage(listener.status().message());
    world.sockets.push_back(listener->fd());
    if (options.verbose) {
      std::fprintf(stderr, "kiln: listening on %s as descriptor %zu\n",
                   listener->bound_address().c_str(), 3 + options.dirs.size() + listeners.size());
    }
    listeners.push_back(*std::move(listener));
  }
  absl::StatusOr<std::unique_ptr<wasi::WasiContext>> wasi_context = wasi::WasiContext::Create(world);
  if (!wasi_context.ok()) return RunUsage(wasi_context.status().message());

  runtime::Store store(engine);
  runtime::Linker linker;
  (*wasi_context)->Define(store, linker);
  absl::StatusOr<runtime::Instance> instance = linker.Instantiate(store, module);
  if (!instance.ok()) return ReportRunError(instance.status(), " while instantiating");

  if (!options.invoke.has_value()) {
    if (!is_command) return kExitOk;
    // Output the guest wrote through its own descriptors comes before ours.
    std::fflush(stdout);
    absl::StatusOr<int> exit_code = (*wasi_context)->RunCommand(store, *instance);
    if (!exit_code.ok()) return ReportRunError(exit_code.status(), "");
    return *exit_code;
  }

  absl::StatusOr<runtime::Func> func = instance->GetFunc(*options.invoke);
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
