#include "kiln/wasm/version.h"

namespace kiln {

std::string_view KilnVersion() { return KILN_VERSION_STRING; }

}  // namespace kiln
