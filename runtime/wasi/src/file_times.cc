#include "file_times.h"

#include <sys/stat.h>

#include "wasi_types.h"

namespace kiln::wasi {
namespace {

timespec OneTime(uint64_t ns, bool given, bool now) {
  timespec t{};
  if (now) {
    t.tv_nsec = UTIME_NOW;
  } else if (given) {
    t.tv_sec = static_cast<time_t>(ns / 1'000'000'000u);
    t.tv_nsec = static_cast<long>(ns % 1'000'000'000u);
  } else {
    t.tv_nsec = UTIME_OMIT;
  }
  return t;
}

}  // namespace

Errno TimesFromFlags(uint64_t atim, uint64_t mtim, uint32_t flags, timespec times[2]) {
  constexpr uint32_t kKnown = fstflags::kAtim | fstflags::kAtimNow | fstflags::kMtim | fstflags::kMtimNow;
  if ((flags & ~kKnown) != 0) return Errno::kInval;
  if ((flags & fstflags::kAtim) && (flags & fstflags::kAtimNow)) return Errno::kInval;
  if ((flags & fstflags::kMtim) && (flags & fstflags::kMtimNow)) return Errno::kInval;
  times[0] = OneTime(atim, flags & fstflags::kAtim, flags & fstflags::kAtimNow);
  times[1] = OneTime(mtim, flags & fstflags::kMtim, flags & fstflags::kMtimNow);
  return Errno::kSuccess;
}

}  // namespace kiln::wasi
