#include "trap_handler.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <vector>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <utility>

#include "guest_signals.h"
#include "kiln/runtime/module.h"
#include "kiln/runtime/thread_stack.h"
#include "kiln/runtime/trap.h"
#include "store_state.h"

namespace kiln::runtime {
namespace {

// The innermost frames a trap's backtrace keeps; deeper ones are counted.
constexpr size_t kMaxCapturedFrames = 128;
// Runtime frames (RaiseTrap's, a builtin's) skipped before the first wasm
// frame; a walk that finds none by then has none to find.
constexpr int kMaxHostFrames = 16;

// A code address on the trap's stack, captured where the trap happened
// (a signal handler may do no more) and turned into wasm frames afterwards.
struct CapturedFrame {
  uintptr_t pc = 0;
  bool return_address = false;  // false: the faulting instruction itself
};

struct Activation {
  sigjmp_buf jump;
  vm::TrapCode code = vm::TrapCode::kUnreachable;
  StoreState* store = nullptr;
  Activation* previous = nullptr;
  // The trap's frames, innermost first.
  std::array<CapturedFrame, kMaxCapturedFrames> frames;
  size_t frame_count = 0;
  uint64_t omitted_frames = 0;
  // The trapping instruction when the trap builtin gave it (vm::MakeTrapSite;
  // 0 otherwise): exact where the innermost frame's address map is not.
  uint64_t trap_site = 0;
};

thread_local Activation* current_activation = nullptr;
thread_local std::string pending_detail;

constexpr size_t kAltStackSize = 64 * 1024;

void Capture(Activation& activation, uintptr_t pc, bool return_address) {
  if (activation.frame_count < kMaxCapturedFrames) {
    activation.frames[activation.frame_count++] = {pc, return_address};
  } else {
    ++activation.omitted_frames;
  }
}

bool IsFrameRecord(uintptr_t fp, const ThreadStack& stack) {
  return fp % sizeof(uintptr_t) == 0 && fp >= stack.low && fp + 2 * sizeof(uintptr_t) <= stack.high;
}

// Follows the chain of frame records from `fp` (each holds the caller's
// frame pointer, then the return address), capturing the return addresses
// that are in the Store's code. Generated code and the runtime keep frame
// pointers (jit/src/module_env.cc, runtime/CMakeLists.txt). Runtime frames
// before the first wasm one are skipped; the first one after it (whoever
// called the entry trampoline) ends the walk. Allocates nothing and reads
// only this thread's stack: signal handlers use it.
void CaptureFrameChain(Activation& activation, uintptr_t fp, bool in_wasm) {
  const ThreadStack& stack = CurrentThreadStack();
  int host_frames = 0;
  while (IsFrameRecord(fp, stack)) {
    const auto* record = reinterpret_cast<const uintptr_t*>(fp);
    const uintptr_t caller_fp = record[0];
    const uintptr_t return_address = record[1];
    if (activation.store->ContainsWasmPc(return_address)) {
      Capture(activation, return_address, true);
      in_wasm = true;
    } else if (in_wasm || ++host_frames > kMaxHostFrames) {
      break;
    }
    if (caller_fp <= fp) break;  // callers' frames are higher up the stack
    fp = caller_fp;
  }
}

// The frames of a signal that interrupted generated code at `context`.
void CaptureSignalFrames(Activation& activation, const void* context) {
  const auto* ucontext = static_cast<const ucontext_t*>(context);
  const auto pc = static_cast<uintptr_t>(ucontext->uc_mcontext.gregs[REG_RIP]);
  const auto fp = static_cast<uintptr_t>(ucontext->uc_mcontext.gregs[REG_RBP]);
  const auto sp = static_cast<uintptr_t>(ucontext->uc_mcontext.gregs[REG_RSP]);
  Capture(activation, pc, false);
  // Every function starts `push rbp; mov rbp, rsp`: before those two
  // instructions its frame record does not exist yet, and the return
  // address is at the stack pointer (or just above the pushed rbp).
  if (const Module* module = activation.store->ModuleAt(pc)) {
    std::optional<Module::CodePosition> position = module->FindFunction(pc);
    if (position.has_value() && position->code_offset <= 1) {
      const uintptr_t slot = sp + position->code_offset * sizeof(uintptr_t);
      if (IsFrameRecord(slot, CurrentThreadStack())) {
        const uintptr_t return_address = *reinterpret_cast<const uintptr_t*>(slot);
        if (activation.store->ContainsWasmPc(return_address)) {
          Capture(activation, return_address, true);
        }
      }
    }
  }
  CaptureFrameChain(activation, fp, true);
}

// The captured frames as wasm frames: function, name and module offset.
TrapBacktrace Symbolize(const Activation& activation) {
  TrapBacktrace backtrace;
  std::vector<wasm::WasmLocation> locations;
  for (size_t i = 0; i < activation.frame_count; ++i) {
    const CapturedFrame& frame = activation.frames[i];
    const Module* module = activation.store->ModuleAt(frame.pc);
    if (module == nullptr) continue;
    locations.clear();
    module->AppendWasmFrames(frame.pc, frame.return_address, &locations);
    for (const wasm::WasmLocation& location : locations) {
      backtrace.frames.push_back({location.function_index,
                                  std::string(module->FunctionName(location.function_index)),
                                  location.wasm_offset});
    }
    // The trap builtin's offset is the trapping instruction's own.
    if (i == 0 && activation.trap_site != 0 && !locations.empty()) {
      backtrace.frames[0].module_offset = module->ModuleOffset(
          vm::TrapSiteFunction(activation.trap_site), vm::TrapSiteBodyLine(activation.trap_site));
    }
  }
  backtrace.omitted_frames = activation.omitted_frames;
  return backtrace;
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

// The faults generated code can raise, and whoever handled them before us.
constexpr int kFaultSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
struct sigaction previous_fault[std::size(kFaultSignals)];
struct sigaction previous_interrupt;

uintptr_t ProgramCounter(const void* context) {
  const auto* ucontext = static_cast<const ucontext_t*>(context);
  return static_cast<uintptr_t>(ucontext->uc_mcontext.gregs[REG_RIP]);
}

void ForwardSignal(int signal, siginfo_t* info, void* context) {
  size_t which = 0;
  while (which + 1 < std::size(kFaultSignals) && kFaultSignals[which] != signal) ++which;
  const struct sigaction& previous = previous_fault[which];
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

// Which trap a fault in generated code is. Generated code checks explicitly
// for every trap but out-of-bounds memory accesses (guard pages) and a stack
// running out in a function's frame; anything else is reported as what it
// is, never as one of those.
vm::TrapCode ClassifyFault(const StoreState& store, int signal, const siginfo_t* info) {
  const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
  switch (signal) {
    case SIGILL: return vm::TrapCode::kIllegalInstruction;
    case SIGFPE:
      return info->si_code == FPE_INTOVF ? vm::TrapCode::kIntegerOverflow
                                         : vm::TrapCode::kIntegerDivideByZero;
    default: break;
  }
  // A fault just below (or in the last bit of) the thread's stack is the
  // stack running out.
  const ThreadStack& stack = CurrentThreadStack();
  if (stack.low != 0 && address < stack.low + kHostStackReserve &&
      address + (1u << 20) >= stack.low) {
    return vm::TrapCode::kCallStackExhausted;
  }
  if (store.InMemoryReservation(address)) return vm::TrapCode::kMemoryOutOfBounds;
  return vm::TrapCode::kUnexpectedFault;
}

// Leaves a signal handler for the activation's sigsetjmp. sigsetjmp saves
// no mask (a system call on every entry into wasm would cost too much), so
// the mask is put back here as it was where the signal hit: our own
// handlers run with SA_NODEFER and block nothing, but a handler that was
// installed after ours and chains to it (libFuzzer's, a crash reporter's)
// runs with the signal blocked, and leaving it blocked would make the next
// fault in wasm code kill the process instead of trapping.
[[noreturn]] void LeaveHandler(Activation& activation, void* context) {
  const auto* ucontext = static_cast<const ucontext_t*>(context);
  pthread_sigmask(SIG_SETMASK, &ucontext->uc_sigmask, nullptr);
  siglongjmp(activation.jump, 1);
}

void HandleFault(int signal, siginfo_t* info, void* context) {
  Activation* activation = current_activation;
  const uintptr_t pc = ProgramCounter(context);
  if (activation == nullptr || !activation->store->ContainsWasmPc(pc)) {
    ForwardSignal(signal, info, context);
    return;
  }
  activation->code = ClassifyFault(*activation->store, signal, info);
  CaptureSignalFrames(*activation, context);
  LeaveHandler(*activation, context);
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
    CaptureSignalFrames(*activation, context);
    LeaveHandler(*activation, context);
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
    for (size_t i = 0; i < std::size(kFaultSignals); ++i) {
      sigaction(kFaultSignals[i], &action, &previous_fault[i]);
    }
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
  return TrapError(activation.code, detail, Symbolize(activation));
}

void RaiseTrap(vm::TrapCode code, uint64_t site) {
  Activation* activation = current_activation;
  if (activation == nullptr) std::abort();  // a builtin called outside wasm
  activation->code = code;
  activation->trap_site = site;
  CaptureFrameChain(*activation, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)), false);
  siglongjmp(activation->jump, 1);
}

void SetPendingTrapDetail(std::string detail) { pending_detail = std::move(detail); }

}  // namespace kiln::runtime
