// Tests of where intake sends an accepted report and how it hides the subject
// (SPEC §2 subjects, §7 topics and keys).
#include "services/intake/route.h"

#include <google/protobuf/util/message_differencer.h>

#include <string>
#include <utility>
#include <vector>

#include "fruition/v1/reports.pb.h"
#include "gtest/gtest.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/intake/test_reports.h"
#include "services/intake/validate.h"

namespace fruition::intake {
namespace {

using google::protobuf::util::MessageDifferencer;
using v1::AgencyReport;
using BodyCase = v1::AgencyReport::BodyCase;
using testing::SubjectBodies;

constexpr char kReportsTopic[] = "fruition.reports.v1";
constexpr char kReferenceTopic[] = "fruition.reference.v1";

// The key and the expected pid of "FBI-123" under it, from
// `echo -n "FBI-123" | openssl dgst -sha256 -hmac key-key-key-key-key`.
constexpr char kKey[] = "key-key-key-key-key";
constexpr char kFbi123Pid[] =
    "505e495b51dce58b3273c726652fec8d16e54602e2bcd23f6c2ae8ac81fe60e2";

// A distinctive raw identifier, easy to search for in produced bytes.
constexpr char kRawRef[] = "FBI-7730-QZ";

privacy::Pseudonymizer MakePseudonymizer() {
  auto p = privacy::Pseudonymizer::FromKey(kKey);
  EXPECT_TRUE(p.ok()) << p.status();
  return *std::move(p);
}

const std::vector<BodyCase>& NoSubjectBodies() {
  static const auto* const kBodies = new std::vector<BodyCase>{
      AgencyReport::kCaseOpened,        AgencyReport::kOrgDesignated,
      AgencyReport::kSeizure,           AgencyReport::kOrgOutcome,
      AgencyReport::kPerformanceTarget, AgencyReport::kCommunityIndicator,
  };
  return *kBodies;
}

// Intake's clock in these tests: 2026-01-01T00:00:00Z.
constexpr int64_t kNow = 1767225600;

// A report of `body` as a sender writes it, with `ref` as its subject (if the
// body has one). Every report carries a case_id, so tests can tell when a key
// is (wrongly) the case_id.
AgencyReport Report(BodyCase body, const std::string& ref = kRawRef) {
  AgencyReport r = testing::ValidReport(body, kNow);
  r.set_case_id("EDPA-2015-CR-00417");
  if (std::string* subject = MutableSubjectRef(&r)) *subject = ref;
  return r;
}

std::string Name(BodyCase body) { return std::string(BodyName(body)); }

// The body's subject_ref as a read-only value (the test fixture's own
// accessor, independent of MutableSubjectRef).
std::string SubjectRefOf(const AgencyReport& r) {
  switch (r.body_case()) {
    case AgencyReport::kLinkClaim:
      return r.link_claim().subject_ref();
    case AgencyReport::kEvidenceAdded:
      return r.evidence_added().subject_ref();
    case AgencyReport::kArrest:
      return r.arrest().subject_ref();
    case AgencyReport::kChargeFiled:
      return r.charge_filed().subject_ref();
    case AgencyReport::kDeclination:
      return r.declination().subject_ref();
    case AgencyReport::kDisposition:
      return r.disposition().subject_ref();
    case AgencyReport::kSentencing:
      return r.sentencing().subject_ref();
    default:
      return "";
  }
}

std::string SubjectPidOf(const AgencyReport& r) {
  switch (r.body_case()) {
    case AgencyReport::kLinkClaim:
      return r.link_claim().subject_pid();
    case AgencyReport::kEvidenceAdded:
      return r.evidence_added().subject_pid();
    case AgencyReport::kArrest:
      return r.arrest().subject_pid();
    case AgencyReport::kChargeFiled:
      return r.charge_filed().subject_pid();
    case AgencyReport::kDeclination:
      return r.declination().subject_pid();
    case AgencyReport::kDisposition:
      return r.disposition().subject_pid();
    case AgencyReport::kSentencing:
      return r.sentencing().subject_pid();
    default:
      return "";
  }
}

bool IsLowerHex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// ---------------------------------------------------------------------------
// Pseudonymize

TEST(RouteTest, FixtureReportsAreValid) {
  for (const auto* bodies : {&SubjectBodies(), &NoSubjectBodies()}) {
    for (BodyCase body : *bodies) {
      SCOPED_TRACE(Name(body));
      const AgencyReport r = Report(body);
      ASSERT_EQ(r.body_case(), body);
      const auto rejection = Validate(r, testing::CallerFor(body), kNow);
      EXPECT_FALSE(rejection.has_value())
          << rejection->field << ": " << rejection->message;
    }
  }
}

TEST(RouteTest, PseudonymizeReplacesSubjectRefWithHmacPid) {
  const auto p = MakePseudonymizer();
  for (BodyCase body : SubjectBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = Report(body, "FBI-123");
    ASSERT_EQ(SubjectRefOf(r), "FBI-123");

    const std::string pid = Pseudonymize(p, &r);

    EXPECT_EQ(pid, kFbi123Pid);
    EXPECT_EQ(pid.size(), 64u);
    EXPECT_TRUE(IsLowerHex(pid));
    EXPECT_EQ(SubjectPidOf(r), pid);
    EXPECT_EQ(SubjectRefOf(r), "");
    ASSERT_NE(SubjectPid(r), nullptr);
    EXPECT_EQ(*SubjectPid(r), pid);
  }
}

TEST(RouteTest, PseudonymizeChangesNothingButTheSubjectFields) {
  const auto p = MakePseudonymizer();
  for (BodyCase body : SubjectBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = Report(body);
    // What the report should look like: same report, ref cleared, pid set.
    AgencyReport want = Report(body, "");
    *MutableSubjectPid(&want) = p.Pid(kRawRef);

    Pseudonymize(p, &r);

    std::string diff;
    MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&diff);
    EXPECT_TRUE(differencer.Compare(want, r)) << diff;
  }
}

TEST(RouteTest, PseudonymizeNormalizesTheRef) {
  const auto p = MakePseudonymizer();
  for (const std::string ref :
       {"FBI-123", " fbi-123 ", "fbi-123", "\tFbI-123\n"}) {
    SCOPED_TRACE("'" + ref + "'");
    AgencyReport r = Report(AgencyReport::kArrest, ref);
    EXPECT_EQ(Pseudonymize(p, &r), kFbi123Pid);
    EXPECT_EQ(r.arrest().subject_ref(), "");
  }
  AgencyReport other = Report(AgencyReport::kArrest, "FBI-124");
  EXPECT_NE(Pseudonymize(p, &other), kFbi123Pid);
}

TEST(RouteTest, PseudonymizeDependsOnTheKey) {
  const auto p = MakePseudonymizer();
  auto q = privacy::Pseudonymizer::FromKey("another-key-of-20-bytes");
  ASSERT_TRUE(q.ok());
  AgencyReport a = Report(AgencyReport::kArrest, "FBI-123");
  AgencyReport b = Report(AgencyReport::kArrest, "FBI-123");
  EXPECT_NE(Pseudonymize(p, &a), Pseudonymize(*q, &b));
}

TEST(RouteTest, PseudonymizeWithoutSubjectReturnsEmptyAndChangesNothing) {
  const auto p = MakePseudonymizer();
  for (BodyCase body : NoSubjectBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = Report(body);
    const AgencyReport before = r;
    EXPECT_EQ(Pseudonymize(p, &r), "");
    EXPECT_TRUE(MessageDifferencer::Equals(before, r));
    EXPECT_EQ(SubjectPid(r), nullptr);
  }
  AgencyReport empty;
  EXPECT_EQ(Pseudonymize(p, &empty), "");
  EXPECT_EQ(empty.ByteSizeLong(), 0u);
}

// ---------------------------------------------------------------------------
// RouteFor

TEST(RouteTest, SubjectBodiesGoToReportsKeyedBySubjectPid) {
  const auto p = MakePseudonymizer();
  for (BodyCase body : SubjectBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = Report(body);
    const std::string pid = Pseudonymize(p, &r);
    const Route route = RouteFor(r);
    EXPECT_EQ(route.topic, kReportsTopic);
    EXPECT_EQ(route.key, pid);
    EXPECT_EQ(route.key, p.Pid(kRawRef));
    EXPECT_NE(route.key, r.case_id());
  }
}

TEST(RouteTest, CaseOpenedAndSeizureGoToReportsKeyedByCaseId) {
  for (BodyCase body : {AgencyReport::kCaseOpened, AgencyReport::kSeizure}) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = Report(body);
    r.set_case_id("SDNY-2016-CR-00991");
    const Route route = RouteFor(r);
    EXPECT_EQ(route.topic, kReportsTopic);
    EXPECT_EQ(route.key, "SDNY-2016-CR-00991");
  }
}

TEST(RouteTest, ReferenceBodiesGoToReferenceKeyedByTheirEntity) {
  struct Case {
    BodyCase body;
    std::string key;
  };
  const std::vector<Case> cases = {
      {AgencyReport::kOrgDesignated, "ORG-KENSINGTON-DTO"},
      {AgencyReport::kOrgOutcome, "ORG-KENSINGTON-DTO"},
      {AgencyReport::kPerformanceTarget, "DEA"},
      {AgencyReport::kCommunityIndicator, "PHL-KENSINGTON"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(Name(c.body));
    // case_id is set (and ignored): reference data is keyed by its entity.
    const AgencyReport r = Report(c.body);
    ASSERT_FALSE(r.case_id().empty());
    const Route route = RouteFor(r);
    EXPECT_EQ(route.topic, kReferenceTopic);
    EXPECT_EQ(route.key, c.key);
  }
}

TEST(RouteTest, ReferenceKeysFollowTheEntityNotTheReporter) {
  AgencyReport target = Report(AgencyReport::kPerformanceTarget);
  target.set_reporter("FBI");
  target.mutable_performance_target()->set_agency("FBI");
  EXPECT_EQ(RouteFor(target).key, "FBI");

  AgencyReport outcome = Report(AgencyReport::kOrgOutcome);
  outcome.mutable_org_outcome()->set_org_id("ORG-SINALOA-CPOT");
  EXPECT_EQ(RouteFor(outcome).key, "ORG-SINALOA-CPOT");

  AgencyReport area = Report(AgencyReport::kCommunityIndicator);
  area.mutable_community_indicator()->set_area_id("PHL-FAIRHILL");
  EXPECT_EQ(RouteFor(area).key, "PHL-FAIRHILL");
}

TEST(RouteTest, EveryBodyHasARoute) {
  const auto p = MakePseudonymizer();
  int reports = 0;
  int reference = 0;
  for (const auto* bodies : {&SubjectBodies(), &NoSubjectBodies()}) {
    for (BodyCase body : *bodies) {
      SCOPED_TRACE(Name(body));
      AgencyReport r = Report(body);
      Pseudonymize(p, &r);
      const Route route = RouteFor(r);
      EXPECT_FALSE(route.key.empty());
      if (route.topic == kReportsTopic) ++reports;
      if (route.topic == kReferenceTopic) ++reference;
    }
  }
  EXPECT_EQ(reports, 9);
  EXPECT_EQ(reference, 4);
}

TEST(RouteTest, SameSubjectFromDifferentReportersGetsTheSameKey) {
  const auto p = MakePseudonymizer();
  // The FBI's arrest and the court's sentencing name the person differently.
  AgencyReport arrest = Report(AgencyReport::kArrest, " fbi-1 ");
  arrest.set_reporter("FBI");
  arrest.mutable_arrest()->set_agency("FBI");
  AgencyReport sentencing = Report(AgencyReport::kSentencing, "FBI-1");
  ASSERT_EQ(sentencing.reporter(), "USSC");
  sentencing.set_case_id("EDPA-2016-CR-00123");  // even under another case

  Pseudonymize(p, &arrest);
  Pseudonymize(p, &sentencing);

  EXPECT_EQ(RouteFor(arrest).key, RouteFor(sentencing).key);
  EXPECT_EQ(RouteFor(arrest).topic, RouteFor(sentencing).topic);
  EXPECT_EQ(RouteFor(arrest).key, p.Pid("FBI-1"));

  AgencyReport someone_else = Report(AgencyReport::kArrest, "FBI-2");
  Pseudonymize(p, &someone_else);
  EXPECT_NE(RouteFor(someone_else).key, RouteFor(arrest).key);
}

// ---------------------------------------------------------------------------
// CanonicalBytes

TEST(RouteTest, CanonicalBytesAreDeterministicAndParseBackEqual) {
  const auto p = MakePseudonymizer();
  for (const auto* bodies : {&SubjectBodies(), &NoSubjectBodies()}) {
    for (BodyCase body : *bodies) {
      SCOPED_TRACE(Name(body));
      AgencyReport r = Report(body);
      Pseudonymize(p, &r);
      const std::string bytes = CanonicalBytes(r);
      ASSERT_FALSE(bytes.empty());
      EXPECT_EQ(CanonicalBytes(r), bytes);
      // A separately built equal message gives the same bytes.
      AgencyReport again = Report(body);
      Pseudonymize(p, &again);
      EXPECT_EQ(CanonicalBytes(again), bytes);
      // And a copy made through parsing.
      AgencyReport parsed;
      ASSERT_TRUE(parsed.ParseFromString(bytes));
      EXPECT_TRUE(MessageDifferencer::Equals(parsed, r));
      EXPECT_EQ(CanonicalBytes(parsed), bytes);
    }
  }
}

TEST(RouteTest, CanonicalBytesIgnoreFieldSettingOrder) {
  AgencyReport a;
  a.set_report_id("RPT-1");
  a.set_reporter("DEA");
  a.set_case_id("EDPA-2015-CR-00417");
  a.mutable_occurred_at()->set_seconds(1456833600);
  a.mutable_seizure()->set_seizure_id("DEA-SZ-1");
  a.mutable_seizure()->set_cash_usd(18000);

  AgencyReport b;
  b.mutable_seizure()->set_cash_usd(18000);
  b.mutable_occurred_at()->set_seconds(1456833600);
  b.mutable_seizure()->set_seizure_id("DEA-SZ-1");
  b.set_case_id("EDPA-2015-CR-00417");
  b.set_reporter("DEA");
  b.set_report_id("RPT-1");

  EXPECT_EQ(CanonicalBytes(a), CanonicalBytes(b));
}

TEST(RouteTest, CanonicalBytesDifferWhenTheReportDiffers) {
  AgencyReport a = Report(AgencyReport::kSeizure);
  AgencyReport b = a;
  b.mutable_seizure()->set_weight_grams(412.6);
  EXPECT_NE(CanonicalBytes(a), CanonicalBytes(b));
}

TEST(RouteTest, RawSubjectRefIsAbsentFromCanonicalBytes) {
  const auto p = MakePseudonymizer();
  for (BodyCase body : SubjectBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = Report(body, " fbi-7730-qz ");
    // The check can fail: before pseudonymizing, the ref is in the bytes.
    ASSERT_NE(CanonicalBytes(r).find("fbi-7730-qz"), std::string::npos);

    Pseudonymize(p, &r);
    const std::string bytes = CanonicalBytes(r);
    EXPECT_EQ(bytes.find("fbi-7730-qz"), std::string::npos);
    EXPECT_EQ(bytes.find("FBI-7730-QZ"), std::string::npos);  // normalized
    EXPECT_EQ(bytes.find("7730"), std::string::npos);
    EXPECT_NE(bytes.find(p.Pid(kRawRef)), std::string::npos);
  }
}

}  // namespace
}  // namespace fruition::intake
