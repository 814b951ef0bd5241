// kilnd's AdminService, health service, request log and bearer-token auth.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <regex>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kiln/wasm/version.h"
#include "server_test_util.h"

namespace kiln::server_test {
namespace {

using ::testing::HasSubstr;

class AdminTest : public KilndTest {};

TEST_F(AdminTest, StatsCountWhatHappened) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--threads", "3"}));
  Reply<v1::StatsResponse> fresh = Stats();
  ASSERT_RPC_OK(fresh);
  EXPECT_EQ(fresh.response.version(), std::string(KilnVersion()));
  EXPECT_EQ(fresh.response.compiles(), 0u);
  EXPECT_EQ(fresh.response.pool_threads(), 3u);
  EXPECT_EQ(fresh.response.requests(), 1u);  // this one

  ASSERT_RPC_OK(Compile(FibModule()));                                // compiles
  ASSERT_RPC_OK(Compile(FibModule()));                                // memory hit
  ASSERT_FALSE(Compile(InvalidModule()).status.ok());                 // compile error
  Reply<v1::InstantiateResponse> made = Instantiate(ConstModule(7));  // compiles
  ASSERT_RPC_OK(made);

  Reply<v1::StatsResponse> stats = Stats();
  ASSERT_RPC_OK(stats);
  const v1::StatsResponse& s = stats.response;
  EXPECT_EQ(s.compiles(), 3u);
  EXPECT_EQ(s.compile_errors(), 1u);
  EXPECT_EQ(s.shared_compiles(), 0u);
  EXPECT_EQ(s.compiles_in_flight(), 0u);
  EXPECT_EQ(s.instances_live(), 1u);
  EXPECT_EQ(s.requests(), 6u);
  ASSERT_EQ(s.cache_tiers_size(), 2);
  EXPECT_EQ(s.cache_tiers(0).name(), "memory");
  EXPECT_EQ(s.cache_tiers(1).name(), "disk");
  EXPECT_EQ(s.cache_tiers(0).hits(), 1u);
  EXPECT_EQ(s.cache_tiers(0).entries(), 2u);
  EXPECT_EQ(s.cache_tiers(1).entries(), 2u);
  EXPECT_GT(s.cache_tiers(1).bytes(), 0u);
}

TEST_F(AdminTest, HealthServiceSaysServing) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  int serving = 0;
  grpc::Status status = HealthCheck(&serving);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(serving, 1);
}

TEST_F(AdminTest, OneLogLinePerRequest) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  Reply<v1::CompileResponse> compiled = Compile(FibModule());
  ASSERT_RPC_OK(compiled);
  ASSERT_FALSE(GetArtifact(std::string(64, '0')).status.ok());
  const std::string log = daemon().Log();
  const std::regex compile_line(
      "request id=1 method=Compile peer=\\S+ module_bytes=[0-9]+ key=" +
      compiled.response.cache_key() +
      " artifact_bytes=[0-9]+ cache_hit=false shared=false compile_ms=[0-9.]+ functions_reused=0 "
      "tier=optimized optimizing=false "
      "status=OK "
      "total_ms=[0-9.]+\n");
  EXPECT_TRUE(std::regex_search(log, compile_line)) << log;
  const std::regex not_found_line(
      "request id=2 method=GetArtifact peer=\\S+ key=0{64} status=NOT_FOUND total_ms=[0-9.]+ "
      "message=\"[^\"]*\"\n");
  EXPECT_TRUE(std::regex_search(log, not_found_line)) << log;
}

TEST_F(AdminTest, ReflectionListsTheServices) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  std::string names;
  grpc::Status status = ReflectedServices(&names);
  ASSERT_TRUE(status.ok()) << Describe(status);
  for (const char* service : {"kiln.v1.CompileService", "kiln.v1.ExecutionService",
                              "kiln.v1.AdminService", "grpc.health.v1.Health"}) {
    EXPECT_THAT(names, HasSubstr(service));
  }
}

class AuthTest : public KilndTest {};

TEST_F(AuthTest, BearerTokenIsRequired) {
  const std::string token_file = dir_.path() + "/token";
  std::ofstream(token_file) << "s3cret-token\n";
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--auth-token-file", token_file}));

  Reply<v1::CompileResponse> missing = Compile(FibModule());
  EXPECT_EQ(missing.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Stats().status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Execute(FibModule(), "fib", {I32(1)}).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetArtifact(std::string(64, '0')).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  token_ = "wrong";
  EXPECT_EQ(Compile(FibModule()).status.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  token_ = "s3cret-token";
  Reply<v1::CompileResponse> right = Compile(FibModule());
  EXPECT_RPC_OK(right);
  Reply<v1::ExecuteResponse> run = Execute(FibModule(), "fib", {I32(20)});
  ASSERT_RPC_OK(run);
  EXPECT_EQ(run.response.results().values(0).i64(), 6765);
  EXPECT_RPC_OK(Stats());

  // Health probes need no token.
  token_.clear();
  int serving = 0;
  EXPECT_TRUE(HealthCheck(&serving).ok());
  EXPECT_EQ(serving, 1);
}

TEST_F(AuthTest, ServesTls) {
  const std::string key = dir_.path() + "/key.pem";
  const std::string cert = dir_.path() + "/cert.pem";
  const std::string command =
      std::string(KILN_OPENSSL_COMMAND) +
      " req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
      "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << "could not make a certificate: " << command;
  ASSERT_NO_FATAL_FAILURE(StartDaemon({"--tls-cert", cert, "--tls-key", key}));

  // Plain text is not spoken.
  Reply<v1::StatsResponse> plain = Stats();
  EXPECT_EQ(plain.status.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(plain.status);

  std::ifstream in(cert);
  std::stringstream pem;
  pem << in.rdbuf();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = pem.str();
  UseChannel(grpc::CreateChannel(daemon().address(), grpc::SslCredentials(options)));
  Reply<v1::ExecuteResponse> run = Execute(FibModule(), "fib", {I32(20)});
  ASSERT_RPC_OK(run);
  EXPECT_EQ(run.response.results().values(0).i64(), 6765);
}

}  // namespace
}  // namespace kiln::server_test
