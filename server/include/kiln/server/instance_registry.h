// kiln/server/instance_registry.h — the live instances of ExecutionService,
// by their random IDs.
//
// An instance is its own Store (the unit of isolation) plus the Instance in
// it. IDs are 128 bits from the kernel's CSPRNG, in hex: they are the only
// thing that names an instance, so they must not be guessable by another
// client. Calls on one instance hold its `call_mutex` (a Store is used by
// one thread at a time); calls on different instances run in parallel.
//
// Limits: at most `max_instances` exist at once (Reserve says
// RESOURCE_EXHAUSTED beyond; an Execute call holds a Reservation for its
// whole run without ever adding an instance), and a reaper thread drops
// instances that no call has used for `idle_timeout` (never one in use).
#ifndef KILN_SERVER_INSTANCE_REGISTRY_H_
#define KILN_SERVER_INSTANCE_REGISTRY_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kiln/runtime/extern.h"
#include "kiln/runtime/module.h"
#include "kiln/runtime/store.h"

namespace kiln::server {

struct LiveInstance {
  LiveInstance(std::shared_ptr<const runtime::Module> m, std::unique_ptr<runtime::Store> s,
               runtime::Instance i, std::chrono::milliseconds limit)
      : module(std::move(m)), store(std::move(s)), instance(i), time_limit(limit) {}

  // Members are destroyed in reverse: the Store before the module.
  const std::shared_ptr<const runtime::Module> module;
  const std::unique_ptr<runtime::Store> store;
  const runtime::Instance instance;
  // Each call's wall-clock limit, fixed when the instance was made.
  const std::chrono::milliseconds time_limit;
  std::mutex call_mutex;
};

class InstanceRegistry {
 public:
  using Clock = std::chrono::steady_clock;

  // `idle_timeout` zero: instances are kept until dropped.
  InstanceRegistry(uint32_t max_instances, std::chrono::seconds idle_timeout);
  // Stops the reaper and frees every instance.
  ~InstanceRegistry();
  InstanceRegistry(const InstanceRegistry&) = delete;
  InstanceRegistry& operator=(const InstanceRegistry&) = delete;

  // Room for one instance, held from before it is made (so that a burst of
  // requests cannot all build Stores and find out afterwards) until Add or
  // destruction.
  class Reservation {
   public:
    Reservation(Reservation&& other) noexcept : registry_(other.registry_) {
      other.registry_ = nullptr;
    }
    Reservation& operator=(Reservation&&) = delete;
    ~Reservation();

   private:
    friend class InstanceRegistry;
    explicit Reservation(InstanceRegistry* registry) : registry_(registry) {}
    InstanceRegistry* registry_;
  };

  // RESOURCE_EXHAUSTED when max_instances exist or are being made.
  absl::StatusOr<Reservation> Reserve();

  // Registers `instance` in the reserved room; returns its new ID.
  std::string Add(Reservation reservation, std::shared_ptr<LiveInstance> instance);

  // An instance in use: the reaper leaves it alone until the lease ends,
  // and a drop meanwhile only unlists it (the lease keeps it alive).
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    explicit operator bool() const { return instance_ != nullptr; }
    LiveInstance* operator->() const { return instance_.get(); }
    LiveInstance& operator*() const { return *instance_; }

   private:
    friend class InstanceRegistry;
    InstanceRegistry* registry_ = nullptr;
    std::string id_;
    std::shared_ptr<LiveInstance> instance_;
  };

  // An empty Lease for an unknown ID.
  Lease Use(std::string_view id);

  // False for an unknown ID.
  bool Drop(std::string_view id);

  // Drops instances idle since before `now - idle_timeout`; how many.
  size_t DropIdle(Clock::time_point now);

  uint32_t live() const;

 private:
  struct Entry {
    std::shared_ptr<LiveInstance> instance;
    uint32_t leases = 0;
    Clock::time_point last_used;
  };

  void EndLease(const std::string& id);
  void Unreserve();
  void ReaperLoop(std::stop_token stop);

  const uint32_t max_instances_;
  const std::chrono::seconds idle_timeout_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint32_t reserved_ ABSL_GUARDED_BY(mu_) = 0;

  std::mutex reaper_mutex_;
  std::condition_variable_any reaper_wake_;
  std::jthread reaper_;  // last: starts after everything it uses
};

}  // namespace kiln::server

#endif  // KILN_SERVER_INSTANCE_REGISTRY_H_
