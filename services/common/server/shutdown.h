// Graceful drain: a one-shot "stop now" signal, and the SIGTERM/SIGINT hook
// that fires it. Services wait on it, then drain in order: health
// NOT_SERVING, stop accepting RPCs and let running ones finish (with a
// deadline), flush Kafka, close stores.
//
// Thread-safe.
#ifndef FRUITION_SERVICES_COMMON_SERVER_SHUTDOWN_H_
#define FRUITION_SERVICES_COMMON_SERVER_SHUTDOWN_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace fruition::server {

class ShutdownSignal {
 public:
  // Fires the signal (idempotent). `reason` is logged by the waiter.
  void Notify(const std::string& reason);
  // Blocks until Notify().
  void Wait();
  // Blocks until Notify() or `timeout`; true if notified.
  bool WaitFor(std::chrono::milliseconds timeout);
  bool notified() const;
  std::string reason() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
  std::string reason_;
};

// Blocks SIGTERM and SIGINT in the calling thread (call first thing in main,
// before any thread starts, so every thread inherits the mask) and starts a
// detached thread that turns the first such signal into signal->Notify().
void NotifyOnTerminationSignals(ShutdownSignal* signal);

}  // namespace fruition::server

#endif  // FRUITION_SERVICES_COMMON_SERVER_SHUTDOWN_H_
