// The lifecycle every service shares. A Component is what a service binary
// (service::Run) and `fruition dev` (one process, every component) serve:
// its gRPC services, its readiness, and start / drain / stop.
// LoopComponent is the base of the stream-processing services (evidence,
// scoring, the reconciler): it owns the principals, the producer, the
// stream loops and their threads, so that a service declares only its
// stores, handlers and loops.
#ifndef FRUITION_SERVICES_COMMON_SERVICE_COMPONENT_H_
#define FRUITION_SERVICES_COMMON_SERVICE_COMPONENT_H_

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "prometheus/registry.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/common/kafka/consumer.h"
#include "services/common/kafka/producer.h"
#include "services/common/server/shutdown.h"
#include "services/common/service/service.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace fruition::service {

class Component {
 public:
  virtual ~Component() = default;

  // The gRPC services to register (on the service's own server, or on dev's
  // one server beside the other components').
  virtual std::vector<grpc::Service*> services() = 0;
  // Health SERVING and /readyz 200 while true.
  virtual bool Ready() const = 0;
  // Called once the servers listen. Work that may take long (intake's
  // recovery) gives up with CANCELLED when `stop` fires; any other error
  // ends the process.
  virtual absl::Status Start(server::ShutdownSignal* stop) = 0;
  // Draining begins: end long-lived calls (streams) so that clients resume
  // elsewhere instead of waiting out the drain.
  virtual void Drain() {}
  // After the gRPC server drained: stop the work and flush what is owed.
  virtual absl::Status Stop() = 0;

  // The component's audit trail (service/trail.h) and the principals its
  // callers authenticate as: the server records every refused call with
  // them (server/audit.h). Both live as long as the component.
  virtual audit::Trail* trail() = 0;
  virtual const auth::PrincipalRegistry* registry() const = 0;
};

// A component whose work is stream::Loops (ARCHITECTURE principle 2).
// Thread-compatible; the loops run on threads of their own.
class LoopComponent : public Component {
 public:
  // Stop()s. A subclass whose loops use members of its own (handlers,
  // stores) must call Stop() in its own destructor, before they go.
  ~LoopComponent() override;

  // Every loop healthy and the producer reaching Kafka.
  bool Ready() const override;
  // Runs every loop on a thread of its own until Stop().
  absl::Status Start(server::ShutdownSignal* stop) override;
  // Stops the loops (each finishes and commits its batch), then flushes the
  // producer. Idempotent.
  absl::Status Stop() override;

  audit::Trail* trail() override { return trail_.get(); }
  const auth::PrincipalRegistry* registry() const override {
    return principals_.get();
  }

 protected:
  LoopComponent() = default;

  // Loads the principals, creates the service's catalogue topics (with
  // create_topics), the producer (client id fruition-<name>) and the audit
  // trail (writer <name>@<instance>, or audit-writer). Errors name the
  // config field.
  absl::Status Init(std::string_view name, const CommonConfig& config);

  // The consumer settings of this service, with group `group_id`.
  kafka::ConsumerOptions Consumer(const std::string& group_id) const;

  // Opens (and owns) a RocksDB store under the data dir.
  absl::StatusOr<store::KvStore*> AddStore(
      const std::string& subdir, const std::vector<std::string>& tables);

  // Adds a loop applying `handler` to `store`, producing with the producer
  // (a group member: a transactional producer of its own);
  // `options.consumer`, `options.skip` and `options.inflight_path`
  // (<data dir>/<name>.inflight) come from the config when unset, and
  // `options.crash_attempts` always does.
  stream::Loop* AddLoop(stream::LoopOptions options, store::KvStore* store,
                        stream::Handler* handler,
                        prometheus::Registry* registry);

  const CommonConfig& common() const { return config_; }
  const auth::PrincipalRegistry* principals() const {
    return principals_.get();
  }
  kafka::KafkaProducer* producer() const { return producer_.get(); }

 private:
  CommonConfig config_;
  std::string client_id_;
  std::unique_ptr<auth::PrincipalRegistry> principals_;
  std::vector<std::unique_ptr<store::KvStore>> stores_;
  std::unique_ptr<kafka::KafkaProducer> producer_;
  std::unique_ptr<audit::Trail> trail_;
  // Each group loop's transactional producer (AddLoop).
  std::vector<std::unique_ptr<kafka::KafkaProducer>> producers_;
  // The first error AddLoop met (Start returns it).
  absl::Status add_error_;
  // After the stores and the producers: destroyed before them.
  std::vector<std::unique_ptr<stream::Loop>> loops_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace fruition::service

#endif  // FRUITION_SERVICES_COMMON_SERVICE_COMPONENT_H_
