// kiln/cache/disk_tier.h — a persistent tier: one file per entry in a folder.
//
// Layout: <root>/<first two hex digits of the key>/<64 hex digits>.kart. The
// 256 shard folders keep directories small enough for fast lookups with a
// million entries. An entry file is a sealed blob (see sealed_blob.h), i.e. a
// Kiln artifact as is: `kiln run <root>/ab/ab12....kart` works. Nothing else
// is stored; there is no index file to get out of step with the entries.
//
// Integrity: Put refuses blobs that are not sealed (INVALID_ARGUMENT). Get
// reads the whole file and checks the seal; a damaged entry (torn, truncated,
// bit rot, tampered without resealing) is deleted, counted as `corrupt`, and
// reported as a miss so that the caller recompiles.
//
// Crash safety: Put writes a temporary file in the entry's shard folder
// (named ".tmp-...", which never looks like an entry), fsyncs it, rename()s
// it over the entry's name and fsyncs the folder. A reader therefore sees
// either no entry or a complete one, whatever point a writer dies at; a dead
// writer's temporary files are removed by the next Open once they are older
// than kStaleTempAge (younger ones may belong to a live writer).
//
// Eviction: the tier keeps the total size of its entries within
// `budget_bytes`, evicting least recently used entries first. Recency is the
// file's mtime, which Put sets and each hit refreshes, so the LRU order
// survives restarts: Open rebuilds the in-memory index by scanning the shard
// folders and ordering entries by mtime, and evicts down to the budget if the
// folder is over it (e.g. after the budget was lowered). A blob larger than
// the whole budget is not stored: Put returns OK and counts it as
// `oversized`, as a cache may always decline to keep something.
//
// Sharing: several processes (and several DiskTiers in one process) may use
// one folder at once. rename() keeps every entry whole; a reader that has
// opened a file keeps reading it after another process unlinks it; Get looks
// at the file system, not the index, so it finds entries other processes
// wrote. Each DiskTier keeps its own index, though, so the budget is enforced
// per process: with N processes the folder may grow to about N budgets
// between restarts, and entries another process wrote are only counted once
// this one reads them or next Opens the folder.
//
// Folders created by Open (the root and missing parents) get mode 0700,
// since entries are executable code that nobody else should be able to
// plant; shard folders and entry files use 0755 and 0644 (less the umask).
//
// Thread-safe. File I/O happens outside the tier's lock; only index updates
// and evictions (an unlink each) hold it.
#ifndef KILN_CACHE_DISK_TIER_H_
#define KILN_CACHE_DISK_TIER_H_

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kiln/cache/artifact_tier.h"
#include "kiln/cache/cache_key.h"

namespace kiln::cache {

struct DiskTierOptions {
  // The cache folder; created (with parents) if missing.
  std::string root;
  // The most bytes of entries this process keeps in the folder.
  uint64_t budget_bytes = uint64_t{10} << 30;
  // Index what the folder holds when opening. A process that only looks a
  // few entries up and exits (kiln run of a cached module) skips it: Get
  // does not need the index, and scanning a big cache would cost it more
  // than its run. Without the scan the budget is kept only over the
  // entries this tier itself wrote or found.
  bool index_existing = true;
};

// What Open found in the folder, for logs and tests.
struct DiskTierOpenReport {
  uint64_t entries = 0;  // Entries indexed (after evicting down to the budget).
  uint64_t bytes = 0;
  uint64_t evicted = 0;             // Entries evicted to get within the budget.
  uint64_t stale_temp_removed = 0;  // Dead writers' temporary files deleted.
  uint64_t ignored = 0;             // Other names in the shard folders.
};

class DiskTier final : public ArtifactTier {
 public:
  // A temporary file this old is a crashed writer's: no Put takes that long.
  static constexpr absl::Duration kStaleTempAge = absl::Minutes(15);
  static constexpr std::string_view kEntrySuffix = ".kart";

  // Opens (creating if needed) the folder and indexes the entries in it. An
  // error when the root cannot be created or opened; unreadable shard folders
  // or entries are skipped, not errors, since the cache still works without
  // them.
  static absl::StatusOr<std::unique_ptr<DiskTier>> Open(DiskTierOptions options);

  ~DiskTier() override;
  DiskTier(const DiskTier&) = delete;
  DiskTier& operator=(const DiskTier&) = delete;

  std::string_view name() const override { return "disk"; }
  Blob Get(const CacheKey& key) override;
  // INVALID_ARGUMENT for a null or unsealed blob; otherwise an error naming
  // the path and the system's reason when the entry could not be written (no
  // temporary file is left behind).
  absl::Status Put(const CacheKey& key, Blob blob) override;
  void Remove(const CacheKey& key) override;
  TierStats stats() const override;

  const std::string& root() const { return root_; }
  uint64_t budget_bytes() const { return budget_bytes_; }
  const DiskTierOpenReport& open_report() const { return open_report_; }

  // Where `key`'s entry lives: <root>/<shard>/<hex>.kart.
  std::string EntryPath(const CacheKey& key) const;

  // True when `name` is an entry file name: 64 lowercase hex digits and
  // kEntrySuffix.
  static bool IsEntryFileName(std::string_view name);

 private:
  struct IndexEntry {
    CacheKey key;
    uint64_t size;
  };
  using Lru = std::list<IndexEntry>;  // Most recently used first.

  DiskTier(std::string root, int root_fd, uint64_t budget_bytes);

  void ScanFolder();
  absl::Status WriteEntry(const CacheKey& key, const std::vector<uint8_t>& bytes);
  // Puts `key` at the front of the LRU order with `size` bytes, then evicts
  // older entries until the total is within the budget.
  void RecordUseLocked(const CacheKey& key, uint64_t size) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EvictToBudgetLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DropLocked(const CacheKey& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UnlinkEntry(const CacheKey& key) const;

  const std::string root_;
  const int root_fd_;  // Every path below is resolved relative to this.
  const uint64_t budget_bytes_;
  DiskTierOpenReport open_report_;

  mutable absl::Mutex mu_;
  Lru lru_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<CacheKey, Lru::iterator> index_ ABSL_GUARDED_BY(mu_);
  TierStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kiln::cache

#endif  // KILN_CACHE_DISK_TIER_H_
