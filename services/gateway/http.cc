#include "services/gateway/http.h"

#include <httplib.h>

#include <functional>
#include <optional>

#include "google/protobuf/struct.pb.h"
#include "services/common/auth/authz.h"
#include "services/common/log/log.h"
#include "services/common/server/audit.h"
#include "services/common/status.h"
#include "services/common/strings.h"
#include "services/domain/events.h"
#include "services/domain/indicators.h"
#include "services/gateway/json.h"
#include "services/gateway/web_assets.h"

namespace fruition::gateway {
namespace {

using google::protobuf::Struct;

const char* HttpCodeName(int status) {
  switch (status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 503:
      return "UNAVAILABLE";
    default:
      return "INTERNAL";
  }
}

void Error(httplib::Response& res, int status, const std::string& message) {
  Struct body;
  Struct& error = *(*body.mutable_fields())["error"].mutable_struct_value();
  (*error.mutable_fields())["code"].set_string_value(HttpCodeName(status));
  (*error.mutable_fields())["message"].set_string_value(message);
  res.status = status;
  res.set_content(ToJson(body), "application/json");
}

int HttpStatus(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

// The filter of an events request; INVALID_ARGUMENT naming the parameter.
absl::StatusOr<v1::EventFilter> FilterFrom(const httplib::Request& req) {
  v1::EventFilter f;
  for (size_t i = 0; i < req.get_param_value_count("type"); ++i) {
    std::string list = req.get_param_value("type", i);
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(',', start);
      if (end == std::string::npos) end = list.size();
      const std::string name = list.substr(start, end - start);
      start = end + 1;
      if (name.empty()) continue;
      v1::EventType t;
      if (!v1::EventType_Parse(name, &t) || t == v1::EVENT_TYPE_UNSPECIFIED) {
        return absl::InvalidArgumentError(
            StrCat("type: '", name,
                   "' is not an event type (e.g. EVENT_TYPE_FRUITION_GAP)"));
      }
      f.add_types(t);
    }
  }
  if (req.has_param("visibility")) {
    v1::Visibility v;
    if (!v1::Visibility_Parse(req.get_param_value("visibility"), &v)) {
      return absl::InvalidArgumentError(
          "visibility: VISIBILITY_PUBLIC or VISIBILITY_RESTRICTED");
    }
    f.set_visibility(v);
  }
  f.set_unit(req.get_param_value("unit"));
  f.set_period(req.get_param_value("period"));
  if (req.has_param("resolved")) {
    const std::string r = req.get_param_value("resolved");
    if (r != "true" && r != "false") {
      return absl::InvalidArgumentError("resolved: true or false");
    }
    f.set_resolved(r == "true");
  }
  return f;
}

std::string Sse(const std::string& cursor, const v1::OversightEvent& e) {
  return StrCat("id: ", cursor, "\nevent: oversight\ndata: ", ToJson(e),
                "\n\n");
}

// The audit trail's name of a route: `GET /api/v1/events`.
std::string Action(const httplib::Request& req) {
  return StrCat(req.method, " ", req.path);
}

// The caller, or an answer already written (a refusal, audited).
using Authenticate = std::function<std::optional<auth::Principal>(
    const httplib::Request&, httplib::Response&)>;

Authenticate Authenticator(const auth::PrincipalRegistry* principals,
                           audit::Trail* trail) {
  return [principals, trail](
             const httplib::Request& req,
             httplib::Response& res) -> std::optional<auth::Principal> {
    auth::Credentials credentials;
    if (req.has_header("Authorization")) {
      credentials.authorization = req.get_header_value("Authorization");
    }
    auto caller = principals->Authenticate(credentials);
    if (!caller.ok()) {
      server::AuditRefusal(*trail, server::kUnauthenticatedPrincipal,
                           Action(req), caller.status().code());
      Error(res, 401, std::string(caller.status().message()));
      return std::nullopt;
    }
    return *caller;
  };
}

// Answers a failed call; a refusal (403, 401) is audited first.
void Fail(httplib::Response& res, const grpc::Status& st,
          const auth::Principal& caller, const httplib::Request& req,
          audit::Trail* trail) {
  const auto code = static_cast<absl::StatusCode>(st.error_code());
  if (server::IsRefusal(code)) {
    server::AuditRefusal(*trail, caller.code, Action(req), code);
  }
  Error(res, HttpStatus(st.error_code()), st.error_message());
}

// A period's scorecards, every page, recorded once (an overseer's full
// cards) before any is sent.
void ServeScorecardList(const httplib::Request& req, httplib::Response& res,
                        const auth::Principal& caller,
                        OversightServiceImpl* service, audit::Trail* trail) {
  v1::ListScorecardsRequest r;
  r.set_period(req.get_param_value("period"));
  r.set_unit_kind(req.get_param_value("unitKind"));
  r.set_page_size(kMaxLimit);
  std::vector<v1::ListScorecardsResponse> pages;
  while (true) {
    v1::ListScorecardsResponse& page = pages.emplace_back();
    grpc::Status st = service->ScorecardPage(caller, r, &page);
    if (!st.ok()) return Fail(res, st, caller, req, trail);
    if (page.next_page_token().empty()) break;
    r.set_page_token(page.next_page_token());
  }
  std::vector<const v1::Scorecard*> cards;
  for (const auto& page : pages) {
    for (const auto& card : page.scorecards()) cards.push_back(&card);
  }
  grpc::Status st = service->AuditScorecards(caller, Action(req), cards);
  if (!st.ok()) return Fail(res, st, caller, req, trail);
  std::string out = "{\"scorecards\":[";
  for (size_t i = 0; i < cards.size(); ++i) {
    if (i > 0) out += ',';
    out += ScorecardJson(*cards[i]);
  }
  out += "]}";
  res.set_content(out, "application/json");
}

// GET /api/v1/scorecards: one (unit and period) or a period's list.
void ServeScorecards(httplib::Server& s, OversightServiceImpl* service,
                     audit::Trail* trail, const Authenticate& authenticate) {
  s.Get("/api/v1/scorecards", [service, trail, authenticate](
                                  const httplib::Request& req,
                                  httplib::Response& res) {
    auto caller = authenticate(req, res);
    if (!caller) return;
    if (!req.has_param("unit")) {
      return ServeScorecardList(req, res, *caller, service, trail);
    }
    v1::GetScorecardRequest r;
    r.set_unit(req.get_param_value("unit"));
    r.set_period(req.get_param_value("period"));
    v1::Scorecard card;
    grpc::Status st = service->GetScorecardAs(*caller, r, &card, Action(req));
    if (!st.ok()) return Fail(res, st, *caller, req, trail);
    res.set_content(ScorecardJson(card), "application/json");
  });
}

// GET /api/v1/units: the units and periods the caller may read.
void ServeUnits(httplib::Server& s, Views* views,
                const Authenticate& authenticate) {
  s.Get("/api/v1/units", [views, authenticate](const httplib::Request& req,
                                               httplib::Response& res) {
    auto caller = authenticate(req, res);
    if (!caller) return;
    // The units and periods of the scorecards the caller may read.
    std::vector<std::string> units, periods;
    if (absl::Status s = views->UnitsAndPeriods(auth::MayReadRestricted(*caller)
                                                    ? CardView::kRestricted
                                                    : CardView::kPublic,
                                                &units, &periods);
        !s.ok()) {
      log::Error("gateway store read failed",
                 {{"method", "units"}, {"error", std::string(s.message())}});
      return Error(res, 500, "the gateway's store could not be read");
    }
    Struct body;
    auto& f = *body.mutable_fields();
    for (const auto& u : units) {
      f["units"].mutable_list_value()->add_values()->set_string_value(u);
    }
    for (const auto& p : periods) {
      f["periods"].mutable_list_value()->add_values()->set_string_value(p);
    }
    f["units"].mutable_list_value();
    f["periods"].mutable_list_value();
    res.set_content(ToJson(body), "application/json");
  });
}

// GET /api/v1/events: a page of events.
void ServeEvents(httplib::Server& s, OversightServiceImpl* service,
                 audit::Trail* trail, const Authenticate& authenticate) {
  s.Get("/api/v1/events", [service, trail, authenticate](
                              const httplib::Request& req,
                              httplib::Response& res) {
    auto caller = authenticate(req, res);
    if (!caller) return;
    auto filter = FilterFrom(req);
    if (!filter.ok()) {
      return Error(res, 400, std::string(filter.status().message()));
    }
    v1::ListOversightEventsRequest r;
    *r.mutable_filter() = *filter;
    r.set_after(req.get_param_value("after"));
    if (req.has_param("limit")) {
      const std::string l = req.get_param_value("limit");
      if (l.empty() || l.size() > 6 ||
          l.find_first_not_of("0123456789") != std::string::npos) {
        return Error(res, 400, StrCat("limit: 1 to ", kMaxLimit));
      }
      r.set_limit(std::stoi(l));
    }
    v1::ListOversightEventsResponse page;
    grpc::Status st = service->ListEventsAs(*caller, r, &page, Action(req));
    if (!st.ok()) return Fail(res, st, *caller, req, trail);
    std::string out = "{\"events\":[";
    for (int i = 0; i < page.events_size(); ++i) {
      if (i > 0) out += ',';
      out += ToJson(page.events(i));
    }
    out += "],\"next\":\"" + page.next() + "\"}";
    res.set_content(out, "application/json");
  });
}

// One Server-Sent Events client: its caller, filter and cursor.
struct EventStream {
  OversightServiceImpl* service;
  Views* views;
  const std::atomic<bool>* draining;
  std::chrono::seconds keepalive;
  auth::Principal caller;
  std::string action;
  v1::EventFilter filter;
  Cursor cursor;
  bool restricted = false;

  // Writes what follows the cursor (after its audit record, if it holds
  // restricted events), a keepalive, or ends the stream. False closes the
  // connection: the client reconnects with its last cursor.
  bool Next(httplib::DataSink& sink) {
    const auto give_up = std::chrono::steady_clock::now() + keepalive;
    while (!draining->load()) {
      const uint64_t seen = views->version();
      auto listed = views->List(filter, cursor, restricted, 200);
      if (!listed.ok()) {
        log::Error("gateway store read failed",
                   {{"method", "events/stream"},
                    {"error", std::string(listed.status().message())}});
        return false;
      }
      Page page = *std::move(listed);
      if (std::vector<std::string> ids = RestrictedEventResources(page.events);
          !ids.empty()) {
        grpc::Status st = service->AuditRead(caller, action, std::move(ids));
        if (!st.ok()) return Unavailable(sink, st);
      }
      std::string out;
      for (size_t i = 0; i < page.events.size(); ++i) {
        out += Sse(page.cursors[i], page.events[i]);
      }
      const bool moved = page.next != cursor.Encode();
      if (auto next = Cursor::Decode(page.next, "after"); next.ok()) {
        cursor = *std::move(next);
      }
      if (!out.empty()) return sink.write(out.data(), out.size());
      if (moved) continue;
      if (std::chrono::steady_clock::now() >= give_up) {
        static constexpr char kAlive[] = ": keepalive\n\n";
        return sink.write(kAlive, sizeof(kAlive) - 1);
      }
      if (!sink.is_writable()) return false;
      views->WaitForChange(seen, std::chrono::milliseconds(500));
    }
    sink.done();
    return true;
  }

  // Tells the client why the stream ends (an `error` event), then ends it.
  static bool Unavailable(httplib::DataSink& sink, const grpc::Status& st) {
    Struct body;
    Struct& error = *(*body.mutable_fields())["error"].mutable_struct_value();
    (*error.mutable_fields())["code"].set_string_value("UNAVAILABLE");
    (*error.mutable_fields())["message"].set_string_value(st.error_message());
    const std::string out =
        StrCat("event: error\ndata: ", ToJson(body), "\n\n");
    sink.write(out.data(), out.size());
    return false;
  }
};

// GET /api/v1/events/stream: Server-Sent Events from a cursor.
void ServeEventStream(httplib::Server& s, OversightServiceImpl* service,
                      Views* views, audit::Trail* trail,
                      const std::atomic<bool>* draining,
                      std::chrono::seconds keepalive,
                      const Authenticate& authenticate) {
  s.Get("/api/v1/events/stream", [=](const httplib::Request& req,
                                     httplib::Response& res) {
    auto caller = authenticate(req, res);
    if (!caller) return;
    auto filter = FilterFrom(req);
    if (!filter.ok()) {
      return Error(res, 400, std::string(filter.status().message()));
    }
    const bool restricted = auth::MayReadRestricted(*caller);
    if (absl::Status st = CheckFilter(*filter, restricted, ""); !st.ok()) {
      return Fail(res, ToGrpcStatus(st), *caller, req, trail);
    }
    const std::string resume = req.has_header("Last-Event-ID")
                                   ? req.get_header_value("Last-Event-ID")
                                   : req.get_param_value("after");
    auto start = Cursor::Decode(
        resume, req.has_header("Last-Event-ID") ? "Last-Event-ID" : "after");
    if (!start.ok()) {
      return Error(res, 400, std::string(start.status().message()));
    }
    auto stream = std::make_shared<EventStream>(
        EventStream{service, views, draining, keepalive, *caller, Action(req),
                    *std::move(filter), *std::move(start), restricted});
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider("text/event-stream",
                                     [stream](size_t, httplib::DataSink& sink) {
                                       return stream->Next(sink);
                                     });
  });
}

// GET /api/v1/catalogue/{indicators,events}: the domain registries, public,
// the same for every caller, and changed only by a release.
void ServeCatalogues(httplib::Server& s) {
  const auto catalogue = [](const std::string& json) {
    return [json](const httplib::Request&, httplib::Response& res) {
      res.headers.erase("Cache-Control");
      res.set_header("Cache-Control", "public, max-age=300");
      res.set_content(json, "application/json");
    };
  };
  s.Get("/api/v1/catalogue/indicators",
        catalogue(domain::IndicatorCatalogueJson()));
  s.Get("/api/v1/catalogue/events", catalogue(domain::EventCatalogueJson()));
}

// The dashboard's files.
void ServeDashboard(httplib::Server& s) {
  // The dashboard.
  s.Get(R"(/([A-Za-z0-9_\-./]*))", [](const httplib::Request& req,
                                      httplib::Response& res) {
    std::string path = req.path;
    if (path == "/" || path.empty()) path = "/index.html";
    const auto& assets = WebAssets();
    auto it = assets.find(path);
    if (it == assets.end() || path.find("..") != std::string::npos) {
      return Error(res, 404, StrCat("no such page: ", req.path));
    }
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                   "img-src 'self' data:");
    res.set_content(it->second.second, it->second.first);
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpApi>> HttpApi::Start(
    const HttpOptions& options, OversightServiceImpl* service, Views* views,
    const auth::PrincipalRegistry* principals, audit::Trail* trail,
    const std::atomic<bool>* draining) {
  std::unique_ptr<HttpApi> api(new HttpApi());
  api->server_ = std::make_unique<httplib::Server>();
  httplib::Server& s = *api->server_;
  const int threads = options.max_streams + 8;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Small JSON answers and SSE events go out at once: without it Nagle's
  // algorithm holds a keep-alive client's answer for the peer's delayed ACK
  // (~40 ms).
  s.set_tcp_nodelay(true);

  s.set_default_headers(
      {{"X-Content-Type-Options", "nosniff"}, {"Cache-Control", "no-store"}});
  const Authenticate authenticate = Authenticator(principals, trail);
  ServeScorecards(s, service, trail, authenticate);
  ServeUnits(s, views, authenticate);
  ServeEvents(s, service, trail, authenticate);
  ServeEventStream(s, service, views, trail, draining, options.keepalive,
                   authenticate);
  ServeCatalogues(s);
  ServeDashboard(s);

  const size_t colon = options.listen.rfind(':');
  const std::string host = options.listen.substr(0, colon);
  const int port = std::stoi(options.listen.substr(colon + 1));
  api->port_ = port == 0 ? s.bind_to_any_port(host)
                         : (s.bind_to_port(host, port) ? port : -1);
  if (api->port_ <= 0) {
    return absl::InvalidArgumentError(
        StrCat("http-listen: cannot listen on ", options.listen));
  }
  httplib::Server* server = api->server_.get();
  api->thread_ = std::thread([server] { server->listen_after_bind(); });
  log::Info("gateway HTTP listening", {{"port", api->port_}});
  return api;
}

void HttpApi::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

HttpApi::~HttpApi() { Stop(); }

}  // namespace fruition::gateway
