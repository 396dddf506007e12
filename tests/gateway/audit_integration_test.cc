// The gateway's audit trail against a real Kafka broker of the test's own
// (tools/kafka-local), with fruition-gateway as a separate process at
// `--log-level error`: each restricted read (an overseer's, and an agency's
// of the restricted events about itself, SPEC §11) (gRPC and HTTP: events, full
// scorecards) and each refused call appends exactly one record to
// `fruition.audit.v1`, naming its resources, in the writer's chain; with the
// broker down a restricted read fails UNAVAILABLE while public reads answer.
// Skipped, with the reason, where Java/Maven are missing.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fruition/v1/audit.pb.h"
#include "fruition/v1/events.pb.h"
#include "fruition/v1/gateway.grpc.pb.h"
#include "fruition/v1/scores.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/common/kafka/admin.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/fixtures.h"
#include "tests/harness/harness.h"

namespace fruition {
namespace {

using std::chrono::seconds;
using testing::Broker;
using testing::Outgoing;
using testing::Process;

const std::string kOigToken = "audit-it-oig-token";
const std::string kDeaToken = "audit-it-dea-token";
const std::string kFbiToken = "audit-it-fbi-token";
// Reads no restricted event (SPEC §1: JUDICIARY reads its own reports and
// public outputs).
const std::string kUsscToken = "audit-it-ussc-token";

class GatewayAuditIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = Broker::UnavailableReason();
    if (!why.empty()) GTEST_SKIP() << why;
    auto broker = Broker::StartOwn();
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = std::move(*broker);
    std::vector<kafka::TopicSpec> specs;
    for (std::string_view t :
         {topics::kOversightPublic, topics::kOversightRestricted,
          topics::kScores, topics::kScoresPublic, topics::kAudit,
          topics::kReference}) {
      specs.push_back(kafka::TopicSpec{std::string(t), 3, 1, {}});
    }
    ASSERT_TRUE(
        kafka::EnsureTopics(broker_->bootstrap(), {}, specs, seconds(30)).ok());
    nonce_ = testing::Nonce();
    dir_ = testing::NewTempDir("gateway-audit");
    std::ofstream principals(dir_ + "/principals.yaml");
    principals << "principals:\n"
               << "  - code: OIG\n    kind: OVERSEER\n    token_sha256: "
               << privacy::Sha256Hex(kOigToken) << "\n"
               << "  - code: DEA\n    kind: AGENCY\n    token_sha256: "
               << privacy::Sha256Hex(kDeaToken) << "\n"
               << "  - code: FBI\n    kind: AGENCY\n    token_sha256: "
               << privacy::Sha256Hex(kFbiToken) << "\n"
               << "  - code: USSC\n    kind: JUDICIARY\n    token_sha256: "
               << privacy::Sha256Hex(kUsscToken) << "\n";
  }

  // Starts the gateway at --log-level error; waits until it serves.
  void StartGateway() {
    grpc_port_ = testing::FreePort();
    http_port_ = testing::FreePort();
    writer_ = StrCat("gateway@audit-it-", nonce_);
    const std::vector<std::string> args = {
        "--kafka-bootstrap=" + broker_->bootstrap(),
        "--principals-file=" + dir_ + "/principals.yaml",
        "--data-dir=" + dir_ + "/data",
        StrCat("--grpc-listen=127.0.0.1:", grpc_port_),
        StrCat("--metrics-listen=127.0.0.1:", testing::FreePort()),
        StrCat("--http-listen=127.0.0.1:", http_port_),
        "--log-level=error",
        "--audit-writer=" + writer_};
    const std::string log =
        StrCat(testing::OutputDir(), "/gateway-audit-", nonce_, ".log");
    auto process = Process::Start(
        testing::Runfile("services/gateway/fruition-gateway"), args, log);
    ASSERT_TRUE(process.ok()) << process.status();
    gateway_ = std::move(*process);
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          return testing::HealthStatus(StrCat("127.0.0.1:", grpc_port_)) ==
                 "SERVING";
        },
        seconds(90)))
        << "gateway did not become SERVING; log: " << log;
    stub_ = v1::OversightService::NewStub(grpc::CreateChannel(
        StrCat("127.0.0.1:", grpc_port_), grpc::InsecureChannelCredentials()));
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->set_deadline(std::chrono::system_clock::now() + seconds(120));
    return ctx;
  }

  httplib::Result Get(const std::string& path, const std::string& token) {
    httplib::Client client("127.0.0.1", http_port_);
    client.set_read_timeout(seconds(120));
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client.Get(path, headers);
  }

  // This gateway's records on the audit topic, in its partition's order.
  std::vector<v1::AuditRecord> Trail() {
    auto records = testing::ReadTopic(broker_->bootstrap(),
                                      std::string(topics::kAudit), seconds(60));
    EXPECT_TRUE(records.ok()) << records.status();
    std::vector<v1::AuditRecord> out;
    if (!records.ok()) return out;
    for (const auto& r : *records) {
      v1::AuditRecord a;
      EXPECT_TRUE(a.ParseFromString(r.value));
      if (a.writer() == writer_) out.push_back(std::move(a));
    }
    return out;
  }

  std::unique_ptr<Broker> broker_;
  std::string nonce_;
  std::string dir_;
  std::string writer_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  std::unique_ptr<Process> gateway_;
  std::unique_ptr<v1::OversightService::Stub> stub_;
};

v1::OversightEvent Event(const std::string& id, const std::string& unit,
                         bool restricted) {
  v1::OversightEvent e;
  e.set_event_id(id);
  e.set_type(restricted ? v1::EVENT_TYPE_LINK_UNSUBSTANTIATED
                        : v1::EVENT_TYPE_FRUITION_GAP);
  e.set_condition_key(StrCat("K/", id));
  e.set_severity(v1::SEVERITY_WARNING);
  e.set_visibility(restricted ? v1::VISIBILITY_RESTRICTED
                              : v1::VISIBILITY_PUBLIC);
  e.set_unit(unit);
  e.set_period("FY2016");
  e.mutable_emitted_at()->set_seconds(1700000000);
  return e;
}

v1::Scorecard Card(const std::string& unit, bool public_view) {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period("FY2016");
  c.set_public_view(public_view);
  c.set_scorecard_id(StrCat(unit, public_view ? "/public" : "/full"));
  auto* i = c.add_indicators();
  i->set_name("arrests");
  i->set_value(40);
  i->set_n(40);
  i->set_defined(true);
  return c;
}

TEST_F(GatewayAuditIntegrationTest, OneRecordPerReadAndUnavailableWithout) {
  const std::string unit = StrCat("agency:AU-", nonce_);
  std::vector<Outgoing> records;
  std::vector<std::string> restricted;
  for (int i = 0; i < 9; ++i) {
    const bool r = i % 3 == 0;
    const v1::OversightEvent e = Event(StrCat("au-", nonce_, "-", i), unit, r);
    if (r) restricted.push_back(StrCat("event:", e.event_id()));
    records.push_back(Outgoing{r ? std::string(topics::kOversightRestricted)
                                 : std::string(topics::kOversightPublic),
                               unit,
                               e.SerializeAsString(),
                               {}});
  }
  records.push_back(Outgoing{std::string(topics::kScores),
                             unit,
                             Card(unit, false).SerializeAsString(),
                             {}});
  records.push_back(Outgoing{std::string(topics::kScoresPublic),
                             unit,
                             Card(unit, true).SerializeAsString(),
                             {}});
  ASSERT_TRUE(testing::Produce(broker_->bootstrap(), records).ok());
  StartGateway();
  v1::ListOversightEventsRequest list;
  list.mutable_filter()->set_unit(unit);
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        v1::ListOversightEventsResponse r;
        return stub_->ListEvents(Context("").get(), list, &r).ok() &&
               r.events_size() == 6;
      },
      seconds(60)));
  ASSERT_TRUE(Trail().empty()) << "public reads are not recorded";

  // Each restricted read once, and two refusals.
  v1::ListOversightEventsResponse events;
  ASSERT_TRUE(stub_->ListEvents(Context(kOigToken).get(), list, &events).ok());
  EXPECT_EQ(events.events_size(), 9);
  auto http = Get(StrCat("/api/v1/events?unit=", unit), kOigToken);
  ASSERT_TRUE(http);
  EXPECT_EQ(http->status, 200) << http->body;
  v1::GetScorecardRequest card_req;
  card_req.set_unit(unit);
  card_req.set_period("FY2016");
  v1::Scorecard card;
  ASSERT_TRUE(
      stub_->GetScorecard(Context(kOigToken).get(), card_req, &card).ok());
  http = Get(StrCat("/api/v1/scorecards?unit=", unit, "&period=FY2016"),
             kOigToken);
  ASSERT_TRUE(http);
  EXPECT_EQ(http->status, 200) << http->body;
  v1::ListOversightEventsRequest denied = list;
  denied.mutable_filter()->set_visibility(v1::VISIBILITY_RESTRICTED);
  EXPECT_EQ(stub_->ListEvents(Context(kUsscToken).get(), denied, &events)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  http = Get(StrCat("/api/v1/events?unit=", unit), "forged-token");
  ASSERT_TRUE(http);
  EXPECT_EQ(http->status, 401);

  const std::string up = StrCat("unit-period:", unit, "/FY2016");
  struct Want {
    std::string principal, action, outcome;
    std::vector<std::string> resources;
  };
  const std::vector<Want> want = {
      {"OIG", "/fruition.v1.OversightService/ListEvents", "OK", restricted},
      {"OIG", "GET /api/v1/events", "OK", restricted},
      {"OIG", "/fruition.v1.OversightService/GetScorecard", "OK", {up}},
      {"OIG", "GET /api/v1/scorecards", "OK", {up}},
      {"USSC",
       "/fruition.v1.OversightService/ListEvents",
       "PERMISSION_DENIED",
       {}},
      {"unauthenticated", "GET /api/v1/events", "UNAUTHENTICATED", {}}};
  std::vector<v1::AuditRecord> trail;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        trail = Trail();
        return trail.size() >= want.size();
      },
      seconds(30)));
  ASSERT_EQ(trail.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const v1::AuditRecord& a = trail[i];
    EXPECT_EQ(a.seq(), i + 1);
    EXPECT_EQ(a.principal(), want[i].principal) << i;
    EXPECT_EQ(a.action(), want[i].action) << i;
    EXPECT_EQ(a.outcome(), want[i].outcome) << i;
    EXPECT_EQ(
        std::vector<std::string>(a.resources().begin(), a.resources().end()),
        want[i].resources)
        << i;
    EXPECT_EQ(a.prev_sha256().empty(), i == 0) << i;
  }

  // Broker down: restricted reads fail UNAVAILABLE; public reads answer.
  ASSERT_TRUE(broker_->Stop().ok());
  const grpc::Status down =
      stub_->ListEvents(Context(kOigToken).get(), list, &events);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE)
      << down.error_message();
  http = Get(StrCat("/api/v1/events?unit=", unit), kOigToken);
  ASSERT_TRUE(http);
  EXPECT_EQ(http->status, 503) << http->body;
  EXPECT_EQ(http->body.find(restricted[0].substr(6)), std::string::npos);
  http = Get(StrCat("/api/v1/events?unit=", unit), "");
  ASSERT_TRUE(http);
  EXPECT_EQ(http->status, 200) << http->body;
  v1::ListOversightEventsResponse pub;
  ASSERT_TRUE(stub_->ListEvents(Context("").get(), list, &pub).ok());
  EXPECT_EQ(pub.events_size(), 6);
  EXPECT_TRUE(
      stub_->GetScorecard(Context(kDeaToken).get(), card_req, &card).ok());
  EXPECT_TRUE(card.public_view());
  ASSERT_TRUE(broker_->Restart().ok());
}

// SPEC §1 v1.1, §11 through the real process and broker: DEA reads the
// restricted events about its agency unit, its field office and its report,
// over gRPC (ListEvents, paged; Subscribe), HTTP and SSE, and none of FBI's
// or a district's; every read leaves its record on fruition.audit.v1 naming
// DEA and exactly DEA's restricted events, and no record of DEA's names
// another's.
TEST_F(GatewayAuditIntegrationTest, AnAgencyReadsItsOwnRestrictedEvents) {
  std::vector<Outgoing> records;
  std::vector<std::string> dea_sees, dea_restricted, others_restricted;
  const auto add = [&](const v1::OversightEvent& e, const std::string& owner) {
    const bool r = e.visibility() == v1::VISIBILITY_RESTRICTED;
    if (!r || owner == "DEA") dea_sees.push_back(e.event_id());
    if (r) {
      (owner == "DEA" ? dea_restricted : others_restricted)
          .push_back(StrCat("event:", e.event_id()));
    }
    records.push_back(Outgoing{r ? std::string(topics::kOversightRestricted)
                                 : std::string(topics::kOversightPublic),
                               "k",
                               e.SerializeAsString(),
                               {}});
  };
  for (int i = 0; i < 60; ++i) {
    const std::string id = StrCat("ag-", nonce_, "-", i);
    switch (i % 6) {
      case 0:
        add(Event(id, "agency:DEA", true), "DEA");
        break;
      case 1:
        add(Event(id, "field_office:DEA-NEWARK", true), "DEA");
        break;
      case 2: {
        v1::OversightEvent e = Event(id, "", true);
        e.set_type(v1::EVENT_TYPE_REPORT_CONFLICT);
        e.set_condition_key(StrCat("REPORT_CONFLICT/report/DEA/R-", i));
        add(e, "DEA");
        break;
      }
      case 3:
        add(Event(id, i % 4 == 1 ? "agency:FBI" : "field_office:FBI-NEWARK",
                  true),
            "FBI");
        break;
      case 4:
        add(Event(id, "district:EDPA", true), "");
        break;
      default:
        add(Event(id, i % 4 == 1 ? "agency:FBI" : "agency:DEA", false), "");
    }
  }
  // One partition: the order fed is the order served.
  ASSERT_TRUE(testing::Produce(broker_->bootstrap(), records).ok());
  StartGateway();
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        v1::ListOversightEventsResponse r;
        v1::ListOversightEventsRequest all;
        all.set_limit(1000);
        return stub_->ListEvents(Context(kOigToken).get(), all, &r).ok() &&
               r.events_size() == static_cast<int>(records.size());
      },
      seconds(60)));
  // The order this gateway serves (it interleaves the two topics as it
  // reads them), from the overseer's view; DEA's view is that order, less
  // what is not DEA's.
  {
    v1::ListOversightEventsRequest all;
    all.set_limit(1000);
    v1::ListOversightEventsResponse r;
    ASSERT_TRUE(stub_->ListEvents(Context(kOigToken).get(), all, &r).ok());
    const std::set<std::string> mine(dea_sees.begin(), dea_sees.end());
    dea_sees.clear();
    for (const auto& e : r.events()) {
      if (mine.count(e.event_id()) > 0) dea_sees.push_back(e.event_id());
    }
    ASSERT_EQ(dea_sees.size(), mine.size());
    const std::set<std::string> restricted(dea_restricted.begin(),
                                           dea_restricted.end());
    dea_restricted.clear();
    for (const auto& id : dea_sees) {
      if (restricted.count("event:" + id) > 0) {
        dea_restricted.push_back("event:" + id);
      }
    }
  }
  const size_t overseer_records = Trail().size();

  // gRPC ListEvents in pages of 10: full pages, then the tail, then none.
  std::vector<std::string> got;
  v1::ListOversightEventsRequest page;
  page.set_limit(10);
  int calls = 0;
  while (true) {
    v1::ListOversightEventsResponse r;
    ++calls;
    ASSERT_TRUE(stub_->ListEvents(Context(kDeaToken).get(), page, &r).ok());
    for (const auto& e : r.events()) got.push_back(e.event_id());
    if (r.events_size() == 0) break;
    if (got.size() < dea_sees.size()) EXPECT_EQ(r.events_size(), 10);
    page.set_after(r.next());
  }
  EXPECT_EQ(got, dea_sees);
  // HTTP, one page.
  auto http = Get("/api/v1/events?limit=1000", kDeaToken);
  ASSERT_TRUE(http);
  ASSERT_EQ(http->status, 200) << http->body;
  v1::ListOversightEventsResponse listed;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(http->body, &listed).ok());
  got.clear();
  for (const auto& e : listed.events()) got.push_back(e.event_id());
  EXPECT_EQ(got, dea_sees);
  // gRPC Subscribe, as many as DEA may see (a leak would take a place).
  {
    auto ctx = Context(kDeaToken);
    auto reader = stub_->Subscribe(ctx.get(), v1::SubscribeRequest());
    got.clear();
    v1::EventDelivery d;
    while (got.size() < dea_sees.size() && reader->Read(&d)) {
      got.push_back(d.event().event_id());
    }
    ctx->TryCancel();
    EXPECT_EQ(got, dea_sees);
  }
  // SSE, the same (or a minute).
  {
    httplib::Client client("127.0.0.1", http_port_);
    client.set_read_timeout(seconds(60));
    std::string buffer;
    got.clear();
    const auto deadline = std::chrono::steady_clock::now() + seconds(60);
    client.Get("/api/v1/events/stream",
               {{"Authorization", "Bearer " + kDeaToken}},
               [&](const char* data, size_t length) {
                 buffer.append(data, length);
                 while (auto sse = fixtures::NextSseEvent(&buffer)) {
                   if (sse->data.empty()) continue;
                   v1::OversightEvent e;
                   EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                                   sse->data, &e)
                                   .ok());
                   got.push_back(e.event_id());
                 }
                 return got.size() < dea_sees.size() &&
                        std::chrono::steady_clock::now() < deadline;
               });
    EXPECT_EQ(got, dea_sees);
  }

  // The records on fruition.audit.v1: DEA's, after the overseer's; one per
  // list call; each stream's batches together name DEA's restricted events
  // once; none names another's.
  std::vector<v1::AuditRecord> trail;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        trail = Trail();
        size_t sse = 0;
        for (const auto& a : trail) {
          if (a.action() == "GET /api/v1/events/stream") ++sse;
        }
        return sse > 0;
      },
      seconds(30)));
  std::map<std::string, std::vector<std::string>> named;
  std::map<std::string, int> per_action;
  for (size_t i = overseer_records; i < trail.size(); ++i) {
    const v1::AuditRecord& a = trail[i];
    EXPECT_EQ(a.principal(), "DEA") << i;
    EXPECT_EQ(a.outcome(), "OK") << i;
    ++per_action[a.action()];
    named[a.action()].insert(named[a.action()].end(), a.resources().begin(),
                             a.resources().end());
    for (const auto& r : a.resources()) {
      EXPECT_EQ(
          std::count(others_restricted.begin(), others_restricted.end(), r), 0)
          << r;
    }
  }
  EXPECT_EQ(per_action["/fruition.v1.OversightService/ListEvents"], calls);
  EXPECT_EQ(per_action["GET /api/v1/events"], 1);
  for (const std::string action :
       {"/fruition.v1.OversightService/ListEvents", "GET /api/v1/events",
        "/fruition.v1.OversightService/Subscribe",
        "GET /api/v1/events/stream"}) {
    EXPECT_EQ(named[action], dea_restricted) << action;
  }
}

}  // namespace
}  // namespace fruition
