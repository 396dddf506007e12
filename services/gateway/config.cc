#include "services/gateway/config.h"

#include "services/common/config/config.h"
#include "services/common/status.h"

namespace fruition::gateway {

const std::vector<config::Spec>& GatewaySpecs() {
  static const auto* specs = [] {
    auto* s =
        new std::vector<config::Spec>(service::CommonSpecs(kGatewayDefaults));
    s->push_back({"http-listen", "127.0.0.1:8080",
                  "host:port of the HTTP API and the dashboard"});
    s->push_back({"max-streams", "64",
                  "concurrent Server-Sent Events clients (a thread each)"});
    s->push_back({"sse-keepalive-seconds", "15",
                  "a comment line on idle event streams this often"});
    return s;
  }();
  return *specs;
}

absl::StatusOr<GatewayConfig> GatewayConfigFrom(const config::Settings& s) {
  GatewayConfig c;
  FRUITION_RETURN_IF_ERROR(service::ParseCommon(s, &c));
  c.http.listen = s.Get("http-listen");
  FRUITION_RETURN_IF_ERROR(config::CheckHostPort(c.http.listen, "http-listen"));
  FRUITION_ASSIGN_OR_RETURN(const int64_t streams,
                            s.GetInt("max-streams", 1, 10000));
  c.http.max_streams = static_cast<int>(streams);
  FRUITION_ASSIGN_OR_RETURN(const int64_t keepalive,
                            s.GetInt("sse-keepalive-seconds", 1, 3600));
  c.http.keepalive = std::chrono::seconds(keepalive);
  return c;
}

}  // namespace fruition::gateway
