// The evidence service against a real Kafka broker (tools/kafka-local) and
// real RocksDB, with fruition-evidence as separate processes so they can be
// killed. Reports are produced straight to fruition.reports.v1 and
// fruition.reference.v1 as intake writes them (keys of SPEC §7). Skipped,
// with the reason, where Java/Maven are missing.
//
// Every test uses its own nonce (claim ids, orgs, subjects) and its own
// consumer group, so the shared broker's other data does not matter.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/audit.pb.h"
#include "fruition/v1/evidence.grpc.pb.h"
#include "fruition/v1/reports.pb.h"
#include "gtest/gtest.h"
#include "services/common/kafka/admin.h"
#include "services/common/kafka/producer.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/broker_suite.h"
#include "tests/harness/harness.h"

namespace fruition {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Process;

constexpr int64_t kDay = 86400;
constexpr int64_t kClaimEpoch = 1500000000;  // 2017-07-14

std::string Token(const std::string& code) { return "evidence-token-" + code; }

// What the final assessment of a claim must be.
struct Expected {
  v1::AssessmentResult result;
  std::vector<std::string> failed;
};

// A generated scenario: the reports and each claim's expected outcome.
struct Scenario {
  std::vector<v1::AgencyReport> designations;  // reference topic
  std::vector<v1::AgencyReport> claims;        // link_claim reports
  std::vector<v1::AgencyReport> added;         // evidence_added reports
  std::map<std::string, Expected> expected;    // by claim_id
  std::map<std::string, std::string> owner;    // claim_id -> reporter
  std::map<std::string, std::string> subject;  // claim_id -> subject_pid
};

v1::EvidenceItem Item(const std::string& id, v1::EvidenceKind kind,
                      const std::string& source, int64_t observed) {
  v1::EvidenceItem item;
  item.set_evidence_id(id);
  item.set_kind(kind);
  item.set_source_id(source);
  item.mutable_observed_at()->set_seconds(observed);
  return item;
}

// n claims in nine classes whose outcomes follow from SPEC §3 by hand.
Scenario MakeScenario(const std::string& nonce, int n,
                      const std::string& canary) {
  Scenario s;
  const std::string org_reg = "ORG-" + nonce + "-REG";
  const std::string org_never = "ORG-" + nonce + "-NEVER";
  const std::string org_late = "ORG-" + nonce + "-LATE";
  const std::string org_revoked = "ORG-" + nonce + "-REVOKED";
  auto designation = [&](const std::string& org, int64_t at, bool revoked,
                         const std::string& id) {
    v1::AgencyReport r;
    r.set_report_id(StrCat(nonce, "-", id));
    r.set_reporter("DEA");
    r.mutable_occurred_at()->set_seconds(at);
    auto* d = r.mutable_org_designated();
    d->set_org_id(org);
    d->set_tier(v1::TIER_PTO_REGIONAL);
    d->set_region("EDPA");
    d->set_revoked(revoked);
    s.designations.push_back(r);
  };
  designation(org_reg, kClaimEpoch - 400 * kDay, false, "d-reg");
  designation(org_late, kClaimEpoch + 2000 * kDay, false, "d-late");
  designation(org_revoked, kClaimEpoch - 700 * kDay, false, "d-rev-1");
  designation(org_revoked, kClaimEpoch - 300 * kDay, true, "d-rev-2");

  const std::vector<std::string> agencies = {"DEA", "FBI", "HSI"};
  for (int i = 0; i < n; ++i) {
    const int cls = i % 9;
    const int64_t t = kClaimEpoch + int64_t{i} * 60;
    const std::string claim_id = StrCat("CL-", nonce, "-", i);
    const std::string pid =
        privacy::Sha256Hex(StrCat(nonce, "-subject-", i / 2));
    v1::AgencyReport r;
    r.set_report_id(StrCat(nonce, "-claim-", i));
    r.set_reporter(agencies[i % 3]);
    r.mutable_occurred_at()->set_seconds(t);
    r.set_case_id(StrCat("CASE-", nonce, "-", i));
    auto* c = r.mutable_link_claim();
    c->set_claim_id(claim_id);
    c->set_subject_pid(pid);
    c->set_org_id(org_reg);
    c->set_link_role(v1::LINK_ROLE_COURIER);
    c->set_hops(1);
    const std::string e = StrCat("EV-", nonce, "-", i, "-");
    auto wiretap = Item(e + "1", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "SRC-A",
                        t - 30 * kDay);
    wiretap.set_sealed_summary(canary);
    auto surveillance =
        Item(e + "2", v1::EVIDENCE_KIND_SURVEILLANCE, "SRC-B", t - 20 * kDay);
    Expected want{v1::ASSESSMENT_RESULT_SUBSTANTIATED, {}};
    switch (cls) {
      case 0:  // all pass
        *c->add_evidence() = wiretap;
        *c->add_evidence() = surveillance;
        break;
      case 1:  // one item: C2
        *c->add_evidence() = wiretap;
        want = {v1::ASSESSMENT_RESULT_PARTIAL, {"C2"}};
        break;
      case 2:  // never designated: C1, and no tier for C5
        c->set_org_id(org_never);
        *c->add_evidence() = wiretap;
        *c->add_evidence() = surveillance;
        want = {v1::ASSESSMENT_RESULT_UNSUBSTANTIATED, {"C1", "C5"}};
        break;
      case 3: {  // an uncorroborated tip: C4
        *c->add_evidence() = wiretap;
        *c->add_evidence() = Item(e + "3", v1::EVIDENCE_KIND_INFORMANT_TIP,
                                  "SRC-C", t - 10 * kDay);
        want = {v1::ASSESSMENT_RESULT_PARTIAL, {"C4"}};
        break;
      }
      case 4:  // stale evidence: C6
        wiretap.mutable_observed_at()->set_seconds(t - 800 * kDay);
        surveillance.mutable_observed_at()->set_seconds(t - 790 * kDay);
        *c->add_evidence() = wiretap;
        *c->add_evidence() = surveillance;
        want = {v1::ASSESSMENT_RESULT_PARTIAL, {"C6"}};
        break;
      case 5: {  // one item, then a second source by EvidenceAdded
        *c->add_evidence() = wiretap;
        v1::AgencyReport added;
        added.set_report_id(StrCat(nonce, "-added-", i));
        added.set_reporter(r.reporter());
        added.mutable_occurred_at()->set_seconds(t + kDay);
        added.set_case_id(r.case_id());
        auto* ea = added.mutable_evidence_added();
        ea->set_claim_id(claim_id);
        ea->set_subject_pid(pid);
        *ea->add_evidence() = surveillance;
        s.added.push_back(added);
        break;
      }
      case 6:  // designated only after the claim: C1
        c->set_org_id(org_late);
        *c->add_evidence() = wiretap;
        *c->add_evidence() = surveillance;
        want = {v1::ASSESSMENT_RESULT_UNSUBSTANTIATED, {"C1"}};
        break;
      case 7:  // revoked before the claim: C1 (the tier is kept)
        c->set_org_id(org_revoked);
        *c->add_evidence() = wiretap;
        *c->add_evidence() = surveillance;
        want = {v1::ASSESSMENT_RESULT_UNSUBSTANTIATED, {"C1"}};
        break;
      case 8: {  // indirect only and too far: C3, C5
        c->set_hops(3);
        *c->add_evidence() = surveillance;
        auto coop = Item(e + "4", v1::EVIDENCE_KIND_COOPERATOR_STATEMENT,
                         "SRC-D", t - 5 * kDay);
        coop.add_corroborates(e + "2");
        *c->add_evidence() = coop;
        want = {v1::ASSESSMENT_RESULT_UNSUBSTANTIATED, {"C3", "C5"}};
        break;
      }
    }
    s.claims.push_back(r);
    s.expected[claim_id] = want;
    s.owner[claim_id] = r.reporter();
    s.subject[claim_id] = pid;
  }
  return s;
}

class EvidenceIntegrationTest
    : public testing::BrokerSuite<EvidenceIntegrationTest> {
 protected:
  static void SetUpTestSuite() {
    auto topics = kafka::IntakeTopics(12, 1);
    topics.push_back(kafka::TopicSpec{std::string(topics::kLinkAssessments),
                                      12,
                                      1,
                                      {{"retention.ms", "-1"}}});
    SetUpBroker(topics);
  }

  void SetUp() override {
    BrokerSuite::SetUp();
    if (IsSkipped()) return;
    nonce_ = testing::Nonce();
    canary_ = "CANARY-SEALED-" + nonce_;
    dir_ = testing::NewTempDir("evidence");
    std::ofstream principals(dir_ + "/principals.yaml");
    principals << "principals:\n";
    for (const auto& [code, kind] :
         std::vector<std::pair<std::string, std::string>>{
             {"DEA", "AGENCY"},
             {"FBI", "AGENCY"},
             {"HSI", "AGENCY"},
             {"USSC", "JUDICIARY"},
             {"OIG", "OVERSEER"}}) {
      principals << "  - code: " << code << "\n    kind: " << kind
                 << "\n    token_sha256: " << privacy::Sha256Hex(Token(code))
                 << "\n";
    }
  }

  std::string Writer(const std::string& name) const {
    return StrCat("evidence@", nonce_, "-", name);
  }

  // The records instance `name` wrote on the audit topic, in its order.
  std::vector<v1::AuditRecord> AuditOf(const std::string& name) {
    std::vector<v1::AuditRecord> out;
    auto records = testing::ReadTopic(bootstrap(), std::string(topics::kAudit),
                                      seconds(60));
    EXPECT_TRUE(records.ok()) << records.status();
    if (!records.ok()) return out;
    for (const auto& r : *records) {
      v1::AuditRecord a;
      EXPECT_TRUE(a.ParseFromString(r.value));
      if (a.writer() == Writer(name)) out.push_back(std::move(a));
    }
    return out;
  }

  // Starts an instance with its own data dir `name`, in this test's group.
  std::unique_ptr<Process> StartEvidence(const std::string& name, int port,
                                         const std::string& group_suffix = "") {
    std::vector<std::string> args = {
        "--kafka-bootstrap=" + bootstrap(),
        "--kafka-properties=session.timeout.ms=6000,heartbeat.interval.ms=1000",
        "--group-id=fruition-evidence-test-" + nonce_ + group_suffix,
        "--principals-file=" + dir_ + "/principals.yaml",
        "--data-dir=" + dir_ + "/" + name,
        StrCat("--grpc-listen=127.0.0.1:", port),
        StrCat("--metrics-listen=127.0.0.1:", testing::FreePort()),
        // One chain per running instance (they share this host's name).
        StrCat("--audit-writer=", Writer(name))};
    const std::string log =
        StrCat(testing::OutputDir(), "/evidence-", nonce_, "-", name, ".log");
    logs_.push_back(log);
    auto process = Process::Start(
        testing::Runfile("services/evidence/fruition-evidence"), args, log);
    EXPECT_TRUE(process.ok()) << process.status();
    const std::string address = StrCat("127.0.0.1:", port);
    EXPECT_TRUE(testing::WaitUntil(
        [&] { return testing::HealthStatus(address) == "SERVING"; },
        seconds(60)))
        << "evidence did not become SERVING; log: " << log;
    return std::move(*process);
  }

  // Produces reports as intake would (key subject_pid, else case_id; org_id
  // on the reference topic), in the given order.
  void Produce(const std::vector<v1::AgencyReport>& reports) {
    kafka::ProducerOptions options;
    options.bootstrap_servers = bootstrap();
    auto producer = kafka::KafkaProducer::Create(options);
    ASSERT_TRUE(producer.ok()) << producer.status();
    std::atomic<int> failed{0};
    for (const auto& r : reports) {
      std::string topic(topics::kReports);
      std::string key = r.case_id();
      if (r.has_org_designated()) {
        topic = std::string(topics::kReference);
        key = r.org_designated().org_id();
      } else if (r.has_link_claim()) {
        key = r.link_claim().subject_pid();
      } else if (r.has_evidence_added()) {
        key = r.evidence_added().subject_pid();
      }
      (*producer)->Produce(topic, key, r.SerializeAsString(),
                           {{"fruition-reporter", r.reporter()},
                            {"fruition-report-id", r.report_id()}},
                           [&](const kafka::DeliveryReport& d) {
                             if (!d.status.ok()) ++failed;
                           });
    }
    ASSERT_TRUE((*producer)->Flush(seconds(30)).ok());
    ASSERT_EQ(failed.load(), 0);
  }

  // This test's assessments on the topic, in topic order per partition.
  std::vector<v1::LinkAssessment> OurAssessments() {
    std::vector<v1::LinkAssessment> out;
    auto records = testing::ReadTopic(
        bootstrap(), std::string(topics::kLinkAssessments), seconds(60));
    EXPECT_TRUE(records.ok()) << records.status();
    if (!records.ok()) return out;
    std::stable_sort(records->begin(), records->end(),
                     [](const testing::Record& a, const testing::Record& b) {
                       return std::tie(a.partition, a.offset) <
                              std::tie(b.partition, b.offset);
                     });
    for (const auto& r : *records) {
      EXPECT_EQ(r.value.find(canary_), std::string::npos)
          << "sealed text on " << topics::kLinkAssessments;
      v1::LinkAssessment a;
      EXPECT_TRUE(a.ParseFromString(r.value));
      if (a.claim_id().find(nonce_) == std::string::npos) continue;
      EXPECT_EQ(r.key, a.subject_pid());
      out.push_back(std::move(a));
    }
    return out;
  }

  // The latest v1 assessment of each claim (topic order within a subject's
  // partition is the order they were produced in).
  std::map<std::string, v1::LinkAssessment> Latest(
      const std::vector<v1::LinkAssessment>& all,
      const std::string& version = "v1") {
    std::map<std::string, v1::LinkAssessment> latest;
    for (const auto& a : all) {
      if (a.criteria_version() == version) latest[a.claim_id()] = a;
    }
    return latest;
  }

  // Whether every claim's latest assessment is the expected one.
  std::string Mismatch(
      const Scenario& s,
      const std::map<std::string, v1::LinkAssessment>& latest) {
    if (latest.size() != s.expected.size()) {
      return StrCat(latest.size(), " claims assessed, want ",
                    s.expected.size());
    }
    for (const auto& [claim, want] : s.expected) {
      auto it = latest.find(claim);
      if (it == latest.end()) return "no assessment of " + claim;
      const auto& a = it->second;
      const std::vector<std::string> failed(a.failed_criteria().begin(),
                                            a.failed_criteria().end());
      if (a.result() != want.result || failed != want.failed) {
        return StrCat(claim, ": ", v1::AssessmentResult_Name(a.result()),
                      " failed [", failed.size() ? failed[0] : "", "...]",
                      " want ", v1::AssessmentResult_Name(want.result));
      }
      if (a.reporter() != s.owner.at(claim) ||
          a.subject_pid() != s.subject.at(claim)) {
        return claim + ": wrong reporter or subject";
      }
    }
    return "";
  }

  // Waits until the topic holds the expected final assessments.
  std::map<std::string, v1::LinkAssessment> WaitForExpected(const Scenario& s) {
    std::map<std::string, v1::LinkAssessment> latest;
    std::string why;
    testing::WaitUntil(
        [&] {
          latest = Latest(OurAssessments());
          why = Mismatch(s, latest);
          return why.empty();
        },
        seconds(120));
    EXPECT_EQ(why, "");
    return latest;
  }

  bool LogsContain(const std::string& needle) {
    for (const auto& log : logs_) {
      std::ifstream in(log);
      std::string text((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
      if (text.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  std::string nonce_;
  std::string canary_;
  std::string dir_;
  std::vector<std::string> logs_;
};

TEST_F(EvidenceIntegrationTest, MixedClaimsEndInExactlyTheExpectedAssessments) {
  const Scenario s = MakeScenario(nonce_, testing::Scaled(360), canary_);
  auto evidence = StartEvidence("a", testing::FreePort());
  Produce(s.designations);
  Produce(s.claims);
  Produce(s.added);
  const auto latest = WaitForExpected(s);
  // Every assessment names v1, the claim's org and ids only.
  for (const auto& [claim, a] : latest) {
    EXPECT_EQ(a.criteria_version(), "v1");
    EXPECT_FALSE(a.assessment_id().empty());
    EXPECT_FALSE(a.evidence_ids().empty());
    EXPECT_TRUE(
        std::is_sorted(a.evidence_ids().begin(), a.evidence_ids().end()));
  }
  EXPECT_FALSE(LogsContain(canary_));
}

TEST_F(EvidenceIntegrationTest, ShuffledArrivalEndsInTheSameAssessments) {
  const Scenario s = MakeScenario(nonce_, testing::Scaled(360), canary_);
  // Evidence before its claim, claims before their orgs' designations, in
  // a random order.
  std::vector<v1::AgencyReport> reports = s.added;
  reports.insert(reports.end(), s.claims.begin(), s.claims.end());
  std::mt19937 rng(20170601);
  std::shuffle(reports.begin(), reports.end(), rng);
  auto evidence = StartEvidence("a", testing::FreePort());
  Produce(reports);
  Produce(s.designations);
  const auto latest = WaitForExpected(s);
  // A second, fresh instance in a group of its own replays the same log
  // (in its own order) and stores the same final assessment ids.
  std::map<std::string, std::string> ids;
  for (const auto& [claim, a] : latest) ids[claim] = a.assessment_id();
  evidence.reset();
  const int port = testing::FreePort();
  auto second = StartEvidence("b", port, "-b");
  auto stub = v1::EvidenceService::NewStub(grpc::CreateChannel(
      StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  std::string why;
  testing::WaitUntil(
      [&] {
        for (const auto& [claim, id] : ids) {
          v1::GetClaimRequest req;
          req.set_reporter(s.owner.at(claim));
          req.set_claim_id(claim);
          v1::Claim got;
          grpc::ClientContext ctx;
          ctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
          grpc::Status st = stub->GetClaim(&ctx, req, &got);
          if (!st.ok() || got.assessments_size() != 1 ||
              got.assessments(0).assessment_id() != id) {
            why = StrCat(claim, ": ", st.error_message(), " ",
                         got.assessments_size(), " assessments");
            return false;
          }
        }
        why.clear();
        return true;
      },
      seconds(90));
  EXPECT_EQ(why, "");
}

TEST_F(EvidenceIntegrationTest,
       KillNineDuringProcessingLosesAndDuplicatesNothing) {
  const Scenario s = MakeScenario(nonce_, testing::Scaled(2700), canary_);
  const int port = testing::FreePort();
  // The designations first, read (as a global table) before the instance
  // takes partitions: otherwise a claim fetched before its org's designation
  // is judged without it, a third legitimate state this test does not count.
  Produce(s.designations);
  auto evidence = StartEvidence("a", port);
  Produce(s.claims);
  Produce(s.added);
  // Kill as soon as the first assessments appear.
  ASSERT_TRUE(testing::WaitUntil([&] { return !OurAssessments().empty(); },
                                 seconds(60)));
  evidence->Signal(SIGKILL);
  evidence->Wait(seconds(10));
  const size_t at_kill = OurAssessments().size();
  RecordProperty("assessments_at_kill", static_cast<int>(at_kill));
  evidence = StartEvidence("a", port);
  WaitForExpected(s);
  // After de-duplication by assessment_id, each claim's assessments are its
  // distinct states: at most two (class 5 gains evidence), and the ids a
  // restart re-produced are the same ids, not new ones.
  std::map<std::string, std::set<std::string>> ids;
  for (const auto& a : OurAssessments()) {
    ids[a.claim_id()].insert(a.assessment_id());
  }
  for (const auto& [claim, set] : ids) {
    EXPECT_LE(set.size(), 2u) << claim;
  }
}

TEST_F(EvidenceIntegrationTest, SecondInstanceTakesOverAKilledOnesPartitions) {
  const Scenario s = MakeScenario(nonce_, testing::Scaled(900), canary_);
  auto a = StartEvidence("a", testing::FreePort());
  auto b = StartEvidence("b", testing::FreePort());
  // Both members hold partitions before the data arrives.
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        std::ifstream la(logs_[0]), lb(logs_[1]);
        const std::string ta((std::istreambuf_iterator<char>(la)), {});
        const std::string tb((std::istreambuf_iterator<char>(lb)), {});
        return ta.find("partitions assigned") != std::string::npos &&
               tb.find("partitions assigned") != std::string::npos;
      },
      seconds(60)));
  Produce(s.designations);
  Produce(s.claims);
  ASSERT_TRUE(testing::WaitUntil([&] { return !OurAssessments().empty(); },
                                 seconds(60)));
  a->Signal(SIGKILL);
  a->Wait(seconds(10));
  Produce(s.added);
  WaitForExpected(s);
}

TEST_F(EvidenceIntegrationTest,
       ReadsAreAuthorizedAuditedAndSealedTextStaysPut) {
  const Scenario s = MakeScenario(nonce_, testing::Scaled(27), canary_);
  const int port = testing::FreePort();
  auto evidence = StartEvidence("a", port);
  Produce(s.designations);
  Produce(s.claims);
  Produce(s.added);
  WaitForExpected(s);
  auto stub = v1::EvidenceService::NewStub(grpc::CreateChannel(
      StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  auto call = [&](const std::string& who, const v1::GetClaimRequest& req,
                  v1::Claim* out) {
    grpc::ClientContext ctx;
    if (!who.empty()) ctx.AddMetadata("authorization", "Bearer " + Token(who));
    return stub->GetClaim(&ctx, req, out);
  };
  // Claim 0 is DEA's, with the canary in its wiretap's sealed summary.
  const std::string claim0 = StrCat("CL-", nonce_, "-0");
  v1::GetClaimRequest req;
  req.set_claim_id(claim0);
  v1::Claim own;
  ASSERT_TRUE(call("DEA", req, &own).ok());
  EXPECT_NE(own.DebugString().find(canary_), std::string::npos)
      << "the owner sees its sealed text";
  EXPECT_EQ(own.assessments_size(), 1);
  EXPECT_EQ(own.assessments(0).result(), v1::ASSESSMENT_RESULT_SUBSTANTIATED);

  req.set_reporter("DEA");
  v1::Claim other;
  grpc::Status denied = call("FBI", req, &other);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(other.DebugString().find(canary_), std::string::npos);
  v1::Claim overseer;
  ASSERT_TRUE(call("OIG", req, &overseer).ok());
  EXPECT_NE(overseer.DebugString().find(canary_), std::string::npos);
  v1::Claim judiciary;
  EXPECT_EQ(call("USSC", req, &judiciary).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::Claim anonymous;
  EXPECT_EQ(call("", req, &anonymous).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // Listing a subject shared by a DEA and an FBI claim (claims 0 and 1):
  // FBI sees only its own, without DEA's sealed text.
  v1::ListClaimsRequest list;
  list.set_subject_pid(s.subject.at(claim0));
  v1::ListClaimsResponse listed;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + Token("FBI"));
  ASSERT_TRUE(stub->ListClaims(&ctx, list, &listed).ok());
  ASSERT_EQ(listed.claims_size(), 1);
  EXPECT_EQ(listed.claims(0).reporter(), "FBI");
  EXPECT_EQ(listed.DebugString().find(StrCat("EV-", nonce_, "-0-")),
            std::string::npos)
      << "DEA's evidence reached FBI";
  EXPECT_EQ(listed.partitions_size(), 12);

  // The reads and the refusals are on the audit trail, one record each, in
  // order; the canary is in neither the trail nor the logs.
  const std::string claim1 = listed.claims(0).claim_id();
  const std::vector<std::vector<std::string>> want = {
      {"DEA", "GetClaim", "OK", StrCat("claim:", claim0)},
      {"FBI", "GetClaim", "PERMISSION_DENIED", ""},
      {"OIG", "GetClaim", "OK", StrCat("claim:", claim0)},
      {"USSC", "GetClaim", "PERMISSION_DENIED", ""},
      {"PUBLIC", "GetClaim", "UNAUTHENTICATED", ""},
      {"FBI", "ListClaims", "OK", StrCat("claim:", claim1)}};
  std::vector<v1::AuditRecord> trail;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        trail = AuditOf("a");
        return trail.size() >= want.size();
      },
      seconds(30)));
  ASSERT_EQ(trail.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(trail[i].principal(), want[i][0]) << i;
    EXPECT_EQ(trail[i].action(),
              StrCat("/fruition.v1.EvidenceService/", want[i][1]))
        << i;
    EXPECT_EQ(trail[i].outcome(), want[i][2]) << i;
    if (want[i][3].empty()) {
      EXPECT_EQ(trail[i].resources_size(), 0) << i;
    } else {
      ASSERT_EQ(trail[i].resources_size(), 1) << i;
      EXPECT_EQ(trail[i].resources(0), want[i][3]) << i;
    }
    EXPECT_EQ(trail[i].DebugString().find(canary_), std::string::npos);
  }
  EXPECT_FALSE(LogsContain(canary_));

  // A draft: the same facts as claim 0, not stored.
  v1::AssessDraftRequest draft;
  *draft.mutable_report() = s.claims[0];
  draft.mutable_report()->set_report_id("");
  draft.mutable_report()->mutable_link_claim()->set_claim_id("DRAFT-1");
  // Only the wiretap: one item, so C2 alone fails.
  draft.mutable_report()
      ->mutable_link_claim()
      ->mutable_evidence()
      ->DeleteSubrange(1, 1);
  draft.mutable_report()->mutable_occurred_at()->set_seconds(kClaimEpoch);
  v1::AssessDraftResponse judged;
  grpc::ClientContext dctx;
  dctx.AddMetadata("authorization", "Bearer " + Token("DEA"));
  const grpc::Status drafted = stub->AssessDraft(&dctx, draft, &judged);
  ASSERT_TRUE(drafted.ok()) << drafted.error_message();
  EXPECT_EQ(judged.assessment().result(), v1::ASSESSMENT_RESULT_PARTIAL)
      << judged.DebugString();
  ASSERT_EQ(judged.assessment().failed_criteria_size(), 1);
  EXPECT_EQ(judged.assessment().failed_criteria(0), "C2");
  EXPECT_TRUE(judged.assessment().assessment_id().empty());
  EXPECT_FALSE(judged.reasons().empty());
}

TEST_F(EvidenceIntegrationTest,
       ReassessUnderANewVersionProducesItsAssessments) {
  const Scenario s = MakeScenario(nonce_, testing::Scaled(90), canary_);
  auto evidence = StartEvidence("a", testing::FreePort());
  Produce(s.designations);
  Produce(s.claims);
  Produce(s.added);
  WaitForExpected(s);
  // v2: the same rules with a 25-day recency window.
  std::ifstream v1_file(testing::Runfile("services/evidence/criteria/v1.yaml"));
  std::string rules((std::istreambuf_iterator<char>(v1_file)), {});
  ASSERT_NE(rules.find("version: v1"), std::string::npos);
  rules.replace(rules.find("version: v1"), 11, "version: v2");
  ASSERT_NE(rules.find("recency_days: 730"), std::string::npos);
  rules.replace(rules.find("recency_days: 730"), 17, "recency_days: 25");
  std::ofstream(dir_ + "/v2.yaml") << rules;
  std::string out;
  const int code = testing::RunShell(
      StrCat(testing::Runfile("services/evidence/fruition-evidence"),
             " reassess --criteria ", dir_, "/v2.yaml --kafka-bootstrap ",
             bootstrap(), " --principals-file ", dir_,
             "/principals.yaml --data-dir ", dir_, "/reassess 2>&1"),
      &out);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("under criteria v2 produced"), std::string::npos) << out;
  const auto v2 = Latest(OurAssessments(), "v2");
  ASSERT_EQ(v2.size(), s.expected.size());
  for (const auto& [claim, a] : v2) {
    const int cls = std::stoi(claim.substr(claim.rfind('-') + 1)) % 9;
    if (cls == 0) {  // surveillance 20 days before: still recent
      EXPECT_EQ(a.result(), v1::ASSESSMENT_RESULT_SUBSTANTIATED) << claim;
    } else if (cls == 1) {  // one wiretap 30 days before: C2 and now C6
      EXPECT_EQ(a.result(), v1::ASSESSMENT_RESULT_UNSUBSTANTIATED) << claim;
      EXPECT_EQ(std::vector<std::string>(a.failed_criteria().begin(),
                                         a.failed_criteria().end()),
                (std::vector<std::string>{"C2", "C6"}))
          << claim;
    }
  }
  // v1 stays as it was.
  EXPECT_EQ(Mismatch(s, Latest(OurAssessments())), "");
}

}  // namespace
}  // namespace fruition
