// client/stats_command.h — `kiln stats`: the cache and the engine's
// counters, of a kilnd or of this machine's artifact cache.
#ifndef KILN_CLIENT_STATS_COMMAND_H_
#define KILN_CLIENT_STATS_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

namespace kiln::client {

inline constexpr std::string_view kStatsUsage =
    "usage: kiln stats [--server HOST:PORT | --cache-dir DIR]\n";

// `args` are the words after "stats". Without --server it describes the
// local artifact cache (what `kiln run` uses) in the same layout, with the
// counters a one-shot process has: its own scan of the folder.
int StatsCommand(const std::vector<std::string>& args);

}  // namespace kiln::client

#endif  // KILN_CLIENT_STATS_COMMAND_H_
