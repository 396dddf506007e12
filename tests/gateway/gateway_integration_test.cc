// The gateway against a real Kafka broker (tools/kafka-local) and real
// RocksDB, with fruition-gateway as a separate process. The test produces
// oversight events and scorecards as the reconciler and scoring would, and
// reads them back over gRPC (OversightService), HTTP and Server-Sent Events:
// scorecards as produced (the restricted view for overseers, the public view
// of `fruition.scores.public.v1` for everybody else), event streams that
// resume with the last cursor across a kill -9 and a restart, across
// replicas, and duplicates on the topics delivered once. Skipped, with the
// reason, where Java/Maven are missing.
//
// Every test names its events and units with its own nonce, so the shared
// broker's other data does not matter.
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fruition/v1/events.pb.h"
#include "fruition/v1/gateway.grpc.pb.h"
#include "fruition/v1/scores.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/common/kafka/admin.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/broker_suite.h"
#include "tests/harness/fixtures.h"
#include "tests/harness/harness.h"

namespace fruition {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Outgoing;
using testing::Process;

const std::string kOigToken = "gateway-it-oig-token";
const std::string kDeaToken = "gateway-it-dea-token";

// ---------------------------------------------------------------------------
// What the test produces.

struct Events {
  std::vector<std::string> units;
  std::vector<v1::OversightEvent> events;                // distinct
  std::map<std::string, std::set<std::string>> by_unit;  // unit -> ids
};

Events MakeEvents(const std::string& nonce, const std::string& tag, int n) {
  Events out;
  out.units = {StrCat("agency:GA-", nonce, "-", tag),
               StrCat("district:GB-", nonce, "-", tag),
               StrCat("field_office:GC-", nonce, "-", tag),
               StrCat("agency:GD-", nonce, "-", tag)};
  for (int i = 0; i < n; ++i) {
    const bool restricted = i % 3 == 2;
    const std::string& unit = out.units[(i * 5 + i / 7) % out.units.size()];
    v1::OversightEvent e;
    e.set_event_id(StrCat("ev-", nonce, "-", tag, "-", i));
    e.set_type(restricted ? v1::EVENT_TYPE_LINK_UNSUBSTANTIATED
                          : v1::EVENT_TYPE_FRUITION_GAP);
    e.set_condition_key(
        StrCat(v1::EventType_Name(e.type()), "/", unit, "/", i));
    e.set_severity(v1::SEVERITY_WARNING);
    e.set_visibility(restricted ? v1::VISIBILITY_RESTRICTED
                                : v1::VISIBILITY_PUBLIC);
    e.set_unit(unit);
    e.set_period(i % 2 == 0 ? "FY2016" : "FY2017Q2");
    if (restricted) e.set_subject_pid(privacy::Sha256Hex(e.event_id()));
    (*e.mutable_facts())["fruition_gap"] = 0.25 + i / 1000.0;
    e.mutable_emitted_at()->set_seconds(1700000000 + i);
    out.by_unit[unit].insert(e.event_id());
    out.events.push_back(std::move(e));
  }
  return out;
}

// Keyed by unit, on the topic of its visibility (SPEC §7).
Outgoing Record(const v1::OversightEvent& e) {
  return Outgoing{e.visibility() == v1::VISIBILITY_PUBLIC
                      ? std::string(topics::kOversightPublic)
                      : std::string(topics::kOversightRestricted),
                  e.unit(),
                  e.SerializeAsString(),
                  {}};
}

std::vector<Outgoing> Records(const std::vector<v1::OversightEvent>& events,
                              size_t begin, size_t end) {
  std::vector<Outgoing> out;
  for (size_t i = begin; i < end && i < events.size(); ++i) {
    out.push_back(Record(events[i]));
  }
  return out;
}

v1::Scorecard Card(const std::string& unit, const std::string& period,
                   int64_t revision) {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period(period);
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  c.set_revision(revision);
  c.set_scorecard_id(StrCat(unit, "/", period, "/", revision));
  const auto add = [&](const std::string& name, double value, int64_t n,
                       bool defined = true) {
    auto* i = c.add_indicators();
    i->set_name(name);
    i->set_value(value);
    i->set_n(n);
    i->set_defined(defined);
  };
  add("arrests", 100 + revision, 100 + revision);
  add("sentenced", 40, 40);
  add("lnf_share", 0.375, 40);
  add("mean_desert", 37.5, 4 + revision);  // small: suppressed for the public
  add("link_substantiation_rate", 0, 0, false);
  add("weighted_enforcement_value", 12.25, 40);
  return c;
}

// The public view scoring's disclosure stage publishes of Card(unit, period,
// revision): the small cell withheld (suppressed, value 0, n 0, defined
// false), its own id; every other revision lags the current facts.
v1::Scorecard PublicCard(const std::string& unit, const std::string& period,
                         int64_t revision) {
  v1::Scorecard c = Card(unit, period, revision);
  c.set_scorecard_id(StrCat("public/", c.scorecard_id()));
  c.set_public_view(true);
  c.set_lags_current(revision % 2 == 0);
  for (auto& i : *c.mutable_indicators()) {
    if (i.n() > 0 && i.n() < 11) {
      i.Clear();
      i.set_name("mean_desert");
      i.set_suppressed(true);
    }
  }
  return c;
}

// ---------------------------------------------------------------------------
// Event streams, one per unit: gRPC Subscribe or Server-Sent Events, each
// on a thread of its own until the server ends it or Close().

struct Got {
  std::string id;
  std::string cursor;
};

class Stream {
 public:
  virtual ~Stream() = default;
  virtual void Close() = 0;

  std::vector<Got> got() const {
    std::lock_guard<std::mutex> lock(mu_);
    return got_;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return got_.size();
  }
  bool ended() const { return ended_.load(); }

 protected:
  void Add(Got g) {
    std::lock_guard<std::mutex> lock(mu_);
    got_.push_back(std::move(g));
  }
  mutable std::mutex mu_;
  std::vector<Got> got_;
  std::atomic<bool> ended_{false};
};

class GrpcStream : public Stream {
 public:
  GrpcStream(int port, const std::string& unit, const std::string& after,
             size_t limit) {
    stub_ = v1::OversightService::NewStub(grpc::CreateChannel(
        StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    ctx_.AddMetadata("authorization", "Bearer " + kOigToken);
    v1::SubscribeRequest req;
    req.mutable_filter()->set_unit(unit);
    req.set_after(after);
    reader_ = stub_->Subscribe(&ctx_, req);
    thread_ = std::thread([this, limit] {
      v1::EventDelivery d;
      while ((limit == 0 || size() < limit) && reader_->Read(&d)) {
        Add(Got{d.event().event_id(), d.cursor()});
      }
      status_ = reader_->Finish();
      ended_ = true;
    });
  }
  ~GrpcStream() override { Close(); }
  void Close() override {
    ctx_.TryCancel();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::unique_ptr<v1::OversightService::Stub> stub_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<v1::EventDelivery>> reader_;
  grpc::Status status_;
  std::thread thread_;
};

class SseStream : public Stream {
 public:
  SseStream(int port, const std::string& unit, const std::string& after,
            size_t limit)
      : client_("127.0.0.1", port), limit_(limit) {
    client_.set_read_timeout(seconds(600));
    httplib::Headers headers = {{"Authorization", "Bearer " + kOigToken}};
    if (!after.empty()) headers.emplace("Last-Event-ID", after);
    thread_ = std::thread([this, headers, unit] {
      client_.Get(StrCat("/api/v1/events/stream?unit=", unit), headers,
                  [this](const char* data, size_t length) {
                    Receive(std::string(data, length));
                    return limit_ == 0 || size() < limit_;
                  });
      ended_ = true;
    });
  }
  ~SseStream() override { Close(); }
  void Close() override {
    client_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  // Whole events only: a block cut by the connection's end is not one.
  void Receive(const std::string& data) {
    buffer_ += data;
    while (limit_ == 0 || size() < limit_) {
      std::optional<fixtures::SseEvent> sse = fixtures::NextSseEvent(&buffer_);
      if (!sse.has_value()) break;
      Got g;
      g.cursor = sse->id;
      const std::string& json = sse->data;
      if (json.empty()) continue;  // a keepalive comment
      v1::OversightEvent e;
      const auto status = google::protobuf::util::JsonStringToMessage(json, &e);
      EXPECT_TRUE(status.ok()) << status << ": " << json;
      g.id = e.event_id();
      Add(std::move(g));
    }
  }

  httplib::Client client_;
  const size_t limit_;
  std::string buffer_;
  std::thread thread_;
};

enum class Kind { kGrpc, kSse };

// A stream of `unit`'s events for the overseer after `after`, from the
// gRPC or the HTTP port of `g`; it stops reading after `limit` events (0:
// never).
template <typename Gateway>
std::unique_ptr<Stream> Open(Kind kind, const Gateway& g,
                             const std::string& unit, const std::string& after,
                             size_t limit = 0) {
  if (kind == Kind::kGrpc) {
    return std::make_unique<GrpcStream>(g.grpc_port, unit, after, limit);
  }
  return std::make_unique<SseStream>(g.http_port, unit, after, limit);
}

// What one unit's streams received over reconnects.
struct Received {
  std::vector<std::string> ids;
  std::string cursor;  // of the last event received

  void Take(const std::vector<Got>& got) {
    for (const auto& g : got) {
      ids.push_back(g.id);
      cursor = g.cursor;
    }
  }
};

// The first problem with `received` against `want`, or "".
std::string Diff(const std::map<std::string, Received>& received,
                 const std::map<std::string, std::set<std::string>>& want) {
  for (const auto& [unit, ids] : want) {
    const auto it = received.find(unit);
    const std::vector<std::string> got =
        it == received.end() ? std::vector<std::string>{} : it->second.ids;
    std::set<std::string> seen;
    for (const auto& id : got) {
      if (!seen.insert(id).second) return StrCat(unit, ": ", id, " twice");
      if (ids.count(id) == 0) return StrCat(unit, ": unexpected ", id);
    }
    if (seen.size() != ids.size()) {
      for (const auto& id : ids) {
        if (seen.count(id) == 0) {
          return StrCat(unit, ": ", ids.size() - seen.size(), " missing, e.g. ",
                        id);
        }
      }
    }
  }
  return "";
}

// ---------------------------------------------------------------------------

class GatewayIntegrationTest
    : public testing::BrokerSuite<GatewayIntegrationTest> {
 protected:
  static void SetUpTestSuite() {
    // The audit topic too: the overseer's reads are recorded on it.
    SetUpBroker(testing::TopicSpecs({topics::kOversightPublic,
                                     topics::kOversightRestricted,
                                     topics::kScores, topics::kScoresPublic,
                                     topics::kAudit, topics::kReference}));
  }

  void SetUp() override {
    BrokerSuite::SetUp();
    if (IsSkipped()) return;
    nonce_ = testing::Nonce();
    dir_ = testing::NewTempDir("gateway");
    std::ofstream principals(dir_ + "/principals.yaml");
    principals << "principals:\n"
               << "  - code: OIG\n    kind: OVERSEER\n    token_sha256: "
               << privacy::Sha256Hex(kOigToken) << "\n"
               << "  - code: DEA\n    kind: AGENCY\n    token_sha256: "
               << privacy::Sha256Hex(kDeaToken) << "\n";
  }

  struct Gateway {
    std::string name;
    int grpc_port = 0;
    int http_port = 0;
    std::unique_ptr<Process> process;
  };

  // Starts (or restarts) gateway `g` on its data dir and ports; waits until
  // it serves.
  void Start(Gateway& g) {
    if (g.grpc_port == 0) g.grpc_port = testing::FreePort();
    if (g.http_port == 0) g.http_port = testing::FreePort();
    const std::vector<std::string> args = {
        "--kafka-bootstrap=" + bootstrap(),
        "--principals-file=" + dir_ + "/principals.yaml",
        "--data-dir=" + dir_ + "/" + g.name,
        StrCat("--grpc-listen=127.0.0.1:", g.grpc_port),
        StrCat("--metrics-listen=127.0.0.1:", testing::FreePort()),
        StrCat("--http-listen=127.0.0.1:", g.http_port),
        "--sse-keepalive-seconds=2"};
    const std::string log =
        StrCat(testing::OutputDir(), "/gateway-", nonce_, "-", g.name, ".log");
    auto process = Process::Start(
        testing::Runfile("services/gateway/fruition-gateway"), args, log);
    ASSERT_TRUE(process.ok()) << process.status();
    g.process = std::move(*process);
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          return testing::HealthStatus(StrCat("127.0.0.1:", g.grpc_port)) ==
                 "SERVING";
        },
        seconds(90)))
        << "gateway " << g.name << " did not become SERVING; log: " << log;
  }

  void KillNine(Gateway& g) {
    g.process->Signal(SIGKILL);
    ASSERT_TRUE(g.process->Wait(seconds(30)).has_value());
  }

  void ProduceOrFail(const std::vector<Outgoing>& records) {
    const absl::Status s = testing::Produce(bootstrap(), records);
    ASSERT_TRUE(s.ok()) << s;
  }

  std::unique_ptr<v1::OversightService::Stub> Stub(const Gateway& g) {
    return v1::OversightService::NewStub(grpc::CreateChannel(
        StrCat("127.0.0.1:", g.grpc_port), grpc::InsecureChannelCredentials()));
  }

  // Every event of `unit` that `g` lists for the overseer, paging by `limit`.
  std::vector<std::string> ListAll(const Gateway& g, const std::string& unit,
                                   int limit) {
    auto stub = Stub(g);
    std::vector<std::string> out;
    v1::ListOversightEventsRequest req;
    req.mutable_filter()->set_unit(unit);
    req.set_limit(limit);
    for (int guard = 0; guard < 100000; ++guard) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + kOigToken);
      v1::ListOversightEventsResponse r;
      if (!stub->ListEvents(&ctx, req, &r).ok()) return out;
      for (const auto& e : r.events()) out.push_back(e.event_id());
      if (r.events_size() == 0) return out;
      req.set_after(r.next());
    }
    return out;
  }

  // Waits until every unit's streams together hold `want`'s count.
  bool WaitForAll(const std::map<std::string, std::unique_ptr<Stream>>& streams,
                  const std::map<std::string, Received>& before,
                  const std::map<std::string, std::set<std::string>>& want) {
    return testing::WaitUntil(
        [&] {
          for (const auto& [unit, ids] : want) {
            const size_t had =
                before.count(unit) ? before.at(unit).ids.size() : 0;
            if (had + streams.at(unit)->size() < ids.size()) return false;
          }
          return true;
        },
        seconds(180), milliseconds(100));
  }

  // The kill -9 scenario for one kind of stream.
  void SurvivesKillNine(Kind kind);

  std::string nonce_;
  std::string dir_;
};

// ---------------------------------------------------------------------------

google::protobuf::Struct ParseStruct(const std::string& json) {
  google::protobuf::Struct s;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &s);
  EXPECT_TRUE(status.ok()) << status << ": " << json;
  return s;
}

TEST_F(GatewayIntegrationTest, ScorecardsAsProducedRestrictedOrPublicView) {
  const std::vector<std::string> units = {StrCat("agency:SA-", nonce_),
                                          StrCat("district:SB-", nonce_)};
  const std::vector<std::string> periods = {"FY2016", "FY2016Q3"};
  // Restricted only: its public view is not published.
  const std::string unpublished = StrCat("agency:SC-", nonce_);
  std::vector<Outgoing> records;
  std::map<std::pair<std::string, std::string>, v1::Scorecard> latest;
  std::map<std::pair<std::string, std::string>, v1::Scorecard> latest_public;
  for (int revision = 1; revision <= 3; ++revision) {
    for (const auto& u : units) {
      for (const auto& p : periods) {
        const v1::Scorecard c = Card(u, p, revision);
        records.push_back(Outgoing{
            std::string(topics::kScores), u, c.SerializeAsString(), {}});
        latest[{u, p}] = c;
        const v1::Scorecard pc = PublicCard(u, p, revision);
        records.push_back(Outgoing{
            std::string(topics::kScoresPublic), u, pc.SerializeAsString(), {}});
        latest_public[{u, p}] = pc;
      }
    }
  }
  records.push_back(Outgoing{std::string(topics::kScores),
                             unpublished,
                             Card(unpublished, "FY2016", 1).SerializeAsString(),
                             {}});
  ProduceOrFail(records);
  Gateway g{"g"};
  Start(g);
  auto stub = Stub(g);
  const auto get = [&](const std::string& token, const std::string& unit,
                       const std::string& period, v1::Scorecard* card) {
    grpc::ClientContext ctx;
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    v1::GetScorecardRequest req;
    req.set_unit(unit);
    req.set_period(period);
    return stub->GetScorecard(&ctx, req, card);
  };
  for (const auto& entry : latest) {
    const auto& key = entry.first;
    const v1::Scorecard& want = entry.second;
    v1::Scorecard card;
    EXPECT_TRUE(testing::WaitUntil(
        [&] {
          card.Clear();
          return get(kOigToken, key.first, key.second, &card).ok() &&
                 card.SerializeAsString() == want.SerializeAsString();
        },
        seconds(90)))
        << key.first << " " << key.second << ": " << card.ShortDebugString();
    // The public and an agency: the public view, as published.
    const v1::Scorecard& want_public = latest_public.at(key);
    for (const std::string& token : {std::string(), kDeaToken}) {
      v1::Scorecard pub;
      EXPECT_TRUE(testing::WaitUntil(
          [&] {
            pub.Clear();
            return get(token, key.first, key.second, &pub).ok() &&
                   pub.SerializeAsString() == want_public.SerializeAsString();
          },
          seconds(90)))
          << key.first << " " << key.second << ": " << pub.ShortDebugString();
    }
  }
  v1::Scorecard none;
  EXPECT_EQ(get("", units[0], "FY2019", &none).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::Scorecard restricted_only;
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        return get(kOigToken, unpublished, "FY2016", &restricted_only).ok();
      },
      seconds(90)));
  const grpc::Status not_yet = get("", unpublished, "FY2016", &none);
  EXPECT_EQ(not_yet.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(not_yet.error_message().find("no public figures yet"),
            std::string::npos)
      << not_yet.error_message();

  // HTTP, as SPEC §9 writes it.
  httplib::Client http("127.0.0.1", g.http_port);
  http.set_read_timeout(seconds(60));
  for (const auto& [key, want_restricted] : latest) {
    const std::string path =
        StrCat("/api/v1/scorecards?unit=", key.first, "&period=", key.second);
    for (bool overseer : {true, false}) {
      const v1::Scorecard& want =
          overseer ? want_restricted : latest_public.at(key);
      httplib::Headers headers;
      if (overseer) headers.emplace("Authorization", "Bearer " + kOigToken);
      auto res = http.Get(path, headers);
      ASSERT_TRUE(res) << path;
      ASSERT_EQ(res->status, 200) << res->body;
      const auto body = ParseStruct(res->body);
      const auto& f = body.fields();
      EXPECT_EQ(f.at("unit").string_value(), key.first);
      EXPECT_EQ(f.at("period").string_value(), key.second);
      EXPECT_EQ(f.at("scoreVersion").string_value(), "v1");
      EXPECT_EQ(f.at("criteriaVersion").string_value(), "v1");
      EXPECT_EQ(f.at("scorecardId").string_value(), want.scorecard_id());
      EXPECT_EQ(f.at("publicView").bool_value(), !overseer);
      if (overseer) {
        EXPECT_EQ(f.count("lagsCurrent"), 0u) << res->body;
      } else {
        ASSERT_EQ(f.count("lagsCurrent"), 1u) << res->body;
        EXPECT_EQ(f.at("lagsCurrent").bool_value(), want.lags_current());
      }
      const auto& cells = f.at("indicators").struct_value().fields();
      EXPECT_EQ(cells.size(), static_cast<size_t>(want.indicators_size()));
      const std::map<std::string, std::string> names = {
          {"arrests", "arrests"},
          {"sentenced", "sentenced"},
          {"lnf_share", "lnfShare"},
          {"mean_desert", "meanDesert"},
          {"link_substantiation_rate", "linkSubstantiationRate"},
          {"weighted_enforcement_value", "weightedEnforcementValue"}};
      for (const auto& w : want.indicators()) {
        const auto it = cells.find(names.at(w.name()));
        ASSERT_NE(it, cells.end()) << w.name() << ": " << res->body;
        const auto& cell = it->second.struct_value().fields();
        if (w.suppressed()) {
          // SPEC §5 D1: exactly {"suppressed": true}.
          EXPECT_EQ(cell.size(), 1u) << w.name() << ": " << res->body;
          EXPECT_TRUE(cell.at("suppressed").bool_value()) << w.name();
          continue;
        }
        EXPECT_EQ(cell.at("n").number_value(), static_cast<double>(w.n()));
        if (!w.defined()) {
          EXPECT_EQ(cell.size(), 2u) << w.name();
          EXPECT_FALSE(cell.at("defined").bool_value());
          EXPECT_EQ(cell.count("value"), 0u);
        } else {
          EXPECT_EQ(cell.size(), 2u) << w.name();
          ASSERT_EQ(cell.count("value"), 1u) << w.name();
          EXPECT_EQ(cell.at("value").number_value(), w.value()) << w.name();
        }
      }
    }
  }
  // The period's list holds this test's units, in order; the unpublished
  // one only for overseers.
  for (bool overseer : {false, true}) {
    httplib::Headers headers;
    if (overseer) headers.emplace("Authorization", "Bearer " + kOigToken);
    auto res = http.Get("/api/v1/scorecards?period=FY2016", headers);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
    std::vector<std::string> listed;
    const google::protobuf::Struct list = ParseStruct(res->body);
    for (const auto& v : list.fields().at("scorecards").list_value().values()) {
      const std::string unit =
          v.struct_value().fields().at("unit").string_value();
      if (unit.find(nonce_) != std::string::npos) listed.push_back(unit);
    }
    std::vector<std::string> want = {units[0]};
    if (overseer) want.push_back(unpublished);
    want.push_back(units[1]);
    EXPECT_EQ(listed, want) << (overseer ? "overseer" : "public");
  }
  // A missing card is a JSON 404; so is one without a public view yet.
  auto missing =
      http.Get(StrCat("/api/v1/scorecards?unit=", units[0], "&period=FY2019"));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("NOT_FOUND"), std::string::npos);
  auto unready = http.Get(
      StrCat("/api/v1/scorecards?unit=", unpublished, "&period=FY2016"));
  ASSERT_TRUE(unready);
  EXPECT_EQ(unready->status, 404);
  EXPECT_NE(unready->body.find("no public figures yet"), std::string::npos)
      << unready->body;
}

void GatewayIntegrationTest::SurvivesKillNine(Kind kind) {
  const Events ev = MakeEvents(nonce_, "k", testing::Scaled(400));
  const size_t n = ev.events.size();
  const size_t first = n * 3 / 10;
  const size_t while_running = n * 8 / 10;  // produced around the kill
  ProduceOrFail(Records(ev.events, 0, first));
  Gateway g{"g"};
  Start(g);
  std::map<std::string, std::unique_ptr<Stream>> streams;
  for (const auto& u : ev.units) streams[u] = Open(kind, g, u, "");
  const auto total = [&] {
    size_t t = 0;
    for (const auto& [u, s] : streams) t += s->size();
    return t;
  };
  // More events, in small batches, while the gateway streams them; the
  // gateway is killed half way through.
  std::atomic<bool> half{false};
  std::atomic<bool> produced{false};
  std::thread producer([&] {
    const size_t chunk = std::max<size_t>(1, (while_running - first) / 12);
    for (size_t at = first; at < while_running; at += chunk) {
      ProduceOrFail(
          Records(ev.events, at, std::min(while_running, at + chunk)));
      if (at + chunk >= (first + while_running) / 2) half = true;
    }
    produced = true;
  });
  EXPECT_TRUE(testing::WaitUntil([&] { return half.load() && total() > first; },
                                 seconds(120)));
  const bool producing = !produced.load();
  KillNine(g);
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        for (const auto& [u, s] : streams) {
          if (!s->ended()) return false;
        }
        return true;
      },
      seconds(60)))
      << "streams did not end when the gateway died";
  std::map<std::string, Received> received;
  for (auto& [u, s] : streams) {
    s->Close();
    received[u].Take(s->got());
  }
  producer.join();
  EXPECT_TRUE(produced.load());
  size_t before = 0;
  for (const auto& [u, r] : received) before += r.ids.size();
  EXPECT_GT(before, first);
  EXPECT_LT(before, n);
  std::cout << "killed after " << before << " of " << n
            << " events were received"
            << (producing ? ", while producing" : ", after producing") << "\n";

  // Restart on the same data; resume every unit with its last cursor; the
  // rest of the events is produced while connected.
  Start(g);
  for (const auto& u : ev.units) {
    streams[u] = Open(kind, g, u, received[u].cursor);
  }
  ProduceOrFail(Records(ev.events, while_running, n));
  const bool all = WaitForAll(streams, received, ev.by_unit);
  for (auto& [u, s] : streams) {
    s->Close();
    received[u].Take(s->got());
  }
  EXPECT_TRUE(all) << Diff(received, ev.by_unit);
  EXPECT_EQ(Diff(received, ev.by_unit), "");
  size_t after = 0;
  for (const auto& [u, r] : received) after += r.ids.size();
  EXPECT_EQ(after, n);
}

TEST_F(GatewayIntegrationTest, SubscribeResumesAcrossKillNineAndRestart) {
  SurvivesKillNine(Kind::kGrpc);
}

TEST_F(GatewayIntegrationTest, SseResumesWithLastEventIdAcrossKillNine) {
  SurvivesKillNine(Kind::kSse);
}

TEST_F(GatewayIntegrationTest, ASecondReplicaResumesAFirstReplicasCursor) {
  const Events ev = MakeEvents(nonce_, "r", testing::Scaled(240));
  const size_t n = ev.events.size();
  // a reads the first half before the second is produced; b reads them all
  // at once: their orders differ.
  ProduceOrFail(Records(ev.events, 0, n / 2));
  Gateway a{"a"};
  Start(a);
  std::map<std::string, size_t> half_by_unit;
  for (size_t i = 0; i < n / 2; ++i) ++half_by_unit[ev.events[i].unit()];
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        for (const auto& u : ev.units) {
          if (ListAll(a, u, 1000).size() < half_by_unit[u]) return false;
        }
        return true;
      },
      seconds(120)));
  ProduceOrFail(Records(ev.events, n / 2, n));
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        for (const auto& u : ev.units) {
          if (ListAll(a, u, 1000).size() < ev.by_unit.at(u).size()) {
            return false;
          }
        }
        return true;
      },
      seconds(120)));
  Gateway b{"b"};
  Start(b);

  for (Kind kind : {Kind::kGrpc, Kind::kSse}) {
    SCOPED_TRACE(kind == Kind::kGrpc ? "gRPC" : "SSE");
    // Part of each unit's events from a.
    std::map<std::string, Received> received;
    for (const auto& u : ev.units) {
      const size_t some = ev.by_unit.at(u).size() / 3 + 1;
      auto s = Open(kind, a, u, "", some);
      EXPECT_TRUE(
          testing::WaitUntil([&] { return s->size() >= some; }, seconds(120)));
      s->Close();
      received[u].Take(s->got());
      ASSERT_LT(received[u].ids.size(), ev.by_unit.at(u).size());
    }
    // The rest from b, after a's cursors.
    std::map<std::string, std::unique_ptr<Stream>> streams;
    for (const auto& u : ev.units) {
      streams[u] = Open(kind, b, u, received[u].cursor);
    }
    const bool all = WaitForAll(streams, received, ev.by_unit);
    for (auto& [u, s] : streams) {
      s->Close();
      received[u].Take(s->got());
    }
    EXPECT_TRUE(all) << Diff(received, ev.by_unit);
    EXPECT_EQ(Diff(received, ev.by_unit), "");
  }

  // ListEvents pages taken alternately from a and b.
  auto stubs = std::vector<std::unique_ptr<v1::OversightService::Stub>>();
  stubs.push_back(Stub(a));
  stubs.push_back(Stub(b));
  std::map<std::string, Received> listed;
  for (const auto& u : ev.units) {
    v1::ListOversightEventsRequest req;
    req.mutable_filter()->set_unit(u);
    req.set_limit(7);
    for (int k = 0; k < 100000; ++k) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + kOigToken);
      v1::ListOversightEventsResponse r;
      ASSERT_TRUE(stubs[k % 2]->ListEvents(&ctx, req, &r).ok());
      for (const auto& e : r.events()) listed[u].ids.push_back(e.event_id());
      if (r.events_size() == 0) break;
      req.set_after(r.next());
    }
  }
  EXPECT_EQ(Diff(listed, ev.by_unit), "");
}

TEST_F(GatewayIntegrationTest, DuplicatesOnTheTopicsAreDeliveredOnce) {
  const Events ev = MakeEvents(nonce_, "d", testing::Scaled(120));
  const size_t n = ev.events.size();
  // Every event twice, every fifth a third time later, as a replaying
  // reconciler writes them (same key, so the same partition).
  std::vector<Outgoing> records;
  for (size_t i = 0; i < n; ++i) {
    records.push_back(Record(ev.events[i]));
    records.push_back(Record(ev.events[i]));
    if (i >= 10 && (i - 10) % 5 == 0) {
      records.push_back(Record(ev.events[i - 10]));
    }
  }
  ProduceOrFail({records.begin(), records.begin() + records.size() / 2});
  Gateway g{"g"};
  Start(g);
  std::map<std::string, std::unique_ptr<Stream>> grpc_streams, sse_streams;
  for (const auto& u : ev.units) {
    grpc_streams[u] = Open(Kind::kGrpc, g, u, "");
    sse_streams[u] = Open(Kind::kSse, g, u, "");
  }
  ProduceOrFail({records.begin() + records.size() / 2, records.end()});
  // Replays of the whole history after it, then one last event per unit and
  // topic: once those arrive, every replay before them was read.
  std::vector<Outgoing> replays = Records(ev.events, 0, n);
  Events last;
  last.by_unit = ev.by_unit;
  for (const auto& u : ev.units) {
    for (auto v : {v1::VISIBILITY_PUBLIC, v1::VISIBILITY_RESTRICTED}) {
      v1::OversightEvent e = ev.events[0];
      e.set_event_id(StrCat("last-", nonce_, "-", u, "-", v));
      e.set_unit(u);
      e.set_visibility(v);
      replays.push_back(Record(e));
      last.by_unit[u].insert(e.event_id());
    }
  }
  ProduceOrFail(replays);
  for (auto* streams : {&grpc_streams, &sse_streams}) {
    std::map<std::string, Received> received;
    const bool all = WaitForAll(*streams, {}, last.by_unit);
    for (auto& [u, s] : *streams) {
      s->Close();
      received[u].Take(s->got());
    }
    EXPECT_TRUE(all) << Diff(received, last.by_unit);
    EXPECT_EQ(Diff(received, last.by_unit), "");
  }
  // ListEvents and HTTP: once each as well.
  std::map<std::string, Received> listed;
  for (const auto& u : ev.units) listed[u].ids = ListAll(g, u, 13);
  EXPECT_EQ(Diff(listed, last.by_unit), "");
  httplib::Client http("127.0.0.1", g.http_port);
  std::map<std::string, Received> pages;
  for (const auto& u : ev.units) {
    std::string after;
    for (int k = 0; k < 100000; ++k) {
      auto res =
          http.Get(StrCat("/api/v1/events?limit=11&unit=", u, "&after=", after),
                   {{"Authorization", "Bearer " + kOigToken}});
      ASSERT_TRUE(res);
      ASSERT_EQ(res->status, 200) << res->body;
      v1::ListOversightEventsResponse page;
      ASSERT_TRUE(
          google::protobuf::util::JsonStringToMessage(res->body, &page).ok());
      for (const auto& e : page.events()) pages[u].ids.push_back(e.event_id());
      if (page.events_size() == 0) break;
      after = page.next();
    }
  }
  EXPECT_EQ(Diff(pages, last.by_unit), "");
}

// Every version of both views is kept, once: after a kill -9 and the same
// cards produced again (a producer's replay), and on a fresh replica that
// rebuilds from the topics, the history is the same list of versions,
// with the Kafka timestamps as `at`; series read the latest cards.
TEST_F(GatewayIntegrationTest, HistoryKeepsEveryVersionOnceAcrossReplays) {
  const std::string unit = StrCat("district:SH-", nonce_);
  std::vector<Outgoing> records;
  for (int revision = 1; revision <= 4; ++revision) {
    for (const std::string period : {"FY2015", "FY2016"}) {
      records.push_back(
          Outgoing{std::string(topics::kScores),
                   unit,
                   Card(unit, period, revision).SerializeAsString(),
                   {}});
      if (revision % 2 == 0) {  // the public view changes half as often
        records.push_back(
            Outgoing{std::string(topics::kScoresPublic),
                     unit,
                     PublicCard(unit, period, revision).SerializeAsString(),
                     {}});
      }
    }
  }
  ProduceOrFail(records);
  httplib::Headers oig = {{"Authorization", "Bearer " + kOigToken}};
  const auto history = [&](const Gateway& g, const httplib::Headers& headers) {
    httplib::Client http("127.0.0.1", g.http_port);
    http.set_read_timeout(seconds(60));
    auto res = http.Get(
        StrCat("/api/v1/scorecards/history?unit=", unit, "&period=FY2016"),
        headers);
    std::vector<std::string> out;
    if (!res || res->status != 200) return out;
    const auto body = ParseStruct(res->body);
    for (const auto& v : body.fields().at("versions").list_value().values()) {
      const auto& f = v.struct_value().fields();
      out.push_back(StrCat(f.at("scorecardId").string_value(), "@",
                           f.at("at").string_value()));
    }
    return out;
  };
  Gateway g{"history"};
  Start(g);
  std::vector<std::string> restricted, pub;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        restricted = history(g, oig);
        pub = history(g, {});
        return restricted.size() >= 4 && pub.size() >= 2;
      },
      seconds(90)));
  ASSERT_EQ(restricted.size(), 4u);
  ASSERT_EQ(pub.size(), 2u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(restricted[i].rfind(StrCat(unit, "/FY2016/", i + 1, "@"), 0), 0u)
        << restricted[i];
  }
  EXPECT_EQ(pub[0].rfind(StrCat("public/", unit, "/FY2016/2@"), 0), 0u);
  EXPECT_EQ(pub[1].rfind(StrCat("public/", unit, "/FY2016/4@"), 0), 0u);

  // kill -9 and restart, then every card published again (a producer's
  // replay: the same cards at later offsets): no version is kept twice.
  KillNine(g);
  Start(g);
  ProduceOrFail(records);
  const std::string marker = StrCat("district:SM-", nonce_);
  ProduceOrFail({Outgoing{std::string(topics::kScores),
                          unit,
                          Card(marker, "FY2016", 1).SerializeAsString(),
                          {}}});
  // Once the card produced after the replay is read, so is the replay.
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        httplib::Client http("127.0.0.1", g.http_port);
        auto res = http.Get(
            StrCat("/api/v1/scorecards?unit=", marker, "&period=FY2016"), oig);
        return res && res->status == 200;
      },
      seconds(90)));
  EXPECT_EQ(history(g, oig), restricted);
  EXPECT_EQ(history(g, {}), pub);
  // A fresh replica rebuilds the same history from the topics.
  Gateway fresh{"history-fresh"};
  Start(fresh);
  std::vector<std::string> rebuilt;
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        rebuilt = history(fresh, oig);
        return rebuilt.size() >= 4;
      },
      seconds(90)));
  EXPECT_EQ(rebuilt, restricted);
  EXPECT_EQ(history(fresh, {}), pub);

  // The series of the latest cards: revision 4 of both years.
  httplib::Client http("127.0.0.1", fresh.http_port);
  auto res = http.Get(StrCat("/api/v1/series?unit=", unit,
                             "&indicator=arrests&from=FY2014&to=FY2016"),
                      oig);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const auto series = ParseStruct(res->body);
  const auto& points = series.fields().at("points").list_value().values();
  ASSERT_EQ(points.size(), 3);
  EXPECT_TRUE(points[0].struct_value().fields().at("noData").bool_value());
  for (int i = 1; i < 3; ++i) {
    EXPECT_EQ(points[i].struct_value().fields().at("value").number_value(), 104)
        << res->body;
  }
}

}  // namespace
}  // namespace fruition
