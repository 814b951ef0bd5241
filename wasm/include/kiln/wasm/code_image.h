// kiln/wasm/code_image.h — a module's machine code, as the compiler lays it
// out and the runtime maps it.
//
// The image is position independent: every reference inside it (calls
// between functions, constants in read-only data, jump tables) was resolved
// when it was laid out, and generated code reaches the runtime only through
// its vmctx (VMContext::builtins), so loading is copy (or map) and protect,
// with nothing to patch. The text part comes first and is mapped read +
// execute; the read-only data follows it, on its own pages, read only.
#ifndef KILN_WASM_CODE_IMAGE_H_
#define KILN_WASM_CODE_IMAGE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::wasm {

// A reference from one function's code to something outside it, as the
// object file had it; the image builder resolved it in place.
struct Relocation {
  enum class Target : uint8_t { kFunction, kReadOnlyData };
  uint32_t offset = 0;      // in the function's code
  Target target = Target::kFunction;
  uint32_t index = 0;       // function index, or offset in the image's read-only data
  int64_t addend = 0;
};

// A wasm frame: a function and the module offset of an instruction in it.
// Offset 0 (never an instruction: the module header is there) is unknown.
struct WasmLocation {
  uint32_t function_index = 0;
  uint32_t wasm_offset = 0;
};

// Where one stretch of a function's machine code came from: it runs from
// `code_offset` (from the function's start) to the next entry's.
struct AddressMapEntry {
  uint32_t code_offset = 0;
  // The instruction of the function itself (the outermost frame).
  uint32_t wasm_offset = 0;
  // Frames of functions inlined here, innermost first: inlined[begin, begin
  // + count) of the AddressMap.
  uint32_t inlined_begin = 0;
  uint32_t inlined_count = 0;
};

// A function's machine code -> wasm map, as a trap's backtrace reads it.
struct AddressMap {
  std::vector<AddressMapEntry> entries;  // by increasing code_offset
  std::vector<WasmLocation> inlined;
  // The module offset of the function's body: code names its trap sites by
  // body line (vm_abi.h), and this turns them into module offsets.
  uint32_t body_offset = 0;

  // The entry covering `code_offset` (binary search), or null before the
  // first one.
  const AddressMapEntry* Find(uint32_t code_offset) const;
};

// One compiled function (or trampoline) and all its metadata.
struct CompiledFunction {
  uint32_t function_index = 0;  // in the module's function index space
  uint32_t code_offset = 0;     // from the start of the image
  uint32_t code_size = 0;
  std::vector<Relocation> relocations;
  AddressMap address_map;
};

struct CodeImage {
  static constexpr uint32_t kNoTrampoline = ~uint32_t{0};

  std::vector<uint8_t> bytes;  // text, then read-only data
  uint32_t text_size = 0;      // a multiple of the page size
  // One per function the module defines, in function index order; their
  // code offsets increase with the index, so a PC is found by binary search.
  std::vector<CompiledFunction> functions;
  // Per type index, the offset of the entry / exit trampoline of that
  // signature (types with equal signatures share one), or kNoTrampoline.
  std::vector<uint32_t> entry_trampolines;
  std::vector<uint32_t> exit_trampolines;
  // Describes the code generator (LLVM version, target, CPU, features, opt
  // level, code-changing flags): the runtime's compatibility check.
  std::string fingerprint;

  // The defined function whose code contains `offset`, or null.
  const CompiledFunction* FindFunction(uint32_t offset) const;
};

}  // namespace kiln::wasm

#endif  // KILN_WASM_CODE_IMAGE_H_
