#include "kiln/server/instance_registry.h"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace kiln::server {
namespace {

// 128 bits from the kernel's CSPRNG, as 32 lowercase hex digits.
std::string RandomId() {
  std::array<char, 16> bytes;
  size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t n = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // getrandom only fails like this without kernel support (pre-3.17);
      // an ID from anything weaker would be guessable, so stop here.
      std::abort();
    }
    filled += static_cast<size_t>(n);
  }
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

}  // namespace

InstanceRegistry::InstanceRegistry(uint32_t max_instances, std::chrono::seconds idle_timeout)
    : max_instances_(max_instances), idle_timeout_(idle_timeout) {
  if (idle_timeout_.count() > 0) {
    reaper_ = std::jthread([this](std::stop_token stop) { ReaperLoop(std::move(stop)); });
  }
}

InstanceRegistry::~InstanceRegistry() {
  if (reaper_.joinable()) {
    reaper_.request_stop();
    reaper_.join();
  }
  absl::flat_hash_map<std::string, Entry> entries;
  {
    absl::MutexLock lock(&mu_);
    entries.swap(entries_);
  }
}

InstanceRegistry::Reservation::~Reservation() {
  if (registry_ != nullptr) registry_->Unreserve();
}

absl::StatusOr<InstanceRegistry::Reservation> InstanceRegistry::Reserve() {
  absl::MutexLock lock(&mu_);
  if (entries_.size() + reserved_ >= max_instances_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("this daemon already holds its limit of ", max_instances_,
                     " instances (--max-instances; Execute calls in progress count too): "
                     "drop some, or try again once calls end"));
  }
  ++reserved_;
  return Reservation(this);
}

void InstanceRegistry::Unreserve() {
  absl::MutexLock lock(&mu_);
  --reserved_;
}

std::string InstanceRegistry::Add(Reservation reservation, std::shared_ptr<LiveInstance> instance) {
  std::string id = RandomId();
  absl::MutexLock lock(&mu_);
  // The reservation's room becomes the entry's.
  reservation.registry_ = nullptr;
  --reserved_;
  entries_[id] = Entry{std::move(instance), 0, Clock::now()};
  return id;
}

InstanceRegistry::Lease::Lease(Lease&& other) noexcept
    : registry_(other.registry_), id_(std::move(other.id_)), instance_(std::move(other.instance_)) {
  other.registry_ = nullptr;
}

InstanceRegistry::Lease::~Lease() {
  if (registry_ != nullptr) registry_->EndLease(id_);
}

InstanceRegistry::Lease InstanceRegistry::Use(std::string_view id) {
  Lease lease;
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(absl::string_view(id.data(), id.size()));
  if (it == entries_.end()) return lease;
  ++it->second.leases;
  lease.registry_ = this;
  lease.id_ = std::string(id);
  lease.instance_ = it->second.instance;
  return lease;
}

void InstanceRegistry::EndLease(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  // Gone when it was dropped during the call.
  if (it == entries_.end()) return;
  --it->second.leases;
  it->second.last_used = Clock::now();
}

bool InstanceRegistry::Drop(std::string_view id) {
  std::shared_ptr<LiveInstance> dropped;  // freed after the lock is released
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(absl::string_view(id.data(), id.size()));
  if (it == entries_.end()) return false;
  dropped = std::move(it->second.instance);
  entries_.erase(it);
  return true;
}

size_t InstanceRegistry::DropIdle(Clock::time_point now) {
  std::vector<std::shared_ptr<LiveInstance>> dropped;  // freed after the lock
  absl::MutexLock lock(&mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    const Entry& entry = it->second;
    if (entry.leases == 0 && now - entry.last_used > idle_timeout_) {
      dropped.push_back(entry.instance);
      entries_.erase(it++);
    } else {
      ++it;
    }
  }
  return dropped.size();
}

uint32_t InstanceRegistry::live() const {
  absl::MutexLock lock(&mu_);
  return static_cast<uint32_t>(entries_.size());
}

void InstanceRegistry::ReaperLoop(std::stop_token stop) {
  // Often enough that an instance outlives its timeout by a small fraction.
  const auto period = std::clamp<std::chrono::milliseconds>(
      std::chrono::duration_cast<std::chrono::milliseconds>(idle_timeout_) / 4,
      std::chrono::milliseconds(100), std::chrono::milliseconds(5000));
  std::unique_lock lock(reaper_mutex_);
  while (!reaper_wake_.wait_for(lock, stop, period, [&stop] { return stop.stop_requested(); })) {
    DropIdle(Clock::now());
  }
}

}  // namespace kiln::server
