#include "address_maps.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "kiln/wasm/vm_abi.h"
#include "llvm/DebugInfo/DWARF/DWARFContext.h"
#include "llvm/DebugInfo/DWARF/DWARFDebugLine.h"
#include "llvm/DebugInfo/DWARF/DWARFDie.h"
#include "llvm/DebugInfo/DWARF/DWARFFormValue.h"
#include "llvm/DebugInfo/DWARF/DWARFUnit.h"

namespace kiln::jit {
namespace {

// "kiln_f12" (FunctionSymbol, the subprogram's name) -> 12.
std::optional<uint32_t> FunctionIndexOf(llvm::StringRef name) {
  uint32_t index = 0;
  if (!name.consume_front("kiln_f") || !absl::SimpleAtoi(name.str(), &index)) return std::nullopt;
  return index;
}

wasm::CompiledFunction* FunctionAt(std::span<wasm::CompiledFunction> functions, uint64_t offset) {
  auto it = std::upper_bound(
      functions.begin(), functions.end(), offset,
      [](uint64_t value, const wasm::CompiledFunction& f) { return value < f.code_offset; });
  if (it == functions.begin()) return nullptr;
  --it;
  return offset < uint64_t{it->code_offset} + it->code_size ? &*it : nullptr;
}

struct Located {
  uint32_t code_offset;
  std::vector<wasm::WasmLocation> frames;  // innermost first; the last is the function itself
};

// A call the optimizer inlined: the callee's code at [begin, end) of the
// image stands for the call at `call_offset` of the caller's code.
struct InlinedCall {
  uint64_t begin = 0;
  uint64_t end = 0;
  uint32_t depth = 0;  // 1 for a call inlined into the function itself
  uint32_t callee = 0;
  uint32_t call_offset = 0;
  // The innermost call whose range holds this one (an index into the
  // same InlinedCalls), or kNone.
  size_t parent = 0;
};
constexpr size_t kNone = static_cast<size_t>(-1);

// Every inlined-subroutine record under `die`, with its image range.
void CollectInlinedCalls(
    const llvm::DWARFDie& die, uint32_t depth,
    const std::function<std::optional<uint64_t>(uint64_t section_index)>& image_offset,
    std::vector<InlinedCall>* calls) {
  for (const llvm::DWARFDie& child : die.children()) {
    if (child.getTag() != llvm::dwarf::DW_TAG_inlined_subroutine) {
      CollectInlinedCalls(child, depth, image_offset, calls);
      continue;
    }
    const llvm::DWARFDie origin =
        child.getAttributeValueAsReferencedDie(llvm::dwarf::DW_AT_abstract_origin);
    std::optional<uint32_t> callee =
        origin.isValid() ? FunctionIndexOf(origin.getShortName()) : std::nullopt;
    const uint64_t call_offset =
        llvm::dwarf::toUnsigned(child.find(llvm::dwarf::DW_AT_call_line), 0);
    llvm::Expected<llvm::DWARFAddressRangesVector> ranges = child.getAddressRanges();
    if (!ranges) {
      llvm::consumeError(ranges.takeError());
    } else if (callee.has_value()) {
      for (const llvm::DWARFAddressRange& range : *ranges) {
        std::optional<uint64_t> placed = image_offset(range.SectionIndex);
        if (!placed.has_value()) continue;
        calls->push_back({*placed + range.LowPC, *placed + range.HighPC, depth + 1, *callee,
                          static_cast<uint32_t>(call_offset), kNone});
      }
    }
    CollectInlinedCalls(child, depth + 1, image_offset, calls);
  }
}

// The unit's inlined calls, sorted by where they begin (outer first at one
// address), each with its parent. The ranges nest: a call's code lies
// inside its caller's, and calls at one depth do not overlap.
std::vector<InlinedCall> InlinedCalls(
    llvm::DWARFUnit& unit,
    const std::function<std::optional<uint64_t>(uint64_t section_index)>& image_offset) {
  std::vector<InlinedCall> calls;
  CollectInlinedCalls(unit.getUnitDIE(false), 0, image_offset, &calls);
  std::sort(calls.begin(), calls.end(), [](const InlinedCall& a, const InlinedCall& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.depth < b.depth;
  });
  std::vector<size_t> open;  // calls whose range holds the current begin, outermost first
  for (size_t i = 0; i < calls.size(); ++i) {
    while (!open.empty() && calls[open.back()].end <= calls[i].begin) open.pop_back();
    calls[i].parent = open.empty() ? kNone : open.back();
    open.push_back(i);
  }
  return calls;
}

// The frames at image offset `at`, whose line-table row says `line`:
// innermost first, the function itself last.
// Lines are body lines (vm_abi.h); the frames hold module offsets.
std::vector<wasm::WasmLocation> FramesAt(uint64_t at, uint32_t line, uint32_t function_index,
                                         const std::vector<InlinedCall>& inlined,
                                         const BodyOffsetOf& body_offset) {
  // The innermost call holding `at` is the last call to begin at or before
  // it, or one of that call's enclosing calls (the ranges nest); its chain
  // of parents is every call holding `at`, innermost first.
  auto last = std::upper_bound(inlined.begin(), inlined.end(), at,
                               [](uint64_t value, const InlinedCall& c) { return value < c.begin; });
  size_t call = last == inlined.begin() ? kNone : static_cast<size_t>(last - inlined.begin()) - 1;
  while (call != kNone && inlined[call].end <= at) call = inlined[call].parent;
  std::vector<wasm::WasmLocation> frames;
  // Innermost: the deepest callee at the row's line; each level out, the
  // caller at the call's offset.
  auto located = [&](uint32_t function, uint32_t body_line) {
    return wasm::WasmLocation{
        function, static_cast<uint32_t>(vm::BodyLineToModuleOffset(body_offset(function), body_line))};
  };
  uint32_t offset = line;
  for (; call != kNone; call = inlined[call].parent) {
    frames.push_back(located(inlined[call].callee, offset));
    offset = inlined[call].call_offset;
  }
  frames.push_back(located(function_index, offset));
  return frames;
}

}  // namespace

absl::Status ReadAddressMaps(
    const llvm::object::ObjectFile& object,
    const std::function<std::optional<uint64_t>(uint64_t section_index)>& image_offset,
    const BodyOffsetOf& body_offset, std::span<wasm::CompiledFunction> functions) {
  std::unique_ptr<llvm::DWARFContext> dwarf = llvm::DWARFContext::create(object);
  // Per function (by position in `functions`), its located addresses.
  std::vector<std::vector<Located>> found(functions.size());
  for (const std::unique_ptr<llvm::DWARFUnit>& unit : dwarf->compile_units()) {
    const llvm::DWARFDebugLine::LineTable* table = dwarf->getLineTableForUnit(unit.get());
    if (table == nullptr) continue;
    const std::vector<InlinedCall> inlined = InlinedCalls(*unit, image_offset);
    for (const llvm::DWARFDebugLine::Row& row : table->Rows) {
      if (row.EndSequence) continue;
      std::optional<uint64_t> placed = image_offset(row.Address.SectionIndex);
      if (!placed.has_value()) continue;
      const uint64_t at = *placed + row.Address.Address;
      wasm::CompiledFunction* function = FunctionAt(functions, at);
      if (function == nullptr) continue;
      found[static_cast<size_t>(function - functions.data())].push_back(
          {static_cast<uint32_t>(at - function->code_offset),
           FramesAt(at, row.Line, function->function_index, inlined, body_offset)});
    }
  }
  for (size_t i = 0; i < functions.size(); ++i) {
    std::vector<Located>& rows = found[i];
    if (rows.empty()) continue;
    // Several rows may share an address; the last one describes it.
    std::stable_sort(rows.begin(), rows.end(), [](const Located& a, const Located& b) {
      return a.code_offset < b.code_offset;
    });
    wasm::AddressMap& map = functions[i].address_map;
    for (size_t r = 0; r < rows.size(); ++r) {
      if (r + 1 < rows.size() && rows[r + 1].code_offset == rows[r].code_offset) continue;
      const std::vector<wasm::WasmLocation>& frames = rows[r].frames;
      wasm::AddressMapEntry entry;
      entry.code_offset = rows[r].code_offset;
      entry.wasm_offset = frames.back().wasm_offset;
      entry.inlined_count = static_cast<uint32_t>(frames.size() - 1);
      // The same frames as the previous entry: it covers this stretch too.
      if (!map.entries.empty()) {
        const wasm::AddressMapEntry& last = map.entries.back();
        if (last.wasm_offset == entry.wasm_offset && last.inlined_count == entry.inlined_count &&
            std::equal(frames.begin(), frames.end() - 1, map.inlined.begin() + last.inlined_begin,
                       [](const wasm::WasmLocation& a, const wasm::WasmLocation& b) {
                         return a.function_index == b.function_index &&
                                a.wasm_offset == b.wasm_offset;
                       })) {
          continue;
        }
      }
      entry.inlined_begin = static_cast<uint32_t>(map.inlined.size());
      map.inlined.insert(map.inlined.end(), frames.begin(), frames.end() - 1);
      map.entries.push_back(entry);
    }
  }
  return absl::OkStatus();
}

}  // namespace kiln::jit
