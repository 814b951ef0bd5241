#include "kiln/runtime/thread_stack.h"

#include <pthread.h>

namespace kiln::runtime {

const ThreadStack& CurrentThreadStack() {
  thread_local const ThreadStack stack = [] {
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

}  // namespace kiln::runtime
