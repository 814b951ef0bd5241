#include "fuzz_harness.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <variant>

#include "absl/strings/str_cat.h"
#include "epoch_ticker.h"
#include "kiln/runtime/extern.h"
#include "kiln/runtime/linker.h"
#include "kiln/runtime/store.h"
#include "oneapi/tbb/task_arena.h"

namespace kiln::fuzz {
namespace {

// A deadline of kDeadlineTicks periods: generated code is not instrumented,
// so anything a small module does legitimately ends well within ~20 ms;
// what does not is an endless loop, and costs only this much per call.
constexpr std::chrono::milliseconds kEpochPeriod{1};
constexpr uint64_t kDeadlineTicks = 20;
// An input whose exports keep running into the deadline would spend
// seconds on them and teach the fuzzer nothing more after a few.
constexpr int kMaxInterruptedCalls = 3;
constexpr size_t kMaxCalls = 100;

runtime::StoreLimits FuzzStoreLimits() {
  runtime::StoreLimits limits;
  limits.max_memory_bytes = 16 << 20;  // 256 pages, all memories together
  limits.max_table_elements = 10'000;
  return limits;
}

bool IsBugTrap(runtime::TrapCode code) {
  return code == runtime::TrapCode::kUnexpectedFault ||
         code == runtime::TrapCode::kIllegalInstruction;
}

// Stubs every import of `module` in `store`; the first one the Store
// refuses (a memory or table over its limits) ends it with that error.
absl::Status DefineStubImports(runtime::Store& store, const wasm::Module& module,
                               runtime::Linker& linker) {
  for (const wasm::Import& import : module.imports) {
    switch (import.kind) {
      case wasm::ExternKind::kFunc: {
        const wasm::FuncType& type = module.types[import.func_type_index];
        runtime::Func func = store.CreateHostFunc(
            type, [results_types = type.results](std::span<const runtime::Value>,
                                                 std::span<runtime::Value> results) {
              for (size_t i = 0; i < results.size(); ++i) {
                results[i] = runtime::Value::Zero(results_types[i]);
              }
              return absl::OkStatus();
            });
        linker.Define(import.module, import.name, func);
        break;
      }
      case wasm::ExternKind::kTable: {
        absl::StatusOr<runtime::Table> table = store.CreateTable(
            import.table, runtime::Value::Ref(import.table.element, nullptr));
        if (!table.ok()) return table.status();
        linker.Define(import.module, import.name, *table);
        break;
      }
      case wasm::ExternKind::kMemory: {
        absl::StatusOr<runtime::Memory> memory = store.CreateMemory(import.memory);
        if (!memory.ok()) return memory.status();
        linker.Define(import.module, import.name, *memory);
        break;
      }
      case wasm::ExternKind::kGlobal: {
        absl::StatusOr<runtime::Global> global =
            store.CreateGlobal(import.global, runtime::Value::Zero(import.global.type));
        if (!global.ok()) return global.status();
        linker.Define(import.module, import.name, *global);
        break;
      }
    }
  }
  return absl::OkStatus();
}

// A refusal from creating an import's stub or from Linker::Instantiate.
void CheckInstantiateError(const absl::Status& status) {
  if (std::optional<runtime::TrapCode> trap = runtime::GetTrapCode(status)) {
    if (IsBugTrap(*trap)) ContractBroken("instantiation trapped with a Kiln bug's trap", status);
    return;
  }
  switch (status.code()) {
    case absl::StatusCode::kNotFound:           // an import the stubs do not match
    case absl::StatusCode::kInvalidArgument:    // incompatible import type
    case absl::StatusCode::kResourceExhausted:  // a Store limit
      return;
    default:
      ContractBroken("instantiation failed outside its contract", status);
  }
}

}  // namespace

runtime::Engine& FuzzEngine() {
  // Never destroyed: libFuzzer leaves through exit() from any thread, and
  // a ticker joined in a static destructor could race that.
  static runtime::Engine* const engine = new runtime::Engine();
  static spec::EpochTicker* const ticker = new spec::EpochTicker(*engine, kEpochPeriod);
  (void)ticker;
  return *engine;
}

absl::StatusOr<wasm::CodeImage> CompileSerially(const jit::Compiler& compiler,
                                                const wasm::Module& module) {
  static tbb::task_arena* const arena = new tbb::task_arena(1);
  return arena->execute([&] { return compiler.Compile(module); });
}

RunOutcome RunExports(const std::shared_ptr<const runtime::Module>& module) {
  RunOutcome outcome;
  runtime::Store store(module->engine(), FuzzStoreLimits());
  store.SetEpochDeadline(kDeadlineTicks);
  runtime::Linker linker;
  absl::StatusOr<runtime::Instance> instance = [&]() -> absl::StatusOr<runtime::Instance> {
    if (absl::Status s = DefineStubImports(store, module->wasm(), linker); !s.ok()) return s;
    return linker.Instantiate(store, module);
  }();
  if (!instance.ok()) {
    CheckInstantiateError(instance.status());
    outcome.instantiate = instance.status();
    outcome.instantiate_trap = runtime::GetTrapCode(instance.status());
    return outcome;
  }
  int interrupted = 0;
  for (const auto& [name, value] : instance->exports()) {
    const runtime::Func* func = std::get_if<runtime::Func>(&value);
    if (func == nullptr) continue;
    if (outcome.calls.size() == kMaxCalls || interrupted == kMaxInterruptedCalls) break;
    const wasm::FuncType& type = func->type();
    std::vector<runtime::Value> args;
    for (wasm::ValType param : type.params) args.push_back(runtime::Value::Zero(param));
    store.SetEpochDeadline(kDeadlineTicks);
    absl::StatusOr<std::vector<runtime::Value>> results = store.Call(*func, args);
    CallOutcome call;
    call.name = name;
    if (results.ok()) {
      if (results->size() != type.results.size()) {
        ContractBroken("a call returned the wrong number of results", absl::OkStatus());
      }
      for (size_t i = 0; i < results->size(); ++i) {
        if ((*results)[i].type() != type.results[i]) {
          ContractBroken("a call returned a result of the wrong type", absl::OkStatus());
        }
      }
      call.results = *std::move(results);
    } else {
      call.trap = runtime::GetTrapCode(results.status());
      if (!call.trap.has_value()) ContractBroken("a call failed but did not trap", results.status());
      if (IsBugTrap(*call.trap)) ContractBroken("a call trapped with a Kiln bug's trap", results.status());
      // Reads the backtrace's payload and the frames' names back.
      (void)runtime::FormatBacktrace(runtime::GetTrapBacktrace(results.status()));
      if (call.interrupted()) ++interrupted;
    }
    outcome.calls.push_back(std::move(call));
  }
  return outcome;
}

bool SameOutcome(const RunOutcome& a, const RunOutcome& b) {
  if (a.instantiate.code() != b.instantiate.code() || a.instantiate_trap != b.instantiate_trap) {
    // A start function that ran into its deadline in one run only.
    return a.instantiate_trap == runtime::TrapCode::kInterrupted ||
           b.instantiate_trap == runtime::TrapCode::kInterrupted;
  }
  for (size_t i = 0; i < a.calls.size() && i < b.calls.size(); ++i) {
    if (a.calls[i].interrupted() || b.calls[i].interrupted()) return true;
    if (!(a.calls[i] == b.calls[i])) return false;
  }
  return a.calls.size() == b.calls.size();
}

std::string DescribeOutcome(const RunOutcome& outcome) {
  std::string text = absl::StrCat("instantiate: ", outcome.instantiate.ToString());
  for (const CallOutcome& call : outcome.calls) {
    absl::StrAppend(&text, "; ", call.name, ":");
    if (call.trap.has_value()) {
      absl::StrAppend(&text, " trap ", std::string(vm::TrapMessage(*call.trap)));
    }
    for (const runtime::Value& v : call.results) absl::StrAppend(&text, " ", v.ToString());
  }
  return text;
}

}  // namespace kiln::fuzz
