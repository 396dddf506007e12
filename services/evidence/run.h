// Wires the evidence service: store, rulebook, producer, stream loop and
// gRPC service. `fruition-evidence` runs it alone; `fruition dev` registers
// the same component beside the others in one process.
#ifndef FRUITION_SERVICES_EVIDENCE_RUN_H_
#define FRUITION_SERVICES_EVIDENCE_RUN_H_

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"
#include "services/common/kafka/producer.h"
#include "services/common/server/shutdown.h"
#include "services/common/service/component.h"
#include "services/common/stream/loop.h"
#include "services/evidence/config.h"
#include "services/evidence/criteria.h"
#include "services/evidence/handler.h"
#include "services/evidence/processor.h"
#include "services/evidence/server.h"
#include "services/evidence/store.h"

namespace fruition::evidence {

class EvidenceComponent : public service::LoopComponent {
 public:
  // Loads principals and the rulebook, opens the store, creates the producer
  // (and topics with create_topics). Errors name the config field.
  static absl::StatusOr<std::unique_ptr<EvidenceComponent>> Create(
      const EvidenceConfig& config, prometheus::Registry& registry);
  ~EvidenceComponent() override;  // Stop()s

  std::vector<grpc::Service*> services() override { return {service_.get()}; }

 private:
  EvidenceComponent() = default;
  // The rulebook of config field criteria (the default one when unset).
  absl::Status LoadRules(const EvidenceConfig& config);

  std::unique_ptr<Rulebook> rules_;
  std::unique_ptr<EvidenceStore> store_;
  std::unique_ptr<privacy::SealedBox> sealed_;
  std::unique_ptr<Processor> processor_;
  std::unique_ptr<EvidenceHandler> handler_;
  std::unique_ptr<EvidenceServiceImpl> service_;
};

// Runs the service until `stop` fires, then drains. `on_listening` gets the
// gRPC and metrics ports (tests use port 0).
absl::Status Run(const EvidenceConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening = nullptr);

// `fruition evidence reassess`: replays all of fruition.reports.v1 and
// fruition.reference.v1 into a scratch store under `rules` and produces
// every claim's assessment under that version. Returns how many.
absl::StatusOr<int64_t> Reassess(const EvidenceConfig& config,
                                 const Rulebook& rules,
                                 const std::atomic<bool>& stop);

}  // namespace fruition::evidence

#endif  // FRUITION_SERVICES_EVIDENCE_RUN_H_
