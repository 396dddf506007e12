// Oversight events in words (services/reconciler/explain.h), for events as
// the rules (services/reconciler/rules.h) build them: the rule names the
// event type, the summary carries the key numbers, every fact is explained,
// resolutions say so, a figure withheld from a public event reads as
// withheld by disclosure control, not as 0, and each half of a pair rule
// (SPEC §6) says which it is.
#include "services/reconciler/explain.h"

#include <google/protobuf/util/message_differencer.h>

#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fruition/internal/scoring.pb.h"
#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/events.pb.h"
#include "fruition/v1/reconciler.pb.h"
#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.pb.h"
#include "gtest/gtest.h"
#include "services/common/store/kv.h"
#include "services/common/strings.h"
#include "services/domain/desert.h"
#include "services/domain/subject_facts.h"
#include "services/reconciler/rules.h"
#include "tests/harness/fixtures.h"

namespace fruition::reconciler {
namespace {

using fixtures::Envelope;
using fixtures::Public;
using fixtures::Utc;

using google::protobuf::util::MessageDifferencer;
using v1::OversightEvent;

constexpr char kCriteria[] = "2024.1";
constexpr char kPid[] = "PID-1";
constexpr char kGeneric[] = "an indicator of SPEC §5 with this name";

v1::LinkAssessment Assessment(v1::Tier tier, v1::AssessmentResult result) {
  v1::LinkAssessment a;
  a.set_assessment_id("AS-1");
  a.set_claim_id("CL-00042");
  a.set_subject_pid(kPid);
  a.set_org_id("ORG-1");
  a.set_tier(tier);
  a.set_result(result);
  a.set_criteria_version(kCriteria);
  a.set_reporter("DEA");
  a.add_evidence_ids("EV-1");
  a.add_evidence_ids("EV-2");
  a.add_evidence_ids("EV-3");
  if (result == v1::ASSESSMENT_RESULT_UNSUBSTANTIATED) {
    a.add_failed_criteria("C2");
    a.add_failed_criteria("C4");
  }
  a.mutable_claim_occurred_at()->set_seconds(Utc(2016, 1, 15));
  return a;
}

// LNF courier (desert score 6) or, with a role, a wholesaler with it.
v1::SentencingRecord Record(v1::MitigatingRole role, uint32_t months) {
  v1::SentencingRecord s;
  s.set_subject_pid(kPid);
  s.set_district("EDPA");
  s.set_criminal_history_category(1);
  s.set_aggravating_role(v1::AGGRAVATING_ROLE_NONE);
  s.set_mitigating_role(role);
  s.set_weapon(v1::WEAPON_NONE);
  s.set_drug(v1::DRUG_OTHER);
  s.set_function(role == v1::MITIGATING_ROLE_NONE
                     ? v1::OFFENSE_FUNCTION_COURIER
                     : v1::OFFENSE_FUNCTION_WHOLESALER);
  s.set_sentence_months(months);
  return s;
}

// A TIER_MISMATCH finding: arrested by DEA on a CPOT claim, sentenced with
// `record`.
Finding TierFinding(const v1::SentencingRecord& record) {
  internal::SubjectState s;
  v1::AgencyReport arrest = Envelope("DEA", "R-A1", "CASE-1", Utc(2015, 9, 1));
  arrest.mutable_arrest()->set_arrest_id("A1");
  arrest.mutable_arrest()->set_subject_pid(kPid);
  arrest.mutable_arrest()->set_agency("DEA");
  arrest.mutable_arrest()->set_claim_id("CL-00042");
  EXPECT_TRUE(domain::ApplyReport(arrest, &s));
  const v1::LinkAssessment a =
      Assessment(v1::TIER_CPOT, v1::ASSESSMENT_RESULT_SUBSTANTIATED);
  domain::ApplyAssessment(a, kCriteria, &s);
  v1::AgencyReport sentencing =
      Envelope("USSC", "S-1", "CASE-1", Utc(2016, 6, 1));
  *sentencing.mutable_sentencing() = record;
  EXPECT_TRUE(domain::ApplyReport(sentencing, &s));
  const std::vector<Finding> fs =
      TierMismatches(kPid, s, {{store::JoinKey({"DEA", "CL-00042"}), a}},
                     domain::DefaultDesertRules());
  EXPECT_EQ(fs.size(), 1u);
  return fs.empty() ? Finding{} : fs[0];
}

Finding DtceFinding() {
  internal::SubjectState s;
  v1::AgencyReport d = Envelope("EOUSA", "D-1", "CASE-1", Utc(2016, 1, 1));
  d.mutable_declination()->set_subject_pid(kPid);
  d.mutable_declination()->set_district("EDPA");
  v1::AgencyReport c = Envelope("EOUSA", "C-1", "CASE-2", Utc(2016, 3, 1));
  c.mutable_charge_filed()->set_subject_pid(kPid);
  c.mutable_charge_filed()->set_district("SDNY");
  EXPECT_TRUE(domain::ApplyReport(d, &s));
  EXPECT_TRUE(domain::ApplyReport(c, &s));
  std::optional<Finding> f = DeclinedThenChargedElsewhere(kPid, s);
  EXPECT_TRUE(f.has_value());
  return f ? *f : Finding{};
}

Finding PendingFinding(bool pending) {
  v1::AgencyReport r = Envelope("DEA", "R-9", "", Utc(2016, 9, 1));
  r.mutable_org_outcome()->set_org_id("ORG-7");
  r.mutable_org_outcome()->set_outcome(v1::ORG_OUTCOME_DISMANTLED);
  r.mutable_org_outcome()->set_pending(pending);
  r.mutable_org_outcome()->set_fiscal_year(2016);
  return PendingDismantled(r);
}

v1::Indicator Cell(const std::string& name, double value, int64_t n) {
  v1::Indicator i;
  i.set_name(name);
  i.set_value(value);
  i.set_n(n);
  i.set_defined(true);
  return i;
}

v1::Scorecard Card(const std::vector<v1::Indicator>& cells) {
  v1::Scorecard c;
  c.set_unit("agency:DEA");
  c.set_period("FY2016");
  c.set_score_version("v1");
  c.set_criteria_version(kCriteria);
  c.set_scorecard_id("SC-1");
  for (const auto& i : cells) *c.add_indicators() = i;
  return c;
}

Finding OfType(const std::vector<Finding>& fs, v1::EventType type) {
  for (const auto& f : fs) {
    if (f.event.type() == type) return f;
  }
  ADD_FAILURE() << v1::EventType_Name(type);
  return Finding{};
}

// 20 sentenced: 55% claimed priority, 25% high desert, a gap of 30%.
v1::Scorecard GapCard(int64_t sentenced = 20) {
  return Card({Cell("arrests", 64, 64),
               Cell("sentenced", static_cast<double>(sentenced), sentenced),
               Cell("claimed_priority_share", 0.55, sentenced),
               Cell("high_desert_share", 0.25, sentenced),
               Cell("fruition_gap", 0.30, sentenced)});
}

// 24 sentenced, an LNF share, `lnf` of them LNF serving `months` in all.
v1::Scorecard LnfCard(double share, int64_t lnf, double months) {
  const double years = months / 12.0;
  return Card({Cell("sentenced", 24, 24), Cell("lnf_share", share, 24),
               Cell("lnf_prison_years", years, lnf),
               Cell("lnf_cost_usd", years * 36299, lnf)});
}

// 40 sentenced, `lnf` of them LNF, a share `mm` of those charged under a
// mandatory minimum, a quarter given the safety valve.
v1::Scorecard MmCard(double mm, int64_t lnf) {
  return Card({Cell("sentenced", 40, 40),
               Cell("lnf_sentenced", static_cast<double>(lnf), lnf),
               Cell("lnf_mandatory_minimum_share", mm, lnf),
               Cell("lnf_safety_valve_share", 0.25, lnf)});
}

// LNF_MANDATORY_MINIMUM_HIGH judged on `card` (its view's half).
Finding MmOf(const v1::Scorecard& card) {
  return OfType(ScorecardConditions(card, Thresholds()),
                v1::EVENT_TYPE_LNF_MANDATORY_MINIMUM_HIGH);
}

// The event as Reconcile emits it (holding, or the resolution of a holding
// event).
OversightEvent Emitted(const Finding& f) {
  std::optional<OversightEvent> e =
      Reconcile(f, f.holds ? std::nullopt
                           : std::optional<Published>(Published{"x", false}));
  EXPECT_TRUE(e.has_value());
  return e ? *e : OversightEvent{};
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// What every explanation must be: the event itself, the versions, a rule
// naming the type, every fact (and only those) with a meaning.
void ExpectWellFormed(const OversightEvent& e, const v1::EventExplanation& x) {
  EXPECT_TRUE(MessageDifferencer::Equals(x.event(), e));
  EXPECT_EQ(x.criteria_version(), e.criteria_version());
  EXPECT_EQ(x.score_version(), e.score_version());
  const std::string type =
      v1::EventType_Name(e.type()).substr(sizeof("EVENT_TYPE_") - 1);
  EXPECT_EQ(x.rule().rfind(type + ":", 0), 0u) << x.rule();
  EXPECT_FALSE(x.summary().empty());
  EXPECT_EQ(Contains(x.summary(), "RESOLVED"), e.resolved()) << x.summary();
  std::map<std::string, double> explained;
  for (const v1::ExplainedFact& f : x.facts()) {
    EXPECT_EQ(explained.count(f.name()), 0u) << "twice: " << f.name();
    explained[f.name()] = f.value();
    EXPECT_FALSE(f.meaning().empty()) << f.name();
    // The rules' own facts are all named in the rulebook; only a
    // scorecard's indicators may fall back to the generic meaning.
    if (e.type() != v1::EVENT_TYPE_SCORECARD_PUBLISHED) {
      EXPECT_NE(f.meaning(), kGeneric) << f.name();
    }
  }
  const std::map<std::string, double> facts(e.facts().begin(), e.facts().end());
  EXPECT_EQ(explained, facts);
}

v1::EventExplanation Check(const OversightEvent& e) {
  v1::EventExplanation x = Explain(e);
  ExpectWellFormed(e, x);
  return x;
}

TEST(Explain, LinkUnsubstantiated) {
  const OversightEvent e = Emitted(LinkUnsubstantiated(
      Assessment(v1::TIER_CPOT, v1::ASSESSMENT_RESULT_UNSUBSTANTIATED)));
  const v1::EventExplanation x = Check(e);
  EXPECT_TRUE(Contains(x.rule(), "UNSUBSTANTIATED"));
  EXPECT_TRUE(Contains(x.rule(), kCriteria));
  EXPECT_TRUE(Contains(x.summary(), "agency:DEA")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "ORG-1")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "failed 2 of the criteria")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "3 items")) << x.summary();
  for (const auto& f : x.facts()) {
    if (f.name() == "failed.C4") {
      EXPECT_TRUE(Contains(f.meaning(), "C4")) << f.meaning();
    }
  }
  EXPECT_FALSE(x.see_also().empty());
}

TEST(Explain, TierMismatch) {
  const OversightEvent lnf =
      Emitted(TierFinding(Record(v1::MITIGATING_ROLE_NONE, 60)));
  v1::EventExplanation x = Check(lnf);
  EXPECT_TRUE(Contains(x.summary(), "ORG-1")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "tier CPOT")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "desert score of 6 out of 100"))
      << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "LNF")) << x.summary();
  EXPECT_FALSE(Contains(x.summary(), "mitigating role")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "60 months")) << x.summary();

  const OversightEvent minor =
      Emitted(TierFinding(Record(v1::MITIGATING_ROLE_MINOR, 120)));
  x = Check(minor);
  EXPECT_TRUE(Contains(x.summary(), "with a mitigating role")) << x.summary();
  EXPECT_FALSE(Contains(x.summary(), "LNF offender")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "120 months")) << x.summary();
  const int score = domain::Score(Record(v1::MITIGATING_ROLE_MINOR, 120)).score;
  EXPECT_TRUE(Contains(x.summary(), StrCat("desert score of ", score, " ")))
      << x.summary();

  // Resolved: an amended judgment, neither LNF nor a mitigating role.
  v1::SentencingRecord amended = Record(v1::MITIGATING_ROLE_MINOR, 120);
  amended.set_mitigating_role(v1::MITIGATING_ROLE_NONE);
  const Finding off = TierFinding(amended);
  ASSERT_FALSE(off.holds);
  x = Check(Emitted(off));
  EXPECT_EQ(x.summary().rfind("RESOLVED", 0), 0u) << x.summary();
}

TEST(Explain, PendingCountedAsDismantled) {
  v1::EventExplanation x = Check(Emitted(PendingFinding(true)));
  EXPECT_TRUE(Contains(x.summary(), "agency:DEA")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "ORG-7")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "FY2016")) << x.summary();
  EXPECT_FALSE(x.see_also().empty());
  x = Check(Emitted(PendingFinding(false)));
  EXPECT_TRUE(Contains(x.summary(), "RESOLVED")) << x.summary();
}

TEST(Explain, TargetOvershoot) {
  const Finding f = OfType(
      ScorecardConditions(
          Public(Card(
              {Cell("target_ratio:PERFORMANCE_MEASURE_ARRESTS", 1.25, 25)})),
          Thresholds()),
      v1::EVENT_TYPE_TARGET_OVERSHOOT);
  ASSERT_TRUE(f.holds);
  const v1::EventExplanation x = Check(Emitted(f));
  EXPECT_TRUE(Contains(x.rule(), "at least 1.25 times")) << x.rule();
  EXPECT_TRUE(Contains(x.summary(), "agency:DEA in FY2016")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "reported 25")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "target of 20")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "ratio of 1.25")) << x.summary();
}

TEST(Explain, TargetOvershootWithheldInPublic) {
  // 5 reported against 4, the ratio withheld by the public view (arrests
  // follow the arrests cell): it cannot be judged, and says so.
  const Finding f = OfType(
      ScorecardConditions(
          Public(
              Card({Cell("arrests", 5, 5),
                    Cell("target_ratio:PERFORMANCE_MEASURE_ARRESTS", 1.25, 5)}),
              {"arrests", "target_ratio:PERFORMANCE_MEASURE_ARRESTS"}),
          Thresholds()),
      v1::EVENT_TYPE_TARGET_OVERSHOOT);
  ASSERT_FALSE(f.holds);
  const v1::EventExplanation x = Check(Emitted(f));
  EXPECT_TRUE(Contains(x.summary(), "withheld by disclosure control"))
      << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "cannot be judged")) << x.summary();
  EXPECT_FALSE(Contains(x.summary(), "reported 5")) << x.summary();
  EXPECT_FALSE(Contains(x.summary(), "reported 0")) << x.summary();
  EXPECT_FALSE(Contains(x.summary(), "ratio of 1.25")) << x.summary();
}

TEST(Explain, FruitionGap) {
  const Finding f = OfType(ScorecardConditions(Public(GapCard()), Thresholds()),
                           v1::EVENT_TYPE_FRUITION_GAP);
  ASSERT_TRUE(f.holds);
  const v1::EventExplanation x = Check(Emitted(f));
  EXPECT_TRUE(Contains(x.rule(), "at least 11")) << x.rule();
  EXPECT_TRUE(Contains(x.rule(), "25.0%")) << x.rule();
  EXPECT_TRUE(Contains(x.rule(), "public view")) << x.rule();
  EXPECT_FALSE(Contains(x.rule(), "Restricted")) << x.rule();
  EXPECT_TRUE(Contains(x.summary(), "agency:DEA in FY2016")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "55.0% of the 20")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "only 25.0%")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "a gap of 30.0%")) << x.summary();
  EXPECT_FALSE(x.see_also().empty());
}

TEST(Explain, FruitionGapRestricted) {
  // The restricted half, on the restricted card: the same numbers, and a
  // rule that says it is the restricted condition.
  const Finding f = OfType(ScorecardConditions(GapCard(), Thresholds()),
                           v1::EVENT_TYPE_FRUITION_GAP);
  ASSERT_TRUE(f.holds);
  ASSERT_EQ(f.event.visibility(), v1::VISIBILITY_RESTRICTED);
  const v1::EventExplanation x = Check(Emitted(f));
  EXPECT_TRUE(Contains(x.rule(), "at least 11")) << x.rule();
  EXPECT_TRUE(Contains(x.rule(), "Restricted")) << x.rule();
  EXPECT_TRUE(Contains(x.rule(), "disclosure control not applied")) << x.rule();
  EXPECT_TRUE(Contains(x.summary(), "55.0% of the 20")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "a gap of 30.0%")) << x.summary();
}

TEST(Explain, FruitionGapResolvedWithWithheldCells) {
  // The public view now withholds the figures of 10 sentenced: it no
  // longer holds, and the public resolution may not show them.
  const Finding f = OfType(
      ScorecardConditions(
          Public(GapCard(10), {"sentenced", "fruition_gap",
                               "claimed_priority_share", "high_desert_share"}),
          Thresholds()),
      v1::EVENT_TYPE_FRUITION_GAP);
  ASSERT_FALSE(f.holds);
  const v1::EventExplanation x = Check(Emitted(f));
  EXPECT_EQ(x.summary().rfind("RESOLVED", 0), 0u) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "withheld by disclosure control"))
      << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "cannot be judged publicly"))
      << x.summary();
  EXPECT_FALSE(Contains(x.summary(), "0.0%")) << x.summary();
  EXPECT_FALSE(Contains(x.summary(), "of the 0 ")) << x.summary();
  EXPECT_FALSE(Contains(x.summary(), "of the 10 ")) << x.summary();
  for (const auto& fact : x.facts()) {
    if (fact.name() == "sentenced.suppressed") {
      EXPECT_TRUE(Contains(fact.meaning(), "withheld by disclosure control"))
          << fact.meaning();
    }
  }
}

TEST(Explain, LnfShareHigh) {
  // 12 of 24 LNF serving 1010 months: 84.2 years, $3,055,165.83.
  const Finding f =
      OfType(ScorecardConditions(Public(LnfCard(0.5, 12, 1010)), Thresholds()),
             v1::EVENT_TYPE_LNF_SHARE_HIGH);
  ASSERT_TRUE(f.holds);
  const v1::EventExplanation x = Check(Emitted(f));
  EXPECT_TRUE(Contains(x.rule(), "at least 11")) << x.rule();
  EXPECT_TRUE(Contains(x.rule(), "30.0%")) << x.rule();
  EXPECT_TRUE(Contains(x.summary(), "50.0% of 24")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "84.2 prison years")) << x.summary();
  // Dollars as a person reads them, not 3.06e+06.
  EXPECT_TRUE(Contains(x.summary(), "$3055166")) << x.summary();
  EXPECT_FALSE(Contains(x.summary(), "e+")) << x.summary();
}

TEST(Explain, LnfMandatoryMinimumHigh) {
  // 16 LNF offenders, 12 of them charged under a mandatory minimum, 4 given
  // the safety valve.
  const Finding f = MmOf(Public(MmCard(0.75, 16)));
  ASSERT_TRUE(f.holds);
  const v1::EventExplanation x = Check(Emitted(f));
  // The condition, its thresholds, and the study's reason.
  EXPECT_TRUE(Contains(x.rule(),
                       "at least 11 low-level, nonviolent, "
                       "first-time offenders"))
      << x.rule();
  EXPECT_TRUE(Contains(x.rule(), "at least 50.0%")) << x.rule();
  EXPECT_TRUE(Contains(x.rule(), "mandatory minimum")) << x.rule();
  EXPECT_TRUE(Contains(x.rule(), "safety valve")) << x.rule();
  EXPECT_TRUE(Contains(x.rule(), "Public: judged on the public view"))
      << x.rule();
  EXPECT_TRUE(Contains(x.summary(), "75.0% of the 16 LNF offenders"))
      << x.summary();
  EXPECT_TRUE(Contains(x.summary(),
                       "25.0% of the LNF offenders received "
                       "the safety valve"))
      << x.summary();
  EXPECT_TRUE(Contains(x.see_also(0), "unit=agency:DEA period=FY2016"))
      << x.see_also(0);
  // The restricted half says which it is.
  const Finding r = MmOf(MmCard(0.75, 16));
  EXPECT_TRUE(Contains(Check(Emitted(r)).rule(), "Restricted"));
}

TEST(Explain, LnfMandatoryMinimumHighWithheld) {
  // The public view withholds the number of LNF offenders: the rule cannot
  // be judged publicly, and the resolution says so without a number.
  const Finding f = MmOf(Public(MmCard(0.75, 16), {"lnf_sentenced"}));
  ASSERT_FALSE(f.holds);
  const v1::EventExplanation x = Check(Emitted(f));
  EXPECT_TRUE(Contains(x.summary(), "cannot be judged publicly"))
      << x.summary();
  EXPECT_FALSE(Contains(x.summary(), "of the 16")) << x.summary();
  // A withheld safety-valve share reads as withheld, not as 0.
  const Finding g = MmOf(Public(MmCard(0.75, 16), {"lnf_safety_valve_share"}));
  ASSERT_TRUE(g.holds);
  const v1::EventExplanation y = Check(Emitted(g));
  EXPECT_TRUE(Contains(y.summary(),
                       "(withheld by disclosure control) of the "
                       "LNF offenders received"))
      << y.summary();
  EXPECT_FALSE(Contains(y.summary(), "0.0%")) << y.summary();
}

TEST(Explain, LnfShareHighRestricted) {
  // 8 LNF: the restricted half shows the years and cost the public view
  // withholds.
  const Finding f =
      OfType(ScorecardConditions(LnfCard(8.0 / 24.0, 8, 480), Thresholds()),
             v1::EVENT_TYPE_LNF_SHARE_HIGH);
  ASSERT_TRUE(f.holds);
  ASSERT_EQ(f.event.visibility(), v1::VISIBILITY_RESTRICTED);
  const v1::EventExplanation x = Check(Emitted(f));
  EXPECT_TRUE(Contains(x.rule(), "Restricted")) << x.rule();
  EXPECT_TRUE(Contains(x.summary(), "33.3% of 24")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "serving 40 prison years")) << x.summary();
  EXPECT_FALSE(Contains(x.summary(), "withheld")) << x.summary();
}

TEST(Explain, LnfShareHighWithheldLnfCells) {
  // 24 sentenced, 8 LNF: the public view shows the share, withholds the
  // years and cost of 8.
  const Finding f =
      OfType(ScorecardConditions(Public(LnfCard(8.0 / 24.0, 8, 480),
                                        {"lnf_prison_years", "lnf_cost_usd"}),
                                 Thresholds()),
             v1::EVENT_TYPE_LNF_SHARE_HIGH);
  ASSERT_TRUE(f.holds);
  const v1::EventExplanation x = Check(Emitted(f));
  EXPECT_TRUE(Contains(x.summary(), "33.3% of 24")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "withheld by disclosure control"))
      << x.summary();
  EXPECT_FALSE(Contains(x.summary(), "serving 0")) << x.summary();
  EXPECT_FALSE(Contains(x.summary(), "serving 40")) << x.summary();
  EXPECT_FALSE(Contains(x.summary(), "$0")) << x.summary();
  int withheld = 0;
  for (const auto& fact : x.facts()) {
    if (fact.name() == "lnf_prison_years.suppressed" ||
        fact.name() == "lnf_cost_usd.suppressed") {
      ++withheld;
      EXPECT_TRUE(Contains(fact.meaning(), "withheld by disclosure control"))
          << fact.meaning();
    }
  }
  EXPECT_EQ(withheld, 2);
}

TEST(Explain, DeclinedThenChargedElsewhere) {
  const v1::EventExplanation x = Check(Emitted(DtceFinding()));
  EXPECT_TRUE(Contains(x.summary(), "declined in 1 district(s)"))
      << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "district:SDNY in FY2016")) << x.summary();
}

TEST(Explain, ReportConflict) {
  const std::string a(64, 'a');
  const std::string b(64, 'b');
  const std::string c(64, 'c');
  v1::EventExplanation x =
      Check(Emitted(ReportConflict("DEA", "R-1", {a, b, c}, kPid, "k")));
  EXPECT_TRUE(Contains(x.summary(), "Received 3 different versions"))
      << x.summary();
  x = Check(Emitted(ReportConflict("DEA", "R-1", {a}, kPid, "k")));
  EXPECT_EQ(x.summary().rfind("RESOLVED", 0), 0u) << x.summary();
}

TEST(Explain, ScorecardPublished) {
  const v1::Scorecard card =
      Card({Cell("arrests", 64, 64), Cell("sentenced", 20, 20),
            Cell("lnf_share", 0.3, 20), Cell("lnf_prison_years", 30, 6),
            Cell("community_change:SHOOTINGS", -0.1, 4),
            Cell("target_ratio:PERFORMANCE_MEASURE_ARRESTS", 1.5, 64)});
  for (const Finding& f :
       {ScorecardPublished(
            Public(card, {"lnf_prison_years", "community_change:SHOOTINGS"})),
        ScorecardPublished(card)}) {
    const v1::EventExplanation x = Check(Emitted(f));
    EXPECT_TRUE(Contains(x.summary(), "agency:DEA in FY2016")) << x.summary();
    EXPECT_TRUE(Contains(x.summary(), "20 people sentenced")) << x.summary();
    EXPECT_TRUE(Contains(x.summary(), "64 arrests")) << x.summary();
    EXPECT_EQ(Contains(x.summary(), "withheld"),
              f.event.visibility() == v1::VISIBILITY_PUBLIC)
        << x.summary();
    EXPECT_FALSE(x.see_also().empty());
  }
}

TEST(Explain, ScorecardPublishedWithheldInPublic) {
  // 8 sentenced: withheld from the public, shown to the restricted.
  const v1::Scorecard card =
      Card({Cell("arrests", 64, 64), Cell("sentenced", 8, 8)});
  for (const Finding& f : {ScorecardPublished(Public(card, {"sentenced"})),
                           ScorecardPublished(card)}) {
    const v1::EventExplanation x = Check(Emitted(f));
    if (f.event.visibility() == v1::VISIBILITY_PUBLIC) {
      EXPECT_TRUE(Contains(x.summary(), "(withheld by disclosure control)"))
          << x.summary();
      EXPECT_FALSE(Contains(x.summary(), " 0 people")) << x.summary();
      EXPECT_FALSE(Contains(x.summary(), " 8 people")) << x.summary();
    } else {
      EXPECT_TRUE(Contains(x.summary(), "8 people sentenced")) << x.summary();
    }
  }
}

// Budget line HAC-FY2016-DEA-1 ($2.4 billion for DEA FY2016) pegged to
// `lnf_share AT_MOST 0.30` and `link_substantiation_rate AT_LEAST 0.6`.
v1::AgencyReport BudgetLine(const std::string& agency = "DEA") {
  v1::AgencyReport r = Envelope("HAC", "B-1", "", Utc(2015, 10, 1));
  auto* b = r.mutable_budget_line();
  b->set_line_id("HAC-FY2016-DEA-1");
  b->set_agency(agency);
  b->set_fiscal_year(2016);
  b->set_amount_usd(2'400'000'000);
  auto* lnf = b->add_criteria();
  lnf->set_indicator("lnf_share");
  lnf->set_op(v1::CRITERION_OP_AT_MOST);
  lnf->set_value(0.30);
  auto* rate = b->add_criteria();
  rate->set_indicator("link_substantiation_rate");
  rate->set_op(v1::CRITERION_OP_AT_LEAST);
  rate->set_value(0.6);
  return r;
}

// BUDGET_CRITERIA_UNMET of BudgetLine() on `card`, at DEA.
Finding BudgetFinding(const v1::AgencyReport& line, const v1::Scorecard* card,
                      std::map<std::string, std::string> left = {}) {
  domain::BudgetLineFacts facts;
  facts.line = &line;
  facts.card = card;
  facts.left = std::move(left);
  const std::vector<Finding> fs = domain::BudgetCriteriaUnmet(facts);
  EXPECT_FALSE(fs.empty());
  return fs.empty() ? Finding{} : fs.back();
}

TEST(Explain, BudgetCriteriaUnmet) {
  const v1::AgencyReport line = BudgetLine();
  const v1::Scorecard card =
      Public(Card({Cell("sentenced", 40, 40), Cell("lnf_share", 0.62, 40),
                   Cell("link_substantiation_rate", 0.7, 30)}));
  const Finding f = BudgetFinding(line, &card);
  ASSERT_TRUE(f.holds);
  v1::EventExplanation x = Check(Emitted(f));
  EXPECT_TRUE(Contains(x.summary(), "HAC-FY2016-DEA-1")) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "$2400000000 for agency:DEA in FY2016"))
      << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "1 not met")) << x.summary();
  EXPECT_TRUE(
      Contains(x.summary(), "lnf_share is 62.0% (at most 30.0% required)"))
      << x.summary();
  // The criterion that holds is not named as failed.
  EXPECT_FALSE(Contains(x.summary(), "link_substantiation_rate is"))
      << x.summary();

  // Withheld on the public view: it fails, and reads as withheld.
  const v1::Scorecard withheld =
      Public(Card({Cell("lnf_share", 0.2, 40),
                   Cell("link_substantiation_rate", 0.7, 8)}),
             {"link_substantiation_rate"});
  x = Check(Emitted(BudgetFinding(line, &withheld)));
  EXPECT_TRUE(Contains(x.summary(),
                       "link_substantiation_rate is (withheld by disclosure "
                       "control) (at least 60.0% required)"))
      << x.summary();

  // Every criterion met: the resolution says so.
  const v1::Scorecard met = Public(Card(
      {Cell("lnf_share", 0.2, 40), Cell("link_substantiation_rate", 0.7, 30)}));
  const Finding ok = BudgetFinding(line, &met);
  ASSERT_FALSE(ok.holds);
  x = Check(Emitted(ok));
  EXPECT_EQ(x.summary().rfind("RESOLVED", 0), 0u) << x.summary();
  EXPECT_TRUE(Contains(x.summary(), "every one of its 2 criteria is met"))
      << x.summary();

  // Moved to FBI: DEA's condition ends, saying why.
  const v1::AgencyReport moved = BudgetLine("FBI");
  domain::BudgetLineFacts facts;
  facts.line = &moved;
  facts.left = {{"agency:DEA", "FY2016"}};
  const std::vector<Finding> fs = domain::BudgetCriteriaUnmet(facts);
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0].event.unit(), "agency:DEA");
  ASSERT_FALSE(fs[0].holds);
  x = Check(Emitted(fs[0]));
  EXPECT_TRUE(Contains(x.summary(), "amended to fund another agency"))
      << x.summary();
  // And FBI, with no public scorecard yet, is not judged.
  EXPECT_EQ(fs[1].event.unit(), "agency:FBI");
  EXPECT_FALSE(fs[1].holds);
  x = Check(Emitted(fs[1]));
  EXPECT_TRUE(Contains(x.summary(), "not judged")) << x.summary();
}

TEST(Explain, EveryTypeHasItsRule) {
  std::vector<OversightEvent> events = {
      Emitted(LinkUnsubstantiated(
          Assessment(v1::TIER_CPOT, v1::ASSESSMENT_RESULT_UNSUBSTANTIATED))),
      Emitted(TierFinding(Record(v1::MITIGATING_ROLE_NONE, 60))),
      Emitted(PendingFinding(true)),
      Emitted(DtceFinding()),
      Emitted(ReportConflict("DEA", "R-1", {"a", "b"}, kPid, "k")),
  };
  const v1::Scorecard card =
      Card({Cell("sentenced", 20, 20), Cell("fruition_gap", 0.3, 20),
            Cell("lnf_share", 0.4, 20), Cell("lnf_sentenced", 12, 12),
            Cell("lnf_mandatory_minimum_share", 0.5, 12),
            Cell("target_ratio:PERFORMANCE_MEASURE_ARRESTS", 1.5, 20)});
  for (const v1::Scorecard& c : {Public(card), card}) {
    for (const Finding& f : ScorecardConditions(c, Thresholds())) {
      events.push_back(Emitted(f));
    }
    events.push_back(Emitted(ScorecardPublished(c)));
  }
  const v1::AgencyReport line = BudgetLine();
  const v1::Scorecard view = Public(card);
  events.push_back(Emitted(BudgetFinding(line, &view)));
  std::map<v1::EventType, int> seen;
  for (const OversightEvent& e : events) {
    const v1::EventExplanation x = Check(e);
    EXPECT_NE(x.rule(), "unknown event type");
    ++seen[e.type()];
  }
  // Every type of the enum but UNSPECIFIED.
  const auto* types = v1::EventType_descriptor();
  for (int i = 0; i < types->value_count(); ++i) {
    const auto t = static_cast<v1::EventType>(types->value(i)->number());
    if (t == v1::EVENT_TYPE_UNSPECIFIED) continue;
    EXPECT_GT(seen[t], 0) << v1::EventType_Name(t);
  }
  // Both halves of each pair.
  EXPECT_EQ(seen[v1::EVENT_TYPE_FRUITION_GAP], 2);
  EXPECT_EQ(seen[v1::EVENT_TYPE_LNF_SHARE_HIGH], 2);
  EXPECT_EQ(seen[v1::EVENT_TYPE_LNF_MANDATORY_MINIMUM_HIGH], 2);
}

TEST(Explain, ResolvedEventsSayResolved) {
  OversightEvent e = Emitted(LinkUnsubstantiated(
      Assessment(v1::TIER_CPOT, v1::ASSESSMENT_RESULT_SUBSTANTIATED)));
  ASSERT_TRUE(e.resolved());
  const v1::EventExplanation x = Check(e);
  EXPECT_EQ(x.summary().rfind("RESOLVED", 0), 0u) << x.summary();
  // The same event unresolved says nothing of it.
  e.set_resolved(false);
  EXPECT_FALSE(Contains(Explain(e).summary(), "RESOLVED"));
}

}  // namespace
}  // namespace fruition::reconciler
