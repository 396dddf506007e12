#include "services/common/telemetry/admin_http.h"

#include <httplib.h>

#include <sstream>

#include "prometheus/text_serializer.h"
#include "services/common/strings.h"

namespace fruition::telemetry {

std::string SerializeMetrics(prometheus::Registry& registry) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry.Collect());
  return out.str();
}

absl::StatusOr<std::unique_ptr<AdminHttpServer>> AdminHttpServer::Start(
    const std::string& host, int port,
    const std::shared_ptr<prometheus::Registry>& registry,
    const std::function<bool()>& ready) {
  std::unique_ptr<AdminHttpServer> admin(new AdminHttpServer());
  admin->server_ = std::make_unique<httplib::Server>();
  admin->server_->Get(
      "/metrics", [registry](const httplib::Request&, httplib::Response& res) {
        res.set_content(SerializeMetrics(*registry),
                        "text/plain; version=0.0.4; charset=utf-8");
      });
  admin->server_->Get("/healthz",
                      [](const httplib::Request&, httplib::Response& res) {
                        res.set_content("ok\n", "text/plain");
                      });
  admin->server_->Get(
      "/readyz", [ready](const httplib::Request&, httplib::Response& res) {
        const bool ok = !ready || ready();
        res.status = ok ? 200 : 503;
        res.set_content(ok ? "ready\n" : "not ready\n", "text/plain");
      });
  if (port == 0) {
    admin->port_ = admin->server_->bind_to_any_port(host);
  } else {
    admin->port_ = admin->server_->bind_to_port(host, port) ? port : -1;
  }
  if (admin->port_ < 0) {
    return absl::UnavailableError(
        StrCat("metrics-port: cannot listen on ", host, ":", port));
  }
  httplib::Server* server = admin->server_.get();
  admin->thread_ = std::thread([server] { server->listen_after_bind(); });
  return admin;
}

void AdminHttpServer::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

AdminHttpServer::~AdminHttpServer() { Stop(); }

}  // namespace fruition::telemetry
