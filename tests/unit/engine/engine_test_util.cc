#include "engine_test_util.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "kiln/jit/artifact_writer.h"
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

void ExpectSameImage(const wasm::CodeImage& a, const wasm::CodeImage& b) {
  EXPECT_EQ(a.text_size, b.text_size);
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_EQ(a.entry_trampolines, b.entry_trampolines);
  EXPECT_EQ(a.exit_trampolines, b.exit_trampolines);
  ASSERT_EQ(a.functions.size(), b.functions.size());
  for (size_t i = 0; i < a.functions.size(); ++i) {
    EXPECT_EQ(a.functions[i].code_offset, b.functions[i].code_offset) << "function " << i;
    EXPECT_EQ(a.functions[i].code_size, b.functions[i].code_size) << "function " << i;
  }
  ASSERT_EQ(a.bytes.size(), b.bytes.size());
  // Byte for byte; report the first difference rather than two huge blobs.
  for (size_t i = 0; i < a.bytes.size(); ++i) {
    if (a.bytes[i] != b.bytes[i]) {
      ADD_FAILURE() << "images differ first at byte " << i << " of " << a.bytes.size();
      return;
    }
  }
}

void ExpectSameArtifact(const Bytes& module, const wasm::CodeImage& a, const wasm::CodeImage& b) {
  absl::StatusOr<std::vector<uint8_t>> first = jit::WriteArtifact(module, a);
  absl::StatusOr<std::vector<uint8_t>> second = jit::WriteArtifact(module, b);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(*first == *second) << "artifacts differ (" << first->size() << " and "
                                 << second->size() << " bytes)";
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
