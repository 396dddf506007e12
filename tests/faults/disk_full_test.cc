// A full data disk (SPEC §8) on a real filesystem: fruition-evidence's data
// dir is a 16 MiB tmpfs of the test's own, which a filler file fills until
// writes fail. Evidence then stops serving (grpc health NOT_SERVING, gauge
// fruition_stream_disk_full 1) with its transaction held in memory; once the
// filler is deleted it commits, serves again, and its claims end as if the
// disk had never filled: every claim assessed, none lost, none counted
// twice. services/common/stream/loop_test.cc has the same with an injected
// fault (FullDiskStopsServingThenRecoversLosingNothing).
//
// On the suite's broker (FRUITION_TEST_KAFKA_BOOTSTRAP, or one of its own).
// Skipped, with the reason, where Kafka is unavailable or a tmpfs cannot be
// mounted (not root, no CAP_SYS_ADMIN).
#include <grpcpp/grpcpp.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/evidence.grpc.pb.h"
#include "fruition/v1/reports.pb.h"
#include "gtest/gtest.h"
#include "services/common/kafka/admin.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/broker_suite.h"
#include "tests/harness/harness.h"

namespace fruition {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Outgoing;
using testing::Process;

constexpr int64_t kDay = 86400;
constexpr int64_t kClaimEpoch = 1500000000;  // 2017-07-14

std::string Token(const std::string& code) { return "disk-full-token-" + code; }

// A record of `report` as intake writes it (SPEC §7 keys).
Outgoing Record(const v1::AgencyReport& report, const std::string& topic,
                const std::string& key) {
  return Outgoing{topic,
                  key,
                  report.SerializeAsString(),
                  {{"fruition-reporter", report.reporter()},
                   {"fruition-report-id", report.report_id()}}};
}

v1::EvidenceItem Item(const std::string& id, v1::EvidenceKind kind,
                      const std::string& source, int64_t observed) {
  v1::EvidenceItem item;
  item.set_evidence_id(id);
  item.set_kind(kind);
  item.set_source_id(source);
  item.mutable_observed_at()->set_seconds(observed);
  return item;
}

// The claims of one test: DEA's org, designated a year before them, and
// claim i's subject; a claim with its wiretap and its surveillance is
// SUBSTANTIATED, with the wiretap alone PARTIAL (C2: one source).
class Claims {
 public:
  explicit Claims(std::string nonce) : nonce_(std::move(nonce)) {}

  std::string Org() const { return "ORG-" + nonce_; }
  std::string ClaimId(int i) const { return StrCat("CL-", nonce_, "-", i); }
  std::string Subject(int i) const {
    return privacy::Sha256Hex(StrCat(nonce_, "-subject-", i));
  }

  Outgoing Designation() const {
    v1::AgencyReport r;
    r.set_report_id(nonce_ + "-designation");
    r.set_reporter("DEA");
    r.mutable_occurred_at()->set_seconds(kClaimEpoch - 400 * kDay);
    auto* d = r.mutable_org_designated();
    d->set_org_id(Org());
    d->set_tier(v1::TIER_PTO_REGIONAL);
    d->set_region("EDPA");
    return Record(r, std::string(topics::kReference), Org());
  }

  // Claim i, with both items or the wiretap only; the wiretap's sealed
  // summary (kept in the store, never published) `sealed` bytes long.
  Outgoing Claim(int i, bool both, size_t sealed = 0) const {
    v1::AgencyReport r = Envelope(i, "claim", At(i));
    auto* c = r.mutable_link_claim();
    c->set_claim_id(ClaimId(i));
    c->set_subject_pid(Subject(i));
    c->set_org_id(Org());
    c->set_link_role(v1::LINK_ROLE_COURIER);
    c->set_hops(1);
    *c->add_evidence() = Wiretap(i);
    c->mutable_evidence(0)->set_sealed_summary(std::string(sealed, 's'));
    if (both) *c->add_evidence() = Surveillance(i);
    return Record(r, std::string(topics::kReports), Subject(i));
  }

  // Claim i's surveillance, added a day after the claim.
  Outgoing Added(int i) const {
    v1::AgencyReport r = Envelope(i, "added", At(i) + kDay);
    auto* a = r.mutable_evidence_added();
    a->set_claim_id(ClaimId(i));
    a->set_subject_pid(Subject(i));
    *a->add_evidence() = Surveillance(i);
    return Record(r, std::string(topics::kReports), Subject(i));
  }

 private:
  static int64_t At(int i) { return kClaimEpoch + int64_t{i} * 60; }
  v1::AgencyReport Envelope(int i, const std::string& what, int64_t at) const {
    v1::AgencyReport r;
    r.set_report_id(StrCat(nonce_, "-", what, "-", i));
    r.set_reporter("DEA");
    r.mutable_occurred_at()->set_seconds(at);
    r.set_case_id(StrCat("CASE-", nonce_, "-", i));
    return r;
  }
  v1::EvidenceItem Wiretap(int i) const {
    return Item(StrCat("EV-", nonce_, "-", i, "-1"),
                v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "SRC-A",
                At(i) - 30 * kDay);
  }
  v1::EvidenceItem Surveillance(int i) const {
    return Item(StrCat("EV-", nonce_, "-", i, "-2"),
                v1::EVIDENCE_KIND_SURVEILLANCE, "SRC-B", At(i) - 20 * kDay);
  }

  std::string nonce_;
};

// Writes zeros to `path` until the filesystem refuses more; the bytes
// written.
int64_t FillUntilFull(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return -1;
  const std::vector<char> chunk(1 << 16, 0);
  int64_t written = 0;
  while (true) {
    const size_t n = std::fwrite(chunk.data(), 1, chunk.size(), f);
    written += static_cast<int64_t>(n);
    if (n < chunk.size() || std::fflush(f) != 0) break;
  }
  std::fclose(f);
  return written;
}

// Bytes still free for an unprivileged writer on the filesystem of `path`.
int64_t FreeBytes(const std::string& path) {
  struct statvfs st {};
  if (statvfs(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize);
}

class DiskFullTest : public testing::BrokerSuite<DiskFullTest> {
 protected:
  static void SetUpTestSuite() {
    auto topics = kafka::IntakeTopics(12, 1);
    topics.push_back(kafka::TopicSpec{std::string(topics::kLinkAssessments),
                                      12,
                                      1,
                                      {{"retention.ms", "-1"}}});
    // A broker of its own: evidence reads every claim on its topics into a
    // 16 MiB filesystem, and on the shared broker other suites' claims
    // (thousands) decide how full it is before the test fills it (it once
    // never had RocksDB's 2 MiB back after the filler was deleted).
    SetUpOwnBroker(topics);
  }

  void SetUp() override {
    BrokerSuite::SetUp();
    if (IsSkipped()) return;
    nonce_ = testing::Nonce();
    dir_ = testing::NewTempDir("disk-full");
    disk_ = dir_ + "/disk";
    std::filesystem::create_directories(disk_);
    std::string out;
    if (testing::RunShell(StrCat("mount -t tmpfs -o size=16m tmpfs ", disk_),
                          &out) != 0) {
      GTEST_SKIP() << "cannot mount a 16 MiB tmpfs for the data dir (needs "
                      "root or CAP_SYS_ADMIN): "
                   << out;
    }
    mounted_ = true;
    std::ofstream(dir_ + "/principals.yaml")
        << "principals:\n  - code: DEA\n    kind: AGENCY\n    token_sha256: "
        << privacy::Sha256Hex(Token("DEA"))
        << "\n    designates: true\n  - code: OIG\n    kind: OVERSEER\n"
        << "    token_sha256: " << privacy::Sha256Hex(Token("OIG")) << "\n";
  }

  void TearDown() override {
    evidence_.reset();  // killed (and reaped) before its disk goes
    if (!mounted_) return;
    std::string out;
    EXPECT_EQ(testing::RunShell("umount " + disk_, &out), 0) << out;
  }

  // Starts fruition-evidence with its data dir on the tmpfs; waits until it
  // is SERVING.
  void StartEvidence() {
    grpc_port_ = testing::FreePort();
    metrics_port_ = testing::FreePort();
    const std::vector<std::string> args = {
        "--kafka-bootstrap=" + bootstrap(),
        "--group-id=fruition-evidence-disk-full-" + nonce_,
        "--principals-file=" + dir_ + "/principals.yaml",
        testing::SealedKeyFlag(dir_), "--data-dir=" + disk_ + "/evidence",
        // RocksDB resumes after a full disk once its largest memtable (a
        // quarter of this) fits in the free space: 2 MiB of the 16.
        "--store-write-buffer-mb=8",
        StrCat("--grpc-listen=127.0.0.1:", grpc_port_),
        StrCat("--metrics-listen=127.0.0.1:", metrics_port_),
        StrCat("--audit-writer=evidence@", nonce_)};
    auto process = Process::Start(
        testing::Runfile("services/evidence/fruition-evidence"), args,
        StrCat(testing::OutputDir(), "/evidence-", nonce_, ".log"));
    ASSERT_TRUE(process.ok()) << process.status();
    evidence_ = std::move(*process);
    ASSERT_TRUE(
        testing::WaitUntil([&] { return Health() == "SERVING"; }, seconds(60)))
        << "evidence did not become SERVING; log: " << evidence_->log_path();
  }

  std::string Health() const {
    return testing::HealthStatus(StrCat("127.0.0.1:", grpc_port_));
  }
  double DiskFull() const {
    return testing::MetricSum(metrics_port_, "fruition_stream_disk_full")
        .value_or(-1);
  }

  // This test's assessments on the topic, by claim, in topic order.
  std::map<std::string, std::vector<v1::LinkAssessment>> Assessments() {
    std::map<std::string, std::vector<v1::LinkAssessment>> out;
    auto records = testing::ReadTopic(
        bootstrap(), std::string(topics::kLinkAssessments), seconds(60));
    EXPECT_TRUE(records.ok()) << records.status();
    if (!records.ok()) return out;
    std::sort(records->begin(), records->end(),
              [](const testing::Record& a, const testing::Record& b) {
                return std::tie(a.partition, a.offset) <
                       std::tie(b.partition, b.offset);
              });
    for (const auto& r : *records) {
      v1::LinkAssessment a;
      if (!a.ParseFromString(r.value) ||
          a.claim_id().find(nonce_) == std::string::npos) {
        continue;
      }
      out[a.claim_id()].push_back(std::move(a));
    }
    return out;
  }

  // "" when the latest assessment of each claim of `want` (claim id ->
  // result) on the topic is that result, else the first that is not.
  std::string LatestDiff(
      const std::map<std::string, v1::AssessmentResult>& want) {
    const auto all = Assessments();
    for (const auto& [claim, result] : want) {
      auto it = all.find(claim);
      if (it == all.end()) return "no assessment of " + claim;
      const v1::LinkAssessment& latest = it->second.back();
      if (latest.result() != result) {
        return StrCat(claim, ": ", v1::AssessmentResult_Name(latest.result()),
                      ", want ", v1::AssessmentResult_Name(result));
      }
    }
    return "";
  }

  // "" when evidence's store holds exactly one assessment of each claim of
  // `want`, with that result, else the first that differs.
  std::string StoredDiff(
      const std::map<std::string, v1::AssessmentResult>& want) {
    auto stub = v1::EvidenceService::NewStub(grpc::CreateChannel(
        StrCat("127.0.0.1:", grpc_port_), grpc::InsecureChannelCredentials()));
    for (const auto& [claim, result] : want) {
      v1::GetClaimRequest req;
      req.set_reporter("DEA");
      req.set_claim_id(claim);
      v1::Claim got;
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
      const grpc::Status st = stub->GetClaim(&ctx, req, &got);
      if (!st.ok()) return StrCat(claim, ": ", st.error_message());
      if (got.assessments_size() != 1 ||
          got.assessments(0).result() != result) {
        return StrCat(claim, ": ", got.assessments_size(),
                      " assessments stored, want one ",
                      v1::AssessmentResult_Name(result));
      }
    }
    return "";
  }

  // Whether evidence holds a designation of `org`.
  bool OrgDesignated(const std::string& org) {
    auto stub = v1::EvidenceService::NewStub(grpc::CreateChannel(
        StrCat("127.0.0.1:", grpc_port_), grpc::InsecureChannelCredentials()));
    v1::GetOrgRequest req;
    req.set_org_id(org);
    v1::Org got;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
    return stub->GetOrg(&ctx, req, &got).ok() && got.designated();
  }

  std::string nonce_;
  std::string dir_;
  std::string disk_;
  bool mounted_ = false;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
  std::unique_ptr<Process> evidence_;
};

// Claims before the disk fills (SUBSTANTIATED), claims while it is full
// (PARTIAL: one source), then, once it has space again, the second source
// of each of those (SUBSTANTIATED: their state from the full disk was kept)
// and more claims.
TEST_F(DiskFullTest, EvidenceStopsServingWhileItsDiskIsFullThenLosesNothing) {
  const int n = testing::Scaled(200);
  const Claims claims(nonce_);
  std::map<std::string, v1::AssessmentResult> want;
  std::vector<Outgoing> before, during, after;
  for (int i = 0; i < 3 * n; ++i) {
    if (i < n) before.push_back(claims.Claim(i, true));
    if (i >= n && i < 2 * n) {
      // 4 MiB in all: more than RocksDB's write-ahead log preallocates
      // (1.1 write buffers, 2.2 MiB), which the filler cannot take.
      during.push_back(claims.Claim(i, false, (4 << 20) / n));
      after.push_back(claims.Added(i));
    }
    if (i >= 2 * n) after.push_back(claims.Claim(i, true));
    want[claims.ClaimId(i)] = v1::ASSESSMENT_RESULT_SUBSTANTIATED;
  }
  std::map<std::string, v1::AssessmentResult> want_before;
  for (int i = 0; i < n; ++i) {
    want_before[claims.ClaimId(i)] = v1::ASSESSMENT_RESULT_SUBSTANTIATED;
  }
  StartEvidence();
  // The designation first, and known to evidence before any claim: it is
  // on another topic, and a claim read before it would be assessed twice
  // (without, then with it), which the count below would take for a
  // replay. (The clean-clone run of 671ed77 met that race, 10 of 200.)
  ASSERT_TRUE(testing::Produce(bootstrap(), {claims.Designation()}).ok());
  ASSERT_TRUE(testing::WaitUntil([&] { return OrgDesignated(claims.Org()); },
                                 seconds(60), milliseconds(200)))
      << "evidence never read the designation of " << claims.Org();
  ASSERT_TRUE(testing::Produce(bootstrap(), before).ok());
  std::string why;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        why = StoredDiff(want_before);
        return why.empty();
      },
      seconds(60), milliseconds(500)))
      << "before the disk filled: " << why;

  const int64_t filled = FillUntilFull(disk_ + "/filler");
  ASSERT_GT(filled, 0);
  ASSERT_LT(FreeBytes(disk_), 64 << 10) << "the tmpfs is not full";
  ASSERT_TRUE(testing::Produce(bootstrap(), during).ok());
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return DiskFull() == 1 && Health() == "NOT_SERVING"; },
      seconds(60)))
      << "with its disk full evidence is " << Health() << ", disk_full gauge "
      << DiskFull() << "; log: " << evidence_->log_path();
  // Held, not failed: still waiting for space ten retries later (RocksDB
  // retries too, and logs each time).
  std::this_thread::sleep_for(seconds(10));
  EXPECT_EQ(DiskFull(), 1);
  EXPECT_EQ(Health(), "NOT_SERVING");
  EXPECT_TRUE(evidence_->running());

  std::cout << "filler " << filled << " bytes; " << during.size()
            << " claims produced while full\n";
  ASSERT_TRUE(std::filesystem::remove(disk_ + "/filler"));
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return DiskFull() == 0 && Health() == "SERVING"; }, seconds(60)))
      << "with space again evidence is " << Health() << ", disk_full gauge "
      << DiskFull() << "; log: " << evidence_->log_path();
  ASSERT_TRUE(testing::Produce(bootstrap(), after).ok());
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        why = LatestDiff(want);
        if (why.empty()) why = StoredDiff(want);
        return why.empty();
      },
      seconds(120), milliseconds(500)))
      << why;
  // Nothing counted twice: on the topic, each claim's assessments are its
  // distinct states, under one id each (a replay repeats an assessment
  // under its id): one, or for a claim of the full disk two at most
  // (PARTIAL, then SUBSTANTIATED with its second source).
  const auto all = Assessments();
  for (int i = 0; i < 3 * n; ++i) {
    auto it = all.find(claims.ClaimId(i));
    ASSERT_NE(it, all.end()) << claims.ClaimId(i);
    std::set<std::string> ids;
    for (const auto& a : it->second) ids.insert(a.assessment_id());
    EXPECT_LE(ids.size(), i >= n && i < 2 * n ? 2u : 1u) << claims.ClaimId(i);
  }
  RecordProperty("filler_bytes", static_cast<int>(filled));
}

}  // namespace
}  // namespace fruition
