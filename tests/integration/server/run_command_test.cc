// RunCommand end to end through the SDK (KilnClient::RunCommand with a
// CommandRequest): output streams back while the program runs, files come
// back, and every limit a program or request can meet ends in a clear
// status while the daemon goes on serving.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kiln/client/command_request.h"
#include "kiln/client/kiln_client.h"
#include "module_builder.h"
#include "server_test_util.h"

namespace kiln::server_test {
namespace {

using ::testing::HasSubstr;

std::string Program(const std::string& name) {
  return std::string(KILN_WASI_PROGRAMS_DIR) + "/" + name + ".wasm";
}

class RunCommandTest : public KilndTest {
 protected:
  void Connect() {
    absl::StatusOr<std::unique_ptr<client::KilnClient>> c =
        client::KilnClient::Connect({.target = daemon().address()});
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = *std::move(c);
  }

  struct Run {
    absl::StatusOr<v1::RunCommandResult> result;
    std::string out;
    std::string err;
    int stdout_chunks = 0;
  };
  Run RunProgram(const client::CommandRequest& request) {
    Run run;
    run.result = client_->RunCommand(
        request.proto(), {.on_stdout =
                              [&run](std::string_view b) {
                                run.out.append(b);
                                ++run.stdout_chunks;
                              },
                          .on_stderr = [&run](std::string_view b) { run.err.append(b); }});
    return run;
  }

  client::CommandRequest Basics(std::vector<std::string> args) {
    client::CommandRequest request = client::CommandRequest::ForModule(ReadFileBytes(Program("basics")));
    args.insert(args.begin(), "basics");
    request.Args(std::move(args));
    return request;
  }

  // A WASI command runs, start to exit, after whatever came before.
  void ExpectServing() {
    Run run = RunProgram(Basics({"exit", "7"}));
    ASSERT_TRUE(run.result.ok()) << run.result.status();
    EXPECT_EQ(run.result->exit_code(), 7);
  }

  std::unique_ptr<client::KilnClient> client_;
};

TEST_F(RunCommandTest, ArgumentsEnvironmentStdinAndExitCode) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  ASSERT_NO_FATAL_FAILURE(Connect());
  client::CommandRequest request = Basics({"x"});
  request.Env("A", "1").Stdin("hello");
  Run run = RunProgram(request);
  ASSERT_TRUE(run.result.ok()) << run.result.status();
  EXPECT_EQ(run.result->exit_code(), 0);
  EXPECT_EQ(run.out, "arg 1: x\nenv: A=1\nclocks: ok\nrandom: ok\nstdin: 5 bytes, 4f9f2cab\n");
  EXPECT_FALSE(run.result->cache_key().empty());
}

TEST_F(RunCommandTest, FilesGoInAndComeBack) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  ASSERT_NO_FATAL_FAILURE(Connect());
  client::CommandRequest request =
      client::CommandRequest::ForModule(ReadFileBytes(Program("fs_tree")));
  request.Args({"fs_tree", "in", "out"})
      .AddFile("in", "a.txt", "alpha\n")
      .AddFile("in", "sub/b.txt", "beta beta\n")
      .AddFile("out", "stale.txt", "left alone\n")
      .ReturnFiles(true);
  Run run = RunProgram(request);
  ASSERT_TRUE(run.result.ok()) << run.result.status();
  EXPECT_EQ(run.result->exit_code(), 2);
  EXPECT_EQ(run.err, "2 files\n");
  std::map<std::string, std::string> out_files;
  for (const v1::WasiDirectory& dir : run.result->directories()) {
    if (dir.guest_path() != "out") continue;
    for (const v1::WasiFile& f : dir.files()) out_files[f.path()] = f.contents();
  }
  EXPECT_EQ(out_files["total.txt"], "16 bytes in 2 files\n");
  EXPECT_EQ(out_files["stale.txt"], "left alone\n");
  EXPECT_THAT(out_files["summary.txt"], HasSubstr("in/sub/b.txt 10 "));

  // And back onto this machine's disk, as kiln run --server does.
  const std::string host = cache_dir() + "-out";
  std::filesystem::create_directories(host);
  ASSERT_TRUE(client::WriteBackFiles(*run.result, {{"out", host}}).ok());
  std::ifstream total(host + "/total.txt");
  std::string line;
  std::getline(total, line);
  EXPECT_EQ(line, "16 bytes in 2 files");
}

TEST_F(RunCommandTest, OutputStreamsWhileTheProgramRuns) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  ASSERT_NO_FATAL_FAILURE(Connect());
  client::CommandRequest request =
      client::CommandRequest::ForModule(ReadFileBytes(Program("many_lines")));
  request.Args({"many_lines", "300000"});
  Run run = RunProgram(request);
  ASSERT_TRUE(run.result.ok()) << run.result.status();
  EXPECT_EQ(run.result->exit_code(), 0);
  EXPECT_TRUE(run.out.starts_with("line 0\nline 1\n"));
  EXPECT_TRUE(run.out.ends_with("line 299999\n"));
  // More than one message: the output was not gathered for the end.
  EXPECT_GT(run.stdout_chunks, 1);
}

TEST_F(RunCommandTest, OutputPastTheLimitStopsTheProgram) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--max-output-bytes", "100K"}));
  ASSERT_NO_FATAL_FAILURE(Connect());
  client::CommandRequest request =
      client::CommandRequest::ForModule(ReadFileBytes(Program("many_lines")));
  request.Args({"many_lines", "100000000"});  // a gigabyte, were it allowed
  Run run = RunProgram(request);
  EXPECT_EQ(run.result.status().code(), absl::StatusCode::kResourceExhausted) << run.result.status();
  EXPECT_THAT(std::string(run.result.status().message()), HasSubstr("--max-output-bytes"));
  EXPECT_EQ(run.out.size(), 100u << 10);
  ExpectServing();
}

TEST_F(RunCommandTest, ASleepingProgramMeetsItsTimeLimit) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--time-limit-ms", "300"}));
  ASSERT_NO_FATAL_FAILURE(Connect());
  Run run = RunProgram(Basics({"sleep", "3600"}));
  ASSERT_TRUE(run.result.ok()) << run.result.status();
  ASSERT_TRUE(run.result->has_trap());
  EXPECT_EQ(run.result->trap().kind(), v1::TRAP_KIND_INTERRUPTED);
  EXPECT_EQ(run.out, "");
  ExpectServing();
}

TEST_F(RunCommandTest, FileWritesPastTheLimitFail) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--max-file-bytes-written", "4K"}));
  ASSERT_NO_FATAL_FAILURE(Connect());
  client::CommandRequest request =
      client::CommandRequest::ForModule(ReadFileBytes(Program("many_lines")));
  request.Args({"many_lines", "10000", "out/lines.txt"}).AddFile("out", "keep", "");
  Run run = RunProgram(request);
  ASSERT_TRUE(run.result.ok()) << run.result.status();
  // fclose reports the failed write: the program exits 0 but its file
  // stopped at the limit; the error is EDQUOT.
  request.ReturnFiles(true);
  run = RunProgram(request);
  ASSERT_TRUE(run.result.ok()) << run.result.status();
  for (const v1::WasiDirectory& dir : run.result->directories()) {
    for (const v1::WasiFile& f : dir.files()) {
      EXPECT_LE(f.contents().size(), 4096u) << f.path();
    }
  }
  ExpectServing();
}

TEST_F(RunCommandTest, BadRequestsAreRefusedByName) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--max-request-files", "2"}));
  ASSERT_NO_FATAL_FAILURE(Connect());
  {
    client::CommandRequest request = Basics({});
    request.AddFile("in", "../escape.txt", "x");
    Run run = RunProgram(request);
    EXPECT_EQ(run.result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(run.result.status().message()), HasSubstr("\"../escape.txt\""));
  }
  {
    client::CommandRequest request = Basics({});
    request.AddFile("in", "a", "").AddFile("in", "b", "").AddFile("in", "c", "");
    Run run = RunProgram(request);
    EXPECT_EQ(run.result.status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_THAT(std::string(run.result.status().message()), HasSubstr("--max-request-files"));
  }
  {
    client::CommandRequest request = Basics({});
    request.OperatorDirectory("nothing-here");
    Run run = RunProgram(request);
    EXPECT_EQ(run.result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(run.result.status().message()), HasSubstr("\"nothing-here\""));
  }
  {
    // Not a command: fib exports no _start.
    client::CommandRequest request = client::CommandRequest::ForModule(FibModule());
    Run run = RunProgram(request);
    EXPECT_EQ(run.result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(run.result.status().message()), HasSubstr("\"_start\""));
  }
  {
    // An import that is not WASI's is named.
    client::CommandRequest request = client::CommandRequest::ForModule(ImportsModule());
    Run run = RunProgram(request);
    EXPECT_EQ(run.result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(run.result.status().message()), HasSubstr("unresolved import \"env\""));
  }
  ExpectServing();
}

TEST_F(RunCommandTest, OperatorDirectoriesAreReadOnly) {
  const std::string shared = ::testing::TempDir() + "kiln-operator-dir";
  std::filesystem::create_directories(shared);
  std::ofstream(shared + "/motd.txt") << "from the operator\n";
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--preopen-ro", "data=" + shared}));
  ASSERT_NO_FATAL_FAILURE(Connect());
  client::CommandRequest request = Basics({"cat", "/data/motd.txt"});
  request.OperatorDirectory("data");
  Run run = RunProgram(request);
  ASSERT_TRUE(run.result.ok()) << run.result.status();
  EXPECT_EQ(run.result->exit_code(), 0);
  EXPECT_EQ(run.out, "from the operator\n");
  // Writing there is not possible: fs_tree cannot create its summary.
  client::CommandRequest writer = client::CommandRequest::ForModule(ReadFileBytes(Program("fs_tree")));
  writer.Args({"fs_tree", "in", "/data"}).AddFile("in", "a", "x").OperatorDirectory("data");
  run = RunProgram(writer);
  ASSERT_TRUE(run.result.ok()) << run.result.status();
  EXPECT_EQ(run.result->exit_code(), 203);
  EXPECT_FALSE(std::filesystem::exists(shared + "/summary.txt"));
}

}  // namespace
}  // namespace kiln::server_test
