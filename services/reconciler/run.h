// Wires the reconciler: its store, the loop on a thread of its own, the
// producer and ReconcilerService. `fruition-reconciler` runs it alone;
// `fruition dev` registers the same component beside the others.
#ifndef FRUITION_SERVICES_RECONCILER_RUN_H_
#define FRUITION_SERVICES_RECONCILER_RUN_H_

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
#include "services/reconciler/config.h"
#include "services/reconciler/handler.h"
#include "services/reconciler/server.h"

namespace fruition::reconciler {

class ReconcilerComponent {
 public:
  static absl::StatusOr<std::unique_ptr<ReconcilerComponent>> Create(
      const ReconcilerConfig& config, prometheus::Registry& registry);
  ~ReconcilerComponent();  // Stop()s

  void Start();
  void Stop();

  grpc::Service* service() { return service_.get(); }
  bool Ready() const { return loop_->Healthy() && producer_->Healthy(); }

 private:
  ReconcilerComponent() = default;
  ReconcilerConfig config_;
  std::unique_ptr<auth::PrincipalRegistry> principals_;
  std::unique_ptr<store::KvStore> store_;
  std::unique_ptr<kafka::KafkaProducer> producer_;
  std::unique_ptr<ReconcilerHandler> handler_;
  std::unique_ptr<stream::Loop> loop_;
  std::unique_ptr<ReconcilerServiceImpl> service_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

absl::Status Run(const ReconcilerConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening = nullptr);

}  // namespace fruition::reconciler

#endif  // FRUITION_SERVICES_RECONCILER_RUN_H_
