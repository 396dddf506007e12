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
#include <iostream>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <thread>

#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/audit.pb.h"
#include "fruition/v1/evidence.grpc.pb.h"
#include "fruition/v1/intake.grpc.pb.h"
#include "fruition/v1/reports.pb.h"
#include "gtest/gtest.h"
#include "services/common/kafka/admin.h"
#include "services/common/kafka/producer.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/audit.h"
#include "tests/harness/broker_suite.h"
#include "tests/harness/fixtures.h"
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

// The race's org as every reader must conclude it from the log
// (OnlyTheFirstDesignatorInLogOrderCounts).
struct OrgVerdict {
  std::string owner;      // the reporter of the first designation in log order
  int owner_records = 0;  // the owner's designations and revocations
  int ignored = 0;        // designations or revocations of it by others
  // Of every org on the (shared) topic: what a replica reading it all counts.
  int ignored_in_log = 0;
  v1::AssessmentResult result = v1::ASSESSMENT_RESULT_UNSPECIFIED;
  v1::Tier tier = v1::TIER_UNSPECIFIED;
};

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
      // The agencies designate orgs (the race through intake needs it).
      if (kind == "AGENCY") principals << "    designates: true\n";
    }
  }

  std::string Writer(const std::string& name) const {
    return StrCat("evidence@", nonce_, "-", name);
  }

  // The records instance `name` wrote on the audit topic, in its order.
  std::vector<v1::AuditRecord> AuditOf(const std::string& name) {
    auto records = testing::AuditRecordsOf(bootstrap(), Writer(name));
    EXPECT_TRUE(records.ok()) << records.status();
    return records.ok() ? *std::move(records) : std::vector<v1::AuditRecord>{};
  }

  // Starts an instance with its own data dir `name`, in this test's group.
  // `extra` flags, and `kafka_properties` added to the test's.
  std::unique_ptr<Process> StartEvidence(
      const std::string& name, int port, const std::string& group_suffix = "",
      int metrics_port = 0, const std::vector<std::string>& extra = {},
      const std::string& kafka_properties = "") {
    std::vector<std::string> args = {
        "--kafka-bootstrap=" + bootstrap(),
        "--kafka-properties=session.timeout.ms=6000,heartbeat.interval.ms="
        "1000" +
            kafka_properties,
        "--group-id=fruition-evidence-test-" + nonce_ + group_suffix,
        "--principals-file=" + dir_ + "/principals.yaml",
        testing::SealedKeyFlag(dir_), "--data-dir=" + dir_ + "/" + name,
        StrCat("--grpc-listen=127.0.0.1:", port),
        StrCat("--metrics-listen=127.0.0.1:",
               metrics_port != 0 ? metrics_port : testing::FreePort()),
        // One chain per running instance (they share this host's name).
        StrCat("--audit-writer=", Writer(name))};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string log =
        StrCat(testing::OutputDir(), "/evidence-", nonce_, "-", name, ".log");
    logs_.push_back(log);
    return StartServing("services/evidence/fruition-evidence", args, log, port);
  }

  // Starts the binary at `runfile` and waits until its health on `port` is
  // SERVING.
  static std::unique_ptr<Process> StartServing(
      const std::string& runfile, const std::vector<std::string>& args,
      const std::string& log, int port) {
    auto process = Process::Start(testing::Runfile(runfile), args, log);
    EXPECT_TRUE(process.ok()) << process.status();
    const std::string address = StrCat("127.0.0.1:", port);
    EXPECT_TRUE(testing::WaitUntil(
        [&] { return testing::HealthStatus(address) == "SERVING"; },
        seconds(60)))
        << runfile << " did not become SERVING; log: " << log;
    return std::move(*process);
  }

  // Starts fruition-intake `name` (its own data dir) on `port`, with this
  // test's principals and the pseudonym key in dir_/key.
  std::unique_ptr<Process> StartIntake(const std::string& name, int port) {
    const std::vector<std::string> args = {
        "--kafka-bootstrap=" + bootstrap(),
        "--principals-file=" + dir_ + "/principals.yaml",
        "--pseudonym-key-file=" + dir_ + "/key",
        testing::SealedKeyFlag(dir_),
        "--data-dir=" + dir_ + "/" + name,
        StrCat("--grpc-listen=127.0.0.1:", port),
        StrCat("--metrics-listen=127.0.0.1:", testing::FreePort())};
    const std::string log =
        StrCat(testing::OutputDir(), "/intake-", nonce_, "-", name, ".log");
    return StartServing("services/intake/fruition-intake", args, log, port);
  }

  // Submits `report` as its reporter to the intake on `port`; the result's
  // code name (or the RPC's error).
  static std::string Submit(int port, const v1::AgencyReport& report) {
    auto stub = v1::IntakeService::NewStub(grpc::CreateChannel(
        StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    v1::SubmitRequest request;
    *request.add_reports() = report;
    v1::SubmitResponse response;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + Token(report.reporter()));
    const grpc::Status st = stub->Submit(&ctx, request, &response);
    if (!st.ok()) return "RPC " + st.error_message();
    if (response.results_size() != 1) return "no result";
    return response.results(0).code_name();
  }

  // What the log says of `org` for OnlyTheFirstDesignatorInLogOrderCounts:
  // its owner, how many of its records are by others, and the verdict of
  // DEA's 2-hop claim under the owner's designations.
  OrgVerdict VerdictFromTheLog(const std::string& org) {
    OrgVerdict v;
    auto records = InLogOrder(std::string(topics::kReference));
    if (!records.ok()) return v;
    bool owner_revoked = false;
    std::map<std::string, std::string> owners;  // org_id -> first reporter
    for (const auto& r : *records) {
      v1::AgencyReport report;
      EXPECT_TRUE(report.ParseFromString(r.value));
      if (report.has_org_designated()) {
        const auto [first, is_new] =
            owners.emplace(report.org_designated().org_id(), report.reporter());
        if (!is_new && first->second != report.reporter()) ++v.ignored_in_log;
      }
      if (r.key != org) continue;
      if (v.owner.empty()) v.owner = report.reporter();
      if (report.reporter() != v.owner) {
        ++v.ignored;
        continue;
      }
      ++v.owner_records;
      owner_revoked |= report.org_designated().revoked();
    }
    if (v.owner == "FBI") {  // PTO_REGIONAL: 2 hops fail C5
      v.tier = v1::TIER_PTO_REGIONAL;
      v.result = v1::ASSESSMENT_RESULT_PARTIAL;
    } else if (v.owner == "DEA") {  // CPOT; revoked before the claim: C1
      v.tier = v1::TIER_CPOT;
      v.result = owner_revoked ? v1::ASSESSMENT_RESULT_UNSUBSTANTIATED
                               : v1::ASSESSMENT_RESULT_SUBSTANTIATED;
    }
    return v;
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

  // Every record of `topic`, by partition, then offset (log order).
  absl::StatusOr<std::vector<testing::Record>> InLogOrder(
      const std::string& topic) {
    auto records = testing::ReadTopic(bootstrap(), topic, seconds(60));
    EXPECT_TRUE(records.ok()) << records.status();
    if (!records.ok()) return records;
    std::sort(records->begin(), records->end(),
              [](const testing::Record& a, const testing::Record& b) {
                return std::tie(a.partition, a.offset) <
                       std::tie(b.partition, b.offset);
              });
    return records;
  }

  // This test's assessments on the topic, in topic order per partition.
  std::vector<v1::LinkAssessment> OurAssessments() {
    std::vector<v1::LinkAssessment> out;
    auto records = InLogOrder(std::string(topics::kLinkAssessments));
    if (!records.ok()) return out;
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

  // Whether the first two instances started both hold partitions within
  // 60 s.
  bool BothHoldPartitions() {
    return testing::WaitUntil(
        [&] {
          std::ifstream la(logs_[0]), lb(logs_[1]);
          const std::string ta((std::istreambuf_iterator<char>(la)), {});
          const std::string tb((std::istreambuf_iterator<char>(lb)), {});
          return ta.find("partitions assigned") != std::string::npos &&
                 tb.find("partitions assigned") != std::string::npos;
        },
        seconds(60));
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
  ASSERT_TRUE(BothHoldPartitions());
  Produce(s.designations);
  Produce(s.claims);
  ASSERT_TRUE(testing::WaitUntil([&] { return !OurAssessments().empty(); },
                                 seconds(60)));
  a->Signal(SIGKILL);
  a->Wait(seconds(10));
  Produce(s.added);
  WaitForExpected(s);
}

// SPEC §8 fencing: an instance paused (SIGSTOP) past its session while it
// holds a transaction, whose partitions a second instance took over, writes
// nothing that anyone reads once it resumes (SIGCONT): it tries (its
// transaction's commit is refused: fruition_stream_transactions_aborted_total
// counts it), and the assessments stay the new owner's. Without fencing its
// stale assessments (made before the evidence was added) would land after
// the new owner's and become the latest.
//
// The pause ends as soon as the new owner's results are settled: a's
// outputs wait in its producer, which fails them 15 s (message.timeout.ms)
// after they were queued, and a transaction fails anyway 20 s after it
// began (transaction.timeout.ms). A longer pause aborts a's transaction for
// that reason alone, and the test could not tell a refused commit from a
// commit that was never checked.
TEST_F(EvidenceIntegrationTest, APausedInstanceIsFencedWhenItResumes) {
  const Scenario s = MakeScenario(nonce_, testing::Scaled(900), canary_);
  const int metrics_a = testing::FreePort();
  // A's outputs linger a second before they are sent: while claims flow it
  // is almost always inside a transaction, so the pause lands in one.
  auto a = StartEvidence("a", testing::FreePort(), "", metrics_a, {},
                         ",linger.ms=1000");
  auto b = StartEvidence("b", testing::FreePort());
  ASSERT_TRUE(BothHoldPartitions());
  Produce(s.designations);
  // A reads them (a global table: no outputs) before the claims come, so
  // that the pause below follows a batch of claims.
  ASSERT_TRUE(
      testing::WaitQuiet(
          [&] {
            return static_cast<int64_t>(
                testing::MetricSum(metrics_a, "fruition_stream_records_total")
                    .value_or(-1));
          },
          seconds(1), seconds(60), milliseconds(100))
          .has_value());
  // Claims in small steps until the pause; the rest once b alone holds
  // every partition (the pause ends sooner).
  std::atomic<bool> pausing{false};
  size_t fed = 0;
  std::thread feeder([&] {
    const size_t step = std::max<size_t>(1, s.claims.size() / 40);
    while (!pausing.load() && fed < s.claims.size()) {
      const size_t end = std::min(s.claims.size(), fed + step);
      Produce(std::vector<v1::AgencyReport>(s.claims.begin() + fed,
                                            s.claims.begin() + end));
      fed = end;
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  // Paused right after it applied a batch: its outputs then linger a second
  // in an open transaction.
  ASSERT_TRUE(testing::WaitUntilApplied(metrics_a, seconds(60)))
      << "instance a applied nothing";
  auto aborted = [&] { return testing::AbortedTransactions(metrics_a); };
  const double aborted_before = aborted();
  a->Signal(SIGSTOP);
  const auto paused = std::chrono::steady_clock::now();
  pausing = true;
  feeder.join();
  // Past a's session (6 s) the group drops it and b owns every partition,
  // replays a's, and then sees the rest of the claims and the added
  // evidence, which changes the assessments.
  const std::string group = "fruition-evidence-test-" + nonce_;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        auto members = testing::StableMembers(bootstrap(), group);
        return members.ok() && *members == 1;
      },
      seconds(60), milliseconds(100)))
      << "the group never dropped the paused instance";
  Produce(
      std::vector<v1::AgencyReport>(s.claims.begin() + fed, s.claims.end()));
  Produce(s.added);
  const auto settled = WaitForExpected(s);
  // Nothing more is written: whatever lands from now on is a's.
  const std::optional<int64_t> quiet = testing::WaitQuiet(
      [&] { return static_cast<int64_t>(OurAssessments().size()); }, seconds(1),
      seconds(60), milliseconds(200));
  ASSERT_TRUE(quiet.has_value()) << "the new owner never stopped writing";
  const int revoked = testing::Occurrences(a->log_path(), "partitions revoked");
  a->Signal(SIGCONT);
  const auto pause_ms = std::chrono::duration_cast<milliseconds>(
                            std::chrono::steady_clock::now() - paused)
                            .count();
  RecordProperty("pause_ms", static_cast<int>(pause_ms));
  // Its transaction ends first: refused (counted), or, were it not fenced,
  // committed before a learns that it lost its partitions (it logs the
  // revocation).
  testing::WaitUntil(
      [&] {
        return aborted() > aborted_before ||
               testing::Occurrences(a->log_path(), "partitions revoked") >
                   revoked;
      },
      seconds(60), milliseconds(20));
  EXPECT_EQ(static_cast<int64_t>(OurAssessments().size()), *quiet)
      << "the paused instance's transaction landed after it resumed";
  EXPECT_GT(aborted(), aborted_before)
      << "the resumed instance never had a commit refused: the pause did not "
         "land inside a transaction, or nothing fenced it";
  EXPECT_TRUE(LogsContain("kafka transaction aborted"));
  std::cout << "paused " << pause_ms << " ms; aborted "
            << testing::AfterMarker(testing::ReadFile(a->log_path()),
                                    "\"during\":")
            << "\n";
  // Let whatever a would write land, then: still the new owner's results.
  std::this_thread::sleep_for(seconds(5));
  const auto after = WaitForExpected(s);
  EXPECT_EQ(after.size(), settled.size());
  for (const auto& [claim, assessment] : settled) {
    auto it = after.find(claim);
    ASSERT_NE(it, after.end()) << claim;
    EXPECT_EQ(it->second.SerializeAsString(), assessment.SerializeAsString())
        << claim << " changed after the paused instance resumed";
  }
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
  const grpc::Status read = call("DEA", req, &own);
  ASSERT_TRUE(read.ok()) << read.error_code() << ": " << read.error_message();
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

  // An overseer reads a designated org's page.
  const std::string org = StrCat("ORG-", nonce_, "-REG");
  v1::GetOrgRequest org_req;
  org_req.set_org_id(org);
  v1::Org got_org;
  grpc::ClientContext octx;
  octx.AddMetadata("authorization", "Bearer " + Token("OIG"));
  const grpc::Status org_read = stub->GetOrg(&octx, org_req, &got_org);
  ASSERT_TRUE(org_read.ok()) << org_read.error_message();

  // The reads and the refusals are on the audit trail, one record each, in
  // order; the canary is in neither the trail nor the logs.
  const std::string claim1 = listed.claims(0).claim_id();
  const std::string get = "/fruition.v1.EvidenceService/GetClaim";
  const std::vector<testing::AuditWant> want = {
      {"DEA", get, "OK", {StrCat("claim:", claim0)}},
      {"FBI", get, "PERMISSION_DENIED", {}},
      {"OIG", get, "OK", {StrCat("claim:", claim0)}},
      {"USSC", get, "PERMISSION_DENIED", {}},
      {"PUBLIC", get, "UNAUTHENTICATED", {}},
      {"FBI",
       "/fruition.v1.EvidenceService/ListClaims",
       "OK",
       {StrCat("claim:", claim1)}},
      {"OIG",
       "/fruition.v1.EvidenceService/GetOrg",
       "OK",
       {StrCat("org:", org)}}};
  std::vector<v1::AuditRecord> trail;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        trail = AuditOf("a");
        return trail.size() >= want.size();
      },
      seconds(30)));
  testing::ExpectAuditRecords(trail, 0, want);
  for (const v1::AuditRecord& a : trail) {
    EXPECT_EQ(a.DebugString().find(canary_), std::string::npos);
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
             bootstrap(), " --principals-file ", dir_, "/principals.yaml ",
             testing::SealedKeyFlag(dir_), " --data-dir ", dir_,
             "/reassess 2>&1"),
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

// ---------------------------------------------------------------------------
// Write authority downstream (SPEC §1) and C1's receipt window (SPEC §3).

// A claim by `reporter` of a link of a new subject to `org`, `hops` away,
// made at kClaimEpoch, with evidence that passes C2–C4 and C6.
v1::AgencyReport GoodClaim(const std::string& nonce, const std::string& name,
                           const std::string& reporter, const std::string& org,
                           uint32_t hops) {
  v1::AgencyReport r;
  r.set_report_id(StrCat(nonce, "-claim-", name));
  r.set_reporter(reporter);
  r.mutable_occurred_at()->set_seconds(kClaimEpoch);
  r.set_case_id(StrCat("CASE-", nonce, "-", name));
  auto* c = r.mutable_link_claim();
  c->set_claim_id(StrCat("CL-", nonce, "-", name));
  c->set_subject_pid(privacy::Sha256Hex(StrCat(nonce, "-subject-", name)));
  c->set_org_id(org);
  c->set_link_role(v1::LINK_ROLE_MANAGER);
  c->set_hops(hops);
  const std::string e = StrCat("EV-", nonce, "-", name, "-");
  *c->add_evidence() = Item(e + "1", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT,
                            "SRC-A", kClaimEpoch - 30 * kDay);
  *c->add_evidence() = Item(e + "2", v1::EVIDENCE_KIND_SURVEILLANCE, "SRC-B",
                            kClaimEpoch - 20 * kDay);
  return r;
}

v1::AgencyReport Designation(const std::string& nonce, const std::string& id,
                             const std::string& reporter,
                             const std::string& org, v1::Tier tier,
                             int64_t occurred_at, bool revoked = false) {
  v1::AgencyReport r;
  r.set_report_id(StrCat(nonce, "-", id));
  r.set_reporter(reporter);
  r.mutable_occurred_at()->set_seconds(occurred_at);
  auto* d = r.mutable_org_designated();
  d->set_org_id(org);
  d->set_tier(tier);
  d->set_region("EDPA");
  d->set_revoked(revoked);
  return r;
}

// The backdating attack of issue 14: claims received at T; designations of
// their orgs dated 10 days before the claims but sent afterwards. Received
// 60 days after T, a designation leaves its claim failing C1; received 20
// days after T, it counts. The reports carry received_at as intake stamps it.
TEST_F(EvidenceIntegrationTest, ABackdatedDesignationCannotRescueAClaim) {
  const int64_t received = kClaimEpoch + 3600;
  Scenario s;
  for (const auto& [name, late] : std::vector<std::pair<std::string, bool>>{
           {"late", true}, {"on-time", false}}) {
    const std::string org = StrCat("ORG-", nonce_, "-", name);
    v1::AgencyReport claim = GoodClaim(nonce_, name, "DEA", org, 1);
    claim.mutable_received_at()->set_seconds(received);
    v1::AgencyReport d =
        Designation(nonce_, "d-" + name, "DEA", org, v1::TIER_PTO_REGIONAL,
                    kClaimEpoch - 10 * kDay);
    d.mutable_received_at()->set_seconds(received + (late ? 60 : 20) * kDay);
    const std::string& id = claim.link_claim().claim_id();
    s.expected[id] =
        late ? Expected{v1::ASSESSMENT_RESULT_UNSUBSTANTIATED, {"C1"}}
             : Expected{v1::ASSESSMENT_RESULT_SUBSTANTIATED, {}};
    s.owner[id] = "DEA";
    s.subject[id] = claim.link_claim().subject_pid();
    s.claims.push_back(std::move(claim));
    s.designations.push_back(std::move(d));
  }
  auto evidence = StartEvidence("a", testing::FreePort());
  // The claims first, as they were made; the designations after them.
  Produce(s.claims);
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return Latest(OurAssessments()).size() == 2; }, seconds(60)));
  Produce(s.designations);
  const auto latest = WaitForExpected(s);
  for (const auto& [claim, a] : latest) {
    EXPECT_EQ(a.criteria_version(), "v1") << claim;
    EXPECT_EQ(a.tier(), v1::TIER_PTO_REGIONAL) << claim;
  }
  // A fresh replica replaying the log (designations now read first, as a
  // global table) concludes the same.
  evidence.reset();
  auto replay = StartEvidence("b", testing::FreePort(), "-b");
  std::map<std::string, std::string> ids;
  for (const auto& [claim, a] : latest) ids[claim] = a.assessment_id();
  std::map<std::string, std::string> replayed;
  testing::WaitUntil(
      [&] {
        replayed.clear();
        for (const auto& a : OurAssessments()) {
          replayed[a.claim_id()] = a.assessment_id();  // the latest
        }
        return replayed == ids;
      },
      seconds(60));
  EXPECT_EQ(replayed, ids);
}

// What an evidence instance says of the race's org and claim.
struct Seen {
  std::vector<std::string> history_reporters;
  v1::Tier org_tier = v1::TIER_UNSPECIFIED;
  v1::AssessmentResult result = v1::ASSESSMENT_RESULT_UNSPECIFIED;
  v1::Tier claim_tier = v1::TIER_UNSPECIFIED;
  std::string assessment_id;
  bool operator==(const Seen& o) const {
    return history_reporters == o.history_reporters && org_tier == o.org_tier &&
           result == o.result && claim_tier == o.claim_tier &&
           assessment_id == o.assessment_id;
  }
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  os << "{history by";
  for (const auto& r : s.history_reporters) os << " " << r;
  return os << ", org tier " << v1::Tier_Name(s.org_tier) << ", claim "
            << v1::AssessmentResult_Name(s.result) << " tier "
            << v1::Tier_Name(s.claim_tier) << " id " << s.assessment_id << "}";
}

Seen Ask(int port, const std::string& org, const std::string& claim_id) {
  Seen seen;
  auto stub = v1::EvidenceService::NewStub(grpc::CreateChannel(
      StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  v1::GetOrgRequest org_req;
  org_req.set_org_id(org);
  v1::Org got_org;
  grpc::ClientContext octx;
  octx.AddMetadata("authorization", "Bearer " + Token("OIG"));
  if (stub->GetOrg(&octx, org_req, &got_org).ok()) {
    for (const auto& h : got_org.history()) {
      seen.history_reporters.push_back(h.reporter());
    }
    seen.org_tier = got_org.tier();
  }
  v1::GetClaimRequest claim_req;
  claim_req.set_reporter("DEA");
  claim_req.set_claim_id(claim_id);
  v1::Claim got_claim;
  grpc::ClientContext cctx;
  cctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
  if (stub->GetClaim(&cctx, claim_req, &got_claim).ok() &&
      got_claim.assessments_size() == 1) {
    seen.result = got_claim.assessments(0).result();
    seen.claim_tier = got_claim.assessments(0).tier();
    seen.assessment_id = got_claim.assessments(0).assessment_id();
  }
  return seen;
}

// Issue 14: "Two intake replicas racing two designations of one org from two
// reporters: downstream, only the first in log order counts, on every
// instance, in any arrival order." FBI designates ORG-X PTO_REGIONAL through
// one intake while DEA designates it CPOT through another, at once; then DEA
// revokes it. DEA's claim is 2 hops from ORG-X: FBI's tier fails C5, DEA's
// passes it (and DEA's revocation fails C1). FBI's is dated after DEA's, so
// counting both would give FBI's tier whoever owns the org. Whoever is first in
// the log owns ORG-X; every evidence instance (one that saw the claim first,
// one restarted, one replaying everything with the designations first) must
// conclude the same from the owner's designations only, and count the rest.
// Sealed text crosses Kafka only encrypted: submitted through intake, it is
// nowhere in the raw bytes of fruition.reports.v1 (which scoring and the
// reconciler read), the claim carries its ciphertext, and evidence (holding
// the same key ring) answers the owning agency and an overseer with the
// text, exactly as before.
TEST_F(EvidenceIntegrationTest, SealedTextCrossesKafkaOnlyEncrypted) {
  std::ofstream(dir_ + "/key") << "evidence-test-pseudonym-key-0001";
  const int intake_port = testing::FreePort();
  auto intake = StartIntake("intake-sealed", intake_port);
  const int port = testing::FreePort();
  auto evidence = StartEvidence("a", port);
  const std::string secret =
      StrCat("SEALED-", nonce_, ": informant K-17 met the courier at pier 9");
  const std::string org = StrCat("ORG-", nonce_, "-SEALED");
  v1::AgencyReport claim = GoodClaim(nonce_, "sealed", "DEA", org, 2);
  const std::string claim_id = claim.link_claim().claim_id();
  claim.mutable_link_claim()->clear_subject_pid();
  claim.mutable_link_claim()->set_subject_ref("DEA-SUBJECT-" + nonce_);
  claim.mutable_link_claim()->mutable_evidence(0)->set_sealed_summary(secret);
  ASSERT_EQ(Submit(intake_port, claim), "OK");

  auto records = testing::ReadTopic(bootstrap(), std::string(topics::kReports),
                                    seconds(60));
  ASSERT_TRUE(records.ok()) << records.status();
  int found = 0;
  for (const testing::Record& r : *records) {
    // Neither the whole text nor a telling part of it, in any record.
    EXPECT_EQ(r.value.find(secret), std::string::npos) << r.offset;
    EXPECT_EQ(r.value.find("informant K-17"), std::string::npos) << r.offset;
    v1::AgencyReport produced;
    if (!produced.ParseFromString(r.value) ||
        produced.report_id() != claim.report_id()) {
      continue;
    }
    ++found;
    const v1::EvidenceItem& item = produced.link_claim().evidence(0);
    EXPECT_TRUE(item.sealed_summary().empty());
    // Version 1, key id "test-1" (testing::kSealedKeyRing), nonce, tag.
    ASSERT_GT(item.sealed_ciphertext().size(), secret.size() + 2 + 6 + 12);
    EXPECT_EQ(item.sealed_ciphertext()[0], 1);
    EXPECT_EQ(item.sealed_ciphertext().substr(2, 6), "test-1");
    EXPECT_TRUE(produced.link_claim().evidence(1).sealed_ciphertext().empty());
  }
  EXPECT_EQ(found, 1);

  ASSERT_TRUE(testing::WaitUntil(
      [&] { return Ask(port, org, claim_id).result != 0; }, seconds(60)));
  auto stub = v1::EvidenceService::NewStub(grpc::CreateChannel(
      StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  v1::GetClaimRequest req;
  req.set_claim_id(claim_id);
  req.set_reporter("DEA");
  for (const std::string who : {"DEA", "OIG"}) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + Token(who));
    v1::Claim got;
    const grpc::Status st = stub->GetClaim(&ctx, req, &got);
    ASSERT_TRUE(st.ok()) << who << ": " << st.error_message();
    ASSERT_EQ(got.evidence_size(), 2) << who;
    EXPECT_EQ(got.evidence(0).sealed_summary(), secret) << who;
    EXPECT_TRUE(got.evidence(0).sealed_ciphertext().empty()) << who;
    EXPECT_FALSE(got.sealed_withheld()) << who;
  }
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + Token("FBI"));
  v1::Claim other;
  EXPECT_EQ(stub->GetClaim(&ctx, req, &other).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(other.SerializeAsString().find(secret), std::string::npos);
  EXPECT_FALSE(LogsContain(secret));
}

TEST_F(EvidenceIntegrationTest, OnlyTheFirstDesignatorInLogOrderCounts) {
  const std::string org = StrCat("ORG-", nonce_, "-X");
  const v1::AgencyReport claim = GoodClaim(nonce_, "x", "DEA", org, 2);
  const std::string claim_id = claim.link_claim().claim_id();
  std::ofstream(dir_ + "/key") << "evidence-test-pseudonym-key-0001";
  const std::vector<int> intake_ports = {testing::FreePort(),
                                         testing::FreePort()};
  const std::unique_ptr<Process> intakes[] = {
      StartIntake("intake-0", intake_ports[0]),
      StartIntake("intake-1", intake_ports[1])};
  const int port_a = testing::FreePort(), metrics_a = testing::FreePort();
  auto a = StartEvidence("a", port_a, "-a", metrics_a);
  // Serving: it has read the reference topic as it was (other tests' orgs
  // included); what the race adds is counted on top.
  const double ignored_before =
      testing::MetricSum(metrics_a,
                         "fruition_evidence_designations_ignored_total")
          .value_or(-1);
  Produce({claim});
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return Ask(port_a, org, claim_id).result != 0; }, seconds(60)));

  // The race: one designation per intake replica, sent at the same moment.
  std::vector<std::thread> racers;
  racers.reserve(2);
  std::vector<std::string> outcomes(2);
  const std::vector<v1::AgencyReport> race = {
      Designation(nonce_, "d-fbi", "FBI", org, v1::TIER_PTO_REGIONAL,
                  kClaimEpoch - 15 * kDay),
      Designation(nonce_, "d-dea", "DEA", org, v1::TIER_CPOT,
                  kClaimEpoch - 20 * kDay)};
  for (int i = 0; i < 2; ++i) {
    racers.emplace_back(
        [&, i] { outcomes[i] = Submit(intake_ports[i], race[i]); });
  }
  for (auto& t : racers) t.join();
  // Intake may refuse a non-owner (PERMISSION_DENIED) where it saw the
  // owner; whatever it accepted is in the log.
  for (const std::string& o : outcomes) {
    EXPECT_TRUE(o == "OK" || o == "PERMISSION_DENIED") << o;
  }
  const std::string revoked = Submit(
      intake_ports[1], Designation(nonce_, "d-dea-revoke", "DEA", org,
                                   v1::TIER_CPOT, kClaimEpoch - 10 * kDay,
                                   /*revoked=*/true));
  EXPECT_TRUE(revoked == "OK" || revoked == "PERMISSION_DENIED") << revoked;

  const OrgVerdict want = VerdictFromTheLog(org);
  ASSERT_FALSE(want.owner.empty()) << "no designation of " << org << " landed";
  RecordProperty("owner", want.owner);
  const std::vector<std::string> owner_history(want.owner_records, want.owner);

  // Instance a: the claim first, then the race.
  Seen seen_a;
  testing::WaitUntil(
      [&] {
        seen_a = Ask(port_a, org, claim_id);
        return seen_a.history_reporters == owner_history &&
               seen_a.result == want.result;
      },
      seconds(60));
  EXPECT_EQ(seen_a.history_reporters, owner_history) << seen_a;
  EXPECT_EQ(seen_a.result, want.result) << seen_a;
  EXPECT_EQ(seen_a.claim_tier, want.tier) << seen_a;
  EXPECT_EQ(seen_a.org_tier, want.tier) << seen_a;
  EXPECT_EQ(testing::MetricSum(metrics_a,
                               "fruition_evidence_designations_ignored_total"),
            std::optional<double>(ignored_before + want.ignored));

  // Instance c: a fresh replica in its own group replays the whole log,
  // the designations (global table) before the claim.
  const int port_c = testing::FreePort(), metrics_c = testing::FreePort();
  auto c = StartEvidence("c", port_c, "-c", metrics_c);
  Seen seen_c;
  testing::WaitUntil(
      [&] {
        seen_c = Ask(port_c, org, claim_id);
        return seen_c == seen_a;
      },
      seconds(60));
  EXPECT_EQ(seen_c, seen_a);
  EXPECT_EQ(testing::MetricSum(metrics_c,
                               "fruition_evidence_designations_ignored_total"),
            std::optional<double>(want.ignored_in_log));

  // Instance a, killed and restarted on its store: the same.
  a->Signal(SIGKILL);
  a->Wait(seconds(10));
  a = StartEvidence("a", port_a, "-a", metrics_a);
  EXPECT_EQ(Ask(port_a, org, claim_id), seen_a);
}

// The evidence limit (SPEC §2): a claim receiving 2,000 items (256 with the
// claim, then evidence_added reports of at most 256) counts the first 1,024,
// says how many it ignored, and its partition keeps moving: a later claim
// of the same subject (same partition) is assessed after it.
TEST_F(EvidenceIntegrationTest, AClaimOfTwoThousandItemsCountsTheFirst1024) {
  const std::string org = "ORG-" + nonce_ + "-BIG";
  v1::AgencyReport designated;
  designated.set_report_id(nonce_ + "-d-big");
  designated.set_reporter("DEA");
  designated.mutable_occurred_at()->set_seconds(kClaimEpoch - 400 * kDay);
  designated.mutable_org_designated()->set_org_id(org);
  designated.mutable_org_designated()->set_tier(v1::TIER_PTO_REGIONAL);
  const std::string pid = privacy::Sha256Hex(nonce_ + "-big-subject");
  const std::string big = "CL-" + nonce_ + "-BIG";
  // Items "<prefix>-<i>" of two sources, a wiretap first; those beyond the
  // limit carry the canary as sealed text.
  auto items = [&](const std::string& prefix, int n, bool beyond) {
    std::vector<v1::EvidenceItem> out;
    out.reserve(n);
    for (int i = 0; i < n; ++i) {
      v1::EvidenceItem item =
          Item(StrCat(prefix, "-", i),
               i == 0 ? v1::EVIDENCE_KIND_WIRETAP_INTERCEPT
                      : v1::EVIDENCE_KIND_SURVEILLANCE,
               i % 2 == 0 ? "SRC-A" : "SRC-B", kClaimEpoch - 10 * kDay);
      if (beyond) item.set_sealed_summary(canary_);
      out.push_back(std::move(item));
    }
    return out;
  };
  auto claim = [&](const std::string& claim_id,
                   const std::vector<v1::EvidenceItem>& evidence) {
    v1::AgencyReport r = fixtures::Envelope("DEA", nonce_ + "-" + claim_id,
                                            "CASE-" + claim_id, kClaimEpoch);
    auto* c = r.mutable_link_claim();
    c->set_claim_id(claim_id);
    c->set_subject_pid(pid);
    c->set_org_id(org);
    c->set_link_role(v1::LINK_ROLE_MEMBER);
    c->set_hops(1);
    *c->mutable_evidence() = {evidence.begin(), evidence.end()};
    return r;
  };
  std::vector<v1::AgencyReport> reports = {claim(big, items("C", 256, false))};
  for (int k = 1; k <= 7; ++k) {
    v1::AgencyReport r =
        fixtures::Envelope("DEA", StrCat(nonce_, "-ea-", k), "CASE-" + big,
                           kClaimEpoch + k * kDay);
    auto* ea = r.mutable_evidence_added();
    ea->set_claim_id(big);
    ea->set_subject_pid(pid);
    // EA1..EA3 fill the limit (256 + 768); EA4..EA7 (976 items) are beyond.
    for (const auto& e : items(StrCat("A", k), k == 7 ? 208 : 256, k > 3)) {
      *ea->add_evidence() = e;
    }
    reports.push_back(std::move(r));
  }
  const int port = testing::FreePort();
  auto evidence = StartEvidence("a", port);
  Produce({designated});
  // One at a time, so that log order is the order sent.
  for (const auto& r : reports) Produce({r});
  // Then a claim of the same subject: on the same partition, after them.
  const std::string after = "CL-" + nonce_ + "-AFTER";
  Produce({claim(after, items("AFTER", 2, false))});

  std::map<std::string, v1::LinkAssessment> latest;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        latest = Latest(OurAssessments());
        return latest.count(after) > 0 && latest.count(big) > 0 &&
               latest.at(big).evidence_ignored() == 976;
      },
      seconds(120)))
      << "assessed: " << latest.size() << ", ignored "
      << (latest.count(big) > 0 ? latest.at(big).evidence_ignored() : 0);
  const v1::LinkAssessment& a = latest.at(big);
  EXPECT_EQ(a.evidence_ids_size(), 1024);
  for (const auto& id : a.evidence_ids()) {
    EXPECT_TRUE(id.rfind("C-", 0) == 0 || id.rfind("A1-", 0) == 0 ||
                id.rfind("A2-", 0) == 0 || id.rfind("A3-", 0) == 0)
        << id << " is beyond the first 1,024";
  }
  EXPECT_EQ(a.result(), v1::ASSESSMENT_RESULT_SUBSTANTIATED);
  EXPECT_EQ(latest.at(after).evidence_ignored(), 0u);
  EXPECT_EQ(latest.at(after).result(), v1::ASSESSMENT_RESULT_SUBSTANTIATED);
  EXPECT_EQ(testing::HealthStatus(StrCat("127.0.0.1:", port)), "SERVING");
  // The ignored items are not stored: the claim as an overseer reads it
  // (sealed text revealed) holds the 1,024 only, and no canary.
  auto stub = v1::EvidenceService::NewStub(grpc::CreateChannel(
      StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
  v1::GetClaimRequest req;
  req.set_reporter("DEA");
  req.set_claim_id(big);
  v1::Claim got;
  const grpc::Status st = stub->GetClaim(&ctx, req, &got);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(got.evidence_size(), 1024);
  EXPECT_EQ(got.SerializeAsString().find(canary_), std::string::npos);
  EXPECT_FALSE(LogsContain(canary_));
}

// Poison produce: an assessment Kafka refuses for good (here larger than
// the service producer's message.max.bytes, as a topic's max.message.bytes
// would refuse it) stops the partition NOT_SERVING within 30 s, logged with
// the input record's coordinates, instead of a retry forever while SERVING;
// an operator's --skip-record passes it and the partition moves on.
TEST_F(EvidenceIntegrationTest, AnAssessmentKafkaRefusesStopsUntilSkipped) {
  const std::string small = ",message.max.bytes=8000";
  const std::string pid = privacy::Sha256Hex(nonce_ + "-poison-subject");
  auto claim = [&](const std::string& claim_id, int items) {
    v1::AgencyReport r = fixtures::Envelope("DEA", nonce_ + "-" + claim_id,
                                            "CASE-" + claim_id, kClaimEpoch);
    auto* c = r.mutable_link_claim();
    c->set_claim_id(claim_id);
    c->set_subject_pid(pid);
    c->set_org_id("ORG-" + nonce_ + "-NONE");
    c->set_link_role(v1::LINK_ROLE_MEMBER);
    // Long ids: 256 of them make an assessment of more than 8,000 bytes.
    for (int i = 0; i < items; ++i) {
      *c->add_evidence() =
          Item(StrCat("EV-", nonce_, "-", claim_id, "-", i, "-",
                      std::string(40, 'x')),
               v1::EVIDENCE_KIND_SURVEILLANCE, "SRC-A", kClaimEpoch - kDay);
    }
    return r;
  };
  const std::string big = "CL-" + nonce_ + "-HUGE";
  const int port = testing::FreePort();
  auto evidence = StartEvidence("a", port, "", 0, {}, small);
  const auto sent = std::chrono::steady_clock::now();
  Produce({claim(big, 256)});
  const std::string address = StrCat("127.0.0.1:", port);
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return testing::HealthStatus(address) == "NOT_SERVING"; },
      seconds(30)))
      << "still " << testing::HealthStatus(address) << " after 30 s";
  const auto stopped_after = std::chrono::duration_cast<milliseconds>(
      std::chrono::steady_clock::now() - sent);
  std::cout << "NOT_SERVING " << stopped_after.count()
            << " ms after the record was produced\n";
  // The error line names the input record: its --skip-record value.
  auto reports = testing::ReadTopic(bootstrap(), std::string(topics::kReports),
                                    seconds(30));
  ASSERT_TRUE(reports.ok()) << reports.status();
  std::string skip;
  for (const auto& r : *reports) {
    v1::AgencyReport report;
    if (report.ParseFromString(r.value) &&
        report.report_id() == nonce_ + "-" + big) {
      skip = StrCat(r.topic, ":", r.partition, ":", r.offset);
    }
  }
  ASSERT_FALSE(skip.empty());
  EXPECT_TRUE(LogsContain("\"skip_record\":\"" + skip + "\""));
  EXPECT_TRUE(LogsContain("output refused by Kafka"));
  // Nothing of it was produced.
  EXPECT_EQ(Latest(OurAssessments()).count(big), 0u);

  // The operator skips it; a later claim of the same subject (the same
  // partition) is assessed.
  evidence.reset();
  auto restarted =
      StartEvidence("a", port, "", 0, {"--skip-record=" + skip}, small);
  const std::string after = "CL-" + nonce_ + "-AFTER";
  Produce({claim(after, 2)});
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return Latest(OurAssessments()).count(after) > 0; }, seconds(60)));
  EXPECT_EQ(testing::HealthStatus(address), "SERVING");
  EXPECT_EQ(Latest(OurAssessments()).count(big), 0u);
  EXPECT_TRUE(LogsContain("skipped by operator (--skip-record)"));
  // The skip is on the audit trail: exactly one record, the operator's,
  // naming the record it passed (this instance's chain is its own, and the
  // test made no reads).
  std::vector<v1::AuditRecord> skips;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        skips = AuditOf("a");
        return !skips.empty();
      },
      seconds(30)));
  testing::ExpectAuditRecords(
      skips, 0, {{"operator", "skip-record", "OK", {"record:" + skip}}});
}

}  // namespace
}  // namespace fruition
