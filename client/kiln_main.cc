// kiln — the command-line client.
//
//   kiln validate FILE.wasm...   decode and validate; prints "ok" or the error.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "kiln/wasm/validator.h"

namespace {

constexpr std::string_view kUsage =
    "usage: kiln <command> [args]\n"
    "\n"
    "commands:\n"
    "  validate FILE.wasm...  decode and validate modules (\"-\" reads standard input);\n"
    "                         prints \"ok\" or the error, exits 1 if any is invalid\n"
    "  help                   show this text\n";

absl::StatusOr<std::vector<uint8_t>> ReadFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is a directory, not a module"));
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot open ", path, ": ", std::string(std::strerror(errno))));
  }
  const std::streamoff size = in.tellg();
  if (size < 0) return absl::DataLossError(absl::StrCat("cannot read ", path));
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    return absl::DataLossError(absl::StrCat("cannot read ", path));
  }
  return bytes;
}

// Reads all of standard input (for the path "-").
absl::StatusOr<std::vector<uint8_t>> ReadStdin() {
  std::vector<uint8_t> bytes;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), stdin)) > 0) {
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
  if (std::ferror(stdin)) return absl::DataLossError("cannot read standard input");
  return bytes;
}

// One module: "ok", or the error, each prefixed with the path when several
// modules are checked. Returns whether it is valid.
bool ValidateOne(const std::string& path, bool name_it) {
  absl::StatusOr<std::vector<uint8_t>> bytes = path == "-" ? ReadStdin() : ReadFile(path);
  if (!bytes.ok()) {
    std::fprintf(stderr, "kiln: %s\n", std::string(bytes.status().message()).c_str());
    return false;
  }
  absl::StatusOr<kiln::wasm::Module> module = kiln::wasm::DecodeAndValidate(*bytes);
  if (!module.ok()) {
    std::printf("%s: %s\n", path.c_str(), std::string(module.status().message()).c_str());
    return false;
  }
  if (name_it) {
    std::printf("%s: ok\n", path.c_str());
  } else {
    std::printf("ok\n");
  }
  return true;
}

int Validate(const std::vector<std::string>& paths) {
  bool all_valid = true;
  for (const std::string& path : paths) all_valid &= ValidateOne(path, paths.size() > 1);
  return all_valid ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage.data(), args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "validate") {
    if (args.size() < 2) {
      std::fputs("usage: kiln validate FILE.wasm...\n", stderr);
      return 2;
    }
    return Validate(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  std::fprintf(stderr, "kiln: unknown command '%s'\n\n%s", args[0].c_str(), kUsage.data());
  return 2;
}
