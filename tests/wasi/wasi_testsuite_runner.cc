// wasi-testsuite-runner: runs the WASI testsuite's prebuilt wasip1 tests
// (../shared/wasi-testsuite) through `kiln run`, as a user runs a program,
// and checks each against its JSON spec (doc/specification.md there):
// arguments, environment (exactly these variables), a copy of its `root`
// folder preopened as "/", and the expected exit code, stdout and stderr.
//
//   wasi-testsuite-runner --kiln PATH --suite DIR [--skip-list FILE]
//                         [--cache-dir DIR] [--filter SUBSTRING] [-v]
//                         [--kilnd PATH]
//
// With --kilnd, it starts that daemon on a free port (its cache in
// --cache-dir) and runs every test through it: `kiln run --server`, the
// root's files sent with the request and written back.
//
// Prints a line per failure (or per test with -v) and a last line
// `N passed, N failed, N skipped`; exits 1 if any test failed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace {

namespace fs = std::filesystem;

struct Spec {
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::optional<std::string> root;
  int exit_code = 0;
  std::optional<std::string> stdout_text;
  std::optional<std::string> stderr_text;
};

// The legacy spec, or the `run`/`wait`/`read` operations of the newer one.
std::optional<Spec> ReadSpec(const fs::path& json_path, std::string* error) {
  Spec spec;
  if (!fs::exists(json_path)) return spec;
  std::ifstream in(json_path);
  nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    *error = "unreadable JSON";
    return std::nullopt;
  }
  auto read_run = [&spec](const nlohmann::json& run) {
    if (run.contains("args")) spec.args = run["args"].get<std::vector<std::string>>();
    if (run.contains("env")) spec.env = run["env"].get<std::map<std::string, std::string>>();
    if (run.contains("root") && run["root"].is_string()) spec.root = run["root"].get<std::string>();
  };
  if (json.contains("operations")) {
    if (json.contains("proposals") && !json["proposals"].empty()) {
      *error = "needs proposals " + json["proposals"].dump();
      return std::nullopt;
    }
    for (const nlohmann::json& op : json["operations"]) {
      const std::string type = op.value("type", "");
      if (type == "run") {
        read_run(op);
      } else if (type == "wait") {
        spec.exit_code = op.value("exit_code", 0);
      } else if (type == "read") {
        const std::string payload = op.value("payload", "");
        if (op.value("id", "stdout") == "stderr") {
          spec.stderr_text = spec.stderr_text.value_or("") + payload;
        } else {
          spec.stdout_text = spec.stdout_text.value_or("") + payload;
        }
      } else {
        *error = "operation \"" + type + "\" is not supported by this runner";
        return std::nullopt;
      }
    }
    return spec;
  }
  read_run(json);
  spec.exit_code = json.value("exit_code", 0);
  if (json.contains("stdout")) spec.stdout_text = json["stdout"].get<std::string>();
  if (json.contains("stderr")) spec.stderr_text = json["stderr"].get<std::string>();
  return spec;
}

// Starts `kilnd` on 127.0.0.1, port 0, and reads its "listening on
// HOST:PORT" line; its pid in *pid and its stdout, kept open until it
// exits, in *stdout_fd. Empty on failure.
std::string StartKilnd(const std::string& kilnd, const std::string& cache_dir, pid_t* pid,
                       int* stdout_fd) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return "";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> argv = {kilnd, "--listen", "127.0.0.1:0", "--cache-dir", cache_dir};
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int spawned = ::posix_spawn(pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (spawned != 0) {
    ::close(out[0]);
    return "";
  }
  std::string text;
  char c;
  while (::read(out[0], &c, 1) == 1) {
    if (c != '\n') {
      text.push_back(c);
      continue;
    }
    if (text.starts_with("listening on ")) break;
    text.clear();
  }
  *stdout_fd = out[0];
  return text.starts_with("listening on ") ? text.substr(13) : "";
}

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` with an empty environment, stdin from /dev/null, and its
// stdout and stderr read through pipes until both close.
std::optional<Outcome> Run(const std::vector<std::string>& argv) {
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  char* no_env[] = {nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), no_env);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawned != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return std::nullopt;
  }
  Outcome outcome;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&outcome.out, &outcome.err};
  int open = 2;
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return outcome;
}

// name -> reason, from lines "NAME  REASON" ('#' starts a comment).
std::map<std::string, std::string> ReadSkipList(const std::string& path) {
  std::map<std::string, std::string> skips;
  if (path.empty()) return skips;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.find_first_of(" \t");
    skips[line.substr(0, space)] =
        space == std::string::npos ? "" : line.substr(line.find_first_not_of(" \t", space));
  }
  return skips;
}

std::string Quote(const std::string& text) {
  return nlohmann::json(text).dump();
}

}  // namespace

int main(int argc, char** argv) {
  std::string kiln;
  std::string suite;
  std::string skip_list;
  std::string cache_dir;
  std::string filter;
  std::string kilnd;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      *out = argv[++i];
    };
    if (arg == "--kiln") value(&kiln);
    else if (arg == "--suite") value(&suite);
    else if (arg == "--skip-list") value(&skip_list);
    else if (arg == "--cache-dir") value(&cache_dir);
    else if (arg == "--filter") value(&filter);
    else if (arg == "--kilnd") value(&kilnd);
    else if (arg == "-v") verbose = true;
    else {
      std::fprintf(stderr, "unknown argument %s\n", arg.c_str());
      return 2;
    }
  }
  if (kiln.empty() || suite.empty()) {
    std::fprintf(stderr, "usage: wasi-testsuite-runner --kiln PATH --suite DIR [--skip-list FILE] "
                         "[--cache-dir DIR] [--filter SUBSTRING] [-v]\n");
    return 2;
  }
  // The suite is a referee: missing, it is a failure, never zero tests.
  std::vector<fs::path> tests;
  if (fs::is_directory(suite)) {
    for (const auto& entry : fs::recursive_directory_iterator(suite)) {
      if (entry.path().extension() == ".wasm" &&
          entry.path().string().find(filter) != std::string::npos) {
        tests.push_back(entry.path());
      }
    }
  }
  std::sort(tests.begin(), tests.end());
  if (tests.empty()) {
    std::fprintf(stderr, "no tests found under %s\n0 passed, 1 failed, 0 skipped\n", suite.c_str());
    return 1;
  }
  const std::map<std::string, std::string> skips = ReadSkipList(skip_list);
  const fs::path scratch = fs::temp_directory_path() /
                           ("kiln-wasi-testsuite-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  if (cache_dir.empty()) cache_dir = (scratch / "cache").string();
  std::string server;
  pid_t kilnd_pid = 0;
  int kilnd_stdout = -1;
  if (!kilnd.empty()) {
    server = StartKilnd(kilnd, cache_dir, &kilnd_pid, &kilnd_stdout);
    if (server.empty()) {
      std::fprintf(stderr, "cannot start %s\n0 passed, 1 failed, 0 skipped\n", kilnd.c_str());
      return 1;
    }
    std::printf("running every test through kilnd at %s\n", server.c_str());
  }

  int passed = 0, failed = 0, skipped = 0;
  for (const fs::path& wasm : tests) {
    const std::string name =
        fs::relative(wasm, suite).replace_extension().string();
    if (auto skip = skips.find(name); skip != skips.end()) {
      ++skipped;
      if (verbose) std::printf("SKIP %s: %s\n", name.c_str(), skip->second.c_str());
      continue;
    }
    std::string error;
    std::optional<Spec> spec = ReadSpec(fs::path(wasm).replace_extension(".json"), &error);
    if (!spec.has_value()) {
      ++failed;
      std::printf("FAIL %s: %s\n", name.c_str(), error.c_str());
      continue;
    }
    // A fresh copy of the root for each test: tests write into it.
    std::vector<std::string> command = {kiln, "run"};
    if (server.empty()) {
      command.insert(command.end(), {"--cache-dir", cache_dir});
    } else {
      command.insert(command.end(), {"--server", server});
    }
    const fs::path root_copy = scratch / "root";
    fs::remove_all(root_copy);
    if (spec->root.has_value()) {
      fs::copy(wasm.parent_path() / *spec->root, root_copy,
               fs::copy_options::recursive | fs::copy_options::copy_symlinks);
      command.insert(command.end(), {"--dir", root_copy.string() + "::/"});
    }
    for (const auto& [key, value] : spec->env) command.insert(command.end(), {"--env", key + "=" + value});
    command.push_back(wasm.string());
    command.push_back("--");
    command.insert(command.end(), spec->args.begin(), spec->args.end());
    std::optional<Outcome> outcome = Run(command);
    fs::remove_all(root_copy);
    std::vector<std::string> problems;
    if (!outcome.has_value()) {
      problems.push_back("cannot start " + kiln);
    } else {
      if (outcome->exit_code != spec->exit_code) {
        problems.push_back("exit code " + std::to_string(outcome->exit_code) + ", expected " +
                           std::to_string(spec->exit_code));
      }
      if (spec->stdout_text.has_value() && outcome->out != *spec->stdout_text) {
        problems.push_back("stdout " + Quote(outcome->out) + ", expected " + Quote(*spec->stdout_text));
      }
      if (spec->stderr_text.has_value() && outcome->err != *spec->stderr_text) {
        problems.push_back("stderr " + Quote(outcome->err) + ", expected " + Quote(*spec->stderr_text));
      }
    }
    if (problems.empty()) {
      ++passed;
      if (verbose) std::printf("PASS %s\n", name.c_str());
      continue;
    }
    ++failed;
    std::printf("FAIL %s:", name.c_str());
    for (const std::string& p : problems) std::printf(" %s;", p.c_str());
    if (outcome.has_value() && !outcome->err.empty() && !spec->stderr_text.has_value()) {
      std::printf("\n    stderr: %s", Quote(outcome->err.substr(0, 400)).c_str());
    }
    std::printf("\n");
  }
  if (kilnd_pid != 0) {
    ::kill(kilnd_pid, SIGTERM);
    int status = 0;
    ::waitpid(kilnd_pid, &status, 0);
    ::close(kilnd_stdout);
  }
  fs::remove_all(scratch);
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed == 0 ? 0 : 1;
}
