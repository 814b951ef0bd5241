#include "kiln/cache/disk_tier.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kiln/cache/sealed_blob.h"
#include "posix_io.h"

namespace kiln::cache {
namespace {

constexpr char kTempPrefix[] = ".tmp-";
constexpr char kHexDigits[] = "0123456789abcdef";

std::string ShardName(const CacheKey& key) {
  const uint8_t first = key.digest()[0];
  return {kHexDigits[first >> 4], kHexDigits[first & 0xf]};
}

std::string EntryFileName(const CacheKey& key) {
  std::string name = key.ToHex();
  name += DiskTier::kEntrySuffix;
  return name;
}

// "<shard>/<hex>.kart", resolved against the root folder's descriptor.
std::string RelativeEntryPath(const CacheKey& key) {
  std::string path = ShardName(key);
  path += '/';
  path += EntryFileName(key);
  return path;
}

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// A temporary name no other writer uses: the pid separates processes sharing
// the folder, the random part separates threads and a forked child from its
// parent's sequence (O_EXCL catches the rest).
std::string TempFileName(const CacheKey& key) {
  thread_local std::mt19937_64 random(std::random_device{}());
  return absl::StrCat(kTempPrefix, key.ToHex(), "-", static_cast<int64_t>(::getpid()), "-",
                      absl::Hex(random(), absl::kZeroPad16));
}

int64_t Nanoseconds(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int64_t NowNanoseconds() {
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  return Nanoseconds(now);
}

}  // namespace

bool DiskTier::IsEntryFileName(std::string_view name) {
  if (name.size() != CacheKey::kHexSize + kEntrySuffix.size()) return false;
  if (name.substr(CacheKey::kHexSize) != kEntrySuffix) return false;
  return std::all_of(name.begin(), name.begin() + CacheKey::kHexSize, IsLowerHex);
}

DiskTier::DiskTier(std::string root, int root_fd, uint64_t budget_bytes)
    : root_(std::move(root)), root_fd_(root_fd), budget_bytes_(budget_bytes) {}

DiskTier::~DiskTier() { ::close(root_fd_); }

absl::StatusOr<std::unique_ptr<DiskTier>> DiskTier::Open(DiskTierOptions options) {
  if (options.root.empty()) return absl::InvalidArgumentError("disk tier: empty root folder");
  if (absl::Status made = MakeDirs(options.root, 0700); !made.ok()) return made;
  const int root_fd = ::open(options.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return PathError(errno, "opening cache folder", options.root);
  std::unique_ptr<DiskTier> tier(
      new DiskTier(std::move(options.root), root_fd, options.budget_bytes));
  if (options.index_existing) tier->ScanFolder();
  return tier;
}

void DiskTier::ScanFolder() {
  struct Found {
    CacheKey key;
    uint64_t size;
    int64_t mtime_ns;
  };
  std::vector<Found> found;
  const int64_t stale_before = NowNanoseconds() - absl::ToInt64Nanoseconds(kStaleTempAge);

  // readdir + fstatat on the shard's descriptor: one syscall per entry and no
  // path building, which keeps a 100,000-entry scan well under a second.
  for (int shard = 0; shard < 256; ++shard) {
    const char shard_name[3] = {kHexDigits[shard >> 4], kHexDigits[shard & 0xf], '\0'};
    const int shard_fd = ::openat(root_fd_, shard_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (shard_fd < 0) continue;  // Not created yet (or unreadable: skip it).
    DIR* dir = ::fdopendir(shard_fd);
    if (dir == nullptr) {
      ::close(shard_fd);
      continue;
    }
    while (const struct dirent* dirent = ::readdir(dir)) {
      const std::string_view name = dirent->d_name;
      if (name == "." || name == "..") continue;
      const bool temp = name.starts_with(kTempPrefix);
      const bool entry = !temp && IsEntryFileName(name) && name.substr(0, 2) == shard_name;
      if (!temp && !entry) {
        ++open_report_.ignored;
        continue;
      }
      struct stat st;
      if (::fstatat(shard_fd, dirent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (!S_ISREG(st.st_mode)) {
        ++open_report_.ignored;
        continue;
      }
      if (temp) {
        // Younger temporary files may be a live writer's in another process.
        if (Nanoseconds(st.st_mtim) < stale_before &&
            ::unlinkat(shard_fd, dirent->d_name, 0) == 0) {
          ++open_report_.stale_temp_removed;
        }
        continue;
      }
      std::optional<CacheKey> key = CacheKey::FromHex(name.substr(0, CacheKey::kHexSize));
      found.push_back(Found{*key, static_cast<uint64_t>(st.st_size), Nanoseconds(st.st_mtim)});
    }
    ::closedir(dir);
  }

  // Most recent first; the key breaks ties so that the order is the same on
  // every start even on file systems with coarse timestamps.
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    if (a.mtime_ns != b.mtime_ns) return a.mtime_ns > b.mtime_ns;
    return a.key.digest() < b.key.digest();
  });

  absl::MutexLock lock(&mu_);
  index_.reserve(found.size());
  for (const Found& f : found) {
    lru_.push_back(IndexEntry{f.key, f.size});
    index_.emplace(f.key, std::prev(lru_.end()));
    ++stats_.entries;
    stats_.bytes += f.size;
  }
  EvictToBudgetLocked();
  open_report_.evicted = stats_.evictions;
  open_report_.entries = stats_.entries;
  open_report_.bytes = stats_.bytes;
}

std::string DiskTier::EntryPath(const CacheKey& key) const {
  return absl::StrCat(root_, "/", RelativeEntryPath(key));
}

Blob DiskTier::Get(const CacheKey& key) {
  // The file system, not the index, says whether the entry exists: another
  // process sharing the folder may have written or evicted it.
  const std::string path = RelativeEntryPath(key);
  UniqueFd fd(::openat(root_fd_, path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  const bool gone = !fd.valid() && errno == ENOENT;
  struct stat st;
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    absl::MutexLock lock(&mu_);
    if (gone) DropLocked(key);
    ++stats_.misses;
    return nullptr;
  }

  auto bytes = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(st.st_size));
  size_t read = 0;
  const int read_error = PreadFully(fd.get(), *bytes, 0, &read);
  if (read_error != 0 || read != bytes->size() || !IsSealed(*bytes)) {
    // Delete it only if the name still means the file we read: a writer may
    // have just renamed a good entry over the damaged one.
    struct stat now;
    if (::fstatat(root_fd_, path.c_str(), &now, AT_SYMLINK_NOFOLLOW) == 0 &&
        now.st_dev == st.st_dev && now.st_ino == st.st_ino) {
      ::unlinkat(root_fd_, path.c_str(), 0);
    }
    absl::MutexLock lock(&mu_);
    DropLocked(key);
    ++stats_.corrupt;
    ++stats_.misses;
    return nullptr;
  }

  // The mtime is the persistent recency that Open orders by. Failing to set it
  // (a read-only folder) only makes the entry look older after a restart.
  ::futimens(fd.get(), nullptr);
  fd.Reset();

  absl::MutexLock lock(&mu_);
  ++stats_.hits;
  RecordUseLocked(key, bytes->size());
  return bytes;
}

absl::Status DiskTier::Put(const CacheKey& key, Blob blob) {
  if (blob == nullptr) return absl::InvalidArgumentError("disk tier: null blob");
  if (!IsSealed(*blob)) {
    return absl::InvalidArgumentError(
        absl::StrCat("disk tier: the blob for ", key.ToHex(),
                     " is not sealed (it must end with the SHA-256 of the bytes before)"));
  }
  if (blob->size() > budget_bytes_) {
    absl::MutexLock lock(&mu_);
    ++stats_.oversized;
    return absl::OkStatus();
  }
  if (absl::Status written = WriteEntry(key, *blob); !written.ok()) return written;
  absl::MutexLock lock(&mu_);
  RecordUseLocked(key, blob->size());
  return absl::OkStatus();
}

absl::Status DiskTier::WriteEntry(const CacheKey& key, const std::vector<uint8_t>& bytes) {
  const std::string shard = ShardName(key);
  const std::string shard_path = absl::StrCat(root_, "/", shard);
  bool shard_created = false;
  if (::mkdirat(root_fd_, shard.c_str(), 0755) == 0) {
    shard_created = true;
  } else if (errno != EEXIST) {
    return PathError(errno, "creating cache folder", shard_path);
  }
  UniqueFd shard_fd(::openat(root_fd_, shard.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!shard_fd.valid()) return PathError(errno, "opening cache folder", shard_path);

  // The temporary file lives in the shard folder so that rename() stays
  // within one directory of one file system, which is what makes it atomic.
  std::string temp_name;
  UniqueFd file;
  int create_error = 0;
  for (int attempt = 0; attempt < 8 && !file.valid(); ++attempt) {
    temp_name = TempFileName(key);
    file = UniqueFd(
        ::openat(shard_fd.get(), temp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    create_error = file.valid() ? 0 : errno;
    if (create_error != 0 && create_error != EEXIST) break;
  }
  const std::string temp_path = absl::StrCat(shard_path, "/", temp_name);
  if (!file.valid()) return PathError(create_error, "creating", temp_path);

  auto fail = [&](int error, std::string_view what, std::string_view path) {
    file.Reset();
    ::unlinkat(shard_fd.get(), temp_name.c_str(), 0);
    return PathError(error, what, path);
  };
  if (int error = WriteFully(file.get(), bytes); error != 0) {
    return fail(error, "writing", temp_path);
  }
  // Durable contents before the name: after a crash the entry's name must
  // never point at a file whose data did not reach the disk.
  if (int error = FsyncFully(file.get()); error != 0) return fail(error, "syncing", temp_path);
  if (int error = file.Close(); error != 0) return fail(error, "closing", temp_path);

  const std::string entry_name = EntryFileName(key);
  const std::string entry_path = absl::StrCat(shard_path, "/", entry_name);
  if (::renameat(shard_fd.get(), temp_name.c_str(), shard_fd.get(), entry_name.c_str()) != 0) {
    return fail(errno, "renaming into place", entry_path);
  }
  // The rename is durable only once the folder is; a new shard folder's own
  // name lives in the root. If either fails, the entry is taken back out so
  // that an error always means "not stored".
  int error = FsyncFully(shard_fd.get());
  std::string_view failed_folder = shard_path;
  if (error == 0 && shard_created) {
    error = FsyncFully(root_fd_);
    failed_folder = root_;
  }
  if (error != 0) {
    ::unlinkat(shard_fd.get(), entry_name.c_str(), 0);
    return PathError(error, "syncing folder", failed_folder);
  }
  return absl::OkStatus();
}

void DiskTier::Remove(const CacheKey& key) {
  UnlinkEntry(key);
  absl::MutexLock lock(&mu_);
  DropLocked(key);
}

TierStats DiskTier::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void DiskTier::RecordUseLocked(const CacheKey& key, uint64_t size) {
  DropLocked(key);
  // Only another process (with a larger budget) can have written an entry
  // this big; it is theirs to evict, and tracking it would evict everything
  // else here.
  if (size > budget_bytes_) return;
  lru_.push_front(IndexEntry{key, size});
  index_.emplace(key, lru_.begin());
  ++stats_.entries;
  stats_.bytes += size;
  EvictToBudgetLocked();
}

void DiskTier::EvictToBudgetLocked() {
  while (stats_.bytes > budget_bytes_ && !lru_.empty()) {
    const CacheKey victim = lru_.back().key;
    UnlinkEntry(victim);
    DropLocked(victim);
    ++stats_.evictions;
  }
}

void DiskTier::DropLocked(const CacheKey& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return;
  --stats_.entries;
  stats_.bytes -= it->second->size;
  lru_.erase(it->second);
  index_.erase(it);
}

void DiskTier::UnlinkEntry(const CacheKey& key) const {
  // ENOENT is fine: another process evicted or removed it first.
  ::unlinkat(root_fd_, RelativeEntryPath(key).c_str(), 0);
}

}  // namespace kiln::cache
