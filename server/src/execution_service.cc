#include "kiln/server/execution_service.h"

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kiln/wasi/wasi_context.h"
#include "absl/strings/str_join.h"
#include "kiln/runtime/artifact.h"
#include "kiln/runtime/linker.h"
#include "kiln/runtime/thread_stack.h"
#include "kiln/runtime/trap.h"
#include "kiln/server/rpc_status.h"
#include "kiln/wasm/module.h"
#include "kiln/wasm/types.h"
#include "wire_values.h"

namespace kiln::server {
namespace {

using Clock = std::chrono::steady_clock;

// The Trap a trap status stands for, or nullopt for any other status.
std::optional<v1::Trap> AsTrap(const absl::Status& status) { return wire::TrapToWire(status); }

// Bytes of stack below this frame on the calling thread.
absl::StatusOr<uint64_t> StackRoom() {
  const uintptr_t bottom = runtime::CurrentThreadStack().low;
  if (bottom == 0) return absl::InternalError("cannot read this thread's stack size");
  const char here = 0;
  const auto sp = reinterpret_cast<uintptr_t>(&here);
  return sp > bottom ? sp - bottom : 0;
}

// Refuses to run wasm on a thread that could not hold a full-depth guest:
// its overflow would hit the guard page of a host stack, not the engine's
// limit.
absl::Status CheckStackRoom(const runtime::Engine& engine) {
  absl::StatusOr<uint64_t> room = StackRoom();
  if (!room.ok()) return room.status();
  const uint64_t needed = engine.config().max_wasm_stack + runtime::kHostStackReserve;
  if (*room < needed) {
    return absl::ResourceExhaustedError(absl::StrCat("this server thread has ", *room >> 10,
                                                     " KiB of stack left; running wasm needs ",
                                                     needed >> 10, " KiB"));
  }
  return absl::OkStatus();
}

v1::ExternKind ToWireKind(wasm::ExternKind kind) {
  switch (kind) {
    case wasm::ExternKind::kFunc:
      return v1::EXTERN_KIND_FUNCTION;
    case wasm::ExternKind::kTable:
      return v1::EXTERN_KIND_TABLE;
    case wasm::ExternKind::kMemory:
      return v1::EXTERN_KIND_MEMORY;
    case wasm::ExternKind::kGlobal:
      return v1::EXTERN_KIND_GLOBAL;
  }
  return v1::EXTERN_KIND_UNSPECIFIED;
}

void DescribeExports(const wasm::Module& module,
                     google::protobuf::RepeatedPtrField<v1::Export>* exports) {
  for (const wasm::Export& e : module.exports) {
    v1::Export* wire = exports->Add();
    wire->set_name(e.name);
    wire->set_kind(ToWireKind(e.kind));
    if (e.kind == wasm::ExternKind::kFunc) {
      *wire->mutable_func_type() = wire::ToWire(module.function_type(e.index));
    }
    wire->set_type(runtime::EntityTypeText(module, e.kind, e.index));
  }
}

// The daemon offers host functions only to commands, WASI's; a module that
// imports anything else cannot be instantiated: say what it wants.
absl::Status RefuseImports(const wasm::Module& module, bool offer_wasi) {
  std::vector<const wasm::Import*> unresolved;
  for (const wasm::Import& import : module.imports) {
    if (offer_wasi && import.module == std::string(wasi::kPreview1Module)) continue;
    unresolved.push_back(&import);
  }
  if (unresolved.empty()) return absl::OkStatus();
  const wasm::Import& first = *unresolved.front();
  std::string what(wasm::ExternKindName(first.kind));
  if (first.kind == wasm::ExternKind::kFunc) {
    absl::StrAppend(&what, " ", wasm::FuncTypeToString(module.types[first.func_type_index]));
  }
  std::string message =
      absl::StrCat("unresolved import \"", first.module, "\" \"", first.name, "\" (", what, ")");
  if (unresolved.size() > 1) {
    absl::StrAppend(&message, " and ", unresolved.size() - 1, " more");
  }
  absl::StrAppend(&message, offer_wasi
                                ? ": kilnd offers WASI (wasi_snapshot_preview1) alone"
                                : ": kilnd offers host functions (WASI) only to RunCommand, so "
                                  "modules with imports cannot run here");
  return absl::InvalidArgumentError(message);
}

// The type of exported function `name`, checked before anything runs.
absl::StatusOr<const wasm::FuncType*> ExportedFunctionType(const wasm::Module& module,
                                                           const std::string& name) {
  for (const wasm::Export& e : module.exports) {
    if (e.name != name) continue;
    if (e.kind != wasm::ExternKind::kFunc) {
      return absl::InvalidArgumentError(absl::StrCat("export \"", name, "\" is a ",
                                                     std::string(wasm::ExternKindName(e.kind)),
                                                     ", not a function"));
    }
    return &module.function_type(e.index);
  }
  return absl::NotFoundError(absl::StrCat("no export named \"", name, "\""));
}

std::string TypeList(std::span<const wasm::ValType> types) {
  return absl::StrJoin(types, " ", [](std::string* out, wasm::ValType t) {
    absl::StrAppend(out, std::string(wasm::ValTypeName(t)));
  });
}

// `args` as runtime values, checked against `type`: their number, then each
// one's type.
absl::StatusOr<std::vector<runtime::Value>> ReadArguments(
    const std::string& name, const wasm::FuncType& type,
    const google::protobuf::RepeatedPtrField<v1::Value>& args) {
  if (static_cast<size_t>(args.size()) != type.params.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" takes ", type.params.size(),
                     type.params.size() == 1 ? " argument" : " arguments", " [",
                     TypeList(type.params), "], got ", args.size()));
  }
  std::vector<runtime::Value> values;
  values.reserve(type.params.size());
  for (size_t i = 0; i < type.params.size(); ++i) {
    const v1::Value& arg = args[static_cast<int>(i)];
    const std::string expected(wasm::ValTypeName(type.params[i]));
    std::optional<wasm::ValType> actual = wire::TypeOf(arg);
    if (!actual.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("argument ", i + 1, " of \"", name,
                                                     "\": expected ", expected,
                                                     ", got an unset or malformed value"));
    }
    if (*actual != type.params[i]) {
      return absl::InvalidArgumentError(absl::StrCat("argument ", i + 1, " of \"", name,
                                                     "\": expected ", expected, ", got ",
                                                     std::string(wasm::ValTypeName(*actual))));
    }
    absl::StatusOr<runtime::Value> value = wire::FromWire(arg);
    if (!value.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("argument ", i + 1, " of \"", name, "\": ", value.status().message()));
    }
    values.push_back(*value);
  }
  return values;
}

// Clients choose instance IDs in their requests; only well-formed ones are
// worth a place in the log.
std::string_view LoggableId(const std::string& id) {
  return id.size() <= 64 ? std::string_view(id) : std::string_view("(too long)");
}

std::string_view TrapKindLogName(const v1::Trap& trap) {
  // "TRAP_KIND_INTERRUPTED" -> "INTERRUPTED"
  std::string_view name = v1::TrapKind_Name(trap.kind());
  constexpr std::string_view kPrefix = "TRAP_KIND_";
  if (name.substr(0, kPrefix.size()) == kPrefix) name.remove_prefix(kPrefix.size());
  return name;
}

// The runtime names a Store's limit by its size; the caller also needs to
// know where that came from. The budget's refusals name their flag
// themselves.
absl::Status ExplainStoreLimit(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kResourceExhausted || runtime::IsBudgetExhausted(status)) {
    return status;
  }
  return absl::ResourceExhaustedError(
      absl::StrCat(status.message(),
                   " (a Store's limits are kilnd's --max-memory and --max-table-elements, or "
                   "lower ones from the request's StoreLimits)"));
}

grpc::Status UnknownInstance(const std::string& id) {
  return grpc::Status(grpc::StatusCode::NOT_FOUND,
                      absl::StrCat("no instance \"", std::string(LoggableId(id)),
                                   "\" (never made, dropped, or expired after being idle)"));
}

// A call's trap or results into an InvokeResponse or ExecuteResponse (the
// two have the same outcome fields), and into the request's log line.
template <typename Outcome, typename Response>
void WriteOutcome(Outcome outcome, Response& response, RequestRecord& record) {
  response.set_run_micros(outcome.run_micros);
  if (outcome.trap.has_value()) {
    record.Add("trap", TrapKindLogName(*outcome.trap));
    *response.mutable_trap() = *std::move(outcome.trap);
  } else {
    v1::Results* results = response.mutable_results();
    for (const runtime::Value& value : outcome.results) *results->add_values() = wire::ToWire(value);
  }
  record.Add("run_us", outcome.run_micros);
}

}  // namespace

ExecutionServiceImpl::ExecutionServiceImpl(Dependencies deps, ExecutionLimits limits)
    : deps_(deps), limits_(limits) {}

absl::StatusOr<runtime::MemoryBudget::Reservation> ExecutionServiceImpl::HoldModuleBytes(
    const v1::ModuleSource& source) {
  if (source.source_case() != v1::ModuleSource::kModule) {
    return runtime::MemoryBudget::Reservation();
  }
  return deps_.budget.Reserve(source.module().size(), "this request's module bytes");
}

runtime::StoreLimits ExecutionServiceImpl::StoreLimitsFor(const v1::StoreLimits& requested) const {
  runtime::StoreLimits limits;
  limits.max_memory_bytes = requested.max_memory_bytes() == 0
                                ? limits_.max_memory_bytes
                                : std::min(requested.max_memory_bytes(), limits_.max_memory_bytes);
  limits.max_table_elements =
      requested.max_table_elements() == 0
          ? limits_.max_table_elements
          : std::min(requested.max_table_elements(), limits_.max_table_elements);
  limits.budget = &deps_.budget;
  return limits;
}

std::chrono::milliseconds ExecutionServiceImpl::TimeLimitFor(
    const v1::StoreLimits& requested) const {
  const uint32_t ms = requested.time_limit_ms() == 0
                          ? limits_.time_limit_ms
                          : std::min(requested.time_limit_ms(), limits_.time_limit_ms);
  return std::chrono::milliseconds(ms);
}

void ExecutionServiceImpl::ArmDeadline(runtime::Store& store, std::chrono::milliseconds time_limit,
                                       const grpc::ServerContext& context) const {
  // Running past the caller's deadline is work for nobody.
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      context.deadline() - std::chrono::system_clock::now());
  const std::chrono::milliseconds limit =
      std::max(std::chrono::milliseconds(1), std::min(time_limit, left));
  store.SetEpochDeadline(deps_.ticker.TicksFor(limit));
}

absl::StatusOr<std::shared_ptr<const runtime::Module>> ExecutionServiceImpl::LoadCached(
    const cache::CacheKey& key) {
  if (std::shared_ptr<const runtime::Module> module = deps_.loaded_modules.Find(key)) {
    return module;
  }
  cache::Blob artifact = deps_.pipeline.store().Get(key);
  if (artifact == nullptr) {
    return absl::NotFoundError(absl::StrCat("no artifact is cached under key ", key.ToHex()));
  }
  // Any compiler's artifact of this Kiln version that this host can run:
  // the key came from a client, which may have compiled for a baseline CPU
  // (the loader still refuses code this CPU cannot run).
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
      runtime::Module::LoadArtifact(deps_.engine, *artifact);
  if (!module.ok()) return module.status();
  deps_.loaded_modules.Insert(key, *module);
  return module;
}

absl::StatusOr<ExecutionServiceImpl::ResolvedModule> ExecutionServiceImpl::LoadCompiled(
    std::span<const uint8_t> bytes, const v1::CompileOptions& options,
    const grpc::ServerContext& context) {
  absl::StatusOr<CompileOutcome> compiled =
      deps_.pipeline.Compile(bytes, options, CancelledBy(context));
  if (!compiled.ok()) return ExplainCancellation(compiled.status(), context);
  ResolvedModule resolved{.key = compiled->key, .cache_hit = compiled->cache_hit};
  resolved.module = deps_.loaded_modules.Find(compiled->key);
  if (resolved.module == nullptr) {
    absl::StatusOr<std::shared_ptr<const runtime::Module>> module = runtime::Module::LoadArtifact(
        deps_.engine, *compiled->artifact, {.expected_fingerprint = compiled->fingerprint});
    if (!module.ok()) return module.status();
    resolved.module = *std::move(module);
    deps_.loaded_modules.Insert(compiled->key, resolved.module);
  }
  return resolved;
}

absl::StatusOr<ExecutionServiceImpl::ResolvedModule> ExecutionServiceImpl::Resolve(
    const v1::ModuleSource& source, const grpc::ServerContext& context, bool offer_wasi) {
  absl::StatusOr<ResolvedModule> resolved;
  switch (source.source_case()) {
    case v1::ModuleSource::kCacheKey: {
      std::optional<cache::CacheKey> key = cache::CacheKey::FromHex(source.cache_key());
      if (!key.has_value()) {
        return absl::InvalidArgumentError("malformed cache key: expected 64 lowercase hex digits");
      }
      absl::StatusOr<std::shared_ptr<const runtime::Module>> module = LoadCached(*key);
      if (!module.ok()) return module.status();
      resolved = ResolvedModule{.module = *std::move(module), .key = *key, .cache_hit = true};
      break;
    }
    case v1::ModuleSource::kModule: {
      const std::string& bytes = source.module();
      resolved =
          LoadCompiled(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
                       source.options(), context);
      break;
    }
    default:
      return absl::InvalidArgumentError("the module source is empty: set cache_key or module");
  }
  if (!resolved.ok()) return resolved;
  if (absl::Status status = RefuseImports(resolved->module->wasm(), offer_wasi); !status.ok()) {
    return status;
  }
  return resolved;
}

absl::StatusOr<ExecutionServiceImpl::Instantiated> ExecutionServiceImpl::InstantiateInStore(
    const ResolvedModule& resolved, const v1::StoreLimits& limits,
    const grpc::ServerContext& context, std::unique_ptr<runtime::Store> store,
    const runtime::Linker* linker) {
  if (absl::Status status = CheckStackRoom(deps_.engine); !status.ok()) return status;
  Instantiated result;
  result.store = store != nullptr
                     ? std::move(store)
                     : std::make_unique<runtime::Store>(deps_.engine, StoreLimitsFor(limits));
  const runtime::Linker no_imports;
  // The start function is guest code too.
  ArmDeadline(*result.store, TimeLimitFor(limits), context);
  absl::StatusOr<runtime::Instance> instance;
  {
    CancelWatcher::Watch watch = deps_.cancels.Start(context, *result.store);
    instance = (linker != nullptr ? *linker : no_imports).Instantiate(*result.store, resolved.module);
  }
  if (absl::Status gone = CallerGone(instance.status(), context); !gone.ok()) return gone;
  if (instance.ok()) {
    result.instance = *instance;
  } else if (std::optional<v1::Trap> trap = AsTrap(instance.status())) {
    result.start_trap = *std::move(trap);
  } else {
    return ExplainStoreLimit(instance.status());
  }
  return result;
}

// A guest interrupted because its caller cancelled (or its deadline passed:
// gRPC cancels the call then too) is not the time limit at work: the call
// ends CANCELLED (DEADLINE_EXCEEDED), which is what the request log shows.
// OK for anything else.
absl::Status ExecutionServiceImpl::CallerGone(const absl::Status& status,
                                              const grpc::ServerContext& context) {
  if (runtime::GetTrapCode(status) != runtime::TrapCode::kInterrupted || !context.IsCancelled()) {
    return absl::OkStatus();
  }
  return ExplainCancellation(
      absl::CancelledError("the caller cancelled the call; its guest was interrupted"), context);
}

absl::StatusOr<ExecutionServiceImpl::CallOutcome> ExecutionServiceImpl::Call(
    runtime::Store& store, runtime::Func func, std::span<const runtime::Value> args,
    std::chrono::milliseconds time_limit, const grpc::ServerContext& context) {
  if (absl::Status status = CheckStackRoom(deps_.engine); !status.ok()) return status;
  ArmDeadline(store, time_limit, context);
  CallOutcome outcome;
  const Clock::time_point start = Clock::now();
  absl::StatusOr<std::vector<runtime::Value>> results;
  {
    CancelWatcher::Watch watch = deps_.cancels.Start(context, store);
    results = store.Call(func, args);
  }
  if (absl::Status gone = CallerGone(results.status(), context); !gone.ok()) return gone;
  outcome.run_micros = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
  if (results.ok()) {
    outcome.results = *std::move(results);
  } else if (std::optional<v1::Trap> trap = AsTrap(results.status())) {
    outcome.trap = *std::move(trap);
  } else {
    return results.status();
  }
  return outcome;
}

grpc::Status ExecutionServiceImpl::Instantiate(grpc::ServerContext* context,
                                               const v1::InstantiateRequest* request,
                                               v1::InstantiateResponse* response) {
  RequestRecord record(deps_.log, "Instantiate", context);
  if (grpc::Status status = deps_.auth.Check(*context); !status.ok()) return record.Finish(status);
  absl::StatusOr<runtime::MemoryBudget::Reservation> module_bytes =
      HoldModuleBytes(request->module());
  if (!module_bytes.ok()) return record.Finish(ToGrpcStatus(module_bytes.status()));
  absl::StatusOr<ResolvedModule> resolved = Resolve(request->module(), *context);
  if (!resolved.ok()) return record.Finish(ToGrpcStatus(resolved.status()));
  record.Add("key", resolved->key.ToHex()).Add("cache_hit", resolved->cache_hit);
  response->set_cache_key(resolved->key.ToHex());
  response->set_cache_hit(resolved->cache_hit);

  absl::StatusOr<InstanceRegistry::Reservation> room = deps_.instances.Reserve();
  if (!room.ok()) return record.Finish(ToGrpcStatus(room.status()));
  absl::StatusOr<Instantiated> made = InstantiateInStore(*resolved, request->limits(), *context);
  if (!made.ok()) return record.Finish(ToGrpcStatus(made.status()));
  if (made->start_trap.has_value()) {
    record.Add("start_trap", TrapKindLogName(*made->start_trap));
    *response->mutable_start_trap() = *std::move(made->start_trap);
    return record.Finish(grpc::Status::OK);
  }
  auto live = std::make_shared<LiveInstance>(resolved->module, std::move(made->store),
                                             *made->instance, TimeLimitFor(request->limits()));
  const std::string id = deps_.instances.Add(*std::move(room), std::move(live));
  record.Add("instance", id);
  response->set_instance_id(id);
  DescribeExports(resolved->module->wasm(), response->mutable_exports());
  return record.Finish(grpc::Status::OK);
}

grpc::Status ExecutionServiceImpl::Invoke(grpc::ServerContext* context,
                                          const v1::InvokeRequest* request,
                                          v1::InvokeResponse* response) {
  RequestRecord record(deps_.log, "Invoke", context);
  if (grpc::Status status = deps_.auth.Check(*context); !status.ok()) return record.Finish(status);
  record.Add("instance", LoggableId(request->instance_id()));
  InstanceRegistry::Lease instance = deps_.instances.Use(request->instance_id());
  if (!instance) {
    return record.Finish(UnknownInstance(request->instance_id()));
  }
  record.Add("export", request->export_name());
  // One call at a time per Store; callers queue here.
  std::lock_guard call_lock(instance->call_mutex);
  absl::StatusOr<runtime::Func> func = instance->instance.GetFunc(request->export_name());
  if (!func.ok()) return record.Finish(ToGrpcStatus(func.status()));
  absl::StatusOr<std::vector<runtime::Value>> args =
      ReadArguments(request->export_name(), func->type(), request->args());
  if (!args.ok()) return record.Finish(ToGrpcStatus(args.status()));
  absl::StatusOr<CallOutcome> outcome =
      Call(*instance->store, *func, *args, instance->time_limit, *context);
  if (!outcome.ok()) return record.Finish(ToGrpcStatus(outcome.status()));
  WriteOutcome(*std::move(outcome), *response, record);
  return record.Finish(grpc::Status::OK);
}

grpc::Status ExecutionServiceImpl::DropInstance(grpc::ServerContext* context,
                                                const v1::DropInstanceRequest* request,
                                                v1::DropInstanceResponse* /*response*/) {
  RequestRecord record(deps_.log, "DropInstance", context);
  if (grpc::Status status = deps_.auth.Check(*context); !status.ok()) return record.Finish(status);
  record.Add("instance", LoggableId(request->instance_id()));
  if (!deps_.instances.Drop(request->instance_id())) {
    return record.Finish(UnknownInstance(request->instance_id()));
  }
  return record.Finish(grpc::Status::OK);
}

grpc::Status ExecutionServiceImpl::Execute(grpc::ServerContext* context,
                                           const v1::ExecuteRequest* request,
                                           v1::ExecuteResponse* response) {
  RequestRecord record(deps_.log, "Execute", context);
  if (grpc::Status status = deps_.auth.Check(*context); !status.ok()) return record.Finish(status);
  absl::StatusOr<runtime::MemoryBudget::Reservation> module_bytes =
      HoldModuleBytes(request->module());
  if (!module_bytes.ok()) return record.Finish(ToGrpcStatus(module_bytes.status()));
  absl::StatusOr<ResolvedModule> resolved = Resolve(request->module(), *context);
  if (!resolved.ok()) return record.Finish(ToGrpcStatus(resolved.status()));
  record.Add("key", resolved->key.ToHex())
      .Add("cache_hit", resolved->cache_hit)
      .Add("export", request->export_name());
  response->set_cache_key(resolved->key.ToHex());
  response->set_cache_hit(resolved->cache_hit);

  // The call is checked before anything runs, the start function included.
  absl::StatusOr<const wasm::FuncType*> type =
      ExportedFunctionType(resolved->module->wasm(), request->export_name());
  if (!type.ok()) return record.Finish(ToGrpcStatus(type.status()));
  absl::StatusOr<std::vector<runtime::Value>> args =
      ReadArguments(request->export_name(), **type, request->args());
  if (!args.ok()) return record.Finish(ToGrpcStatus(args.status()));

  // The Store lives as long as this call, an instance like any other: a
  // flood of Executes meets --max-instances instead of building Stores
  // without bound.
  absl::StatusOr<InstanceRegistry::Reservation> room = deps_.instances.Reserve();
  if (!room.ok()) return record.Finish(ToGrpcStatus(room.status()));
  absl::StatusOr<Instantiated> made = InstantiateInStore(*resolved, request->limits(), *context);
  if (!made.ok()) return record.Finish(ToGrpcStatus(made.status()));
  if (made->start_trap.has_value()) {
    record.Add("start_trap", TrapKindLogName(*made->start_trap));
    *response->mutable_trap() = *std::move(made->start_trap);
    return record.Finish(grpc::Status::OK);
  }
  absl::StatusOr<runtime::Func> func = made->instance->GetFunc(request->export_name());
  if (!func.ok()) return record.Finish(ToGrpcStatus(func.status()));
  absl::StatusOr<CallOutcome> outcome =
      Call(*made->store, *func, *args, TimeLimitFor(request->limits()), *context);
  if (!outcome.ok()) return record.Finish(ToGrpcStatus(outcome.status()));
  WriteOutcome(*std::move(outcome), *response, record);
  return record.Finish(grpc::Status::OK);
}

grpc::Status ExecutionServiceImpl::RunCommand(grpc::ServerContext* context,
                                              const v1::RunCommandRequest* request,
                                              grpc::ServerWriter<v1::RunCommandReply>* writer) {
  RequestRecord record(deps_.log, "RunCommand", context);
  if (grpc::Status status = deps_.auth.Check(*context); !status.ok()) return record.Finish(status);
  // The whole request (module, stdin, files) is in memory while it lasts.
  absl::StatusOr<runtime::MemoryBudget::Reservation> request_bytes =
      deps_.budget.Reserve(request->ByteSizeLong(), "this request's module, stdin and files");
  if (!request_bytes.ok()) return record.Finish(ToGrpcStatus(request_bytes.status()));
  absl::StatusOr<ResolvedModule> resolved = Resolve(request->module(), *context, /*offer_wasi=*/true);
  if (!resolved.ok()) return record.Finish(ToGrpcStatus(resolved.status()));
  record.Add("key", resolved->key.ToHex()).Add("cache_hit", resolved->cache_hit);
  v1::RunCommandResult result;
  result.set_cache_key(resolved->key.ToHex());
  result.set_cache_hit(resolved->cache_hit);
  if (ExportedFunctionType(resolved->module->wasm(), "_start").ok() == false) {
    return record.Finish(ToGrpcStatus(absl::InvalidArgumentError(
        "the module exports no \"_start\" function: it is not a WASI command")));
  }

  absl::StatusOr<std::unique_ptr<CommandWorld>> world = CommandWorld::Create(*request, limits_.command);
  if (!world.ok()) return record.Finish(ToGrpcStatus(world.status()));
  absl::StatusOr<InstanceRegistry::Reservation> room = deps_.instances.Reserve();
  if (!room.ok()) return record.Finish(ToGrpcStatus(room.status()));

  auto store = std::make_unique<runtime::Store>(deps_.engine, StoreLimitsFor(request->limits()));
  runtime::Store* running = store.get();
  wasi::WasiOptions options = (*world)->wasi_options();
  // A guest waiting in poll_oneoff stops at its deadline like running code.
  options.interrupted = [running] { return running->interrupted(); };
  absl::StatusOr<std::unique_ptr<wasi::WasiContext>> wasi_context = wasi::WasiContext::Create(options);
  if (!wasi_context.ok()) return record.Finish(ToGrpcStatus(wasi_context.status()));
  (*world)->CloseOutputWriters();
  const uint64_t max_output =
      request->max_output_bytes() == 0
          ? limits_.command.max_output_bytes
          : std::min(request->max_output_bytes(), limits_.command.max_output_bytes);
  (*world)->StartOutputPump(
      [writer](v1::RunCommandReply&& reply) { return writer->Write(reply); }, max_output,
      [running] { running->Interrupt(); });

  runtime::Linker linker;
  (*wasi_context)->Define(*store, linker);
  std::optional<v1::Trap> trap;
  std::optional<int> exit_code;
  const Clock::time_point start = Clock::now();
  absl::Status failure;
  {
    absl::StatusOr<Instantiated> made =
        InstantiateInStore(*resolved, request->limits(), *context, std::move(store), &linker);
    if (!made.ok()) {
      failure = made.status();
    } else if (made->start_trap.has_value()) {
      trap = std::move(made->start_trap);
    } else {
      ArmDeadline(*made->store, TimeLimitFor(request->limits()), *context);
      absl::StatusOr<int> code;
      {
        CancelWatcher::Watch watch = deps_.cancels.Start(*context, *made->store);
        code = (*wasi_context)->RunCommand(*made->store, *made->instance);
      }
      if (absl::Status gone = CallerGone(code.status(), *context); !gone.ok()) {
        failure = gone;
      } else if (code.ok()) {
        exit_code = *code;
      } else if (std::optional<v1::Trap> wire_trap = AsTrap(code.status())) {
        trap = std::move(wire_trap);
      } else {
        failure = code.status();
      }
    }
    // The Store and the WASI context (with its copies of the output
    // pipes) go before the pump is awaited: then the streams end.
  }
  wasi_context->reset();
  const bool output_over_limit = (*world)->FinishOutputPump();
  result.set_run_micros(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count()));
  if (output_over_limit) {
    return record.Finish(ToGrpcStatus(absl::ResourceExhaustedError(absl::StrCat(
        "the program wrote more than ", max_output,
        " bytes to stdout and stderr together (--max-output-bytes); it was stopped"))));
  }
  if (!failure.ok()) return record.Finish(ToGrpcStatus(ExplainStoreLimit(failure)));
  if (trap.has_value()) {
    record.Add("trap", TrapKindLogName(*trap));
    *result.mutable_trap() = *std::move(trap);
  } else {
    record.Add("exit_code", std::to_string(*exit_code));
    result.set_exit_code(*exit_code);
  }
  if (request->return_files()) {
    if (absl::Status collected = (*world)->CollectFiles(&result, limits_.command.max_output_bytes);
        !collected.ok()) {
      return record.Finish(ToGrpcStatus(collected));
    }
  }
  v1::RunCommandReply last;
  *last.mutable_result() = std::move(result);
  writer->Write(last);
  return record.Finish(grpc::Status::OK);
}

}  // namespace kiln::server
