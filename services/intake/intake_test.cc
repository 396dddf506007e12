#include "services/intake/intake.h"

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

#include "gtest/gtest.h"
#include "services/common/log/log.h"
#include "services/common/privacy/sealed_report.h"
#include "services/common/topics.h"
#include "services/intake/test_reports.h"

namespace fruition::intake {
namespace {

// A producer that records what it was given and answers as told.
class FakeProducer : public kafka::Producer {
 public:
  struct Record {
    std::string topic, key, value;
    std::vector<kafka::Header> headers;
  };
  void Produce(std::string_view topic, std::string_view key,
               std::string_view value,
               const std::vector<kafka::Header>& headers,
               kafka::DeliveryCallback done) override {
    std::lock_guard<std::mutex> lock(mu_);
    records_.push_back(
        {std::string(topic), std::string(key), std::string(value), headers});
    kafka::DeliveryReport report;
    report.status = next_status_;
    if (report.status.ok()) {
      report.partition = 3;
      report.offset = static_cast<int64_t>(records_.size()) - 1;
    }
    if (hold_) {
      held_.push_back({std::move(done), report});
    } else {
      done(report);
    }
  }
  absl::Status Flush(std::chrono::milliseconds) override {
    return absl::OkStatus();
  }
  bool Healthy() const override { return healthy_; }

  std::vector<Record> records() {
    std::lock_guard<std::mutex> lock(mu_);
    return records_;
  }
  void ReleaseHeld() {
    for (auto& [done, report] : held_) done(report);
    held_.clear();
  }

  absl::Status next_status_ = absl::OkStatus();
  bool healthy_ = true;
  bool hold_ = false;

 private:
  std::mutex mu_;
  std::vector<Record> records_;
  std::vector<std::pair<kafka::DeliveryCallback, kafka::DeliveryReport>> held_;
};

constexpr int64_t kNow = 1767225600;  // 2026-01-01

class IntakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/intake_test_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    auto store = IdempotencyStore::Open(dir_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto p = privacy::Pseudonymizer::FromKey("intake-test-key-0123456789");
    ASSERT_TRUE(p.ok());
    pseudonymizer_ = std::make_unique<privacy::Pseudonymizer>(*p);
    auto sealed = privacy::SealedBox::FromText("test-1:" + std::string(64, '7'),
                                               "sealed-key");
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    sealed_ = std::make_unique<privacy::SealedBox>(*sealed);
    intake_ = std::make_unique<Intake>(
        &producer_, store_.get(), pseudonymizer_.get(), sealed_.get(),
        &metrics_, [this] { return now_.load(); },
        [this](const std::string& org_id, const std::string& reporter) {
          std::lock_guard<std::mutex> lock(owners_mu_);
          auto it = owners_.find(org_id);
          return it == owners_.end() || it->second == reporter;
        },
        [this](const std::string& line_id) -> std::optional<std::string> {
          std::lock_guard<std::mutex> lock(owners_mu_);
          auto it = lines_.find(line_id);
          if (it == lines_.end()) return std::nullopt;
          return it->second;
        });
  }

  static v1::AgencyReport Arrest(const std::string& id,
                                 const std::string& subject_ref) {
    v1::AgencyReport r;
    r.set_report_id(id);
    r.set_reporter("DEA");
    r.mutable_occurred_at()->set_seconds(kNow - 86400);
    r.set_case_id("CASE-1");
    auto* a = r.mutable_arrest();
    a->set_arrest_id("A-" + id);
    a->set_subject_ref(subject_ref);
    a->set_agency("DEA");
    a->set_field_office("DEA-PHILADELPHIA");
    return r;
  }

  // DEA designating ORG-SINALOA-7 a CPOT.
  static v1::AgencyReport Designation() {
    v1::AgencyReport r;
    r.set_report_id("ORG-1");
    r.set_reporter("DEA");
    r.mutable_occurred_at()->set_seconds(kNow - 10);
    r.mutable_org_designated()->set_org_id("ORG-SINALOA-7");
    r.mutable_org_designated()->set_tier(v1::TIER_CPOT);
    return r;
  }

  v1::ReportResult SubmitSync(const v1::AgencyReport& report,
                              const auth::Principal& caller = {
                                  "DEA", auth::PrincipalKind::kAgency}) {
    auto promise = std::make_shared<std::promise<v1::ReportResult>>();
    auto future = promise->get_future();
    intake_->Submit(caller, report, [promise](v1::ReportResult r) {
      promise->set_value(std::move(r));
    });
    EXPECT_EQ(future.wait_for(std::chrono::seconds(10)),
              std::future_status::ready);
    return future.get();
  }

  std::vector<v1::ReportResult> SubmitBatchSync(
      const std::vector<v1::AgencyReport>& reports,
      const auth::Principal& caller = {"DEA", auth::PrincipalKind::kAgency}) {
    google::protobuf::RepeatedPtrField<v1::AgencyReport> batch(reports.begin(),
                                                               reports.end());
    auto promise =
        std::make_shared<std::promise<std::vector<v1::ReportResult>>>();
    auto future = promise->get_future();
    intake_->SubmitBatch(caller, batch,
                         [promise](std::vector<v1::ReportResult> results) {
                           promise->set_value(std::move(results));
                         });
    EXPECT_EQ(future.wait_for(std::chrono::seconds(10)),
              std::future_status::ready);
    return future.get();
  }

  std::string dir_;
  std::atomic<int64_t> now_{kNow};  // intake's clock
  // The org owners intake has read (OrgTable's part): org_id -> owner.
  std::mutex owners_mu_;
  std::map<std::string, std::string> owners_;
  // The budget lines intake has read: line_id -> agency.
  std::map<std::string, std::string> lines_;
  prometheus::Registry registry_;
  IntakeMetrics metrics_{registry_};
  FakeProducer producer_;
  std::unique_ptr<IdempotencyStore> store_;
  std::unique_ptr<privacy::Pseudonymizer> pseudonymizer_;
  std::unique_ptr<privacy::SealedBox> sealed_;
  std::unique_ptr<Intake> intake_;
};

// Sealed text leaves intake only encrypted (to the key evidence holds too),
// bound to its claim; the index still compares the report as sent.
TEST_F(IntakeTest, SealedSummaryIsProducedEncryptedOnly) {
  const v1::AgencyReport claim =
      intake::testing::ValidReport(v1::AgencyReport::kLinkClaim, kNow);
  const std::string text = claim.link_claim().evidence(0).sealed_summary();
  ASSERT_FALSE(text.empty());
  const auth::Principal caller =
      intake::testing::CallerFor(v1::AgencyReport::kLinkClaim);
  const v1::ReportResult r = SubmitSync(claim, caller);
  ASSERT_EQ(r.code(), 0) << r.message();
  ASSERT_EQ(producer_.records().size(), 1u);
  const std::string value = producer_.records()[0].value;
  EXPECT_EQ(value.find(text), std::string::npos);
  EXPECT_EQ(value.find("Call on target line"), std::string::npos);
  v1::AgencyReport produced;
  ASSERT_TRUE(produced.ParseFromString(value));
  const v1::EvidenceItem& item = produced.link_claim().evidence(0);
  EXPECT_TRUE(item.sealed_summary().empty());
  ASSERT_FALSE(item.sealed_ciphertext().empty());
  EXPECT_TRUE(produced.link_claim().evidence(1).sealed_ciphertext().empty());
  ASSERT_TRUE(privacy::UnsealReport(sealed_.get(), &produced).ok());
  EXPECT_EQ(produced.link_claim().evidence(0).sealed_summary(), text);
  // Resubmitted as sent: a duplicate, not a conflict, despite the nonce.
  const v1::ReportResult again = SubmitSync(claim, caller);
  EXPECT_EQ(again.code_name(), "OK") << again.message();
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(producer_.records().size(), 1u);
}

TEST_F(IntakeTest, SenderSetSealedCiphertextIsInvalidArgument) {
  v1::AgencyReport claim =
      intake::testing::ValidReport(v1::AgencyReport::kLinkClaim, kNow);
  claim.mutable_link_claim()->mutable_evidence(1)->set_sealed_ciphertext(
      "forged");
  const v1::ReportResult r = SubmitSync(
      claim, intake::testing::CallerFor(v1::AgencyReport::kLinkClaim));
  EXPECT_EQ(r.code_name(), "INVALID_ARGUMENT");
  EXPECT_EQ(r.field(), "link_claim.evidence[1].sealed_ciphertext");
  EXPECT_TRUE(producer_.records().empty());
}

TEST_F(IntakeTest, AcceptedReportIsProducedPseudonymizedWithKeyAndHeaders) {
  const v1::ReportResult r = SubmitSync(Arrest("R1", "FBI-123"));
  EXPECT_EQ(r.code(), 0) << r.message();
  EXPECT_EQ(r.code_name(), "OK");
  EXPECT_FALSE(r.duplicate());
  EXPECT_EQ(r.subject_pid(), pseudonymizer_->Pid("FBI-123"));
  EXPECT_EQ(r.topic(), topics::kReports);
  ASSERT_EQ(producer_.records().size(), 1u);
  const auto rec = producer_.records()[0];
  EXPECT_EQ(rec.key, r.subject_pid());
  EXPECT_EQ(rec.value.find("FBI-123"), std::string::npos);
  v1::AgencyReport produced;
  ASSERT_TRUE(produced.ParseFromString(rec.value));
  EXPECT_EQ(produced.arrest().subject_ref(), "");
  EXPECT_EQ(produced.arrest().subject_pid(), r.subject_pid());
  EXPECT_EQ(rec.headers[0], (kafka::Header{"fruition-reporter", "DEA"}));
  EXPECT_EQ(rec.headers[1], (kafka::Header{"fruition-report-id", "R1"}));
}

TEST_F(IntakeTest, ExactResubmissionIsOkWithoutProducingAgain) {
  ASSERT_EQ(SubmitSync(Arrest("R1", "FBI-123")).code(), 0);
  // Same subject written differently normalizes to the same body.
  const v1::ReportResult again = SubmitSync(Arrest("R1", " fbi-123 "));
  EXPECT_EQ(again.code(), 0);
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.offset(), 0);
  EXPECT_EQ(producer_.records().size(), 1u);
}

TEST_F(IntakeTest, AcceptedReportIsStampedWithIntakesClock) {
  ASSERT_EQ(SubmitSync(Arrest("R1", "FBI-123")).code(), 0);
  v1::AgencyReport produced;
  ASSERT_TRUE(produced.ParseFromString(producer_.records()[0].value));
  ASSERT_TRUE(produced.has_received_at());
  EXPECT_EQ(produced.received_at().seconds(), kNow);
  EXPECT_EQ(produced.received_at().nanos(), 0);
  // Not the sender's occurred_at, nor any time the sender chose.
  EXPECT_EQ(produced.occurred_at().seconds(), kNow - 86400);
}

// The stamp differs between two submissions of one report; the index
// compares the report as sent, so the later one is still the same report.
TEST_F(IntakeTest, ResubmissionLaterIsADuplicateDespiteTheStamp) {
  ASSERT_EQ(SubmitSync(Arrest("R1", "FBI-123")).code(), 0);
  now_ = kNow + 3600;
  const v1::ReportResult again = SubmitSync(Arrest("R1", "FBI-123"));
  EXPECT_EQ(again.code_name(), "OK") << again.message();
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(producer_.records().size(), 1u);
  // A different body later is still a conflict.
  EXPECT_EQ(SubmitSync(Arrest("R1", "FBI-999")).code_name(), "ALREADY_EXISTS");
}

TEST_F(IntakeTest, ConflictingResubmissionIsAlreadyExists) {
  ASSERT_EQ(SubmitSync(Arrest("R1", "FBI-123")).code(), 0);
  const v1::ReportResult conflict = SubmitSync(Arrest("R1", "FBI-999"));
  EXPECT_EQ(conflict.code_name(), "ALREADY_EXISTS");
  EXPECT_EQ(conflict.field(), "report_id");
  EXPECT_EQ(producer_.records().size(), 1u);
}

TEST_F(IntakeTest, SameReportIdFromAnotherReporterIsIndependent) {
  ASSERT_EQ(SubmitSync(Arrest("R1", "FBI-123")).code(), 0);
  v1::AgencyReport fbi = Arrest("R1", "FBI-123");
  fbi.set_reporter("FBI");
  fbi.mutable_arrest()->set_agency("FBI");
  EXPECT_EQ(SubmitSync(fbi, {"FBI", auth::PrincipalKind::kAgency}).code(), 0);
  EXPECT_EQ(producer_.records().size(), 2u);
}

TEST_F(IntakeTest, InvalidReportChangesNothing) {
  v1::AgencyReport bad = Arrest("R1", "");
  const v1::ReportResult r = SubmitSync(bad);
  EXPECT_EQ(r.code_name(), "INVALID_ARGUMENT");
  EXPECT_EQ(r.field(), "arrest.subject_ref");
  EXPECT_TRUE(producer_.records().empty());
  EXPECT_FALSE(store_->Get("DEA", "R1")->has_value());
}

TEST_F(IntakeTest, KafkaDownIsUnavailableNeverOk) {
  producer_.healthy_ = false;
  const v1::ReportResult r = SubmitSync(Arrest("R1", "FBI-123"));
  EXPECT_EQ(r.code_name(), "UNAVAILABLE");
  EXPECT_TRUE(producer_.records().empty());
}

TEST_F(IntakeTest, DeliveryTimeoutIsUnavailableAndRetrySucceeds) {
  producer_.next_status_ = absl::UnavailableError("timed out");
  const v1::ReportResult r = SubmitSync(Arrest("R1", "FBI-123"));
  EXPECT_EQ(r.code_name(), "UNAVAILABLE");
  EXPECT_FALSE(store_->Get("DEA", "R1")->has_value());  // not recorded
  producer_.next_status_ = absl::OkStatus();
  const v1::ReportResult retry = SubmitSync(Arrest("R1", "FBI-123"));
  EXPECT_EQ(retry.code(), 0);
  EXPECT_FALSE(retry.duplicate());
  auto entry = store_->Get("DEA", "R1");
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_EQ((*entry)->offset, 1);
  EXPECT_EQ(producer_.records().size(), 2u);
}

TEST_F(IntakeTest, AcceptedReportIsRecordedBeforeItIsAnswered) {
  const v1::ReportResult r = SubmitSync(Arrest("R1", "FBI-123"));
  ASSERT_EQ(r.code(), 0);
  auto entry = store_->Get("DEA", "R1");
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_EQ((*entry)->topic, "fruition.reports.v1");
  EXPECT_EQ((*entry)->partition, 3);
  auto offsets = store_->AckedOffsets();
  ASSERT_TRUE(offsets.ok());
  EXPECT_EQ(offsets->at({"fruition.reports.v1", 3}), 0);
}

TEST_F(IntakeTest, ConcurrentSameIdIsRefusedWhileInFlight) {
  producer_.hold_ = true;
  std::promise<v1::ReportResult> first;
  auto first_result = first.get_future();
  intake_->Submit({"DEA", auth::PrincipalKind::kAgency}, Arrest("R1", "X-1"),
                  [&](v1::ReportResult r) { first.set_value(std::move(r)); });
  EXPECT_EQ(first_result.wait_for(std::chrono::milliseconds(50)),
            std::future_status::timeout);
  const v1::ReportResult second = SubmitSync(Arrest("R1", "X-1"));
  EXPECT_EQ(second.code_name(), "UNAVAILABLE");
  producer_.ReleaseHeld();
  ASSERT_EQ(first_result.wait_for(std::chrono::seconds(10)),
            std::future_status::ready);
  EXPECT_EQ(first_result.get().code(), 0);
  EXPECT_EQ(producer_.records().size(), 1u);
}

TEST_F(IntakeTest, ReferenceBodiesGoToTheReferenceTopic) {
  v1::AgencyReport r = Designation();
  const v1::ReportResult result = SubmitSync(
      r, {"DEA", auth::PrincipalKind::kAgency, {}, /*designates=*/true});
  ASSERT_EQ(result.code(), 0) << result.message();
  EXPECT_EQ(result.topic(), topics::kReference);
  EXPECT_EQ(producer_.records()[0].key, "ORG-SINALOA-7");
}

TEST_F(IntakeTest, DesignationOfAnOrgAnotherReporterOwnsIsPermissionDenied) {
  {
    std::lock_guard<std::mutex> lock(owners_mu_);
    owners_["ORG-SINALOA-7"] = "FBI";
  }
  const auth::Principal dea{"DEA", auth::PrincipalKind::kAgency, {}, true};
  v1::AgencyReport r = Designation();
  for (bool revoked : {false, true}) {
    r.mutable_org_designated()->set_revoked(revoked);
    const v1::ReportResult result = SubmitSync(r, dea);
    EXPECT_EQ(result.code_name(), "PERMISSION_DENIED") << revoked;
    EXPECT_EQ(result.field(), "org_designated.org_id");
    EXPECT_NE(result.message().find("org_designated.org_id"),
              std::string::npos);
    // The owner is not disclosed.
    EXPECT_EQ(result.message().find("FBI"), std::string::npos);
  }
  EXPECT_TRUE(producer_.records().empty());
  // An org nobody owns yet, and the owner itself: accepted.
  r.mutable_org_designated()->set_org_id("ORG-NEW");
  EXPECT_EQ(SubmitSync(r, dea).code_name(), "OK");
  r.set_report_id("ORG-2");
  r.set_reporter("FBI");
  r.mutable_org_designated()->set_org_id("ORG-SINALOA-7");
  EXPECT_EQ(SubmitSync(r, {"FBI", auth::PrincipalKind::kAgency, {}, true})
                .code_name(),
            "OK");
  EXPECT_EQ(producer_.records().size(), 2u);
}

TEST_F(IntakeTest, BatchAnswersEachReportInOrderAndRejectsOnlyTheBadOne) {
  v1::AgencyReport bad = Arrest("R2", "FBI-2");
  bad.mutable_arrest()->clear_agency();
  const std::vector<v1::ReportResult> results =
      SubmitBatchSync({Arrest("R1", "FBI-1"), bad, Arrest("R3", "FBI-3")});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].report_id(), "R1");
  EXPECT_EQ(results[0].code_name(), "OK");
  EXPECT_FALSE(results[0].subject_pid().empty());
  EXPECT_EQ(results[1].report_id(), "R2");
  EXPECT_EQ(results[1].code_name(), "INVALID_ARGUMENT");
  EXPECT_EQ(results[1].field(), "arrest.agency");
  EXPECT_EQ(results[2].report_id(), "R3");
  EXPECT_EQ(results[2].code_name(), "OK");
  // Only the good ones, in request order.
  const auto records = producer_.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].headers[1].second, "R1");
  EXPECT_EQ(records[1].headers[1].second, "R3");
}

TEST_F(IntakeTest, RetriedBatchIsAnsweredDuplicateAndProducesNothingAgain) {
  const std::vector<v1::AgencyReport> batch = {
      Arrest("R1", "FBI-1"), Arrest("R2", "FBI-2"), Arrest("R3", "FBI-3")};
  const std::vector<v1::ReportResult> first = SubmitBatchSync(batch);
  v1::AgencyReport changed = batch[1];
  changed.mutable_arrest()->set_field_office("DEA-NEWARK");
  const std::vector<v1::ReportResult> again =
      SubmitBatchSync({batch[0], changed, batch[2]});
  ASSERT_EQ(again.size(), 3u);
  for (int i : {0, 2}) {
    EXPECT_EQ(again[i].code_name(), "OK") << i;
    EXPECT_TRUE(again[i].duplicate()) << i;
    EXPECT_EQ(again[i].offset(), first[i].offset()) << i;
    EXPECT_EQ(again[i].subject_pid(), first[i].subject_pid()) << i;
  }
  EXPECT_EQ(again[1].code_name(), "ALREADY_EXISTS");
  EXPECT_EQ(again[1].field(), "report_id");
  EXPECT_EQ(producer_.records().size(), 3u);
}

TEST_F(IntakeTest, SameIdTwiceInOneBatchIsProducedOnce) {
  const std::vector<v1::ReportResult> results =
      SubmitBatchSync({Arrest("R1", "FBI-1"), Arrest("R1", "FBI-1")});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].code_name(), "OK");
  EXPECT_EQ(results[1].code_name(), "UNAVAILABLE");
  EXPECT_EQ(producer_.records().size(), 1u);
}

TEST_F(IntakeTest, EmptyBatchIsAnsweredAtOnce) {
  EXPECT_TRUE(SubmitBatchSync({}).empty());
}

TEST_F(IntakeTest, MetricsCountOutcomes) {
  SubmitSync(Arrest("R1", "FBI-1"));
  SubmitSync(Arrest("R1", "FBI-1"));
  SubmitSync(Arrest("R2", ""));
  int accepted = 0, duplicate = 0, rejected = 0;
  for (const auto& family : registry_.Collect()) {
    if (family.name != "fruition_intake_reports_total") continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name != "outcome") continue;
        const int v = static_cast<int>(metric.counter.value);
        if (label.value == "accepted") accepted += v;
        if (label.value == "duplicate") duplicate += v;
        if (label.value == "rejected") rejected += v;
      }
    }
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(duplicate, 1);
  EXPECT_EQ(rejected, 1);
}

// ---------------------------------------------------------------------------
// SPEC §11: who may answer a claim's or a budget line's condition, as far as
// intake can see; where the answers go.

const auth::Principal kDeaAgency{"DEA", auth::PrincipalKind::kAgency};
const auth::Principal kFbiAgency{"FBI", auth::PrincipalKind::kAgency};

v1::AgencyReport Answer(const std::string& id, const std::string& reporter,
                        const std::string& key) {
  v1::AgencyReport r =
      intake::testing::ValidReport(v1::AgencyReport::kAgencyResponse, kNow);
  r.set_report_id(id);
  r.set_reporter(reporter);
  r.mutable_agency_response()->set_condition_key(key);
  return r;
}

TEST_F(IntakeTest, OnlyTheClaimsReporterAnswersItsConditionWhereIntakeSawIt) {
  v1::AgencyReport claim =
      intake::testing::ValidReport(v1::AgencyReport::kLinkClaim, kNow);
  claim.mutable_link_claim()->set_claim_id("CL-00042");
  ASSERT_EQ(SubmitSync(claim, kDeaAgency).code(), 0);
  ASSERT_EQ(producer_.records().size(), 1u);
  const std::string key = "LINK_UNSUBSTANTIATED/claim/CL-00042";

  const v1::ReportResult fbi =
      SubmitSync(Answer("A-1", "FBI", key), kFbiAgency);
  EXPECT_EQ(fbi.code_name(), "PERMISSION_DENIED") << fbi.message();
  EXPECT_EQ(fbi.field(), "agency_response.condition_key");
  EXPECT_NE(fbi.message().find("agency_response.condition_key"),
            std::string::npos);
  // The claim's owner is not named in the refusal.
  EXPECT_EQ(fbi.message().find("DEA"), std::string::npos) << fbi.message();
  EXPECT_EQ(producer_.records().size(), 1u) << "nothing produced";

  const v1::ReportResult dea =
      SubmitSync(Answer("A-2", "DEA", key), kDeaAgency);
  ASSERT_EQ(dea.code_name(), "OK") << dea.message();
  ASSERT_EQ(producer_.records().size(), 2u);
  EXPECT_EQ(producer_.records()[1].topic, topics::kReference);
  EXPECT_EQ(producer_.records()[1].key, key);

  // A claim intake never recorded (another replica's, or older than its
  // store): accepted, judged downstream against the event's unit.
  const v1::ReportResult unseen = SubmitSync(
      Answer("A-3", "FBI", "LINK_UNSUBSTANTIATED/claim/CL-77777"), kFbiAgency);
  EXPECT_EQ(unseen.code_name(), "OK") << unseen.message();
}

// Two agencies may use one claim_id: each answers (downstream tells the
// events apart by their unit).
TEST_F(IntakeTest, EveryReporterOfAClaimIdMayAnswer) {
  for (const auth::Principal& caller : {kDeaAgency, kFbiAgency}) {
    v1::AgencyReport claim =
        intake::testing::ValidReport(v1::AgencyReport::kLinkClaim, kNow);
    claim.set_reporter(caller.code);
    ASSERT_EQ(SubmitSync(claim, caller).code(), 0);
  }
  for (const auth::Principal& caller : {kDeaAgency, kFbiAgency}) {
    const v1::ReportResult r =
        SubmitSync(Answer("A-" + caller.code, caller.code,
                          "LINK_UNSUBSTANTIATED/claim/CL-00042"),
                   caller);
    EXPECT_EQ(r.code_name(), "OK") << caller.code << ": " << r.message();
  }
  const v1::ReportResult atf =
      SubmitSync(Answer("A-ATF", "ATF", "LINK_UNSUBSTANTIATED/claim/CL-00042"),
                 auth::Principal{"ATF", auth::PrincipalKind::kAgency});
  EXPECT_EQ(atf.code_name(), "PERMISSION_DENIED") << atf.message();
}

// The claim table survives a restart (it is in the store beside the index).
TEST_F(IntakeTest, ClaimOwnersAreKeptInTheStore) {
  v1::AgencyReport claim =
      intake::testing::ValidReport(v1::AgencyReport::kLinkClaim, kNow);
  ASSERT_EQ(SubmitSync(claim, kDeaAgency).code(), 0);
  intake_.reset();
  store_.reset();
  auto store = IdempotencyStore::Open(dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  auto reporters = (*store)->ClaimReporters("CL-00042");
  ASSERT_TRUE(reporters.ok()) << reporters.status();
  EXPECT_EQ(*reporters, std::vector<std::string>{"DEA"});
  auto none = (*store)->ClaimReporters("CL-0004");  // a prefix is not a match
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(IntakeTest, OnlyTheLinesAgencyAnswersItsBudgetCondition) {
  {
    std::lock_guard<std::mutex> lock(owners_mu_);
    lines_["HAC-FY2016-DEA-1"] = "DEA";
  }
  const std::string key = "BUDGET_CRITERIA_UNMET/HAC-FY2016-DEA-1";
  const v1::ReportResult fbi =
      SubmitSync(Answer("B-1", "FBI", key), kFbiAgency);
  EXPECT_EQ(fbi.code_name(), "PERMISSION_DENIED") << fbi.message();
  EXPECT_EQ(fbi.field(), "agency_response.condition_key");
  EXPECT_TRUE(producer_.records().empty());
  EXPECT_EQ(SubmitSync(Answer("B-2", "DEA", key), kDeaAgency).code_name(),
            "OK");
  EXPECT_EQ(SubmitSync(Answer("B-3", "FBI", "BUDGET_CRITERIA_UNMET/UNSEEN"),
                       kFbiAgency)
                .code_name(),
            "OK");
}

// Decisions and budget lines go to the reference topic, keyed by condition
// and by agency; the restricted text never reaches intake's log, even for
// a refused report.
TEST_F(IntakeTest, AccountabilityBodiesAreRoutedAndTheirTextNotLogged) {
  std::ostringstream log_out;
  log::SetSinkForTesting(&log_out);
  const auth::Principal hac{"HAC", auth::PrincipalKind::kOverseer};
  v1::AgencyReport decision =
      intake::testing::ValidReport(v1::AgencyReport::kOversightDecision, kNow);
  decision.set_reporter("HAC");
  v1::AgencyReport line =
      intake::testing::ValidReport(v1::AgencyReport::kBudgetLine, kNow);
  line.set_report_id("LINE-1");
  line.set_reporter("HAC");
  ASSERT_EQ(SubmitSync(decision, hac).code_name(), "OK");
  ASSERT_EQ(SubmitSync(line, hac).code_name(), "OK");
  v1::AgencyReport answer =
      Answer("C-1", "DEA", "FRUITION_GAP/agency:DEA/FY2026");
  answer.mutable_agency_response()->set_explanation("SECRET-EXPLANATION-TEXT");
  ASSERT_EQ(SubmitSync(answer, kDeaAgency).code_name(), "OK");
  v1::AgencyReport refused = answer;
  refused.set_report_id("C-2");
  refused.set_reporter("FBI");
  ASSERT_EQ(SubmitSync(refused, kFbiAgency).code_name(), "PERMISSION_DENIED");
  refused.mutable_agency_response()->set_explanation("SECRET-EXPLANATION-TEXT" +
                                                     std::string(4000, 'x'));
  ASSERT_EQ(SubmitSync(refused, kFbiAgency).code_name(), "INVALID_ARGUMENT");
  log::SetSinkForTesting(nullptr);

  const auto records = producer_.records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].topic, topics::kReference);
  EXPECT_EQ(records[0].key, "FRUITION_GAP/agency:DEA/FY2026");
  EXPECT_EQ(records[1].topic, topics::kReference);
  EXPECT_EQ(records[1].key, "DEA");
  EXPECT_EQ(records[2].key, "FRUITION_GAP/agency:DEA/FY2026");
  EXPECT_NE(log_out.str().find("report rejected"), std::string::npos)
      << "the sink saw intake's log: " << log_out.str();
  EXPECT_EQ(log_out.str().find("SECRET-EXPLANATION-TEXT"), std::string::npos)
      << log_out.str();
}

}  // namespace
}  // namespace fruition::intake
