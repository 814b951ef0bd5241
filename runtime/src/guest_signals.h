// guest_signals.h — interrupting guest code that has no epoch checks.
//
// Generated code checks its Store's epoch deadline at function entries and
// in loops that call out of generated code; a loop that calls nothing has
// no check (jit/src/epoch_check_pass.h), so it costs nothing per
// iteration. Such a loop is stopped by a signal instead: whenever a Store's
// deadline may have passed, every thread running that Store's guest code
// gets kInterruptSignal, and the handler (trap_handler.cc) traps
// kInterrupted if the thread is in the Store's generated code. Anywhere
// else (a builtin, a host function, libc) the handler does nothing and the
// next check stops the guest, or a later signal does: signals repeat, 1 ms
// apart and backing off to 50 ms, until the thread leaves the Store.
#ifndef KILN_RUNTIME_GUEST_SIGNALS_H_
#define KILN_RUNTIME_GUEST_SIGNALS_H_

#include <pthread.h>
#include <signal.h>

namespace kiln::runtime {

class StoreState;

// SIGURG: its default action is to ignore it, so a stray one harms no one,
// and no library we use sends it. Threads that run guest code must not
// block it; EnterGuest unblocks it on each such thread.
inline constexpr int kInterruptSignal = SIGURG;

// A thread running a Store's guest code, from the outermost call into that
// Store until it returns. It lives on that thread's stack.
struct RunningGuest {
  StoreState* store = nullptr;
  pthread_t thread{};
  RunningGuest* previous = nullptr;
  RunningGuest* next = nullptr;
};

// Called by the thread itself around its outermost call into `guest.store`.
void EnterGuest(RunningGuest& guest);
void LeaveGuest(RunningGuest& guest);

// Some Store's deadline may have passed (the epoch advanced, a deadline
// moved): signals every thread running a Store whose deadline has passed,
// and keeps doing so while it stays there. Any thread may call it.
void SignalGuestsPastDeadline();

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_GUEST_SIGNALS_H_
