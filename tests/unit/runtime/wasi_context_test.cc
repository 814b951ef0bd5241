// WasiContext::Create's checks of what the host hands a guest.
#include "kiln/wasi/wasi_context.h"

#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace kiln::wasi {
namespace {

TEST(WasiContextTest, TakesSocketsAfterTheFolders) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  WasiOptions options;
  options.sockets = {pair[0]};
  absl::StatusOr<std::unique_ptr<WasiContext>> context = WasiContext::Create(options);
  EXPECT_TRUE(context.ok()) << context.status();
  ::close(pair[0]);
  ::close(pair[1]);
}

TEST(WasiContextTest, RefusesAPipeGivenAsASocket) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  WasiOptions options;
  options.sockets = {pipe_fds[0]};
  absl::StatusOr<std::unique_ptr<WasiContext>> context = WasiContext::Create(options);
  EXPECT_EQ(context.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(context.status().message()),
            "descriptor " + std::to_string(pipe_fds[0]) + " given as a socket is not one");
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST(WasiContextTest, RefusesADescriptorThatIsNotOpen) {
  WasiOptions options;
  options.sockets = {999999};  // far above any descriptor this test opens
  absl::StatusOr<std::unique_ptr<WasiContext>> context = WasiContext::Create(options);
  EXPECT_EQ(context.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(context.status().message()).find("as the guest's socket"), std::string::npos)
      << context.status();
}

}  // namespace
}  // namespace kiln::wasi
