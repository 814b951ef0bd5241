#include "wast2json.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace kiln::spec {
namespace {

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Each line of `text` on a line of its own, indented to sit under the
// runner's failure line.
std::string Indent(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    if (!line.empty()) absl::StrAppend(&out, "\n    ", std::string(line));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
  }
  return out;
}

}  // namespace

absl::StatusOr<TempDir> TempDir::Create() {
  std::error_code error;
  std::filesystem::path base = std::filesystem::temp_directory_path(error);
  if (error) base = "/tmp";
  std::string pattern = (base / "kiln-spec-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp(", pattern, "): ", std::strerror(errno)));
  }
  return TempDir(std::filesystem::path(pattern));
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ignored;  // a leftover temp folder is not worth failing a test run for
  std::filesystem::remove_all(path_, ignored);
}

absl::StatusOr<std::filesystem::path> FindOnPath(std::string_view name) {
  const char* path_env = std::getenv("PATH");
  std::string_view dirs = path_env != nullptr ? path_env : "";
  while (true) {
    const size_t colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    // POSIX: an empty PATH entry means the current folder.
    std::filesystem::path candidate =
        std::filesystem::path(dir.empty() ? "." : std::string(dir)) / std::string(name);
    std::error_code error;
    if (std::filesystem::is_regular_file(candidate, error) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return absl::NotFoundError(absl::StrCat(std::string(name), " not found on PATH"));
}

absl::StatusOr<std::filesystem::path> ConvertWast(const std::filesystem::path& wast2json,
                                                  const std::filesystem::path& wast,
                                                  const std::filesystem::path& out_folder) {
  const std::filesystem::path json = out_folder / "x.json";
  const std::filesystem::path log = out_folder / "wast2json.log";

  // wast2json's own diagnostics go to a file so they can be shown with the
  // failure instead of interleaving with the runner's report.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);

  std::vector<std::string> args = {wast2json.string(), wast.string(), "-o", json.string()};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  const int spawn_error =
      posix_spawn(&pid, wast2json.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    return absl::InternalError(
        absl::StrCat("cannot run ", wast2json.string(), ": ", std::strerror(spawn_error)));
  }

  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0) {
    if (errno != EINTR) {
      return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
    }
  }
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    std::string how = WIFEXITED(wait_status)
                          ? absl::StrCat("exit status ", WEXITSTATUS(wait_status))
                          : absl::StrCat("signal ", WTERMSIG(wait_status));
    return absl::InvalidArgumentError(
        absl::StrCat("wast2json failed (", how, ")", Indent(ReadText(log))));
  }
  return json;
}

}  // namespace kiln::spec
