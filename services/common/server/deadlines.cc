#include "services/common/server/deadlines.h"

#include <grpcpp/server_context.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

namespace fruition::server {
namespace {

namespace gx = grpc::experimental;
using Clock = std::chrono::steady_clock;

// Cancels the calls whose time is up.
class Watchdog {
 public:
  Watchdog() : thread_([this] { Loop(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  uint64_t Add(grpc::ServerContextBase* context, Clock::time_point due) {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t id = ++next_id_;
    calls_[id] = Call{context, due};
    if (due < wake_) cv_.notify_all();
    return id;
  }
  void Touch(uint64_t id, Clock::time_point due) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = calls_.find(id);
    if (it != calls_.end()) it->second.due = due;
  }
  // After this returns the watchdog never touches the call's context.
  void Remove(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.erase(id);
  }

 private:
  struct Call {
    grpc::ServerContextBase* context;
    Clock::time_point due;
  };

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      const Clock::time_point now = Clock::now();
      wake_ = now + std::chrono::seconds(1);
      for (auto it = calls_.begin(); it != calls_.end();) {
        if (it->second.due <= now) {
          it->second.context->TryCancel();  // under mu_: Remove waits
          it = calls_.erase(it);
        } else {
          if (it->second.due < wake_) wake_ = it->second.due;
          ++it;
        }
      }
      cv_.wait_until(lock, wake_);
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, Call> calls_;
  uint64_t next_id_ = 0;
  Clock::time_point wake_ = Clock::time_point::max();
  bool stop_ = false;
  std::thread thread_;  // last: starts after the rest is built
};

class DeadlineInterceptor : public gx::Interceptor {
 public:
  DeadlineInterceptor(gx::ServerRpcInfo* info, DeadlineOptions options,
                      std::shared_ptr<Watchdog> watchdog)
      : info_(info), options_(options), watchdog_(std::move(watchdog)) {}
  ~DeadlineInterceptor() override { Done(); }

  void Intercept(gx::InterceptorBatchMethods* methods) override {
    using Hook = gx::InterceptionHookPoints;
    const auto type = info_->type();
    const bool streaming = type == gx::ServerRpcInfo::Type::CLIENT_STREAMING ||
                           type == gx::ServerRpcInfo::Type::BIDI_STREAMING;
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_INITIAL_METADATA) &&
        id_ == 0) {
      grpc::ServerContextBase* context = info_->server_context();
      if (type == gx::ServerRpcInfo::Type::UNARY &&
          context->deadline() == std::chrono::system_clock::time_point::max()) {
        id_ = watchdog_->Add(
            context, Clock::now() + options_.unary + options_.unary_grace);
      } else if (streaming) {
        id_ = watchdog_->Add(context, Clock::now() + options_.stream_idle);
      }
    }
    if (streaming && id_ != 0 &&
        (methods->QueryInterceptionHookPoint(Hook::POST_RECV_MESSAGE) ||
         methods->QueryInterceptionHookPoint(Hook::PRE_SEND_MESSAGE))) {
      watchdog_->Touch(id_, Clock::now() + options_.stream_idle);
    }
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) Done();
    methods->Proceed();
  }

 private:
  void Done() {
    if (id_ != 0) watchdog_->Remove(id_);
    id_ = 0;
  }

  gx::ServerRpcInfo* info_;
  const DeadlineOptions options_;
  std::shared_ptr<Watchdog> watchdog_;
  uint64_t id_ = 0;
};

class DeadlineFactory : public gx::ServerInterceptorFactoryInterface {
 public:
  explicit DeadlineFactory(const DeadlineOptions& options)
      : options_(options), watchdog_(std::make_shared<Watchdog>()) {}

  gx::Interceptor* CreateServerInterceptor(gx::ServerRpcInfo* info) override {
    return new DeadlineInterceptor(info, options_, watchdog_);
  }

 private:
  const DeadlineOptions options_;
  std::shared_ptr<Watchdog> watchdog_;
};

}  // namespace

std::unique_ptr<gx::ServerInterceptorFactoryInterface> DeadlineEnforcer(
    const DeadlineOptions& options) {
  return std::make_unique<DeadlineFactory>(options);
}

}  // namespace fruition::server
