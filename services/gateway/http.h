// The gateway's HTTP API (SPEC §9) and the dashboard, on a port of their own
// (the event-driven HttpServer of http_server.h): scorecards and events as JSON
// (names as the protos', lowerCamelCase), events as Server-Sent Events
// resumable with Last-Event-ID, and the static dashboard at `/`. Credentials as
// for gRPC: `Authorization: Bearer <token>`; none means PUBLIC.
//
//   GET /api/v1/scorecards?unit=U&period=P   one scorecard
//   GET /api/v1/scorecards?period=P[&unitKind=K]   {"scorecards":[...]}
//   GET /api/v1/units                         {"units":[...],"periods":[...]}
//   GET /api/v1/series?unit=&indicator=&from=&to=        one unit's trend
//   GET /api/v1/compare?indicator=&period=&kind=         units ranked
//   GET /api/v1/scorecards/history?unit=&period=[&limit=&after=]  versions
//
// Scorecards and units come from the public view (`fruition.scores.public.v1`)
// for every caller but overseers, who read the restricted one.
//   GET /api/v1/events?visibility=&type=&unit=&period=&resolved=&after=&limit=
//   GET /api/v1/events/stream (same filters; Last-Event-ID or after)
//   GET /api/v1/releases/FY2016, /releases/FY2016/...  (releases.h)
//   GET /api/v1/whoami                        the caller's code and kind
//   POST /api/v1/reports   one answer or decision, forwarded to intake with
//                          the caller's Authorization (report_forward.h)
//   GET /  and the dashboard's files
//
// A path answered with a method it does not take: 405 with Allow.
//
// Errors: {"error":{"code":"INVALID_ARGUMENT","message":"..."}} with 400,
// 401, 403, 404, 409, 415, 429 or 503 (UNAVAILABLE: a restricted read whose
// audit record could not be written, or a cap of http_server.h met: then with
// Retry-After), 405, 413 and 431 (http_server.h).
//
// Event streams: one EventFeed thread serves every subscriber. It wakes
// when the views commit (or every 50 ms for new subscribers), reads what
// follows each subscriber's cursor and hands it to the subscriber's socket;
// subscribers of the public view with the same filter and cursor share one
// read, so an audience of thousands that is up to date costs one read per
// new event. An overseer's stream records its restricted events on the trail
// before they are sent, as before. Every 401 and 403 is recorded on `trail`,
// and so is every overseer's read of restricted events or full scorecards
// (server.h).
#ifndef FRUITION_SERVICES_GATEWAY_HTTP_H_
#define FRUITION_SERVICES_GATEWAY_HTTP_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "fruition/v1/scores.pb.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/gateway/http_server.h"
#include "services/gateway/json.h"
#include "services/gateway/report_forward.h"
#include "services/gateway/server.h"
#include "services/gateway/views.h"

namespace prometheus {
class Registry;
}

namespace fruition::gateway {

struct HttpOptions {
  std::string listen = "127.0.0.1:8080";  // http-listen
  std::string redirect_listen;            // http-redirect-listen
  int max_streams = 10000;                // http-max-sse
  int max_streams_per_address = 0;        // http-max-sse-per-address
  int max_connections = 12000;            // http-max-connections
  size_t max_body_bytes = 65536;          // http-max-body-bytes
  size_t max_header_bytes = 16384;        // http-max-header-bytes
  std::chrono::seconds idle_timeout{30};  // http-idle-timeout-seconds
  int workers = 8;                        // http-workers
  std::string tls_cert;                   // http-tls-cert
  std::string tls_key;                    // http-tls-key
  std::chrono::seconds keepalive{15};     // sse-keepalive-seconds
  std::chrono::milliseconds tls_reload_check{2000};
};

class EventFeed;
class ReleaseServiceImpl;

class HttpApi {
 public:
  static absl::StatusOr<std::unique_ptr<HttpApi>> Start(
      const HttpOptions& options, OversightServiceImpl* service, Views* views,
      const auth::PrincipalRegistry* principals, audit::Trail* trail,
      const std::atomic<bool>* draining,
      prometheus::Registry* registry = nullptr,
      // The release paths (releases.h); null: none.
      ReleaseServiceImpl* releases = nullptr);
  ~HttpApi();  // Stop()s

  int port() const { return port_; }
  // The intake POST /api/v1/reports forwards to (null: none, 503); any
  // time, from any thread (`fruition dev` knows its intake's port only
  // after the HTTP API started).
  void ConnectIntake(std::shared_ptr<const IntakeClient> intake) {
    reports_.Connect(std::move(intake));
  }
  int redirect_port() const;
  int open_streams() const;
  // Ends every event stream, then closes every connection.
  void Stop();

 private:
  HttpApi() = default;
  ReportForwarder reports_;  // before server_: its routes use it
  std::unique_ptr<EventFeed> feed_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_HTTP_H_
