// edit_one_function — a module as a developer's next build makes it: the
// same module with one function body changed, for the batch cache's bench
// (run_edit_bench.sh).
//
//   edit_one_function IN.wasm OUT.wasm [FUNCTION]
//
// Inserts `i32.const 0 drop` at the start of defined function FUNCTION's
// instructions (default: the middle one), so its body grows by three bytes
// and every body after it moves: the harder case for a cache, since any
// code that held module offsets would change. Everything else is copied.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kiln/wasm/decoder.h"
#include "kiln/wasm/leb128.h"

namespace {

std::vector<uint8_t> ReadAll(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// The length of the local declarations at the start of `body`.
size_t LocalsLength(std::span<const uint8_t> body) {
  size_t pos = 0;
  uint64_t groups = 0;
  kiln::wasm::ReadVarUnsigned<32>(body.data(), pos, body.size(), &groups);
  for (uint64_t g = 0; g < groups; ++g) {
    uint64_t count = 0;
    kiln::wasm::ReadVarUnsigned<32>(body.data(), pos, body.size(), &count);
    ++pos;  // the type
  }
  return pos;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: edit_one_function IN.wasm OUT.wasm [FUNCTION]\n");
    return 2;
  }
  const std::vector<uint8_t> bytes = ReadAll(argv[1]);
  absl::StatusOr<kiln::wasm::Module> module = kiln::wasm::DecodeModule(bytes);
  if (!module.ok() || module->bodies.empty()) {
    std::fprintf(stderr, "edit_one_function: %s: %s\n", argv[1],
                 module.ok() ? "no functions" : std::string(module.status().message()).c_str());
    return 1;
  }
  const std::vector<kiln::wasm::FunctionBody>& bodies = module->bodies;
  const size_t target = argc == 4 ? std::strtoul(argv[3], nullptr, 10) : bodies.size() / 2;
  if (target >= bodies.size()) {
    std::fprintf(stderr, "edit_one_function: the module defines %zu functions\n", bodies.size());
    return 1;
  }

  // The code section anew; the rest of the module as it was.
  std::vector<uint8_t> code;
  kiln::wasm::WriteVarUnsigned(code, bodies.size());
  for (size_t d = 0; d < bodies.size(); ++d) {
    std::vector<uint8_t> body(bodies[d].bytes.begin(), bodies[d].bytes.end());
    if (d == target) {
      const uint8_t extra[] = {0x41, 0x00, 0x1A};  // i32.const 0, drop
      body.insert(body.begin() + static_cast<ptrdiff_t>(LocalsLength(bodies[d].bytes)),
                  std::begin(extra), std::end(extra));
    }
    kiln::wasm::WriteVarUnsigned(code, body.size());
    code.insert(code.end(), body.begin(), body.end());
  }
  // The code section's extent: walk the sections to its id byte.
  size_t size_at = 0;
  {
    size_t pos = 8;
    while (pos < bytes.size()) {
      const uint8_t id = bytes[pos];
      size_t p = pos + 1;
      uint64_t length = 0;
      kiln::wasm::ReadVarUnsigned<32>(bytes.data(), p, bytes.size(), &length);
      if (id == 10) {
        size_at = pos;
        break;
      }
      pos = p + length;
    }
  }
  size_t p = size_at + 1;
  uint64_t old_length = 0;
  kiln::wasm::ReadVarUnsigned<32>(bytes.data(), p, bytes.size(), &old_length);
  const size_t section_end = p + old_length;

  std::vector<uint8_t> out(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(size_at));
  out.push_back(10);
  kiln::wasm::WriteVarUnsigned(out, code.size());
  out.insert(out.end(), code.begin(), code.end());
  out.insert(out.end(), bytes.begin() + static_cast<ptrdiff_t>(section_end), bytes.end());
  std::ofstream(argv[2], std::ios::binary)
      .write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
  std::printf("edited function %zu of %zu (body %zu -> %zu bytes)\n", target, bodies.size(),
              bodies[target].bytes.size(), bodies[target].bytes.size() + 3);
  return 0;
}
