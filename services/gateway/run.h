// Wires the gateway: its store and views, a stream::Loop in global-table
// mode reading the four topics whole on a thread of its own,
// OversightService and the HTTP API. `fruition-gateway`
// runs it alone; `fruition dev` registers the same component beside the
// others.
#ifndef FRUITION_SERVICES_GATEWAY_RUN_H_
#define FRUITION_SERVICES_GATEWAY_RUN_H_

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/common/server/shutdown.h"
#include "services/common/service/component.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"
#include "services/gateway/config.h"
#include "services/gateway/http.h"
#include "services/gateway/releases.h"
#include "services/gateway/server.h"
#include "services/gateway/views.h"

namespace fruition::gateway {

class GatewayComponent : public service::Component {
 public:
  static absl::StatusOr<std::unique_ptr<GatewayComponent>> Create(
      const GatewayConfig& config, prometheus::Registry& registry);
  ~GatewayComponent() override;  // Stop()s

  std::vector<grpc::Service*> services() override {
    return {service_.get(), releases_.get()};
  }
  // Starts reading the topics and serving HTTP.
  absl::Status Start(server::ShutdownSignal* stop) override;
  // Ends event streams (SSE and Subscribe) so clients resume elsewhere.
  void Drain() override { draining_ = true; }
  absl::Status Stop() override;

  // The views caught up with the topics as they were at start, and reading.
  bool Ready() const override { return loop_ != nullptr && loop_->Healthy(); }
  int http_port() const { return http_ == nullptr ? 0 : http_->port(); }
  // Forwards POST /api/v1/reports to intake at `address` (with the
  // configured intake-tls-ca and deadline) from now on; after Start.
  // `fruition dev` calls it once its gRPC server listens; the binary's
  // Start does with intake-address. INVALID_ARGUMENT naming intake-tls-ca
  // when the CA cannot be read; FAILED_PRECONDITION before Start.
  absl::Status ConnectIntake(const std::string& address);

  audit::Trail* trail() override { return trail_.get(); }
  const auth::PrincipalRegistry* registry() const override {
    return principals_.get();
  }

 private:
  GatewayComponent() = default;

  GatewayConfig config_;
  prometheus::Registry* registry_ = nullptr;  // the HTTP layer's metrics
  std::unique_ptr<auth::PrincipalRegistry> principals_;
  std::unique_ptr<audit::Trail> trail_;
  std::unique_ptr<store::KvStore> store_;
  std::unique_ptr<Views> views_;
  std::unique_ptr<OversightServiceImpl> service_;
  std::unique_ptr<ReleaseServiceImpl> releases_;  // SPEC §10
  std::unique_ptr<HttpApi> http_;
  std::unique_ptr<stream::Loop> loop_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> draining_{false};
  std::thread reader_;
};

absl::Status Run(const GatewayConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening = nullptr);

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_RUN_H_
