// kiln/runtime/module.h — a compiled module, loaded and ready to
// instantiate.
//
// A Module owns its declarations (wasm bytes), their decoded form and its
// machine code, mapped executable. It is immutable and thread-safe: any number of Stores,
// on any threads, may instantiate it at once. It must outlive the Stores
// that instantiate it (they hold it by shared_ptr).
#ifndef KILN_RUNTIME_MODULE_H_
#define KILN_RUNTIME_MODULE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/runtime/artifact.h"
#include "kiln/runtime/engine.h"
#include "kiln/wasm/code_image.h"
#include "kiln/wasm/module.h"
#include "kiln/wasm/vm_abi.h"

namespace kiln::wasm {
struct CodeLayout;
}  // namespace kiln::wasm

namespace kiln::runtime {

class CodeMemory;

class Module {
 public:
  // Loads `image`, compiled from `wasm_bytes` (which must be valid: the
  // compiler checked them), and interns its function types in `engine`
  // (released by ~Module). FAILED_PRECONDITION if this host's CPU cannot
  // run it (compiled for another CPU), as for an artifact.
  static absl::StatusOr<std::shared_ptr<const Module>> Load(Engine& engine,
                                                            std::vector<uint8_t> wasm_bytes,
                                                            const wasm::CodeImage& image);
  // Loads a serialized artifact (kiln/jit/artifact_writer.h): checks its
  // framing and digest (DATA_LOSS, INVALID_ARGUMENT, FAILED_PRECONDITION
  // for another format version: kiln/wasm/artifact_format.h) and its
  // module section (DATA_LOSS unless it decodes and passes the module-level
  // validation rules: a sealed artifact is not trusted to be well formed,
  // only to be what its writer wrote), then refuses
  // with FAILED_PRECONDITION one made by another Kiln version, one whose
  // fingerprint is not `options.expected_fingerprint` (when set), or one
  // this host's CPU cannot run. The bytes are not referenced afterwards.
  static absl::StatusOr<std::shared_ptr<const Module>> LoadArtifact(
      Engine& engine, std::span<const uint8_t> artifact, const ArtifactLoadOptions& options = {});
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  Engine& engine() const { return *engine_; }
  const wasm::Module& wasm() const { return module_; }
  // The compiler fingerprint of its code (jit::Compiler::fingerprint).
  const std::string& fingerprint() const { return fingerprint_; }
  // Interned SignatureId of each type index, held until the Module is
  // destroyed.
  const std::vector<SignatureId>& type_ids() const { return type_ids_; }

  // Native code of defined function `function_index`, and the trampolines
  // of type index `type_index` (null when the module has none).
  const void* function_code(uint32_t function_index) const;
  vm::EntryTrampoline entry_trampoline(uint32_t type_index) const;
  const void* exit_trampoline(uint32_t type_index) const;

  // Whether `pc` is inside this module's generated code.
  bool ContainsPc(uintptr_t pc) const;

  // Where `pc` is in a defined function's code: its defined index and the
  // offset from its start (binary search over the function records), or
  // nullopt outside every function (a trampoline, padding, elsewhere).
  // Allocates nothing: signal handlers use it.
  struct CodePosition {
    uint32_t defined_index;
    uint32_t code_offset;
  };
  std::optional<CodePosition> FindFunction(uintptr_t pc) const;

  // Appends the wasm frames at `pc`, innermost first (more than one where
  // calls were inlined). `return_address`: pc follows a call, so the call
  // itself is looked up. Nothing when pc is outside every function.
  void AppendWasmFrames(uintptr_t pc, bool return_address,
                        std::vector<wasm::WasmLocation>* frames) const;

  // The function's name from the module's "name" section, or empty.
  std::string_view FunctionName(uint32_t function_index) const;

  // The module offset of the instruction at `body_line` (vm_abi.h) of a
  // defined function; 0 when unknown.
  uint64_t ModuleOffset(uint32_t function_index, uint32_t body_line) const;

 private:
  Module() = default;
  // The shared tail of both loads; `code` is copied. `from_artifact`: the
  // declarations come from an artifact and are checked (DATA_LOSS).
  static absl::StatusOr<std::shared_ptr<const Module>> Create(Engine& engine,
                                                              std::vector<uint8_t> wasm_bytes,
                                                              std::span<const uint8_t> code,
                                                              const wasm::CodeLayout& layout,
                                                              std::string fingerprint,
                                                              bool from_artifact);

  Engine* engine_ = nullptr;
  std::shared_ptr<SignatureRegistry> signatures_;  // holds type_ids_
  std::string fingerprint_;
  std::vector<uint8_t> bytes_;
  wasm::Module module_;
  std::vector<SignatureId> type_ids_;
  std::unique_ptr<CodeMemory> code_;
  std::vector<uint32_t> function_offsets_;   // per defined function, increasing
  std::vector<uint32_t> function_sizes_;     // per defined function
  std::vector<wasm::AddressMap> address_maps_;  // per defined function, or none
  std::vector<uint32_t> entry_trampolines_;  // per type index
  std::vector<uint32_t> exit_trampolines_;   // per type index
};

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_MODULE_H_
