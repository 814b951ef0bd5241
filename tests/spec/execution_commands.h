// execution_commands.h — the spec commands that compile, instantiate and
// run code: module, register, action, assert_return, assert_trap,
// assert_exhaustion, assert_unlinkable and assert_uninstantiable.
//
// Decoding and validation verdicts (assert_invalid, assert_malformed) stay
// with the runner; everything here goes through a ScriptSession.
#ifndef KILN_TESTS_SPEC_EXECUTION_COMMANDS_H_
#define KILN_TESTS_SPEC_EXECUTION_COMMANDS_H_

#include "outcome.h"
#include "script_session.h"
#include "wast_script.h"

namespace kiln::spec {

// Runs one execution command; a command of any other type fails.
Outcome RunExecutionCommand(ScriptSession& session, const WastCommand& command);

}  // namespace kiln::spec

#endif  // KILN_TESTS_SPEC_EXECUTION_COMMANDS_H_
