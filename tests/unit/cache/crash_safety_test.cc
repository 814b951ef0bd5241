// Writers killed at random points (SIGKILL, so no destructor or atexit runs)
// must never leave a damaged entry or an entry-looking temporary file behind.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cache_test_util.h"
#include "gtest/gtest.h"
#include "kiln/cache/disk_tier.h"
#include "kiln/cache/sealed_blob.h"

namespace kiln::cache {
namespace {

using testing::ReadFile;
using testing::ScratchDir;
using testing::SealedBlob;

// The child's whole life: write entries of varied sizes until killed,
// writing one byte to `first_put_fd` once its first entry is in. It never
// returns into the test framework.
[[noreturn]] void WriteUntilKilled(const std::string& root, uint64_t seed, int first_put_fd) {
  absl::StatusOr<std::unique_ptr<DiskTier>> tier =
      DiskTier::Open(DiskTierOptions{.root = root, .budget_bytes = uint64_t{1} << 32});
  if (!tier.ok()) ::_exit(2);
  std::mt19937_64 random(seed);
  static constexpr size_t kSizes[] = {40, 300, 4096, 70'000, 150'000, 400'000};
  for (uint64_t i = 0;; ++i) {
    const size_t size = kSizes[random() % std::size(kSizes)];
    const uint64_t id = random();
    const std::string name = std::to_string(id);
    const CacheKey key = CacheKey::ForModule(
        {reinterpret_cast<const uint8_t*>(name.data()), name.size()}, "crash-test");
    if (!(*tier)->Put(key, SealedBlob(size, id)).ok()) ::_exit(3);
    if (i == 0 && ::write(first_put_fd, "p", 1) != 1) ::_exit(4);
  }
}

struct FolderCensus {
  std::vector<std::string> entries;  // Paths of files named like entries.
  uint64_t temporaries = 0;
  uint64_t others = 0;
};

FolderCensus TakeCensus(const std::string& root) {
  FolderCensus census;
  if (!std::filesystem::exists(root)) return census;
  for (const auto& shard : std::filesystem::directory_iterator(root)) {
    if (!shard.is_directory()) {
      ++census.others;
      continue;
    }
    const std::string shard_name = shard.path().filename().string();
    for (const auto& file : std::filesystem::directory_iterator(shard.path())) {
      const std::string name = file.path().filename().string();
      if (DiskTier::IsEntryFileName(name) && name.substr(0, 2) == shard_name) {
        census.entries.push_back(file.path().string());
      } else if (name.starts_with(".tmp-")) {
        ++census.temporaries;
      } else {
        ++census.others;
      }
    }
  }
  return census;
}

TEST(CrashSafetyTest, KilledWritersLeaveOnlyWholeEntries) {
  ScratchDir dir;
  const std::string root = dir.Sub("cache");
  std::mt19937_64 random(20240611);
  constexpr int kRounds = 40;
  for (int round = 0; round < kRounds; ++round) {
    const uint64_t child_seed = random();
    const auto delay = std::chrono::microseconds(random() % 20'001);
    // Every other round kills only after the first entry is in, so that
    // however slow the machine, entries get written (the order of events,
    // not a duration, decides); the others may kill during Open or the
    // first Put.
    const bool after_first_put = round % 2 == 0;
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0) << "fork failed";
    if (pid == 0) {
      ::close(pipe_fds[0]);
      WriteUntilKilled(root, child_seed, pipe_fds[1]);
    }
    ::close(pipe_fds[1]);
    if (after_first_put) {
      char byte = 0;
      ASSERT_EQ(::read(pipe_fds[0], &byte, 1), 1) << "the writer ended before its first entry";
    }
    std::this_thread::sleep_for(delay);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    // Open until the writer is gone: its one write never meets SIGPIPE.
    ::close(pipe_fds[0]);
    // Killed, or (if killed before it began) never started: never a failed
    // Open or Put.
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  }

  const FolderCensus census = TakeCensus(root);
  // Half the writers were killed only after their first entry.
  ASSERT_GT(census.entries.size(), 0u);
  EXPECT_EQ(census.others, 0u);
  for (const std::string& path : census.entries) {
    EXPECT_TRUE(IsSealed(ReadFile(path))) << path;
  }

  // A fresh process indexes exactly the entries: temporaries (all younger
  // than the stale age, so kept) are not counted, and every entry reads back.
  absl::StatusOr<std::unique_ptr<DiskTier>> tier =
      DiskTier::Open(DiskTierOptions{.root = root, .budget_bytes = uint64_t{1} << 32});
  ASSERT_TRUE(tier.ok()) << tier.status();
  EXPECT_EQ((*tier)->stats().entries, census.entries.size());
  EXPECT_EQ((*tier)->open_report().stale_temp_removed, 0u);
  EXPECT_EQ((*tier)->open_report().ignored, 0u);
  for (const std::string& path : census.entries) {
    const std::string name = std::filesystem::path(path).filename().string();
    const std::optional<CacheKey> key = CacheKey::FromHex(name.substr(0, CacheKey::kHexSize));
    ASSERT_TRUE(key.has_value()) << name;
    EXPECT_NE((*tier)->Get(*key), nullptr) << path;
  }
  EXPECT_EQ((*tier)->stats().corrupt, 0u);
  EXPECT_EQ((*tier)->stats().hits, census.entries.size());
  EXPECT_EQ(TakeCensus(root).temporaries, census.temporaries);
}

}  // namespace
}  // namespace kiln::cache
