#include "fd_table.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <utility>

namespace kiln::wasi {

Errno FdTable::Get(uint32_t fd, uint64_t needed, Descriptor** out) {
  auto it = table_.find(fd);
  if (it == table_.end()) return Errno::kBadf;
  if ((it->second.rights_base & needed) != needed) return Errno::kNotCapable;
  *out = &it->second;
  return Errno::kSuccess;
}

Errno FdTable::Insert(Descriptor d, uint32_t* fd) {
  if (table_.size() >= max_open_) return Errno::kMfile;
  uint32_t candidate = 0;
  for (const auto& [number, unused] : table_) {
    if (number != candidate) break;
    ++candidate;
  }
  table_.emplace(candidate, std::move(d));
  *fd = candidate;
  return Errno::kSuccess;
}

Errno FdTable::Close(uint32_t fd) {
  return table_.erase(fd) == 1 ? Errno::kSuccess : Errno::kBadf;
}

Errno FdTable::Renumber(uint32_t from, uint32_t to) {
  auto source = table_.find(from);
  if (source == table_.end() || !table_.contains(to)) return Errno::kBadf;
  if (from == to) return Errno::kSuccess;
  Descriptor moved = std::move(source->second);
  table_.erase(source);
  table_[to] = std::move(moved);
  return Errno::kSuccess;
}

FileType FileTypeOfMode(mode_t mode) {
  if (S_ISREG(mode)) return FileType::kRegularFile;
  if (S_ISDIR(mode)) return FileType::kDirectory;
  if (S_ISCHR(mode)) return FileType::kCharacterDevice;
  if (S_ISBLK(mode)) return FileType::kBlockDevice;
  if (S_ISLNK(mode)) return FileType::kSymbolicLink;
  if (S_ISSOCK(mode)) return FileType::kSocketStream;
  return FileType::kUnknown;  // a pipe
}

FileType HostFileType(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return FileType::kUnknown;
  if (S_ISSOCK(st.st_mode)) {
    int type = 0;
    socklen_t size = sizeof(type);
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) == 0 && type == SOCK_DGRAM) {
      return FileType::kSocketDgram;
    }
  }
  return FileTypeOfMode(st.st_mode);
}

}  // namespace kiln::wasi
