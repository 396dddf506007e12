// The gateway's HTTP API (SPEC §9) and the dashboard, on a port of their own
// (cpp-httplib): scorecards and events as JSON (names as the protos',
// lowerCamelCase), events as Server-Sent Events resumable with Last-Event-ID,
// and the static dashboard at `/`. Credentials as for gRPC:
// `Authorization: Bearer <token>`; none means PUBLIC.
//
//   GET /api/v1/scorecards?unit=U&period=P   one scorecard
//   GET /api/v1/scorecards?period=P[&unitKind=K]   {"scorecards":[...]}
//   GET /api/v1/units                         {"units":[...],"periods":[...]}
//
// Scorecards and units come from the public view (`fruition.scores.public.v1`)
// for every caller but overseers, who read the restricted one.
//   GET /api/v1/events?visibility=&type=&unit=&period=&resolved=&after=&limit=
//   GET /api/v1/events/stream (same filters; Last-Event-ID or after)
//   GET /  and the dashboard's files
//
// Errors: {"error":{"code":"INVALID_ARGUMENT","message":"..."}} with 400,
// 401, 403, 404 or 503 (UNAVAILABLE: a restricted read whose audit record
// could not be written). Every 401 and 403 is recorded on `trail`, and so is
// every overseer's read of restricted events or full scorecards (server.h).
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
#include "services/gateway/json.h"
#include "services/gateway/server.h"
#include "services/gateway/views.h"

namespace httplib {
class Server;
}

namespace fruition::gateway {

struct HttpOptions {
  std::string listen = "127.0.0.1:8080";
  int max_streams = 64;  // concurrent SSE clients (one thread each)
  std::chrono::seconds keepalive{15};
};

class HttpApi {
 public:
  static absl::StatusOr<std::unique_ptr<HttpApi>> Start(
      const HttpOptions& options, OversightServiceImpl* service, Views* views,
      const auth::PrincipalRegistry* principals, audit::Trail* trail,
      const std::atomic<bool>* draining);
  ~HttpApi();  // Stop()s

  int port() const { return port_; }
  void Stop();

 private:
  HttpApi() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_HTTP_H_
