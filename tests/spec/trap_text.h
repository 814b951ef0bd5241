// trap_text.h — whether a trap says what a spec script expects.
#ifndef KILN_TESTS_SPEC_TRAP_TEXT_H_
#define KILN_TESTS_SPEC_TRAP_TEXT_H_

#include <string_view>

namespace kiln::spec {

// `message` is a trap status's message and `trap_text` the spec's text for
// its TrapCode (vm::TrapMessage); `expected` is what the script names. The
// message must contain `expected`, except that the reference interpreter
// adds details the spec does not fix, as in "uninitialized element 2": an
// `expected` that is `trap_text`, a space and more matches as well.
bool TrapTextMatches(std::string_view message, std::string_view trap_text,
                     std::string_view expected);

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_TRAP_TEXT_H_
