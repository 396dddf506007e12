// Tests of the intake validation contract (SPEC §1, §2; reports.proto file
// comment): every rule has an accept case and a reject case, and every reject
// case checks the status code and the exact field path a sender would see.
#include "services/intake/validate.h"

#include <google/protobuf/unknown_field_set.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "fruition/v1/reports.pb.h"
#include "gtest/gtest.h"
#include "services/intake/test_reports.h"

namespace fruition::intake {
namespace {

using absl::StatusCode;
using auth::Principal;
using auth::PrincipalKind;
using v1::AgencyReport;
using BodyCase = v1::AgencyReport::BodyCase;

// Intake's clock in every test: 2026-01-01T00:00:00Z.
constexpr int64_t kNow = 1767225600;
constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 24 * kHour;

using testing::AddEvidence;
using testing::AllBodies;
using testing::CallerFor;
using testing::IsReferenceBody;
using testing::SubjectBodies;
using testing::Ts;

// ValidReport at the tests' clock.
AgencyReport ValidReport(BodyCase body) {
  return testing::ValidReport(body, kNow);
}

std::string Name(BodyCase body) { return std::string(BodyName(body)); }

// Validates `r` as sent by the happy-path caller of its body.
std::optional<Rejection> Check(const AgencyReport& r) {
  return Validate(r, CallerFor(r.body_case()), kNow);
}

std::optional<Rejection> CheckAs(const AgencyReport& r,
                                 const Principal& caller) {
  return Validate(r, caller, kNow);
}

::testing::AssertionResult Accepted(const std::optional<Rejection>& got) {
  if (!got.has_value()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "rejected with " << got->code << " at '" << got->field
         << "': " << got->message;
}

::testing::AssertionResult Rejected(const std::optional<Rejection>& got,
                                    StatusCode code, const std::string& field) {
  if (!got.has_value()) {
    return ::testing::AssertionFailure()
           << "accepted; want " << code << " at '" << field << "'";
  }
  if (got->code != code || got->field != field) {
    return ::testing::AssertionFailure()
           << "rejected with " << got->code << " at '" << got->field << "' ("
           << got->message << "); want " << code << " at '" << field << "'";
  }
  if (got->message.find(field) == std::string::npos) {
    return ::testing::AssertionFailure() << "message '" << got->message
                                         << "' does not name '" << field << "'";
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Invalid(const std::optional<Rejection>& got,
                                   const std::string& field) {
  return Rejected(got, StatusCode::kInvalidArgument, field);
}

// ---------------------------------------------------------------------------
// The fixture itself: one valid report per body.

TEST(ValidateTest, ValidReportOfEveryBodyIsAccepted) {
  ASSERT_EQ(AllBodies().size(), 16u);
  for (BodyCase body : AllBodies()) {
    SCOPED_TRACE(Name(body));
    const AgencyReport r = ValidReport(body);
    ASSERT_EQ(r.body_case(), body);
    EXPECT_TRUE(Accepted(Check(r)));
  }
}

// ---------------------------------------------------------------------------
// report_id

TEST(ValidateTest, MissingReportIdIsInvalid) {
  for (BodyCase body : AllBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    r.clear_report_id();
    EXPECT_TRUE(Invalid(Check(r), "report_id"));
  }
}

TEST(ValidateTest, ReportIdOf128CharsIsAcceptedAnd129Rejected) {
  AgencyReport r = ValidReport(AgencyReport::kArrest);
  r.set_report_id(std::string(128, 'r'));
  EXPECT_TRUE(Accepted(Check(r)));
  r.set_report_id(std::string(129, 'r'));
  EXPECT_TRUE(Invalid(Check(r), "report_id"));
}

TEST(ValidateTest, ReportIdLimitCountsCharactersNotBytes) {
  AgencyReport r = ValidReport(AgencyReport::kArrest);
  std::string id;
  for (int i = 0; i < 128; ++i) id += "\xc3\xa9";  // U+00E9, 2 bytes each
  r.set_report_id(id);
  EXPECT_TRUE(Accepted(Check(r)));
  r.set_report_id(id + "\xc3\xa9");
  EXPECT_TRUE(Invalid(Check(r), "report_id"));
}

// ---------------------------------------------------------------------------
// reporter

TEST(ValidateTest, MissingReporterIsInvalid) {
  AgencyReport r = ValidReport(AgencyReport::kArrest);
  r.clear_reporter();
  EXPECT_TRUE(Invalid(Check(r), "reporter"));
}

TEST(ValidateTest, ReporterOtherThanCallerIsPermissionDenied) {
  const Principal dea{"DEA", PrincipalKind::kAgency};
  for (BodyCase body : AllBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    r.set_reporter("FBI");
    EXPECT_TRUE(
        Rejected(CheckAs(r, dea), StatusCode::kPermissionDenied, "reporter"));
  }
  // Codes are compared exactly: no case folding.
  AgencyReport r = ValidReport(AgencyReport::kArrest);
  r.set_reporter("dea");
  EXPECT_TRUE(
      Rejected(CheckAs(r, dea), StatusCode::kPermissionDenied, "reporter"));
}

// ---------------------------------------------------------------------------
// body and who may send it

TEST(ValidateTest, NoBodyIsInvalid) {
  AgencyReport r = ValidReport(AgencyReport::kArrest);
  r.clear_body();
  ASSERT_EQ(r.body_case(), AgencyReport::BODY_NOT_SET);
  EXPECT_TRUE(
      Invalid(CheckAs(r, Principal{"DEA", PrincipalKind::kAgency}), "body"));
}

TEST(ValidateTest, AgencyMayNotSendSentencingOrCommunityIndicator) {
  const Principal dea{"DEA", PrincipalKind::kAgency};
  for (BodyCase body :
       {AgencyReport::kSentencing, AgencyReport::kCommunityIndicator,
        AgencyReport::kOversightDecision, AgencyReport::kBudgetLine}) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    r.set_reporter("DEA");
    EXPECT_TRUE(
        Rejected(CheckAs(r, dea), StatusCode::kPermissionDenied, Name(body)));
  }
}

TEST(ValidateTest, AgencyMaySendEveryOtherBody) {
  // With the write authority the samples need (they name DEA and designate
  // an org); that authority is tested on its own below.
  const Principal fbi{"FBI", PrincipalKind::kAgency, {"DEA"}, true};
  int allowed = 0;
  for (BodyCase body : AllBodies()) {
    if (body == AgencyReport::kSentencing ||
        body == AgencyReport::kCommunityIndicator ||
        body == AgencyReport::kOversightDecision ||
        body == AgencyReport::kBudgetLine) {
      continue;
    }
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    r.set_reporter("FBI");
    // The sample answers a flag about DEA; FBI answers its own (who may
    // answer what is tested on its own below).
    if (body == AgencyReport::kAgencyResponse) {
      r.mutable_agency_response()->set_condition_key(
          "FRUITION_GAP/agency:FBI/FY2026");
    }
    EXPECT_TRUE(Accepted(CheckAs(r, fbi)));
    ++allowed;
  }
  EXPECT_EQ(allowed, 12);
}

TEST(ValidateTest, JudiciaryMaySendSentencingAndDispositionOnly) {
  const Principal ussc{"USSC", PrincipalKind::kJudiciary};
  for (BodyCase body : AllBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    r.set_reporter("USSC");
    if (body == AgencyReport::kSentencing ||
        body == AgencyReport::kDisposition) {
      EXPECT_TRUE(Accepted(CheckAs(r, ussc)));
    } else {
      EXPECT_TRUE(Rejected(CheckAs(r, ussc), StatusCode::kPermissionDenied,
                           Name(body)));
    }
  }
}

TEST(ValidateTest, JudiciarySendingArrestIsPermissionDenied) {
  AgencyReport r = ValidReport(AgencyReport::kArrest);
  r.set_reporter("PROBATION-EDPA");
  EXPECT_TRUE(Rejected(
      CheckAs(r, Principal{"PROBATION-EDPA", PrincipalKind::kJudiciary}),
      StatusCode::kPermissionDenied, "arrest"));
}

TEST(ValidateTest, CommunityMaySendCommunityIndicatorOnly) {
  const Principal sdp{"SDP", PrincipalKind::kCommunity};
  for (BodyCase body : AllBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    r.set_reporter("SDP");
    if (body == AgencyReport::kCommunityIndicator) {
      EXPECT_TRUE(Accepted(CheckAs(r, sdp)));
    } else {
      EXPECT_TRUE(
          Rejected(CheckAs(r, sdp), StatusCode::kPermissionDenied, Name(body)));
    }
  }
}

TEST(ValidateTest, CommunitySendingArrestIsPermissionDenied) {
  AgencyReport r = ValidReport(AgencyReport::kArrest);
  r.set_reporter("PPD");
  EXPECT_TRUE(Rejected(CheckAs(r, Principal{"PPD", PrincipalKind::kCommunity}),
                       StatusCode::kPermissionDenied, "arrest"));
}

TEST(ValidateTest, OverseerMaySendDecisionsAndBudgetLinesOnly) {
  const Principal hac{"HAC", PrincipalKind::kOverseer};
  for (BodyCase body : AllBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    r.set_reporter("HAC");
    if (body == AgencyReport::kOversightDecision ||
        body == AgencyReport::kBudgetLine) {
      EXPECT_TRUE(Accepted(CheckAs(r, hac)));
    } else {
      EXPECT_TRUE(
          Rejected(CheckAs(r, hac), StatusCode::kPermissionDenied, Name(body)));
    }
  }
}

TEST(ValidateTest, PublicMaySendNothing) {
  for (const Principal& caller :
       {Principal{"PUBLIC", PrincipalKind::kPublic}}) {
    for (BodyCase body : AllBodies()) {
      SCOPED_TRACE(caller.code + " " + Name(body));
      AgencyReport r = ValidReport(body);
      r.set_reporter(caller.code);
      EXPECT_TRUE(Rejected(CheckAs(r, caller), StatusCode::kPermissionDenied,
                           Name(body)));
    }
  }
}

// Authorization comes before field rules: a forbidden body is refused as such
// even when it is also malformed.
TEST(ValidateTest, ForbiddenBodyIsPermissionDeniedBeforeFieldRules) {
  AgencyReport r = ValidReport(AgencyReport::kSentencing);
  r.set_reporter("DEA");
  r.mutable_sentencing()->clear_subject_ref();
  r.clear_occurred_at();
  EXPECT_TRUE(Rejected(CheckAs(r, Principal{"DEA", PrincipalKind::kAgency}),
                       StatusCode::kPermissionDenied, "sentencing"));
}

// SPEC §1, written out independently of the implementation: kind -> bodies.
TEST(ValidateTest, MaySendMatchesSpecTableExhaustively) {
  struct Row {
    PrincipalKind kind;
    std::vector<BodyCase> allowed;
  };
  const std::vector<Row> table = {
      {PrincipalKind::kAgency,
       {AgencyReport::kCaseOpened, AgencyReport::kOrgDesignated,
        AgencyReport::kLinkClaim, AgencyReport::kEvidenceAdded,
        AgencyReport::kArrest, AgencyReport::kSeizure,
        AgencyReport::kChargeFiled, AgencyReport::kDeclination,
        AgencyReport::kDisposition, AgencyReport::kOrgOutcome,
        AgencyReport::kPerformanceTarget, AgencyReport::kAgencyResponse}},
      {PrincipalKind::kJudiciary,
       {AgencyReport::kSentencing, AgencyReport::kDisposition}},
      {PrincipalKind::kCommunity, {AgencyReport::kCommunityIndicator}},
      {PrincipalKind::kOverseer,
       {AgencyReport::kOversightDecision, AgencyReport::kBudgetLine}},
      {PrincipalKind::kPublic, {}},
  };
  int checked = 0;
  for (const Row& row : table) {
    for (BodyCase body : AllBodies()) {
      SCOPED_TRACE(std::string(auth::KindName(row.kind)) + " " + Name(body));
      const bool want = std::find(row.allowed.begin(), row.allowed.end(),
                                  body) != row.allowed.end();
      EXPECT_EQ(MaySend(row.kind, body), want);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 5 * 16);
}

// ---------------------------------------------------------------------------
// Write authority: agency fields, acts_for, designates

// The body's `agency` field, for the bodies that have one.
std::string* MutableAgency(AgencyReport* r) {
  switch (r->body_case()) {
    case AgencyReport::kCaseOpened:
      return r->mutable_case_opened()->mutable_agency();
    case AgencyReport::kArrest:
      return r->mutable_arrest()->mutable_agency();
    case AgencyReport::kPerformanceTarget:
      return r->mutable_performance_target()->mutable_agency();
    default:
      return nullptr;
  }
}

const std::vector<BodyCase>& AgencyBodies() {
  static const auto* bodies = new std::vector<BodyCase>{
      AgencyReport::kCaseOpened, AgencyReport::kArrest,
      AgencyReport::kPerformanceTarget};
  return *bodies;
}

TEST(ValidateTest, AgencyFieldNamingAnotherAgencyIsPermissionDenied) {
  // TF-PHL setting FBI's target, FBI counting an arrest as DEA's.
  const Principal tf{"TF-PHL", PrincipalKind::kAgency, {"DEA"}};
  for (BodyCase body : AgencyBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    r.set_reporter("TF-PHL");
    *MutableAgency(&r) = "FBI";
    EXPECT_TRUE(Rejected(CheckAs(r, tf), StatusCode::kPermissionDenied,
                         Name(body) + ".agency"));
    r.set_reporter("FBI");
    *MutableAgency(&r) = "DEA";
    EXPECT_TRUE(Rejected(CheckAs(r, Principal{"FBI", PrincipalKind::kAgency}),
                         StatusCode::kPermissionDenied,
                         Name(body) + ".agency"));
  }
}

TEST(ValidateTest, AgencyFieldMayNameTheReporterOrWhomItActsFor) {
  const Principal tf{"TF-PHL", PrincipalKind::kAgency, {"HSI", "DEA"}};
  for (BodyCase body : AgencyBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    r.set_reporter("TF-PHL");
    for (const char* agency : {"TF-PHL", "DEA", "HSI"}) {
      *MutableAgency(&r) = agency;
      EXPECT_TRUE(Accepted(CheckAs(r, tf))) << agency;
    }
    // Exact codes: no case folding, no prefixes.
    for (const char* agency : {"dea", "DE", "DEA "}) {
      *MutableAgency(&r) = agency;
      EXPECT_TRUE(Rejected(CheckAs(r, tf), StatusCode::kPermissionDenied,
                           Name(body) + ".agency"))
          << agency;
    }
    // A missing agency is a malformed report, not a question of authority.
    MutableAgency(&r)->clear();
    EXPECT_TRUE(Invalid(CheckAs(r, tf), Name(body) + ".agency"));
  }
}

TEST(ValidateTest, OnlyADesignatorMaySendOrgDesignated) {
  AgencyReport r = ValidReport(AgencyReport::kOrgDesignated);
  r.set_reporter("FBI");
  EXPECT_TRUE(Rejected(CheckAs(r, Principal{"FBI", PrincipalKind::kAgency}),
                       StatusCode::kPermissionDenied, "org_designated"));
  // Acting for a designator does not make one.
  EXPECT_TRUE(
      Rejected(CheckAs(r, Principal{"FBI", PrincipalKind::kAgency, {"DEA"}}),
               StatusCode::kPermissionDenied, "org_designated"));
  // A revocation is a designation too.
  r.mutable_org_designated()->set_revoked(true);
  EXPECT_TRUE(Rejected(CheckAs(r, Principal{"FBI", PrincipalKind::kAgency}),
                       StatusCode::kPermissionDenied, "org_designated"));
  EXPECT_TRUE(
      Accepted(CheckAs(r, Principal{"FBI", PrincipalKind::kAgency, {}, true})));
  // designates grants nothing else: an agency field still follows acts_for.
  AgencyReport arrest = ValidReport(AgencyReport::kArrest);
  arrest.set_reporter("FBI");
  EXPECT_TRUE(Rejected(
      CheckAs(arrest, Principal{"FBI", PrincipalKind::kAgency, {}, true}),
      StatusCode::kPermissionDenied, "arrest.agency"));
}

TEST(ValidateTest, ReceivedAtSetBySenderIsInvalid) {
  for (BodyCase body : AllBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    *r.mutable_received_at() = Ts(kNow - kDay);
    EXPECT_TRUE(Invalid(Check(r), "received_at"));
    // Even a zero timestamp: only intake sets the field.
    *r.mutable_received_at() = Ts(0);
    EXPECT_TRUE(Invalid(Check(r), "received_at"));
  }
}

// ---------------------------------------------------------------------------
// occurred_at

TEST(ValidateTest, MissingOccurredAtIsInvalid) {
  for (BodyCase body : AllBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    r.clear_occurred_at();
    EXPECT_TRUE(Invalid(Check(r), "occurred_at"));
  }
}

TEST(ValidateTest, OccurredAtUpTo24HoursInTheFutureIsAccepted) {
  AgencyReport r = ValidReport(AgencyReport::kArrest);
  *r.mutable_occurred_at() = Ts(kNow + 23 * kHour + int64_t{59} * 60);
  EXPECT_TRUE(Accepted(Check(r)));
  *r.mutable_occurred_at() = Ts(kNow + 24 * kHour);
  EXPECT_TRUE(Accepted(Check(r)));
  // Old facts are fine: sentencing years after the arrest (SPEC §5).
  *r.mutable_occurred_at() = Ts(1443657600);  // 2015-10-01
  EXPECT_TRUE(Accepted(Check(r)));
}

TEST(ValidateTest, OccurredAtMoreThan24HoursInTheFutureIsInvalid) {
  AgencyReport r = ValidReport(AgencyReport::kArrest);
  *r.mutable_occurred_at() = Ts(kNow + 24 * kHour + 1);
  EXPECT_TRUE(Invalid(Check(r), "occurred_at"));
  *r.mutable_occurred_at() = Ts(kNow + 365 * kDay);
  EXPECT_TRUE(Invalid(Check(r), "occurred_at"));
}

TEST(ValidateTest, OccurredAtOutsideTimestampRangeIsInvalid) {
  AgencyReport r = ValidReport(AgencyReport::kArrest);
  *r.mutable_occurred_at() = Ts(kNow - kDay, -1);
  EXPECT_TRUE(Invalid(Check(r), "occurred_at"));
  *r.mutable_occurred_at() = Ts(kNow - kDay, 1000000000);
  EXPECT_TRUE(Invalid(Check(r), "occurred_at"));
  *r.mutable_occurred_at() = Ts(-62135596801LL);  // before 0001-01-01
  EXPECT_TRUE(Invalid(Check(r), "occurred_at"));
}

// ---------------------------------------------------------------------------
// case_id

TEST(ValidateTest, CaseIdIsRequiredForCaseLevelBodies) {
  int case_level = 0;
  for (BodyCase body : AllBodies()) {
    if (IsReferenceBody(body)) continue;
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    r.clear_case_id();
    EXPECT_TRUE(Invalid(Check(r), "case_id"));
    ++case_level;
  }
  EXPECT_EQ(case_level, 9);
}

TEST(ValidateTest, CaseIdIsOptionalForReferenceBodies) {
  for (BodyCase body :
       {AgencyReport::kOrgDesignated, AgencyReport::kOrgOutcome,
        AgencyReport::kPerformanceTarget, AgencyReport::kCommunityIndicator}) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    r.clear_case_id();
    EXPECT_TRUE(Accepted(Check(r)));
    r.set_case_id("EDPA-2025-CR-00417");
    EXPECT_TRUE(Accepted(Check(r)));
    // When given it is still an identifier.
    r.set_case_id(std::string(129, 'c'));
    EXPECT_TRUE(Invalid(Check(r), "case_id"));
  }
}

// ---------------------------------------------------------------------------
// subject_ref / subject_pid

TEST(ValidateTest, MissingSubjectRefIsInvalid) {
  for (BodyCase body : SubjectBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    ASSERT_NE(MutableSubjectRef(&r), nullptr);
    MutableSubjectRef(&r)->clear();
    EXPECT_TRUE(Invalid(Check(r), Name(body) + ".subject_ref"));
  }
}

TEST(ValidateTest, SubjectRefIsAnIdentifier) {
  for (BodyCase body : SubjectBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    *MutableSubjectRef(&r) = std::string(128, '7');
    EXPECT_TRUE(Accepted(Check(r)));
    *MutableSubjectRef(&r) = std::string(129, '7');
    EXPECT_TRUE(Invalid(Check(r), Name(body) + ".subject_ref"));
  }
}

// A subject_ref of spaces only would normalize to "" (SPEC §2 trims before
// the HMAC), joining every blank-ref subject into one fake person.
TEST(ValidateTest, BlankSubjectRefIsInvalid) {
  for (BodyCase body : SubjectBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    *MutableSubjectRef(&r) = "   ";
    EXPECT_TRUE(Invalid(Check(r), Name(body) + ".subject_ref"));
  }
}

// Surrounding spaces are allowed: intake trims them when pseudonymizing.
TEST(ValidateTest, SubjectRefWithSurroundingSpacesIsAccepted) {
  for (BodyCase body : SubjectBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    *MutableSubjectRef(&r) = " fbi-5531-kx ";
    EXPECT_TRUE(Accepted(Check(r)));
  }
}

TEST(ValidateTest, SubjectPidSetBySenderIsInvalid) {
  for (BodyCase body : SubjectBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    ASSERT_NE(MutableSubjectPid(&r), nullptr);
    *MutableSubjectPid(&r) = std::string(64, 'a');
    EXPECT_TRUE(Invalid(Check(r), Name(body) + ".subject_pid"));
  }
}

TEST(ValidateTest, BodiesWithoutSubjectHaveNoSubjectFields) {
  for (BodyCase body : AllBodies()) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    const bool has_subject =
        std::find(SubjectBodies().begin(), SubjectBodies().end(), body) !=
        SubjectBodies().end();
    EXPECT_EQ(MutableSubjectRef(&r) != nullptr, has_subject);
    EXPECT_EQ(MutableSubjectPid(&r) != nullptr, has_subject);
    EXPECT_EQ(SubjectPid(r) != nullptr, has_subject);
  }
}

// ---------------------------------------------------------------------------
// Required strings of each body

TEST(ValidateTest, MissingRequiredBodyStringIsInvalid) {
  struct Case {
    BodyCase body;
    std::function<void(AgencyReport*)> clear;
    std::string field;
  };
  const std::vector<Case> cases = {
      {AgencyReport::kCaseOpened,
       [](AgencyReport* r) { r->mutable_case_opened()->clear_agency(); },
       "case_opened.agency"},
      {AgencyReport::kCaseOpened,
       [](AgencyReport* r) { r->mutable_case_opened()->clear_district(); },
       "case_opened.district"},
      {AgencyReport::kOrgDesignated,
       [](AgencyReport* r) { r->mutable_org_designated()->clear_org_id(); },
       "org_designated.org_id"},
      {AgencyReport::kLinkClaim,
       [](AgencyReport* r) { r->mutable_link_claim()->clear_claim_id(); },
       "link_claim.claim_id"},
      {AgencyReport::kLinkClaim,
       [](AgencyReport* r) { r->mutable_link_claim()->clear_org_id(); },
       "link_claim.org_id"},
      {AgencyReport::kEvidenceAdded,
       [](AgencyReport* r) { r->mutable_evidence_added()->clear_claim_id(); },
       "evidence_added.claim_id"},
      {AgencyReport::kArrest,
       [](AgencyReport* r) { r->mutable_arrest()->clear_arrest_id(); },
       "arrest.arrest_id"},
      {AgencyReport::kArrest,
       [](AgencyReport* r) { r->mutable_arrest()->clear_agency(); },
       "arrest.agency"},
      {AgencyReport::kSeizure,
       [](AgencyReport* r) { r->mutable_seizure()->clear_seizure_id(); },
       "seizure.seizure_id"},
      {AgencyReport::kChargeFiled,
       [](AgencyReport* r) { r->mutable_charge_filed()->clear_district(); },
       "charge_filed.district"},
      {AgencyReport::kDeclination,
       [](AgencyReport* r) { r->mutable_declination()->clear_district(); },
       "declination.district"},
      {AgencyReport::kSentencing,
       [](AgencyReport* r) { r->mutable_sentencing()->clear_district(); },
       "sentencing.district"},
      {AgencyReport::kOrgOutcome,
       [](AgencyReport* r) { r->mutable_org_outcome()->clear_org_id(); },
       "org_outcome.org_id"},
      {AgencyReport::kPerformanceTarget,
       [](AgencyReport* r) { r->mutable_performance_target()->clear_agency(); },
       "performance_target.agency"},
      {AgencyReport::kCommunityIndicator,
       [](AgencyReport* r) {
         r->mutable_community_indicator()->clear_area_id();
       },
       "community_indicator.area_id"},
      {AgencyReport::kCommunityIndicator,
       [](AgencyReport* r) {
         r->mutable_community_indicator()->clear_period_start();
       },
       "community_indicator.period_start"},
      {AgencyReport::kCommunityIndicator,
       [](AgencyReport* r) {
         r->mutable_community_indicator()->clear_period_end();
       },
       "community_indicator.period_end"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    AgencyReport r = ValidReport(c.body);
    c.clear(&r);
    EXPECT_TRUE(Invalid(Check(r), c.field));
  }
}

TEST(ValidateTest, OptionalBodyStringsMayBeEmpty) {
  AgencyReport opened = ValidReport(AgencyReport::kCaseOpened);
  opened.mutable_case_opened()->clear_field_office();
  opened.mutable_case_opened()->clear_target_org_id();
  opened.mutable_case_opened()->clear_designations();
  EXPECT_TRUE(Accepted(Check(opened)));

  AgencyReport designated = ValidReport(AgencyReport::kOrgDesignated);
  designated.mutable_org_designated()->clear_region();
  designated.mutable_org_designated()->clear_criteria_cited();
  EXPECT_TRUE(Accepted(Check(designated)));

  AgencyReport arrest = ValidReport(AgencyReport::kArrest);
  arrest.mutable_arrest()->clear_field_office();
  arrest.mutable_arrest()->clear_claim_id();
  EXPECT_TRUE(Accepted(Check(arrest)));

  AgencyReport declination = ValidReport(AgencyReport::kDeclination);
  declination.mutable_declination()->clear_reason();
  EXPECT_TRUE(Accepted(Check(declination)));

  AgencyReport charge = ValidReport(AgencyReport::kChargeFiled);
  charge.mutable_charge_filed()->clear_statutes();
  charge.mutable_charge_filed()->set_mandatory_minimum_months(0);
  EXPECT_TRUE(Accepted(Check(charge)));

  AgencyReport claim = ValidReport(AgencyReport::kLinkClaim);
  claim.mutable_link_claim()->clear_evidence();  // fails C2/C3 later, not here
  EXPECT_TRUE(Accepted(Check(claim)));
}

TEST(ValidateTest, RepeatedIdentifierElementsAreChecked) {
  AgencyReport charge = ValidReport(AgencyReport::kChargeFiled);
  charge.mutable_charge_filed()->add_statutes("");
  EXPECT_TRUE(Invalid(Check(charge), "charge_filed.statutes[2]"));

  AgencyReport designated = ValidReport(AgencyReport::kOrgDesignated);
  designated.mutable_org_designated()->add_criteria_cited(
      std::string(129, 'k'));
  EXPECT_TRUE(Invalid(Check(designated), "org_designated.criteria_cited[1]"));

  AgencyReport claim = ValidReport(AgencyReport::kLinkClaim);
  claim.mutable_link_claim()->mutable_evidence(2)->add_corroborates("");
  EXPECT_TRUE(Invalid(Check(claim), "link_claim.evidence[2].corroborates[1]"));
}

// ---------------------------------------------------------------------------
// Enums: the zero value is refused where required, unknown numbers always.

struct EnumCase {
  BodyCase body;
  std::function<void(AgencyReport*, int)> set;
  std::string field;
};

std::vector<EnumCase> EnumCases() {
  return {
      {AgencyReport::kCaseOpened,
       [](AgencyReport* r, int v) {
         r->mutable_case_opened()->set_origin(static_cast<v1::CaseOrigin>(v));
       },
       "case_opened.origin"},
      {AgencyReport::kCaseOpened,
       [](AgencyReport* r, int v) {
         r->mutable_case_opened()->add_designations(
             static_cast<v1::CaseDesignation>(v));
       },
       "case_opened.designations[1]"},
      {AgencyReport::kOrgDesignated,
       [](AgencyReport* r, int v) {
         r->mutable_org_designated()->set_tier(static_cast<v1::Tier>(v));
       },
       "org_designated.tier"},
      {AgencyReport::kLinkClaim,
       [](AgencyReport* r, int v) {
         r->mutable_link_claim()->set_link_role(static_cast<v1::LinkRole>(v));
       },
       "link_claim.link_role"},
      {AgencyReport::kLinkClaim,
       [](AgencyReport* r, int v) {
         r->mutable_link_claim()->mutable_evidence(1)->set_kind(
             static_cast<v1::EvidenceKind>(v));
       },
       "link_claim.evidence[1].kind"},
      {AgencyReport::kEvidenceAdded,
       [](AgencyReport* r, int v) {
         r->mutable_evidence_added()->mutable_evidence(0)->set_kind(
             static_cast<v1::EvidenceKind>(v));
       },
       "evidence_added.evidence[0].kind"},
      {AgencyReport::kSeizure,
       [](AgencyReport* r, int v) {
         r->mutable_seizure()->set_drug(static_cast<v1::Drug>(v));
       },
       "seizure.drug"},  // required: weight_grams > 0 in the valid seizure
      {AgencyReport::kDisposition,
       [](AgencyReport* r, int v) {
         r->mutable_disposition()->set_outcome(
             static_cast<v1::DispositionOutcome>(v));
       },
       "disposition.outcome"},
      {AgencyReport::kSentencing,
       [](AgencyReport* r, int v) {
         r->mutable_sentencing()->set_aggravating_role(
             static_cast<v1::AggravatingRole>(v));
       },
       "sentencing.aggravating_role"},
      {AgencyReport::kSentencing,
       [](AgencyReport* r, int v) {
         r->mutable_sentencing()->set_mitigating_role(
             static_cast<v1::MitigatingRole>(v));
       },
       "sentencing.mitigating_role"},
      {AgencyReport::kSentencing,
       [](AgencyReport* r, int v) {
         r->mutable_sentencing()->set_weapon(static_cast<v1::Weapon>(v));
       },
       "sentencing.weapon"},
      {AgencyReport::kSentencing,
       [](AgencyReport* r, int v) {
         r->mutable_sentencing()->set_drug(static_cast<v1::Drug>(v));
       },
       "sentencing.drug"},
      {AgencyReport::kSentencing,
       [](AgencyReport* r, int v) {
         r->mutable_sentencing()->set_function(
             static_cast<v1::OffenseFunction>(v));
       },
       "sentencing.function"},
      {AgencyReport::kOrgOutcome,
       [](AgencyReport* r, int v) {
         r->mutable_org_outcome()->set_outcome(static_cast<v1::OrgOutcome>(v));
       },
       "org_outcome.outcome"},
      {AgencyReport::kPerformanceTarget,
       [](AgencyReport* r, int v) {
         r->mutable_performance_target()->set_measure(
             static_cast<v1::PerformanceMeasure>(v));
       },
       "performance_target.measure"},
      {AgencyReport::kCommunityIndicator,
       [](AgencyReport* r, int v) {
         r->mutable_community_indicator()->set_indicator(
             static_cast<v1::CommunityIndicatorKind>(v));
       },
       "community_indicator.indicator"},
  };
}

TEST(ValidateTest, UnspecifiedRequiredEnumIsInvalid) {
  for (const EnumCase& c : EnumCases()) {
    SCOPED_TRACE(c.field);
    AgencyReport r = ValidReport(c.body);
    c.set(&r, 0);
    EXPECT_TRUE(Invalid(Check(r), c.field));
  }
}

TEST(ValidateTest, UnknownEnumNumberIsInvalid) {
  for (const EnumCase& c : EnumCases()) {
    SCOPED_TRACE(c.field);
    for (int unknown : {999, -1}) {
      AgencyReport r = ValidReport(c.body);
      c.set(&r, unknown);
      EXPECT_TRUE(Invalid(Check(r), c.field)) << "value " << unknown;
    }
  }
}

TEST(ValidateTest, EveryKnownEnumValueIsAccepted) {
  // The highest value of each enum, set where the valid report has another.
  const std::vector<std::pair<std::string, int>> highest = {
      {"case_opened.origin", v1::CaseOrigin_MAX},
      {"case_opened.designations[1]", v1::CaseDesignation_MAX},
      {"org_designated.tier", v1::Tier_MAX},
      {"link_claim.link_role", v1::LinkRole_MAX},
      {"link_claim.evidence[1].kind", v1::EvidenceKind_MAX},
      {"evidence_added.evidence[0].kind", v1::EvidenceKind_MAX},
      {"seizure.drug", v1::Drug_MAX},
      {"disposition.outcome", v1::DispositionOutcome_MAX},
      {"sentencing.aggravating_role", v1::AggravatingRole_MAX},
      {"sentencing.mitigating_role", v1::MitigatingRole_MAX},
      {"sentencing.weapon", v1::Weapon_MAX},
      {"sentencing.drug", v1::Drug_MAX},
      {"sentencing.function", v1::OffenseFunction_MAX},
      {"org_outcome.outcome", v1::OrgOutcome_MAX},
      {"performance_target.measure", v1::PerformanceMeasure_MAX},
      {"community_indicator.indicator", v1::CommunityIndicatorKind_MAX},
  };
  const std::vector<EnumCase> cases = EnumCases();
  ASSERT_EQ(cases.size(), highest.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].field);
    ASSERT_EQ(cases[i].field, highest[i].first);
    for (int v = 1; v <= highest[i].second; ++v) {
      AgencyReport r = ValidReport(cases[i].body);
      cases[i].set(&r, v);
      EXPECT_TRUE(Accepted(Check(r))) << "value " << v;
    }
  }
}

// ---------------------------------------------------------------------------
// Strings: valid UTF-8, ids without control characters.

TEST(ValidateTest, InvalidUtf8InAnIdIsInvalid) {
  AgencyReport r = ValidReport(AgencyReport::kArrest);
  r.mutable_arrest()->set_arrest_id("DEA-ARR-\xff");
  EXPECT_TRUE(Invalid(Check(r), "arrest.arrest_id"));

  r = ValidReport(AgencyReport::kArrest);
  r.set_report_id("RPT-\xc3\x28");
  EXPECT_TRUE(Invalid(Check(r), "report_id"));

  r = ValidReport(AgencyReport::kArrest);
  r.set_case_id("EDPA-\xed\xa0\x80");  // a UTF-16 surrogate
  EXPECT_TRUE(Invalid(Check(r), "case_id"));

  r = ValidReport(AgencyReport::kLinkClaim);
  r.mutable_link_claim()->set_subject_ref("FBI-\xc0\xaf");  // overlong '/'
  EXPECT_TRUE(Invalid(Check(r), "link_claim.subject_ref"));
}

TEST(ValidateTest, ValidUtf8InIdsIsAccepted) {
  AgencyReport r = ValidReport(AgencyReport::kCaseOpened);
  r.mutable_case_opened()->set_field_office("DEA-SAN-JOS\xc3\x89");
  EXPECT_TRUE(Accepted(Check(r)));
}

TEST(ValidateTest, InvalidUtf8InFreeTextIsInvalid) {
  AgencyReport r = ValidReport(AgencyReport::kDeclination);
  r.mutable_declination()->set_reason("Declined \xe2\x82 per USAO policy");
  EXPECT_TRUE(Invalid(Check(r), "declination.reason"));

  r = ValidReport(AgencyReport::kLinkClaim);
  r.mutable_link_claim()->mutable_evidence(0)->set_sealed_summary(
      "Intercept \xf0\x9f\x98");
  EXPECT_TRUE(Invalid(Check(r), "link_claim.evidence[0].sealed_summary"));

  r = ValidReport(AgencyReport::kEvidenceAdded);
  r.mutable_evidence_added()->mutable_evidence(1)->set_sealed_summary("\x80");
  EXPECT_TRUE(Invalid(Check(r), "evidence_added.evidence[1].sealed_summary"));
}

TEST(ValidateTest, FreeTextMayHoldControlCharactersAndAnyUnicode) {
  AgencyReport r = ValidReport(AgencyReport::kDeclination);
  r.mutable_declination()->set_reason(
      "Line one.\nLine two:\tquantity < threshold \xe2\x80\x94 "
      "\xf0\x9f\x93\x8e");
  EXPECT_TRUE(Accepted(Check(r)));

  r = ValidReport(AgencyReport::kLinkClaim);
  r.mutable_link_claim()->mutable_evidence(0)->set_sealed_summary(
      "CS-1 said \"the boss\"\r\nCaf\xc3\xa9 meeting.");
  EXPECT_TRUE(Accepted(Check(r)));
}

TEST(ValidateTest, ControlCharacterInAnIdIsInvalid) {
  AgencyReport r = ValidReport(AgencyReport::kArrest);
  r.set_case_id("EDPA-2025\n-CR-00417");
  EXPECT_TRUE(Invalid(Check(r), "case_id"));

  r = ValidReport(AgencyReport::kArrest);
  r.mutable_arrest()->set_agency("DEA\x7f");
  EXPECT_TRUE(Invalid(Check(r), "arrest.agency"));

  r = ValidReport(AgencyReport::kArrest);
  r.mutable_arrest()->set_subject_ref(std::string("FBI\0-1", 6));
  EXPECT_TRUE(Invalid(Check(r), "arrest.subject_ref"));

  r = ValidReport(AgencyReport::kLinkClaim);
  r.mutable_link_claim()->mutable_evidence(1)->set_source_id("CI\t0193");
  EXPECT_TRUE(Invalid(Check(r), "link_claim.evidence[1].source_id"));

  // Spaces and punctuation are not control characters.
  r = ValidReport(AgencyReport::kArrest);
  r.set_case_id("EDPA 2:25-cr-00417 (JLS)");
  EXPECT_TRUE(Accepted(Check(r)));
}

// ---------------------------------------------------------------------------
// Evidence

google::protobuf::RepeatedPtrField<v1::EvidenceItem>* EvidenceOf(
    AgencyReport* r) {
  return r->has_link_claim() ? r->mutable_link_claim()->mutable_evidence()
                             : r->mutable_evidence_added()->mutable_evidence();
}

void FillEvidence(AgencyReport* r, int n) {
  auto* items = EvidenceOf(r);
  items->Clear();
  for (int i = 0; i < n; ++i) {
    AddEvidence(items, "EV-" + std::to_string(i),
                v1::EVIDENCE_KIND_COMMUNICATIONS_RECORD,
                "SRC-" + std::to_string(i % 7), kNow - 90 * kDay);
  }
}

TEST(ValidateTest, AtMost256EvidenceItemsPerReport) {
  for (BodyCase body :
       {AgencyReport::kLinkClaim, AgencyReport::kEvidenceAdded}) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    FillEvidence(&r, 256);
    EXPECT_TRUE(Accepted(Check(r)));
    FillEvidence(&r, 257);
    EXPECT_TRUE(Invalid(Check(r), Name(body) + ".evidence"));
  }
}

TEST(ValidateTest, DuplicateEvidenceIdIsInvalid) {
  AgencyReport r = ValidReport(AgencyReport::kLinkClaim);
  r.mutable_link_claim()->mutable_evidence(2)->set_evidence_id("EV-1");
  EXPECT_TRUE(Invalid(Check(r), "link_claim.evidence[2].evidence_id"));

  r = ValidReport(AgencyReport::kEvidenceAdded);
  r.mutable_evidence_added()->mutable_evidence(1)->set_evidence_id("EV-4");
  EXPECT_TRUE(Invalid(Check(r), "evidence_added.evidence[1].evidence_id"));
}

TEST(ValidateTest, EvidenceItemMissingFieldIsInvalidAtItsPath) {
  struct Case {
    BodyCase body;
    int index;
    std::function<void(v1::EvidenceItem*)> clear;
    std::string field;
  };
  const std::vector<Case> cases = {
      {AgencyReport::kLinkClaim, 0,
       [](v1::EvidenceItem* e) { e->clear_evidence_id(); },
       "link_claim.evidence[0].evidence_id"},
      {AgencyReport::kLinkClaim, 1,
       [](v1::EvidenceItem* e) { e->clear_kind(); },
       "link_claim.evidence[1].kind"},
      {AgencyReport::kLinkClaim, 2,
       [](v1::EvidenceItem* e) { e->clear_source_id(); },
       "link_claim.evidence[2].source_id"},
      {AgencyReport::kLinkClaim, 2,
       [](v1::EvidenceItem* e) { e->clear_observed_at(); },
       "link_claim.evidence[2].observed_at"},
      {AgencyReport::kEvidenceAdded, 1,
       [](v1::EvidenceItem* e) { e->clear_kind(); },
       "evidence_added.evidence[1].kind"},
      {AgencyReport::kEvidenceAdded, 1,
       [](v1::EvidenceItem* e) { e->clear_source_id(); },
       "evidence_added.evidence[1].source_id"},
      {AgencyReport::kEvidenceAdded, 0,
       [](v1::EvidenceItem* e) { e->clear_observed_at(); },
       "evidence_added.evidence[0].observed_at"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    AgencyReport r = ValidReport(c.body);
    c.clear(EvidenceOf(&r)->Mutable(c.index));
    EXPECT_TRUE(Invalid(Check(r), c.field));
  }
}

TEST(ValidateTest, EvidenceOptionalFieldsMayBeEmpty) {
  AgencyReport r = ValidReport(AgencyReport::kLinkClaim);
  for (v1::EvidenceItem& e : *r.mutable_link_claim()->mutable_evidence()) {
    e.clear_corroborates();
    e.clear_sealed_summary();
  }
  EXPECT_TRUE(Accepted(Check(r)));
  // Evidence observed long before the claim is accepted (C6 judges it).
  r.mutable_link_claim()
      ->mutable_evidence(0)
      ->mutable_observed_at()
      ->set_seconds(1443657600);
  EXPECT_TRUE(Accepted(Check(r)));
}

TEST(ValidateTest, EvidenceAddedNeedsAtLeastOneItem) {
  AgencyReport r = ValidReport(AgencyReport::kEvidenceAdded);
  FillEvidence(&r, 1);
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_evidence_added()->clear_evidence();
  EXPECT_TRUE(Invalid(Check(r), "evidence_added.evidence"));
}

TEST(ValidateTest, LinkClaimHopsBound) {
  AgencyReport r = ValidReport(AgencyReport::kLinkClaim);
  r.mutable_link_claim()->set_hops(0);
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_link_claim()->set_hops(kMaxHops);
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_link_claim()->set_hops(kMaxHops + 1);
  EXPECT_TRUE(Invalid(Check(r), "link_claim.hops"));
}

// ---------------------------------------------------------------------------
// Seizure

TEST(ValidateTest, SeizureNegativeAmountsAreInvalid) {
  AgencyReport r = ValidReport(AgencyReport::kSeizure);
  r.mutable_seizure()->set_weight_grams(-0.5);
  EXPECT_TRUE(Invalid(Check(r), "seizure.weight_grams"));

  r = ValidReport(AgencyReport::kSeizure);
  r.mutable_seizure()->set_cash_usd(-1);
  EXPECT_TRUE(Invalid(Check(r), "seizure.cash_usd"));

  r = ValidReport(AgencyReport::kSeizure);
  r.mutable_seizure()->set_assets_usd(-250000);
  EXPECT_TRUE(Invalid(Check(r), "seizure.assets_usd"));
}

TEST(ValidateTest, SeizureNonFiniteAmountsAreInvalid) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  AgencyReport r = ValidReport(AgencyReport::kSeizure);
  r.mutable_seizure()->set_weight_grams(nan);
  EXPECT_TRUE(Invalid(Check(r), "seizure.weight_grams"));

  r = ValidReport(AgencyReport::kSeizure);
  r.mutable_seizure()->set_weight_grams(inf);
  EXPECT_TRUE(Invalid(Check(r), "seizure.weight_grams"));

  r = ValidReport(AgencyReport::kSeizure);
  r.mutable_seizure()->set_cash_usd(nan);
  EXPECT_TRUE(Invalid(Check(r), "seizure.cash_usd"));

  r = ValidReport(AgencyReport::kSeizure);
  r.mutable_seizure()->set_assets_usd(inf);
  EXPECT_TRUE(Invalid(Check(r), "seizure.assets_usd"));
}

TEST(ValidateTest, SeizureDrugRequiredOnlyWhenWeightIsPositive) {
  // Cash-only seizure: no drug needed.
  AgencyReport r = ValidReport(AgencyReport::kSeizure);
  r.mutable_seizure()->set_weight_grams(0);
  r.mutable_seizure()->set_drug(v1::DRUG_UNSPECIFIED);
  EXPECT_TRUE(Accepted(Check(r)));
  // All amounts zero is still a valid report.
  r.mutable_seizure()->set_cash_usd(0);
  EXPECT_TRUE(Accepted(Check(r)));
  // A drug with weight 0 (e.g. residue) is fine too.
  r.mutable_seizure()->set_drug(v1::DRUG_HEROIN);
  EXPECT_TRUE(Accepted(Check(r)));
  // Any weight needs its drug.
  r.mutable_seizure()->set_drug(v1::DRUG_UNSPECIFIED);
  r.mutable_seizure()->set_weight_grams(0.001);
  EXPECT_TRUE(Invalid(Check(r), "seizure.drug"));
  // An unknown drug number is refused even without weight.
  r.mutable_seizure()->set_weight_grams(0);
  r.mutable_seizure()->set_drug(static_cast<v1::Drug>(999));
  EXPECT_TRUE(Invalid(Check(r), "seizure.drug"));
}

// ---------------------------------------------------------------------------
// Charges and sentencing

TEST(ValidateTest, ChargeMandatoryMinimumBound) {
  AgencyReport r = ValidReport(AgencyReport::kChargeFiled);
  r.mutable_charge_filed()->set_mandatory_minimum_months(1200);
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_charge_filed()->set_mandatory_minimum_months(1201);
  EXPECT_TRUE(Invalid(Check(r), "charge_filed.mandatory_minimum_months"));
}

TEST(ValidateTest, SentencingCriminalHistoryPointsAre0To30) {
  AgencyReport r = ValidReport(AgencyReport::kSentencing);
  r.mutable_sentencing()->set_criminal_history_points(0);
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_sentencing()->set_criminal_history_points(30);
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_sentencing()->set_criminal_history_points(31);
  EXPECT_TRUE(Invalid(Check(r), "sentencing.criminal_history_points"));
}

TEST(ValidateTest, SentencingCriminalHistoryCategoryIs1To6) {
  for (uint32_t category : {1u, 2u, 3u, 4u, 5u, 6u}) {
    AgencyReport r = ValidReport(AgencyReport::kSentencing);
    r.mutable_sentencing()->set_criminal_history_category(category);
    EXPECT_TRUE(Accepted(Check(r))) << "category " << category;
  }
  for (uint32_t category : {0u, 7u, 100u}) {
    AgencyReport r = ValidReport(AgencyReport::kSentencing);
    r.mutable_sentencing()->set_criminal_history_category(category);
    EXPECT_TRUE(Invalid(Check(r), "sentencing.criminal_history_category"))
        << "category " << category;
  }
}

TEST(ValidateTest, SentencingSentenceMonthsBound) {
  AgencyReport r = ValidReport(AgencyReport::kSentencing);
  r.mutable_sentencing()->set_sentence_months(0);  // probation
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_sentencing()->set_sentence_months(1200);  // 100 years
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_sentencing()->set_sentence_months(1201);
  EXPECT_TRUE(Invalid(Check(r), "sentencing.sentence_months"));
}

TEST(ValidateTest, SentencingDrugWeightMustBeFiniteAndNonNegative) {
  AgencyReport r = ValidReport(AgencyReport::kSentencing);
  r.mutable_sentencing()->set_drug_weight_grams(0);
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_sentencing()->set_drug_weight_grams(-1);
  EXPECT_TRUE(Invalid(Check(r), "sentencing.drug_weight_grams"));
  r.mutable_sentencing()->set_drug_weight_grams(
      std::numeric_limits<double>::quiet_NaN());
  EXPECT_TRUE(Invalid(Check(r), "sentencing.drug_weight_grams"));
}

// ---------------------------------------------------------------------------
// Reference bodies

TEST(ValidateTest, OrgOutcomeFiscalYearIsRequired) {
  AgencyReport r = ValidReport(AgencyReport::kOrgOutcome);
  r.mutable_org_outcome()->set_fiscal_year(2016);
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_org_outcome()->set_fiscal_year(0);
  EXPECT_TRUE(Invalid(Check(r), "org_outcome.fiscal_year"));
}

TEST(ValidateTest, PerformanceTargetFiscalYearAndTargetAreRequired) {
  AgencyReport r = ValidReport(AgencyReport::kPerformanceTarget);
  r.mutable_performance_target()->set_target(1);
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_performance_target()->set_target(0);
  EXPECT_TRUE(Invalid(Check(r), "performance_target.target"));

  r = ValidReport(AgencyReport::kPerformanceTarget);
  r.mutable_performance_target()->set_fiscal_year(0);
  EXPECT_TRUE(Invalid(Check(r), "performance_target.fiscal_year"));
}

TEST(ValidateTest, CommunityIndicatorPeriodEndMustFollowStart) {
  AgencyReport r = ValidReport(AgencyReport::kCommunityIndicator);
  auto* b = r.mutable_community_indicator();
  *b->mutable_period_end() = Ts(1759276800, 1);  // start + 1 ns
  EXPECT_TRUE(Accepted(Check(r)));
  *b->mutable_period_end() = Ts(1759276800);  // == start
  EXPECT_TRUE(Invalid(Check(r), "community_indicator.period_end"));
  *b->mutable_period_end() = Ts(1759276800 - kDay);  // before start
  EXPECT_TRUE(Invalid(Check(r), "community_indicator.period_end"));
  *b->mutable_period_start() = Ts(1759276800, 500);
  *b->mutable_period_end() = Ts(1759276800, 499);  // same second, earlier
  EXPECT_TRUE(Invalid(Check(r), "community_indicator.period_end"));
}

TEST(ValidateTest, CommunityIndicatorValueMustBeFinite) {
  AgencyReport r = ValidReport(AgencyReport::kCommunityIndicator);
  r.mutable_community_indicator()->set_value(0.874);  // a graduation rate
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_community_indicator()->set_value(
      std::numeric_limits<double>::quiet_NaN());
  EXPECT_TRUE(Invalid(Check(r), "community_indicator.value"));
  r.mutable_community_indicator()->set_value(
      -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(Invalid(Check(r), "community_indicator.value"));
}

// ---------------------------------------------------------------------------
// Size limit

// A declination whose serialized size is exactly `bytes`.
AgencyReport DeclinationOfSize(size_t bytes) {
  AgencyReport r = ValidReport(AgencyReport::kDeclination);
  std::string reason = r.declination().reason();
  for (int round = 0; round < 4 && r.ByteSizeLong() != bytes; ++round) {
    const int64_t delta =
        static_cast<int64_t>(bytes) - static_cast<int64_t>(r.ByteSizeLong());
    reason.resize(
        static_cast<size_t>(static_cast<int64_t>(reason.size()) + delta), 'x');
    r.mutable_declination()->set_reason(reason);
  }
  return r;
}

TEST(ValidateTest, ReportOfExactly1MiBIsAccepted) {
  const AgencyReport r = DeclinationOfSize(1 << 20);
  ASSERT_EQ(r.ByteSizeLong(), size_t{1} << 20);
  EXPECT_TRUE(Accepted(Check(r)));
}

TEST(ValidateTest, ReportOverOneMiBIsInvalidAtReport) {
  AgencyReport r = DeclinationOfSize((1 << 20) + 1);
  ASSERT_EQ(r.ByteSizeLong(), (size_t{1} << 20) + 1);
  EXPECT_TRUE(Invalid(Check(r), "report"));
  // Evidence-heavy claims count too.
  r = ValidReport(AgencyReport::kLinkClaim);
  r.mutable_link_claim()->mutable_evidence(0)->set_sealed_summary(
      std::string(2 << 20, 's'));
  EXPECT_TRUE(Invalid(Check(r), "report"));
}

// ---------------------------------------------------------------------------
// IsValidUtf8

TEST(ValidateTest, IsValidUtf8AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("DEA-PHILADELPHIA 21 U.S.C. 841(a)(1)"));
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));  // NUL is valid UTF-8
  EXPECT_TRUE(IsValidUtf8("\x7f"));
  EXPECT_TRUE(IsValidUtf8("\xc2\x80"));          // U+0080, smallest 2-byte
  EXPECT_TRUE(IsValidUtf8("Caf\xc3\xa9"));       // U+00E9
  EXPECT_TRUE(IsValidUtf8("\xdf\xbf"));          // U+07FF
  EXPECT_TRUE(IsValidUtf8("\xe0\xa0\x80"));      // U+0800, smallest 3-byte
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac"));      // U+20AC euro sign
  EXPECT_TRUE(IsValidUtf8("\xed\x9f\xbf"));      // U+D7FF, below surrogates
  EXPECT_TRUE(IsValidUtf8("\xee\x80\x80"));      // U+E000, above surrogates
  EXPECT_TRUE(IsValidUtf8("\xef\xbf\xbd"));      // U+FFFD
  EXPECT_TRUE(IsValidUtf8("\xf0\x90\x80\x80"));  // U+10000, smallest 4-byte
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x98\x80"));  // U+1F600 emoji
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF, the last
}

TEST(ValidateTest, IsValidUtf8RejectsOverlongEncodings) {
  EXPECT_FALSE(IsValidUtf8("\xc0\x80"));          // U+0000 in 2 bytes
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // '/' in 2 bytes
  EXPECT_FALSE(IsValidUtf8("\xc1\xbf"));          // U+007F in 2 bytes
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // '/' in 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xe0\x9f\xbf"));      // U+07FF in 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xf0\x80\x80\xaf"));  // '/' in 4 bytes
  EXPECT_FALSE(IsValidUtf8("\xf0\x8f\xbf\xbf"));  // U+FFFF in 4 bytes
}

TEST(ValidateTest, IsValidUtf8RejectsSurrogates) {
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // U+D800
  EXPECT_FALSE(IsValidUtf8("\xed\xaf\xbf"));  // U+DBFF
  EXPECT_FALSE(IsValidUtf8("\xed\xb0\x80"));  // U+DC00
  EXPECT_FALSE(IsValidUtf8("\xed\xbf\xbf"));  // U+DFFF
  // A CESU-8 pair for U+1F600 is two surrogates, not one character.
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\xbd\xed\xb8\x80"));
}

TEST(ValidateTest, IsValidUtf8RejectsTruncatedAndStraySequences) {
  EXPECT_FALSE(IsValidUtf8("\xc3"));          // 2-byte, 1 given
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));      // 3-byte, 2 given
  EXPECT_FALSE(IsValidUtf8("\xf0\x9f\x98"));  // 4-byte, 3 given
  EXPECT_FALSE(IsValidUtf8("ab\xe2\x82"));    // truncated at the end
  EXPECT_FALSE(
      IsValidUtf8("\xe2\x82"
                  "A"));              // continuation missing
  EXPECT_FALSE(IsValidUtf8("\x80"));  // lone continuation
  EXPECT_FALSE(
      IsValidUtf8("a\xbf"
                  "b"));                          // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xc3\xa9\xa9"));      // one continuation too many
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // U+110000, beyond Unicode
  EXPECT_FALSE(IsValidUtf8("\xf5\x80\x80\x80"));  // lead byte F5
  EXPECT_FALSE(IsValidUtf8("\xf8\x88\x80\x80\x80"));  // 5-byte form
  EXPECT_FALSE(IsValidUtf8("\xfe"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

}  // namespace
}  // namespace fruition::intake

namespace fruition::intake {
namespace {

// Fields unknown to this build could carry raw identifiers intake cannot
// pseudonymize: they are refused, with the path of the message holding them.
TEST(ValidateTest, UnknownFieldsAreRejectedWithTheirPath) {
  v1::AgencyReport r;
  r.set_report_id("R-UNKNOWN");
  r.set_reporter("DEA");
  r.mutable_occurred_at()->set_seconds(1767225600 - 3600);
  r.set_case_id("CASE-1");
  auto* claim = r.mutable_link_claim();
  claim->set_claim_id("CL-1");
  claim->set_subject_ref("FBI-1");
  claim->set_org_id("ORG-1");
  claim->set_link_role(v1::LINK_ROLE_COURIER);
  auto* item = claim->add_evidence();
  item->set_evidence_id("E1");
  item->set_kind(v1::EVIDENCE_KIND_CONTROLLED_BUY);
  item->set_source_id("S1");
  item->mutable_observed_at()->set_seconds(1767225600 - 86400);
  const auth::Principal dea{"DEA", auth::PrincipalKind::kAgency};
  EXPECT_FALSE(Validate(r, dea, 1767225600).has_value());

  v1::AgencyReport nested = r;
  {
    v1::EvidenceItem* e = nested.mutable_link_claim()->mutable_evidence(0);
    e->GetReflection()->MutableUnknownFields(e)->AddLengthDelimited(
        99, "RAW-SUBJECT-ID");
  }
  auto rejection = Validate(nested, dea, 1767225600);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->code, absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rejection->field, "link_claim.evidence[0]");

  v1::AgencyReport top = r;
  top.GetReflection()->MutableUnknownFields(&top)->AddVarint(77, 1);
  rejection = Validate(top, dea, 1767225600);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->field, "report");
}

// ---------------------------------------------------------------------------
// SPEC §11: agency_response, oversight_decision, budget_line

const Principal kDea{"DEA", PrincipalKind::kAgency};
const Principal kFbi{"FBI", PrincipalKind::kAgency};
const Principal kHac{"HAC", PrincipalKind::kOverseer};

// DEA's answer to `key`, sent by `caller`.
AgencyReport Response(const std::string& key, const std::string& reporter) {
  AgencyReport r = ValidReport(AgencyReport::kAgencyResponse);
  r.set_reporter(reporter);
  r.mutable_agency_response()->set_condition_key(key);
  return r;
}

// `n` characters of two bytes each, so limits count characters.
std::string Chars(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += "\xc3\xa9";
  return out;
}

TEST(AccountabilityValidateTest, NoCaseIdNeeded) {
  for (BodyCase body :
       {AgencyReport::kAgencyResponse, AgencyReport::kOversightDecision,
        AgencyReport::kBudgetLine}) {
    SCOPED_TRACE(Name(body));
    AgencyReport r = ValidReport(body);
    ASSERT_TRUE(r.case_id().empty());
    EXPECT_TRUE(Accepted(Check(r)));
  }
}

TEST(AccountabilityValidateTest, ResponseConditionKeyIsRequiredAndWellFormed) {
  const std::string field = "agency_response.condition_key";
  EXPECT_TRUE(Invalid(CheckAs(Response("", "DEA"), kDea), field));
  for (const std::string& bad :
       {std::string("FRUITION_GAP"), std::string("FRUITION_GAP/"),
        std::string("/agency:DEA/FY2016"),
        std::string("NOT_A_TYPE/agency:DEA/FY2016"),
        std::string("UNSPECIFIED/agency:DEA/FY2016"),
        std::string("FRUITION_GAP/galaxy:DEA/FY2016"),
        std::string("FRUITION_GAP/agency:/FY2016"),
        std::string("REPORT_CONFLICT/report/DEA"),
        std::string("REPORT_CONFLICT/report//R-1"),
        std::string("LINK_UNSUBSTANTIATED/claim/"),
        std::string("FRUITION_GAP/agency:DEA/FY2016\n"),
        std::string("FRUITION_GAP/agency:DEA/\xff"),
        "FRUITION_GAP/agency:DEA/" + std::string(500, 'x')}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(Invalid(CheckAs(Response(bad, "DEA"), kDea), field));
  }
  // 512 characters is the limit.
  const std::string prefix = "FRUITION_GAP/agency:DEA/";
  EXPECT_TRUE(Accepted(CheckAs(
      Response(prefix + std::string(512 - prefix.size(), 'y'), "DEA"), kDea)));
}

TEST(AccountabilityValidateTest, ExplanationIsRequiredAndAtMost4000Chars) {
  const std::string field = "agency_response.explanation";
  AgencyReport r = ValidReport(AgencyReport::kAgencyResponse);
  r.mutable_agency_response()->clear_explanation();
  EXPECT_TRUE(Invalid(Check(r), field));
  r.mutable_agency_response()->set_explanation(" \n\t ");
  EXPECT_TRUE(Invalid(Check(r), field));
  r.mutable_agency_response()->set_explanation(Chars(4000));
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_agency_response()->set_explanation(Chars(4001));
  const auto got = Check(r);
  EXPECT_TRUE(Invalid(got, field));
  // Restricted text is never echoed back (it would reach logs and clients).
  EXPECT_EQ(got->message.find("\xc3\xa9"), std::string::npos);
  r.mutable_agency_response()->set_explanation("bad \xc3");
  EXPECT_TRUE(Invalid(Check(r), field));
}

TEST(AccountabilityValidateTest, CorrectiveActionIsOptionalAndAtMost1000) {
  const std::string field = "agency_response.corrective_action";
  AgencyReport r = ValidReport(AgencyReport::kAgencyResponse);
  r.mutable_agency_response()->clear_corrective_action();
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_agency_response()->set_corrective_action(Chars(1000));
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_agency_response()->set_corrective_action(Chars(1001));
  EXPECT_TRUE(Invalid(Check(r), field));
}

// SPEC §11: "an agency answers only conditions about itself".
TEST(AccountabilityValidateTest, AnAgencyAnswersOnlyConditionsAboutItself) {
  const std::string field = "agency_response.condition_key";
  struct Case {
    std::string key;
    Principal caller;
    bool allowed;
  };
  const Principal usao{"USAO-SDNY", PrincipalKind::kAgency};
  const Principal de{"DE", PrincipalKind::kAgency};
  // A task force acting for DEA writes DEA's arrests, not DEA's answers.
  const Principal tf{"TF-PHL", PrincipalKind::kAgency, {"DEA"}};
  const std::vector<Case> cases = {
      {"FRUITION_GAP/agency:DEA/FY2016", kDea, true},
      {"FRUITION_GAP/agency:DEA/FY2016", kFbi, false},
      {"FRUITION_GAP/agency:DEA/FY2016/restricted", kDea, true},
      {"FRUITION_GAP/agency:DEA/FY2016/restricted", kFbi, false},
      {"FRUITION_GAP/agency:DEA/FY2016", tf, false},
      {"FRUITION_GAP/agency:DEAX/FY2016", kDea, false},
      {"TARGET_OVERSHOOT/agency:DEA/FY2016/PERFORMANCE_MEASURE_PTO_DISMANTLED",
       kDea, true},
      {"TARGET_OVERSHOOT/agency:DEA/FY2016/PERFORMANCE_MEASURE_PTO_DISMANTLED",
       kFbi, false},
      {"LNF_SHARE_HIGH/field_office:DEA-PHILADELPHIA/FY2016Q1", kDea, true},
      {"LNF_SHARE_HIGH/field_office:DEA-PHILADELPHIA/FY2016Q1", kFbi, false},
      {"LNF_SHARE_HIGH/field_office:DEA-PHILADELPHIA/FY2016Q1", de, false},
      {"LNF_SHARE_HIGH/district:SDNY/FY2016", usao, true},
      {"LNF_SHARE_HIGH/district:SDNY/FY2016", kDea, false},
      {"LNF_SHARE_HIGH/district:EDPA/FY2016", usao, false},
      {"LNF_SHARE_HIGH/national:US/FY2016", kDea, false},
      {"SCORECARD_PUBLISHED/area:PHL-KENSINGTON/FY2016", kDea, false},
      {"REPORT_CONFLICT/report/DEA/R-1", kDea, true},
      {"REPORT_CONFLICT/report/DEA/R-1", kFbi, false},
      {"PENDING_COUNTED_AS_DISMANTLED/report/DEA/R/with/slashes", kDea, true},
      {"PENDING_COUNTED_AS_DISMANTLED/report/DEA/R-1", kFbi, false},
      // The key does not name the owner: intake's claim table and the
      // downstream check against the event's unit decide (intake_test).
      {"LINK_UNSUBSTANTIATED/claim/CL-00042", kFbi, true},
      {"TIER_MISMATCH/subject/abc/case/C-1", kFbi, true},
      {"BUDGET_CRITERIA_UNMET/HAC-FY2016-DEA-1", kFbi, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.caller.code + " answering " + c.key);
    const auto got = CheckAs(Response(c.key, c.caller.code), c.caller);
    if (c.allowed) {
      EXPECT_TRUE(Accepted(got));
    } else {
      EXPECT_TRUE(Rejected(got, StatusCode::kPermissionDenied, field));
    }
  }
}

TEST(AccountabilityValidateTest, OnlyOverseersDecide) {
  for (const Principal& caller :
       {kDea, Principal{"USSC", PrincipalKind::kJudiciary},
        Principal{"PPD", PrincipalKind::kCommunity}}) {
    SCOPED_TRACE(caller.code);
    AgencyReport r = ValidReport(AgencyReport::kOversightDecision);
    r.set_reporter(caller.code);
    EXPECT_TRUE(Rejected(CheckAs(r, caller), StatusCode::kPermissionDenied,
                         "oversight_decision"));
  }
}

TEST(AccountabilityValidateTest, DecisionFieldsAreChecked) {
  AgencyReport r = ValidReport(AgencyReport::kOversightDecision);
  r.mutable_oversight_decision()->clear_condition_key();
  EXPECT_TRUE(Invalid(Check(r), "oversight_decision.condition_key"));
  r = ValidReport(AgencyReport::kOversightDecision);
  r.mutable_oversight_decision()->set_condition_key("FRUITION_GAP");
  EXPECT_TRUE(Invalid(Check(r), "oversight_decision.condition_key"));
  r = ValidReport(AgencyReport::kOversightDecision);
  r.mutable_oversight_decision()->set_decision(v1::DECISION_UNSPECIFIED);
  EXPECT_TRUE(Invalid(Check(r), "oversight_decision.decision"));
  r.mutable_oversight_decision()->set_decision(static_cast<v1::Decision>(9));
  EXPECT_TRUE(Invalid(Check(r), "oversight_decision.decision"));
  for (v1::Decision d : {v1::DECISION_ACCEPTED, v1::DECISION_REJECTED,
                         v1::DECISION_NEEDS_MORE}) {
    r.mutable_oversight_decision()->set_decision(d);
    EXPECT_TRUE(Accepted(Check(r)));
  }
  r.mutable_oversight_decision()->clear_note();
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_oversight_decision()->set_note(Chars(4000));
  EXPECT_TRUE(Accepted(Check(r)));
  r.mutable_oversight_decision()->set_note(Chars(4001));
  EXPECT_TRUE(Invalid(Check(r), "oversight_decision.note"));
  // An overseer decides on any condition, whoever it is about.
  r = ValidReport(AgencyReport::kOversightDecision);
  r.set_reporter("HAC");
  r.mutable_oversight_decision()->set_condition_key(
      "LNF_SHARE_HIGH/national:US/FY2016");
  EXPECT_TRUE(Accepted(CheckAs(r, kHac)));
}

TEST(AccountabilityValidateTest, OnlyOverseersSetBudgetLines) {
  const Principal tf{"TF-PHL", PrincipalKind::kAgency, {"DEA"}, true};
  for (const Principal& caller :
       {kDea, tf, Principal{"USSC", PrincipalKind::kJudiciary}}) {
    SCOPED_TRACE(caller.code);
    AgencyReport r = ValidReport(AgencyReport::kBudgetLine);
    r.set_reporter(caller.code);
    EXPECT_TRUE(Rejected(CheckAs(r, caller), StatusCode::kPermissionDenied,
                         "budget_line"));
  }
}

TEST(AccountabilityValidateTest, BudgetLineFieldsAreChecked) {
  auto with = [](const std::function<void(v1::BudgetLine*)>& change) {
    AgencyReport r = ValidReport(AgencyReport::kBudgetLine);
    change(r.mutable_budget_line());
    return Check(r);
  };
  EXPECT_TRUE(Invalid(with([](auto* b) { b->clear_line_id(); }),
                      "budget_line.line_id"));
  EXPECT_TRUE(
      Invalid(with([](auto* b) { b->set_line_id(std::string(129, 'L')); }),
              "budget_line.line_id"));
  EXPECT_TRUE(
      Invalid(with([](auto* b) { b->clear_agency(); }), "budget_line.agency"));
  for (uint32_t year : {0u, 1989u, 2101u}) {
    EXPECT_TRUE(Invalid(with([year](auto* b) { b->set_fiscal_year(year); }),
                        "budget_line.fiscal_year"));
  }
  for (uint32_t year : {1990u, 2100u}) {
    EXPECT_TRUE(Accepted(with([year](auto* b) { b->set_fiscal_year(year); })));
  }
  EXPECT_TRUE(Invalid(with([](auto* b) { b->set_amount_usd(-1); }),
                      "budget_line.amount_usd"));
  EXPECT_TRUE(Invalid(with([](auto* b) { b->set_amount_usd(1000000000001); }),
                      "budget_line.amount_usd"));
  EXPECT_TRUE(Accepted(with([](auto* b) { b->set_amount_usd(0); })));
  EXPECT_TRUE(
      Accepted(with([](auto* b) { b->set_amount_usd(1000000000000); })));
  EXPECT_TRUE(Invalid(with([](auto* b) { b->clear_purpose(); }),
                      "budget_line.purpose"));
  EXPECT_TRUE(Invalid(with([](auto* b) { b->set_purpose(Chars(1001)); }),
                      "budget_line.purpose"));
  EXPECT_TRUE(Accepted(with([](auto* b) { b->set_purpose(Chars(1000)); })));
  EXPECT_TRUE(Accepted(with([](auto* b) { b->clear_criteria(); })));
}

TEST(AccountabilityValidateTest, EachCriterionIsCheckedAndNamedByIndex) {
  auto third = [](const std::function<void(v1::BudgetCriterion*)>& change) {
    AgencyReport r = ValidReport(AgencyReport::kBudgetLine);
    v1::BudgetCriterion* k = r.mutable_budget_line()->add_criteria();
    k->set_indicator("mean_desert");
    k->set_op(v1::CRITERION_OP_AT_LEAST);
    k->set_value(40);
    change(k);
    return Check(r);
  };
  EXPECT_TRUE(Accepted(third([](auto*) {})));
  const std::string at = "budget_line.criteria[2]";
  for (const std::string& name :
       {std::string(""), std::string("lnfShare"),
        std::string("not_an_indicator"), std::string("target_ratio:"),
        std::string("target_ratio:BOGUS"),
        // About areas only: an agency's scorecard never has it.
        std::string("community_change:COMMUNITY_INDICATOR_KIND_SHOOTINGS")}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(Invalid(third([&](auto* k) { k->set_indicator(name); }),
                        at + ".indicator"));
  }
  for (const std::string& name :
       {std::string("target_ratio:PERFORMANCE_MEASURE_ARRESTS"),
        std::string("function_share:OFFENSE_FUNCTION_COURIER"),
        std::string("link_substantiation_rate")}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(Accepted(third([&](auto* k) { k->set_indicator(name); })));
  }
  EXPECT_TRUE(
      Invalid(third([](auto* k) { k->set_op(v1::CRITERION_OP_UNSPECIFIED); }),
              at + ".op"));
  EXPECT_TRUE(Invalid(
      third([](auto* k) { k->set_op(static_cast<v1::CriterionOp>(7)); }),
      at + ".op"));
  for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    EXPECT_TRUE(
        Invalid(third([bad](auto* k) { k->set_value(bad); }), at + ".value"));
  }
  AgencyReport r = ValidReport(AgencyReport::kBudgetLine);
  while (r.budget_line().criteria_size() <= 64) {
    *r.mutable_budget_line()->add_criteria() = r.budget_line().criteria(0);
  }
  EXPECT_TRUE(Invalid(Check(r), "budget_line.criteria"));
}

}  // namespace
}  // namespace fruition::intake
