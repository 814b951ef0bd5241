// kiln/wasm/version.h — which Kiln this is.
//
// Part of every compiler fingerprint and artifact header: an artifact made by
// another Kiln version is refused, because the generated code and the runtime
// that runs it are only guaranteed to agree within one version.
#ifndef KILN_WASM_VERSION_H_
#define KILN_WASM_VERSION_H_

#include <string_view>

namespace kiln {

// The project version from CMakeLists.txt, e.g. "0.1.0".
std::string_view KilnVersion();

}  // namespace kiln

#endif  // KILN_WASM_VERSION_H_
