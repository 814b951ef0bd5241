// wasi_errno.h — wasi_snapshot_preview1's errno values and the mapping
// from the host's errno.
#ifndef KILN_RUNTIME_WASI_SRC_WASI_ERRNO_H_
#define KILN_RUNTIME_WASI_SRC_WASI_ERRNO_H_

#include <cstdint>

namespace kiln::wasi {

// The values the preview1 witx gives each errno, in its order.
enum class Errno : uint16_t {
  kSuccess = 0, k2Big, kAcces, kAddrInUse, kAddrNotAvail, kAfNoSupport, kAgain, kAlready,
  kBadf, kBadMsg, kBusy, kCanceled, kChild, kConnAborted, kConnRefused, kConnReset, kDeadlk,
  kDestAddrReq, kDom, kDquot, kExist, kFault, kFbig, kHostUnreach, kIdrm, kIlseq, kInProgress,
  kIntr, kInval, kIo, kIsConn, kIsDir, kLoop, kMfile, kMlink, kMsgSize, kMultihop,
  kNameTooLong, kNetDown, kNetReset, kNetUnreach, kNfile, kNoBufs, kNoDev, kNoEnt, kNoExec,
  kNoLck, kNoLink, kNoMem, kNoMsg, kNoProtoOpt, kNoSpc, kNoSys, kNotConn, kNotDir, kNotEmpty,
  kNotRecoverable, kNotSock, kNotSup, kNoTty, kNxio, kOverflow, kOwnerDead, kPerm, kPipe,
  kProto, kProtoNoSupport, kProtoType, kRange, kRofs, kSpipe, kSrch, kStale, kTimedOut,
  kTxtBsy, kXdev, kNotCapable,
};

// The WASI errno for a host errno value (EIO for one WASI lacks).
Errno FromHostErrno(int host_errno);

// The WASI errno for the host's current errno.
Errno LastHostErrno();

}  // namespace kiln::wasi

#endif  // KILN_RUNTIME_WASI_SRC_WASI_ERRNO_H_
