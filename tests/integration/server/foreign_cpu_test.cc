// Code compiled by kilnd for a CPU whose features this host lacks: the
// compile succeeds (a build farm compiles for its fleet), running it here
// is refused with FAILED_PRECONDITION naming the missing features, never a
// SIGILL, and the daemon goes on serving.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "host_cpu.h"           // runtime/src: FingerprintField
#include "host_cpu_features.h"  // runtime/src: this host's features
#include "server_test_util.h"

namespace kiln::server_test {
namespace {

using ::testing::HasSubstr;

// CPUs that no one host can run all of: AMX is only Intel's, SSE4A and
// CLZERO only AMD's (as tests/integration/foreign_cpu_run.sh).
constexpr std::string_view kCandidates[] = {"sapphirerapids", "graniterapids", "znver5",
                                            "znver4",         "arrowlake",     "diamondrapids"};

class ForeignCpuTest : public KilndTest {};

TEST_F(ForeignCpuTest, ExecuteRefusesCodeForCpuFeaturesThisHostLacks) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  // The first candidate whose feature list, as the daemon's compiler
  // writes it, has a feature this host lacks.
  std::string cpu;
  std::vector<std::string> missing;
  std::vector<std::string> tried;
  for (std::string_view candidate : kCandidates) {
    v1::CompileOptions options;
    options.set_cpu(std::string(candidate));
    Reply<v1::GetFingerprintResponse> fingerprint = GetFingerprint(options);
    if (!fingerprint.status.ok()) {  // a CPU this LLVM does not know
      tried.push_back(std::string(candidate) + " (" + Describe(fingerprint.status) + ")");
      continue;
    }
    const std::string features =
        runtime::FingerprintField(fingerprint.response.fingerprint(), "features");
    const std::vector<std::string> list = absl::StrSplit(features, ',', absl::SkipEmpty());
    for (const std::string& feature : list) {
      if (!feature.starts_with('+')) continue;
      const std::string name = feature.substr(1);
      const std::optional<bool> present = runtime::HostHasCpuFeature(name);
      if (present.has_value() && !*present) missing.push_back(name);
    }
    if (!missing.empty()) {
      cpu = candidate;
      break;
    }
    tried.push_back(std::string(candidate) + " (runs here)");
  }
  if (cpu.empty()) {
    GTEST_SKIP() << "this host has every feature of every candidate CPU, so no refusal can be "
                    "tried: "
                 << absl::StrJoin(tried, ", ");
  }
  SCOPED_TRACE("cpu " + cpu + ", missing " + absl::StrJoin(missing, ","));
  std::cout << "code for " << cpu << " needs " << absl::StrJoin(missing, ",")
            << ", which this host lacks\n";

  // Compiling for it is fine: the daemon makes code for other hosts.
  const Bytes fib = FibModule();
  v1::CompileOptions options;
  options.set_cpu(cpu);
  Reply<v1::CompileResponse> compiled = Compile(fib, options);
  ASSERT_RPC_OK(compiled);

  // Running it here is not.
  v1::ExecuteRequest request;
  request.mutable_module()->set_module(fib.data(), fib.size());
  *request.mutable_module()->mutable_options() = options;
  request.set_export_name("fib");
  *request.add_args() = I32(20);
  Reply<v1::ExecuteResponse> ran;
  {
    grpc::ClientContext context;
    Prepare(context);
    ran.status = execution_->Execute(&context, request, &ran.response);
  }
  EXPECT_EQ(ran.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(ran.status);
  EXPECT_THAT(ran.status.error_message(), HasSubstr("artifact cannot run on this host"));
  EXPECT_THAT(ran.status.error_message(), HasSubstr("that this host lacks"));
  EXPECT_THAT(ran.status.error_message(), HasSubstr("(compiled for CPU " + cpu + ")"));
  for (const std::string& feature : missing) {
    EXPECT_THAT(ran.status.error_message(), HasSubstr(feature));
  }

  // The same by cache key: the artifact the compile stored.
  v1::ExecuteRequest by_key;
  by_key.mutable_module()->set_cache_key(compiled.response.cache_key());
  by_key.set_export_name("fib");
  *by_key.add_args() = I32(20);
  Reply<v1::ExecuteResponse> ran_by_key;
  {
    grpc::ClientContext context;
    Prepare(context);
    ran_by_key.status = execution_->Execute(&context, by_key, &ran_by_key.response);
  }
  EXPECT_EQ(ran_by_key.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << Describe(ran_by_key.status);
  EXPECT_THAT(ran_by_key.status.error_message(), HasSubstr(missing.front()));

  // The daemon still serves: the same module for this host runs.
  int serving = 0;
  ASSERT_TRUE(HealthCheck(&serving).ok());
  EXPECT_EQ(serving, 1);
  Reply<v1::ExecuteResponse> here = Execute(fib, "fib", {I32(20)});
  ASSERT_RPC_OK(here);
  ASSERT_TRUE(here.response.has_results()) << here.response.trap().message();
  EXPECT_EQ(here.response.results().values(0).i64(), 6765);
}

}  // namespace
}  // namespace kiln::server_test
