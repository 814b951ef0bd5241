#include "kiln/runtime/module.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "code_memory.h"
#include "kiln/wasm/decoder.h"

namespace kiln::runtime {

absl::StatusOr<std::shared_ptr<const Module>> Module::Load(Engine& engine,
                                                           std::vector<uint8_t> wasm_bytes,
                                                           const wasm::CodeImage& image) {
  std::shared_ptr<Module> module(new Module());
  module->engine_ = &engine;
  module->bytes_ = std::move(wasm_bytes);
  absl::StatusOr<wasm::Module> decoded = wasm::DecodeModule(module->bytes_);
  if (!decoded.ok()) return decoded.status();
  module->module_ = std::move(*decoded);
  const wasm::Module& m = module->module_;
  if (image.functions.size() != m.bodies.size() ||
      image.entry_trampolines.size() != m.types.size() ||
      image.exit_trampolines.size() != m.types.size()) {
    return absl::InvalidArgumentError("code image does not match the module");
  }
  for (const wasm::CompiledFunction& f : image.functions) {
    if (uint64_t{f.code_offset} + f.code_size > image.text_size) {
      return absl::InvalidArgumentError("code image has a function outside its text");
    }
    module->function_offsets_.push_back(f.code_offset);
  }
  absl::StatusOr<std::unique_ptr<CodeMemory>> code = CodeMemory::Map(image);
  if (!code.ok()) return code.status();
  module->code_ = std::move(*code);
  module->entry_trampolines_ = image.entry_trampolines;
  module->exit_trampolines_ = image.exit_trampolines;
  for (const wasm::FuncType& type : m.types) {
    module->type_ids_.push_back(engine.signatures().Intern(type));
  }
  return module;
}

Module::~Module() = default;

const void* Module::function_code(uint32_t function_index) const {
  return code_->base() + function_offsets_[function_index - module_.num_imported_functions];
}

vm::EntryTrampoline Module::entry_trampoline(uint32_t type_index) const {
  const uint32_t offset = entry_trampolines_[type_index];
  if (offset == wasm::CodeImage::kNoTrampoline) return nullptr;
  return reinterpret_cast<vm::EntryTrampoline>(
      reinterpret_cast<uintptr_t>(code_->base() + offset));
}

const void* Module::exit_trampoline(uint32_t type_index) const {
  const uint32_t offset = exit_trampolines_[type_index];
  return offset == wasm::CodeImage::kNoTrampoline ? nullptr : code_->base() + offset;
}

bool Module::ContainsPc(uintptr_t pc) const {
  const auto base = reinterpret_cast<uintptr_t>(code_->base());
  return pc >= base && pc < base + code_->text_size();
}

}  // namespace kiln::runtime
