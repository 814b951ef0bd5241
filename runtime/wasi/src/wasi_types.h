// wasi_types.h — preview1's constants and struct layouts (from its witx),
// as the guest's memory holds them.
#ifndef KILN_RUNTIME_WASI_SRC_WASI_TYPES_H_
#define KILN_RUNTIME_WASI_SRC_WASI_TYPES_H_

#include <cstdint>

namespace kiln::wasi {

enum class FileType : uint8_t {
  kUnknown = 0, kBlockDevice, kCharacterDevice, kDirectory, kRegularFile, kSocketDgram,
  kSocketStream, kSymbolicLink,
};

// Rights: one bit each, in the witx's order.
namespace rights {
inline constexpr uint64_t kFdDatasync = 1ull << 0;
inline constexpr uint64_t kFdRead = 1ull << 1;
inline constexpr uint64_t kFdSeek = 1ull << 2;
inline constexpr uint64_t kFdFdstatSetFlags = 1ull << 3;
inline constexpr uint64_t kFdSync = 1ull << 4;
inline constexpr uint64_t kFdTell = 1ull << 5;
inline constexpr uint64_t kFdWrite = 1ull << 6;
inline constexpr uint64_t kFdAdvise = 1ull << 7;
inline constexpr uint64_t kFdAllocate = 1ull << 8;
inline constexpr uint64_t kPathCreateDirectory = 1ull << 9;
inline constexpr uint64_t kPathCreateFile = 1ull << 10;
inline constexpr uint64_t kPathLinkSource = 1ull << 11;
inline constexpr uint64_t kPathLinkTarget = 1ull << 12;
inline constexpr uint64_t kPathOpen = 1ull << 13;
inline constexpr uint64_t kFdReaddir = 1ull << 14;
inline constexpr uint64_t kPathReadlink = 1ull << 15;
inline constexpr uint64_t kPathRenameSource = 1ull << 16;
inline constexpr uint64_t kPathRenameTarget = 1ull << 17;
inline constexpr uint64_t kPathFilestatGet = 1ull << 18;
inline constexpr uint64_t kPathFilestatSetSize = 1ull << 19;
inline constexpr uint64_t kPathFilestatSetTimes = 1ull << 20;
inline constexpr uint64_t kFdFilestatGet = 1ull << 21;
inline constexpr uint64_t kFdFilestatSetSize = 1ull << 22;
inline constexpr uint64_t kFdFilestatSetTimes = 1ull << 23;
inline constexpr uint64_t kPathSymlink = 1ull << 24;
inline constexpr uint64_t kPathRemoveDirectory = 1ull << 25;
inline constexpr uint64_t kPathUnlinkFile = 1ull << 26;
inline constexpr uint64_t kPollFdReadwrite = 1ull << 27;
inline constexpr uint64_t kSockShutdown = 1ull << 28;
inline constexpr uint64_t kSockAccept = 1ull << 29;
inline constexpr uint64_t kAll = (1ull << 30) - 1;

// What applies to a regular file (or any stream).
inline constexpr uint64_t kFile = kFdDatasync | kFdRead | kFdSeek | kFdFdstatSetFlags |
                                  kFdSync | kFdTell | kFdWrite | kFdAdvise | kFdAllocate |
                                  kFdFilestatGet | kFdFilestatSetSize | kFdFilestatSetTimes |
                                  kPollFdReadwrite;
// What applies to a directory.
inline constexpr uint64_t kDirectory =
    kFdFdstatSetFlags | kFdSync | kFdAdvise | kPathCreateDirectory | kPathCreateFile |
    kPathLinkSource | kPathLinkTarget | kPathOpen | kFdReaddir | kPathReadlink |
    kPathRenameSource | kPathRenameTarget | kPathFilestatGet | kPathFilestatSetSize |
    kPathFilestatSetTimes | kFdFilestatGet | kFdFilestatSetTimes | kPathSymlink |
    kPathRemoveDirectory | kPathUnlinkFile;
// What changes the file system; a read-only preopen has none of them.
inline constexpr uint64_t kWriting =
    kFdDatasync | kFdWrite | kFdAllocate | kPathCreateDirectory | kPathCreateFile |
    kPathLinkSource | kPathLinkTarget | kPathRenameSource | kPathRenameTarget |
    kPathFilestatSetSize | kPathFilestatSetTimes | kFdFilestatSetSize | kFdFilestatSetTimes |
    kPathSymlink | kPathRemoveDirectory | kPathUnlinkFile;
// A socket's.
inline constexpr uint64_t kSocket = kFdRead | kFdWrite | kFdFdstatSetFlags | kFdFilestatGet |
                                    kPollFdReadwrite | kSockShutdown | kSockAccept;
}  // namespace rights

namespace fdflags {
inline constexpr uint16_t kAppend = 1 << 0;
inline constexpr uint16_t kDsync = 1 << 1;
inline constexpr uint16_t kNonblock = 1 << 2;
inline constexpr uint16_t kRsync = 1 << 3;
inline constexpr uint16_t kSync = 1 << 4;
inline constexpr uint16_t kAll = (1 << 5) - 1;
}  // namespace fdflags

namespace oflags {
inline constexpr uint16_t kCreat = 1 << 0;
inline constexpr uint16_t kDirectory = 1 << 1;
inline constexpr uint16_t kExcl = 1 << 2;
inline constexpr uint16_t kTrunc = 1 << 3;
}  // namespace oflags

inline constexpr uint32_t kLookupSymlinkFollow = 1 << 0;

namespace fstflags {
inline constexpr uint16_t kAtim = 1 << 0;
inline constexpr uint16_t kAtimNow = 1 << 1;
inline constexpr uint16_t kMtim = 1 << 2;
inline constexpr uint16_t kMtimNow = 1 << 3;
}  // namespace fstflags

enum class Whence : uint8_t { kSet = 0, kCur = 1, kEnd = 2 };
enum class ClockId : uint32_t { kRealtime = 0, kMonotonic, kProcessCputime, kThreadCputime };
enum class EventType : uint8_t { kClock = 0, kFdRead = 1, kFdWrite = 2 };
inline constexpr uint16_t kSubclockAbstime = 1 << 0;
inline constexpr uint16_t kEventFdReadwriteHangup = 1 << 0;

// Struct sizes and field offsets in guest memory.
inline constexpr uint32_t kIovecSize = 8;        // buf u32, buf_len u32
inline constexpr uint32_t kFdstatSize = 24;      // filetype u8 @0, flags u16 @2, base @8, inheriting @16
inline constexpr uint32_t kFilestatSize = 64;    // dev, ino, filetype u8 @16, nlink @24, size, atim, mtim, ctim
inline constexpr uint32_t kDirentSize = 24;      // d_next @0, d_ino @8, d_namlen u32 @16, d_type u8 @20
inline constexpr uint32_t kPrestatSize = 8;      // tag u8 @0, name_len u32 @4
inline constexpr uint32_t kSubscriptionSize = 48;
inline constexpr uint32_t kEventSize = 32;

}  // namespace kiln::wasi

#endif  // KILN_RUNTIME_WASI_SRC_WASI_TYPES_H_
