#include "services/gateway/http.h"

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "services/common/auth/authz.h"
#include "services/common/log/log.h"
#include "services/common/server/audit.h"
#include "services/common/status.h"
#include "services/common/strings.h"
#include "services/domain/events.h"
#include "services/domain/indicators.h"
#include "services/gateway/json.h"
#include "services/gateway/releases.h"
#include "services/gateway/report_forward.h"
#include "services/gateway/web_assets.h"
#include "services/gateway/whatif.h"

namespace fruition::gateway {
namespace {

using google::protobuf::Struct;

using Route = std::function<void(const HttpRequest&, HttpResponse&)>;

// The routes by exact path; any other path is a dashboard file (or 404).
// A path takes GET and HEAD (`exact`, releases and the dashboard) or POST
// only (`post`); a request with the other kind of method is 405
// (MethodNotAllowed, checked before anything else answers).
struct Routes {
  std::map<std::string, Route> exact;
  std::map<std::string, Route> post;
  Route fallback;

  void Get(const std::string& path, Route route) {
    exact[path] = std::move(route);
  }
  void Post(const std::string& path, Route route) {
    post[path] = std::move(route);
  }
  bool Posts(const std::string& path) const { return post.count(path) > 0; }
  void Dispatch(const HttpRequest& req, HttpResponse& res) const {
    if (req.method == "POST") {
      // Only paths in `post` get here (MethodNotAllowed answered the rest).
      const auto it = post.find(req.path);
      if (it != post.end()) return it->second(req, res);
    }
    const auto it = exact.find(req.path);
    if (it != exact.end()) return it->second(req, res);
    fallback(req, res);
  }
};

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
    case 405:
      return "UNIMPLEMENTED";
    case 409:
      return "FAILED_PRECONDITION";
    case 413:
    case 415:
      return "INVALID_ARGUMENT";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 503:
      return "UNAVAILABLE";
    default:
      return "INTERNAL";
  }
}

void Error(HttpResponse& res, int status, const std::string& message) {
  Struct body;
  Struct& error = *(*body.mutable_fields())["error"].mutable_struct_value();
  (*error.mutable_fields())["code"].set_string_value(HttpCodeName(status));
  (*error.mutable_fields())["message"].set_string_value(message);
  res.status = status;
  res.set_content(ToJson(body), "application/json");
}

// 405 for a method the path does not take (Routes); true when answered.
bool MethodNotAllowed(const Routes& routes, const HttpRequest& req,
                      HttpResponse& res) {
  const bool posting = req.method == "POST";
  if (posting == routes.Posts(req.path)) return false;
  res.set_header("Allow", posting ? "GET, HEAD" : "POST");
  Error(res, 405,
        StrCat(req.method, " ", req.path, ": only ",
               posting ? "GET and HEAD are" : "POST is", " served here"));
  return true;
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
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 409;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

// The filter of an events request; INVALID_ARGUMENT naming the parameter.
absl::StatusOr<v1::EventFilter> FilterFrom(const HttpRequest& req) {
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
  f.set_about(req.get_param_value("about"));
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
std::string Action(const HttpRequest& req) {
  return StrCat(req.method, " ", req.path);
}

// The caller, or an answer already written (a refusal, audited).
using Authenticate = std::function<std::optional<auth::Principal>(
    const HttpRequest&, HttpResponse&)>;

Authenticate Authenticator(const auth::PrincipalRegistry* principals,
                           audit::Trail* trail) {
  return
      [principals, trail](const HttpRequest& req,
                          HttpResponse& res) -> std::optional<auth::Principal> {
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
void Fail(HttpResponse& res, const grpc::Status& st,
          const auth::Principal& caller, const HttpRequest& req,
          audit::Trail* trail) {
  const auto code = static_cast<absl::StatusCode>(st.error_code());
  if (server::IsRefusal(code)) {
    server::AuditRefusal(*trail, caller.code, Action(req), code);
  }
  Error(res, HttpStatus(st.error_code()), st.error_message());
}

// A period's scorecards, every page, recorded once (an overseer's full
// cards) before any is sent.
void ServeScorecardList(const HttpRequest& req, HttpResponse& res,
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
void ServeScorecards(Routes& s, OversightServiceImpl* service,
                     audit::Trail* trail, const Authenticate& authenticate) {
  s.Get("/api/v1/scorecards", [service, trail, authenticate](
                                  const HttpRequest& req, HttpResponse& res) {
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

void MissingParam(HttpResponse& res, const std::string& name) {
  Error(res, 400, StrCat(name, ": required"));
}

// A GET route answered by one call of the service: the caller
// authenticated, `400` naming the first of `required` that is missing or
// empty, then `answer` writes the JSON body or fails with the status the
// caller gets (refusals audited, as every route's).
using Answer = std::function<grpc::Status(
    const HttpRequest&, const auth::Principal&, std::string* body)>;
void ServeQuery(Routes& s, const std::string& path,
                std::initializer_list<const char*> required,
                audit::Trail* trail, const Authenticate& authenticate,
                Answer answer) {
  s.Get(path,
        [names = std::vector<std::string>(required.begin(), required.end()),
         trail, authenticate, answer = std::move(answer)](
            const HttpRequest& req, HttpResponse& res) {
          auto caller = authenticate(req, res);
          if (!caller) return;
          for (const std::string& name : names) {
            if (req.get_param_value(name).empty()) {
              return MissingParam(res, name);
            }
          }
          std::string body;
          grpc::Status st = answer(req, *caller, &body);
          if (!st.ok()) return Fail(res, st, *caller, req, trail);
          res.set_content(body, "application/json");
        });
}

// GET /api/v1/series?unit=&indicator=&from=&to=,
//     /api/v1/compare?indicator=&period=&kind=,
//     /api/v1/scorecards/history?unit=&period=[&limit=&after=]
void ServeTrends(Routes& s, OversightServiceImpl* service, audit::Trail* trail,
                 const Authenticate& authenticate) {
  ServeQuery(s, "/api/v1/series", {"unit", "indicator", "from", "to"}, trail,
             authenticate,
             [service](const HttpRequest& req, const auth::Principal& caller,
                       std::string* body) {
               v1::GetSeriesRequest r;
               r.set_unit(req.get_param_value("unit"));
               r.set_indicator(req.get_param_value("indicator"));
               r.set_from(req.get_param_value("from"));
               r.set_to(req.get_param_value("to"));
               v1::GetSeriesResponse series;
               grpc::Status st =
                   service->GetSeriesAs(caller, r, &series, Action(req));
               if (st.ok()) *body = SeriesJson(series);
               return st;
             });
  ServeQuery(s, "/api/v1/compare", {"indicator", "period", "kind"}, trail,
             authenticate,
             [service](const HttpRequest& req, const auth::Principal& caller,
                       std::string* body) {
               v1::CompareUnitsRequest r;
               r.set_indicator(req.get_param_value("indicator"));
               r.set_period(req.get_param_value("period"));
               r.set_kind(req.get_param_value("kind"));
               v1::CompareUnitsResponse cmp;
               grpc::Status st =
                   service->CompareUnitsAs(caller, r, &cmp, Action(req));
               if (st.ok()) *body = CompareJson(cmp);
               return st;
             });
  ServeQuery(
      s, "/api/v1/scorecards/history", {"unit", "period"}, trail, authenticate,
      [service](const HttpRequest& req, const auth::Principal& caller,
                std::string* body) {
        v1::ListScorecardVersionsRequest r;
        r.set_unit(req.get_param_value("unit"));
        r.set_period(req.get_param_value("period"));
        r.set_after(req.get_param_value("after"));
        if (req.has_param("limit")) {
          const std::string l = req.get_param_value("limit");
          if (l.empty() || l.size() > 6 ||
              l.find_first_not_of("0123456789") != std::string::npos) {
            return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                StrCat("limit: 1 to ", kMaxLimit));
          }
          r.set_limit(std::stoi(l));
        }
        v1::ListScorecardVersionsResponse page;
        grpc::Status st =
            service->ListScorecardVersionsAs(caller, r, &page, Action(req));
        if (st.ok()) {
          *body = VersionsJson(r.unit(), r.period(), page,
                               auth::MayReadRestricted(caller));
        }
        return st;
      });
}

// GET /api/v1/units: the units and periods the caller may read.
void ServeUnits(Routes& s, Views* views, const Authenticate& authenticate) {
  s.Get("/api/v1/units", [views, authenticate](const HttpRequest& req,
                                               HttpResponse& res) {
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

// GET /api/v1/whoami: who the credentials sent name, so that a dashboard
// can say whose data it shows (SPEC §11: an agency signed in sees the
// restricted events about itself), and whether this gateway takes reports
// (`acceptsReports`: POST /api/v1/reports has an intake to forward to; the
// dashboard shows its answer and decision forms only then). Only the
// caller's own code and kind: not restricted data, not audited; an unknown
// token is 401 (and audited).
void ServeWhoami(Routes& s, const Authenticate& authenticate,
                 const ReportForwarder* reports) {
  s.Get("/api/v1/whoami",
        [authenticate, reports](const HttpRequest& req, HttpResponse& res) {
          auto caller = authenticate(req, res);
          if (!caller) return;
          Struct body;
          auto& f = *body.mutable_fields();
          f["principal"].set_string_value(caller->code);
          f["kind"].set_string_value(std::string(auth::KindName(caller->kind)));
          f["acceptsReports"].set_bool_value(reports->connected());
          res.set_header("Cache-Control", "no-store");
          res.set_content(ToJson(body), "application/json");
        });
}

// POST /api/v1/reports: one answer or decision, forwarded to intake with
// the caller's own Authorization (report_forward.h). Anonymous callers are
// refused here (401, audited): intake would refuse them too, and the
// gateway sends nothing on nobody's behalf.
void ServeReports(Routes& s, const ReportForwarder* reports,
                  audit::Trail* trail, const Authenticate& authenticate) {
  s.Post("/api/v1/reports", [reports, trail, authenticate](
                                const HttpRequest& req, HttpResponse& res) {
    auto caller = authenticate(req, res);
    if (!caller) return;
    if (caller->kind == auth::PrincipalKind::kPublic) {
      server::AuditRefusal(*trail, caller->code, Action(req),
                           absl::StatusCode::kUnauthenticated);
      return Error(res, 401,
                   "Authorization: sending a report needs a bearer token "
                   "(an agency's to answer, an overseer's to decide)");
    }
    const HttpReply reply =
        reports->Forward(req.get_header_value("Authorization"),
                         req.get_header_value("Content-Type"), req.body);
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
    res.set_content(reply.json, "application/json");
  });
}

// GET /api/v1/events: a page of events.
void ServeEvents(Routes& s, OversightServiceImpl* service, audit::Trail* trail,
                 const Authenticate& authenticate) {
  s.Get("/api/v1/events", [service, trail, authenticate](const HttpRequest& req,
                                                         HttpResponse& res) {
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

// One Server-Sent Events subscriber: its socket, caller, filter and cursor.
// Only the feed's thread touches it once added.
struct Subscriber {
  std::shared_ptr<StreamSink> sink;
  auth::Principal caller;
  std::string action;
  v1::EventFilter filter;
  std::string filter_key;  // the filter serialized: equal filters group
  Cursor cursor;
  // Whether it may see some restricted events: then its reads are its own,
  // never shared with another subscriber's.
  bool restricted = false;
  EventAccess may_read;  // AccessOf(caller)
  bool pending = true;   // may have events to send
  std::chrono::steady_clock::time_point last_sent;
};

// What follows a cursor: the SSE text to send, the cursor after it, and
// whether more may follow at once.
struct Batch {
  bool ok = true;  // false: `out` (maybe empty) is the last thing sent
  std::string out;
  Cursor cursor;
  bool more = false;
};

std::string UnavailableEvent(const grpc::Status& st) {
  Struct body;
  Struct& error = *(*body.mutable_fields())["error"].mutable_struct_value();
  (*error.mutable_fields())["code"].set_string_value("UNAVAILABLE");
  (*error.mutable_fields())["message"].set_string_value(st.error_message());
  return StrCat("event: error\ndata: ", ToJson(body), "\n\n");
}

}  // namespace

// Feeds every event stream from one thread (http.h).
class EventFeed {
 public:
  EventFeed(OversightServiceImpl* service, Views* views,
            const std::atomic<bool>* draining, std::chrono::seconds keepalive)
      : service_(service),
        views_(views),
        draining_(draining),
        keepalive_(keepalive),
        thread_([this] { Run(); }) {}
  ~EventFeed() { Stop(); }

  // Takes a new subscriber; its backlog goes out within a tick.
  void Add(std::unique_ptr<Subscriber> s) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) {
      s->sink->End();
      return;
    }
    added_.push_back(std::move(s));
  }

  // Ends every stream; returns once the thread is gone.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  static constexpr std::chrono::milliseconds kTick{50};
  static constexpr int kPagesPerTurn = 5;  // then others get a turn

  bool stopped() {
    std::lock_guard<std::mutex> lock(mu_);
    return stopped_;
  }

  void Run() {
    uint64_t seen = views_->version();
    while (!stopped()) {
      views_->WaitForChange(seen, kTick);
      const uint64_t version = views_->version();
      const bool changed = version != seen;
      seen = version;
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (auto& s : added_) subscribers_.push_back(std::move(s));
        added_.clear();
      }
      if (draining_->load()) {
        for (auto& s : subscribers_) s->sink->End();
        subscribers_.clear();
        continue;
      }
      Serve(changed);
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& s : added_) subscribers_.push_back(std::move(s));
    added_.clear();
    for (auto& s : subscribers_) s->sink->End();
    subscribers_.clear();
  }

  // Sends each subscriber what follows its cursor, or a keepalive.
  void Serve(bool changed) {
    const auto now = std::chrono::steady_clock::now();
    std::unordered_map<std::string, Batch> shared;  // public reads, this turn
    std::vector<std::unique_ptr<Subscriber>> kept;
    kept.reserve(subscribers_.size());
    for (auto& s : subscribers_) {
      if (!s->sink->open()) continue;
      if (changed) s->pending = true;
      bool keep = true;
      if (s->pending) {
        Batch batch;
        if (s->restricted) {
          batch = Read(*s);
        } else {
          const std::string key =
              StrCat(s->filter_key, "\n", s->cursor.Encode());
          auto it = shared.find(key);
          if (it == shared.end()) it = shared.emplace(key, Read(*s)).first;
          batch = it->second;
        }
        if (!batch.out.empty()) {
          keep = s->sink->Send(std::move(batch.out));
          s->last_sent = now;
        }
        s->cursor = std::move(batch.cursor);
        s->pending = batch.more;
        if (!batch.ok) {
          s->sink->End();
          keep = false;
        }
      }
      if (keep && now - s->last_sent >= keepalive_) {
        keep = s->sink->Send(": keepalive\n\n");
        s->last_sent = now;
      }
      if (keep) kept.push_back(std::move(s));
    }
    subscribers_ = std::move(kept);
  }

  // Up to kPagesPerTurn pages after the subscriber's cursor; restricted
  // events are recorded on the trail before they are returned.
  Batch Read(const Subscriber& s) const {
    Batch b;
    b.cursor = s.cursor;
    for (int pages = 0; pages < kPagesPerTurn; ++pages) {
      auto listed = views_->List(s.filter, b.cursor, s.may_read, 200);
      if (!listed.ok()) {
        log::Error("gateway store read failed",
                   {{"method", "events/stream"},
                    {"error", std::string(listed.status().message())}});
        b.ok = false;
        return b;
      }
      Page page = *std::move(listed);
      if (absl::Status a = views_->Annotate(&page.events, AnswersOf(s.caller));
          !a.ok()) {
        log::Error(
            "gateway store read failed",
            {{"method", "events/stream"}, {"error", std::string(a.message())}});
        b.ok = false;
        return b;
      }
      if (std::vector<std::string> ids = RestrictedEventResources(page.events);
          !ids.empty()) {
        grpc::Status st =
            service_->AuditRead(s.caller, s.action, std::move(ids));
        if (!st.ok()) {
          b.out += UnavailableEvent(st);
          b.ok = false;
          return b;
        }
      }
      for (size_t i = 0; i < page.events.size(); ++i) {
        b.out += Sse(page.cursors[i], page.events[i]);
      }
      const bool moved = page.next != b.cursor.Encode();
      if (auto next = Cursor::Decode(page.next, "after"); next.ok()) {
        b.cursor = *std::move(next);
      }
      if (page.events.empty() && !moved) return b;
    }
    b.more = true;
    return b;
  }

  OversightServiceImpl* const service_;
  Views* const views_;
  const std::atomic<bool>* const draining_;
  const std::chrono::seconds keepalive_;
  std::mutex mu_;
  bool stopped_ = false;
  std::vector<std::unique_ptr<Subscriber>> added_;        // under mu_
  std::vector<std::unique_ptr<Subscriber>> subscribers_;  // the thread's
  std::thread thread_;  // last: starts once the members above exist
};

namespace {

// GET /api/v1/events/stream: Server-Sent Events from a cursor.
void ServeEventStream(Routes& s, EventFeed* feed, audit::Trail* trail,
                      const Authenticate& authenticate) {
  s.Get("/api/v1/events/stream", [=](const HttpRequest& req,
                                     HttpResponse& res) {
    auto caller = authenticate(req, res);
    if (!caller) return;
    auto filter = FilterFrom(req);
    if (!filter.ok()) {
      return Error(res, 400, std::string(filter.status().message()));
    }
    const bool restricted = auth::ReadsRestrictedEvents(*caller);
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
    auto sub = std::make_shared<Subscriber>();
    sub->caller = *caller;
    sub->action = Action(req);
    sub->filter = *std::move(filter);
    sub->filter_key = sub->filter.SerializeAsString();
    sub->cursor = *std::move(start);
    sub->restricted = restricted;
    sub->may_read = AccessOf(*caller);
    sub->last_sent = std::chrono::steady_clock::now();
    res.set_header("X-Accel-Buffering", "no");
    res.content_type = "text/event-stream";
    res.stream = [feed, sub](std::shared_ptr<StreamSink> sink) {
      auto owned = std::make_unique<Subscriber>(std::move(*sub));
      owned->sink = std::move(sink);
      feed->Add(std::move(owned));
    };
  });
}

// POST /api/v1/whatif (SPEC §11): a JSON body (whatif.h), answered from
// the public view for every caller (OversightServiceImpl::WhatIfAs takes no
// caller). Credentials are checked as everywhere (a bad token is 401), but
// nothing restricted is read, so nothing is audited.
void ServeWhatIf(Routes& s, OversightServiceImpl* service, audit::Trail* trail,
                 const Authenticate& authenticate) {
  s.Post("/api/v1/whatif", [service, trail, authenticate](
                               const HttpRequest& req, HttpResponse& res) {
    auto caller = authenticate(req, res);
    if (!caller) return;
    auto request = WhatIfRequestFromJson(req.body);
    if (!request.ok()) {
      return Error(res, 400, std::string(request.status().message()));
    }
    v1::WhatIfResponse answer;
    grpc::Status st = service->WhatIfAs(*request, &answer);
    if (!st.ok()) return Fail(res, st, *caller, req, trail);
    res.set_content(WhatIfJson(answer), "application/json");
  });
}

// GET /api/v1/budgets?period=FY2016[&agency=DEA] (SPEC §11): the year's
// budget lines judged on the public view, the same for every caller
// (OversightServiceImpl::ListBudgetLinesAs takes no caller); credentials
// are checked as everywhere, nothing is audited. 400 naming the parameter.
void ServeBudgets(Routes& s, OversightServiceImpl* service, audit::Trail* trail,
                  const Authenticate& authenticate) {
  s.Get("/api/v1/budgets", [service, trail, authenticate](
                               const HttpRequest& req, HttpResponse& res) {
    auto caller = authenticate(req, res);
    if (!caller) return;
    v1::ListBudgetLinesRequest r;
    r.set_period(req.get_param_value("period"));
    r.set_agency(req.get_param_value("agency"));
    v1::ListBudgetLinesResponse answer;
    grpc::Status st = service->ListBudgetLinesAs(r, &answer);
    if (!st.ok()) return Fail(res, st, *caller, req, trail);
    res.set_content(BudgetLinesJson(answer), "application/json");
  });
}

// GET /api/v1/catalogue/{indicators,events}: the domain registries, public,
// the same for every caller, and changed only by a release.
void ServeCatalogues(Routes& s) {
  const auto catalogue = [](const std::string& json) {
    return [json](const HttpRequest&, HttpResponse& res) {
      res.set_header("Cache-Control", "public, max-age=300");
      res.set_content(json, "application/json");
    };
  };
  s.Get("/api/v1/catalogue/indicators",
        catalogue(domain::IndicatorCatalogueJson()));
  s.Get("/api/v1/catalogue/events", catalogue(domain::EventCatalogueJson()));
}

// The dashboard's files; any other path is a JSON 404.
void ServeDashboard(Routes& s) {
  s.fallback = [](const HttpRequest& req, HttpResponse& res) {
    std::string path = req.path;
    if (path == "/" || path.empty()) path = "/index.html";
    const auto& assets = WebAssets();
    auto it = assets.find(path);
    if (it == assets.end() || path.find("..") != std::string::npos) {
      return Error(res, 404, StrCat("no such page: ", req.path));
    }
    res.set_content(it->second.second, it->second.first);
  };
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpApi>> HttpApi::Start(
    const HttpOptions& options, OversightServiceImpl* service, Views* views,
    const auth::PrincipalRegistry* principals, audit::Trail* trail,
    const std::atomic<bool>* draining, prometheus::Registry* registry,
    ReleaseServiceImpl* releases) {
  std::unique_ptr<HttpApi> api(new HttpApi());
  api->feed_ =
      std::make_unique<EventFeed>(service, views, draining, options.keepalive);
  auto routes = std::make_shared<Routes>();
  Routes& s = *routes;
  const Authenticate authenticate = Authenticator(principals, trail);
  ServeScorecards(s, service, trail, authenticate);
  ServeUnits(s, views, authenticate);
  ServeTrends(s, service, trail, authenticate);
  ServeWhoami(s, authenticate, &api->reports_);
  ServeReports(s, &api->reports_, trail, authenticate);
  ServeEvents(s, service, trail, authenticate);
  ServeEventStream(s, api->feed_.get(), trail, authenticate);
  ServeWhatIf(s, service, trail, authenticate);
  ServeBudgets(s, service, trail, authenticate);
  ServeCatalogues(s);
  ServeDashboard(s);

  HttpServerOptions o;
  o.listen = options.listen;
  o.redirect_listen = options.redirect_listen;
  o.workers = options.workers;
  o.max_connections = options.max_connections;
  o.max_sse = options.max_streams;
  o.max_sse_per_address = options.max_streams_per_address;
  o.max_body_bytes = options.max_body_bytes;
  o.max_header_bytes = options.max_header_bytes;
  o.idle_timeout = options.idle_timeout;
  o.tls_cert = options.tls_cert;
  o.tls_key = options.tls_key;
  o.tls_reload_check = options.tls_reload_check;
  auto server = HttpServer::Start(
      o,
      [routes, releases](const HttpRequest& req, HttpResponse& res) {
        if (MethodNotAllowed(*routes, req, res)) return;
        if (releases != nullptr && releases->ServeHttp(req, res)) return;
        routes->Dispatch(req, res);
      },
      registry);
  if (!server.ok()) return server.status();
  api->server_ = *std::move(server);
  api->port_ = api->server_->port();
  log::Info(
      "gateway HTTP listening",
      {{"port", api->port_}, {"tls", options.tls_cert.empty() ? "off" : "on"}});
  return api;
}

int HttpApi::redirect_port() const {
  return server_ == nullptr ? 0 : server_->redirect_port();
}

int HttpApi::open_streams() const {
  return server_ == nullptr ? 0 : server_->open_streams();
}

void HttpApi::Stop() {
  if (feed_ != nullptr) feed_->Stop();
  if (server_ != nullptr) server_->Stop();
}

HttpApi::~HttpApi() { Stop(); }

}  // namespace fruition::gateway
