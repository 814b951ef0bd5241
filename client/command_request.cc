#include "kiln/client/command_request.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "wasi_file_path.h"

namespace kiln::client {
namespace {

namespace fs = std::filesystem;

}  // namespace

CommandRequest CommandRequest::ForModule(std::span<const uint8_t> module,
                                         const v1::CompileOptions& options) {
  CommandRequest request;
  request.request_.mutable_module()->set_module(module.data(), module.size());
  *request.request_.mutable_module()->mutable_options() = options;
  return request;
}

CommandRequest CommandRequest::ForCacheKey(std::string_view cache_key) {
  CommandRequest request;
  request.request_.mutable_module()->set_cache_key(std::string(cache_key));
  return request;
}

CommandRequest& CommandRequest::Args(std::vector<std::string> args) {
  request_.clear_args();
  for (std::string& a : args) request_.add_args(std::move(a));
  return *this;
}

CommandRequest& CommandRequest::Env(std::string_view name, std::string_view value) {
  request_.add_env(absl::StrCat(std::string(name), "=", std::string(value)));
  return *this;
}

CommandRequest& CommandRequest::Stdin(std::string bytes) {
  request_.set_stdin(std::move(bytes));
  return *this;
}

v1::WasiDirectory& CommandRequest::Directory(std::string_view guest_dir) {
  for (v1::WasiDirectory& dir : *request_.mutable_directories()) {
    if (dir.guest_path() == guest_dir) return dir;
  }
  v1::WasiDirectory* dir = request_.add_directories();
  dir->set_guest_path(std::string(guest_dir));
  return *dir;
}

CommandRequest& CommandRequest::AddFile(std::string_view guest_dir, std::string_view path,
                                        std::string contents) {
  v1::WasiFile* file = Directory(guest_dir).add_files();
  file->set_path(std::string(path));
  file->set_contents(std::move(contents));
  return *this;
}

absl::Status CommandRequest::AddHostDirectory(const std::string& host_dir,
                                              std::string_view guest_dir, bool read_only) {
  std::error_code error;
  if (!fs::is_directory(host_dir, error)) {
    return absl::InvalidArgumentError(absl::StrCat(host_dir, " is not a folder"));
  }
  v1::WasiDirectory& dir = Directory(guest_dir);
  dir.set_read_only(read_only);
  fs::recursive_directory_iterator it(host_dir, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const fs::file_status status = it->symlink_status(error);
    if (error || !fs::is_regular_file(status)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", it->path().string()));
    v1::WasiFile* file = dir.add_files();
    file->set_path(fs::relative(it->path(), host_dir).string());
    file->mutable_contents()->assign(std::istreambuf_iterator<char>(in), {});
  }
  if (error) return absl::InvalidArgumentError(absl::StrCat(host_dir, ": ", error.message()));
  return absl::OkStatus();
}

CommandRequest& CommandRequest::OperatorDirectory(std::string_view name,
                                                  std::string_view guest_path) {
  v1::OperatorDirectory* dir = request_.add_operator_directories();
  dir->set_name(std::string(name));
  dir->set_guest_path(std::string(guest_path));
  return *this;
}

CommandRequest& CommandRequest::ReturnFiles(bool return_files) {
  request_.set_return_files(return_files);
  return *this;
}

absl::Status WriteBackFiles(const v1::RunCommandResult& result,
                            const std::map<std::string, std::string>& host_dirs) {
  for (const v1::WasiDirectory& dir : result.directories()) {
    auto host = host_dirs.find(dir.guest_path());
    if (host == host_dirs.end()) continue;
    for (const v1::WasiFile& file : dir.files()) {
      if (absl::Status ok = wire::CheckWasiFilePath(file.path()); !ok.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("the daemon returned a file that may not be written: ", ok.message()));
      }
      const fs::path path = fs::path(host->second) / file.path();
      std::error_code error;
      fs::create_directories(path.parent_path(), error);
      // Replacing, not writing through: a symlink where the file was is
      // replaced, never followed.
      fs::remove(path, error);
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(file.contents().data(), static_cast<std::streamsize>(file.contents().size()));
      if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
    }
  }
  return absl::OkStatus();
}

}  // namespace kiln::client
