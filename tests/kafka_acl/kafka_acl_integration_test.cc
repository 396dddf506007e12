// Kafka least privilege on a real broker: a SASL broker of the test's own
// (tools/kafka-local start --sasl: StandardAuthorizer, nothing allowed
// without an ACL), the ACLs of `fruitctl kafka-acls` applied with Kafka's
// own AclCommand, the topics created by the operator's user with `fruitctl
// topics ensure`, and every service started as a process with its own user.
// Skipped, with the reason, where Java/Maven are missing.
#include <httplib.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "fruition/v1/intake.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/common/kafka/consumer.h"
#include "services/common/kafka/producer.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/harness.h"
#include "tests/harness/intake_client.h"

namespace fruition {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Broker;
using testing::Process;

constexpr int kPartitions = 3;
constexpr char kKey[] = "kafka-acl-test-pseudonym-key-0001";

std::string Token(const std::string& code) { return "acl-token-" + code; }

// The librdkafka properties of `user` on kafka-local's SASL broker (users
// fruition-<p> with password fruition-<p>-secret).
std::map<std::string, std::string> Credentials(const std::string& user) {
  return {{"security.protocol", "SASL_PLAINTEXT"},
          {"sasl.mechanism", "PLAIN"},
          {"sasl.username", user},
          {"sasl.password", user + "-secret"}};
}

std::string Flag(const std::map<std::string, std::string>& properties) {
  std::vector<std::string> parts;
  parts.reserve(properties.size());
  for (const auto& [k, v] : properties) parts.push_back(StrCat(k, "=", v));
  return "--kafka-properties=" + absl::StrJoin(parts, ",");
}

// The admin's librdkafka properties kafka-local wrote (DIR/admin.librdkafka).
std::map<std::string, std::string> AdminCredentials(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::ifstream in(dir + "/admin.librdkafka");
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

class KafkaAclIntegrationTest : public ::testing::Test {
 protected:
  // One SASL broker for the suite: starting it and applying the ACLs
  // (about 25 AclCommand runs) takes about a minute.
  static void SetUpTestSuite() {
    skip_ = new std::string(Broker::UnavailableReason());
    if (!skip_->empty()) return;
    auto broker = Broker::StartOwn({"--sasl"});
    if (!broker.ok()) {
      *skip_ = "";
      failure_ = new std::string(broker.status().ToString());
      return;
    }
    broker_ = broker->release();
    failure_ = new std::string(Provision());
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }

  // Applies the catalogue's ACLs as admin and creates the topics as the
  // operator; "" or what failed.
  static std::string Provision() {
    const std::string fruitctl = testing::Runfile("tools/fruitctl/fruitctl");
    std::string out;
    int code = testing::RunShell(StrCat(fruitctl, " kafka-acls | ",
                                        testing::Runfile("tools/kafka-local"),
                                        " acls --dir ", broker_->dir()),
                                 &out);
    if (code != 0) return "kafka-local acls failed: " + out;
    code = testing::RunShell(
        StrCat(fruitctl, " topics ensure --bootstrap ", broker_->bootstrap(),
               " --partitions ", kPartitions,
               " --replication-factor 1 --min-insync-replicas 1 '",
               Flag(Credentials("fruition-operator")), "'"),
        &out);
    if (code != 0) return "fruitctl topics ensure as the operator: " + out;
    return "";
  }

  void SetUp() override {
    if (!skip_->empty()) GTEST_SKIP() << *skip_;
    ASSERT_TRUE(failure_->empty()) << *failure_;
    nonce_ = testing::Nonce();
    dir_ = testing::NewTempDir("kafka-acl");
    std::ofstream principals(dir_ + "/principals.yaml");
    principals << "principals:\n"
               << "  - code: DEA\n    kind: AGENCY\n    designates: true\n"
               << "    token_sha256: " << privacy::Sha256Hex(Token("DEA"))
               << "\n  - code: OIG\n    kind: OVERSEER\n"
               << "    token_sha256: " << privacy::Sha256Hex(Token("OIG"))
               << "\n";
    principals.close();
    std::ofstream(dir_ + "/key") << kKey;
  }

  static const std::string& bootstrap() { return broker_->bootstrap(); }

  // Produces one record as `properties`' user and waits for its delivery
  // report: OK, or why Kafka refused it.
  static absl::Status ProduceAs(
      const std::map<std::string, std::string>& properties,
      const std::string& topic) {
    kafka::ProducerOptions options;
    options.bootstrap_servers = bootstrap();
    options.client_id = "fruition-acl-test";
    options.properties = properties;
    options.delivery_timeout_ms = 15000;
    auto producer = kafka::KafkaProducer::Create(options);
    if (!producer.ok()) return producer.status();
    absl::Status result = absl::DeadlineExceededError("no delivery report");
    (*producer)->Produce(topic, "k", "not a report", {},
                         [&result](const kafka::DeliveryReport& report) {
                           result = report.status;
                         });
    (void)(*producer)->Flush(seconds(20));
    return result;
  }

  // Opens a reader of `topic` as `properties`' user and polls it once.
  static absl::Status ReadAs(
      const std::map<std::string, std::string>& properties,
      const std::string& topic) {
    kafka::ConsumerOptions options;
    options.bootstrap_servers = bootstrap();
    options.client_id = "fruition-gateway";
    options.properties = properties;
    auto reader = kafka::TopicReader::Create(options, {topic}, {}, seconds(15));
    if (!reader.ok()) return reader.status();
    return (*reader)->Poll(100, seconds(2)).status();
  }

  // How many records `topic` holds, read as admin.
  static int64_t CountAsAdmin(const std::string& topic) {
    kafka::ConsumerOptions options;
    options.bootstrap_servers = bootstrap();
    options.properties = AdminCredentials(broker_->dir());
    auto ends = kafka::EndOffsets(options, {topic}, seconds(15));
    if (!ends.ok()) return -1;
    int64_t n = 0;
    for (const auto& [tp, end] : *ends) n += end;
    return n;
  }

  struct Service {
    std::string name;
    int grpc_port = 0;
    std::unique_ptr<Process> process;
    std::string log;
  };

  // Starts fruition-`name` with the Kafka user fruition-`name`.
  Service Start(const std::string& name, std::vector<std::string> extra) {
    Service s;
    s.name = name;
    s.grpc_port = testing::FreePort();
    std::vector<std::string> args = {
        "--kafka-bootstrap=" + bootstrap(),
        Flag(Credentials("fruition-" + name)),
        "--principals-file=" + dir_ + "/principals.yaml",
        "--data-dir=" + dir_ + "/" + name,
        StrCat("--grpc-listen=127.0.0.1:", s.grpc_port),
        StrCat("--metrics-listen=127.0.0.1:", testing::FreePort())};
    args.insert(args.end(), extra.begin(), extra.end());
    s.log = StrCat(testing::OutputDir(), "/", name, "-", nonce_, ".log");
    auto process = Process::Start(
        testing::Runfile(StrCat("services/", name, "/fruition-", name)), args,
        s.log);
    EXPECT_TRUE(process.ok()) << process.status();
    if (process.ok()) s.process = std::move(*process);
    return s;
  }

  // A DEA arrest and a link claim with sealed evidence text about one
  // subject, and the designation of the claim's organisation.
  std::vector<v1::AgencyReport> Reports() const {
    std::vector<v1::AgencyReport> out(3);
    for (int i = 0; i < 3; ++i) {
      out[i].set_report_id(StrCat("acl-", nonce_, "-", i));
      out[i].set_reporter("DEA");
      out[i].mutable_occurred_at()->set_seconds(1449000000 + i);
    }
    out[0].set_case_id("CASE-" + nonce_);
    auto* arrest = out[0].mutable_arrest();
    arrest->set_arrest_id("AR-" + nonce_);
    arrest->set_subject_ref("SUBJECT-" + nonce_);
    arrest->set_agency("DEA");
    arrest->set_field_office("DEA-PHILADELPHIA");
    out[1].set_case_id("CASE-" + nonce_);
    auto* claim = out[1].mutable_link_claim();
    claim->set_claim_id("CL-" + nonce_);
    claim->set_subject_ref("SUBJECT-" + nonce_);
    claim->set_org_id("ORG-" + nonce_);
    claim->set_link_role(v1::LINK_ROLE_COURIER);
    claim->set_hops(1);
    auto* e = claim->add_evidence();
    e->set_evidence_id("E1");
    e->set_kind(v1::EVIDENCE_KIND_CONTROLLED_BUY);
    e->set_source_id("SRC-1");
    e->mutable_observed_at()->set_seconds(1440000000);
    e->set_sealed_summary("SEALED-TEXT informant name withheld");
    auto* org = out[2].mutable_org_designated();
    org->set_org_id("ORG-" + nonce_);
    org->set_tier(v1::TIER_RPOT);
    return out;
  }

  inline static std::string* skip_ = nullptr;
  inline static std::string* failure_ = nullptr;
  inline static Broker* broker_ = nullptr;
  std::string nonce_;
  std::string dir_;
};

// The internet-facing gateway's credentials can neither write the reports
// topic (as any reporter) nor read link assessments or the reports
// themselves (sealed evidence text); they can read what it shows.
TEST_F(KafkaAclIntegrationTest, GatewayCannotWriteReportsOrReadAssessments) {
  const auto gateway = Credentials("fruition-gateway");
  const absl::Status wrote = ProduceAs(gateway, std::string(topics::kReports));
  EXPECT_EQ(wrote.code(), absl::StatusCode::kFailedPrecondition) << wrote;
  EXPECT_NE(wrote.ToString().find("Topic authorization failed"),
            std::string::npos)
      << wrote;
  for (std::string_view topic : {topics::kLinkAssessments, topics::kReports}) {
    const absl::Status read = ReadAs(gateway, std::string(topic));
    EXPECT_FALSE(read.ok()) << topic;
    EXPECT_NE(read.ToString().find("Topic authorization failed"),
              std::string::npos)
        << topic << ": " << read;
  }
  // The same calls succeed where the gateway is granted: the refusals above
  // are its ACLs, not a broken client.
  EXPECT_TRUE(ReadAs(gateway, std::string(topics::kScores)).ok());
  EXPECT_TRUE(ReadAs(gateway, std::string(topics::kOversightRestricted)).ok());
  // SPEC §11: responses, decisions and budget lines beside events.
  EXPECT_TRUE(ReadAs(gateway, std::string(topics::kReference)).ok());
}

// Each service, started with only its own user, does its part: a report
// goes through intake, evidence assesses the claim, scoring scores it, the
// reconciler raises an event on the assessment, and the gateway answers an
// overseer with the scorecard and the event (and audits the read).
TEST_F(KafkaAclIntegrationTest, EachServiceWorksWithItsOwnCredentials) {
  const std::string parts = StrCat("--contribution-partitions=", kPartitions);
  const int http_port = testing::FreePort();
  std::vector<Service> services;
  services.push_back(Start("intake", {"--pseudonym-key-file=" + dir_ + "/key",
                                      testing::SealedKeyFlag(dir_)}));
  services.push_back(Start("evidence", {testing::SealedKeyFlag(dir_)}));
  services.push_back(Start("scoring", {parts}));
  services.push_back(Start("reconciler", {}));
  services.push_back(
      Start("gateway", {StrCat("--http-listen=127.0.0.1:", http_port)}));
  for (const Service& s : services) {
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          return testing::HealthStatus(StrCat("127.0.0.1:", s.grpc_port)) ==
                 "SERVING";
        },
        seconds(90)))
        << s.name << " did not become SERVING; log: " << s.log;
  }

  const auto outcome = testing::StreamReports(
      StrCat("127.0.0.1:", services[0].grpc_port), Token("DEA"), Reports());
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
  ASSERT_EQ(outcome.results.size(), 3u);
  for (const auto& r : outcome.results) {
    EXPECT_EQ(r.code(), 0) << r.ShortDebugString();
  }

  httplib::Client http("127.0.0.1", http_port);
  const httplib::Headers oig = {{"Authorization", "Bearer " + Token("OIG")}};
  std::string scorecard;
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        auto res =
            http.Get("/api/v1/scorecards?unit=agency:DEA&period=FY2016", oig);
        if (!res || res->status != 200) return false;
        scorecard = res->body;
        return true;
      },
      seconds(120), milliseconds(500)))
      << "no scorecard from scoring through the gateway";
  EXPECT_NE(scorecard.find("\"publicView\":false"), std::string::npos)
      << scorecard;
  std::string events;
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        auto res = http.Get("/api/v1/events", oig);
        if (!res || res->status != 200) return false;
        events = res->body;
        return events.find("LINK_UNSUBSTANTIATED/claim/CL-" + nonce_) !=
               std::string::npos;
      },
      seconds(120), milliseconds(500)))
      << "no reconciler event on the claim through the gateway: " << events;
  EXPECT_GT(CountAsAdmin(std::string(topics::kLinkAssessments)), 0);
  // The gateway appended the overseer's restricted reads to the trail.
  EXPECT_TRUE(testing::WaitUntil(
      [] { return CountAsAdmin(std::string(topics::kAudit)) > 0; },
      seconds(30)));
  // The operator's user reads the trail (fruitctl audit, as an inspector).
  std::string audit;
  EXPECT_EQ(
      testing::RunShell(StrCat(testing::Runfile("tools/fruitctl/fruitctl"),
                               " audit list --bootstrap ", bootstrap(), " '",
                               Flag(Credentials("fruition-operator")), "'"),
                        &audit),
      0)
      << audit;
  EXPECT_NE(audit.find("\"OIG\""), std::string::npos) << audit;

  // Nothing any service does in the background was refused (a global
  // table's reader, the audit trail, a transaction, a group).
  for (Service& s : services) {
    EXPECT_TRUE(s.process->running()) << s.name << "; log: " << s.log;
    EXPECT_EQ(testing::Occurrences(s.log, "authorization failed"), 0)
        << s.name << "; log: " << s.log;
    EXPECT_EQ(testing::Occurrences(s.log, "Authorization failed"), 0)
        << s.name << "; log: " << s.log;
  }
}

// Topics are the operator's: a service asked to create them (create-topics)
// under its own user stops at start and says what to do instead.
TEST_F(KafkaAclIntegrationTest, ServiceMayNotCreateTopics) {
  Service gateway = Start(
      "gateway", {"--create-topics=true",
                  StrCat("--http-listen=127.0.0.1:", testing::FreePort())});
  ASSERT_NE(gateway.process, nullptr);
  const std::optional<int> code = gateway.process->Wait(seconds(60));
  ASSERT_TRUE(code.has_value()) << "still running; log: " << gateway.log;
  EXPECT_NE(*code, 0);
  EXPECT_EQ(testing::Occurrences(gateway.log,
                                 "this Kafka user may not create topics"),
            1)
      << gateway.log;
}

// SPEC §8's producer safety cannot be traded away by a deployment's Kafka
// properties: the service refuses to start (exit 2) and names the setting.
TEST(ProducerSafetyTest, AcksOverrideExitsTwoNamingIt) {
  const std::string dir = testing::NewTempDir("acks");
  std::ofstream(dir + "/principals.yaml") << "principals: []\n";
  for (const char* service : {"gateway", "evidence"}) {
    std::string out;
    const int code = testing::RunShell(
        // Bounded: a service that took the setting would run on.
        StrCat("timeout 30 ",
               testing::Runfile(
                   StrCat("services/", service, "/fruition-", service)),
               " --kafka-bootstrap=127.0.0.1:9",
               " --kafka-properties=security.protocol=SASL_PLAINTEXT,acks=1",
               " --principals-file=", dir, "/principals.yaml --data-dir=", dir,
               "/data"),
        &out);
    EXPECT_EQ(code, 2) << service << ": " << out;
    EXPECT_NE(out.find("kafka-properties: 'acks' cannot be set"),
              std::string::npos)
        << service << ": " << out;
  }
}

}  // namespace
}  // namespace fruition
