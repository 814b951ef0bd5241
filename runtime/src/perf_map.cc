#include "perf_map.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kiln::runtime {
namespace {

// Read at each load (not once) so a process can turn it on or off; a
// getenv is nothing next to mapping code.
bool PerfMapWanted() {
  const char* value = std::getenv("KILN_PERF_MAP");
  return value != nullptr && std::string(value) == "1";
}

// The name section's name for `function_index`, else a made-up one; perf
// cuts a symbol at the line's end, so names keep no newline.
std::string FunctionName(const wasm::Module& module, uint32_t function_index) {
  const auto& names = module.names.function_names;
  const auto it = std::lower_bound(
      names.begin(), names.end(), function_index,
      [](const std::pair<uint32_t, std::string>& entry, uint32_t index) { return entry.first < index; });
  std::string name = (it != names.end() && it->first == function_index)
                         ? absl::StrCat("wasm:", it->second)
                         : absl::StrCat("wasm-function[", function_index, "]");
  std::replace(name.begin(), name.end(), '\n', ' ');
  return name;
}

}  // namespace

void AnnounceToPerf(const wasm::Module& module, const uint8_t* text,
                    const std::vector<uint32_t>& function_offsets,
                    const std::vector<uint32_t>& function_sizes) {
  if (!PerfMapWanted()) return;
  std::string lines;
  for (size_t i = 0; i < function_offsets.size() && i < function_sizes.size(); ++i) {
    absl::StrAppendFormat(&lines, "%x %x %s\n",
                          reinterpret_cast<uintptr_t>(text + function_offsets[i]),
                          function_sizes[i],
                          FunctionName(module, module.num_imported_functions + uint32_t(i)));
  }
  // One append per module: concurrent loads never interleave their lines.
  const std::string path = absl::StrCat("/tmp/perf-", getpid(), ".map");
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;  // profiling aid only: never fail a load over it
  const ssize_t written = write(fd, lines.data(), lines.size());
  (void)written;
  close(fd);
}

}  // namespace kiln::runtime
