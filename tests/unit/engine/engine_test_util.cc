#include "engine_test_util.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/validator.h"
#include "kiln/wasm/vm_abi.h"

namespace kiln::engine_test {

absl::StatusOr<wasm::CodeImage> CompileImage(const jit::Compiler& compiler, const Bytes& bytes) {
  absl::StatusOr<wasm::Module> module = wasm::DecodeModule(bytes);
  if (!module.ok()) return module.status();
  if (absl::Status status = wasm::ValidateModule(*module); !status.ok()) return status;
  return compiler.Compile(*module);
}

absl::StatusOr<std::shared_ptr<const runtime::Module>> CompileModule(
    runtime::Engine& engine, const Bytes& bytes, const jit::CompilerOptions& options) {
  absl::StatusOr<std::unique_ptr<jit::Compiler>> compiler = jit::Compiler::Create(options);
  if (!compiler.ok()) return compiler.status();
  absl::StatusOr<wasm::CodeImage> image = CompileImage(**compiler, bytes);
  if (!image.ok()) return image.status();
  // Load keeps its own copy of the bytes: the decoded module above pointed
  // into `bytes` and is gone by now.
  return runtime::Module::Load(engine, bytes, *image);
}

absl::StatusOr<runtime::Instance> Instantiate(runtime::Store& store, const Bytes& bytes,
                                              const runtime::Linker& linker,
                                              const jit::CompilerOptions& options) {
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
      CompileModule(store.engine(), bytes, options);
  if (!module.ok()) return module.status();
  return linker.Instantiate(store, *module);
}

absl::StatusOr<std::vector<Value>> Invoke(runtime::Store& store, const runtime::Instance& instance,
                                          std::string_view name, std::vector<Value> args) {
  absl::StatusOr<runtime::Func> func = instance.GetFunc(name);
  if (!func.ok()) return func.status();
  return store.Call(*func, args);
}

absl::StatusOr<int32_t> InvokeI32(runtime::Store& store, const runtime::Instance& instance,
                                  std::string_view name, std::vector<Value> args) {
  absl::StatusOr<std::vector<Value>> results = Invoke(store, instance, name, std::move(args));
  if (!results.ok()) return results.status();
  if (results->size() != 1 || (*results)[0].type() != ValType::kI32) {
    return absl::InternalError(absl::StrCat("\"", std::string(name),
                                            "\" did not return exactly one i32"));
  }
  return (*results)[0].i32();
}

::testing::AssertionResult IsTrap(const absl::Status& status, TrapCode code) {
  const std::string_view expected = vm::TrapMessage(code);
  if (status.ok()) {
    return ::testing::AssertionFailure() << "expected trap \"" << expected << "\", got OK";
  }
  const std::optional<TrapCode> actual = runtime::GetTrapCode(status);
  if (!actual.has_value()) {
    return ::testing::AssertionFailure()
           << "expected trap \"" << expected << "\", got a non-trap error: " << status;
  }
  if (*actual != code) {
    return ::testing::AssertionFailure()
           << "expected trap \"" << expected << "\", got trap code "
           << static_cast<uint32_t>(*actual) << ": " << status;
  }
  if (status.code() != absl::StatusCode::kAborted) {
    return ::testing::AssertionFailure() << "a trap must be ABORTED, got " << status;
  }
  if (Message(status).rfind(expected, 0) != 0) {
    return ::testing::AssertionFailure()
           << "message must start with \"" << expected << "\", got " << status;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult HasError(const absl::Status& status, absl::StatusCode code,
                                    std::string_view text) {
  if (status.code() != code || Message(status).find(text) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "expected " << absl::StatusCodeToString(code) << " containing \"" << text
           << "\", got " << status;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace kiln::engine_test
