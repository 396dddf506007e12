// Wires the scoring service: two stores, the two stages' loops on threads of
// their own, the producer and ScoringService. `fruition-scoring` runs it
// alone; `fruition dev` registers the same component beside the others.
#ifndef FRUITION_SERVICES_SCORING_RUN_H_
#define FRUITION_SERVICES_SCORING_RUN_H_

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"
#include "services/common/auth/principals.h"
#include "services/common/kafka/producer.h"
#include "services/common/server/shutdown.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"
#include "services/scoring/config.h"
#include "services/scoring/public_stage.h"
#include "services/scoring/server.h"
#include "services/scoring/stages.h"

namespace fruition::scoring {

class ScoringComponent {
 public:
  static absl::StatusOr<std::unique_ptr<ScoringComponent>> Create(
      const ScoringConfig& config, prometheus::Registry& registry);
  ~ScoringComponent();  // Stop()s

  void Start();
  void Stop();

  grpc::Service* service() { return service_.get(); }
  bool Ready() const {
    return stage1_loop_->Healthy() && stage2_loop_->Healthy() &&
           public_loop_->Healthy() && producer_->Healthy();
  }

 private:
  ScoringComponent() = default;
  ScoringConfig config_;
  std::unique_ptr<auth::PrincipalRegistry> principals_;
  std::unique_ptr<store::KvStore> stage1_store_;
  std::unique_ptr<store::KvStore> stage2_store_;
  std::unique_ptr<store::KvStore> public_store_;
  std::unique_ptr<kafka::KafkaProducer> producer_;
  std::unique_ptr<Stage1> stage1_;
  std::unique_ptr<Stage2> stage2_;
  std::unique_ptr<PublicStage> public_;
  std::unique_ptr<stream::Loop> stage1_loop_;
  std::unique_ptr<stream::Loop> stage2_loop_;
  std::unique_ptr<stream::Loop> public_loop_;
  std::unique_ptr<ScoringServiceImpl> service_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

absl::Status Run(const ScoringConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening = nullptr);

}  // namespace fruition::scoring

#endif  // FRUITION_SERVICES_SCORING_RUN_H_
