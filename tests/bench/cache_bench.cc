// kiln_cache_bench: what the artifact cache costs on this machine.
//
//   memory hit   MemoryTier::Get of a 1 MB blob (a lock and a pointer copy)
//   disk hit     DiskTier::Get of a 1 MB entry, page cache warm: open, read,
//                verify the SHA-256 seal, refresh the mtime; next to it, a
//                plain open+read of the same file as the floor
//   disk put     DiskTier::Put of 1 MB: seal check, temporary file, fsync,
//                rename, folder fsync; next to it, a plain write without fsync
//   open scan    DiskTier::Open of a folder with --entries small entries
//                (index rebuild); next to it, the same walk with
//                std::filesystem, the obvious alternative
//
// Prints figures only; it checks results (every Get hits, Open finds every
// entry) and exits non-zero when one is wrong, never on timings.
//
//   kiln_cache_bench [--entries N] [--gets N] [--puts N] [--dir PATH]
//
// Without --dir it works in a fresh folder under $TMPDIR (or /tmp) and
// deletes it afterwards; a --dir folder is left as it is.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kiln/cache/cache_key.h"
#include "kiln/cache/disk_tier.h"
#include "kiln/cache/memory_tier.h"
#include "kiln/cache/sealed_blob.h"

namespace kiln::cache {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  uint64_t entries = 100'000;
  uint64_t gets = 2'000;
  uint64_t puts = 100;
  std::string dir;  // Empty: a fresh folder under $TMPDIR or /tmp.
};

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "kiln_cache_bench: %s\n", message.c_str());
  std::exit(1);
}

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail("missing value after " + arg);
      return argv[++i];
    };
    auto number = [&]() -> uint64_t {
      const std::string text = value();
      char* end = nullptr;
      const unsigned long long n = std::strtoull(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || n == 0) Fail("not a positive count: " + text);
      return n;
    };
    if (arg == "--entries") {
      options.entries = number();
    } else if (arg == "--gets") {
      options.gets = number();
    } else if (arg == "--puts") {
      options.puts = number();
    } else if (arg == "--dir") {
      options.dir = value();
    } else {
      Fail("usage: kiln_cache_bench [--entries N] [--gets N] [--puts N] [--dir PATH]");
    }
  }
  return options;
}

CacheKey KeyFor(uint64_t n) {
  const std::string name = "bench-module-" + std::to_string(n);
  return CacheKey::ForModule({reinterpret_cast<const uint8_t*>(name.data()), name.size()}, "bench");
}

Blob MakeSealedBlob(size_t size, uint64_t seed) {
  std::vector<uint8_t> bytes(size - kSealSize);
  std::mt19937_64 random(seed);
  for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
    const uint64_t word = random();
    std::memcpy(&bytes[i], &word, 8);
  }
  Seal(bytes);
  return std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
}

struct Percentiles {
  double p50_us;
  double p99_us;
};

Percentiles Summarize(std::vector<double> micros) {
  std::sort(micros.begin(), micros.end());
  const size_t n = micros.size();
  return {micros[n / 2], micros[std::min(n - 1, n * 99 / 100)]};
}

template <typename F>
std::vector<double> TimeEach(uint64_t count, F&& body) {
  std::vector<double> micros;
  micros.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    const Clock::time_point start = Clock::now();
    body(i);
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  return micros;
}

void PrintRow(const char* what, const Percentiles& p, const char* note) {
  std::printf("%-34s %12.1f %12.1f   %s\n", what, p.p50_us, p.p99_us, note);
}

std::unique_ptr<DiskTier> OpenOrDie(const std::string& root, uint64_t budget) {
  absl::StatusOr<std::unique_ptr<DiskTier>> tier =
      DiskTier::Open(DiskTierOptions{.root = root, .budget_bytes = budget});
  if (!tier.ok()) Fail(std::string(tier.status().message()));
  return *std::move(tier);
}

// Writes `count` small sealed entries straight into the layout (no fsync:
// only the scan is measured, and a million fsyncs would take minutes).
void CreateEntries(const std::string& root, uint64_t count) {
  std::filesystem::create_directories(root);
  std::vector<uint8_t> bytes(160);
  for (uint64_t i = 0; i < count; ++i) {
    std::fill(bytes.begin(), bytes.end(), static_cast<uint8_t>(i));
    std::memcpy(bytes.data(), &i, sizeof(i));
    bytes.resize(160);
    Seal(bytes);
    const std::string hex = KeyFor(i).ToHex();
    const std::string shard = root + "/" + hex.substr(0, 2);
    ::mkdir(shard.c_str(), 0755);
    const std::string path = shard + "/" + hex + ".kart";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
      Fail("cannot write " + path);
    }
    ::close(fd);
  }
}

// The scan written the obvious way, for comparison: the same facts (name,
// size, mtime) per entry. Returns the number of entries found.
uint64_t ScanWithStdFilesystem(const std::string& root) {
  uint64_t found = 0;
  uint64_t bytes = 0;
  std::filesystem::file_time_type newest{};
  for (const auto& shard : std::filesystem::directory_iterator(root)) {
    if (!shard.is_directory()) continue;
    for (const auto& file : std::filesystem::directory_iterator(shard.path())) {
      if (!DiskTier::IsEntryFileName(file.path().filename().string())) continue;
      bytes += file.file_size();
      newest = std::max(newest, file.last_write_time());
      ++found;
    }
  }
  // Keep the compiler from dropping the stat calls.
  if (bytes == 0 && newest == std::filesystem::file_time_type{}) return 0;
  return found;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int Run(const Options& options) {
  constexpr size_t kBlobSize = 1 << 20;
  const Blob blob = MakeSealedBlob(kBlobSize, 1);
  const CacheKey key = KeyFor(1'000'000'000);

  std::printf("kiln_cache_bench: 1 MB blob, %llu gets, %llu puts, %llu entries for the scan\n\n",
              static_cast<unsigned long long>(options.gets),
              static_cast<unsigned long long>(options.puts),
              static_cast<unsigned long long>(options.entries));
  std::printf("%-34s %12s %12s\n", "latency (microseconds)", "p50", "p99");

  // Memory tier.
  MemoryTier memory(4 * kBlobSize);
  if (!memory.Put(key, blob).ok()) Fail("memory put failed");
  PrintRow("memory tier hit, 1 MB",
           Summarize(TimeEach(options.gets,
                              [&](uint64_t) {
                                if (memory.Get(key) == nullptr) Fail("memory tier missed");
                              })),
           "");

  // Disk tier, warm page cache.
  const std::string root = options.dir + "/hits";
  std::unique_ptr<DiskTier> disk = OpenOrDie(root, uint64_t{1} << 40);
  if (absl::Status put = disk->Put(key, blob); !put.ok()) Fail(std::string(put.message()));
  if (disk->Get(key) == nullptr) Fail("disk tier missed");
  PrintRow("disk tier hit, 1 MB (warm)",
           Summarize(TimeEach(options.gets,
                              [&](uint64_t) {
                                Blob got = disk->Get(key);
                                if (got == nullptr || got->size() != kBlobSize)
                                  Fail("disk tier missed");
                              })),
           "open + read + SHA-256 + futimens");
  const std::string entry_path = disk->EntryPath(key);
  std::vector<uint8_t> buffer(kBlobSize);
  PrintRow("  floor: plain open+read, 1 MB",
           Summarize(TimeEach(options.gets,
                              [&](uint64_t) {
                                const int fd = ::open(entry_path.c_str(), O_RDONLY | O_CLOEXEC);
                                size_t done = 0;
                                while (done < buffer.size()) {
                                  const ssize_t n =
                                      ::read(fd, buffer.data() + done, buffer.size() - done);
                                  if (n <= 0) Fail("read failed");
                                  done += static_cast<size_t>(n);
                                }
                                ::close(fd);
                              })),
           "no verification");

  // Disk puts (distinct keys: each one a new file).
  PrintRow("disk tier put, 1 MB",
           Summarize(TimeEach(options.puts,
                              [&](uint64_t i) {
                                if (!disk->Put(KeyFor(i), blob).ok()) Fail("disk put failed");
                              })),
           "seal check + write + fsync + rename + dir fsync");
  const std::string plain_dir = options.dir + "/plain";
  std::filesystem::create_directories(plain_dir);
  PrintRow("  floor: plain write, 1 MB",
           Summarize(TimeEach(options.puts,
                              [&](uint64_t i) {
                                const std::string path = plain_dir + "/" + std::to_string(i);
                                const int fd = ::open(
                                    path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                                if (fd < 0 || ::write(fd, blob->data(), blob->size()) !=
                                                  static_cast<ssize_t>(blob->size())) {
                                  Fail("plain write failed");
                                }
                                ::close(fd);
                              })),
           "no fsync, no rename");
  disk.reset();

  // Start-up scan.
  const std::string scan_root = options.dir + "/scan";
  const Clock::time_point create_start = Clock::now();
  CreateEntries(scan_root, options.entries);
  const double create_s = Seconds(Clock::now() - create_start);
  std::printf("\n%-34s %12s %12s\n", "open scan (milliseconds)", "best", "median");
  std::vector<double> open_ms;
  std::vector<double> fs_ms;
  for (int run = 0; run < 5; ++run) {
    const Clock::time_point start = Clock::now();
    std::unique_ptr<DiskTier> scanned = OpenOrDie(scan_root, uint64_t{1} << 40);
    open_ms.push_back(Seconds(Clock::now() - start) * 1000);
    if (scanned->stats().entries != options.entries) {
      Fail("Open indexed " + std::to_string(scanned->stats().entries) + " entries, not " +
           std::to_string(options.entries));
    }
    const Clock::time_point fs_start = Clock::now();
    if (ScanWithStdFilesystem(scan_root) != options.entries) Fail("std::filesystem scan count");
    fs_ms.push_back(Seconds(Clock::now() - fs_start) * 1000);
  }
  std::sort(open_ms.begin(), open_ms.end());
  std::sort(fs_ms.begin(), fs_ms.end());
  std::string label = "DiskTier::Open, " + std::to_string(options.entries) + " entries";
  std::printf("%-34s %12.1f %12.1f   readdir + fstatat + sort + index\n", label.c_str(),
              open_ms.front(), open_ms[open_ms.size() / 2]);
  std::printf("%-34s %12.1f %12.1f   directory_iterator + file_size + mtime\n",
              "  std::filesystem walk, same folder", fs_ms.front(), fs_ms[fs_ms.size() / 2]);
  std::printf("(creating the %llu entries took %.1f s; dentries and inodes are cached)\n",
              static_cast<unsigned long long>(options.entries), create_s);
  return 0;
}

}  // namespace
}  // namespace kiln::cache

int main(int argc, char** argv) {
  kiln::cache::Options options = kiln::cache::ParseOptions(argc, argv);
  std::string scratch;
  if (options.dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = (tmp != nullptr && tmp[0] == '/') ? tmp : "/tmp";
    templ += "/kiln-cache-bench-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) kiln::cache::Fail("mkdtemp failed");
    scratch = templ;
    options.dir = scratch;
  }
  const int rc = kiln::cache::Run(options);
  if (!scratch.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(scratch, ignored);
  }
  return rc;
}
