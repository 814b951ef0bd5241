// client/load_report.h — how `kiln run` got its module, for --verbose.
#ifndef KILN_CLIENT_LOAD_REPORT_H_
#define KILN_CLIENT_LOAD_REPORT_H_

#include <string>

namespace kiln::client {

// How a module was loaded (LocalEngine::Load, or the cached run).
struct LoadReport {
  bool cache_hit = false;        // loaded from the cache: nothing compiled
  bool replaced_entry = false;   // a cached entry was unusable and was recompiled
  std::string cache_key;         // lowercase hex; empty without a cache
  double compile_ms = 0;         // decode + validate + compile (+ write artifact)
  double load_ms = 0;            // the artifact or code image into the engine
};

// One line on stderr: hit or miss, the key and the folder, what it cost.
void PrintLoadReport(const LoadReport& report, const std::string& cache_dir);

}  // namespace kiln::client

#endif  // KILN_CLIENT_LOAD_REPORT_H_
