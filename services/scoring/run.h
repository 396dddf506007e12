// Wires the scoring service: two stores, the two stages' loops on threads of
// their own, the producer and ScoringService. `fruition-scoring` runs it
// alone; `fruition dev` registers the same component beside the others.
#ifndef FRUITION_SERVICES_SCORING_RUN_H_
#define FRUITION_SERVICES_SCORING_RUN_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"
#include "services/common/server/shutdown.h"
#include "services/common/service/component.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"
#include "services/scoring/case_stage.h"
#include "services/scoring/config.h"
#include "services/scoring/public_stage.h"
#include "services/scoring/server.h"
#include "services/scoring/stages.h"

namespace fruition::scoring {

// Three loops, each with a store of its own: stage 1 (per subject), stage 2
// (per unit) and the public-view stage (per fiscal year).
class ScoringComponent : public service::LoopComponent {
 public:
  static absl::StatusOr<std::unique_ptr<ScoringComponent>> Create(
      const ScoringConfig& config, prometheus::Registry& registry);
  ~ScoringComponent() override;  // Stop()s

  std::vector<grpc::Service*> services() override { return {service_.get()}; }

 private:
  ScoringComponent() = default;
  // The stores and the three stages' handlers.
  absl::Status MakeStages(const ScoringConfig& config);
  // A loop per stage, each its own consumer group.
  void AddStageLoops(const ScoringConfig& config,
                     prometheus::Registry& registry);

  store::KvStore* stage1_store_ = nullptr;
  store::KvStore* stage2_store_ = nullptr;
  store::KvStore* public_store_ = nullptr;
  store::KvStore* case_store_ = nullptr;
  std::unique_ptr<Stage1> stage1_;
  std::unique_ptr<CaseStage> cases_;
  std::unique_ptr<Stage2> stage2_;
  std::unique_ptr<PublicStage> public_;
  std::unique_ptr<ScoringServiceImpl> service_;
};

absl::Status Run(const ScoringConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening = nullptr);

}  // namespace fruition::scoring

#endif  // FRUITION_SERVICES_SCORING_RUN_H_
