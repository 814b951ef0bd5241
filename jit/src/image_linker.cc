#include "image_linker.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "address_maps.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "module_env.h"

namespace kiln::jit {
namespace {

constexpr uint64_t kPageSize = 4096;

uint64_t AlignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

absl::Status LlvmError(llvm::Error error, std::string_view what) {
  return absl::InternalError(
      absl::StrCat(std::string(what), ": ", llvm::toString(std::move(error))));
}

// One allocated section of one object and where it lands in the image.
struct PlacedSection {
  size_t object = 0;
  llvm::object::SectionRef section;
  bool executable = false;
  uint64_t image_offset = 0;
};

}  // namespace

absl::StatusOr<wasm::CodeImage> LinkImage(const wasm::Module& module,
                                          std::span<const std::span<const uint8_t>> objects,
                                          const std::vector<uint32_t>& canonical_type) {
  std::vector<std::unique_ptr<llvm::object::ObjectFile>> files;
  for (std::span<const uint8_t> bytes : objects) {
    auto file = llvm::object::ObjectFile::createObjectFile(llvm::MemoryBufferRef(
        llvm::StringRef(reinterpret_cast<const char*>(bytes.data()), bytes.size()), "batch"));
    if (!file) return LlvmError(file.takeError(), "reading a compiled object");
    files.push_back(std::move(*file));
  }

  // Place sections: text first, then read-only data on fresh pages.
  std::vector<PlacedSection> placed;
  // (object, section index) -> image offset
  absl::flat_hash_map<std::pair<size_t, uint64_t>, uint64_t> section_offsets;
  uint64_t cursor = 0;
  for (int pass = 0; pass < 2; ++pass) {
    const bool want_text = pass == 0;
    if (!want_text) cursor = AlignUp(cursor, kPageSize);
    for (size_t i = 0; i < files.size(); ++i) {
      for (const llvm::object::SectionRef& section : files[i]->sections()) {
        llvm::object::ELFSectionRef elf(section);
        if ((elf.getFlags() & llvm::ELF::SHF_ALLOC) == 0 || section.getSize() == 0) continue;
        llvm::Expected<llvm::StringRef> name = section.getName();
        if (!name) return LlvmError(name.takeError(), "reading a section name");
        if (*name == ".eh_frame") continue;  // traps unwind with longjmp
        if ((elf.getFlags() & llvm::ELF::SHF_WRITE) != 0) {
          return absl::InternalError(
              absl::StrCat("generated code has a writable section ", name->str()));
        }
        const bool executable = (elf.getFlags() & llvm::ELF::SHF_EXECINSTR) != 0;
        if (executable != want_text) continue;
        cursor = AlignUp(cursor, std::max<uint64_t>(section.getAlignment().value(), 16));
        placed.push_back({i, section, executable, cursor});
        section_offsets[{i, section.getIndex()}] = cursor;
        cursor += section.getSize();
      }
    }
    if (want_text) cursor = AlignUp(cursor, kPageSize);
  }
  if (cursor > (uint64_t{1} << 31)) {
    return absl::ResourceExhaustedError("generated code is larger than 2 GiB");
  }

  wasm::CodeImage image;
  image.bytes.assign(cursor, 0);
  image.text_size = 0;
  for (const PlacedSection& p : placed) {
    if (p.executable) {
      image.text_size = static_cast<uint32_t>(AlignUp(p.image_offset + p.section.getSize(), kPageSize));
    }
    if (p.section.isBSS()) continue;
    llvm::Expected<llvm::StringRef> contents = p.section.getContents();
    if (!contents) return LlvmError(contents.takeError(), "reading section contents");
    std::memcpy(image.bytes.data() + p.image_offset, contents->data(), contents->size());
  }

  // Our symbols ("kiln_*"), wherever they are defined.
  struct DefinedSymbol {
    uint64_t offset;
    uint64_t size;
  };
  absl::flat_hash_map<std::string, DefinedSymbol> symbols;
  for (size_t i = 0; i < files.size(); ++i) {
    for (const llvm::object::SymbolRef& symbol : files[i]->symbols()) {
      llvm::Expected<llvm::StringRef> name = symbol.getName();
      if (!name) return LlvmError(name.takeError(), "reading a symbol name");
      if (!name->starts_with("kiln_")) continue;
      llvm::Expected<llvm::object::section_iterator> section = symbol.getSection();
      if (!section) return LlvmError(section.takeError(), "reading a symbol's section");
      if (*section == files[i]->section_end()) continue;  // undefined here
      llvm::Expected<uint64_t> value = symbol.getValue();
      if (!value) return LlvmError(value.takeError(), "reading a symbol's value");
      auto it = section_offsets.find({i, (*section)->getIndex()});
      if (it == section_offsets.end()) continue;
      symbols[name->str()] = {it->second + *value, llvm::object::ELFSymbolRef(symbol).getSize()};
    }
  }

  // Resolve every relocation of every placed section.
  struct AppliedRelocation {
    uint64_t at;
    wasm::Relocation::Target target;
    uint32_t index;
    int64_t addend;
  };
  std::vector<AppliedRelocation> applied;
  for (size_t i = 0; i < files.size(); ++i) {
    for (const llvm::object::SectionRef& rel_section : files[i]->sections()) {
      llvm::Expected<llvm::object::section_iterator> target = rel_section.getRelocatedSection();
      if (!target) return LlvmError(target.takeError(), "reading a relocation section");
      if (*target == files[i]->section_end()) continue;
      auto placed_target = section_offsets.find({i, (*target)->getIndex()});
      if (placed_target == section_offsets.end()) continue;  // e.g. .eh_frame
      for (const llvm::object::RelocationRef& relocation : rel_section.relocations()) {
        const uint64_t at = placed_target->second + relocation.getOffset();
        llvm::Expected<int64_t> addend = llvm::object::ELFRelocationRef(relocation).getAddend();
        if (!addend) return LlvmError(addend.takeError(), "reading a relocation addend");
        llvm::object::symbol_iterator symbol = relocation.getSymbol();
        if (symbol == files[i]->symbol_end()) {
          return absl::InternalError("a relocation without a symbol");
        }
        llvm::Expected<llvm::StringRef> name = symbol->getName();
        if (!name) return LlvmError(name.takeError(), "reading a symbol name");
        llvm::Expected<llvm::object::section_iterator> section = symbol->getSection();
        if (!section) return LlvmError(section.takeError(), "reading a symbol's section");
        uint64_t target_offset;
        wasm::Relocation::Target kind = wasm::Relocation::Target::kReadOnlyData;
        uint32_t index = 0;
        if (*section == files[i]->section_end()) {
          auto it = symbols.find(name->str());
          if (it == symbols.end()) {
            return absl::InternalError(absl::StrCat(
                "generated code refers to ", name->str(),
                ", which the image does not define (a library call the target CPU lacks an "
                "instruction for?)"));
          }
          target_offset = it->second.offset;
        } else {
          auto it = section_offsets.find({i, (*section)->getIndex()});
          if (it == section_offsets.end()) {
            return absl::InternalError(
                absl::StrCat("generated code refers to an unplaced section via ", name->str()));
          }
          llvm::Expected<uint64_t> value = symbol->getValue();
          if (!value) return LlvmError(value.takeError(), "reading a symbol's value");
          target_offset = it->second + *value;
        }
        uint32_t function_index;
        if (name->consume_front("kiln_f") && absl::SimpleAtoi(name->str(), &function_index)) {
          kind = wasm::Relocation::Target::kFunction;
          index = function_index;
        } else {
          index = static_cast<uint32_t>(target_offset);
        }
        switch (relocation.getType()) {
          case llvm::ELF::R_X86_64_PC32:
          case llvm::ELF::R_X86_64_PLT32: {
            const int64_t value =
                static_cast<int64_t>(target_offset) + *addend - static_cast<int64_t>(at);
            const auto narrow = static_cast<int32_t>(value);
            std::memcpy(image.bytes.data() + at, &narrow, sizeof(narrow));
            break;
          }
          default:
            return absl::InternalError(absl::StrCat(
                "generated code has an unsupported relocation (type ", relocation.getType(), ")"));
        }
        applied.push_back({at, kind, index, *addend});
      }
    }
  }

  // One record per defined function, with the relocations inside it.
  std::sort(applied.begin(), applied.end(),
            [](const AppliedRelocation& a, const AppliedRelocation& b) { return a.at < b.at; });
  for (uint32_t d = 0; d < module.bodies.size(); ++d) {
    const uint32_t function_index = module.num_imported_functions + d;
    auto it = symbols.find(FunctionSymbol(function_index));
    if (it == symbols.end()) {
      return absl::InternalError(absl::StrCat("function ", function_index, " was not compiled"));
    }
    wasm::CompiledFunction record;
    record.function_index = function_index;
    record.code_offset = static_cast<uint32_t>(it->second.offset);
    record.code_size = static_cast<uint32_t>(it->second.size);
    record.address_map.body_offset = static_cast<uint32_t>(module.bodies[d].offset);
    auto first = std::lower_bound(
        applied.begin(), applied.end(), it->second.offset,
        [](const AppliedRelocation& r, uint64_t offset) { return r.at < offset; });
    for (; first != applied.end() && first->at < it->second.offset + it->second.size; ++first) {
      record.relocations.push_back({static_cast<uint32_t>(first->at - it->second.offset),
                                    first->target, first->index, first->addend});
    }
    image.functions.push_back(std::move(record));
  }
  auto body_offset = [&module](uint32_t function_index) -> uint64_t {
    return module.bodies[function_index - module.num_imported_functions].offset;
  };
  for (size_t i = 0; i < files.size(); ++i) {
    auto placed_at = [&](uint64_t section_index) -> std::optional<uint64_t> {
      auto it = section_offsets.find({i, section_index});
      if (it == section_offsets.end()) return std::nullopt;
      return it->second;
    };
    if (absl::Status s = ReadAddressMaps(*files[i], placed_at, body_offset, image.functions); !s.ok()) return s;
  }
  image.entry_trampolines.assign(module.types.size(), wasm::CodeImage::kNoTrampoline);
  image.exit_trampolines.assign(module.types.size(), wasm::CodeImage::kNoTrampoline);
  for (uint32_t t = 0; t < module.types.size(); ++t) {
    auto entry = symbols.find(EntryTrampolineSymbol(canonical_type[t]));
    auto exit = symbols.find(ExitTrampolineSymbol(canonical_type[t]));
    if (entry != symbols.end()) image.entry_trampolines[t] = static_cast<uint32_t>(entry->second.offset);
    if (exit != symbols.end()) image.exit_trampolines[t] = static_cast<uint32_t>(exit->second.offset);
  }
  return image;
}

}  // namespace kiln::jit
