#include "services/common/server/shutdown.h"

#include <pthread.h>
#include <signal.h>

#include <thread>

namespace fruition::server {

void ShutdownSignal::Notify(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (notified_) return;
  notified_ = true;
  reason_ = reason;
  cv_.notify_all();
}

void ShutdownSignal::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return notified_; });
}

bool ShutdownSignal::WaitFor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return notified_; });
}

bool ShutdownSignal::notified() const {
  std::lock_guard<std::mutex> lock(mu_);
  return notified_;
}

std::string ShutdownSignal::reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reason_;
}

void NotifyOnTerminationSignals(ShutdownSignal* signal) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, signal] {
    int received = 0;
    sigwait(&set, &received);
    signal->Notify(received == SIGTERM ? "SIGTERM" : "SIGINT");
  }).detach();
}

}  // namespace fruition::server
