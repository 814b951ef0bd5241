#include "exec_bench_v8.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace kiln::bench {
namespace {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

std::string NodeVersion() {
  if (std::system("command -v node >/dev/null 2>&1") != 0) return "";
  std::fflush(stdout);
  FILE* pipe = popen("node --version", "r");
  if (pipe == nullptr) return "";
  char line[128] = {};
  std::string version;
  if (std::fgets(line, sizeof(line), pipe) != nullptr) version = line;
  if (pclose(pipe) != 0) return "";
  while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) version.pop_back();
  return version.empty() ? "node" : version;
}

std::map<std::string, V8Result> RunV8(const std::string& runner,
                                      const std::vector<std::string>& node_flags,
                                      const std::vector<std::string>& paths, int reps,
                                      bool* failed) {
  *failed = false;
  std::map<std::string, V8Result> results;
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on
  // "literal" + std::string.
  std::string command = "node";
  for (const std::string& flag : node_flags) {
    command += ' ';
    command += ShellQuote(flag);
  }
  command += ' ';
  command += ShellQuote(runner);
  command += " --reps ";
  command += std::to_string(reps);
  for (const std::string& path : paths) {
    command += ' ';
    command += ShellQuote(path);
  }
  std::fflush(stdout);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *failed = true;
    return results;
  }
  char line[512];
  while (std::fgets(line, sizeof(line), pipe) != nullptr) {
    std::istringstream fields(line);
    std::string name;
    V8Result r;
    if (fields >> name >> r.median_ms >> r.checksum >> r.compile_ms) results[name] = r;
  }
  if (pclose(pipe) != 0) *failed = true;
  return results;
}

}  // namespace kiln::bench
