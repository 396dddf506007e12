// The gateway's HTTP API (services/gateway/http.h, SPEC §9) and its gRPC
// OversightService (services/gateway/server.h), in-process on free ports
// over views on a real RocksDB store fed Kafka records built by hand, with
// principals from YAML: an overseer (OIG), two agencies (DEA, FBI: each
// reads the restricted events about itself, SPEC §11) and a judiciary
// principal (USSC: reads no restricted event). No Kafka.
//
// Scorecards come in two views, each on its own topic: the restricted one
// (overseers) and the public one scoring's disclosure control wrote (SPEC §5
// D1–D4). The public view here differs on purpose from anything the gateway
// could make of the restricted card (other numbers, a complementary
// suppression, its own revision and id), so a test can tell which it got.
#include "services/gateway/http.h"

#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "fruition/v1/events.pb.h"
#include "fruition/v1/gateway.grpc.pb.h"
#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/common/kafka/consumer.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/server/audit.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "services/gateway/server.h"
#include "services/gateway/views.h"
#include "tests/harness/fixtures.h"

namespace fruition::gateway {
namespace {

using fixtures::FreshDir;
using fixtures::SseEvent;

using google::protobuf::Struct;
using google::protobuf::Value;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kPublic(topics::kOversightPublic);
const std::string kRestricted(topics::kOversightRestricted);
const std::string kScores(topics::kScores);
const std::string kScoresPublic(topics::kScoresPublic);
const std::string kReference(topics::kReference);
const std::string kOigToken = "oig-secret-token";
const std::string kDeaToken = "dea-secret-token";
const std::string kFbiToken = "fbi-secret-token";
// A principal that reads no restricted event at all (SPEC §1: JUDICIARY
// reads its own reports and public outputs).
const std::string kUsscToken = "ussc-secret-token";

// Polls `condition` until it holds or `timeout` passes.
bool WaitUntil(const std::function<bool()>& condition, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return condition();
}

v1::OversightEvent Event(const std::string& id, v1::EventType type,
                         v1::Visibility visibility, const std::string& unit,
                         const std::string& period, bool resolved = false) {
  v1::OversightEvent e;
  e.set_event_id(id);
  e.set_condition_key(StrCat(v1::EventType_Name(type), "/", unit, "/", period));
  e.set_type(type);
  e.set_severity(v1::SEVERITY_CRITICAL);
  e.set_visibility(visibility);
  e.set_unit(unit);
  e.set_period(period);
  e.set_resolved(resolved);
  if (visibility == v1::VISIBILITY_RESTRICTED) e.set_subject_pid("pid-" + id);
  (*e.mutable_facts())["fruition_gap"] = 0.375;
  (*e.mutable_facts())["sentenced"] = 40;
  e.add_evidence_refs("claim:CL-" + id);
  e.mutable_emitted_at()->set_seconds(1700000000);
  return e;
}

v1::Indicator* Add(v1::Scorecard* c, const std::string& name, double value,
                   int64_t n, bool defined = true) {
  auto* i = c->add_indicators();
  i->set_name(name);
  i->set_value(value);
  i->set_n(n);
  i->set_defined(defined);
  return i;
}

v1::Scorecard Card(const std::string& unit, const std::string& period) {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period(period);
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  c.set_scorecard_id("sc-" + unit + "-" + period);
  c.set_revision(4);
  Add(&c, "arrests", 412, 412);
  Add(&c, "lnf_share", 0.31, 118);
  Add(&c, "mean_desert", 42.5, 7);
  Add(&c, "link_substantiation_rate", 0, 0, false);
  Add(&c, "pto_linked_arrests_claimed", 10, 10);
  Add(&c, "sentenced", 11, 11);
  Add(&c, "fruition_gap", -0.125, 118);
  Add(&c, "lnf_cost_usd", 1234567.5, 40);
  Add(&c, "target_ratio:PERFORMANCE_MEASURE_PTO_DISMANTLED", 1.5, 3);
  return c;
}

// The public view of Card(unit, period) as scoring's disclosure stage
// publishes it: small cells withheld, the gap too (derivable from the two
// shares: a complementary suppression the gateway could not have made), its
// own revision and id, and figures that rest on older facts (412 arrests
// now, 410 when it was published).
v1::Scorecard PublicCard(const std::string& unit, const std::string& period,
                         bool lags = true) {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period(period);
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  c.set_scorecard_id("pub-" + unit + "-" + period);
  c.set_revision(2);
  c.set_public_view(true);
  c.set_lags_current(lags);
  const auto withheld = [&](const std::string& name) {
    auto* i = c.add_indicators();
    i->set_name(name);
    i->set_suppressed(true);
  };
  Add(&c, "arrests", 410, 410);
  Add(&c, "lnf_share", 0.31, 118);
  withheld("mean_desert");
  Add(&c, "link_substantiation_rate", 0, 0, false);
  withheld("pto_linked_arrests_claimed");
  Add(&c, "sentenced", 11, 11);
  withheld("fruition_gap");
  Add(&c, "lnf_cost_usd", 1234567.5, 40);
  withheld("target_ratio:PERFORMANCE_MEASURE_PTO_DISMANTLED");
  return c;
}

Struct ParseStruct(const std::string& json) {
  Struct s;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &s);
  EXPECT_TRUE(status.ok()) << status << ": " << json;
  return s;
}

// A JSON cell as "key=value,..." sorted by key: the exact shape.
std::string CellText(const Value& cell) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : cell.struct_value().fields()) {
    if (v.kind_case() == Value::kBoolValue) {
      parts.push_back(StrCat(k, "=", v.bool_value() ? "true" : "false"));
    } else if (v.kind_case() == Value::kNumberValue) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.15g", v.number_value());
      parts.push_back(StrCat(k, "=", buf));
    } else {
      parts.push_back(StrCat(k, "=?"));
    }
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

std::map<std::string, std::string> Cells(const Struct& card) {
  std::map<std::string, std::string> out;
  const auto it = card.fields().find("indicators");
  if (it == card.fields().end()) return out;
  for (const auto& [k, v] : it->second.struct_value().fields()) {
    out[k] = CellText(v);
  }
  return out;
}

const std::map<std::string, std::string>& OverseerCells() {
  static const auto* m = new std::map<std::string, std::string>{
      {"arrests", "n=412,value=412"},
      {"lnfShare", "n=118,value=0.31"},
      {"meanDesert", "n=7,value=42.5"},
      {"linkSubstantiationRate", "defined=false,n=0"},
      {"ptoLinkedArrestsClaimed", "n=10,value=10"},
      {"sentenced", "n=11,value=11"},
      {"fruitionGap", "n=118,value=-0.125"},
      {"lnfCostUsd", "n=40,value=1234567.5"},
      {"targetRatio:PERFORMANCE_MEASURE_PTO_DISMANTLED", "n=3,value=1.5"},
  };
  return *m;
}

// PublicCard's cells: a withheld one is exactly {"suppressed":true}.
const std::map<std::string, std::string>& PublicCells() {
  static const auto* m = new std::map<std::string, std::string>{
      {"arrests", "n=410,value=410"},
      {"lnfShare", "n=118,value=0.31"},
      {"meanDesert", "suppressed=true"},
      {"linkSubstantiationRate", "defined=false,n=0"},
      {"ptoLinkedArrestsClaimed", "suppressed=true"},
      {"sentenced", "n=11,value=11"},
      {"fruitionGap", "suppressed=true"},
      {"lnfCostUsd", "n=40,value=1234567.5"},
      {"targetRatio:PERFORMANCE_MEASURE_PTO_DISMANTLED", "suppressed=true"},
  };
  return *m;
}

// A field of a JSON object as text: "<absent>", "true", "false", or the
// string.
std::string Field(const Struct& s, const std::string& field) {
  const auto it = s.fields().find(field);
  if (it == s.fields().end()) return "<absent>";
  if (it->second.kind_case() == Value::kBoolValue) {
    return it->second.bool_value() ? "true" : "false";
  }
  return it->second.string_value();
}

std::string Str(const Struct& s, const std::string& field) {
  const auto it = s.fields().find(field);
  return it == s.fields().end() ? "<absent>" : it->second.string_value();
}

// One Server-Sent Event.
// Reads an SSE stream on a thread of its own until Stop(), or until
// `stop_after` events (then it disconnects by itself).
class SseClient {
 public:
  SseClient(int port, const std::string& path, const httplib::Headers& headers,
            size_t stop_after = 0)
      : client_("127.0.0.1", port), stop_after_(stop_after) {
    client_.set_read_timeout(seconds(300));
    thread_ = std::thread([this, path, headers] {
      auto result =
          client_.Get(path, headers, [this](const char* data, size_t length) {
            std::lock_guard<std::mutex> lock(mu_);
            buffer_.append(data, length);
            while (std::optional<SseEvent> e =
                       fixtures::NextSseEvent(&buffer_)) {
              if (!e->data.empty()) events_.push_back(*std::move(e));
            }
            return stop_after_ == 0 || events_.size() < stop_after_;
          });
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    });
  }
  ~SseClient() { Stop(); }

  void Stop() {
    client_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::vector<SseEvent> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.size();
  }
  bool done() const {
    std::lock_guard<std::mutex> lock(mu_);
    return done_;
  }

 private:
  httplib::Client client_;
  const size_t stop_after_;
  mutable std::mutex mu_;
  std::string buffer_;
  std::vector<SseEvent> events_;
  bool done_ = false;
  std::thread thread_;
};

v1::OversightEvent FromJson(const std::string& json) {
  v1::OversightEvent e;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &e);
  EXPECT_TRUE(status.ok()) << status << ": " << json;
  return e;
}

class GatewayApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir("api");
    auto store = store::KvStore::Open(dir_, Tables());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    views_ = std::make_unique<Views>(
        store_.get(),
        ViewTopics{kPublic, kRestricted, kScores, kScoresPublic, kReference});
    const std::string yaml = StrCat(
        "principals:\n"
        "  - code: OIG\n"
        "    kind: OVERSEER\n"
        "    token_sha256: ",
        privacy::Sha256Hex(kOigToken),
        "\n"
        "  - code: DEA\n"
        "    kind: AGENCY\n"
        "    token_sha256: ",
        privacy::Sha256Hex(kDeaToken),
        "\n"
        "  - code: FBI\n"
        "    kind: AGENCY\n"
        "    token_sha256: ",
        privacy::Sha256Hex(kFbiToken),
        "\n"
        "  - code: USSC\n"
        "    kind: JUDICIARY\n"
        "    token_sha256: ",
        privacy::Sha256Hex(kUsscToken), "\n");
    auto principals = auth::PrincipalRegistry::FromYaml(yaml, "test");
    ASSERT_TRUE(principals.ok()) << principals.status();
    principals_ = std::make_unique<auth::PrincipalRegistry>(*principals);
    service_ = std::make_unique<OversightServiceImpl>(
        views_.get(), principals_.get(), &trail_, &draining_);

    HttpOptions options;
    options.listen = "127.0.0.1:0";
    options.max_streams = 16;
    options.keepalive = seconds(1);
    auto http = HttpApi::Start(options, service_.get(), views_.get(),
                               principals_.get(), &trail_, &draining_);
    ASSERT_TRUE(http.ok()) << http.status();
    http_ = std::move(*http);
    ASSERT_GT(http_->port(), 0);

    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &grpc_port_);
    builder.RegisterService(service_.get());
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(server::RefusalAuditor(principals_.get(), &trail_));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    grpc_ = builder.BuildAndStart();
    ASSERT_NE(grpc_, nullptr);
    ASSERT_GT(grpc_port_, 0);
    stub_ = v1::OversightService::NewStub(grpc::CreateChannel(
        StrCat("127.0.0.1:", grpc_port_), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    draining_ = true;
    if (grpc_ != nullptr) {
      grpc_->Shutdown(std::chrono::system_clock::now() + seconds(10));
    }
    if (http_ != nullptr) http_->Stop();
    http_.reset();
    grpc_.reset();
    service_.reset();
    views_.reset();
    store_.reset();
  }

  // Appends records to the topics' logs and commits them to the views.
  void Feed(const std::vector<std::pair<std::string, std::string>>& records,
            int32_t partition_of_restricted = 1) {
    std::vector<kafka::Record> batch;
    for (const auto& [topic, value] : records) {
      kafka::Record r;
      r.topic = topic;
      r.partition = topic == kRestricted ? partition_of_restricted : 0;
      r.offset = next_[{topic, r.partition}]++;
      r.timestamp_ms = 1700000000000 + r.offset * 1000;
      r.value = value;
      batch.push_back(std::move(r));
    }
    stream::Applied applied;
    const absl::Status s =
        stream::ApplyAndCommit(*views_, *store_, batch, {}, {}, &applied);
    ASSERT_TRUE(s.ok()) << s;
  }
  void FeedEvents(const std::vector<v1::OversightEvent>& events) {
    std::vector<std::pair<std::string, std::string>> records;
    for (const auto& e : events) {
      records.emplace_back(
          e.visibility() == v1::VISIBILITY_PUBLIC ? kPublic : kRestricted,
          e.SerializeAsString());
      all_.push_back(e);
    }
    Feed(records);
  }
  // Public views to their topic, restricted cards to theirs.
  void FeedCards(const std::vector<v1::Scorecard>& cards) {
    std::vector<std::pair<std::string, std::string>> records;
    records.reserve(cards.size());
    for (const auto& c : cards) {
      records.emplace_back(c.public_view() ? kScoresPublic : kScores,
                           c.SerializeAsString());
    }
    Feed(records);
  }
  // Both views of each unit-period.
  void FeedBothViews(
      const std::vector<std::pair<std::string, std::string>>& unit_periods) {
    std::vector<v1::Scorecard> cards;
    for (const auto& [unit, period] : unit_periods) {
      cards.push_back(Card(unit, period));
      cards.push_back(PublicCard(unit, period));
    }
    FeedCards(cards);
  }

  // `n` events, one in three RESTRICTED, over two units and periods, fed in
  // batches of 7 alternating between the topics.
  void FeedStandard(int n = 60, const std::string& prefix = "ev") {
    std::vector<v1::OversightEvent> batch;
    for (int i = 0; i < n; ++i) {
      const bool restricted = i % 3 == 1;
      batch.push_back(
          Event(StrCat(prefix, "-", i),
                restricted ? (i % 2 == 0 ? v1::EVENT_TYPE_TIER_MISMATCH
                                         : v1::EVENT_TYPE_LINK_UNSUBSTANTIATED)
                           : (i % 2 == 0 ? v1::EVENT_TYPE_TARGET_OVERSHOOT
                                         : v1::EVENT_TYPE_FRUITION_GAP),
                restricted ? v1::VISIBILITY_RESTRICTED : v1::VISIBILITY_PUBLIC,
                i % 4 < 2 ? "agency:DEA" : "district:EDPA",
                i % 5 < 3 ? "FY2016" : "FY2016Q2", i % 7 == 0));
      if (batch.size() == 7) {
        FeedEvents(batch);
        batch.clear();
      }
    }
    FeedEvents(batch);
  }

  // The ids of the fed events a caller may see and `keep` selects, in the
  // order fed.
  std::vector<std::string> Want(
      bool overseer,
      const std::function<bool(const v1::OversightEvent&)>& keep =
          nullptr) const {
    std::vector<std::string> out;
    for (const auto& e : all_) {
      if (!overseer && e.visibility() != v1::VISIBILITY_PUBLIC) continue;
      if (keep && !keep(e)) continue;
      out.push_back(e.event_id());
    }
    return out;
  }

  httplib::Result Get(const std::string& path, const std::string& token = "") {
    httplib::Client client("127.0.0.1", http_->port());
    client.set_read_timeout(seconds(60));
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client.Get(path, headers);
  }

  // GET `path` expecting 200 and JSON; the parsed body.
  Struct GetJson(const std::string& path, const std::string& token = "") {
    auto res = Get(path, token);
    EXPECT_TRUE(res) << path;
    if (!res) return Struct();
    EXPECT_EQ(res->status, 200) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json")
        << path;
    return ParseStruct(res->body);
  }

  // GET `path` expecting the JSON error `status`/`code`; its message.
  std::string ExpectError(const std::string& path, const std::string& token,
                          int status, const std::string& code) {
    auto res = Get(path, token);
    EXPECT_TRUE(res) << path;
    if (!res) return "";
    EXPECT_EQ(res->status, status) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    const Struct body = ParseStruct(res->body);
    const auto it = body.fields().find("error");
    EXPECT_NE(it, body.fields().end()) << res->body;
    if (it == body.fields().end()) return "";
    EXPECT_EQ(Str(it->second.struct_value(), "code"), code) << res->body;
    return Str(it->second.struct_value(), "message");
  }

  // Every page of /api/v1/events from `query`, `limit` at a time.
  std::vector<std::string> HttpPages(const std::string& query, int limit,
                                     const std::string& token) {
    std::vector<std::string> out;
    std::string after;
    for (int guard = 0; guard < 10000; ++guard) {
      auto res = Get(
          StrCat("/api/v1/events?", query, "&limit=", limit, "&after=", after),
          token);
      EXPECT_TRUE(res);
      if (!res) return out;
      EXPECT_EQ(res->status, 200) << res->body;
      v1::ListOversightEventsResponse page;
      EXPECT_TRUE(
          google::protobuf::util::JsonStringToMessage(res->body, &page).ok())
          << res->body;
      EXPECT_LE(page.events_size(), limit);
      EXPECT_FALSE(page.next().empty());
      for (const auto& e : page.events()) out.push_back(e.event_id());
      if (page.events_size() == 0 && page.next() == after) return out;
      after = page.next();
    }
    ADD_FAILURE() << "paging did not end";
    return out;
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->set_deadline(std::chrono::system_clock::now() + seconds(120));
    return ctx;
  }

  std::string dir_;
  std::unique_ptr<store::KvStore> store_;
  std::unique_ptr<Views> views_;
  std::unique_ptr<auth::PrincipalRegistry> principals_;
  std::atomic<bool> draining_{false};
  audit::MemoryTrail trail_;
  std::unique_ptr<OversightServiceImpl> service_;
  std::unique_ptr<HttpApi> http_;
  std::unique_ptr<grpc::Server> grpc_;
  int grpc_port_ = 0;
  std::unique_ptr<v1::OversightService::Stub> stub_;
  std::map<std::pair<std::string, int32_t>, int64_t> next_;
  std::vector<v1::OversightEvent> all_;
};

std::vector<std::string> Ids(const std::vector<SseEvent>& events) {
  std::vector<std::string> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back(FromJson(e.data).event_id());
  return out;
}

// ---------------------------------------------------------------------------
// HTTP: scorecards and units.

TEST_F(GatewayApiTest, HttpScorecardIsThePublicViewForThePublic) {
  FeedCards({Card("agency:DEA", "FY2016"), PublicCard("agency:DEA", "FY2016")});
  const std::string path = "/api/v1/scorecards?unit=agency:DEA&period=FY2016";
  for (const auto& [token, who] :
       std::vector<std::pair<std::string, std::string>>{
           {kOigToken, "overseer"}, {"", "public"}, {kDeaToken, "agency"}}) {
    const bool overseer = who == "overseer";
    const Struct card = GetJson(path, token);
    EXPECT_EQ(Str(card, "unit"), "agency:DEA") << who;
    EXPECT_EQ(Str(card, "period"), "FY2016") << who;
    EXPECT_EQ(Str(card, "scoreVersion"), "v1") << who;
    EXPECT_EQ(Str(card, "criteriaVersion"), "v1") << who;
    ASSERT_EQ(card.fields().count("indicators"), 1u) << who;
    EXPECT_EQ(card.fields().at("indicators").kind_case(), Value::kStructValue);
    // The public reads the card of the public topic as published, not a
    // copy of the restricted one with cells suppressed.
    EXPECT_EQ(Cells(card), overseer ? OverseerCells() : PublicCells()) << who;
    EXPECT_EQ(Str(card, "scorecardId"),
              overseer ? "sc-agency:DEA-FY2016" : "pub-agency:DEA-FY2016")
        << who;
    EXPECT_EQ(Str(card, "revision"), overseer ? "4" : "2") << who;
    EXPECT_EQ(Field(card, "publicView"), overseer ? "false" : "true") << who;
    EXPECT_EQ(Field(card, "lagsCurrent"), overseer ? "<absent>" : "true")
        << who;
  }
  // The raw text: a withheld cell is exactly {"suppressed":true} (SPEC §5
  // D1), and never carries its value or its n.
  auto res = Get(path);
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find("\"meanDesert\":{\"suppressed\":true}"),
            std::string::npos)
      << res->body;
  EXPECT_NE(res->body.find("\"fruitionGap\":{\"suppressed\":true}"),
            std::string::npos)
      << res->body;
  EXPECT_NE(res->body.find("\"lagsCurrent\":true"), std::string::npos)
      << res->body;
  EXPECT_EQ(res->body.find("42.5"), std::string::npos) << res->body;
  EXPECT_EQ(res->body.find("-0.125"), std::string::npos) << res->body;
  EXPECT_EQ(res->body.find("mean_desert"), std::string::npos);

  // A public view that is current says so.
  FeedCards({PublicCard("agency:DEA", "FY2016", /*lags=*/false)});
  const Struct current = GetJson(path);
  EXPECT_EQ(Field(current, "publicView"), "true");
  EXPECT_EQ(Field(current, "lagsCurrent"), "false");
  EXPECT_EQ(Cells(current), PublicCells());
}

TEST_F(GatewayApiTest, HttpWithheldCellCarriesNothingButSuppressed) {
  // A public view whose withheld cell still holds numbers (scoring should
  // not write that): the answer holds none of them all the same.
  v1::Scorecard pub = PublicCard("agency:DEA", "FY2016");
  for (auto& i : *pub.mutable_indicators()) {
    if (i.name() == "mean_desert") {
      i.set_value(42.5);
      i.set_n(7);
      i.set_defined(true);
    }
  }
  FeedCards({Card("agency:DEA", "FY2016"), pub});
  auto res = Get("/api/v1/scorecards?unit=agency:DEA&period=FY2016");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_NE(res->body.find("\"meanDesert\":{\"suppressed\":true}"),
            std::string::npos)
      << res->body;
  EXPECT_EQ(res->body.find("42.5"), std::string::npos) << res->body;
  EXPECT_EQ(Cells(ParseStruct(res->body)), PublicCells());
  auto list = Get("/api/v1/scorecards?period=FY2016");
  ASSERT_TRUE(list);
  EXPECT_NE(list->body.find("\"meanDesert\":{\"suppressed\":true}"),
            std::string::npos)
      << list->body;
  EXPECT_EQ(list->body.find("42.5"), std::string::npos) << list->body;
  // gRPC: value, n and defined cleared.
  v1::GetScorecardRequest req;
  req.set_unit("agency:DEA");
  req.set_period("FY2016");
  v1::Scorecard card;
  auto ctx = Context("");
  ASSERT_TRUE(stub_->GetScorecard(ctx.get(), req, &card).ok());
  EXPECT_EQ(card.SerializeAsString(),
            PublicCard("agency:DEA", "FY2016").SerializeAsString())
      << card.ShortDebugString();
}

TEST_F(GatewayApiTest, HttpPublicHasNothingUntilThePublicViewIsPublished) {
  FeedCards({Card("agency:DEA", "FY2016"), Card("agency:FBI", "FY2016"),
             PublicCard("agency:FBI", "FY2016")});
  const std::string path = "/api/v1/scorecards?unit=agency:DEA&period=FY2016";
  for (const std::string& token : {std::string(), kDeaToken}) {
    const std::string message = ExpectError(path, token, 404, "NOT_FOUND");
    EXPECT_NE(message.find("no public figures yet"), std::string::npos)
        << message;
    EXPECT_NE(message.find("agency:DEA"), std::string::npos) << message;
  }
  EXPECT_EQ(Cells(GetJson(path, kOigToken)), OverseerCells());
  // Lists and units omit it for the public.
  const auto units = [](const Struct& body, const std::string& field) {
    std::vector<std::string> out;
    for (const auto& v : body.fields().at(field).list_value().values()) {
      out.push_back(v.kind_case() == Value::kStringValue
                        ? v.string_value()
                        : Str(v.struct_value(), "unit"));
    }
    return out;
  };
  EXPECT_EQ(units(GetJson("/api/v1/scorecards?period=FY2016"), "scorecards"),
            (std::vector<std::string>{"agency:FBI"}));
  EXPECT_EQ(units(GetJson("/api/v1/scorecards?period=FY2016", kDeaToken),
                  "scorecards"),
            (std::vector<std::string>{"agency:FBI"}));
  EXPECT_EQ(units(GetJson("/api/v1/scorecards?period=FY2016", kOigToken),
                  "scorecards"),
            (std::vector<std::string>{"agency:DEA", "agency:FBI"}));
  EXPECT_EQ(units(GetJson("/api/v1/units"), "units"),
            (std::vector<std::string>{"agency:FBI"}));
  EXPECT_EQ(units(GetJson("/api/v1/units", kOigToken), "units"),
            (std::vector<std::string>{"agency:DEA", "agency:FBI"}));
  // gRPC alike.
  v1::GetScorecardRequest req;
  req.set_unit("agency:DEA");
  req.set_period("FY2016");
  v1::Scorecard card;
  auto ctx = Context("");
  const grpc::Status st = stub_->GetScorecard(ctx.get(), req, &card);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(st.error_message().find("no public figures yet"), std::string::npos)
      << st.error_message();
  // Once published, the public reads it.
  FeedCards({PublicCard("agency:DEA", "FY2016")});
  EXPECT_EQ(Cells(GetJson(path)), PublicCells());
  EXPECT_EQ(units(GetJson("/api/v1/scorecards?period=FY2016"), "scorecards"),
            (std::vector<std::string>{"agency:DEA", "agency:FBI"}));
}

TEST_F(GatewayApiTest, HttpScorecardsByPeriodAndErrors) {
  FeedBothViews({{"agency:DEA", "FY2016"},
                 {"district:EDPA", "FY2016"},
                 {"agency:FBI", "FY2016"},
                 {"agency:DEA", "FY2017"}});

  const auto units = [](const Struct& list) {
    std::vector<std::string> out;
    for (const auto& v : list.fields().at("scorecards").list_value().values()) {
      out.push_back(Str(v.struct_value(), "unit"));
    }
    return out;
  };
  const Struct pub = GetJson("/api/v1/scorecards?period=FY2016");
  ASSERT_EQ(pub.fields().count("scorecards"), 1u);
  EXPECT_EQ(units(pub), (std::vector<std::string>{"agency:DEA", "agency:FBI",
                                                  "district:EDPA"}));
  for (const auto& v : pub.fields().at("scorecards").list_value().values()) {
    EXPECT_EQ(Cells(v.struct_value()), PublicCells());
    EXPECT_EQ(Str(v.struct_value(), "period"), "FY2016");
    EXPECT_EQ(Field(v.struct_value(), "publicView"), "true");
    EXPECT_EQ(Field(v.struct_value(), "lagsCurrent"), "true");
  }
  const Struct full = GetJson("/api/v1/scorecards?period=FY2016", kOigToken);
  for (const auto& v : full.fields().at("scorecards").list_value().values()) {
    EXPECT_EQ(Cells(v.struct_value()), OverseerCells());
    EXPECT_EQ(Field(v.struct_value(), "publicView"), "false");
  }
  EXPECT_EQ(units(GetJson("/api/v1/scorecards?period=FY2016&unitKind=agency")),
            (std::vector<std::string>{"agency:DEA", "agency:FBI"}));
  EXPECT_EQ(units(GetJson("/api/v1/scorecards?period=FY2017")),
            (std::vector<std::string>{"agency:DEA"}));
  EXPECT_TRUE(units(GetJson("/api/v1/scorecards?period=FY2015")).empty());

  // Errors: JSON, with the status and a message naming the field.
  const std::string missing =
      ExpectError("/api/v1/scorecards?unit=agency:NOPE&period=FY2016", "", 404,
                  "NOT_FOUND");
  EXPECT_NE(missing.find("agency:NOPE"), std::string::npos) << missing;
  EXPECT_EQ(ExpectError("/api/v1/scorecards?unit=DEA&period=FY2016", "", 400,
                        "INVALID_ARGUMENT")
                .rfind("unit", 0),
            0u);
  EXPECT_EQ(ExpectError("/api/v1/scorecards?unit=agency:DEA&period=2016", "",
                        400, "INVALID_ARGUMENT")
                .rfind("period", 0),
            0u);
  EXPECT_EQ(ExpectError("/api/v1/scorecards?period=someday", kOigToken, 400,
                        "INVALID_ARGUMENT")
                .rfind("period", 0),
            0u);
  EXPECT_EQ(ExpectError("/api/v1/scorecards?period=FY2016&unitKind=planet", "",
                        400, "INVALID_ARGUMENT")
                .rfind("unit_kind", 0),
            0u);
  ExpectError("/api/v1/scorecards?unit=agency:DEA&period=FY2016", "wrong", 401,
              "UNAUTHENTICATED");
}

TEST_F(GatewayApiTest, HttpUnitsListsEveryUnitAndPeriod) {
  FeedBothViews({{"agency:DEA", "FY2016"},
                 {"district:EDPA", "FY2017Q3"},
                 {"agency:DEA", "FY2017Q3"}});
  // Restricted only (the public view is not published yet): overseers only.
  FeedCards({Card("area:PHL-KENSINGTON", "FY2018")});
  const auto lists = [&](const std::string& token) {
    const Struct body = GetJson("/api/v1/units", token);
    std::vector<std::string> units, periods;
    for (const auto& v : body.fields().at("units").list_value().values()) {
      units.push_back(v.string_value());
    }
    for (const auto& v : body.fields().at("periods").list_value().values()) {
      periods.push_back(v.string_value());
    }
    return std::make_pair(units, periods);
  };
  for (const std::string& token : {std::string(), kDeaToken}) {
    const auto [units, periods] = lists(token);
    EXPECT_EQ(units, (std::vector<std::string>{"agency:DEA", "district:EDPA"}));
    EXPECT_EQ(periods, (std::vector<std::string>{"FY2016", "FY2017Q3"}));
  }
  const auto [units, periods] = lists(kOigToken);
  EXPECT_EQ(units, (std::vector<std::string>{
                       "agency:DEA", "area:PHL-KENSINGTON", "district:EDPA"}));
  EXPECT_EQ(periods,
            (std::vector<std::string>{"FY2016", "FY2017Q3", "FY2018"}));
  ExpectError("/api/v1/units", "wrong", 401, "UNAUTHENTICATED");
}

TEST_F(GatewayApiTest, HttpUnitsIsEmptyListsWithoutData) {
  const Struct body = GetJson("/api/v1/units");
  ASSERT_EQ(body.fields().count("units"), 1u);
  ASSERT_EQ(body.fields().count("periods"), 1u);
  EXPECT_EQ(body.fields().at("units").list_value().values_size(), 0);
  EXPECT_EQ(body.fields().at("periods").list_value().values_size(), 0);
}

TEST_F(GatewayApiTest, DashboardIsHtml) {
  auto res = Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type").rfind("text/html", 0), 0u)
      << res->get_header_value("Content-Type");
  EXPECT_FALSE(res->body.empty());
  // With credentials as well; an unknown page is a JSON 404.
  auto with = Get("/", kOigToken);
  ASSERT_TRUE(with);
  EXPECT_EQ(with->status, 200);
  ExpectError("/no-such-page.html", "", 404, "NOT_FOUND");
}

TEST_F(GatewayApiTest, CataloguesArePublicAndCacheable) {
  for (const std::string& token : {std::string(), kOigToken}) {
    auto indicators = Get("/api/v1/catalogue/indicators", token);
    ASSERT_TRUE(indicators);
    EXPECT_EQ(indicators->status, 200);
    EXPECT_EQ(indicators->get_header_value("Cache-Control"),
              "public, max-age=300");
    const Struct body = GetJson("/api/v1/catalogue/indicators", token);
    const auto& list = body.fields().at("indicators").list_value().values();
    ASSERT_FALSE(list.empty());
    EXPECT_EQ(list[0].struct_value().fields().at("name").string_value(),
              "arrests");
    EXPECT_EQ(list[0].struct_value().fields().at("label").string_value(),
              "Arrests");
    const Struct events = GetJson("/api/v1/catalogue/events", token);
    bool gap = false;
    for (const auto& e : events.fields().at("events").list_value().values()) {
      const auto& f = e.struct_value().fields();
      if (f.at("type").string_value() == "EVENT_TYPE_FRUITION_GAP") {
        gap = true;
        EXPECT_NE(f.at("headline").string_value().find("25 points"),
                  std::string::npos);
      }
    }
    EXPECT_TRUE(gap);
    EXPECT_FALSE(
        events.fields().at("thresholds").list_value().values().empty());
  }
}

// ---------------------------------------------------------------------------
// HTTP: events.

TEST_F(GatewayApiTest, HttpEventsPublicOverseerAndFilters) {
  FeedStandard();
  const auto ids = [](const Struct& body) {
    std::vector<std::string> out;
    for (const auto& v : body.fields().at("events").list_value().values()) {
      out.push_back(Str(v.struct_value(), "eventId"));
    }
    return out;
  };
  // Public and agency: PUBLIC only; the overseer: both.
  EXPECT_EQ(ids(GetJson("/api/v1/events?limit=1000")), Want(false));
  EXPECT_EQ(ids(GetJson("/api/v1/events?limit=1000", kUsscToken)), Want(false));
  EXPECT_EQ(ids(GetJson("/api/v1/events?limit=1000", kOigToken)), Want(true));
  const Struct body = GetJson("/api/v1/events?limit=1000");
  for (const auto& v : body.fields().at("events").list_value().values()) {
    EXPECT_EQ(Str(v.struct_value(), "visibility"), "VISIBILITY_PUBLIC");
    EXPECT_EQ(Str(v.struct_value(), "subjectPid"), "");
  }
  EXPECT_FALSE(Str(body, "next").empty());
  // The default limit is 100; at most 1000.
  EXPECT_EQ(ids(GetJson("/api/v1/events", kOigToken)), Want(true));

  const auto type_is = [](v1::EventType t) {
    return [t](const v1::OversightEvent& e) { return e.type() == t; };
  };
  EXPECT_EQ(ids(GetJson(
                "/api/v1/events?type=EVENT_TYPE_TARGET_OVERSHOOT&limit=1000")),
            Want(false, type_is(v1::EVENT_TYPE_TARGET_OVERSHOOT)));
  // Several types: a list, or the parameter repeated.
  const auto two = [](const v1::OversightEvent& e) {
    return e.type() == v1::EVENT_TYPE_FRUITION_GAP ||
           e.type() == v1::EVENT_TYPE_TIER_MISMATCH;
  };
  EXPECT_EQ(ids(GetJson("/api/v1/events?type=EVENT_TYPE_FRUITION_GAP,"
                        "EVENT_TYPE_TIER_MISMATCH&limit=1000",
                        kOigToken)),
            Want(true, two));
  EXPECT_EQ(ids(GetJson("/api/v1/events?type=EVENT_TYPE_FRUITION_GAP&type="
                        "EVENT_TYPE_TIER_MISMATCH&limit=1000",
                        kOigToken)),
            Want(true, two));
  EXPECT_EQ(ids(GetJson("/api/v1/events?type=EVENT_TYPE_TIER_MISMATCH")),
            std::vector<std::string>{});
  EXPECT_EQ(
      ids(GetJson("/api/v1/events?unit=district:EDPA&limit=1000", kOigToken)),
      Want(true, [](const v1::OversightEvent& e) {
        return e.unit() == "district:EDPA";
      }));
  EXPECT_EQ(ids(GetJson("/api/v1/events?period=FY2016Q2&limit=1000")),
            Want(false, [](const v1::OversightEvent& e) {
              return e.period() == "FY2016Q2";
            }));
  EXPECT_EQ(
      ids(GetJson("/api/v1/events?resolved=true&limit=1000", kOigToken)),
      Want(true, [](const v1::OversightEvent& e) { return e.resolved(); }));
  EXPECT_EQ(
      ids(GetJson("/api/v1/events?resolved=false&limit=1000")),
      Want(false, [](const v1::OversightEvent& e) { return !e.resolved(); }));
  EXPECT_EQ(
      ids(GetJson("/api/v1/events?visibility=VISIBILITY_PUBLIC&limit=1000",
                  kOigToken)),
      Want(false));
  EXPECT_EQ(
      ids(GetJson("/api/v1/events?visibility=VISIBILITY_RESTRICTED&limit=1000",
                  kOigToken)),
      Want(true, [](const v1::OversightEvent& e) {
        return e.visibility() == v1::VISIBILITY_RESTRICTED;
      }));

  // The event JSON: proto names in lowerCamelCase, enums by name, facts
  // keyed as data.
  const Struct one = GetJson(
      "/api/v1/events?visibility=VISIBILITY_RESTRICTED&limit=1", kOigToken);
  const auto& e =
      one.fields().at("events").list_value().values(0).struct_value();
  EXPECT_EQ(Str(e, "eventId"), "ev-1");
  EXPECT_EQ(Str(e, "conditionKey"),
            "EVENT_TYPE_LINK_UNSUBSTANTIATED/agency:DEA/FY2016");
  EXPECT_EQ(Str(e, "type"), "EVENT_TYPE_LINK_UNSUBSTANTIATED");
  EXPECT_EQ(Str(e, "severity"), "SEVERITY_CRITICAL");
  EXPECT_EQ(Str(e, "subjectPid"), "pid-ev-1");
  EXPECT_EQ(e.fields()
                .at("facts")
                .struct_value()
                .fields()
                .at("fruition_gap")
                .number_value(),
            0.375);
  EXPECT_EQ(Str(e, "emittedAt"), "2023-11-14T22:13:20Z");
}

TEST_F(GatewayApiTest, HttpEventsErrors) {
  FeedStandard(12);
  // RESTRICTED asked without the right.
  const std::string denied =
      ExpectError("/api/v1/events?visibility=VISIBILITY_RESTRICTED", "", 403,
                  "PERMISSION_DENIED");
  EXPECT_NE(denied.find("visibility"), std::string::npos) << denied;
  ExpectError("/api/v1/events?visibility=VISIBILITY_RESTRICTED", kUsscToken,
              403, "PERMISSION_DENIED");
  // Bad credentials.
  ExpectError("/api/v1/events", "not-a-known-token", 401, "UNAUTHENTICATED");
  {
    httplib::Client client("127.0.0.1", http_->port());
    auto res = client.Get("/api/v1/events", {{"Authorization", "Basic abc"}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
  }
  // Bad parameters, each named.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"type=EVENT_TYPE_NONSENSE", "type"},
      {"type=EVENT_TYPE_UNSPECIFIED", "type"},
      {"type=EVENT_TYPE_FRUITION_GAP,bogus", "type"},
      {"visibility=SECRET", "visibility"},
      {"resolved=maybe", "resolved"},
      {"limit=abc", "limit"},
      {"limit=5000", "limit"},
      {"limit=-1", "limit"},
      {"after=garbage", "after"},
      {"period=2016", "filter.period"},
      {"about=DEA%0A", "filter.about"},
      {"about=D%20EA", "filter.about"},
  };
  for (const auto& [query, field] : bad) {
    for (const std::string& token : std::vector<std::string>{"", kOigToken}) {
      const std::string message = ExpectError("/api/v1/events?" + query, token,
                                              400, "INVALID_ARGUMENT");
      EXPECT_EQ(message.rfind(field, 0), 0u) << query << ": " << message;
    }
  }
}

// `about` (SPEC §11: an agency's own flags, for the dashboard): the events
// about one agency — its units, field offices, a USAO's district, its
// reports' conditions — within what the caller may read anyway.
TEST_F(GatewayApiTest, HttpEventsAboutAnAgencyNarrowsNeverWidens) {
  const auto pub = v1::VISIBILITY_PUBLIC;
  const auto res = v1::VISIBILITY_RESTRICTED;
  std::vector<v1::OversightEvent> events = {
      Event("a-dea", v1::EVENT_TYPE_FRUITION_GAP, pub, "agency:DEA", "FY2016"),
      Event("a-dea-ny", v1::EVENT_TYPE_LNF_SHARE_HIGH, pub,
            "field_office:DEA-NEW-YORK", "FY2016"),
      Event("a-deax", v1::EVENT_TYPE_FRUITION_GAP, pub, "agency:DEAX",
            "FY2016"),
      Event("a-fbi", v1::EVENT_TYPE_FRUITION_GAP, pub, "agency:FBI", "FY2016"),
      Event("r-dea", v1::EVENT_TYPE_LINK_UNSUBSTANTIATED, res, "agency:DEA",
            "FY2016"),
      Event("r-fbi", v1::EVENT_TYPE_LINK_UNSUBSTANTIATED, res, "agency:FBI",
            "FY2016"),
      Event("a-sdny", v1::EVENT_TYPE_LNF_SHARE_HIGH, pub, "district:SDNY",
            "FY2016"),
      Event("r-report", v1::EVENT_TYPE_REPORT_CONFLICT, res, "", ""),
  };
  events.back().set_condition_key("REPORT_CONFLICT/report/DEA/DEA-R-9");
  FeedEvents(events);
  const auto ids = [&](const std::string& query, const std::string& token) {
    std::vector<std::string> out;
    const Struct body = GetJson("/api/v1/events?" + query, token);
    for (const auto& v : body.fields().at("events").list_value().values()) {
      out.push_back(Str(v.struct_value(), "eventId"));
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids("about=DEA", ""), (V{"a-dea", "a-dea-ny"}));
  EXPECT_EQ(ids("about=DEA", kDeaToken),
            (V{"a-dea", "a-dea-ny", "r-dea", "r-report"}));
  EXPECT_EQ(ids("about=DEA&visibility=VISIBILITY_PUBLIC", kDeaToken),
            (V{"a-dea", "a-dea-ny"}));
  // Another agency's: its public events only, never its restricted ones.
  EXPECT_EQ(ids("about=FBI", kDeaToken), (V{"a-fbi"}));
  EXPECT_EQ(ids("about=FBI", kOigToken), (V{"a-fbi", "r-fbi"}));
  EXPECT_EQ(ids("about=USAO-SDNY", ""), (V{"a-sdny"}));
  EXPECT_EQ(ids("about=NOBODY", kOigToken), V{});
}

TEST_F(GatewayApiTest, HttpEventsPagesWithoutGapsOrDuplicates) {
  FeedStandard(80);
  for (int limit : {1, 3, 7, 100}) {
    EXPECT_EQ(HttpPages("", limit, kOigToken), Want(true)) << limit;
    EXPECT_EQ(HttpPages("", limit, ""), Want(false)) << limit;
    EXPECT_EQ(HttpPages("type=EVENT_TYPE_FRUITION_GAP", limit, ""),
              Want(false,
                   [](const v1::OversightEvent& e) {
                     return e.type() == v1::EVENT_TYPE_FRUITION_GAP;
                   }))
        << limit;
  }
  // New events between pages come on later pages.
  std::vector<std::string> got;
  std::string after;
  for (int round = 0; round < 40; ++round) {
    const Struct page =
        GetJson(StrCat("/api/v1/events?limit=9&after=", after), kOigToken);
    const auto& events = page.fields().at("events").list_value().values();
    for (const auto& v : events) {
      got.push_back(Str(v.struct_value(), "eventId"));
    }
    const std::string next = Str(page, "next");
    if (round < 10) {
      FeedEvents(
          {Event(StrCat("late-", round), v1::EVENT_TYPE_LNF_SHARE_HIGH,
                 v1::VISIBILITY_PUBLIC, "agency:DEA", "FY2016"),
           Event(StrCat("late-r-", round), v1::EVENT_TYPE_REPORT_CONFLICT,
                 v1::VISIBILITY_RESTRICTED, "agency:DEA", "FY2016")});
    } else if (events.empty() && next == after) {
      break;
    }
    after = next;
  }
  EXPECT_EQ(got, Want(true));
}

// ---------------------------------------------------------------------------
// HTTP: Server-Sent Events.

TEST_F(GatewayApiTest, SseResumesWithLastEventIdAndDeliversNewEvents) {
  FeedStandard(450);  // more than one answer's worth (200 events)
  const std::vector<std::string> want = Want(true);
  const httplib::Headers oig = {{"Authorization", "Bearer " + kOigToken}};

  // Read some, then disconnect.
  std::vector<SseEvent> first;
  {
    SseClient sse(http_->port(), "/api/v1/events/stream", oig, 5);
    ASSERT_TRUE(WaitUntil([&] { return sse.done(); }, seconds(60)));
    first = sse.events();
  }
  ASSERT_GE(first.size(), 5u);
  ASSERT_LT(first.size(), want.size()) << "did not disconnect mid-stream";
  for (const auto& e : first) EXPECT_FALSE(e.id.empty());
  std::vector<std::string> got = Ids(first);

  // Reconnect with Last-Event-ID: exactly the rest, then what is new.
  httplib::Headers resume = oig;
  resume.emplace("Last-Event-ID", first.back().id);
  SseClient sse(http_->port(), "/api/v1/events/stream", resume);
  ASSERT_TRUE(WaitUntil([&] { return got.size() + sse.size() >= want.size(); },
                        seconds(60)))
      << sse.size();
  FeedEvents({Event("live-1", v1::EVENT_TYPE_FRUITION_GAP,
                    v1::VISIBILITY_PUBLIC, "agency:DEA", "FY2016"),
              Event("live-2", v1::EVENT_TYPE_TIER_MISMATCH,
                    v1::VISIBILITY_RESTRICTED, "agency:DEA", "FY2016")});
  ASSERT_TRUE(WaitUntil(
      [&] { return got.size() + sse.size() >= want.size() + 2; }, seconds(60)))
      << "a new event did not arrive on the open stream";
  sse.Stop();
  const auto rest = Ids(sse.events());
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_EQ(got, Want(true));
  // Every id resumes exactly after its event.
  const auto events = sse.events();
  for (size_t i = 0; i + 1 < events.size(); i += 97) {
    const Page page =
        views_->List({}, *Cursor::Decode(events[i].id, "id"), true, 100000)
            .value();
    std::vector<std::string> after;
    for (const auto& e : page.events) after.push_back(e.event_id());
    EXPECT_EQ(after,
              std::vector<std::string>(rest.begin() + i + 1, rest.end()));
  }
}

TEST_F(GatewayApiTest, SsePublicSeesPublicOnlyAndFiltersAndAfter) {
  FeedStandard(60);
  {
    SseClient sse(http_->port(), "/api/v1/events/stream", {});
    ASSERT_TRUE(WaitUntil([&] { return sse.size() >= Want(false).size(); },
                          seconds(60)));
    FeedEvents({Event("hidden", v1::EVENT_TYPE_TIER_MISMATCH,
                      v1::VISIBILITY_RESTRICTED, "agency:DEA", "FY2016"),
                Event("shown", v1::EVENT_TYPE_FRUITION_GAP,
                      v1::VISIBILITY_PUBLIC, "agency:DEA", "FY2016")});
    ASSERT_TRUE(WaitUntil([&] { return sse.size() >= Want(false).size(); },
                          seconds(60)));
    sse.Stop();
    EXPECT_EQ(Ids(sse.events()), Want(false));
    for (const auto& e : sse.events()) {
      EXPECT_EQ(FromJson(e.data).visibility(), v1::VISIBILITY_PUBLIC);
    }
  }
  // A filter, resumed with `after` (for clients that cannot set headers).
  const auto gap = [](const v1::OversightEvent& e) {
    return e.type() == v1::EVENT_TYPE_FRUITION_GAP && e.unit() == "agency:DEA";
  };
  const std::string path =
      "/api/v1/events/stream?type=EVENT_TYPE_FRUITION_GAP&unit=agency:DEA";
  std::vector<SseEvent> first;
  {
    SseClient sse(http_->port(), path, {}, 1);
    ASSERT_TRUE(WaitUntil([&] { return sse.done(); }, seconds(60)));
    first = sse.events();
  }
  ASSERT_GE(first.size(), 1u);
  SseClient rest(http_->port(), path + "&after=" + first[0].id, {});
  const auto want = Want(false, gap);
  ASSERT_TRUE(
      WaitUntil([&] { return rest.size() + 1 >= want.size(); }, seconds(60)));
  rest.Stop();
  std::vector<std::string> got = {FromJson(first[0].data).event_id()};
  for (const auto& id : Ids(rest.events())) got.push_back(id);
  EXPECT_EQ(got, want);
}

TEST_F(GatewayApiTest, SseErrorsAreJson) {
  FeedStandard(6);
  ExpectError("/api/v1/events/stream?visibility=VISIBILITY_RESTRICTED", "", 403,
              "PERMISSION_DENIED");
  ExpectError("/api/v1/events/stream", "bad-token", 401, "UNAUTHENTICATED");
  EXPECT_EQ(ExpectError("/api/v1/events/stream?type=NOPE", kOigToken, 400,
                        "INVALID_ARGUMENT")
                .rfind("type", 0),
            0u);
  httplib::Client client("127.0.0.1", http_->port());
  auto res =
      client.Get("/api/v1/events/stream", {{"Last-Event-ID", "not-a-cursor"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("Last-Event-ID"), std::string::npos) << res->body;
}

TEST_F(GatewayApiTest, SseEndsWhenDraining) {
  FeedStandard(9);
  SseClient sse(http_->port(), "/api/v1/events/stream", {});
  ASSERT_TRUE(
      WaitUntil([&] { return sse.size() >= Want(false).size(); }, seconds(60)));
  draining_ = true;
  EXPECT_TRUE(WaitUntil([&] { return sse.done(); }, seconds(60)))
      << "the stream did not end when the gateway drains";
}

// ---------------------------------------------------------------------------
// gRPC OversightService.

std::vector<std::string> Ids(const v1::ListOversightEventsResponse& r) {
  std::vector<std::string> out;
  for (const auto& e : r.events()) out.push_back(e.event_id());
  return out;
}

TEST_F(GatewayApiTest, GrpcListEventsAuthorization) {
  FeedStandard(45);
  v1::ListOversightEventsRequest all;
  all.set_limit(1000);
  for (const auto& [token, overseer] :
       std::vector<std::pair<std::string, bool>>{
           {"", false}, {kUsscToken, false}, {kOigToken, true}}) {
    v1::ListOversightEventsResponse r;
    auto ctx = Context(token);
    ASSERT_TRUE(stub_->ListEvents(ctx.get(), all, &r).ok());
    EXPECT_EQ(Ids(r), Want(overseer)) << token;
    EXPECT_FALSE(r.next().empty());
  }
  // Paging.
  std::vector<std::string> got;
  v1::ListOversightEventsRequest page;
  page.set_limit(4);
  while (true) {
    v1::ListOversightEventsResponse r;
    auto ctx = Context(kOigToken);
    ASSERT_TRUE(stub_->ListEvents(ctx.get(), page, &r).ok());
    for (const auto& e : r.events()) got.push_back(e.event_id());
    if (r.events_size() == 0) break;
    page.set_after(r.next());
  }
  EXPECT_EQ(got, Want(true));

  const auto expect = [&](const std::string& token,
                          const v1::ListOversightEventsRequest& req,
                          grpc::StatusCode code, const std::string& field) {
    v1::ListOversightEventsResponse r;
    auto ctx = Context(token);
    const grpc::Status s = stub_->ListEvents(ctx.get(), req, &r);
    EXPECT_EQ(s.error_code(), code) << s.error_message();
    EXPECT_EQ(s.error_message().rfind(field, 0), 0u) << s.error_message();
  };
  v1::ListOversightEventsRequest restricted;
  restricted.mutable_filter()->set_visibility(v1::VISIBILITY_RESTRICTED);
  expect("", restricted, grpc::StatusCode::PERMISSION_DENIED,
         "filter.visibility");
  expect(kUsscToken, restricted, grpc::StatusCode::PERMISSION_DENIED,
         "filter.visibility");
  expect("bogus", all, grpc::StatusCode::UNAUTHENTICATED, "");
  v1::ListOversightEventsRequest bad_type;
  bad_type.mutable_filter()->add_types(static_cast<v1::EventType>(99));
  expect(kOigToken, bad_type, grpc::StatusCode::INVALID_ARGUMENT,
         "filter.type");
  v1::ListOversightEventsRequest bad_limit;
  bad_limit.set_limit(1001);
  expect(kOigToken, bad_limit, grpc::StatusCode::INVALID_ARGUMENT, "limit");
  v1::ListOversightEventsRequest bad_after;
  bad_after.set_after("c1.x");
  expect(kOigToken, bad_after, grpc::StatusCode::INVALID_ARGUMENT, "after");
  v1::ListOversightEventsRequest bad_period;
  bad_period.mutable_filter()->set_period("FY16");
  expect(kOigToken, bad_period, grpc::StatusCode::INVALID_ARGUMENT,
         "filter.period");
  v1::ListOversightEventsRequest ok;
  ok.mutable_filter()->set_visibility(v1::VISIBILITY_RESTRICTED);
  ok.set_limit(1000);
  v1::ListOversightEventsResponse r;
  auto ctx = Context(kOigToken);
  ASSERT_TRUE(stub_->ListEvents(ctx.get(), ok, &r).ok());
  EXPECT_EQ(Ids(r), Want(true, [](const v1::OversightEvent& e) {
              return e.visibility() == v1::VISIBILITY_RESTRICTED;
            }));
}

TEST_F(GatewayApiTest, GrpcScorecardsPublicViewOrRestrictedByCaller) {
  FeedBothViews({{"agency:DEA", "FY2016"},
                 {"agency:FBI", "FY2016"},
                 {"district:EDPA", "FY2016"}});
  // Restricted only: no public view yet.
  FeedCards({Card("agency:ATF", "FY2016")});
  v1::GetScorecardRequest req;
  req.set_unit("agency:DEA");
  req.set_period("FY2016");
  for (const auto& [token, overseer] :
       std::vector<std::pair<std::string, bool>>{
           {"", false}, {kDeaToken, false}, {kOigToken, true}}) {
    v1::Scorecard card;
    auto ctx = Context(token);
    ASSERT_TRUE(stub_->GetScorecard(ctx.get(), req, &card).ok());
    // Exactly the card of the caller's view, as its topic holds it.
    EXPECT_EQ(card.SerializeAsString(),
              (overseer ? Card("agency:DEA", "FY2016")
                        : PublicCard("agency:DEA", "FY2016"))
                  .SerializeAsString())
        << token << ": " << card.ShortDebugString();

    v1::ListScorecardsRequest list;
    list.set_period("FY2016");
    list.set_page_size(2);
    std::vector<std::string> units;
    while (true) {
      v1::ListScorecardsResponse r;
      auto lctx = Context(token);
      ASSERT_TRUE(stub_->ListScorecards(lctx.get(), list, &r).ok());
      for (const auto& c : r.scorecards()) {
        units.push_back(c.unit());
        EXPECT_EQ(c.public_view(), !overseer) << token << " " << c.unit();
        EXPECT_EQ(c.SerializeAsString(),
                  (overseer ? Card(c.unit(), "FY2016")
                            : PublicCard(c.unit(), "FY2016"))
                      .SerializeAsString())
            << token << " " << c.unit();
      }
      if (r.next_page_token().empty()) break;
      list.set_page_token(r.next_page_token());
    }
    EXPECT_EQ(units,
              overseer
                  ? (std::vector<std::string>{"agency:ATF", "agency:DEA",
                                              "agency:FBI", "district:EDPA"})
                  : (std::vector<std::string>{"agency:DEA", "agency:FBI",
                                              "district:EDPA"}))
        << token;
  }
  // Errors.
  const auto get = [&](const std::string& token, const std::string& unit,
                       const std::string& period) {
    v1::GetScorecardRequest r;
    r.set_unit(unit);
    r.set_period(period);
    v1::Scorecard card;
    auto ctx = Context(token);
    return stub_->GetScorecard(ctx.get(), r, &card);
  };
  EXPECT_EQ(get("", "agency:NOPE", "FY2016").error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(get("", "agency:DEA", "FY2016Q1").error_code(),
            grpc::StatusCode::NOT_FOUND);
  const grpc::Status unpublished = get(kDeaToken, "agency:ATF", "FY2016");
  EXPECT_EQ(unpublished.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(unpublished.error_message().find("no public figures yet"),
            std::string::npos)
      << unpublished.error_message();
  EXPECT_TRUE(get(kOigToken, "agency:ATF", "FY2016").ok());
  const grpc::Status bad_unit = get(kOigToken, "DEA", "FY2016");
  EXPECT_EQ(bad_unit.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(bad_unit.error_message().rfind("unit", 0), 0u);
  const grpc::Status bad_period = get(kOigToken, "agency:DEA", "2016");
  EXPECT_EQ(bad_period.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(bad_period.error_message().rfind("period", 0), 0u);
  EXPECT_EQ(get("nope", "agency:DEA", "FY2016").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::ListScorecardsRequest no_period;
  v1::ListScorecardsResponse r;
  auto ctx = Context("");
  const grpc::Status s = stub_->ListScorecards(ctx.get(), no_period, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message().rfind("period", 0), 0u);

  // The *As methods, as the HTTP API calls them.
  v1::Scorecard direct;
  ASSERT_TRUE(
      service_->GetScorecardAs(auth::PublicPrincipal(), req, &direct).ok());
  EXPECT_EQ(direct.SerializeAsString(),
            PublicCard("agency:DEA", "FY2016").SerializeAsString());
}

// Reads deliveries from a Subscribe stream.
struct Subscription {
  std::unique_ptr<grpc::ClientContext> ctx;
  std::unique_ptr<grpc::ClientReader<v1::EventDelivery>> reader;
  std::vector<v1::EventDelivery> got;

  // Reads until `n` deliveries in all; false if the stream ended first.
  bool ReadUntil(size_t n) {
    v1::EventDelivery d;
    while (got.size() < n) {
      if (!reader->Read(&d)) return false;
      got.push_back(d);
    }
    return true;
  }
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const auto& d : got) out.push_back(d.event().event_id());
    return out;
  }
};

TEST_F(GatewayApiTest, GrpcSubscribeResumesFromTheLastCursor) {
  FeedStandard(700);  // more than one of the stream's pages (500)
  const auto want = Want(true);
  const auto subscribe = [&](const std::string& token,
                             const v1::SubscribeRequest& req) {
    Subscription s;
    s.ctx = Context(token);
    s.reader = stub_->Subscribe(s.ctx.get(), req);
    return s;
  };
  // Some events, then cancel.
  Subscription first = subscribe(kOigToken, {});
  ASSERT_TRUE(first.ReadUntil(123));
  first.ctx->TryCancel();
  v1::EventDelivery d;
  while (first.reader->Read(&d)) {
    // Delivered before the cancellation took effect: received all the same.
    first.got.push_back(d);
  }
  EXPECT_EQ(first.reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_LT(first.got.size(), want.size());

  // Resume with the cursor of the last delivery.
  v1::SubscribeRequest resume;
  resume.set_after(first.got.back().cursor());
  Subscription second = subscribe(kOigToken, resume);
  ASSERT_TRUE(second.ReadUntil(want.size() - first.got.size()));
  // A new event while connected.
  FeedEvents({Event("live", v1::EVENT_TYPE_REPORT_CONFLICT,
                    v1::VISIBILITY_RESTRICTED, "agency:DEA", "FY2016")});
  ASSERT_TRUE(second.ReadUntil(want.size() - first.got.size() + 1));
  second.ctx->TryCancel();
  second.reader->Finish();
  std::vector<std::string> got = first.ids();
  for (const auto& id : second.ids()) got.push_back(id);
  EXPECT_EQ(got, Want(true));
  for (const auto& delivery : second.got) {
    EXPECT_FALSE(delivery.cursor().empty());
  }

  // Filtered, public: PUBLIC only, resumed the same way.
  v1::SubscribeRequest dea;
  dea.mutable_filter()->set_unit("agency:DEA");
  const auto want_dea = Want(false, [](const v1::OversightEvent& e) {
    return e.unit() == "agency:DEA";
  });
  Subscription p1 = subscribe("", dea);
  ASSERT_TRUE(p1.ReadUntil(17));
  p1.ctx->TryCancel();
  p1.reader->Finish();
  dea.set_after(p1.got[16].cursor());
  Subscription p2 = subscribe("", dea);
  ASSERT_TRUE(p2.ReadUntil(want_dea.size() - 17));
  p2.ctx->TryCancel();
  p2.reader->Finish();
  std::vector<std::string> pub = p1.ids();
  pub.resize(17);
  for (const auto& id : p2.ids()) pub.push_back(id);
  EXPECT_EQ(pub, want_dea);
  for (const auto& delivery : p2.got) {
    EXPECT_EQ(delivery.event().visibility(), v1::VISIBILITY_PUBLIC);
  }
}

TEST_F(GatewayApiTest, GrpcSubscribeErrorsAndDraining) {
  FeedStandard(10);
  const auto status_of = [&](const std::string& token,
                             const v1::SubscribeRequest& req) {
    auto ctx = Context(token);
    auto reader = stub_->Subscribe(ctx.get(), req);
    v1::EventDelivery d;
    while (reader->Read(&d)) {
    }
    return reader->Finish();
  };
  v1::SubscribeRequest restricted;
  restricted.mutable_filter()->set_visibility(v1::VISIBILITY_RESTRICTED);
  EXPECT_EQ(status_of("", restricted).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status_of(kUsscToken, restricted).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status_of("bogus", {}).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::SubscribeRequest bad_after;
  bad_after.set_after("nonsense");
  const grpc::Status bad = status_of(kOigToken, bad_after);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(bad.error_message().rfind("after", 0), 0u) << bad.error_message();

  // Draining ends an open stream with UNAVAILABLE.
  auto ctx = Context(kOigToken);
  auto reader = stub_->Subscribe(ctx.get(), {});
  v1::EventDelivery d;
  for (size_t i = 0; i < Want(true).size(); ++i) ASSERT_TRUE(reader->Read(&d));
  draining_ = true;
  while (reader->Read(&d)) {
  }
  const grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  // And new subscriptions too.
  EXPECT_EQ(status_of(kOigToken, {}).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

// ---------------------------------------------------------------------------
// The audit trail (SPEC §1): one record per restricted read, naming what it
// returned, before it is sent; every refusal; UNAVAILABLE without a trail.

namespace audit_test {

std::vector<std::string> EventResources(
    const std::vector<std::string>& ids,
    const std::vector<v1::OversightEvent>& all) {
  std::set<std::string> restricted;
  for (const auto& e : all) {
    if (e.visibility() != v1::VISIBILITY_PUBLIC) {
      restricted.insert(e.event_id());
    }
  }
  std::vector<std::string> out;
  for (const auto& id : ids) {
    if (restricted.count(id) > 0) out.push_back(StrCat("event:", id));
  }
  return out;
}

}  // namespace audit_test

TEST_F(GatewayApiTest, AuditGrpcListEventsNamesEveryRestrictedEventOnce) {
  FeedStandard(60);
  v1::ListOversightEventsRequest req;
  req.set_limit(1000);
  v1::ListOversightEventsResponse res;
  ASSERT_TRUE(stub_->ListEvents(Context(kOigToken).get(), req, &res).ok());
  std::vector<std::string> ids;
  for (const auto& e : res.events()) ids.push_back(e.event_id());
  ASSERT_EQ(ids, Want(true));
  auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].principal, "OIG");
  EXPECT_EQ(entries[0].action, "/fruition.v1.OversightService/ListEvents");
  EXPECT_EQ(entries[0].outcome, "OK");
  EXPECT_EQ(entries[0].resources, audit_test::EventResources(ids, all_));
  EXPECT_EQ(entries[0].resources.size(), 20u);

  // Public reads are not recorded: the public, an agency, an overseer asking
  // for PUBLIC events only.
  for (const std::string& token : {std::string(), kUsscToken}) {
    v1::ListOversightEventsResponse r;
    ASSERT_TRUE(stub_->ListEvents(Context(token).get(), req, &r).ok());
  }
  v1::ListOversightEventsRequest pub = req;
  pub.mutable_filter()->set_visibility(v1::VISIBILITY_PUBLIC);
  ASSERT_TRUE(stub_->ListEvents(Context(kOigToken).get(), pub, &res).ok());
  EXPECT_EQ(trail_.entries().size(), 1u);

  // A look that finds nothing restricted is still one record, naming none.
  v1::ListOversightEventsRequest none = req;
  none.mutable_filter()->set_unit("agency:NONE");
  ASSERT_TRUE(stub_->ListEvents(Context(kOigToken).get(), none, &res).ok());
  entries = trail_.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_TRUE(entries[1].resources.empty());
}

TEST_F(GatewayApiTest, AuditHttpEventsIsOneRecordPerCall) {
  FeedStandard(60);
  const Struct body = GetJson("/api/v1/events?limit=25", kOigToken);
  std::vector<std::string> ids;
  for (const auto& e : body.fields().at("events").list_value().values()) {
    ids.push_back(Str(e.struct_value(), "eventId"));
  }
  ASSERT_EQ(ids.size(), 25u);
  const auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].principal, "OIG");
  EXPECT_EQ(entries[0].action, "GET /api/v1/events");
  EXPECT_EQ(entries[0].resources, audit_test::EventResources(ids, all_));
  EXPECT_FALSE(entries[0].resources.empty());
  GetJson("/api/v1/events?limit=25");
  GetJson("/api/v1/events?limit=25", kUsscToken);
  EXPECT_EQ(trail_.entries().size(), 1u);
}

TEST_F(GatewayApiTest, AuditStreamsRecordEachRestrictedEventBeforeSending) {
  FeedStandard(450);
  const std::vector<std::string> want = Want(true);
  {
    const httplib::Headers oig = {{"Authorization", "Bearer " + kOigToken}};
    SseClient sse(http_->port(), "/api/v1/events/stream", oig);
    ASSERT_TRUE(
        WaitUntil([&] { return sse.size() >= want.size(); }, seconds(60)));
    sse.Stop();
    EXPECT_EQ(Ids(sse.events()), want);
  }
  v1::SubscribeRequest req;
  Subscription sub;
  sub.ctx = Context(kOigToken);
  sub.reader = stub_->Subscribe(sub.ctx.get(), req);
  ASSERT_TRUE(sub.ReadUntil(want.size()));
  sub.ctx->TryCancel();
  // Every restricted event delivered is named once per stream, by records of
  // that stream's action, none of them empty.
  for (const std::string action : {"GET /api/v1/events/stream",
                                   "/fruition.v1.OversightService/Subscribe"}) {
    std::vector<std::string> named;
    for (const auto& e : trail_.entries()) {
      if (e.action != action) continue;
      EXPECT_EQ(e.principal, "OIG");
      EXPECT_FALSE(e.resources.empty());
      named.insert(named.end(), e.resources.begin(), e.resources.end());
    }
    EXPECT_EQ(named, audit_test::EventResources(want, all_)) << action;
  }
}

TEST_F(GatewayApiTest, AuditFullScorecardsNameTheirUnitPeriods) {
  FeedBothViews({{"agency:DEA", "FY2016"},
                 {"agency:FBI", "FY2016"},
                 {"district:EDPA", "FY2016"}});
  v1::GetScorecardRequest one;
  one.set_unit("agency:DEA");
  one.set_period("FY2016");
  v1::Scorecard card;
  ASSERT_TRUE(stub_->GetScorecard(Context(kOigToken).get(), one, &card).ok());
  GetJson("/api/v1/scorecards?period=FY2016", kOigToken);
  v1::ListScorecardsRequest list;
  list.set_period("FY2016");
  list.set_page_size(2);
  v1::ListScorecardsResponse page;
  ASSERT_TRUE(
      stub_->ListScorecards(Context(kOigToken).get(), list, &page).ok());
  const auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].action, "/fruition.v1.OversightService/GetScorecard");
  EXPECT_EQ(entries[0].resources,
            std::vector<std::string>{"unit-period:agency:DEA/FY2016"});
  EXPECT_EQ(entries[1].action, "GET /api/v1/scorecards");
  EXPECT_EQ(entries[1].resources,
            (std::vector<std::string>{"unit-period:agency:DEA/FY2016",
                                      "unit-period:agency:FBI/FY2016",
                                      "unit-period:district:EDPA/FY2016"}));
  EXPECT_EQ(entries[2].action, "/fruition.v1.OversightService/ListScorecards");
  EXPECT_EQ(entries[2].resources,
            (std::vector<std::string>{"unit-period:agency:DEA/FY2016",
                                      "unit-period:agency:FBI/FY2016"}));
  for (const auto& e : entries) EXPECT_EQ(e.principal, "OIG");
  // The public view is not recorded, whoever reads it.
  GetJson("/api/v1/scorecards?unit=agency:DEA&period=FY2016");
  GetJson("/api/v1/scorecards?period=FY2016", kDeaToken);
  ASSERT_TRUE(stub_->GetScorecard(Context(kDeaToken).get(), one, &card).ok());
  EXPECT_EQ(trail_.entries().size(), 3u);
}

// ---------------------------------------------------------------------------
// Series, compare and history (SPEC §9).

// A card of `view` with one cell `name` (value, n); `suppressed` withholds
// it, `defined` false makes it a share of nobody.
v1::Scorecard OneCell(const std::string& unit, const std::string& period,
                      bool public_view, const std::string& name, double value,
                      int64_t n, bool suppressed = false, bool defined = true) {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period(period);
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  c.set_public_view(public_view);
  c.set_scorecard_id(StrCat(public_view ? "pub-" : "sc-", unit, "-", period));
  c.set_revision(1);
  Add(&c, "arrests", 500, 500);
  if (suppressed) {
    auto* i = c.add_indicators();
    i->set_name(name);
    i->set_suppressed(true);
  } else {
    Add(&c, name, value, n, defined);
  }
  return c;
}

// Each point of a series answer as "period:cell".
std::vector<std::string> Points(const Struct& series) {
  std::vector<std::string> out;
  for (const auto& p : series.fields().at("points").list_value().values()) {
    Struct cell = p.struct_value();
    const std::string period = Str(cell, "period");
    cell.mutable_fields()->erase("period");
    Value v;
    *v.mutable_struct_value() = cell;
    out.push_back(StrCat(period, ":", CellText(v)));
  }
  return out;
}

TEST_F(GatewayApiTest, HttpSeriesPointsNoDataSuppressedAndUndefined) {
  const std::string u = "district:EDPA";
  FeedCards({
      OneCell(u, "FY2012", false, "lnf_share", 0.31, 118),
      OneCell(u, "FY2012", true, "lnf_share", 0.31, 118),
      OneCell(u, "FY2013", false, "lnf_share", 0.5, 8),
      OneCell(u, "FY2013", true, "lnf_share", 0, 0, /*suppressed=*/true),
      // FY2014: no scorecard at all.
      OneCell(u, "FY2015", false, "lnf_share", 0, 0, false, false),
      OneCell(u, "FY2015", true, "lnf_share", 0, 0, false, false),
      OneCell(u, "FY2016", false, "lnf_share", 0.25, 40),
      OneCell(u, "FY2016", true, "lnf_share", 0.2, 40),  // lags
      OneCell(u, "FY2016Q1", false, "lnf_share", 0.4, 20),
      OneCell(u, "FY2016Q1", true, "lnf_share", 0.4, 20),
      OneCell("district:SDNY", "FY2014", true, "lnf_share", 0.9, 50),
  });
  const std::string query =
      "/api/v1/series?unit=district:EDPA&from=FY2012&to=FY2016";
  const Struct pub = GetJson(query + "&indicator=lnfShare");
  EXPECT_EQ(Str(pub, "unit"), u);
  EXPECT_EQ(Str(pub, "indicator"), "lnfShare");
  EXPECT_EQ(Str(pub, "view"), "public");
  const std::vector<std::string> want_public = {
      "FY2012:n=118,value=0.31", "FY2013:suppressed=true", "FY2014:noData=true",
      "FY2015:defined=false,n=0", "FY2016:n=40,value=0.2"};
  EXPECT_EQ(Points(pub), want_public);
  // The SPEC name answers the same; an agency reads the public view too.
  EXPECT_EQ(Points(GetJson(query + "&indicator=lnf_share", kDeaToken)),
            want_public);
  const Struct oig = GetJson(query + "&indicator=lnfShare", kOigToken);
  EXPECT_EQ(Str(oig, "view"), "restricted");
  EXPECT_EQ(Points(oig), (std::vector<std::string>{
                             "FY2012:n=118,value=0.31", "FY2013:n=8,value=0.5",
                             "FY2014:noData=true", "FY2015:defined=false,n=0",
                             "FY2016:n=40,value=0.25"}));
  // The suppressed point carries nothing else (Points() shows every key of
  // a point); nor does the text hold the restricted numbers anywhere.
  auto raw = Get(query + "&indicator=lnfShare");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->body.find("\"n\":8"), std::string::npos) << raw->body;
  EXPECT_EQ(raw->body.find("0.5"), std::string::npos) << raw->body;
  // Quarters; an indicator the card lacks is noData.
  EXPECT_EQ(Points(GetJson("/api/v1/series?unit=district:EDPA&indicator="
                           "lnfShare&from=FY2015Q4&to=FY2016Q2")),
            (std::vector<std::string>{"FY2015Q4:noData=true",
                                      "FY2016Q1:n=20,value=0.4",
                                      "FY2016Q2:noData=true"}));
  EXPECT_EQ(Points(GetJson("/api/v1/series?unit=district:EDPA&indicator="
                           "functionShare:OFFENSE_FUNCTION_COURIER&from="
                           "FY2016&to=FY2016")),
            (std::vector<std::string>{"FY2016:noData=true"}));
}

TEST_F(GatewayApiTest, HttpSeriesCompareHistoryErrorsNameTheField) {
  const auto expect = [&](const std::string& path, const std::string& field) {
    const std::string msg = ExpectError(path, "", 400, "INVALID_ARGUMENT");
    EXPECT_EQ(msg.rfind(field + ":", 0), 0u) << path << " -> " << msg;
  };
  const std::string s = "/api/v1/series?";
  expect(s + "indicator=lnfShare&from=FY2012&to=FY2016", "unit");
  expect(s + "unit=district:EDPA&from=FY2012&to=FY2016", "indicator");
  expect(s + "unit=district:EDPA&indicator=lnfShare&to=FY2016", "from");
  expect(s + "unit=district:EDPA&indicator=lnfShare&from=FY2012", "to");
  expect(s + "unit=district:EDPA&indicator=lnfShare&from=FY2012&to=", "to");
  expect(s + "unit=EDPA&indicator=lnfShare&from=FY2012&to=FY2016", "unit");
  expect(s + "unit=district:EDPA&indicator=nope&from=FY2012&to=FY2016",
         "indicator");
  expect(s + "unit=district:EDPA&indicator=lnfShare&from=2012&to=FY2016",
         "from");
  expect(s + "unit=district:EDPA&indicator=lnfShare&from=FY2012&to=FY2016Q1",
         "to");
  expect(s + "unit=district:EDPA&indicator=lnfShare&from=FY2016&to=FY2012",
         "to");
  expect(s + "unit=district:EDPA&indicator=lnfShare&from=FY1990&to=FY2030",
         "to");
  // 40 quarters is the most one series holds.
  GetJson(s +
          "unit=district:EDPA&indicator=lnfShare&from=FY2007Q1&to=FY2016Q4");
  expect(s + "unit=district:EDPA&indicator=lnfShare&from=FY2006Q4&to=FY2016Q4",
         "to");
  const std::string c = "/api/v1/compare?";
  expect(c + "period=FY2016&kind=district", "indicator");
  expect(c + "indicator=lnfShare&kind=district", "period");
  expect(c + "indicator=lnfShare&period=FY2016", "kind");
  expect(c + "indicator=lnfShare&period=FY2016&kind=national", "kind");
  expect(c + "indicator=lnfShare&period=FY2016&kind=planet", "kind");
  expect(c + "indicator=lnf&period=FY2016&kind=district", "indicator");
  expect(c + "indicator=lnfShare&period=2016&kind=district", "period");
  const std::string h = "/api/v1/scorecards/history?";
  expect(h + "period=FY2016", "unit");
  expect(h + "unit=agency:DEA", "period");
  expect(h + "unit=agency:DEA&period=FY2016&limit=x", "limit");
  expect(h + "unit=agency:DEA&period=FY2016&limit=5000", "limit");
  expect(h + "unit=agency:DEA&period=FY2016&after=zz", "after");
}

// Each unit of a compare answer as "unit:rank/percentile:cell".
std::vector<std::string> Ranking(const Struct& cmp) {
  std::vector<std::string> out;
  for (const auto& u : cmp.fields().at("units").list_value().values()) {
    Struct cell = u.struct_value();
    std::string rank = "-";
    if (cell.fields().count("rank")) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%g/%g",
                    cell.fields().at("rank").number_value(),
                    cell.fields().at("percentile").number_value());
      rank = buf;
    }
    const std::string unit = Str(cell, "unit");
    for (const char* k : {"unit", "rank", "percentile"}) {
      cell.mutable_fields()->erase(k);
    }
    Value v;
    *v.mutable_struct_value() = cell;
    out.push_back(StrCat(unit, ":", rank, ":", CellText(v)));
  }
  return out;
}

TEST_F(GatewayApiTest, HttpCompareRanksTiesPercentilesAndNational) {
  const std::string p = "FY2016";
  std::vector<v1::Scorecard> cards;
  const auto both = [&](const std::string& unit, double v, int64_t n,
                        bool public_suppressed = false, bool defined = true) {
    cards.push_back(OneCell(unit, p, false, "lnf_share", v, n, false, defined));
    cards.push_back(
        OneCell(unit, p, true, "lnf_share", v, n, public_suppressed, defined));
  };
  both("district:AAA", 0.3, 100);
  both("district:BBB", 0.5, 100);
  both("district:CCC", 0.3, 60);
  both("district:DDD", 0.1, 50);
  both("district:EEE", 0.9, 8, /*public_suppressed=*/true);
  both("district:FFF", 0, 0, false, /*defined=*/false);
  both("national:US", 0.32, 318);
  both("agency:DEA", 0.99, 200);  // another kind: not compared
  FeedCards(cards);
  FeedCards({OneCell("district:GGG", p, false, "arrests", 1, 1)});
  const std::string q =
      "/api/v1/compare?indicator=lnfShare&period=FY2016&kind=district";
  const Struct pub = GetJson(q);
  EXPECT_EQ(Str(pub, "indicator"), "lnfShare");
  EXPECT_EQ(Str(pub, "period"), "FY2016");
  EXPECT_EQ(Str(pub, "kind"), "district");
  EXPECT_EQ(Str(pub, "view"), "public");
  Value national = pub.fields().at("national");
  national.mutable_struct_value()->mutable_fields()->erase("unit");
  EXPECT_EQ(CellText(national), "n=318,value=0.32");
  // 0.5, 0.3, 0.3, 0.1 over N = 4: competition ranks 1, 2, 2, 4; mid-rank
  // percentiles (3 + .5)/4, (1 + 1)/4, (0 + .5)/4.
  EXPECT_EQ(Ranking(pub), (std::vector<std::string>{
                              "district:BBB:1/87.5:n=100,value=0.5",
                              "district:AAA:2/50:n=100,value=0.3",
                              "district:CCC:2/50:n=60,value=0.3",
                              "district:DDD:4/12.5:n=50,value=0.1",
                              "district:EEE:-:suppressed=true",
                              "district:FFF:-:defined=false,n=0",
                          }));
  // Overseers rank the restricted view, where EEE's cell is shown (and the
  // unit whose restricted card lacks the indicator is listed without it).
  const Struct oig =
      GetJson("/api/v1/compare?indicator=lnf_share&period=FY2016&kind=district",
              kOigToken);
  EXPECT_EQ(Str(oig, "view"), "restricted");
  EXPECT_EQ(Ranking(oig), (std::vector<std::string>{
                              "district:EEE:1/90:n=8,value=0.9",
                              "district:BBB:2/70:n=100,value=0.5",
                              "district:AAA:3/40:n=100,value=0.3",
                              "district:CCC:3/40:n=60,value=0.3",
                              "district:DDD:5/10:n=50,value=0.1",
                              "district:FFF:-:defined=false,n=0",
                              "district:GGG:-:noData=true",
                          }));
  // No national card: noData.
  const Struct none =
      GetJson("/api/v1/compare?indicator=lnfShare&period=FY2017&kind=district");
  EXPECT_EQ(CellText(none.fields().at("national")), "noData=true,unit=?");
  EXPECT_TRUE(none.fields().at("units").list_value().values().empty());
}

TEST_F(GatewayApiTest, HttpHistoryPublicVersionsOrEveryVersionForOverseers) {
  const std::string u = "agency:DEA";
  const auto version = [&](bool pub, int64_t rev, double v) {
    v1::Scorecard c = OneCell(u, "FY2016", pub, "lnf_share", v, 100);
    c.set_revision(rev);
    c.set_scorecard_id(StrCat(pub ? "pub-" : "sc-", rev));
    return c;
  };
  FeedCards({version(false, 1, 0.1), version(true, 1, 0.1)});
  FeedCards({version(false, 2, 0.11)});
  FeedCards({version(false, 3, 0.2), version(true, 2, 0.2)});
  FeedCards({OneCell("agency:FBI", "FY2016", false, "lnf_share", 0.5, 50)});
  const std::string q =
      "/api/v1/scorecards/history?unit=agency:DEA&period=FY2016";
  const auto ids = [](const Struct& h) {
    std::vector<std::string> out;
    for (const auto& v : h.fields().at("versions").list_value().values()) {
      const Struct& s = v.struct_value();
      out.push_back(StrCat(Str(s, "scorecardId"), "@", Str(s, "at"), ":",
                           CellText(s.fields()
                                        .at("indicators")
                                        .struct_value()
                                        .fields()
                                        .at("lnfShare"))));
    }
    return out;
  };
  const Struct pub = GetJson(q);
  EXPECT_EQ(Str(pub, "view"), "public");
  EXPECT_EQ(ids(pub), (std::vector<std::string>{
                          "pub-1@2023-11-14T22:13:20Z:n=100,value=0.1",
                          "pub-2@2023-11-14T22:13:21Z:n=100,value=0.2"}));
  EXPECT_EQ(ids(GetJson(q, kDeaToken)), ids(pub));
  auto raw = Get(q);
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->body.find("changedBy"), std::string::npos) << raw->body;
  const Struct oig = GetJson(q, kOigToken);
  EXPECT_EQ(Str(oig, "view"), "restricted");
  EXPECT_EQ(ids(oig), (std::vector<std::string>{
                          "sc-1@2023-11-14T22:13:20Z:n=100,value=0.1",
                          "sc-2@2023-11-14T22:13:21Z:n=100,value=0.11",
                          "sc-3@2023-11-14T22:13:22Z:n=100,value=0.2"}));
  EXPECT_EQ(Str(oig, "next"), "<absent>");
  // Pages: limit 2, then the rest from `next`.
  const Struct first = GetJson(q + "&limit=2", kOigToken);
  EXPECT_EQ(ids(first).size(), 2u);
  ASSERT_NE(Str(first, "next"), "<absent>");
  const Struct rest =
      GetJson(StrCat(q, "&limit=2&after=", Str(first, "next")), kOigToken);
  EXPECT_EQ(
      ids(rest),
      (std::vector<std::string>{"sc-3@2023-11-14T22:13:22Z:n=100,value=0.2"}));
  // Nothing yet: an empty list.
  EXPECT_TRUE(
      GetJson("/api/v1/scorecards/history?unit=agency:ATF&period=FY2016")
          .fields()
          .at("versions")
          .list_value()
          .values()
          .empty());
}

TEST_F(GatewayApiTest, AuditOverseerSeriesCompareAndHistoryReads) {
  FeedBothViews({{"district:EDPA", "FY2015"},
                 {"district:EDPA", "FY2016"},
                 {"district:SDNY", "FY2016"},
                 {"national:US", "FY2016"}});
  GetJson(
      "/api/v1/"
      "series?unit=district:EDPA&indicator=lnfShare&from=FY2014&to=FY2016",
      kOigToken);
  GetJson("/api/v1/compare?indicator=lnfShare&period=FY2016&kind=district",
          kOigToken);
  GetJson("/api/v1/scorecards/history?unit=district:EDPA&period=FY2016",
          kOigToken);
  v1::GetSeriesRequest series;
  series.set_unit("district:SDNY");
  series.set_indicator("lnf_share");
  series.set_from("FY2016");
  series.set_to("FY2016");
  v1::GetSeriesResponse got;
  ASSERT_TRUE(stub_->GetSeries(Context(kOigToken).get(), series, &got).ok());
  ASSERT_EQ(got.points_size(), 1);
  EXPECT_EQ(got.points(0).cell().value(), 0.31);
  EXPECT_FALSE(got.public_view());
  v1::CompareUnitsRequest cmp;
  cmp.set_indicator("arrests");
  cmp.set_period("FY2016");
  cmp.set_kind("district");
  v1::CompareUnitsResponse ranked;
  ASSERT_TRUE(stub_->CompareUnits(Context(kOigToken).get(), cmp, &ranked).ok());
  ASSERT_EQ(ranked.units_size(), 2);
  EXPECT_EQ(ranked.units(0).rank(), 1);
  EXPECT_EQ(ranked.units(1).rank(), 1);  // a tie
  v1::ListScorecardVersionsRequest hist;
  hist.set_unit("district:EDPA");
  hist.set_period("FY2015");
  v1::ListScorecardVersionsResponse versions;
  ASSERT_TRUE(
      stub_->ListScorecardVersions(Context(kOigToken).get(), hist, &versions)
          .ok());
  ASSERT_EQ(versions.versions_size(), 1);

  const auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 6u);
  const std::vector<std::pair<std::string, std::vector<std::string>>> want = {
      {"GET /api/v1/series",
       {"unit-period:district:EDPA/FY2015",
        "unit-period:district:EDPA/FY2016"}},
      {"GET /api/v1/compare",
       {"unit-period:district:EDPA/FY2016", "unit-period:district:SDNY/FY2016",
        "unit-period:national:US/FY2016"}},
      {"GET /api/v1/scorecards/history", {"unit-period:district:EDPA/FY2016"}},
      {"/fruition.v1.OversightService/GetSeries",
       {"unit-period:district:SDNY/FY2016"}},
      {"/fruition.v1.OversightService/CompareUnits",
       {"unit-period:district:EDPA/FY2016", "unit-period:district:SDNY/FY2016",
        "unit-period:national:US/FY2016"}},
      {"/fruition.v1.OversightService/ListScorecardVersions",
       {"unit-period:district:EDPA/FY2015"}},
  };
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(entries[i].principal, "OIG");
    EXPECT_EQ(entries[i].action, want[i].first);
    EXPECT_EQ(entries[i].resources, want[i].second) << want[i].first;
  }
  // Public reads of the same are not recorded.
  GetJson(
      "/api/v1/"
      "series?unit=district:EDPA&indicator=lnfShare&from=FY2014&to=FY2016");
  GetJson("/api/v1/compare?indicator=lnfShare&period=FY2016&kind=district",
          kDeaToken);
  GetJson("/api/v1/scorecards/history?unit=district:EDPA&period=FY2016");
  ASSERT_TRUE(stub_->GetSeries(Context(kDeaToken).get(), series, &got).ok());
  EXPECT_TRUE(got.public_view());
  EXPECT_EQ(trail_.entries().size(), 6u);
}

TEST_F(GatewayApiTest, AuditEveryRefusedCall) {
  v1::ListOversightEventsRequest req;
  req.mutable_filter()->set_visibility(v1::VISIBILITY_RESTRICTED);
  v1::ListOversightEventsResponse res;
  EXPECT_EQ(
      stub_->ListEvents(Context(kUsscToken).get(), req, &res).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->ListEvents(Context("forged").get(), req, &res).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  ExpectError("/api/v1/events?visibility=VISIBILITY_RESTRICTED", "", 403,
              "PERMISSION_DENIED");
  ExpectError("/api/v1/events/stream?visibility=VISIBILITY_RESTRICTED",
              kUsscToken, 403, "PERMISSION_DENIED");
  ExpectError("/api/v1/scorecards?period=FY2016", "forged", 401,
              "UNAUTHENTICATED");
  // Not refusals: a bad argument is not recorded.
  ExpectError("/api/v1/events?visibility=NOPE", kDeaToken, 400,
              "INVALID_ARGUMENT");
  const auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 5u);
  const std::vector<std::tuple<std::string, std::string, std::string>> want = {
      {"USSC", "/fruition.v1.OversightService/ListEvents", "PERMISSION_DENIED"},
      {"unauthenticated", "/fruition.v1.OversightService/ListEvents",
       "UNAUTHENTICATED"},
      {"PUBLIC", "GET /api/v1/events", "PERMISSION_DENIED"},
      {"USSC", "GET /api/v1/events/stream", "PERMISSION_DENIED"},
      {"unauthenticated", "GET /api/v1/scorecards", "UNAUTHENTICATED"}};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(std::make_tuple(entries[i].principal, entries[i].action,
                              entries[i].outcome),
              want[i])
        << i;
  }
}

TEST_F(GatewayApiTest, TrailDownRestrictedReadsFailUnavailablePublicAnswer) {
  FeedStandard(30);
  FeedBothViews({{"agency:DEA", "FY2016"}});
  trail_.Fail(absl::UnavailableError("broker down"));
  // Restricted reads: UNAVAILABLE, and nothing restricted in the answer.
  v1::ListOversightEventsRequest req;
  v1::ListOversightEventsResponse res;
  const grpc::Status st =
      stub_->ListEvents(Context(kOigToken).get(), req, &res);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(res.events_size(), 0);
  EXPECT_NE(st.error_message().find("audit"), std::string::npos);
  v1::GetScorecardRequest one;
  one.set_unit("agency:DEA");
  one.set_period("FY2016");
  v1::Scorecard card;
  EXPECT_EQ(
      stub_->GetScorecard(Context(kOigToken).get(), one, &card).error_code(),
      grpc::StatusCode::UNAVAILABLE);
  ExpectError("/api/v1/events", kOigToken, 503, "UNAVAILABLE");
  ExpectError("/api/v1/scorecards?period=FY2016", kOigToken, 503,
              "UNAVAILABLE");
  ExpectError("/api/v1/scorecards?unit=agency:DEA&period=FY2016", kOigToken,
              503, "UNAVAILABLE");
  {
    const httplib::Headers oig = {{"Authorization", "Bearer " + kOigToken}};
    SseClient sse(http_->port(), "/api/v1/events/stream", oig);
    ASSERT_TRUE(WaitUntil([&] { return sse.done(); }, seconds(60)));
    const auto events = sse.events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_NE(events[0].data.find("UNAVAILABLE"), std::string::npos);
  }
  Subscription sub;
  sub.ctx = Context(kOigToken);
  sub.reader = stub_->Subscribe(sub.ctx.get(), v1::SubscribeRequest());
  EXPECT_FALSE(sub.ReadUntil(1));
  EXPECT_EQ(sub.reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  // Public reads answer, the overseer's PUBLIC-only read too.
  EXPECT_EQ(GetJson("/api/v1/events")
                .fields()
                .at("events")
                .list_value()
                .values_size(),
            20);
  GetJson("/api/v1/scorecards?unit=agency:DEA&period=FY2016");
  v1::ListOversightEventsRequest pub;
  pub.mutable_filter()->set_visibility(v1::VISIBILITY_PUBLIC);
  EXPECT_TRUE(stub_->ListEvents(Context(kOigToken).get(), pub, &res).ok());
  EXPECT_EQ(res.events_size(), 20);
}

// ---------------------------------------------------------------------------
// Security headers.

TEST_F(GatewayApiTest, SecurityHeadersOnPagesAssetsApiAndErrors) {
  FeedStandard(3);
  for (const std::string path :
       {"/", "/index.html", "/style.css", "/app.js", "/api/v1/units",
        "/api/v1/catalogue/events", "/api/v1/events?type=NOPE",
        "/no-such-page.html"}) {
    auto res = Get(path);
    ASSERT_TRUE(res) << path;
    const std::string csp = res->get_header_value("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << path;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << path;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << path;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff")
        << path;
    EXPECT_EQ(res->get_header_value("Referrer-Policy"), "no-referrer") << path;
    EXPECT_FALSE(res->has_header("Strict-Transport-Security")) << path;
  }
  auto refused = Get("/api/v1/units", "bad-token");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_NE(refused->get_header_value("Content-Security-Policy")
                .find("frame-ancestors 'none'"),
            std::string::npos);
}

// ---------------------------------------------------------------------------
// SPEC §1 v1.1, §11: an agency reads the restricted events about its own
// units (its agency unit, its field offices) and its own reports, over every
// route, and none of another agency's; each read is audited with the agency
// as principal.

// Restricted events of DEA, FBI and nobody (a district), and public ones,
// with the owner the test itself assigns: 250 of FBI's first (so a page of
// DEA's must read past them), then a mix, then one public sentinel that ends
// every stream's expected sequence.
struct OwnedEvents {
  std::vector<v1::OversightEvent> events;
  std::map<std::string, std::string> owner;  // restricted id -> agency or ""
  std::string sentinel;
};

OwnedEvents AgencyScenario() {
  OwnedEvents out;
  const auto add = [&](v1::OversightEvent e, const std::string& owner) {
    if (e.visibility() == v1::VISIBILITY_RESTRICTED) {
      out.owner[e.event_id()] = owner;
    }
    out.events.push_back(std::move(e));
  };
  const auto restricted = [](const std::string& id, v1::EventType type,
                             const std::string& unit) {
    return Event(id, type, v1::VISIBILITY_RESTRICTED, unit, "FY2016");
  };
  const auto conflict = [](const std::string& id, const std::string& reporter) {
    v1::OversightEvent e = Event(id, v1::EVENT_TYPE_REPORT_CONFLICT,
                                 v1::VISIBILITY_RESTRICTED, "", "");
    e.set_condition_key(StrCat("REPORT_CONFLICT/report/", reporter, "/R-", id));
    e.clear_evidence_refs();
    e.add_evidence_refs(StrCat("report:", reporter, "/R-", id));
    return e;
  };
  for (int i = 0; i < 250; ++i) {
    const std::string id = StrCat("fbi-first-", i);
    switch (i % 3) {
      case 0:
        add(restricted(id, v1::EVENT_TYPE_LINK_UNSUBSTANTIATED, "agency:FBI"),
            "FBI");
        break;
      case 1:
        add(restricted(id, v1::EVENT_TYPE_LNF_SHARE_HIGH,
                       "field_office:FBI-NEWARK"),
            "FBI");
        break;
      default:
        add(conflict(id, "FBI"), "FBI");
    }
  }
  for (int i = 0; i < 400; ++i) {
    const std::string id = StrCat("mix-", i);
    switch (i % 9) {
      case 0:
        add(restricted(id, v1::EVENT_TYPE_TIER_MISMATCH, "agency:DEA"), "DEA");
        break;
      case 1:
        add(restricted(id, v1::EVENT_TYPE_LNF_SHARE_HIGH,
                       "field_office:DEA-NEW-YORK"),
            "DEA");
        break;
      case 2:
        add(conflict(id, "DEA"), "DEA");
        break;
      case 3:
        add(restricted(id, v1::EVENT_TYPE_FRUITION_GAP, "agency:FBI"), "FBI");
        break;
      case 4:
        add(conflict(id, "FBI"), "FBI");
        break;
      case 5:
        add(restricted(id, v1::EVENT_TYPE_DECLINED_THEN_CHARGED_ELSEWHERE,
                       "district:EDPA"),
            "");
        break;
      case 6:
        // Neither DEA's nor FBI's, though it starts like DEA's code.
        add(restricted(id, v1::EVENT_TYPE_FRUITION_GAP, "agency:DEAX"), "DEAX");
        break;
      case 7:
        add(Event(id, v1::EVENT_TYPE_TARGET_OVERSHOOT, v1::VISIBILITY_PUBLIC,
                  "agency:FBI", "FY2016"),
            "");
        break;
      default:
        add(Event(id, v1::EVENT_TYPE_FRUITION_GAP, v1::VISIBILITY_PUBLIC,
                  "agency:DEA", "FY2016"),
            "");
    }
  }
  out.sentinel = "sentinel";
  add(Event(out.sentinel, v1::EVENT_TYPE_TARGET_OVERSHOOT,
            v1::VISIBILITY_PUBLIC, "national:US", "FY2016"),
      "");
  return out;
}

class AgencyReadsTest : public GatewayApiTest {
 protected:
  void SetUp() override {
    GatewayApiTest::SetUp();
    scenario_ = AgencyScenario();
    std::vector<v1::OversightEvent> batch;
    for (const auto& e : scenario_.events) {
      batch.push_back(e);
      if (batch.size() == 50) {
        FeedEvents(batch);
        batch.clear();
      }
    }
    FeedEvents(batch);
  }

  // What `agency` may see, in the order fed: every public event and the
  // restricted ones the scenario gave it.
  std::vector<std::string> WantFor(const std::string& agency,
                                   bool restricted_only = false) const {
    std::vector<std::string> out;
    for (const auto& e : scenario_.events) {
      const auto it = scenario_.owner.find(e.event_id());
      const bool is_restricted = it != scenario_.owner.end();
      if (is_restricted ? it->second == agency : !restricted_only) {
        out.push_back(e.event_id());
      }
    }
    return out;
  }
  // `event:<id>` of the restricted ones among `ids`.
  std::vector<std::string> RestrictedOf(
      const std::vector<std::string>& ids) const {
    std::vector<std::string> out;
    for (const auto& id : ids) {
      if (scenario_.owner.count(id) > 0) out.push_back("event:" + id);
    }
    return out;
  }
  // Every resource the trail names for `principal` by `action`; the number
  // of records in `*records`.
  std::vector<std::string> Audited(const std::string& principal,
                                   const std::string& action,
                                   size_t* records = nullptr) const {
    std::vector<std::string> out;
    size_t n = 0;
    for (const auto& e : trail_.entries()) {
      if (e.principal != principal || e.action != action) continue;
      ++n;
      EXPECT_EQ(e.outcome, "OK");
      out.insert(out.end(), e.resources.begin(), e.resources.end());
    }
    if (records != nullptr) *records = n;
    return out;
  }

  OwnedEvents scenario_;
};

TEST_F(AgencyReadsTest, GrpcListEventsFullPagesOfItsOwnAuditedPerCall) {
  for (const auto& [token, code] :
       std::vector<std::pair<std::string, std::string>>{{kDeaToken, "DEA"},
                                                        {kFbiToken, "FBI"}}) {
    SCOPED_TRACE(code);
    const std::vector<std::string> want = WantFor(code);
    std::vector<std::string> got;
    std::vector<int> sizes;
    v1::ListOversightEventsRequest req;
    req.set_limit(100);
    int calls = 0;
    while (true) {
      v1::ListOversightEventsResponse r;
      ++calls;
      ASSERT_TRUE(stub_->ListEvents(Context(token).get(), req, &r).ok());
      sizes.push_back(r.events_size());
      for (const auto& e : r.events()) got.push_back(e.event_id());
      if (r.events_size() == 0) break;
      req.set_after(r.next());
    }
    EXPECT_EQ(got, want);
    // Every page but the last two (the short tail and the empty end) is
    // full: others' events are skipped in the scan, not after the limit.
    ASSERT_GE(sizes.size(), 2u);
    for (size_t i = 0; i + 2 < sizes.size(); ++i) EXPECT_EQ(sizes[i], 100) << i;
    EXPECT_EQ(sizes.size(), want.size() / 100 + 2);
    // One record per call, naming exactly the restricted events returned.
    size_t records = 0;
    EXPECT_EQ(Audited(code, kListEventsMethod, &records), RestrictedOf(want));
    EXPECT_EQ(records, static_cast<size_t>(calls));
  }
}

TEST_F(AgencyReadsTest, FiltersGiveItsOwnAndNeverSayOthersExist) {
  const auto list = [&](const std::string& token, v1::EventFilter filter) {
    v1::ListOversightEventsRequest req;
    *req.mutable_filter() = std::move(filter);
    req.set_limit(1000);
    v1::ListOversightEventsResponse r;
    const grpc::Status st = stub_->ListEvents(Context(token).get(), req, &r);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return Ids(r);
  };
  v1::EventFilter restricted;
  restricted.set_visibility(v1::VISIBILITY_RESTRICTED);
  EXPECT_EQ(list(kDeaToken, restricted), WantFor("DEA", true));
  EXPECT_EQ(list(kFbiToken, restricted), WantFor("FBI", true));
  // Another agency's unit: its public events only, and no error.
  v1::EventFilter fbi_unit;
  fbi_unit.set_unit("agency:FBI");
  std::vector<std::string> fbi_public;
  for (const auto& e : scenario_.events) {
    if (e.unit() == "agency:FBI" && e.visibility() == v1::VISIBILITY_PUBLIC) {
      fbi_public.push_back(e.event_id());
    }
  }
  ASSERT_FALSE(fbi_public.empty());
  EXPECT_EQ(list(kDeaToken, fbi_unit), fbi_public);
  fbi_unit.set_visibility(v1::VISIBILITY_RESTRICTED);
  EXPECT_TRUE(list(kDeaToken, fbi_unit).empty());
  // A field office's events are its agency's.
  v1::EventFilter office;
  office.set_unit("field_office:DEA-NEW-YORK");
  const std::vector<std::string> dea_office = list(kDeaToken, office);
  EXPECT_FALSE(dea_office.empty());
  EXPECT_EQ(dea_office, list(kOigToken, office));
  EXPECT_TRUE(list(kFbiToken, office).empty());
  // The same over HTTP, page by page.
  EXPECT_EQ(HttpPages("visibility=VISIBILITY_RESTRICTED", 100, kDeaToken),
            WantFor("DEA", true));
  EXPECT_EQ(HttpPages("unit=agency:FBI&visibility=VISIBILITY_RESTRICTED", 100,
                      kDeaToken),
            std::vector<std::string>{});
  // A judiciary principal still may not ask for RESTRICTED.
  ExpectError("/api/v1/events?visibility=VISIBILITY_RESTRICTED", kUsscToken,
              403, "PERMISSION_DENIED");
}

TEST_F(AgencyReadsTest, HttpEventsPagesOfItsOwnAuditedPerCall) {
  const std::vector<std::string> want = WantFor("DEA");
  EXPECT_EQ(HttpPages("", 100, kDeaToken), want);
  // HttpPages asks until a page is empty: want.size() / 100 + 2 calls.
  size_t records = 0;
  EXPECT_EQ(Audited("DEA", "GET /api/v1/events", &records), RestrictedOf(want));
  EXPECT_EQ(records, want.size() / 100 + 2);
  EXPECT_EQ(HttpPages("", 100, kFbiToken), WantFor("FBI"));
  EXPECT_EQ(Audited("FBI", "GET /api/v1/events"), RestrictedOf(WantFor("FBI")));
}

TEST_F(AgencyReadsTest, StreamsCarryItsOwnAuditedBeforeSending) {
  for (const auto& [token, code] :
       std::vector<std::pair<std::string, std::string>>{{kDeaToken, "DEA"},
                                                        {kFbiToken, "FBI"}}) {
    SCOPED_TRACE(code);
    const std::vector<std::string> want = WantFor(code);
    ASSERT_EQ(want.back(), scenario_.sentinel);
    // SSE, until the sentinel (the last event fed): nothing else came.
    {
      const httplib::Headers h = {{"Authorization", "Bearer " + token}};
      SseClient sse(http_->port(), "/api/v1/events/stream", h);
      ASSERT_TRUE(WaitUntil(
          [&] {
            const auto got = sse.events();
            return !got.empty() &&
                   FromJson(got.back().data).event_id() == scenario_.sentinel;
          },
          seconds(60)));
      sse.Stop();
      EXPECT_EQ(Ids(sse.events()), want);
    }
    // gRPC Subscribe, the same.
    Subscription sub;
    sub.ctx = Context(token);
    sub.reader = stub_->Subscribe(sub.ctx.get(), v1::SubscribeRequest());
    while (sub.got.empty() ||
           sub.got.back().event().event_id() != scenario_.sentinel) {
      ASSERT_TRUE(sub.ReadUntil(sub.got.size() + 1));
    }
    sub.ctx->TryCancel();
    EXPECT_EQ(sub.ids(), want);
    for (const std::string action :
         {"GET /api/v1/events/stream",
          "/fruition.v1.OversightService/Subscribe"}) {
      EXPECT_EQ(Audited(code, action), RestrictedOf(want)) << action;
    }
  }
  // A stream resumed from a cursor in the middle carries the rest of DEA's.
  const std::vector<std::string> want = WantFor("DEA");
  Subscription first;
  first.ctx = Context(kDeaToken);
  first.reader = stub_->Subscribe(first.ctx.get(), v1::SubscribeRequest());
  ASSERT_TRUE(first.ReadUntil(40));
  first.ctx->TryCancel();
  {
    const httplib::Headers h = {{"Authorization", "Bearer " + kDeaToken},
                                {"Last-Event-ID", first.got.back().cursor()}};
    SseClient sse(http_->port(), "/api/v1/events/stream", h, want.size() - 40);
    ASSERT_TRUE(WaitUntil([&] { return sse.done(); }, seconds(60)));
    EXPECT_EQ(Ids(sse.events()),
              std::vector<std::string>(want.begin() + 40, want.end()));
  }
}

// GET /api/v1/whoami: the dashboard's sign-in asks who a token is.
TEST_F(GatewayApiTest, WhoamiNamesTheCallerOnly) {
  for (const auto& [token, principal, kind] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"", "PUBLIC", "PUBLIC"},
           {kDeaToken, "DEA", "AGENCY"},
           {kOigToken, "OIG", "OVERSEER"},
           {kUsscToken, "USSC", "JUDICIARY"}}) {
    const Struct body = GetJson("/api/v1/whoami", token);
    EXPECT_EQ(Str(body, "principal"), principal);
    EXPECT_EQ(Str(body, "kind"), kind);
    // No intake configured here: the dashboard shows no forms.
    EXPECT_FALSE(body.fields().at("acceptsReports").bool_value());
    EXPECT_EQ(body.fields().size(), 3u);
  }
  ExpectError("/api/v1/whoami", "forged", 401, "UNAUTHENTICATED");
  // Only the refusal is recorded.
  const auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].outcome, "UNAUTHENTICATED");
}

TEST_F(AgencyReadsTest, AnAgencysReadWithoutItsAuditRecordFails) {
  trail_.Fail(absl::UnavailableError("audit topic down"));
  v1::ListOversightEventsRequest req;
  v1::ListOversightEventsResponse r;
  EXPECT_EQ(stub_->ListEvents(Context(kDeaToken).get(), req, &r).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(r.events_size(), 0);
  ExpectError("/api/v1/events", kDeaToken, 503, "UNAVAILABLE");
  // The public's read needs no record.
  GetJson("/api/v1/events");
}

}  // namespace
}  // namespace fruition::gateway

namespace fruition::gateway {
namespace {

// An answer (agency_response) or decision (oversight_decision) as intake
// writes it to fruition.reference.v1.
std::string Answer(const std::string& reporter, const std::string& id,
                   int64_t at, const std::string& key,
                   const std::string& explanation) {
  v1::AgencyReport r;
  r.set_reporter(reporter);
  r.set_report_id(id);
  r.mutable_occurred_at()->set_seconds(at);
  r.mutable_agency_response()->set_condition_key(key);
  r.mutable_agency_response()->set_explanation(explanation);
  r.mutable_agency_response()->set_corrective_action("act " + id);
  return r.SerializeAsString();
}
std::string Decide(const std::string& reporter, const std::string& id,
                   int64_t at, const std::string& key, v1::Decision d) {
  v1::AgencyReport r;
  r.set_reporter(reporter);
  r.set_report_id(id);
  r.mutable_occurred_at()->set_seconds(at);
  r.mutable_oversight_decision()->set_condition_key(key);
  r.mutable_oversight_decision()->set_decision(d);
  r.mutable_oversight_decision()->set_note("note words " + id);
  return r.SerializeAsString();
}

// The `accountability` of the one event of `body` (a /api/v1/events page).
Struct AccountabilityIn(const Struct& page) {
  const auto& events = page.fields().at("events").list_value();
  EXPECT_EQ(events.values_size(), 1);
  if (events.values_size() != 1) return Struct();
  const auto& e = events.values(0).struct_value().fields();
  auto it = e.find("accountability");
  return it == e.end() ? Struct() : it->second.struct_value();
}

// SPEC §11: every event view shows its condition's latest answer and
// decision, in full to the agency concerned and to overseers, as a status
// to everyone else; over HTTP, SSE and gRPC alike.
TEST_F(GatewayApiTest, EventsShowTheirConditionsLatestAnswerAndDecision) {
  const v1::OversightEvent gap =
      Event("gap-1", v1::EVENT_TYPE_FRUITION_GAP, v1::VISIBILITY_PUBLIC,
            "agency:DEA", "FY2016");
  const v1::OversightEvent fbi =
      Event("fbi-1", v1::EVENT_TYPE_FRUITION_GAP, v1::VISIBILITY_PUBLIC,
            "agency:FBI", "FY2016");
  FeedEvents({gap, fbi});
  const std::string query = "/api/v1/events?type=EVENT_TYPE_FRUITION_GAP";
  const std::string dea_only = query + "&unit=agency:DEA";
  // Nothing answered: no accountability at all.
  EXPECT_EQ(AccountabilityIn(GetJson(dea_only)).fields_size(), 0);

  const std::string& key = gap.condition_key();
  Feed({{kReference, Answer("DEA", "R1", 100, key, "first words")},
        {kReference, Decide("OIG", "D1", 200, key, v1::DECISION_NEEDS_MORE)},
        {kReference, Answer("DEA", "R2", 300, key, "sealed explanation")},
        // Another agency's answer to DEA's condition never shows.
        {kReference, Answer("FBI", "F1", 900, key, "not theirs")},
        // Read late, older: does not replace R2.
        {kReference, Answer("DEA", "R0", 50, key, "oldest")}});
  for (const std::string& token : {kOigToken, kDeaToken}) {
    const Struct a = AccountabilityIn(GetJson(dea_only, token));
    EXPECT_EQ(Str(a, "status"), "answered") << token;
    const Struct response = a.fields().at("response").struct_value();
    EXPECT_EQ(Str(response, "reporter"), "DEA");
    EXPECT_EQ(Str(response, "reportId"), "R2");
    EXPECT_EQ(Str(response, "explanation"), "sealed explanation");
    EXPECT_EQ(Str(response, "correctiveAction"), "act R2");
    const Struct decision = a.fields().at("decision").struct_value();
    EXPECT_EQ(Str(decision, "decision"), "DECISION_NEEDS_MORE");
    EXPECT_EQ(Str(decision, "note"), "note words D1");
  }
  // The public, another agency and the judiciary: the status, nothing else.
  for (const std::string& token : {std::string(), kFbiToken, kUsscToken}) {
    auto res = Get(dea_only, token);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body.find("sealed"), std::string::npos) << res->body;
    EXPECT_EQ(res->body.find("note words"), std::string::npos) << res->body;
    const Struct a = AccountabilityIn(ParseStruct(res->body));
    EXPECT_EQ(Str(a, "status"), "answered") << token;
    EXPECT_EQ(a.fields_size(), 1) << res->body;
  }
  // FBI's condition has no answer of FBI's: nothing.
  EXPECT_EQ(AccountabilityIn(GetJson(query + "&unit=agency:FBI", kOigToken))
                .fields_size(),
            0);

  // A decision after the answer sets the status; the answer stays.
  Feed({{kReference, Decide("OIG", "D2", 400, key, v1::DECISION_ACCEPTED)}});
  EXPECT_EQ(Str(AccountabilityIn(GetJson(dea_only)), "status"), "accepted");
  const Struct full = AccountabilityIn(GetJson(dea_only, kDeaToken));
  EXPECT_EQ(Str(full.fields().at("response").struct_value(), "reportId"), "R2");
  EXPECT_EQ(Str(full.fields().at("decision").struct_value(), "reportId"), "D2");

  // gRPC: the same, per caller.
  for (const auto& [token, whole] : std::vector<std::pair<std::string, bool>>{
           {kDeaToken, true}, {kFbiToken, false}, {"", false}}) {
    v1::ListOversightEventsRequest request;
    request.mutable_filter()->add_types(v1::EVENT_TYPE_FRUITION_GAP);
    request.mutable_filter()->set_unit("agency:DEA");
    v1::ListOversightEventsResponse page;
    auto ctx = Context(token);
    ASSERT_TRUE(stub_->ListEvents(ctx.get(), request, &page).ok());
    ASSERT_EQ(page.events_size(), 1);
    const auto& a = page.events(0).accountability();
    EXPECT_EQ(a.status(), "accepted");
    EXPECT_EQ(a.has_response(), whole) << token;
    EXPECT_EQ(a.has_decision(), whole) << token;
    if (whole) EXPECT_EQ(a.response().explanation(), "sealed explanation");
  }

  // SSE: the public stream carries the status only; DEA's the answer.
  const std::string stream =
      "/api/v1/events/stream?type=EVENT_TYPE_FRUITION_GAP&unit=agency:DEA";
  SseClient pub(http_->port(), stream, {}, 1);
  SseClient mine(http_->port(), stream,
                 {{"Authorization", "Bearer " + kDeaToken}}, 1);
  ASSERT_TRUE(WaitUntil([&] { return pub.size() == 1 && mine.size() == 1; },
                        seconds(30)));
  const v1::OversightEvent seen_public = FromJson(pub.events()[0].data);
  EXPECT_EQ(seen_public.accountability().status(), "accepted");
  EXPECT_FALSE(seen_public.accountability().has_response());
  EXPECT_EQ(pub.events()[0].data.find("sealed"), std::string::npos);
  const v1::OversightEvent seen_dea = FromJson(mine.events()[0].data);
  EXPECT_EQ(seen_dea.accountability().response().explanation(),
            "sealed explanation");
}

}  // namespace
}  // namespace fruition::gateway
