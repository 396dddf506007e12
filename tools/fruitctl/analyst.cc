#include "tools/fruitctl/analyst.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "fruition/v1/evidence.grpc.pb.h"
#include "fruition/v1/gateway.grpc.pb.h"
#include "fruition/v1/reconciler.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/strings.h"
#include "services/gateway/json.h"
#include "tools/fruitctl/columns.h"
#include "tools/fruitctl/submit.h"

namespace fruition::fruitctl {
namespace {

constexpr int kOk = 0;
constexpr int kNotFound = 1;
constexpr int kUsage = 2;
constexpr int kDenied = 3;
constexpr int kUnavailable = 4;

int ExitCode(const grpc::Status& s) {
  switch (s.error_code()) {
    case grpc::StatusCode::OK:
      return kOk;
    case grpc::StatusCode::NOT_FOUND:
      return kNotFound;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return kUsage;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return kDenied;
    default:
      return kUnavailable;
  }
}

int Fail(const std::string& command, const grpc::Status& s, std::ostream& err) {
  static const std::map<grpc::StatusCode, std::string> kNames = {
      {grpc::StatusCode::NOT_FOUND, "NOT_FOUND"},
      {grpc::StatusCode::INVALID_ARGUMENT, "INVALID_ARGUMENT"},
      {grpc::StatusCode::UNAUTHENTICATED, "UNAUTHENTICATED"},
      {grpc::StatusCode::PERMISSION_DENIED, "PERMISSION_DENIED"},
      {grpc::StatusCode::FAILED_PRECONDITION, "FAILED_PRECONDITION"},
      {grpc::StatusCode::UNAVAILABLE, "UNAVAILABLE"},
      {grpc::StatusCode::DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED"}};
  auto it = kNames.find(s.error_code());
  err << "fruitctl " << command << ": "
      << (it == kNames.end()
              ? StrCat("error ", static_cast<int>(s.error_code()))
              : it->second)
      << ": " << s.error_message() << "\n";
  if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    err << "  (pass --token TOKEN or set FRUITION_TOKEN)\n";
  }
  return ExitCode(s);
}

// A plain-text table with aligned columns.
class Table {
 public:
  explicit Table(std::vector<std::string> header) {
    rows_.push_back(std::move(header));
  }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out) const {
    std::vector<size_t> width;
    for (const auto& row : rows_) {
      if (width.size() < row.size()) width.resize(row.size(), 0);
      for (size_t i = 0; i < row.size(); ++i) {
        width[i] = std::max(width[i], row[i].size());
      }
    }
    for (const auto& row : rows_) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) {
        line += row[i];
        if (i + 1 < row.size()) {
          line += std::string(width[i] - row[i].size() + 2, ' ');
        }
      }
      out << line << "\n";
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

bool IsShare(const std::string& name) {
  return name.find("_share") != std::string::npos ||
         name.find("_rate") != std::string::npos || name == "fruition_gap" ||
         name.rfind("community_change", 0) == 0;
}

std::string Number(double v, bool percent) {
  char buf[64];
  if (percent) {
    std::snprintf(buf, sizeof(buf), "%.1f%%", v * 100);
  } else if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f", v);
  }
  return buf;
}

// What a withheld cell reads: no number, not even its n (SPEC §5 D1).
constexpr char kSuppressed[] = "suppressed";
// Under a public card whose figures rest on older facts (SPEC §5 D4).
constexpr char kLagNote[] = "(public figures lag current facts)";

std::string Cell(const v1::Indicator& i) {
  if (i.suppressed()) return kSuppressed;
  if (!i.defined()) return "-";
  return Number(i.value(), IsShare(i.name()));
}

const v1::Indicator* Find(const v1::Scorecard& card, const std::string& name) {
  for (const auto& i : card.indicators()) {
    if (i.name() == name) return &i;
  }
  return nullptr;
}

std::string CellOf(const v1::Scorecard& card, const std::string& name) {
  const v1::Indicator* i = Find(card, name);
  return i == nullptr ? "-" : Cell(*i);
}

std::string CsvEscape(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Short(const std::string& enum_name, const std::string& prefix) {
  return enum_name.rfind(prefix, 0) == 0 ? enum_name.substr(prefix.size())
                                         : enum_name;
}

std::string TimeText(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0) return "-";
  const time_t secs = static_cast<time_t>(t.seconds());
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

struct Client {
  std::shared_ptr<grpc::Channel> channel;
  std::string token;
  std::unique_ptr<grpc::ClientContext> Context() const {
    auto c = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) c->AddMetadata("authorization", "Bearer " + token);
    c->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(30));
    return c;
  }
};

// A client of the service at --<flag> (default: --server); nullopt, with
// the reason written to `err`, for bad TLS files.
std::optional<Client> ClientFor(const config::Settings& s,
                                const std::string& flag, std::ostream& err) {
  std::string address = s.Get(flag);
  if (address.empty()) address = s.Get("server");
  auto channel = MakeChannel(address, s.Get("tls-ca"), s.Get("tls-cert"),
                             s.Get("tls-key"));
  if (!channel.ok()) {
    err << "fruitctl: " << channel.status().message() << "\n";
    return std::nullopt;
  }
  return Client{*channel, s.Get("token")};
}

bool Flag(const config::Settings& s, const std::string& name) {
  auto v = s.GetBool(name);
  return v.ok() && *v;
}

// A cell's n, or nothing for a withheld cell.
std::string NOf(const v1::Indicator& i) {
  return i.suppressed() ? "" : std::to_string(i.n());
}

// The --columns of `cards` (empty when not given: the command's default);
// nullopt, with the reason written to `err`, for an unknown name.
std::optional<std::vector<std::string>> ColumnsFlag(
    const config::Settings& s, const std::vector<v1::Scorecard>& cards,
    const std::string& command, std::ostream& err) {
  if (s.Get("columns").empty()) return std::vector<std::string>{};
  auto columns = ResolveColumns(s.Get("columns"), cards);
  if (!columns.ok()) {
    err << "fruitctl " << command << ": " << columns.status().message() << "\n";
    return std::nullopt;
  }
  return *columns;
}

// `card` with only the indicators `columns` names, in that order (all of
// them when `columns` is empty).
v1::Scorecard OnlyColumns(const v1::Scorecard& card,
                          const std::vector<std::string>& columns) {
  if (columns.empty()) return card;
  v1::Scorecard out = card;
  out.clear_indicators();
  for (const auto& name : columns) {
    if (const v1::Indicator* i = Find(card, name)) *out.add_indicators() = *i;
  }
  return out;
}

// One card's indicators, or those `columns` names (a name the card does
// not carry reads "-").
void PrintScorecard(const v1::Scorecard& card,
                    const std::vector<std::string>& columns,
                    std::ostream& out) {
  out << card.unit() << "  " << card.period() << "  (score "
      << card.score_version() << ", criteria " << card.criteria_version()
      << ", revision " << card.revision() << ")\n";
  if (card.public_view() && card.lags_current()) out << kLagNote << "\n";
  out << "\n";
  Table t({"indicator", "value", "n"});
  if (columns.empty()) {
    for (const auto& i : card.indicators()) t.Add({i.name(), Cell(i), NOf(i)});
  }
  for (const auto& name : columns) {
    const v1::Indicator* i = Find(card, name);
    t.Add({name, i == nullptr ? "-" : Cell(*i), i == nullptr ? "" : NOf(*i)});
  }
  t.Print(out);
}

int ScorecardCommand(const config::Settings& s, std::ostream& out,
                     std::ostream& err) {
  const std::string& unit = s.Get("unit");
  const std::string& period = s.Get("period");
  if (unit.empty() || period.empty()) {
    err << "fruitctl scorecard: --unit and --period are required, e.g. "
           "--unit agency:DEA --period FY2016\n";
    return kUsage;
  }
  auto client = ClientFor(s, "gateway", err);
  if (!client) return kUsage;
  auto stub = v1::OversightService::NewStub(client->channel);
  v1::GetScorecardRequest req;
  req.set_unit(unit);
  req.set_period(period);
  v1::Scorecard card;
  grpc::Status st = stub->GetScorecard(client->Context().get(), req, &card);
  if (!st.ok()) return Fail("scorecard", st, err);
  const auto columns = ColumnsFlag(s, {card}, "scorecard", err);
  if (!columns) return kUsage;
  if (Flag(s, "json")) {
    out << gateway::ScorecardJson(OnlyColumns(card, *columns)) << "\n";
  } else {
    PrintScorecard(card, *columns, out);
  }
  return kOk;
}

// `cards` as one JSON object {"scorecards": [...]}.
void PrintScorecardsJson(const std::vector<v1::Scorecard>& cards,
                         std::ostream& out) {
  out << "{\"scorecards\":[";
  for (size_t i = 0; i < cards.size(); ++i) {
    out << (i > 0 ? "," : "") << gateway::ScorecardJson(cards[i]);
  }
  out << "]}\n";
}

// `cards` as CSV: one value and one n column per indicator `columns` names,
// or (none named) per indicator name seen, in first-seen order. A withheld
// cell: an empty value (never a number a spreadsheet would read as one)
// and the word `suppressed` where its n would be. lags_current: true or
// false on public views, empty on restricted ones.
void PrintScorecardsCsv(const std::vector<v1::Scorecard>& cards,
                        const std::vector<std::string>& columns,
                        std::ostream& out) {
  std::vector<std::string> names = columns;
  for (const auto& c : cards) {
    if (!columns.empty()) break;
    for (const auto& i : c.indicators()) {
      if (std::find(names.begin(), names.end(), i.name()) == names.end()) {
        names.push_back(i.name());
      }
    }
  }
  out << "unit,period";
  for (const auto& n : names) {
    out << "," << CsvEscape(n) << "," << CsvEscape(n + "_n");
  }
  out << ",lags_current\n";
  for (const auto& c : cards) {
    out << CsvEscape(c.unit()) << "," << c.period();
    for (const auto& n : names) {
      const v1::Indicator* i = Find(c, n);
      std::string value;
      std::string count;
      if (i != nullptr && i->suppressed()) {
        count = kSuppressed;
      } else if (i != nullptr) {
        count = std::to_string(i->n());
        if (i->defined()) {
          char buf[64];
          std::snprintf(buf, sizeof(buf), "%.10g", i->value());
          value = buf;
        }
      }
      out << "," << value << "," << count;
    }
    out << "," << (c.public_view() ? (c.lags_current() ? "true" : "false") : "")
        << "\n";
  }
}

// `cards` as a table of the indicators `columns` names (none named: the
// headline ones, DefaultColumns()), headed by their SPEC names as
// --columns takes them, then the lag notes.
void PrintScorecardsTable(const std::vector<v1::Scorecard>& cards,
                          const std::vector<std::string>& columns,
                          std::ostream& out) {
  const std::vector<std::string>& names =
      columns.empty() ? DefaultColumns() : columns;
  std::vector<std::string> header = {"unit"};
  header.insert(header.end(), names.begin(), names.end());
  Table t(std::move(header));
  for (const auto& c : cards) {
    std::vector<std::string> row = {c.unit()};
    for (const auto& name : names) row.push_back(CellOf(c, name));
    t.Add(std::move(row));
  }
  t.Print(out);
  for (const auto& c : cards) {
    if (c.public_view() && c.lags_current()) {
      out << c.unit() << "  " << kLagNote << "\n";
    }
  }
}

int ScorecardsCommand(const config::Settings& s, std::ostream& out,
                      std::ostream& err) {
  const std::string& period = s.Get("period");
  if (period.empty()) {
    err << "fruitctl scorecards: --period is required, e.g. --period FY2016\n";
    return kUsage;
  }
  auto client = ClientFor(s, "gateway", err);
  if (!client) return kUsage;
  auto stub = v1::OversightService::NewStub(client->channel);
  v1::ListScorecardsRequest req;
  req.set_period(period);
  req.set_unit_kind(s.Get("unit-kind"));
  req.set_page_size(1000);
  std::vector<v1::Scorecard> cards;
  while (true) {
    v1::ListScorecardsResponse page;
    grpc::Status st = stub->ListScorecards(client->Context().get(), req, &page);
    if (!st.ok()) return Fail("scorecards", st, err);
    for (const auto& c : page.scorecards()) cards.push_back(c);
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  const auto columns = ColumnsFlag(s, cards, "scorecards", err);
  if (!columns) return kUsage;
  if (Flag(s, "json")) {
    for (auto& c : cards) c = OnlyColumns(c, *columns);
    PrintScorecardsJson(cards, out);
  } else if (Flag(s, "csv")) {
    PrintScorecardsCsv(cards, *columns, out);
  } else {
    PrintScorecardsTable(cards, *columns, out);
  }
  return cards.empty() ? kNotFound : kOk;
}

// EVENT_TYPE_X, or X.
absl::StatusOr<v1::EventType> ParseType(const std::string& name) {
  v1::EventType t;
  if (v1::EventType_Parse(name, &t) ||
      v1::EventType_Parse("EVENT_TYPE_" + name, &t)) {
    if (t != v1::EVENT_TYPE_UNSPECIFIED) return t;
  }
  return absl::InvalidArgumentError(
      StrCat("--type: '", name, "' is not an event type (e.g. FRUITION_GAP)"));
}

std::string EventLine(const v1::OversightEvent& e) {
  std::string facts;
  std::map<std::string, double> sorted(e.facts().begin(), e.facts().end());
  int shown = 0;
  for (const auto& [k, v] : sorted) {
    if (k.find('.') != std::string::npos || k == "threshold" ||
        k == "min_sentenced" || k == "min_lnf_sentenced") {
      continue;
    }
    if (++shown > 4) break;
    facts += StrCat(facts.empty() ? "" : " ", k, "=", Number(v, IsShare(k)));
  }
  return StrCat(TimeText(e.emitted_at()), "  ",
                Short(v1::EventType_Name(e.type()), "EVENT_TYPE_"), "  ",
                Short(v1::Severity_Name(e.severity()), "SEVERITY_"), "  ",
                e.unit().empty() ? "-" : e.unit(), "  ",
                e.period().empty() ? "-" : e.period(),
                e.resolved() ? "  RESOLVED" : "", "  ", facts, "  ",
                e.event_id());
}

// The filter of --type, --unit, --period and --visibility; the message
// names the flag that is wrong.
absl::StatusOr<v1::EventFilter> EventFilterOf(const config::Settings& s) {
  v1::EventFilter filter;
  if (!s.Get("type").empty()) {
    std::stringstream list(s.Get("type"));
    std::string name;
    while (std::getline(list, name, ',')) {
      auto t = ParseType(name);
      if (!t.ok()) return t.status();
      filter.add_types(*t);
    }
  }
  filter.set_unit(s.Get("unit"));
  filter.set_period(s.Get("period"));
  if (!s.Get("visibility").empty()) {
    v1::Visibility v;
    if (!v1::Visibility_Parse(s.Get("visibility"), &v) &&
        !v1::Visibility_Parse("VISIBILITY_" + s.Get("visibility"), &v)) {
      return absl::InvalidArgumentError("--visibility: PUBLIC or RESTRICTED");
    }
    filter.set_visibility(v);
  }
  return filter;
}

using PrintEvent =
    std::function<void(const v1::OversightEvent&, const std::string&)>;

// Pages through the events after `*cursor`, printing them when `history`
// (at most `limit`, 0: all); `*cursor` ends at the last page's end.
// `*printed` counts what was printed.
grpc::Status ListEventHistory(v1::OversightService::Stub& stub,
                              const Client& client,
                              const v1::EventFilter& filter, bool history,
                              int64_t limit, const PrintEvent& print,
                              std::string* cursor, int64_t* printed) {
  while (true) {
    v1::ListOversightEventsRequest req;
    *req.mutable_filter() = filter;
    req.set_after(*cursor);
    req.set_limit(1000);
    v1::ListOversightEventsResponse page;
    grpc::Status st = stub.ListEvents(client.Context().get(), req, &page);
    if (!st.ok()) return st;
    for (const auto& e : page.events()) {
      if (!history) break;
      if (limit > 0 && *printed >= limit) break;
      print(e, "");
      ++*printed;
    }
    const bool done = page.next() == *cursor;
    *cursor = page.next();
    if (done || (limit > 0 && *printed >= limit && history)) break;
  }
  return grpc::Status::OK;
}

// Prints new events after `cursor` as they come, resuming after the
// gateway restarts or drains; returns only on another error.
int FollowEvents(v1::OversightService::Stub& stub, const Client& client,
                 const v1::EventFilter& filter, const std::string& cursor,
                 const PrintEvent& print, std::ostream& err) {
  v1::SubscribeRequest sub;
  *sub.mutable_filter() = filter;
  sub.set_after(cursor);
  // From here on no event is missed (the subscription starts at `cursor`):
  // a script may wait for this line before it causes the events it awaits.
  err << "fruitctl events: following; new events are printed as they come\n"
      << std::flush;
  while (true) {
    grpc::ClientContext ctx;
    if (!client.token.empty()) {
      ctx.AddMetadata("authorization", "Bearer " + client.token);
    }
    auto reader = stub.Subscribe(&ctx, sub);
    v1::EventDelivery d;
    while (reader->Read(&d)) {
      print(d.event(), d.cursor());
      sub.set_after(d.cursor());
    }
    grpc::Status st = reader->Finish();
    if (st.error_code() != grpc::StatusCode::UNAVAILABLE) {
      return Fail("events --follow", st, err);
    }
    // The gateway restarted or drained: resume where we were.
    err << "fruitctl events: " << st.error_message() << "; resuming\n";
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

int EventsCommand(const config::Settings& s, std::ostream& out,
                  std::ostream& err) {
  auto filter = EventFilterOf(s);
  if (!filter.ok()) {
    err << "fruitctl events: " << filter.status().message() << "\n";
    return kUsage;
  }
  auto limit = s.GetInt("limit", 0, 1000000);
  if (!limit.ok()) {
    err << "fruitctl events: " << limit.status().message() << "\n";
    return kUsage;
  }
  auto client = ClientFor(s, "gateway", err);
  if (!client) return kUsage;
  auto stub = v1::OversightService::NewStub(client->channel);
  const bool json = Flag(s, "json");
  const bool follow = Flag(s, "follow");
  const PrintEvent print = [&](const v1::OversightEvent& e,
                               const std::string& cursor) {
    if (json) {
      v1::EventDelivery d;
      *d.mutable_event() = e;
      d.set_cursor(cursor);
      out << gateway::ToJson(d) << "\n";
    } else {
      out << EventLine(e) << "\n";
    }
    out.flush();
  };
  // The history (unless --follow without --from-start: only new events).
  std::string cursor = s.Get("after");
  int64_t printed = 0;
  const bool history = !follow || Flag(s, "from-start") || !cursor.empty();
  grpc::Status st = ListEventHistory(*stub, *client, *filter, history, *limit,
                                     print, &cursor, &printed);
  if (!st.ok()) return Fail("events", st, err);
  if (!follow) return printed == 0 ? kNotFound : kOk;
  return FollowEvents(*stub, *client, *filter, cursor, print, err);
}

int ClaimsCommand(const config::Settings& s, std::ostream& out,
                  std::ostream& err) {
  v1::ListClaimsRequest req;
  req.set_subject_pid(s.Get("subject"));
  req.set_org_id(s.Get("org"));
  req.set_reporter(s.Get("reporter"));
  if (req.subject_pid().empty() && req.org_id().empty() &&
      req.reporter().empty()) {
    err << "fruitctl claims: one of --subject PID, --org ORG or --reporter "
           "CODE is required\n";
    return kUsage;
  }
  auto client = ClientFor(s, "evidence", err);
  if (!client) return kUsage;
  auto stub = v1::EvidenceService::NewStub(client->channel);
  std::vector<v1::Claim> claims;
  req.set_page_size(500);
  while (true) {
    v1::ListClaimsResponse page;
    grpc::Status st = stub->ListClaims(client->Context().get(), req, &page);
    if (!st.ok()) return Fail("claims", st, err);
    for (const auto& c : page.claims()) claims.push_back(c);
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  if (Flag(s, "json")) {
    for (const auto& c : claims) out << gateway::ToJson(c) << "\n";
  } else {
    Table t({"reporter", "claim", "org", "role", "hops", "result", "failed",
             "evidence", "subject"});
    for (const auto& c : claims) {
      std::string result = "not assessed", failed;
      if (c.assessments_size() > 0) {
        const auto& a = c.assessments(c.assessments_size() - 1);
        result =
            Short(v1::AssessmentResult_Name(a.result()), "ASSESSMENT_RESULT_");
        for (const auto& f : a.failed_criteria()) {
          failed += (failed.empty() ? "" : ",") + f;
        }
      }
      t.Add({c.reporter(), c.claim_id(), c.org_id(),
             Short(v1::LinkRole_Name(c.link_role()), "LINK_ROLE_"),
             std::to_string(c.hops()), result, failed.empty() ? "-" : failed,
             std::to_string(c.evidence_size()), c.subject_pid().substr(0, 12)});
    }
    t.Print(out);
  }
  return claims.empty() ? kNotFound : kOk;
}

int ExplainCommand(const config::Settings& s,
                   const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err) {
  if (args.size() != 1) {
    err << "fruitctl explain: give one EVENT_ID\n";
    return kUsage;
  }
  auto client = ClientFor(s, "reconciler", err);
  if (!client) return kUsage;
  auto stub = v1::ReconcilerService::NewStub(client->channel);
  v1::ExplainEventRequest req;
  req.set_event_id(args[0]);
  v1::EventExplanation x;
  grpc::Status st = stub->ExplainEvent(client->Context().get(), req, &x);
  if (!st.ok()) return Fail("explain", st, err);
  if (Flag(s, "json")) {
    out << gateway::ToJson(x) << "\n";
    return kOk;
  }
  out << EventLine(x.event()) << "\n\n"
      << "Rule: " << x.rule() << "\n\n"
      << x.summary() << "\n\n";
  Table t({"fact", "value", "meaning"});
  for (const auto& f : x.facts()) {
    t.Add({f.name(), Number(f.value(), IsShare(f.name())), f.meaning()});
  }
  t.Print(out);
  out << "\nVersions: criteria "
      << (x.criteria_version().empty() ? "-" : x.criteria_version())
      << ", score " << (x.score_version().empty() ? "-" : x.score_version())
      << "\n";
  if (x.event().evidence_refs_size() > 0) {
    out << "Records behind it:";
    for (const auto& r : x.event().evidence_refs()) out << " " << r;
    out << "\n";
  }
  for (const auto& see : x.see_also()) out << "See also: " << see << "\n";
  return kOk;
}

int AssessCommand(const config::Settings& s,
                  const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err) {
  if (args.size() != 1) {
    err << "fruitctl assess: give one FILE (a draft link_claim report "
           "as JSON, or an AssessDraftRequest)\n";
    return kUsage;
  }
  std::ifstream in(args[0] == "-" ? "/dev/stdin" : args[0]);
  if (!in) {
    err << "fruitctl assess: cannot read " << args[0] << "\n";
    return kUsage;
  }
  std::stringstream text;
  text << in.rdbuf();
  v1::AssessDraftRequest req;
  google::protobuf::util::JsonParseOptions options;
  if (text.str().find("\"report\"") != std::string::npos) {
    auto st =
        google::protobuf::util::JsonStringToMessage(text.str(), &req, options);
    if (!st.ok()) {
      err << "fruitctl assess: " << args[0]
          << ": not an AssessDraftRequest: " << st.message() << "\n";
      return kUsage;
    }
  } else {
    auto st = google::protobuf::util::JsonStringToMessage(
        text.str(), req.mutable_report(), options);
    if (!st.ok()) {
      err << "fruitctl assess: " << args[0]
          << ": not an AgencyReport: " << st.message() << "\n";
      return kUsage;
    }
  }
  auto client = ClientFor(s, "evidence", err);
  if (!client) return kUsage;
  auto stub = v1::EvidenceService::NewStub(client->channel);
  v1::AssessDraftResponse res;
  grpc::Status st = stub->AssessDraft(client->Context().get(), req, &res);
  if (!st.ok()) return Fail("assess", st, err);
  if (Flag(s, "json")) {
    out << gateway::ToJson(res) << "\n";
    return kOk;
  }
  const auto& a = res.assessment();
  out << "claim " << a.claim_id() << " -> org " << a.org_id() << " ("
      << Short(v1::Tier_Name(a.tier()), "TIER_") << "): "
      << Short(v1::AssessmentResult_Name(a.result()), "ASSESSMENT_RESULT_")
      << " under criteria " << a.criteria_version() << "\n";
  for (const auto& f : a.failed_criteria()) out << "  failed " << f << "\n";
  for (const auto& r : res.reasons()) out << "  " << r << "\n";
  return kOk;
}

// ---- series, compare, history (SPEC §9)

int SeriesCommand(const config::Settings& s, std::ostream& out,
                  std::ostream& err) {
  if (s.Get("unit").empty() || s.Get("indicator").empty() ||
      s.Get("from").empty() || s.Get("to").empty()) {
    err << "fruitctl series: --unit, --indicator, --from and --to are "
           "required, e.g. --unit district:EDPA --indicator lnf_share "
           "--from FY2012 --to FY2016\n";
    return kUsage;
  }
  auto client = ClientFor(s, "gateway", err);
  if (!client) return kUsage;
  auto stub = v1::OversightService::NewStub(client->channel);
  v1::GetSeriesRequest req;
  req.set_unit(s.Get("unit"));
  req.set_indicator(s.Get("indicator"));
  req.set_from(s.Get("from"));
  req.set_to(s.Get("to"));
  v1::GetSeriesResponse series;
  grpc::Status st = stub->GetSeries(client->Context().get(), req, &series);
  if (!st.ok()) return Fail("series", st, err);
  if (Flag(s, "json")) {
    out << gateway::SeriesJson(series) << "\n";
    return kOk;
  }
  out << series.unit() << "  " << series.indicator() << "  ("
      << (series.public_view() ? "public view" : "restricted view") << ")\n\n";
  Table t({"period", "value", "n"});
  for (const auto& p : series.points()) {
    if (p.no_data()) {
      t.Add({p.period(), "no data", ""});
    } else {
      t.Add({p.period(), Cell(p.cell()), NOf(p.cell())});
    }
  }
  t.Print(out);
  return kOk;
}

std::string Percentile(double p) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", p);
  return buf;
}

int CompareCommand(const config::Settings& s, std::ostream& out,
                   std::ostream& err) {
  if (s.Get("indicator").empty() || s.Get("period").empty() ||
      s.Get("unit-kind").empty()) {
    err << "fruitctl compare: --indicator, --period and --unit-kind are "
           "required, e.g. --indicator lnf_share --period FY2016 "
           "--unit-kind district\n";
    return kUsage;
  }
  auto client = ClientFor(s, "gateway", err);
  if (!client) return kUsage;
  auto stub = v1::OversightService::NewStub(client->channel);
  v1::CompareUnitsRequest req;
  req.set_indicator(s.Get("indicator"));
  req.set_period(s.Get("period"));
  req.set_kind(s.Get("unit-kind"));
  v1::CompareUnitsResponse cmp;
  grpc::Status st = stub->CompareUnits(client->Context().get(), req, &cmp);
  if (!st.ok()) return Fail("compare", st, err);
  if (Flag(s, "json")) {
    out << gateway::CompareJson(cmp) << "\n";
    return kOk;
  }
  out << cmp.indicator() << "  " << cmp.period() << "  every " << cmp.kind()
      << "  (" << (cmp.public_view() ? "public view" : "restricted view")
      << ")\n"
      << "national:US  "
      << (cmp.national_no_data() ? "no data" : Cell(cmp.national())) << "\n\n";
  Table t({"rank", "unit", "value", "n", "percentile"});
  for (const auto& u : cmp.units()) {
    const std::string value = u.no_data() ? "no data" : Cell(u.cell());
    t.Add({u.rank() > 0 ? std::to_string(u.rank()) : "-", u.unit(), value,
           u.no_data() ? "" : NOf(u.cell()),
           u.rank() > 0 ? Percentile(u.percentile()) : ""});
  }
  t.Print(out);
  return kOk;
}

int HistoryCommand(const config::Settings& s, std::ostream& out,
                   std::ostream& err) {
  if (s.Get("unit").empty() || s.Get("period").empty()) {
    err << "fruitctl history: --unit and --period are required, e.g. "
           "--unit agency:DEA --period FY2016\n";
    return kUsage;
  }
  auto limit = s.GetInt("limit", 0, 1000);
  if (!limit.ok()) {
    err << "fruitctl history: " << limit.status().message()
        << " (0: the default, 100)\n";
    return kUsage;
  }
  auto client = ClientFor(s, "gateway", err);
  if (!client) return kUsage;
  auto stub = v1::OversightService::NewStub(client->channel);
  v1::ListScorecardVersionsRequest req;
  req.set_unit(s.Get("unit"));
  req.set_period(s.Get("period"));
  req.set_limit(static_cast<int32_t>(*limit));
  req.set_after(s.Get("after"));
  v1::ListScorecardVersionsResponse page;
  grpc::Status st =
      stub->ListScorecardVersions(client->Context().get(), req, &page);
  if (!st.ok()) return Fail("history", st, err);
  const bool restricted =
      page.versions_size() > 0 && !page.versions(0).scorecard().public_view();
  if (Flag(s, "json")) {
    out << gateway::VersionsJson(req.unit(), req.period(), page, restricted)
        << "\n";
    return kOk;
  }
  std::vector<v1::Scorecard> cards;
  for (const auto& v : page.versions()) cards.push_back(v.scorecard());
  const auto columns = ColumnsFlag(s, cards, "history", err);
  if (!columns) return kUsage;
  for (const auto& v : page.versions()) {
    google::protobuf::Timestamp at;
    at.set_seconds(v.at_ms() / 1000);
    out << "published " << TimeText(at) << "  ";
    PrintScorecard(v.scorecard(), *columns, out);
    out << "\n";
  }
  if (page.versions_size() == 0) {
    err << "fruitctl history: no versions of " << req.unit() << " in "
        << req.period() << "\n";
    return kNotFound;
  }
  if (!page.next().empty()) {
    out << "(more: --after " << page.next() << ")\n";
  }
  return kOk;
}

// ---- whatif (SPEC §11)

// "1,234,567" of a whole number.
std::string Grouped(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<size_t>(i), ",");
  }
  return (v < 0 ? "-" : "") + digits;
}

// "412,345,678.90" of a number of cents.
std::string Usd(int64_t cents) {
  char frac[8];
  std::snprintf(frac, sizeof(frac), ".%02d",
                static_cast<int>(std::llabs(cents % 100)));
  return Grouped(cents / 100) + frac;
}

std::string UsdOf(double dollars) { return Usd(std::llround(dollars * 100)); }

std::string OneDecimal(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

// caseload, weighted-value, high-desert (or the API's CASELOAD, ...).
absl::StatusOr<v1::WhatIfBasis> ParseBasis(std::string name) {
  for (char& c : name) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
  v1::WhatIfBasis b;
  if ((v1::WhatIfBasis_Parse(name, &b) ||
       v1::WhatIfBasis_Parse("WHAT_IF_BASIS_" + name, &b)) &&
      b != v1::WHAT_IF_BASIS_UNSPECIFIED) {
    return b;
  }
  return absl::InvalidArgumentError(
      "--basis: caseload, weighted-value or high-desert");
}

// A percent flag: a number (the gateway checks 0 to 100).
absl::StatusOr<double> ParsePct(const config::Settings& s,
                                const std::string& flag) {
  const std::string& text = s.Get(flag);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v)) {
    return absl::InvalidArgumentError(
        StrCat("--", flag, ": a percent from 0 to 100, e.g. 50"));
  }
  return v;
}

// The request the whatif flags ask for; the message names the flag. Which
// combinations make sense, and the ranges, the gateway checks (naming the
// API's field).
absl::StatusOr<v1::WhatIfRequest> WhatIfRequestOf(const config::Settings& s) {
  v1::WhatIfRequest r;
  r.set_period(s.Get("period"));
  const std::string& total = s.Get("total-usd");
  if (!total.empty()) {
    if (total.size() > 18 ||
        total.find_first_not_of("0123456789") != std::string::npos) {
      return absl::InvalidArgumentError(
          "--total-usd: whole dollars, digits only, e.g. 1000000000");
    }
    r.set_total_usd(std::stoll(total));
  }
  if (!s.Get("basis").empty()) {
    auto basis = ParseBasis(s.Get("basis"));
    if (!basis.ok()) return basis.status();
    r.set_basis(*basis);
  }
  for (const char* flag : {"lnf-admissions-cut-pct", "lnf-sentence-cut-pct"}) {
    if (s.Get(flag).empty()) continue;
    auto pct = ParsePct(s, flag);
    if (!pct.ok()) return pct.status();
    if (std::string(flag) == "lnf-admissions-cut-pct") {
      r.set_lnf_admissions_cut_pct(*pct);
    } else {
      r.set_lnf_sentence_cut_pct(*pct);
    }
  }
  return r;
}

void PrintLeftOut(const v1::WhatIfResponse& a, std::ostream& out) {
  for (const auto& l : a.left_out()) {
    out << "Left out: " << l.unit() << " (" << l.reason() << ")\n";
  }
  if (a.lags_current()) out << kLagNote << "\n";
}

void PrintAllocation(const v1::WhatIfResponse& a, std::ostream& out) {
  std::string basis = gateway::WhatIfBasisName(a.basis());
  for (char& c : basis) c = c == '_' ? ' ' : static_cast<char>(std::tolower(c));
  out << "What-if " << a.period() << ": $" << Grouped(a.total_usd())
      << " in proportion to " << basis << " (public view)\n\n";
  Table t({"unit", "basis", "share", "allocation USD", "actual budget USD"});
  for (const auto& x : a.allocations()) {
    t.Add({x.unit(), Number(x.basis_value(), false), Number(x.share(), true),
           Usd(x.cents()),
           x.has_budget_usd() ? UsdOf(x.budget_usd()) : "not published"});
  }
  t.Print(out);
  PrintLeftOut(a, out);
}

void PrintCut(const v1::WhatIfResponse& a, std::ostream& out) {
  const bool admissions = a.has_lnf_admissions_cut_pct();
  out << "What-if " << a.period() << ": "
      << Number(
             admissions ? a.lnf_admissions_cut_pct() : a.lnf_sentence_cut_pct(),
             false)
      << (admissions ? "% fewer LNF admissions" : "% shorter LNF sentences")
      << " (public view)\n\n";
  Table t({"unit", "LNF prison-years", "prison-years saved", "USD saved"});
  const auto row = [&](const v1::WhatIfSaving& x) {
    t.Add({x.unit(), OneDecimal(x.lnf_prison_years()),
           OneDecimal(x.prison_years_saved()), UsdOf(x.usd_saved())});
  };
  for (const auto& x : a.units()) row(x);
  if (a.has_national()) row(a.national());
  t.Print(out);
  PrintLeftOut(a, out);
  out << (admissions
              ? "Timing: the people not admitted serve none of their "
                "sentences: the saving starts at once.\n"
              : "Timing: each person still serves the shortened sentence: "
                "nothing is saved until it ends (docs/API.md).\n");
}

int WhatIfCommand(const config::Settings& s, std::ostream& out,
                  std::ostream& err) {
  auto req = WhatIfRequestOf(s);
  if (!req.ok()) {
    err << "fruitctl whatif: " << req.status().message() << "\n";
    return kUsage;
  }
  if (req->period().empty() ||
      (!req->has_total_usd() && !req->has_lnf_admissions_cut_pct() &&
       !req->has_lnf_sentence_cut_pct())) {
    err << "fruitctl whatif: --period and --total-usd N --basis B, or "
           "--lnf-admissions-cut-pct P, or --lnf-sentence-cut-pct P, e.g. "
           "--period FY2016 --total-usd 1000000000 --basis weighted-value\n";
    return kUsage;
  }
  auto client = ClientFor(s, "gateway", err);
  if (!client) return kUsage;
  auto stub = v1::OversightService::NewStub(client->channel);
  v1::WhatIfResponse answer;
  grpc::Status st = stub->WhatIf(client->Context().get(), *req, &answer);
  if (st.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
    Fail("whatif", st, err);
    return kNotFound;  // nothing usable in the period's public view
  }
  if (!st.ok()) return Fail("whatif", st, err);
  if (Flag(s, "json")) {
    out << gateway::WhatIfJson(answer) << "\n";
  } else if (answer.basis() != v1::WHAT_IF_BASIS_UNSPECIFIED) {
    PrintAllocation(answer, out);
  } else {
    PrintCut(answer, out);
  }
  return kOk;
}

// ---- budget list (SPEC §11)

// "at most 0.3" of a criterion.
std::string Bound(const v1::BudgetCriterionStatus& c) {
  const char* op = c.op() == v1::CRITERION_OP_AT_MOST    ? "at most "
                   : c.op() == v1::CRITERION_OP_AT_LEAST ? "at least "
                                                         : "? ";
  return StrCat(op, Number(c.value(), false));
}

void PrintBudgetLines(const v1::ListBudgetLinesResponse& a, std::ostream& out) {
  out << "Budget lines " << a.period()
      << " (criteria judged on the public view)\n";
  for (const v1::BudgetLineStatus& l : a.lines()) {
    const char* verdict = !l.judged() ? "NOT JUDGED (no public scorecard)"
                          : l.met()   ? "MET"
                                      : "NOT MET";
    out << "\n"
        << l.line_id() << "  " << l.agency() << "  $"
        << Usd(l.amount_usd() * 100) << "  " << verdict << "\n";
    if (!l.purpose().empty()) out << "  " << l.purpose() << "\n";
    Table t({"indicator", "criterion", "found", "met"});
    for (const v1::BudgetCriterionStatus& c : l.criteria()) {
      t.Add({c.indicator(), Bound(c),
             c.has_found() ? Number(c.found(), false) : "none published",
             c.met() ? "yes" : "no"});
    }
    if (l.criteria_size() > 0) t.Print(out);
    out << "  agency budget_usd: "
        << (l.has_agency_budget_usd() ? "$" + UsdOf(l.agency_budget_usd())
                                      : std::string("not published"))
        << "; cost per high-desert sentence: "
        << (l.has_agency_cost_per_high_desert_sentence()
                ? "$" + UsdOf(l.agency_cost_per_high_desert_sentence())
                : std::string("not published"))
        << "\n";
  }
  if (a.lags_current()) out << kLagNote << "\n";
}

int BudgetListCommand(const config::Settings& s, std::ostream& out,
                      std::ostream& err) {
  if (s.Get("period").empty()) {
    err << "fruitctl budget list: --period FY2016 is required "
           "[--agency DEA] [--json]\n";
    return kUsage;
  }
  v1::ListBudgetLinesRequest req;
  req.set_period(s.Get("period"));
  req.set_agency(s.Get("agency"));  // declared by LoopSpecs (budget set)
  auto client = ClientFor(s, "gateway", err);
  if (!client) return kUsage;
  auto stub = v1::OversightService::NewStub(client->channel);
  v1::ListBudgetLinesResponse answer;
  grpc::Status st =
      stub->ListBudgetLines(client->Context().get(), req, &answer);
  if (!st.ok()) return Fail("budget list", st, err);
  if (Flag(s, "json")) {
    out << gateway::BudgetLinesJson(answer) << "\n";
    return kOk;
  }
  if (answer.lines_size() == 0) {
    err << "fruitctl budget list: no budget lines for " << answer.period()
        << (req.agency().empty() ? "" : " and " + req.agency()) << "\n";
    return kNotFound;
  }
  PrintBudgetLines(answer, out);
  return kOk;
}

}  // namespace

std::vector<config::Spec> AnalystSpecs() {
  return {
      {"gateway", "", "OversightService address (default: --server)"},
      {"evidence", "", "EvidenceService address (default: --server)"},
      {"reconciler", "", "ReconcilerService address (default: --server)"},
      {"unit", "", "unit, e.g. agency:DEA"},
      {"period", "", "period, e.g. FY2016 or FY2016Q1"},
      {"unit-kind", "", "agency, field_office, district, area or national"},
      {"type", "", "event type(s), e.g. FRUITION_GAP,TARGET_OVERSHOOT"},
      {"visibility", "", "PUBLIC or RESTRICTED"},
      {"after", "", "events after this cursor; history: after this version"},
      {"indicator", "",
       "series, compare: an indicator (lnf_share or lnfShare; a family "
       "member such as function_share:OFFENSE_FUNCTION_COURIER)"},
      {"from", "", "series: the first period (FY2012 or FY2012Q1)"},
      {"to", "", "series: the last period, of the same kind as --from"},
      {"limit", "0", "at most this many events (0: all)"},
      {"subject", "", "subject_pid"},
      {"org", "", "org_id"},
      {"reporter", "", "reporter code"},
      {"json", "false", "JSON for scripts", true},
      {"csv", "false", "CSV (scorecards)", true},
      {"columns", "",
       "scorecard(s): the indicators to show, comma-separated (lnf_share, "
       "lnfShare, or a family prefix like function_share:)"},
      {"follow", "false", "keep printing new events", true},
      {"total-usd", "", "whatif: whole dollars to allocate"},
      {"basis", "",
       "whatif: caseload, weighted-value or high-desert (what the "
       "allocation follows)"},
      {"lnf-admissions-cut-pct", "",
       "whatif: percent fewer LNF people sent to prison"},
      {"lnf-sentence-cut-pct", "", "whatif: percent off every LNF sentence"},
      {"from-start", "false", "with --follow: the history first", true},
  };
}

// Long: one usage text, command by command; splitting it scatters the help.
const char* AnalystUsage() {
  return "  fruitctl scorecard --unit UNIT --period PERIOD [--columns C,...] "
         "[--json]\n"
         "      One unit-period's indicators. Without an overseer's token:\n"
         "      the public view, where a cell withheld to protect people\n"
         "      (fewer than 11, or derivable) reads 'suppressed', no number;\n"
         "      figures that lag the current facts say so.\n"
         "      e.g. fruitctl scorecard --unit agency:DEA --period FY2016\n"
         "  fruitctl scorecards --period PERIOD [--unit-kind K] "
         "[--columns C,...]\n"
         "                      [--csv|--json]\n"
         "      Every unit's headline figures (the ambition-fruition gap, the\n"
         "      LNF share, the declination rate, mandatory minimums against\n"
         "      LNF people, the safety valve, the median sentence).\n"
         "      e.g. fruitctl scorecards --period FY2016 --csv > fy2016.csv\n"
         "  --columns picks the indicators (SPEC or JSON names; a family\n"
         "      prefix such as function_share: gives every member), e.g.\n"
         "      fruitctl scorecards --period FY2016 --unit-kind district \\\n"
         "        --columns charged,declination_rate,drug_share:\n"
         "  fruitctl events [--type T,...] [--unit U] [--period P]\n"
         "                  [--visibility V] [--limit N] [--follow "
         "[--from-start]]\n"
         "                  [--json]\n"
         "      Oversight events (oldest first); --follow prints new ones as\n"
         "      they come, resuming by itself after a gateway restart; it\n"
         "      says \"following\" on stderr once no new event can be missed.\n"
         "      e.g. fruitctl events --type FRUITION_GAP,LNF_SHARE_HIGH "
         "--follow\n"
         "  fruitctl series --unit UNIT --indicator I --from P --to P "
         "[--json]\n"
         "      One indicator of one unit period by period (fiscal years or\n"
         "      quarters, at most 40); 'no data' where the unit has no card.\n"
         "      e.g. fruitctl series --unit district:EDPA --indicator "
         "lnf_share \\\n"
         "        --from FY2012 --to FY2016\n"
         "  fruitctl compare --indicator I --period P --unit-kind K [--json]\n"
         "      Every unit of a kind ranked (1 = highest; ties share a rank),\n"
         "      its percentile, and national:US; withheld cells are listed\n"
         "      last, unranked.\n"
         "      e.g. fruitctl compare --indicator lnf_share --period FY2016 "
         "\\\n"
         "        --unit-kind district\n"
         "  fruitctl history --unit UNIT --period PERIOD [--limit N] "
         "[--after POS]\n"
         "                   [--columns C,...] [--json]\n"
         "      Every version of a scorecard, oldest first, with when it was\n"
         "      published (public: the public versions; overseers: all).\n"
         "      e.g. fruitctl history --unit agency:DEA --period FY2016 "
         "--columns lnf_share\n"
         "  fruitctl whatif --period FY --total-usd N --basis B [--json]\n"
         "  fruitctl whatif --period FY (--lnf-admissions-cut-pct P |\n"
         "                  --lnf-sentence-cut-pct P) [--json]\n"
         "      What-if on the public view (whoever asks): N dollars split\n"
         "      among the agencies in proportion to caseload, weighted-value\n"
         "      or high-desert, in cents that add up to N, beside each\n"
         "      agency's actual budget; or the LNF prison-years and dollars\n"
         "      a P% cut in admissions or in sentences saves, per agency and\n"
         "      nationally. Agencies whose figures are withheld are left out\n"
         "      and named. Exit 1 when no agency has a usable figure.\n"
         "      e.g. fruitctl whatif --period FY2016 --total-usd 1000000000 "
         "\\\n"
         "        --basis weighted-value\n"
         "  fruitctl budget list --period FY [--agency CODE] [--json]\n"
         "      The year's budget lines as they stand (the latest version of\n"
         "      each), every criterion with the value the agency's public\n"
         "      scorecard shows and whether it is met, as BUDGET_CRITERIA_\n"
         "      UNMET judges it. Exit 1 when there are none.\n"
         "      e.g. fruitctl budget list --period FY2016\n"
         "  fruitctl claims (--subject PID | --org ORG | --reporter CODE) "
         "[--json]\n"
         "      Link claims with their latest assessment (agencies: their "
         "own;\n"
         "      overseers: all).\n"
         "  fruitctl explain EVENT_ID [--json]\n"
         "      The rule behind an event, its numbers in words, its versions.\n"
         "  fruitctl assess FILE [--json]\n"
         "      How the criteria would judge a draft claim (a link_claim\n"
         "      report as JSON), without submitting it.\n"
         "  Exit codes: 0 done, 1 nothing found, 2 bad usage, 3 not allowed,\n"
         "  4 service unavailable. --server (default 127.0.0.1:50051, "
         "`fruition\n"
         "  dev`) or --gateway/--evidence/--reconciler pick the services.\n";
}

std::optional<int> RunAnalystCommand(const std::string& command,
                                     const config::Settings& s,
                                     const std::vector<std::string>& args,
                                     std::ostream& out, std::ostream& err) {
  const bool no_args = args.empty();
  if (command == "scorecard" && no_args) return ScorecardCommand(s, out, err);
  if (command == "scorecards" && no_args) return ScorecardsCommand(s, out, err);
  if (command == "events" && no_args) return EventsCommand(s, out, err);
  if (command == "claims" && no_args) return ClaimsCommand(s, out, err);
  if (command == "series" && no_args) return SeriesCommand(s, out, err);
  if (command == "compare" && no_args) return CompareCommand(s, out, err);
  if (command == "history" && no_args) return HistoryCommand(s, out, err);
  if (command == "whatif" && no_args) return WhatIfCommand(s, out, err);
  if (command == "budget" && args.size() == 1 && args[0] == "list") {
    return BudgetListCommand(s, out, err);
  }
  if (command == "explain") return ExplainCommand(s, args, out, err);
  if (command == "assess") return AssessCommand(s, args, out, err);
  if (command == "scorecard" || command == "scorecards" ||
      command == "events" || command == "claims" || command == "series" ||
      command == "compare" || command == "history" || command == "whatif") {
    err << "fruitctl " << command << ": unexpected argument '" << args[0]
        << "'\n";
    return kUsage;
  }
  return std::nullopt;
}

}  // namespace fruition::fruitctl
