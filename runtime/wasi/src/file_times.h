// file_times.h — preview1's timestamps and fstflags as the host's
// utimensat/futimens take them.
#ifndef KILN_RUNTIME_WASI_SRC_FILE_TIMES_H_
#define KILN_RUNTIME_WASI_SRC_FILE_TIMES_H_

#include <time.h>

#include <cstdint>

#include "wasi_errno.h"

namespace kiln::wasi {

// `times[0]` (access) and `times[1]` (modification) for `flags`: a time
// given, now, or left as it is. EINVAL for unknown flags, or a time that
// is both given and now.
Errno TimesFromFlags(uint64_t atim, uint64_t mtim, uint32_t flags, timespec times[2]);

}  // namespace kiln::wasi

#endif  // KILN_RUNTIME_WASI_SRC_FILE_TIMES_H_
