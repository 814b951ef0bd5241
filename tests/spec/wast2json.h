// wast2json.h — running wabt's wast2json on a .wast file.
//
// Every file is converted into its own fresh temporary folder, so modules
// of different scripts never share a name and nothing is left behind.
#ifndef KILN_TESTS_SPEC_WAST2JSON_H_
#define KILN_TESTS_SPEC_WAST2JSON_H_

#include <filesystem>
#include <string_view>

#include "absl/status/statusor.h"

namespace kiln::spec {

// A folder made with mkdtemp; removed with everything in it on destruction.
class TempDir {
 public:
  static absl::StatusOr<TempDir> Create();

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// The executable `name` as found on $PATH, or NOT_FOUND.
absl::StatusOr<std::filesystem::path> FindOnPath(std::string_view name);

// Runs `wast2json wast -o out_folder/x.json` and returns the JSON's path.
// On failure the status carries what wast2json printed.
absl::StatusOr<std::filesystem::path> ConvertWast(const std::filesystem::path& wast2json,
                                                  const std::filesystem::path& wast,
                                                  const std::filesystem::path& out_folder);

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_WAST2JSON_H_
