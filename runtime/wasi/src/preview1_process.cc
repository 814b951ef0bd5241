// preview1's arguments, environment, clocks, randomness, scheduling and
// polling.
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>

#include "preview1.h"

namespace kiln::wasi {
namespace {

std::optional<clockid_t> HostClock(uint32_t id) {
  switch (static_cast<ClockId>(id)) {
    case ClockId::kRealtime: return CLOCK_REALTIME;
    case ClockId::kMonotonic: return CLOCK_MONOTONIC;
    case ClockId::kProcessCputime: return CLOCK_PROCESS_CPUTIME_ID;
    case ClockId::kThreadCputime: return CLOCK_THREAD_CPUTIME_ID;
  }
  return std::nullopt;
}

uint64_t Nanoseconds(const timespec& t) {
  return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(t.tv_nsec);
}

}  // namespace

Errno Preview1::WriteStringList(const std::vector<std::string>& list, uint32_t pointers,
                                uint32_t buf) const {
  uint64_t at = buf;
  for (size_t i = 0; i < list.size(); ++i) {
    if (!memory_.Write<uint32_t>(pointers + uint64_t{4} * i, static_cast<uint32_t>(at))) {
      return Errno::kFault;
    }
    std::optional<std::span<uint8_t>> bytes = memory_.Bytes(at, list[i].size() + 1);
    if (!bytes.has_value()) return Errno::kFault;
    std::copy(list[i].begin(), list[i].end(), bytes->begin());
    (*bytes)[list[i].size()] = 0;
    at += list[i].size() + 1;
  }
  return Errno::kSuccess;
}

Errno Preview1::WriteStringListSizes(const std::vector<std::string>& list, uint32_t count_out,
                                     uint32_t size_out) const {
  uint64_t size = 0;
  for (const std::string& s : list) size += s.size() + 1;
  if (!memory_.Write<uint32_t>(count_out, static_cast<uint32_t>(list.size())) ||
      !memory_.Write<uint32_t>(size_out, static_cast<uint32_t>(size))) {
    return Errno::kFault;
  }
  return Errno::kSuccess;
}

Errno Preview1::ArgsGet(uint32_t argv, uint32_t argv_buf) {
  return WriteStringList(args_, argv, argv_buf);
}
Errno Preview1::ArgsSizesGet(uint32_t argc_out, uint32_t buf_size_out) {
  return WriteStringListSizes(args_, argc_out, buf_size_out);
}
Errno Preview1::EnvironGet(uint32_t environ, uint32_t environ_buf) {
  return WriteStringList(env_, environ, environ_buf);
}
Errno Preview1::EnvironSizesGet(uint32_t count_out, uint32_t buf_size_out) {
  return WriteStringListSizes(env_, count_out, buf_size_out);
}

Errno Preview1::ClockResGet(uint32_t id, uint32_t resolution_out) {
  std::optional<clockid_t> clock = HostClock(id);
  if (!clock.has_value()) return Errno::kInval;
  timespec t;
  if (::clock_getres(*clock, &t) != 0) return LastHostErrno();
  return memory_.Write<uint64_t>(resolution_out, Nanoseconds(t)) ? Errno::kSuccess
                                                                   : Errno::kFault;
}

Errno Preview1::ClockTimeGet(uint32_t id, uint64_t /*precision*/, uint32_t time_out) {
  std::optional<clockid_t> clock = HostClock(id);
  if (!clock.has_value()) return Errno::kInval;
  timespec t;
  if (::clock_gettime(*clock, &t) != 0) return LastHostErrno();
  return memory_.Write<uint64_t>(time_out, Nanoseconds(t)) ? Errno::kSuccess : Errno::kFault;
}

Errno Preview1::RandomGet(uint32_t buf, uint32_t buf_len) {
  std::optional<std::span<uint8_t>> bytes = memory_.Bytes(buf, buf_len);
  if (!bytes.has_value()) return Errno::kFault;
  size_t done = 0;
  while (done < bytes->size()) {
    const ssize_t n = ::getrandom(bytes->data() + done, bytes->size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return LastHostErrno();
    }
    done += static_cast<size_t>(n);
  }
  return Errno::kSuccess;
}

Errno Preview1::SchedYield() {
  ::sched_yield();
  return Errno::kSuccess;
}

// Clock subscriptions become one timeout (the earliest); descriptor
// subscriptions become poll(2) entries. Whatever is ready when poll
// returns is reported; the clocks whose time has come are reported when
// nothing else is ready by then.
Errno Preview1::PollOneoff(uint32_t in, uint32_t out, uint32_t nsubscriptions,
                           uint32_t nevents_out) {
  if (nsubscriptions == 0) return Errno::kInval;
  if (!memory_.Bytes(in, uint64_t{nsubscriptions} * kSubscriptionSize).has_value() ||
      !memory_.Bytes(out, uint64_t{nsubscriptions} * kEventSize).has_value()) {
    return Errno::kFault;
  }
  struct Event {
    uint64_t userdata;
    Errno error;
    EventType type;
    uint64_t nbytes;
    uint16_t flags;
  };
  std::vector<Event> events;
  std::vector<pollfd> polled;
  std::vector<uint64_t> polled_userdata;
  std::vector<EventType> polled_types;
  struct Clock {
    uint64_t userdata;
    uint64_t deadline;  // on the monotonic clock
  };
  std::vector<Clock> clocks;
  timespec now_mono;
  ::clock_gettime(CLOCK_MONOTONIC, &now_mono);
  const uint64_t start = Nanoseconds(now_mono);

  for (uint32_t i = 0; i < nsubscriptions; ++i) {
    const uint64_t s = in + uint64_t{i} * kSubscriptionSize;
    const uint64_t userdata = *memory_.Read<uint64_t>(s);
    const uint8_t tag = *memory_.Read<uint8_t>(s + 8);
    if (tag == static_cast<uint8_t>(EventType::kClock)) {
      const uint32_t id = *memory_.Read<uint32_t>(s + 16);
      const uint64_t timeout = *memory_.Read<uint64_t>(s + 24);
      const uint16_t flags = *memory_.Read<uint16_t>(s + 40);
      std::optional<clockid_t> clock = HostClock(id);
      if (!clock.has_value()) {
        events.push_back({userdata, Errno::kInval, EventType::kClock, 0, 0});
        continue;
      }
      uint64_t relative = timeout;
      if ((flags & kSubclockAbstime) != 0) {
        timespec now;
        ::clock_gettime(*clock, &now);
        relative = timeout > Nanoseconds(now) ? timeout - Nanoseconds(now) : 0;
      }
      const uint64_t deadline =
          relative > std::numeric_limits<uint64_t>::max() - start ? std::numeric_limits<uint64_t>::max()
                                                                  : start + relative;
      clocks.push_back({userdata, deadline});
    } else if (tag == static_cast<uint8_t>(EventType::kFdRead) ||
               tag == static_cast<uint8_t>(EventType::kFdWrite)) {
      const auto type = static_cast<EventType>(tag);
      const uint32_t fd = *memory_.Read<uint32_t>(s + 16);
      Descriptor* d = nullptr;
      if (Errno e = fds_.Get(fd, rights::kPollFdReadwrite, &d); e != Errno::kSuccess) {
        events.push_back({userdata, e, type, 0, 0});
        continue;
      }
      polled.push_back({d->fd.get(), static_cast<short>(type == EventType::kFdRead ? POLLIN : POLLOUT), 0});
      polled_userdata.push_back(userdata);
      polled_types.push_back(type);
    } else {
      events.push_back({userdata, Errno::kInval, static_cast<EventType>(tag), 0, 0});
    }
  }

  // Wait only when nothing is known yet.
  timespec timeout{};
  timespec* wait = nullptr;
  if (!events.empty()) {
    wait = &timeout;  // zero: just look
  } else if (!clocks.empty()) {
    uint64_t earliest = std::numeric_limits<uint64_t>::max();
    for (const Clock& c : clocks) earliest = std::min(earliest, c.deadline);
    const uint64_t relative = earliest > start ? earliest - start : 0;
    timeout.tv_sec = static_cast<time_t>(std::min<uint64_t>(relative / 1'000'000'000u,
                                                            std::numeric_limits<int32_t>::max()));
    timeout.tv_nsec = static_cast<long>(relative % 1'000'000'000u);
    wait = &timeout;
  }
  // With an interruption check, wait in slices of at most 10 ms. A signal
  // (the runtime interrupts guests past their deadline with one) ends a
  // slice early: the time left comes from the clock, not from counting.
  const bool forever = wait == nullptr;
  const uint64_t end = forever ? 0 : start + Nanoseconds(*wait);
  int ready = 0;
  for (;;) {
    timespec now;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const uint64_t left = forever ? std::numeric_limits<uint64_t>::max()
                                  : (end > Nanoseconds(now) ? end - Nanoseconds(now) : 0);
    uint64_t slice_ns = left;
    if (interrupted_) slice_ns = std::min<uint64_t>(slice_ns, 10'000'000);
    timespec slice{static_cast<time_t>(std::min<uint64_t>(slice_ns / 1'000'000'000u,
                                                           std::numeric_limits<int32_t>::max())),
                   static_cast<long>(slice_ns % 1'000'000'000u)};
    const bool unbounded = forever && !interrupted_;
    ready = ::ppoll(polled.data(), polled.size(), unbounded ? nullptr : &slice, nullptr);
    if (ready > 0 || (ready < 0 && errno != EINTR)) break;
    if (interrupted_ && interrupted_()) return Errno::kIntr;
    if (ready == 0 && (left == slice_ns || unbounded)) {  // the whole wait is over
      break;
    }
    ready = 0;
  }
  if (ready < 0) return LastHostErrno();
  for (size_t i = 0; i < polled.size(); ++i) {
    const short revents = polled[i].revents;
    if (revents == 0) continue;
    Event e{polled_userdata[i], Errno::kSuccess, polled_types[i], 0, 0};
    if ((revents & POLLNVAL) != 0) e.error = Errno::kBadf;
    if ((revents & POLLHUP) != 0) e.flags |= kEventFdReadwriteHangup;
    if (polled_types[i] == EventType::kFdRead) {
      int available = 0;
      struct stat st;
      if (::fstat(polled[i].fd, &st) == 0 && S_ISREG(st.st_mode)) {
        const off_t position = ::lseek(polled[i].fd, 0, SEEK_CUR);
        e.nbytes = position >= 0 && st.st_size > position ? static_cast<uint64_t>(st.st_size - position) : 0;
      } else if (::ioctl(polled[i].fd, FIONREAD, &available) == 0 && available > 0) {
        e.nbytes = static_cast<uint64_t>(available);
      }
    }
    events.push_back(e);
  }
  if (events.empty()) {
    timespec after;
    ::clock_gettime(CLOCK_MONOTONIC, &after);
    for (const Clock& c : clocks) {
      if (c.deadline <= Nanoseconds(after)) {
        events.push_back({c.userdata, Errno::kSuccess, EventType::kClock, 0, 0});
      }
    }
  }
  for (size_t i = 0; i < events.size(); ++i) {
    const uint64_t e = out + uint64_t{i} * kEventSize;
    std::optional<std::span<uint8_t>> bytes = memory_.Bytes(e, kEventSize);
    std::fill(bytes->begin(), bytes->end(), 0);
    memory_.Write<uint64_t>(e, events[i].userdata);
    memory_.Write<uint16_t>(e + 8, static_cast<uint16_t>(events[i].error));
    memory_.Write<uint8_t>(e + 10, static_cast<uint8_t>(events[i].type));
    memory_.Write<uint64_t>(e + 16, events[i].nbytes);
    memory_.Write<uint16_t>(e + 24, events[i].flags);
  }
  return memory_.Write<uint32_t>(nevents_out, static_cast<uint32_t>(events.size()))
             ? Errno::kSuccess
             : Errno::kFault;
}

}  // namespace kiln::wasi
