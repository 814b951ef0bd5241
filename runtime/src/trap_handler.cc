#include "trap_handler.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <utility>

#include "guest_signals.h"
#include "kiln/runtime/trap.h"
#include "store_state.h"

namespace kiln::runtime {
namespace {

struct Activation {
  sigjmp_buf jump;
  vm::TrapCode code = vm::TrapCode::kUnreachable;
  StoreState* store = nullptr;
  Activation* previous = nullptr;
};

// This thread's stack, for the stack limit and to tell a stack overflow from
// an out-of-bounds access.
struct ThreadStack {
  uintptr_t low = 0;
  uintptr_t high = 0;
};

thread_local Activation* current_activation = nullptr;
thread_local std::string pending_detail;

// Room left below the wasm stack limit for the host code wasm calls into
// (builtins, host functions, the signal handler's caller).
constexpr uintptr_t kHostStackReserve = 256 * 1024;
constexpr size_t kAltStackSize = 64 * 1024;

const ThreadStack& CurrentThreadStack() {
  thread_local ThreadStack stack = [] {
    ThreadStack s;
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      void* address = nullptr;
      size_t size = 0;
      if (pthread_attr_getstack(&attr, &address, &size) == 0) {
        s.low = reinterpret_cast<uintptr_t>(address);
        s.high = s.low + size;
      }
      pthread_attr_destroy(&attr);
    }
    return s;
  }();
  return stack;
}

// The signal handler runs on its own stack, so a fault from an exhausted
// stack can still be handled. One per thread, freed when the thread ends.
class AltStack {
 public:
  AltStack() {
    memory_ = mmap(nullptr, kAltStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (memory_ == MAP_FAILED) {
      memory_ = nullptr;
      return;
    }
    stack_t stack{};
    stack.ss_sp = memory_;
    stack.ss_size = kAltStackSize;
    if (sigaltstack(&stack, nullptr) != 0) {
      munmap(memory_, kAltStackSize);
      memory_ = nullptr;
    }
  }
  ~AltStack() {
    if (memory_ == nullptr) return;
    stack_t disable{};
    disable.ss_flags = SS_DISABLE;
    sigaltstack(&disable, nullptr);
    munmap(memory_, kAltStackSize);
  }

 private:
  void* memory_ = nullptr;
};

struct sigaction previous_segv;
struct sigaction previous_bus;
struct sigaction previous_interrupt;

uintptr_t ProgramCounter(const void* context) {
  const auto* ucontext = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
  return static_cast<uintptr_t>(ucontext->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return static_cast<uintptr_t>(ucontext->uc_mcontext.pc);
#endif
}

void ForwardSignal(int signal, siginfo_t* info, void* context) {
  const struct sigaction& previous = signal == SIGSEGV ? previous_segv : previous_bus;
  if ((previous.sa_flags & SA_SIGINFO) != 0 && previous.sa_sigaction != nullptr) {
    previous.sa_sigaction(signal, info, context);
  } else if (previous.sa_handler == SIG_DFL || previous.sa_handler == SIG_IGN) {
    // Returning re-executes the fault under the default action (a crash
    // with the right signal), as if we had never been installed.
    sigaction(signal, &previous, nullptr);
  } else {
    previous.sa_handler(signal);
  }
}

void HandleFault(int signal, siginfo_t* info, void* context) {
  Activation* activation = current_activation;
  const uintptr_t pc = ProgramCounter(context);
  if (activation == nullptr || !activation->store->ContainsWasmPc(pc)) {
    ForwardSignal(signal, info, context);
    return;
  }
  const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
  const ThreadStack& stack = CurrentThreadStack();
  // A fault just below (or in the last bit of) the thread's stack is the
  // stack running out; anything else in wasm code is a memory access outside
  // a memory's accessible pages.
  const bool stack_overflow = stack.low != 0 && address < stack.low + kHostStackReserve &&
                              address + (1u << 20) >= stack.low;
  activation->code =
      stack_overflow ? vm::TrapCode::kCallStackExhausted : vm::TrapCode::kMemoryOutOfBounds;
  siglongjmp(activation->jump, 1);
}

// kInterruptSignal (guest_signals.h): a thread in its Store's generated
// code past the deadline traps there; anywhere else it carries on (the
// next epoch check or a repeated signal stops it). Generated code holds
// nothing that leaving it at any instruction could leak, as with a fault.
void HandleInterrupt(int signal, siginfo_t* info, void* context) {
  Activation* activation = current_activation;
  if (activation != nullptr && activation->store->DeadlineReached() &&
      activation->store->ContainsWasmPc(ProgramCounter(context))) {
    activation->code = vm::TrapCode::kInterrupted;
    siglongjmp(activation->jump, 1);
  }
  // Someone else's use of the signal.
  if ((previous_interrupt.sa_flags & SA_SIGINFO) != 0 &&
      previous_interrupt.sa_sigaction != nullptr) {
    previous_interrupt.sa_sigaction(signal, info, context);
  } else if (previous_interrupt.sa_handler != SIG_DFL &&
             previous_interrupt.sa_handler != SIG_IGN) {
    previous_interrupt.sa_handler(signal);
  }
}

void InstallSignalHandlersOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = HandleFault;
    // SA_NODEFER: the handler leaves by siglongjmp without restoring the
    // mask, so the signal must not be blocked while it runs.
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, &previous_segv);
    sigaction(SIGBUS, &action, &previous_bus);
    // SA_RESTART: host code the signal lands in (it is sent to a thread in
    // a host function or builtin too) resumes its system calls.
    action.sa_sigaction = HandleInterrupt;
    action.sa_flags |= SA_RESTART;
    sigaction(kInterruptSignal, &action, &previous_interrupt);
  });
}

}  // namespace

absl::Status CallWithTrapHandling(StoreState& store, vm::EntryTrampoline entry,
                                  vm::VMContext* vmctx, const void* code, vm::ValRaw* values) {
  InstallSignalHandlersOnce();
  thread_local AltStack alt_stack;
  Activation activation;
  activation.store = &store;
  activation.previous = current_activation;
  vm::VMStoreContext& context = store.vm_context();
  const uintptr_t saved_limit = context.stack_limit;
  // The outermost entry into this Store on this thread: it sets how deep
  // wasm may go from here, and makes the thread one that deadlines signal.
  const bool outermost = activation.previous == nullptr || activation.previous->store != &store;
  RunningGuest running;
  running.store = &store;
  if (outermost) {
    const ThreadStack& stack = CurrentThreadStack();
    const auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    const uint64_t budget = store.engine().config().max_wasm_stack;
    uintptr_t limit = here > budget ? here - budget : 0;
    if (stack.low != 0) limit = std::max(limit, stack.low + kHostStackReserve);
    context.stack_limit = limit;
    EnterGuest(running);
  }
  current_activation = &activation;
  if (sigsetjmp(activation.jump, 0) == 0) {
    entry(vmctx, code, values);
    current_activation = activation.previous;
    context.stack_limit = saved_limit;
    if (outermost) LeaveGuest(running);
    return absl::OkStatus();
  }
  current_activation = activation.previous;
  context.stack_limit = saved_limit;
  if (outermost) LeaveGuest(running);
  std::string detail = std::move(pending_detail);
  pending_detail.clear();
  // An interrupt may have cut short an exit trampoline that was about to
  // raise a host function's error; that detail is not this trap's.
  if (activation.code == vm::TrapCode::kInterrupted) detail.clear();
  return TrapError(activation.code, detail);
}

void RaiseTrap(vm::TrapCode code) {
  Activation* activation = current_activation;
  if (activation == nullptr) std::abort();  // a builtin called outside wasm
  activation->code = code;
  siglongjmp(activation->jump, 1);
}

void SetPendingTrapDetail(std::string detail) { pending_detail = std::move(detail); }

}  // namespace kiln::runtime
