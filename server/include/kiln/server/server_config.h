// kiln/server/server_config.h — kilnd's settings: flags and config file.
//
// Every setting is a flag `--name VALUE` (or `--name=VALUE`). `--config FILE`
// reads `name = VALUE` lines with the same names (no dashes; `#` starts a
// comment); flags given on the command line override the file, wherever
// --config appears among them. Sizes accept a binary suffix: 512K, 64M,
// 10G, 1T (also KiB/MiB/GiB/TiB, KB/MB/...: all are powers of 1024).
#ifndef KILN_SERVER_SERVER_CONFIG_H_
#define KILN_SERVER_SERVER_CONFIG_H_

#include <cstdint>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::server {

struct ServerConfig {
  // HOST:PORT; port 0 picks a free port.
  std::string listen = "127.0.0.1:7878";
  // The disk tier's folder; empty for no disk tier (memory only).
  std::string cache_dir;
  uint64_t cache_budget_bytes = uint64_t{10} << 30;
  uint64_t memory_cache_bytes = uint64_t{256} << 20;
  // Compiled batches of functions (batch_store.h), apart from artifacts.
  uint64_t batch_cache_budget_bytes = uint64_t{4} << 30;
  uint64_t batch_memory_cache_bytes = uint64_t{256} << 20;
  // Threads of the TBB arena that compiles (and validates) modules.
  uint32_t threads = 1;
  uint64_t max_module_size = uint64_t{256} << 20;
  // Compiles running at once; further ones wait for a slot.
  uint32_t max_concurrent_compiles = 4;
  // Modules waiting for the auto tier's background optimized compile.
  uint32_t max_optimize_queue = 16;
  // Per Store: every linear memory together.
  uint64_t max_memory_bytes = uint64_t{1} << 30;
  // Per Store: every table's elements together (8 bytes each).
  uint32_t max_table_elements = 10'000'000;
  // The whole daemon: Stores' memories and tables, compiles (by estimate)
  // and module bytes being received, together. DefaultServerConfig sets
  // half of UsableHostMemory(); 0 here means that too.
  uint64_t max_total_memory_bytes = 0;
  // Per call into wasm (and per start function).
  uint32_t time_limit_ms = 10'000;
  uint32_t max_instances = 1000;
  // Threads gRPC may run calls on at once (its synchronous server runs each
  // call on a thread of its own, waiting included); a call beyond them is
  // answered RESOURCE_EXHAUSTED instead of starting another thread.
  uint32_t max_call_threads = 256;
  // Instances not used for this long are dropped; 0 keeps them forever.
  uint32_t idle_instance_timeout_s = 300;
  // gRPC's limit for one message, both directions.
  uint64_t max_message_size = uint64_t{64} << 20;
  // When set, every RPC but health checks needs `authorization: Bearer
  // <the file's contents, surrounding whitespace trimmed>`.
  std::string auth_token_file;
  // Both or neither: serve TLS with this certificate chain and key (PEM).
  std::string tls_cert_file;
  std::string tls_key_file;
  // RunCommand (WASI programs): where each call's scratch folder is made
  // (empty: $TMPDIR or /tmp), the most output a call streams back, the
  // most files a request may bring, and the most bytes a program may
  // write to files.
  std::string scratch_dir;
  uint64_t max_output_bytes = uint64_t{64} << 20;
  uint32_t max_request_files = 10'000;
  uint64_t max_file_bytes_written = uint64_t{1} << 30;
  // Folders offered read-only to RunCommand by name (--preopen-ro
  // NAME=DIR, repeatable).
  std::vector<std::pair<std::string, std::string>> operator_directories;
};

struct ParsedCommandLine {
  ServerConfig config;
  bool help = false;  // --help: print kUsage, nothing else
};

// The defaults above, with the cache folder (cache::DefaultCacheDir()),
// thread count (the hardware's) and memory budget (half of
// UsableHostMemory()) filled in for this machine.
ServerConfig DefaultServerConfig();

// `args` excludes the program name. INVALID_ARGUMENT naming the flag (or
// the config file's line) for anything unknown, missing or out of range.
absl::StatusOr<ParsedCommandLine> ParseCommandLine(const std::vector<std::string>& args);

// "123", "512K", "64M", "10G", "2TiB", ...; INVALID_ARGUMENT otherwise or
// when the value does not fit in 64 bits.
absl::StatusOr<uint64_t> ParseByteSize(std::string_view text);

// Physical memory, or the memory limit of this process's cgroup (a
// container's or a systemd unit's) when that is lower.
uint64_t UsableHostMemory();

extern const std::string_view kUsage;

}  // namespace kiln::server

#endif  // KILN_SERVER_SERVER_CONFIG_H_
