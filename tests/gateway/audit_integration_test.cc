// The gateway's audit trail against a real Kafka broker of the test's own
// (tools/kafka-local), with fruition-gateway as a separate process at
// `--log-level error`: each restricted read (gRPC and HTTP: events, full
// scorecards) and each refused call appends exactly one record to
// `fruition.audit.v1`, naming its resources, in the writer's chain; with the
// broker down a restricted read fails UNAVAILABLE while public reads answer.
// Skipped, with the reason, where Java/Maven are missing.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "fruition/v1/audit.pb.h"
#include "fruition/v1/events.pb.h"
#include "fruition/v1/gateway.grpc.pb.h"
#include "fruition/v1/scores.pb.h"
#include "gtest/gtest.h"
#include "services/common/kafka/admin.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/harness.h"

namespace fruition {
namespace {

using std::chrono::seconds;
using testing::Broker;
using testing::Outgoing;
using testing::Process;

const std::string kOigToken = "audit-it-oig-token";
const std::string kDeaToken = "audit-it-dea-token";

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
          topics::kScores, topics::kScoresPublic, topics::kAudit}) {
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
               << privacy::Sha256Hex(kDeaToken) << "\n";
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
  EXPECT_EQ(
      stub_->ListEvents(Context(kDeaToken).get(), denied, &events).error_code(),
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
      {"DEA",
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

}  // namespace
}  // namespace fruition
