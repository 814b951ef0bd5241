// fd_table.h — the guest's descriptors: each a host descriptor with the
// preview1 state that goes with it (type, rights, flags, preopen name,
// directory listing).
#ifndef KILN_RUNTIME_WASI_SRC_FD_TABLE_H_
#define KILN_RUNTIME_WASI_SRC_FD_TABLE_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "unique_fd.h"
#include "wasi_errno.h"
#include "wasi_types.h"

namespace kiln::wasi {

struct DirEntry {
  std::string name;
  uint64_t ino = 0;
  FileType type = FileType::kUnknown;
};

struct Descriptor {
  UniqueFd fd;
  FileType type = FileType::kUnknown;
  uint64_t rights_base = 0;
  uint64_t rights_inheriting = 0;
  std::optional<std::string> preopen;  // the guest path of a preopened directory
  bool read_only_tree = false;         // opened from a read-only preopen
  // fd_readdir's listing, read when a listing starts (cookie 0) and served
  // by cookie (an index) until the next start.
  std::vector<DirEntry> listing;
};

class FdTable {
 public:
  explicit FdTable(uint32_t max_open) : max_open_(max_open) {}

  // The descriptor `fd`, if open and holding every right in `needed`:
  // EBADF when not open, ENOTCAPABLE when a right is missing.
  Errno Get(uint32_t fd, uint64_t needed, Descriptor** out);
  // Adds `d` at the lowest free number; EMFILE when the table is full.
  Errno Insert(Descriptor d, uint32_t* fd);
  // Adds `d` at `fd` (only while setting up the table).
  void InsertAt(uint32_t fd, Descriptor d) { table_[fd] = std::move(d); }
  Errno Close(uint32_t fd);
  // fd_renumber: `to` (which must be open) is closed and `from` moves there.
  Errno Renumber(uint32_t from, uint32_t to);

 private:
  uint32_t max_open_;
  std::map<uint32_t, Descriptor> table_;
};

// The preview1 file type of a host descriptor (by fstat; sockets by their
// SO_TYPE).
FileType HostFileType(int fd);
// The preview1 file type of a stat mode (a socket as a stream socket).
FileType FileTypeOfMode(mode_t mode);

}  // namespace kiln::wasi

#endif  // KILN_RUNTIME_WASI_SRC_FD_TABLE_H_
