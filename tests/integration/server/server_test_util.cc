#include "server_test_util.h"

#include <chrono>
#include <fstream>
#include <future>
#include <iterator>
#include <thread>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/strings/str_cat.h"
#include "module_builder.h"
#include "module_generator.h"

namespace kiln::server_test {

using wasm::ExternKind;
using wasm::Opcode;
using wasm::ValType;
using wasm::test::Encoder;
using wasm::test::ModuleBuilder;

std::string Describe(const grpc::Status& status) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int code = status.error_code();
  const std::string name = code >= 0 && code <= 16 ? kNames[code] : absl::StrCat("code ", code);
  return absl::StrCat(name, ": ", status.error_message());
}

// ---- modules ---------------------------------------------------------------

Bytes ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

wasm::test::Encoder GrowMemoryUntilRefused() {
  // block { loop { memory.grow(1) == -1 ? break : continue } } memory.size
  return wasm::test::Encoder()
      .Block()
      .Loop()
      .I32Const(1)
      .Op(wasm::Opcode::kMemoryGrow)
      .Byte(0)
      .I32Const(-1)
      .Op(wasm::Opcode::kI32Eq)
      .BrIf(1)
      .Br(0)
      .End()
      .End()
      .Op(wasm::Opcode::kMemorySize)
      .Byte(0)
      .End();
}

Bytes FibModule() { return ReadFileBytes(KILN_SAMPLES_DIR "/fib.wasm"); }
Bytes AdditionChains(uint32_t count, uint32_t work, uint32_t changed) {
  wasm::test::ModuleBuilder m;
  const uint32_t i_i = m.AddType({wasm::ValType::kI32}, {wasm::ValType::kI32});
  for (uint32_t i = 0; i < count; ++i) {
    wasm::test::Encoder body;
    body.LocalGet(0);
    for (uint32_t k = 0; k < work; ++k) {
      const int32_t c = static_cast<int32_t>(i * 7919 + k * 31 + (i == changed ? 1 : 0));
      body.I32Const(c).Op(wasm::Opcode::kI32Add);
    }
    m.AddFunction(i_i, {}, body.End());
  }
  return m.Build();
}

Bytes InvalidModule() { return ReadFileBytes(KILN_SAMPLES_DIR "/invalid.wasm"); }
Bytes ImportsModule() { return ReadFileBytes(KILN_TEST_MODULES_DIR "/imports.wasm"); }
Bytes StartTrapModule() { return ReadFileBytes(KILN_TEST_MODULES_DIR "/start_trap.wasm"); }

Bytes ConstModule(int32_t value) {
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {ValType::kI32});
  const uint32_t get = m.AddFunction(type, {}, Encoder().I32Const(value).End());
  m.AddExport("get", ExternKind::kFunc, get);
  return m.Build();
}

Bytes DataModule(uint32_t data_bytes) {
  ModuleBuilder m;
  const uint32_t type = m.AddType({}, {ValType::kI32});
  const uint32_t get = m.AddFunction(type, {}, Encoder().I32Const(0).End());
  m.AddExport("get", ExternKind::kFunc, get);
  m.AddMemory(data_bytes / 65536 + 1);
  std::string data(data_bytes, '\0');
  for (uint32_t i = 0; i < data_bytes; ++i) data[i] = static_cast<char>((i * 7) % 251);
  m.AddActiveData(0, data);
  return m.Build();
}

Bytes HostileModule() {
  ModuleBuilder m;
  const uint32_t void_type = m.AddType({}, {});
  const uint32_t i32_type = m.AddType({}, {ValType::kI32});
  const uint32_t div_type = m.AddType({ValType::kI32, ValType::kI32}, {ValType::kI32});
  m.AddMemory(1);
  const uint32_t spin = m.AddFunction(void_type, {}, Encoder().Loop().Br(0).End().End());
  const uint32_t bomb = m.AddFunction(i32_type, {}, GrowMemoryUntilRefused());
  const uint32_t recurse_index = m.num_functions();
  const uint32_t recurse = m.AddFunction(void_type, {}, Encoder().Call(recurse_index).End());
  const uint32_t div =
      m.AddFunction(div_type, {}, Encoder().LocalGet(0).LocalGet(1).Op(Opcode::kI32DivS).End());
  m.AddExport("spin", ExternKind::kFunc, spin);
  m.AddExport("bomb", ExternKind::kFunc, bomb);
  m.AddExport("recurse", ExternKind::kFunc, recurse);
  m.AddExport("div", ExternKind::kFunc, div);
  return m.Build();
}

v1::Value I32(int32_t v) {
  v1::Value value;
  value.set_i32(v);
  return value;
}

v1::Value I64(int64_t v) {
  v1::Value value;
  value.set_i64(v);
  return value;
}

// ---- the fixture -----------------------------------------------------------

void KilndTest::StartDaemon(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"--cache-dir",    cache_dir_, "--threads",       "2",
                                "--memory-cache", "64M",      "--time-limit-ms", "2000",
                                "--max-memory",   "16M"};
  args.insert(args.end(), extra.begin(), extra.end());
  StartDaemonWithArgs(args);
}

void KilndTest::StartDaemonWithArgs(const std::vector<std::string>& args) {
  absl::StatusOr<std::unique_ptr<KilndProcess>> process =
      KilndProcess::Start(args, dir_.path() + "/kilnd.log");
  ASSERT_TRUE(process.ok()) << process.status().message();
  daemon_ = *std::move(process);
  UseChannel(daemon_->NewChannel());
}

void KilndTest::UseChannel(std::shared_ptr<grpc::Channel> channel) {
  channel_ = std::move(channel);
  compile_ = v1::CompileService::NewStub(channel_);
  execution_ = v1::ExecutionService::NewStub(channel_);
  admin_ = v1::AdminService::NewStub(channel_);
}

void KilndTest::Prepare(grpc::ClientContext& context, std::chrono::milliseconds deadline) const {
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
}

Reply<v1::CompileResponse> KilndTest::Compile(const Bytes& module,
                                              const v1::CompileOptions& options,
                                              bool return_artifact) {
  v1::CompileRequest request;
  request.set_module(module.data(), module.size());
  *request.mutable_options() = options;
  request.set_return_artifact(return_artifact);
  Reply<v1::CompileResponse> reply;
  grpc::ClientContext context;
  Prepare(context);
  reply.status = compile_->Compile(&context, request, &reply.response);
  return reply;
}

Reply<v1::CompileResponse> KilndTest::CompileStream(const Bytes& module, size_t chunk,
                                                    bool declare_size, bool return_artifact) {
  Reply<v1::CompileResponse> reply;
  grpc::ClientContext context;
  Prepare(context);
  std::unique_ptr<grpc::ClientWriter<v1::CompileStreamRequest>> writer =
      compile_->CompileStream(&context, &reply.response);
  size_t offset = 0;
  bool first = true;
  do {
    v1::CompileStreamRequest message;
    if (first) {
      message.set_return_artifact(return_artifact);
      if (declare_size) message.set_module_size(module.size());
    }
    const size_t n = std::min(chunk, module.size() - offset);
    message.set_module_chunk(module.data() + offset, n);
    offset += n;
    first = false;
    // A refused upload stops accepting writes; Finish says why.
    if (!writer->Write(message)) break;
  } while (offset < module.size());
  writer->WritesDone();
  reply.status = writer->Finish();
  return reply;
}

Reply<std::string> KilndTest::GetArtifact(const std::string& key, uint64_t* total_size,
                                          int* chunks) {
  v1::GetArtifactRequest request;
  request.set_cache_key(key);
  Reply<std::string> reply;
  grpc::ClientContext context;
  Prepare(context);
  std::unique_ptr<grpc::ClientReader<v1::ArtifactChunk>> reader =
      compile_->GetArtifact(&context, request);
  v1::ArtifactChunk chunk;
  int count = 0;
  while (reader->Read(&chunk)) {
    if (count == 0 && total_size != nullptr) *total_size = chunk.total_size();
    reply.response += chunk.data();
    ++count;
  }
  if (chunks != nullptr) *chunks = count;
  reply.status = reader->Finish();
  return reply;
}

Reply<v1::FindMissingResponse> KilndTest::FindMissing(const std::vector<std::string>& keys) {
  v1::FindMissingRequest request;
  for (const std::string& key : keys) request.add_cache_keys(key);
  Reply<v1::FindMissingResponse> reply;
  grpc::ClientContext context;
  Prepare(context);
  reply.status = compile_->FindMissing(&context, request, &reply.response);
  return reply;
}

Reply<v1::GetFingerprintResponse> KilndTest::GetFingerprint(const v1::CompileOptions& options) {
  v1::GetFingerprintRequest request;
  *request.mutable_options() = options;
  Reply<v1::GetFingerprintResponse> reply;
  grpc::ClientContext context;
  Prepare(context);
  reply.status = compile_->GetFingerprint(&context, request, &reply.response);
  return reply;
}

Reply<v1::InstantiateResponse> KilndTest::Instantiate(const Bytes& module,
                                                      const v1::StoreLimits& limits) {
  v1::InstantiateRequest request;
  request.mutable_module()->set_module(module.data(), module.size());
  *request.mutable_limits() = limits;
  Reply<v1::InstantiateResponse> reply;
  grpc::ClientContext context;
  Prepare(context);
  reply.status = execution_->Instantiate(&context, request, &reply.response);
  return reply;
}

Reply<v1::InstantiateResponse> KilndTest::InstantiateByKey(const std::string& key) {
  v1::InstantiateRequest request;
  request.mutable_module()->set_cache_key(key);
  Reply<v1::InstantiateResponse> reply;
  grpc::ClientContext context;
  Prepare(context);
  reply.status = execution_->Instantiate(&context, request, &reply.response);
  return reply;
}

Reply<v1::InvokeResponse> KilndTest::Invoke(const std::string& instance, const std::string& name,
                                            const std::vector<v1::Value>& args) {
  v1::InvokeRequest request;
  request.set_instance_id(instance);
  request.set_export_name(name);
  for (const v1::Value& arg : args) *request.add_args() = arg;
  Reply<v1::InvokeResponse> reply;
  grpc::ClientContext context;
  Prepare(context);
  reply.status = execution_->Invoke(&context, request, &reply.response);
  return reply;
}

Reply<v1::DropInstanceResponse> KilndTest::DropInstance(const std::string& instance) {
  v1::DropInstanceRequest request;
  request.set_instance_id(instance);
  Reply<v1::DropInstanceResponse> reply;
  grpc::ClientContext context;
  Prepare(context);
  reply.status = execution_->DropInstance(&context, request, &reply.response);
  return reply;
}

Reply<v1::ExecuteResponse> KilndTest::Execute(const Bytes& module, const std::string& name,
                                              const std::vector<v1::Value>& args,
                                              const v1::StoreLimits& limits) {
  v1::ExecuteRequest request;
  request.mutable_module()->set_module(module.data(), module.size());
  *request.mutable_limits() = limits;
  request.set_export_name(name);
  for (const v1::Value& arg : args) *request.add_args() = arg;
  Reply<v1::ExecuteResponse> reply;
  grpc::ClientContext context;
  Prepare(context);
  reply.status = execution_->Execute(&context, request, &reply.response);
  return reply;
}

Reply<v1::StatsResponse> KilndTest::Stats() {
  Reply<v1::StatsResponse> reply;
  grpc::ClientContext context;
  Prepare(context);
  reply.status = admin_->Stats(&context, v1::StatsRequest(), &reply.response);
  return reply;
}

bool KilndTest::WaitForRequestsStarted(uint64_t baseline, uint64_t count) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  // Each Stats call is a request too, counted in its own answer.
  for (uint64_t stats_calls = 1; std::chrono::steady_clock::now() < give_up; ++stats_calls) {
    Reply<v1::StatsResponse> stats = Stats();
    if (stats.status.ok() && stats.response.requests() >= baseline + stats_calls + count) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

KilndTest::CompileSeenInFlight KilndTest::StartCompileSeenInFlight(uint32_t seed,
                                                                   uint32_t functions) {
  for (int size = 0; size < 8; ++size, ++seed, functions *= 2) {
    CompileSeenInFlight compile;
    compile.functions = functions;
    compile.module =
        wasm::bench::GenerateModule({.num_functions = functions, .seed = seed}).bytes;
    compile.reply =
        std::async(std::launch::async, [this, bytes = compile.module] { return Compile(bytes); });
    // Polls until it is seen, or until it has answered (too quick to see).
    while (compile.reply.wait_for(std::chrono::milliseconds(2)) != std::future_status::ready) {
      Reply<v1::StatsResponse> stats = Stats();
      if (stats.status.ok() && stats.response.compiles_in_flight() > 0) return compile;
    }
  }
  ADD_FAILURE() << "no compile, up to " << functions / 2 << " functions, was seen in flight";
  return {};
}

grpc::Status KilndTest::HealthCheck(int* serving) {
  // No health stubs ship with Debian's gRPC, so the call goes out as bytes:
  // an empty HealthCheckRequest (service ""), and a HealthCheckResponse
  // whose only field is `status = 1` (varint).
  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  *serving = 0;
  std::vector<grpc::Slice> slices;
  if (status.ok() && response.Dump(&slices).ok()) {
    std::string bytes;
    for (const grpc::Slice& s : slices)
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    if (bytes.size() == 2 && bytes[0] == 0x08) *serving = bytes[1];
  }
  return status;
}

grpc::Status KilndTest::ReflectedServices(std::string* names) {
  // ServerReflectionRequest{list_services: ""} is field 7, an empty string;
  // the reply lists each service's full name as a string field, which is
  // all a test needs to see in its bytes.
  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::CompletionQueue queue;
  auto step = [&queue](void* expected) {
    void* tag = nullptr;
    bool ok = false;
    return queue.Next(&tag, &ok) && tag == expected && ok;
  };
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  int tags[5];
  call->StartCall(&tags[0]);
  bool ok = step(&tags[0]);
  const char list_services[] = {0x3a, 0x00};
  grpc::Slice slice(list_services, sizeof list_services);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  if (ok) {
    call->Write(request, &tags[1]);
    ok = step(&tags[1]);
  }
  if (ok) {
    call->WritesDone(&tags[2]);
    ok = step(&tags[2]);
  }
  if (ok) {
    call->Read(&response, &tags[3]);
    ok = step(&tags[3]);
  }
  grpc::Status status;
  call->Finish(&status, &tags[4]);
  step(&tags[4]);
  queue.Shutdown();
  void* tag;
  bool drained;
  while (queue.Next(&tag, &drained)) {
  }
  names->clear();
  std::vector<grpc::Slice> slices;
  if (ok && response.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices)
      names->append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  if (status.ok() && !ok) return grpc::Status(grpc::StatusCode::UNKNOWN, "the stream broke");
  return status;
}

}  // namespace kiln::server_test
