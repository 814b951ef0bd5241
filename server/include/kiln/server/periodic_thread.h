// kiln/server/periodic_thread.h — a thread that runs one task every period
// until it is destroyed; what the epoch ticker and the heap trimmer share.
#ifndef KILN_SERVER_PERIODIC_THREAD_H_
#define KILN_SERVER_PERIODIC_THREAD_H_

#include <chrono>
#include <functional>
#include <thread>

namespace kiln::server {

class PeriodicThread {
 public:
  // Starts at once: `tick` first runs one period from now. The destructor
  // wakes the thread, stops it and joins it.
  PeriodicThread(std::chrono::milliseconds period, std::function<void()> tick);
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

 private:
  std::jthread thread_;
};

}  // namespace kiln::server

#endif  // KILN_SERVER_PERIODIC_THREAD_H_
