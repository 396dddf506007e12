// Wiring of the intake service: the component (for `fruition dev`, which
// registers it on a shared gRPC server) and Run() for the standalone binary.
#ifndef FRUITION_SERVICES_INTAKE_RUN_H_
#define FRUITION_SERVICES_INTAKE_RUN_H_

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"
#include "services/common/auth/principals.h"
#include "services/common/kafka/producer.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/privacy/sealed_box.h"
#include "services/common/server/shutdown.h"
#include "services/common/service/component.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"
#include "services/intake/config.h"
#include "services/intake/idempotency_store.h"
#include "services/intake/intake.h"
#include "services/intake/org_table.h"
#include "services/intake/quota.h"
#include "services/intake/server.h"

namespace fruition::intake {

// Everything intake owns, ready to be registered on a gRPC server.
class IntakeComponent : public service::Component {
 public:
  // Loads principals and the pseudonym key, opens the stores (the
  // idempotency index, the org table), creates the producer (and topics with
  // create_topics). Errors name the config field.
  static absl::StatusOr<std::unique_ptr<IntakeComponent>> Create(
      const IntakeConfig& config, prometheus::Registry& registry);

  // Records what a crash left unrecorded (recovery.h); retries every 2 s until
  // it succeeds or `stop` fires. Must succeed before Ready().
  absl::Status RecoverUntilDone(server::ShutdownSignal* stop);

  // Stops the org table's reader, then flushes and closes the producer
  // before the pipeline it calls back into.
  ~IntakeComponent() override;

  std::vector<grpc::Service*> services() override { return {service_.get()}; }
  // Recovered, Kafka reachable, and the org table read up to where
  // fruition.reference.v1 ended when it started (and not stopped since), so
  // that intake refuses what it can see is not the reporter's org.
  bool Ready() const override {
    return recovered_ && intake_->Ready() && org_loop_->Healthy();
  }
  // Starts the org table's reader, then RecoverUntilDone: intake serves once
  // what a crash left is recorded.
  absl::Status Start(server::ShutdownSignal* stop) override;
  // Stops the org table's reader; waits up to the drain timeout (at least
  // 1 s) for every outstanding delivery.
  absl::Status Stop() override;

  audit::Trail* trail() override { return trail_.get(); }
  const auth::PrincipalRegistry* registry() const override {
    return principals_.get();
  }

 private:
  IntakeComponent() = default;
  // Opens <data_dir>/intake-orgs, loads the org table and makes its loop.
  absl::Status OpenOrgTable(prometheus::Registry& registry);
  // Stops the org table's loop and joins its thread (idempotent).
  void StopOrgReader();
  IntakeConfig config_;
  std::unique_ptr<auth::PrincipalRegistry> principals_;
  std::unique_ptr<audit::Trail> trail_;
  std::unique_ptr<privacy::Pseudonymizer> pseudonymizer_;
  std::unique_ptr<privacy::SealedBox> sealed_;
  std::unique_ptr<IdempotencyStore> store_;
  // The org table (org_table.h): its store, its handler and the global-table
  // loop that feeds it, on a thread of its own.
  std::unique_ptr<store::KvStore> org_store_;
  std::unique_ptr<OrgTable> orgs_;
  std::unique_ptr<stream::Loop> org_loop_;
  std::atomic<bool> stop_orgs_{false};
  std::thread org_reader_;
  std::unique_ptr<kafka::KafkaProducer> producer_;
  std::unique_ptr<IntakeMetrics> metrics_;
  std::unique_ptr<Intake> intake_;
  std::unique_ptr<Admission> admission_;
  std::unique_ptr<IntakeServiceImpl> service_;
  std::atomic<bool> recovered_{false};
};

// Runs the standalone intake service until `stop` fires, then drains:
// health NOT_SERVING, running RPCs get drain_timeout_ms, Kafka is flushed.
// `on_listening(grpc_port, metrics_port)` is called once serving (tests).
absl::Status Run(const IntakeConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening = nullptr);

}  // namespace fruition::intake

#endif  // FRUITION_SERVICES_INTAKE_RUN_H_
