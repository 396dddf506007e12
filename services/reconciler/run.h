// Wires the reconciler: its store, the loop on a thread of its own, the
// producer and ReconcilerService. `fruition-reconciler` runs it alone;
// `fruition dev` registers the same component beside the others.
#ifndef FRUITION_SERVICES_RECONCILER_RUN_H_
#define FRUITION_SERVICES_RECONCILER_RUN_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"
#include "services/common/server/shutdown.h"
#include "services/common/service/component.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"
#include "services/reconciler/config.h"
#include "services/reconciler/handler.h"
#include "services/reconciler/server.h"

namespace fruition::reconciler {

class ReconcilerComponent : public service::LoopComponent {
 public:
  static absl::StatusOr<std::unique_ptr<ReconcilerComponent>> Create(
      const ReconcilerConfig& config, prometheus::Registry& registry);
  ~ReconcilerComponent() override;  // Stop()s

  std::vector<grpc::Service*> services() override { return {service_.get()}; }

 private:
  ReconcilerComponent() = default;

  std::unique_ptr<ReconcilerHandler> handler_;
  std::unique_ptr<ReconcilerServiceImpl> service_;
};

absl::Status Run(const ReconcilerConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening = nullptr);

}  // namespace fruition::reconciler

#endif  // FRUITION_SERVICES_RECONCILER_RUN_H_
