#include "services/gateway/config.h"

#include <unistd.h>

#include <utility>

#include "services/common/config/config.h"
#include "services/common/status.h"
#include "services/common/strings.h"

namespace fruition::gateway {

const std::vector<config::Spec>& GatewaySpecs() {
  static const auto* specs = [] {
    auto* s =
        new std::vector<config::Spec>(service::CommonSpecs(kGatewayDefaults));
    s->push_back({"http-listen", "127.0.0.1:8080",
                  "host:port of the HTTP API and the dashboard"});
    s->push_back({"http-redirect-listen", "",
                  "host:port answering plain HTTP with a 301 to https "
                  "(needs http-tls-cert; empty: none)"});
    s->push_back({"http-max-sse", "10000",
                  "open Server-Sent Events streams per replica; beyond: 503 "
                  "with Retry-After"});
    s->push_back({"http-max-sse-per-address", "0",
                  "open event streams per client address (0: no cap)"});
    s->push_back({"http-max-connections", "12000",
                  "open HTTP connections per replica, streams included; "
                  "beyond: 503 with Retry-After"});
    s->push_back(
        {"http-max-body-bytes", "65536", "largest request body; beyond: 413"});
    s->push_back({"http-max-header-bytes", "16384",
                  "largest request headers; beyond: 431"});
    s->push_back({"http-idle-timeout-seconds", "30",
                  "closes a connection idle (or sending its request) this "
                  "long; not event streams"});
    s->push_back({"http-workers", "8",
                  "threads answering HTTP requests (store reads, audit)"});
    s->push_back({"http-tls-cert", "",
                  "PEM certificate chain: serve HTTPS (with http-tls-key; "
                  "reloaded when the file changes)"});
    s->push_back({"http-tls-key", "", "PEM private key of http-tls-cert"});
    s->push_back({"sse-keepalive-seconds", "15",
                  "a comment line on idle event streams this often"});
    s->push_back({"intake-address", "",
                  "host:port of intake's gRPC: POST /api/v1/reports forwards "
                  "the dashboard's answers and decisions there with the "
                  "caller's token (empty: the route answers 503)"});
    s->push_back({"intake-tls-ca", "",
                  "PEM CA of intake's server certificate: reach intake over "
                  "TLS (empty: plain text)"});
    s->push_back({"intake-deadline-ms", "10000",
                  "deadline of each report forwarded to intake"});
    return s;
  }();
  return *specs;
}

namespace {

// intake-address, intake-tls-ca, intake-deadline-ms.
absl::Status IntakeFrom(const config::Settings& s, IntakeOptions* o) {
  o->address = s.Get("intake-address");
  if (!o->address.empty()) {
    FRUITION_RETURN_IF_ERROR(
        config::CheckHostPort(o->address, "intake-address"));
  }
  o->tls_ca = s.Get("intake-tls-ca");
  if (!o->tls_ca.empty() && o->address.empty()) {
    return absl::InvalidArgumentError(
        "config field intake-tls-ca: needs intake-address");
  }
  if (!o->tls_ca.empty() && ::access(o->tls_ca.c_str(), R_OK) != 0) {
    return absl::InvalidArgumentError(
        StrCat("config field intake-tls-ca: cannot read ", o->tls_ca));
  }
  FRUITION_ASSIGN_OR_RETURN(const int64_t deadline,
                            s.GetInt("intake-deadline-ms", 100, 600000));
  o->deadline = std::chrono::milliseconds(deadline);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<GatewayConfig> GatewayConfigFrom(const config::Settings& s) {
  GatewayConfig c;
  FRUITION_RETURN_IF_ERROR(service::ParseCommon(s, &c));
  c.http.listen = s.Get("http-listen");
  FRUITION_RETURN_IF_ERROR(config::CheckHostPort(c.http.listen, "http-listen"));
  c.http.redirect_listen = s.Get("http-redirect-listen");
  if (!c.http.redirect_listen.empty()) {
    FRUITION_RETURN_IF_ERROR(
        config::CheckHostPort(c.http.redirect_listen, "http-redirect-listen"));
  }
  FRUITION_ASSIGN_OR_RETURN(const int64_t streams,
                            s.GetInt("http-max-sse", 1, 1000000));
  c.http.max_streams = static_cast<int>(streams);
  FRUITION_ASSIGN_OR_RETURN(const int64_t per_address,
                            s.GetInt("http-max-sse-per-address", 0, 1000000));
  c.http.max_streams_per_address = static_cast<int>(per_address);
  FRUITION_ASSIGN_OR_RETURN(const int64_t connections,
                            s.GetInt("http-max-connections", 1, 1000000));
  c.http.max_connections = static_cast<int>(connections);
  if (c.http.max_connections < c.http.max_streams) {
    return absl::InvalidArgumentError(
        "http-max-connections: at least http-max-sse (streams are "
        "connections too)");
  }
  FRUITION_ASSIGN_OR_RETURN(const int64_t body,
                            s.GetInt("http-max-body-bytes", 0, 64 << 20));
  c.http.max_body_bytes = static_cast<size_t>(body);
  FRUITION_ASSIGN_OR_RETURN(const int64_t header,
                            s.GetInt("http-max-header-bytes", 1024, 1 << 20));
  c.http.max_header_bytes = static_cast<size_t>(header);
  FRUITION_ASSIGN_OR_RETURN(const int64_t idle,
                            s.GetInt("http-idle-timeout-seconds", 1, 3600));
  c.http.idle_timeout = std::chrono::seconds(idle);
  FRUITION_ASSIGN_OR_RETURN(const int64_t workers,
                            s.GetInt("http-workers", 1, 256));
  c.http.workers = static_cast<int>(workers);
  c.http.tls_cert = s.Get("http-tls-cert");
  c.http.tls_key = s.Get("http-tls-key");
  if (c.http.tls_cert.empty() != c.http.tls_key.empty()) {
    return absl::InvalidArgumentError(
        c.http.tls_cert.empty()
            ? "http-tls-cert: set with http-tls-key, or neither"
            : "http-tls-key: set with http-tls-cert, or neither");
  }
  for (const auto& [field, path] :
       {std::pair<std::string, std::string>{"http-tls-cert", c.http.tls_cert},
        {"http-tls-key", c.http.tls_key}}) {
    if (!path.empty() && ::access(path.c_str(), R_OK) != 0) {
      return absl::InvalidArgumentError(StrCat(field, ": cannot read ", path));
    }
  }
  if (!c.http.redirect_listen.empty() && c.http.tls_cert.empty()) {
    return absl::InvalidArgumentError(
        "http-redirect-listen: needs http-tls-cert and http-tls-key");
  }
  FRUITION_ASSIGN_OR_RETURN(const int64_t keepalive,
                            s.GetInt("sse-keepalive-seconds", 1, 3600));
  c.http.keepalive = std::chrono::seconds(keepalive);
  FRUITION_RETURN_IF_ERROR(IntakeFrom(s, &c.intake));
  return c;
}

}  // namespace fruition::gateway
