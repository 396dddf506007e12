// The admin HTTP endpoint every service serves on its own port:
//   GET /metrics  Prometheus text format of the service's registry
//   GET /healthz  200 while the process runs (liveness)
//   GET /readyz   200 when ready to serve, 503 otherwise (readiness)
//
// Thread-safe. Start() binds and serves on a background thread; Stop() (or
// destruction) stops it.
#ifndef FRUITION_SERVICES_COMMON_TELEMETRY_ADMIN_HTTP_H_
#define FRUITION_SERVICES_COMMON_TELEMETRY_ADMIN_HTTP_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"

namespace httplib {
class Server;
}

namespace fruition::telemetry {

class AdminHttpServer {
 public:
  // `ready` is polled by /readyz. Binds host:port (port 0 = any free port).
  static absl::StatusOr<std::unique_ptr<AdminHttpServer>> Start(
      const std::string& host, int port,
      const std::shared_ptr<prometheus::Registry>& registry,
      const std::function<bool()>& ready);
  ~AdminHttpServer();

  int port() const { return port_; }
  void Stop();

 private:
  AdminHttpServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// The registry's metrics in Prometheus text format.
std::string SerializeMetrics(prometheus::Registry& registry);

}  // namespace fruition::telemetry

#endif  // FRUITION_SERVICES_COMMON_TELEMETRY_ADMIN_HTTP_H_
