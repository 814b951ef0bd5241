#include "kiln/server/server_config.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kiln/cache/local_artifact_store.h"

namespace kiln::server {

const std::string_view kUsage = R"(usage: kilnd [FLAGS]

Kiln's compilation daemon: compiles WebAssembly modules to native code
through a shared artifact cache, and runs them in isolated Stores (gRPC:
kiln.v1.CompileService, ExecutionService, AdminService, grpc.health.v1).

  --config FILE                  read `name = value` lines (names as below,
                                 without dashes); flags override the file
  --listen HOST:PORT             address to serve (default 127.0.0.1:7878;
                                 port 0 picks a free one)
  --cache-dir DIR                disk cache folder (default
                                 $XDG_CACHE_HOME/kiln or ~/.cache/kiln;
                                 "" for no disk tier)
  --cache-budget BYTES           disk cache size (default 10G)
  --memory-cache BYTES           memory cache size (default 256M; 0: none)
  --batch-cache-budget BYTES     disk cache of compiled function batches, reused
                                 when a module changes in a few functions
                                 (default 4G, in CACHE_DIR/batches)
  --batch-memory-cache BYTES     memory cache of those (default 256M; 0: none)
  --threads N                    compile threads (default: one per core)
  --max-module-size BYTES        largest module accepted (default 256M)
  --max-concurrent-compiles N    compiles at once; others wait (default 4)
  --max-optimize-queue N         modules waiting for the optimized compile
                                 that a COMPILE_TIER_AUTO request scheduled;
                                 more are not queued (default 16)
  --max-memory BYTES             linear memory per Store, all its memories
                                 together (default 1G)
  --max-table-elements N         table elements per Store, all its tables
                                 together, 8 bytes each (default 10000000)
  --max-total-memory BYTES       memory budget of the whole daemon (default:
                                 half of physical memory, or of the cgroup's
                                 limit if lower; at least 1M)
  --time-limit-ms N              wall-clock limit per call (default 10000)
  --max-instances N              live instances at once, Execute calls in
                                 progress included (default 1000)
  --max-call-threads N           threads running calls at once (default
                                 256, at least 4)
  --idle-instance-timeout-s N    drop instances idle this long (default
                                 300; 0: never)
  --max-message-size BYTES       gRPC message limit (default 64M)
  --auth-token-file FILE         require `authorization: Bearer TOKEN`
  --tls-cert FILE --tls-key FILE serve TLS with this PEM chain and key
  --scratch-dir DIR              RunCommand's per-call folders are made here
                                 (default $TMPDIR or /tmp)
  --preopen-ro NAME=DIR          offer DIR read-only to RunCommand calls
                                 that ask for NAME (repeatable)
  --max-output-bytes BYTES       stdout and stderr of one RunCommand call
                                 together (default 64M)
  --max-request-files N          files one RunCommand request may bring
                                 (default 10000)
  --max-file-bytes-written BYTES bytes one program may write to files
                                 (default 1G)
  --help                         print this and exit

Sizes take a binary suffix: K, M, G, T (also KiB, MB, ...).

Limits, and what a request gets when it meets one:
  --max-module-size, --max-message-size  RESOURCE_EXHAUSTED (a streamed
      module as soon as the bytes received pass the limit)
  --max-concurrent-compiles  the compile waits for a slot
  --max-memory, --max-table-elements  memory.grow / table.grow return -1;
      a module whose memory or tables start larger: RESOURCE_EXHAUSTED.
      A request's StoreLimits may lower them, never raise them.
  --max-total-memory  charged for every Store's memories and tables (as
      they are made and grow, given back when the instance goes), for
      module bytes as they arrive, and for each compile by an estimate
      made from the module's code size before LLVM starts: past it,
      RESOURCE_EXHAUSTED (memory.grow / table.grow return -1); a module
      whose compile alone would need more is refused outright
  --time-limit-ms  the guest traps with TRAP_KIND_INTERRUPTED
  --max-instances  Instantiate and Execute: RESOURCE_EXHAUSTED
  --max-call-threads  RESOURCE_EXHAUSTED
  --idle-instance-timeout-s  the instance is dropped; later calls on it
      get NOT_FOUND
  --max-output-bytes  the program is stopped, the call ends
      RESOURCE_EXHAUSTED (after the output within the limit)
  --max-request-files  RESOURCE_EXHAUSTED before anything runs
  --max-file-bytes-written  the program's writes fail with EDQUOT

On SIGTERM or SIGINT kilnd stops accepting calls, lets those in flight
finish (30 s at most) and exits.
)";

namespace {

using Setter = absl::Status (*)(ServerConfig&, std::string_view);

std::string_view StripWhitespace(std::string_view text) {
  while (!text.empty() && absl::ascii_isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && absl::ascii_isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

absl::StatusOr<uint32_t> ParseCount(std::string_view text, uint32_t min) {
  uint32_t value = 0;
  if (!absl::SimpleAtoi(std::string(text), &value) || text.empty() || text[0] == '+' ||
      text[0] == '-') {
    return absl::InvalidArgumentError(absl::StrCat("\"", std::string(text), "\" is not a count"));
  }
  if (value < min) {
    return absl::InvalidArgumentError(absl::StrCat("must be at least ", min));
  }
  return value;
}

template <uint32_t ServerConfig::*field, uint32_t min>
absl::Status SetCount(ServerConfig& config, std::string_view text) {
  absl::StatusOr<uint32_t> value = ParseCount(text, min);
  if (!value.ok()) return value.status();
  config.*field = *value;
  return absl::OkStatus();
}

template <uint64_t ServerConfig::*field, uint64_t min, uint64_t max>
absl::Status SetBytes(ServerConfig& config, std::string_view text) {
  absl::StatusOr<uint64_t> value = ParseByteSize(text);
  if (!value.ok()) return value.status();
  if (*value < min) return absl::InvalidArgumentError(absl::StrCat("must be at least ", min));
  if (*value > max) return absl::InvalidArgumentError(absl::StrCat("must be at most ", max));
  config.*field = *value;
  return absl::OkStatus();
}

// NAME=DIR, appended: the flag may be given many times.
absl::Status AddOperatorDirectory(ServerConfig& config, std::string_view text) {
  const size_t equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0 || equals + 1 == text.size()) {
    return absl::InvalidArgumentError("expected NAME=DIR");
  }
  const std::string name(text.substr(0, equals));
  if (name.find('/') != std::string::npos || name == "." || name == "..") {
    return absl::InvalidArgumentError("NAME may not contain '/' or be . or ..");
  }
  config.operator_directories.emplace_back(name, std::string(text.substr(equals + 1)));
  return absl::OkStatus();
}

template <std::string ServerConfig::*field, bool allow_empty>
absl::Status SetString(ServerConfig& config, std::string_view text) {
  if (!allow_empty && text.empty()) return absl::InvalidArgumentError("needs a value");
  config.*field = std::string(text);
  return absl::OkStatus();
}

constexpr uint64_t kNoMax = std::numeric_limits<uint64_t>::max();
// gRPC keeps message limits in an int.
constexpr uint64_t kMaxGrpcMessage = std::numeric_limits<int32_t>::max();

// By name without the dashes, as the config file spells them.
const std::map<std::string, Setter, std::less<>>& Setters() {
  static const auto* setters = new std::map<std::string, Setter, std::less<>>{
      {"listen", &SetString<&ServerConfig::listen, false>},
      {"cache-dir", &SetString<&ServerConfig::cache_dir, true>},
      {"cache-budget", &SetBytes<&ServerConfig::cache_budget_bytes, 1, kNoMax>},
      {"memory-cache", &SetBytes<&ServerConfig::memory_cache_bytes, 0, kNoMax>},
      {"batch-cache-budget", &SetBytes<&ServerConfig::batch_cache_budget_bytes, 1, kNoMax>},
      {"batch-memory-cache", &SetBytes<&ServerConfig::batch_memory_cache_bytes, 0, kNoMax>},
      {"threads", &SetCount<&ServerConfig::threads, 1>},
      {"max-module-size", &SetBytes<&ServerConfig::max_module_size, 8, kNoMax>},
      {"max-concurrent-compiles", &SetCount<&ServerConfig::max_concurrent_compiles, 1>},
      {"max-optimize-queue", &SetCount<&ServerConfig::max_optimize_queue, 0>},
      {"max-memory", &SetBytes<&ServerConfig::max_memory_bytes, 0, kNoMax>},
      {"max-table-elements", &SetCount<&ServerConfig::max_table_elements, 0>},
      {"max-total-memory", &SetBytes<&ServerConfig::max_total_memory_bytes, 1 << 20, kNoMax>},
      {"time-limit-ms", &SetCount<&ServerConfig::time_limit_ms, 1>},
      {"max-instances", &SetCount<&ServerConfig::max_instances, 1>},
      {"max-call-threads", &SetCount<&ServerConfig::max_call_threads, 4>},
      {"idle-instance-timeout-s", &SetCount<&ServerConfig::idle_instance_timeout_s, 0>},
      {"max-message-size", &SetBytes<&ServerConfig::max_message_size, 4096, kMaxGrpcMessage>},
      {"auth-token-file", &SetString<&ServerConfig::auth_token_file, false>},
      {"tls-cert", &SetString<&ServerConfig::tls_cert_file, false>},
      {"tls-key", &SetString<&ServerConfig::tls_key_file, false>},
      {"scratch-dir", &SetString<&ServerConfig::scratch_dir, false>},
      {"preopen-ro", &AddOperatorDirectory},
      {"max-output-bytes", &SetBytes<&ServerConfig::max_output_bytes, 0, kNoMax>},
      {"max-request-files", &SetCount<&ServerConfig::max_request_files, 0>},
      {"max-file-bytes-written", &SetBytes<&ServerConfig::max_file_bytes_written, 0, kNoMax>},
  };
  return *setters;
}

absl::Status Apply(ServerConfig& config, std::string_view name, std::string_view value,
                   std::string_view where) {
  auto it = Setters().find(name);
  if (it == Setters().end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(where), "unknown setting ", std::string(name)));
  }
  if (absl::Status status = it->second(config, value); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(where), std::string(name), " \"",
                                                   std::string(value), "\": ", status.message()));
  }
  return absl::OkStatus();
}

absl::Status ApplyConfigFile(ServerConfig& config, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--config: cannot open ", path, ": ", std::strerror(errno)));
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string where = absl::StrCat(path, ":", number, ": ");
    if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::string_view text = StripWhitespace(line);
    if (text.empty()) continue;
    const size_t equals = text.find('=');
    if (equals == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(where, "expected `name = value`"));
    }
    std::string_view name = StripWhitespace(text.substr(0, equals));
    std::string_view value = StripWhitespace(text.substr(equals + 1));
    // A value may be quoted, so that an empty cache-dir can be written.
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (name == "config")
      return absl::InvalidArgumentError(absl::StrCat(where, "config files do not nest"));
    if (absl::Status status = Apply(config, name, value, where); !status.ok()) return status;
  }
  return absl::OkStatus();
}

// A flag's name and value: "--name value" or "--name=value".
struct Flag {
  std::string name;
  std::string value;
};

absl::StatusOr<std::vector<Flag>> SplitFlags(const std::vector<std::string>& args, bool* help) {
  std::vector<Flag> flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
      continue;
    }
    if (arg.size() < 3 || arg[0] != '-' || arg[1] != '-') {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", arg, "\""));
    }
    Flag flag;
    if (size_t equals = arg.find('='); equals != std::string::npos) {
      flag.name = arg.substr(2, equals - 2);
      flag.value = arg.substr(equals + 1);
    } else {
      flag.name = arg.substr(2);
      if (flag.name != "config" && !Setters().contains(flag.name)) {
        return absl::InvalidArgumentError(absl::StrCat("unknown flag ", arg));
      }
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat(arg, " needs a value"));
      }
      flag.value = args[++i];
    }
    flags.push_back(std::move(flag));
  }
  return flags;
}

}  // namespace

uint64_t UsableHostMemory() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  uint64_t usable = pages > 0 && page_size > 0
                        ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size)
                        : uint64_t{4} << 30;  // unknown: assume a small machine
  // A cgroup's limit is where the OOM killer acts, whatever the machine
  // has. /proc/self/cgroup names this process's groups: "0::/PATH" (v2,
  // memory.max, "max" for none) or "N:memory:/PATH" (v1,
  // memory.limit_in_bytes, a huge number for none). Inside a container the
  // group's own files may also sit at the mount's root.
  std::vector<std::string> files = {"/sys/fs/cgroup/memory.max",
                                    "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
  std::ifstream groups("/proc/self/cgroup");
  for (std::string line; std::getline(groups, line);) {
    if (line.starts_with("0::")) {
      files.push_back("/sys/fs/cgroup" + line.substr(3) + "/memory.max");
    } else if (const size_t at = line.find(":memory:"); at != std::string::npos) {
      files.push_back("/sys/fs/cgroup/memory" + line.substr(at + 8) + "/memory.limit_in_bytes");
    }
  }
  for (const std::string& file : files) {
    std::ifstream in(file);
    uint64_t limit = 0;
    if (std::string text; std::getline(in, text) && absl::SimpleAtoi(text, &limit) && limit > 0) {
      usable = std::min(usable, limit);
    }
  }
  return usable;
}

ServerConfig DefaultServerConfig() {
  ServerConfig config;
  config.cache_dir = cache::DefaultCacheDir();
  config.threads = std::max(1u, std::thread::hardware_concurrency());
  config.max_total_memory_bytes = UsableHostMemory() / 2;
  return config;
}

absl::StatusOr<ParsedCommandLine> ParseCommandLine(const std::vector<std::string>& args) {
  ParsedCommandLine parsed;
  parsed.config = DefaultServerConfig();
  absl::StatusOr<std::vector<Flag>> flags = SplitFlags(args, &parsed.help);
  if (!flags.ok()) return flags.status();
  if (parsed.help) return parsed;
  // The file first, whatever the order on the command line, so flags win.
  std::optional<std::string> config_file;
  for (const Flag& flag : *flags) {
    if (flag.name != "config") continue;
    if (config_file.has_value()) return absl::InvalidArgumentError("--config given twice");
    if (flag.value.empty()) return absl::InvalidArgumentError("--config needs a file");
    config_file = flag.value;
  }
  if (config_file.has_value()) {
    if (absl::Status status = ApplyConfigFile(parsed.config, *config_file); !status.ok()) {
      return status;
    }
  }
  for (const Flag& flag : *flags) {
    if (flag.name == "config") continue;
    if (absl::Status status = Apply(parsed.config, flag.name, flag.value, "--"); !status.ok()) {
      return status;
    }
  }
  const ServerConfig& c = parsed.config;
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (c.listen.rfind(':') == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen \"", c.listen, "\": expected HOST:PORT"));
  }
  return parsed;
}

absl::StatusOr<uint64_t> ParseByteSize(std::string_view text) {
  const std::string_view original = text;
  size_t digits = 0;
  while (digits < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  uint64_t value = 0;
  if (digits == 0 || !absl::SimpleAtoi(std::string(text.substr(0, digits)), &value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", std::string(original), "\" is not a size (e.g. 1048576, 512K, 64M, 10G)"));
  }
  const std::string suffix = absl::AsciiStrToLower(std::string(text.substr(digits)));
  int shift = 0;
  if (suffix.empty() || suffix == "b") {
    shift = 0;
  } else {
    static const std::pair<char, int> kUnits[] = {{'k', 10}, {'m', 20}, {'g', 30}, {'t', 40}};
    bool known = false;
    for (const auto& [letter, bits] : kUnits) {
      if (suffix[0] != letter) continue;
      const std::string_view rest = std::string_view(suffix).substr(1);
      if (rest.empty() || rest == "b" || rest == "ib") {
        shift = bits;
        known = true;
      }
    }
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", std::string(original), "\": unknown size suffix (use K, M, G or T)"));
    }
  }
  if (shift > 0 && value > (std::numeric_limits<uint64_t>::max() >> shift)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", std::string(original), "\" is too large"));
  }
  return value << shift;
}

}  // namespace kiln::server
