#include "fingerprint_memo.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <span>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "kiln/crypto/sha256.h"
#include "kiln/runtime/host_cpu_identity.h"
#include "kiln/wasm/version.h"
#include "kiln/wasm/vm_abi.h"

namespace kiln::client {
namespace {

// Fingerprints are one line of a few hundred bytes.
constexpr size_t kMaxMemoBytes = 8192;

std::string MemoPath(const std::string& cache_dir, const jit::CompilerOptions& options) {
  const std::string name = absl::StrCat(
      "kiln=", std::string(KilnVersion()), ";kiln-vm-abi=", vm::kVmAbiVersion, ";llvm=", KILN_LLVM_VERSION,
      ";cpu=", options.cpu, ";opt=", std::string(jit::OptLevelName(options.opt_level)),
      ";epoch=", options.epoch_interruption ? 1 : 0, ";host=", runtime::HostCpuIdentity());
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(name.data()), name.size());
  return absl::StrCat(cache_dir, "/compilers/", crypto::DigestToHex(crypto::Sha256::Of(bytes)));
}

bool LooksLikeFingerprint(std::string_view text) {
  return text.starts_with("kiln=") && text.find('\n') == std::string_view::npos;
}

}  // namespace

std::optional<std::string> ReadFingerprintMemo(const std::string& cache_dir,
                                               const jit::CompilerOptions& options) {
  const int fd = ::open(MemoPath(cache_dir, options).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  std::string text(kMaxMemoBytes, '\0');
  size_t size = 0;
  for (;;) {
    const ssize_t n = ::read(fd, text.data() + size, text.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    size += static_cast<size_t>(n);
    if (size == text.size()) break;
  }
  ::close(fd);
  text.resize(size);
  if (!LooksLikeFingerprint(text)) return std::nullopt;
  return text;
}

void WriteFingerprintMemo(const std::string& cache_dir, const jit::CompilerOptions& options,
                          const std::string& fingerprint) {
  if (!LooksLikeFingerprint(fingerprint) || fingerprint.size() >= kMaxMemoBytes) return;
  if (ReadFingerprintMemo(cache_dir, options) == fingerprint) return;
  const std::string folder = absl::StrCat(cache_dir, "/compilers");
  if (::mkdir(folder.c_str(), 0755) != 0 && errno != EEXIST) return;
  // Written whole under a temporary name, then renamed: a reader sees the
  // old memo, the new one, or none.
  const std::string path = MemoPath(cache_dir, options);
  const std::string temp = absl::StrCat(path, ".tmp-", ::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return;
  const bool written =
      ::write(fd, fingerprint.data(), fingerprint.size()) == static_cast<ssize_t>(fingerprint.size());
  const bool closed = ::close(fd) == 0;
  if (!written || !closed || ::rename(temp.c_str(), path.c_str()) != 0) ::unlink(temp.c_str());
}

}  // namespace kiln::client
