// The SPEC §6 rules as pure code (services/reconciler/rules.h): for each
// event type, the finding holds exactly at its threshold and not just below,
// and through Reconcile it is emitted once, resolved when the facts change so
// that it no longer holds, and re-emitted (with a new id) when a fact changes
// while it holds. Also: condition keys, event ids, thresholds as
// configuration, what PUBLIC events may carry, and which view each
// scorecard rule is judged on (SPEC §6: PUBLIC conditions on the public
// view, RESTRICTED ones on the restricted card).
#include "services/reconciler/rules.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fruition/internal/scoring.pb.h"
#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/events.pb.h"
#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.pb.h"
#include "gtest/gtest.h"
#include "services/common/store/kv.h"
#include "services/common/strings.h"
#include "services/domain/desert.h"
#include "services/domain/subject_facts.h"
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

// ---- Reports and assessments, as the services produce them. ----

v1::AgencyReport ArrestReport(const std::string& reporter,
                              const std::string& report_id,
                              const std::string& case_id,
                              const std::string& arrest_id,
                              const std::string& claim_id, int64_t at) {
  v1::AgencyReport r = Envelope(reporter, report_id, case_id, at);
  v1::Arrest* a = r.mutable_arrest();
  a->set_arrest_id(arrest_id);
  a->set_subject_pid(kPid);
  a->set_agency(reporter);
  a->set_field_office(StrCat(reporter, "-PHILADELPHIA"));
  a->set_claim_id(claim_id);
  return r;
}

// LNF: a courier, category I, no history points, no weapon, no violence,
// no aggravating or mitigating role, no scored drug (desert score 6).
v1::SentencingRecord LnfRecord(uint32_t months = 60) {
  v1::SentencingRecord s;
  s.set_subject_pid(kPid);
  s.set_district("EDPA");
  s.set_criminal_history_points(0);
  s.set_criminal_history_category(1);
  s.set_aggravating_role(v1::AGGRAVATING_ROLE_NONE);
  s.set_mitigating_role(v1::MITIGATING_ROLE_NONE);
  s.set_weapon(v1::WEAPON_NONE);
  s.set_violence(false);
  s.set_drug(v1::DRUG_OTHER);
  s.set_function(v1::OFFENSE_FUNCTION_COURIER);
  s.set_sentence_months(months);
  return s;
}

// Not LNF (a wholesaler) and no mitigating role unless given one.
v1::SentencingRecord NotLnfRecord(
    v1::MitigatingRole role = v1::MITIGATING_ROLE_NONE) {
  v1::SentencingRecord s = LnfRecord(120);
  s.set_function(v1::OFFENSE_FUNCTION_WHOLESALER);
  s.set_mitigating_role(role);
  return s;
}

v1::AgencyReport SentencingReport(const std::string& report_id,
                                  const std::string& case_id, int64_t at,
                                  const v1::SentencingRecord& record) {
  v1::AgencyReport r = Envelope("USSC", report_id, case_id, at);
  *r.mutable_sentencing() = record;
  return r;
}

v1::AgencyReport DeclinationReport(const std::string& report_id,
                                   const std::string& district, int64_t at) {
  v1::AgencyReport r = Envelope("EOUSA", report_id, "CASE-D", at);
  r.mutable_declination()->set_subject_pid(kPid);
  r.mutable_declination()->set_district(district);
  return r;
}

v1::AgencyReport ChargeReport(const std::string& report_id,
                              const std::string& district, int64_t at) {
  v1::AgencyReport r = Envelope("EOUSA", report_id, "CASE-C", at);
  r.mutable_charge_filed()->set_subject_pid(kPid);
  r.mutable_charge_filed()->set_district(district);
  return r;
}

v1::AgencyReport OutcomeReport(const std::string& report_id,
                               v1::OrgOutcome outcome, bool pending,
                               uint32_t fiscal_year = 2016,
                               const std::string& org = "ORG-7") {
  v1::AgencyReport r = Envelope("DEA", report_id, "", Utc(2016, 9, 1));
  v1::OrgOutcomeClaim* o = r.mutable_org_outcome();
  o->set_org_id(org);
  o->set_outcome(outcome);
  o->set_pending(pending);
  o->set_fiscal_year(fiscal_year);
  return r;
}

v1::LinkAssessment Assessment(
    const std::string& reporter, const std::string& claim_id,
    const std::string& org, v1::Tier tier, v1::AssessmentResult result,
    const std::string& assessment_id = "AS-1",
    const std::vector<std::string>& evidence = {"EV-2", "EV-1"}) {
  v1::LinkAssessment a;
  a.set_assessment_id(assessment_id);
  a.set_claim_id(claim_id);
  a.set_subject_pid(kPid);
  a.set_org_id(org);
  a.set_tier(tier);
  a.set_result(result);
  a.set_criteria_version(kCriteria);
  a.set_reporter(reporter);
  for (const auto& e : evidence) a.add_evidence_ids(e);
  if (result == v1::ASSESSMENT_RESULT_UNSUBSTANTIATED) {
    a.add_failed_criteria("C2");
    a.add_failed_criteria("C4");
  }
  a.mutable_assessed_at()->set_seconds(Utc(2016, 2, 1));
  a.mutable_claim_occurred_at()->set_seconds(Utc(2016, 1, 15));
  return a;
}

// One subject's facts, joined as the reconciler joins them.
struct Subject {
  internal::SubjectState state;
  std::map<std::string, v1::LinkAssessment> claims;

  void Report(const v1::AgencyReport& r) {
    ASSERT_TRUE(domain::ApplyReport(r, &state)) << r.report_id();
  }
  void Assess(const v1::LinkAssessment& a) {
    domain::ApplyAssessment(a, kCriteria, &state);
    claims[store::JoinKey({a.reporter(), a.claim_id()})] = a;
  }
  std::vector<Finding> Tier() const {
    return TierMismatches(kPid, state, claims, domain::DefaultDesertRules());
  }
  std::optional<Finding> Dtce() const {
    return DeclinedThenChargedElsewhere(kPid, state);
  }
};

// A subject arrested by DEA in FY2015 on claim CL-1 (an org of `tier`),
// sentenced in FY2016 with `record`.
Subject OneCase(
    v1::Tier tier, const v1::SentencingRecord& record,
    v1::AssessmentResult result = v1::ASSESSMENT_RESULT_SUBSTANTIATED) {
  Subject s;
  s.Report(
      ArrestReport("DEA", "R-A1", "CASE-1", "A1", "CL-1", Utc(2015, 9, 15)));
  s.Assess(Assessment("DEA", "CL-1", "ORG-1", tier, result));
  s.Report(SentencingReport("S-1", "CASE-1", Utc(2016, 6, 1), record));
  return s;
}

// The only finding of `findings` (fails the test if there is not one).
Finding Only(const std::vector<Finding>& findings) {
  EXPECT_EQ(findings.size(), 1u);
  return findings.empty() ? Finding{} : findings.front();
}

// ---- Scorecards, as scoring publishes them: the restricted card on
// fruition.scores.v1, its public view on fruition.scores.public.v1. ----

v1::Indicator Cell(const std::string& name, double value, int64_t n,
                   bool defined = true) {
  v1::Indicator i;
  i.set_name(name);
  i.set_n(n);
  i.set_defined(defined);
  if (defined) i.set_value(value);
  return i;
}

v1::Scorecard Card(const std::vector<v1::Indicator>& cells,
                   int64_t revision = 1, const std::string& unit = "agency:DEA",
                   const std::string& period = "FY2016") {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period(period);
  c.set_score_version("v1");
  c.set_criteria_version(kCriteria);
  c.set_revision(revision);
  c.set_scorecard_id(StrCat("SC-", revision));
  for (const auto& i : cells) *c.add_indicators() = i;
  return c;
}

// A card with `sentenced` people sentenced and the given fruition gap.
v1::Scorecard GapCard(double gap, int64_t sentenced, int64_t revision = 1) {
  const auto n = static_cast<double>(sentenced);
  return Card({Cell("arrests", 40, 40), Cell("sentenced", n, sentenced),
               Cell("claimed_priority_share", gap + 0.1, sentenced),
               Cell("high_desert_share", 0.1, sentenced),
               Cell("fruition_gap", gap, sentenced)},
              revision);
}

// A card with `sentenced` people sentenced, an LNF share and `lnf` of them
// LNF, 5 prison years each.
v1::Scorecard LnfCard(double share, int64_t sentenced, int64_t lnf,
                      int64_t revision = 1) {
  const double years = 5.0 * static_cast<double>(lnf);
  return Card({Cell("sentenced", static_cast<double>(sentenced), sentenced),
               Cell("lnf_share", share, sentenced),
               Cell("lnf_prison_years", years, lnf),
               Cell("lnf_cost_usd", years * 36299, lnf)},
              revision);
}

// A card with one performance measure's target_ratio (n = reported).
v1::Scorecard TargetCard(
    double ratio, int64_t reported, int64_t revision = 1,
    const std::string& measure = "PERFORMANCE_MEASURE_ARRESTS") {
  return Card({Cell(StrCat("target_ratio:", measure), ratio, reported)},
              revision);
}

// The finding of `type` among `findings` (the first, if several).
Finding OfType(const std::vector<Finding>& findings, v1::EventType type) {
  for (const auto& f : findings) {
    if (f.event.type() == type) return f;
  }
  ADD_FAILURE() << "no finding of type " << v1::EventType_Name(type);
  return Finding{};
}

// Whether `findings` has one of `type`.
bool HasType(const std::vector<Finding>& findings, v1::EventType type) {
  for (const auto& f : findings) {
    if (f.event.type() == type) return true;
  }
  return false;
}

// The PUBLIC FRUITION_GAP, judged on a public view of GapCard that
// withholds nothing.
Finding Gap(double gap, int64_t sentenced, int64_t revision = 1,
            const Thresholds& t = Thresholds()) {
  return OfType(
      ScorecardConditions(Public(GapCard(gap, sentenced, revision)), t),
      v1::EVENT_TYPE_FRUITION_GAP);
}

// The RESTRICTED FRUITION_GAP, judged on GapCard itself.
Finding RestrictedGap(double gap, int64_t sentenced, int64_t revision = 1,
                      const Thresholds& t = Thresholds()) {
  return OfType(ScorecardConditions(GapCard(gap, sentenced, revision), t),
                v1::EVENT_TYPE_FRUITION_GAP);
}

Finding Lnf(double share, int64_t sentenced, int64_t lnf, int64_t revision = 1,
            const Thresholds& t = Thresholds()) {
  return OfType(
      ScorecardConditions(Public(LnfCard(share, sentenced, lnf, revision)), t),
      v1::EVENT_TYPE_LNF_SHARE_HIGH);
}

Finding RestrictedLnf(double share, int64_t sentenced, int64_t lnf,
                      int64_t revision = 1,
                      const Thresholds& t = Thresholds()) {
  return OfType(
      ScorecardConditions(LnfCard(share, sentenced, lnf, revision), t),
      v1::EVENT_TYPE_LNF_SHARE_HIGH);
}

// A card with `sentenced` people sentenced, `lnf` of them LNF, a share
// `mm` of those charged under a mandatory minimum and a share `valve` of
// them given the safety valve.
v1::Scorecard MmCard(double mm, int64_t lnf, int64_t sentenced,
                     int64_t revision = 1, double valve = 0.25) {
  return Card({Cell("sentenced", static_cast<double>(sentenced), sentenced),
               Cell("lnf_sentenced", static_cast<double>(lnf), lnf),
               Cell("lnf_mandatory_minimum_share", mm, lnf),
               Cell("lnf_safety_valve_share", valve, lnf)},
              revision);
}

// LNF_MANDATORY_MINIMUM_HIGH judged on one view of a card.
Finding MmOn(const v1::Scorecard& view, const Thresholds& t) {
  return OfType(ScorecardConditions(view, t),
                v1::EVENT_TYPE_LNF_MANDATORY_MINIMUM_HIGH);
}

// The PUBLIC half, on a public view of MmCard that withholds nothing, and
// the RESTRICTED half, on MmCard itself.
Finding Mm(double mm, int64_t lnf, int64_t sentenced, int64_t revision = 1,
           const Thresholds& t = Thresholds()) {
  return MmOn(Public(MmCard(mm, lnf, sentenced, revision)), t);
}
Finding RestrictedMm(double mm, int64_t lnf, int64_t sentenced,
                     int64_t revision = 1, const Thresholds& t = Thresholds()) {
  return MmOn(MmCard(mm, lnf, sentenced, revision), t);
}

// TARGET_OVERSHOOT, judged on a public view of TargetCard.
Finding Target(double ratio, int64_t reported, int64_t revision = 1,
               const Thresholds& t = Thresholds()) {
  return OfType(
      ScorecardConditions(Public(TargetCard(ratio, reported, revision)), t),
      v1::EVENT_TYPE_TARGET_OVERSHOOT);
}

// SCORECARD_PUBLISHED of the public view and of the restricted card.
std::vector<Finding> BothPublished(const v1::Scorecard& card,
                                   const std::set<std::string>& withheld = {}) {
  return {ScorecardPublished(Public(card, withheld)), ScorecardPublished(card)};
}

// ---- Checks. ----

bool IsEventId(const std::string& id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// What the handler keeps of the latest event of one condition key, fed with
// what Reconcile emits.
class Publisher {
 public:
  std::optional<OversightEvent> Offer(const Finding& f) {
    std::optional<OversightEvent> e = Reconcile(f, last_);
    if (e) last_ = Published{e->event_id(), e->resolved()};
    return e;
  }

 private:
  std::optional<Published> last_;
};

// The emitted event is the finding's event with resolved and event_id set.
void ExpectEventOf(const Finding& f, const OversightEvent& e, bool resolved) {
  OversightEvent want = f.event;
  want.set_resolved(resolved);
  if (resolved) want.set_severity(v1::SEVERITY_INFO);
  want.set_event_id(e.event_id());
  EXPECT_TRUE(MessageDifferencer::Equals(want, e))
      << "want " << want.ShortDebugString() << "\ngot  "
      << e.ShortDebugString();
  EXPECT_TRUE(IsEventId(e.event_id())) << e.event_id();
  EXPECT_EQ(e.event_id(), EventId(e));
}

// Through Reconcile: `on` is emitted once; the same facts again emit
// nothing; `on_changed` (still holding, a fact changed) is a new event with a
// new id; `off` (no longer holding) emits the resolution, with severity INFO
// and the facts as they are now; nothing more while it does not hold, even
// if its facts change (`off_changed`); holding again emits again.
void ExpectLifecycle(const Finding& on, const Finding& on_changed,
                     const Finding& off, const Finding& off_changed) {
  ASSERT_TRUE(on.holds);
  ASSERT_TRUE(on_changed.holds);
  ASSERT_FALSE(off.holds);
  ASSERT_FALSE(off_changed.holds);
  for (const Finding* f : {&on_changed, &off, &off_changed}) {
    EXPECT_EQ(f->event.condition_key(), on.event.condition_key());
    EXPECT_EQ(f->event.visibility(), on.event.visibility());
    EXPECT_EQ(f->key, on.key);
    EXPECT_EQ(PublishedKey(f->key, f->event), PublishedKey(on.key, on.event));
  }
  // Nothing holds and nothing was said: nothing to say.
  EXPECT_FALSE(Reconcile(off, std::nullopt).has_value());

  Publisher p;
  const std::optional<OversightEvent> first = p.Offer(on);
  ASSERT_TRUE(first.has_value());
  ExpectEventOf(on, *first, false);
  EXPECT_NE(first->severity(), v1::SEVERITY_UNSPECIFIED);
  EXPECT_FALSE(p.Offer(on).has_value()) << "identical facts: nothing new";

  const std::optional<OversightEvent> changed = p.Offer(on_changed);
  ASSERT_TRUE(changed.has_value()) << "a fact changed while holding";
  ExpectEventOf(on_changed, *changed, false);
  EXPECT_NE(changed->event_id(), first->event_id());
  EXPECT_FALSE(p.Offer(on_changed).has_value());

  const std::optional<OversightEvent> resolved = p.Offer(off);
  ASSERT_TRUE(resolved.has_value()) << "stopped holding: resolution";
  ExpectEventOf(off, *resolved, true);
  EXPECT_TRUE(resolved->resolved());
  EXPECT_EQ(resolved->severity(), v1::SEVERITY_INFO);
  EXPECT_NE(resolved->event_id(), changed->event_id());
  EXPECT_NE(resolved->event_id(), first->event_id());

  EXPECT_FALSE(p.Offer(off).has_value()) << "still not holding";
  EXPECT_FALSE(p.Offer(off_changed).has_value()) << "still not holding";

  const std::optional<OversightEvent> again = p.Offer(on);
  ASSERT_TRUE(again.has_value()) << "holds again after its resolution";
  EXPECT_FALSE(again->resolved());
  EXPECT_EQ(again->event_id(), first->event_id()) << "same facts, same id";
}

// PUBLIC events: no subject, and every cell `view` (a public view)
// suppresses appears only as `<name>.suppressed` = 1: no value, no n, no
// other fact named after it (SPEC §5 D1).
void ExpectPublicSafe(const OversightEvent& e, const v1::Scorecard& view) {
  ASSERT_EQ(e.visibility(), v1::VISIBILITY_PUBLIC);
  ASSERT_TRUE(view.public_view());
  EXPECT_TRUE(e.subject_pid().empty());
  for (const auto& i : view.indicators()) {
    if (!i.suppressed()) continue;
    for (const auto& [name, value] : e.facts()) {
      if (name.rfind(i.name(), 0) != 0) continue;
      EXPECT_EQ(name, i.name() + ".suppressed")
          << "public fact " << name << " of a suppressed cell";
      EXPECT_EQ(value, 1) << name;
    }
  }
}

// For each set of `withheld` cells: the public view of `card` withholding
// them does not hold `type`, and its event shows them only as
// `<cell>.suppressed` (no value, no n: SPEC §5 D1).
void ExpectNotJudgedWhenWithheld(
    const v1::Scorecard& card, v1::EventType type,
    const std::vector<std::set<std::string>>& withheld_sets) {
  for (const auto& withheld : withheld_sets) {
    SCOPED_TRACE(::testing::PrintToString(withheld));
    const v1::Scorecard view = Public(card, withheld);
    const Finding f = OfType(ScorecardConditions(view, Thresholds()), type);
    EXPECT_FALSE(f.holds);
    EXPECT_EQ(f.event.visibility(), v1::VISIBILITY_PUBLIC);
    ExpectPublicSafe(f.event, view);
    for (const auto& cell : withheld) {
      EXPECT_EQ(f.event.facts().at(cell + ".suppressed"), 1) << cell;
      EXPECT_EQ(f.event.facts().count(cell), 0u) << cell;
      EXPECT_EQ(f.event.facts().count(cell + ".n"), 0u) << cell;
    }
  }
}

// ================= LINK_UNSUBSTANTIATED =================

TEST(LinkUnsubstantiated, HoldsOnlyWhenUnsubstantiated) {
  EXPECT_TRUE(
      LinkUnsubstantiated(Assessment("DEA", "CL-00042", "ORG-1", v1::TIER_CPOT,
                                     v1::ASSESSMENT_RESULT_UNSUBSTANTIATED))
          .holds);
  // Just below: partial, and substantiated.
  EXPECT_FALSE(
      LinkUnsubstantiated(Assessment("DEA", "CL-00042", "ORG-1", v1::TIER_CPOT,
                                     v1::ASSESSMENT_RESULT_PARTIAL))
          .holds);
  EXPECT_FALSE(
      LinkUnsubstantiated(Assessment("DEA", "CL-00042", "ORG-1", v1::TIER_CPOT,
                                     v1::ASSESSMENT_RESULT_SUBSTANTIATED))
          .holds);
}

TEST(LinkUnsubstantiated, Event) {
  const Finding f = LinkUnsubstantiated(
      Assessment("DEA", "CL-00042", "ORG-1", v1::TIER_RPOT,
                 v1::ASSESSMENT_RESULT_UNSUBSTANTIATED, "AS-9"));
  const OversightEvent& e = f.event;
  EXPECT_EQ(e.condition_key(), "LINK_UNSUBSTANTIATED/claim/CL-00042");
  EXPECT_EQ(e.type(), v1::EVENT_TYPE_LINK_UNSUBSTANTIATED);
  EXPECT_EQ(e.visibility(), v1::VISIBILITY_RESTRICTED);
  EXPECT_EQ(f.key, kPid);
  EXPECT_EQ(e.unit(), "agency:DEA");
  EXPECT_EQ(e.period(), "FY2016");  // of the claim (Jan 2016)
  EXPECT_EQ(e.subject_pid(), kPid);
  EXPECT_EQ(e.org_id(), "ORG-1");
  EXPECT_EQ(e.criteria_version(), kCriteria);
  EXPECT_FALSE(e.resolved());
  EXPECT_EQ(e.facts().at("result"), v1::ASSESSMENT_RESULT_UNSUBSTANTIATED);
  EXPECT_EQ(e.facts().at("tier"), v1::TIER_RPOT);
  EXPECT_EQ(e.facts().at("failed_criteria"), 2);
  EXPECT_EQ(e.facts().at("failed.C2"), 1);
  EXPECT_EQ(e.facts().at("failed.C4"), 1);
  EXPECT_EQ(e.facts().at("evidence_items"), 2);
  EXPECT_EQ(std::vector<std::string>(e.evidence_refs().begin(),
                                     e.evidence_refs().end()),
            (std::vector<std::string>{"claim:CL-00042", "assessment:AS-9",
                                      "evidence:EV-1", "evidence:EV-2"}));
}

TEST(LinkUnsubstantiated, PeriodIsTheClaimsFiscalYear) {
  v1::LinkAssessment a = Assessment("DEA", "CL-1", "ORG-1", v1::TIER_CPOT,
                                    v1::ASSESSMENT_RESULT_UNSUBSTANTIATED);
  a.mutable_claim_occurred_at()->set_seconds(Utc(2015, 10, 1));
  EXPECT_EQ(LinkUnsubstantiated(a).event.period(), "FY2016");
  a.mutable_claim_occurred_at()->set_seconds(Utc(2015, 10, 1) - 1);
  EXPECT_EQ(LinkUnsubstantiated(a).event.period(), "FY2015");
}

TEST(LinkUnsubstantiated, Lifecycle) {
  const auto unsub = v1::ASSESSMENT_RESULT_UNSUBSTANTIATED;
  const auto sub = v1::ASSESSMENT_RESULT_SUBSTANTIATED;
  // Assessed again after new evidence: a new event, still holding.
  ExpectLifecycle(
      LinkUnsubstantiated(Assessment("DEA", "CL-1", "ORG-1", v1::TIER_CPOT,
                                     unsub, "AS-1", {"EV-1"})),
      LinkUnsubstantiated(Assessment("DEA", "CL-1", "ORG-1", v1::TIER_CPOT,
                                     unsub, "AS-2", {"EV-1", "EV-2"})),
      LinkUnsubstantiated(Assessment("DEA", "CL-1", "ORG-1", v1::TIER_CPOT, sub,
                                     "AS-3", {"EV-1", "EV-2", "EV-3"})),
      LinkUnsubstantiated(Assessment("DEA", "CL-1", "ORG-1", v1::TIER_CPOT, sub,
                                     "AS-4",
                                     {"EV-1", "EV-2", "EV-3", "EV-4"})));
}

// ================= TIER_MISMATCH =================

TEST(TierMismatch, HoldsForPriorityTiersOnly) {
  for (v1::Tier tier : {v1::TIER_CPOT, v1::TIER_RPOT, v1::TIER_PTO_NATIONAL}) {
    SCOPED_TRACE(v1::Tier_Name(tier));
    const Finding f = Only(OneCase(tier, LnfRecord()).Tier());
    EXPECT_TRUE(f.holds);
    EXPECT_EQ(f.event.facts().at("tier"), tier);
  }
  for (v1::Tier tier : {v1::TIER_PTO_REGIONAL, v1::TIER_PTO_LOCAL}) {
    SCOPED_TRACE(v1::Tier_Name(tier));
    for (const Finding& f : OneCase(tier, LnfRecord()).Tier()) {
      EXPECT_FALSE(f.holds);
    }
  }
}

TEST(TierMismatch, HoldsForLnfOrAMitigatingRole) {
  EXPECT_TRUE(Only(OneCase(v1::TIER_CPOT, LnfRecord()).Tier()).holds);
  EXPECT_TRUE(
      Only(OneCase(v1::TIER_CPOT, NotLnfRecord(v1::MITIGATING_ROLE_MINOR))
               .Tier())
          .holds);
  EXPECT_TRUE(
      Only(OneCase(v1::TIER_CPOT, NotLnfRecord(v1::MITIGATING_ROLE_MINIMAL))
               .Tier())
          .holds);
  // Just below: neither LNF nor a mitigating role.
  EXPECT_FALSE(
      Only(
          OneCase(v1::TIER_CPOT, NotLnfRecord(v1::MITIGATING_ROLE_NONE)).Tier())
          .holds);
  EXPECT_FALSE(
      Only(OneCase(v1::TIER_CPOT, NotLnfRecord(v1::MITIGATING_ROLE_UNSPECIFIED))
               .Tier())
          .holds);
}

TEST(TierMismatch, Event) {
  const Finding f = Only(
      OneCase(v1::TIER_RPOT, NotLnfRecord(v1::MITIGATING_ROLE_MINOR)).Tier());
  const OversightEvent& e = f.event;
  EXPECT_TRUE(f.holds);
  EXPECT_EQ(e.condition_key(), "TIER_MISMATCH/subject/PID-1/case/CASE-1");
  EXPECT_EQ(e.type(), v1::EVENT_TYPE_TIER_MISMATCH);
  EXPECT_EQ(e.visibility(), v1::VISIBILITY_RESTRICTED);
  EXPECT_EQ(f.key, kPid);
  EXPECT_EQ(e.subject_pid(), kPid);
  EXPECT_EQ(e.unit(), "agency:DEA");
  EXPECT_EQ(e.period(), "FY2016");  // the sentencing's, not the arrest's
  EXPECT_EQ(e.org_id(), "ORG-1");
  EXPECT_EQ(e.criteria_version(), kCriteria);
  EXPECT_EQ(e.score_version(), "v1");
  const domain::DesertResult d =
      domain::Score(NotLnfRecord(v1::MITIGATING_ROLE_MINOR));
  EXPECT_EQ(e.facts().at("tier"), v1::TIER_RPOT);
  EXPECT_EQ(e.facts().at("claim_result"), v1::ASSESSMENT_RESULT_SUBSTANTIATED);
  EXPECT_EQ(e.facts().at("desert_score"), d.score);
  EXPECT_EQ(e.facts().at("desert_band"), d.band);
  EXPECT_EQ(e.facts().at("lnf"), 0);
  EXPECT_EQ(e.facts().at("mitigating_role"), v1::MITIGATING_ROLE_MINOR);
  EXPECT_EQ(e.facts().at("sentence_months"), 120);
  EXPECT_EQ(e.facts().at("criminal_history_category"), 1);
  const std::set<std::string> refs(e.evidence_refs().begin(),
                                   e.evidence_refs().end());
  for (const char* ref : {"claim:CL-1", "assessment:AS-1", "case:CASE-1",
                          "report:USSC/S-1", "arrest:A1"}) {
    EXPECT_EQ(refs.count(ref), 1u) << ref;
  }
}

TEST(TierMismatch, RevokedOrgKeepsTheTierOfTheAssessment) {
  // The org was revoked before the claim: C1 fails and the claim is
  // unsubstantiated, but the agency still claimed a CPOT.
  v1::LinkAssessment a = Assessment("DEA", "CL-1", "ORG-1", v1::TIER_CPOT,
                                    v1::ASSESSMENT_RESULT_UNSUBSTANTIATED);
  a.clear_failed_criteria();
  a.add_failed_criteria("C1");
  Subject s;
  s.Report(
      ArrestReport("DEA", "R-A1", "CASE-1", "A1", "CL-1", Utc(2015, 9, 15)));
  s.Assess(a);
  s.Report(SentencingReport("S-1", "CASE-1", Utc(2016, 6, 1), LnfRecord()));
  const Finding f = Only(s.Tier());
  EXPECT_TRUE(f.holds);
  EXPECT_EQ(f.event.facts().at("tier"), v1::TIER_CPOT);
  EXPECT_EQ(f.event.facts().at("claim_result"),
            v1::ASSESSMENT_RESULT_UNSUBSTANTIATED);
}

TEST(TierMismatch, PicksTheHighestTierClaimOfTheCase) {
  Subject s;
  s.Report(
      ArrestReport("DEA", "R-A1", "CASE-1", "A1", "CL-1", Utc(2015, 9, 15)));
  s.Report(
      ArrestReport("FBI", "R-A2", "CASE-1", "A2", "CL-2", Utc(2015, 9, 16)));
  s.Report(
      ArrestReport("HSI", "R-A3", "CASE-1", "A3", "CL-3", Utc(2015, 9, 17)));
  s.Report(ArrestReport("DEA", "R-A4", "CASE-1", "A4", "", Utc(2015, 9, 18)));
  // A CPOT claim in another case (never sentenced) does not count.
  s.Report(
      ArrestReport("DEA", "R-A5", "CASE-2", "A5", "CL-5", Utc(2015, 9, 19)));
  s.Assess(Assessment("DEA", "CL-1", "ORG-N", v1::TIER_PTO_NATIONAL,
                      v1::ASSESSMENT_RESULT_SUBSTANTIATED, "AS-1"));
  s.Assess(Assessment("FBI", "CL-2", "ORG-C", v1::TIER_CPOT,
                      v1::ASSESSMENT_RESULT_PARTIAL, "AS-2"));
  s.Assess(Assessment("HSI", "CL-3", "ORG-R", v1::TIER_RPOT,
                      v1::ASSESSMENT_RESULT_SUBSTANTIATED, "AS-3"));
  s.Assess(Assessment("DEA", "CL-5", "ORG-X", v1::TIER_CPOT,
                      v1::ASSESSMENT_RESULT_SUBSTANTIATED, "AS-5"));
  s.Report(SentencingReport("S-1", "CASE-1", Utc(2016, 6, 1), LnfRecord()));
  const Finding f = Only(s.Tier());
  EXPECT_TRUE(f.holds);
  EXPECT_EQ(f.event.org_id(), "ORG-C");
  EXPECT_EQ(f.event.unit(), "agency:FBI");
  EXPECT_EQ(f.event.facts().at("tier"), v1::TIER_CPOT);
  EXPECT_EQ(f.event.facts().at("claim_result"), v1::ASSESSMENT_RESULT_PARTIAL);
  const std::set<std::string> refs(f.event.evidence_refs().begin(),
                                   f.event.evidence_refs().end());
  for (const char* ref : {"claim:CL-2", "assessment:AS-2", "arrest:A1",
                          "arrest:A2", "arrest:A3", "arrest:A4"}) {
    EXPECT_EQ(refs.count(ref), 1u) << ref;
  }
  for (const char* ref :
       {"claim:CL-1", "claim:CL-3", "claim:CL-5", "arrest:A5"}) {
    EXPECT_EQ(refs.count(ref), 0u) << ref;
  }
}

TEST(TierMismatch, TiesGoToTheFirstArrest) {
  Subject s;
  s.Report(
      ArrestReport("FBI", "R-A2", "CASE-1", "A2", "CL-2", Utc(2015, 9, 15)));
  s.Report(
      ArrestReport("DEA", "R-A1", "CASE-1", "A1", "CL-1", Utc(2015, 9, 16)));
  s.Assess(Assessment("FBI", "CL-2", "ORG-F", v1::TIER_RPOT,
                      v1::ASSESSMENT_RESULT_SUBSTANTIATED, "AS-2"));
  s.Assess(Assessment("DEA", "CL-1", "ORG-D", v1::TIER_PTO_NATIONAL,
                      v1::ASSESSMENT_RESULT_SUBSTANTIATED, "AS-1"));
  s.Report(SentencingReport("S-1", "CASE-1", Utc(2016, 6, 1), LnfRecord()));
  const Finding f = Only(s.Tier());
  EXPECT_EQ(f.event.org_id(), "ORG-D");  // DEA/A1 sorts before FBI/A2
  EXPECT_EQ(f.event.unit(), "agency:DEA");
}

TEST(TierMismatch, OneFindingPerSentencedCase) {
  Subject s;
  // CASE-1: two arrests on priority claims; CASE-2: one; CASE-3: an arrest
  // without a claim; CASE-4: arrested, never sentenced.
  s.Report(
      ArrestReport("DEA", "R-A1", "CASE-1", "A1", "CL-1", Utc(2015, 9, 15)));
  s.Report(
      ArrestReport("DEA", "R-A2", "CASE-1", "A2", "CL-2", Utc(2015, 9, 16)));
  s.Report(
      ArrestReport("DEA", "R-A3", "CASE-2", "A3", "CL-3", Utc(2015, 11, 1)));
  s.Report(ArrestReport("DEA", "R-A4", "CASE-3", "A4", "", Utc(2016, 1, 1)));
  s.Report(
      ArrestReport("DEA", "R-A5", "CASE-4", "A5", "CL-5", Utc(2016, 2, 1)));
  s.Assess(Assessment("DEA", "CL-1", "ORG-1", v1::TIER_CPOT,
                      v1::ASSESSMENT_RESULT_SUBSTANTIATED, "AS-1"));
  s.Assess(Assessment("DEA", "CL-2", "ORG-2", v1::TIER_RPOT,
                      v1::ASSESSMENT_RESULT_SUBSTANTIATED, "AS-2"));
  s.Assess(Assessment("DEA", "CL-3", "ORG-3", v1::TIER_PTO_NATIONAL,
                      v1::ASSESSMENT_RESULT_SUBSTANTIATED, "AS-3"));
  s.Assess(Assessment("DEA", "CL-5", "ORG-5", v1::TIER_CPOT,
                      v1::ASSESSMENT_RESULT_SUBSTANTIATED, "AS-5"));
  s.Report(SentencingReport("S-1", "CASE-1", Utc(2016, 6, 1), LnfRecord()));
  s.Report(SentencingReport("S-2", "CASE-2", Utc(2016, 7, 1),
                            NotLnfRecord(v1::MITIGATING_ROLE_NONE)));
  s.Report(SentencingReport("S-3", "CASE-3", Utc(2016, 8, 1), LnfRecord()));
  const std::vector<Finding> findings = s.Tier();
  std::map<std::string, bool> holds;
  for (const Finding& f : findings) {
    EXPECT_EQ(holds.count(f.event.condition_key()), 0u)
        << "twice: " << f.event.condition_key();
    holds[f.event.condition_key()] = f.holds;
  }
  EXPECT_EQ(holds, (std::map<std::string, bool>{
                       {"TIER_MISMATCH/subject/PID-1/case/CASE-1", true},
                       {"TIER_MISMATCH/subject/PID-1/case/CASE-2", false},
                       {"TIER_MISMATCH/subject/PID-1/case/CASE-3", false}}));
}

TEST(TierMismatch, AmendedSentencingStopsIt) {
  Subject s = OneCase(v1::TIER_CPOT, NotLnfRecord(v1::MITIGATING_ROLE_MINOR));
  EXPECT_TRUE(Only(s.Tier()).holds);
  // The amended judgment (later) finds no mitigating role; not LNF.
  s.Report(SentencingReport("S-2", "CASE-1", Utc(2016, 8, 1),
                            NotLnfRecord(v1::MITIGATING_ROLE_NONE)));
  const Finding f = Only(s.Tier());
  EXPECT_FALSE(f.holds);
  EXPECT_EQ(f.event.facts().at("mitigating_role"), v1::MITIGATING_ROLE_NONE);

  // The same two judgments in the other order: the later one counts.
  Subject r;
  r.Report(
      ArrestReport("DEA", "R-A1", "CASE-1", "A1", "CL-1", Utc(2015, 9, 15)));
  r.Assess(Assessment("DEA", "CL-1", "ORG-1", v1::TIER_CPOT,
                      v1::ASSESSMENT_RESULT_SUBSTANTIATED));
  r.Report(SentencingReport("S-2", "CASE-1", Utc(2016, 8, 1),
                            NotLnfRecord(v1::MITIGATING_ROLE_NONE)));
  r.Report(SentencingReport("S-1", "CASE-1", Utc(2016, 6, 1),
                            NotLnfRecord(v1::MITIGATING_ROLE_MINOR)));
  const Finding g = Only(r.Tier());
  EXPECT_FALSE(g.holds);
  EXPECT_EQ(EventId(g.event), EventId(f.event));
}

TEST(TierMismatch, Lifecycle) {
  Subject s = OneCase(v1::TIER_CPOT, LnfRecord(60));
  const Finding on = Only(s.Tier());
  // Amended: still LNF, a different sentence.
  s.Report(SentencingReport("S-2", "CASE-1", Utc(2016, 7, 1), LnfRecord(24)));
  const Finding on_changed = Only(s.Tier());
  // Amended again: no longer LNF, no mitigating role.
  s.Report(SentencingReport("S-3", "CASE-1", Utc(2016, 8, 1),
                            NotLnfRecord(v1::MITIGATING_ROLE_NONE)));
  const Finding off = Only(s.Tier());
  v1::SentencingRecord longer = NotLnfRecord(v1::MITIGATING_ROLE_NONE);
  longer.set_sentence_months(200);
  s.Report(SentencingReport("S-4", "CASE-1", Utc(2016, 9, 1), longer));
  const Finding off_changed = Only(s.Tier());
  ExpectLifecycle(on, on_changed, off, off_changed);
}

TEST(TierMismatch, ResolvedWhenTheClaimIsNoLongerOfAPriorityTier) {
  // Reassessed after the org was re-designated PTO_REGIONAL: the subject
  // is no longer counted under a priority claim (as claimed_priority_share
  // no longer counts it), so the event must be withdrawn.
  Subject s = OneCase(v1::TIER_RPOT, LnfRecord());
  Publisher p;
  const std::optional<OversightEvent> first = p.Offer(Only(s.Tier()));
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(first->resolved());
  s.Assess(Assessment("DEA", "CL-1", "ORG-1", v1::TIER_PTO_REGIONAL,
                      v1::ASSESSMENT_RESULT_SUBSTANTIATED, "AS-2"));
  const std::vector<Finding> now = s.Tier();
  ASSERT_EQ(now.size(), 1u) << "the case is still sentenced";
  EXPECT_FALSE(now[0].holds);
  EXPECT_EQ(now[0].event.condition_key(), first->condition_key());
  const std::optional<OversightEvent> resolved = p.Offer(now[0]);
  ASSERT_TRUE(resolved.has_value());
  EXPECT_TRUE(resolved->resolved());
  EXPECT_EQ(resolved->severity(), v1::SEVERITY_INFO);
  EXPECT_EQ(resolved->facts().at("tier"), v1::TIER_PTO_REGIONAL);
  EXPECT_FALSE(p.Offer(Only(s.Tier())).has_value());
}

// ================= PENDING_COUNTED_AS_DISMANTLED =================

TEST(PendingDismantled, HoldsOnlyForDismantledAndPending) {
  EXPECT_TRUE(
      PendingDismantled(OutcomeReport("R-1", v1::ORG_OUTCOME_DISMANTLED, true))
          .holds);
  EXPECT_FALSE(
      PendingDismantled(OutcomeReport("R-1", v1::ORG_OUTCOME_DISMANTLED, false))
          .holds);
  EXPECT_FALSE(
      PendingDismantled(OutcomeReport("R-1", v1::ORG_OUTCOME_DISRUPTED, true))
          .holds);
}

TEST(PendingDismantled, Event) {
  const Finding f =
      PendingDismantled(OutcomeReport("R-1", v1::ORG_OUTCOME_DISMANTLED, true));
  const OversightEvent& e = f.event;
  EXPECT_EQ(e.condition_key(), "PENDING_COUNTED_AS_DISMANTLED/report/DEA/R-1");
  EXPECT_EQ(e.type(), v1::EVENT_TYPE_PENDING_COUNTED_AS_DISMANTLED);
  EXPECT_EQ(e.visibility(), v1::VISIBILITY_PUBLIC);
  EXPECT_TRUE(e.subject_pid().empty());
  EXPECT_EQ(f.key, "agency:DEA");
  EXPECT_EQ(e.unit(), "agency:DEA");
  EXPECT_EQ(e.period(), "FY2016");
  EXPECT_EQ(e.org_id(), "ORG-7");
  EXPECT_EQ(e.facts().at("fiscal_year"), 2016);
  EXPECT_EQ(e.facts().at("outcome"), v1::ORG_OUTCOME_DISMANTLED);
  EXPECT_EQ(e.facts().at("pending"), 1);
  EXPECT_EQ(std::vector<std::string>(e.evidence_refs().begin(),
                                     e.evidence_refs().end()),
            (std::vector<std::string>{"report:DEA/R-1", "org:ORG-7"}));
}

TEST(PendingDismantled, Lifecycle) {
  ExpectLifecycle(PendingDismantled(OutcomeReport(
                      "R-1", v1::ORG_OUTCOME_DISMANTLED, true, 2016)),
                  PendingDismantled(OutcomeReport(
                      "R-1", v1::ORG_OUTCOME_DISMANTLED, true, 2016, "ORG-8")),
                  PendingDismantled(OutcomeReport(
                      "R-1", v1::ORG_OUTCOME_DISMANTLED, false, 2016)),
                  PendingDismantled(OutcomeReport(
                      "R-1", v1::ORG_OUTCOME_DISRUPTED, true, 2016)));
}

// ================= TARGET_OVERSHOOT =================

TEST(TargetOvershoot, HoldsAtTheThresholdNotJustBelow) {
  EXPECT_TRUE(Target(1.25, 25).holds);
  EXPECT_FALSE(Target(1.2499, 25).holds);
  EXPECT_TRUE(Target(3.0, 30).holds);
  // Undefined (no target): nothing to say.
  EXPECT_FALSE(
      OfType(ScorecardConditions(
                 Public(Card({Cell("target_ratio:PERFORMANCE_MEASURE_ARRESTS",
                                   0, 25, false)})),
                 Thresholds()),
             v1::EVENT_TYPE_TARGET_OVERSHOOT)
          .holds);
}

TEST(TargetOvershoot, OneFindingPerMeasure) {
  const v1::Scorecard card = Public(
      Card({Cell("arrests", 40, 40),
            Cell("target_ratio:PERFORMANCE_MEASURE_ARRESTS", 2.0, 40),
            Cell("target_ratio:PERFORMANCE_MEASURE_PTO_DISMANTLED", 0.5, 12)}));
  std::map<std::string, bool> holds;
  for (const Finding& f : ScorecardConditions(card, Thresholds())) {
    if (f.event.type() != v1::EVENT_TYPE_TARGET_OVERSHOOT) continue;
    holds[f.event.condition_key()] = f.holds;
    EXPECT_EQ(f.key, "agency:DEA");
  }
  EXPECT_EQ(
      holds,
      (std::map<std::string, bool>{
          {"TARGET_OVERSHOOT/agency:DEA/FY2016/PERFORMANCE_MEASURE_ARRESTS",
           true},
          {"TARGET_OVERSHOOT/agency:DEA/FY2016/"
           "PERFORMANCE_MEASURE_PTO_DISMANTLED",
           false}}));
}

TEST(TargetOvershoot, Event) {
  const Finding f = Target(1.25, 25);
  const OversightEvent& e = f.event;
  EXPECT_EQ(e.type(), v1::EVENT_TYPE_TARGET_OVERSHOOT);
  EXPECT_EQ(e.visibility(), v1::VISIBILITY_PUBLIC);
  EXPECT_TRUE(e.subject_pid().empty());
  EXPECT_EQ(e.unit(), "agency:DEA");
  EXPECT_EQ(e.period(), "FY2016");
  EXPECT_EQ(e.criteria_version(), kCriteria);
  EXPECT_EQ(e.score_version(), "v1");
  EXPECT_EQ(e.facts().at("target_ratio"), 1.25);
  EXPECT_EQ(e.facts().at("reported"), 25);
  EXPECT_EQ(e.facts().at("target"), 20);
  EXPECT_EQ(e.facts().at("threshold"), 1.25);
  EXPECT_EQ(e.facts().at("target_ratio.n"), 25);
  // The public view it was judged on.
  EXPECT_EQ(std::vector<std::string>(e.evidence_refs().begin(),
                                     e.evidence_refs().end()),
            (std::vector<std::string>{"scorecard:PSC-1"}));
}

TEST(TargetOvershoot, JudgedOnThePublicViewOnly) {
  // The restricted card has no TARGET_OVERSHOOT of its own: the condition
  // is PUBLIC only (SPEC §6).
  EXPECT_FALSE(HasType(ScorecardConditions(TargetCard(2.0, 30), Thresholds()),
                       v1::EVENT_TYPE_TARGET_OVERSHOOT));
  // The public view lags (SPEC §5 D4): its figures, not the current ones.
  v1::Scorecard lagging = Public(TargetCard(1.0, 20));
  const Finding f = OfType(ScorecardConditions(lagging, Thresholds()),
                           v1::EVENT_TYPE_TARGET_OVERSHOOT);
  EXPECT_FALSE(f.holds);
  EXPECT_EQ(f.event.facts().at("target_ratio"), 1.0);
}

TEST(TargetOvershoot, SmallRatiosAreShownAsThePublicViewShowsThem) {
  // Target ratios are about organizations: the public view shows them
  // whatever their n, and so does the event (the reconciler no longer
  // withholds cells of its own accord).
  const v1::Scorecard view = Public(TargetCard(1.25, 5));
  const Finding f = OfType(ScorecardConditions(view, Thresholds()),
                           v1::EVENT_TYPE_TARGET_OVERSHOOT);
  EXPECT_TRUE(f.holds);
  ExpectPublicSafe(f.event, view);
  EXPECT_EQ(f.event.facts().at("target_ratio"), 1.25);
  EXPECT_EQ(f.event.facts().at("reported"), 5);
  EXPECT_EQ(f.event.facts().at("target"), 4);
  EXPECT_EQ(f.event.facts().count("target_ratio.suppressed"), 0u);
}

// What a TARGET_OVERSHOOT whose ratio the public view withholds carries:
// the threshold and `target_ratio.suppressed` only.
void ExpectWithheldTarget(const Finding& f) {
  EXPECT_FALSE(f.holds) << "a withheld ratio cannot be judged publicly";
  EXPECT_EQ(f.event.visibility(), v1::VISIBILITY_PUBLIC);
  std::map<std::string, double> facts(f.event.facts().begin(),
                                      f.event.facts().end());
  EXPECT_EQ(facts, (std::map<std::string, double>{
                       {"threshold", 1.25}, {"target_ratio.suppressed", 1}}));
}

TEST(TargetOvershoot, ArrestsRatioFollowsTheSuppressionOfArrests) {
  // 30 arrests against a target of 15: overshot, but the public view
  // withholds `arrests`, and the ratio (n = arrests) with it.
  const v1::Scorecard card =
      Card({Cell("arrests", 30, 30),
            Cell("target_ratio:PERFORMANCE_MEASURE_ARRESTS", 2.0, 30),
            Cell("target_ratio:PERFORMANCE_MEASURE_PTO_DISMANTLED", 2.0, 12)});
  // Even if the view marks only `arrests`: the ratio's n is the arrests.
  for (const auto& withheld : std::vector<std::set<std::string>>{
           {"arrests"},
           {"arrests", "target_ratio:PERFORMANCE_MEASURE_ARRESTS"}}) {
    SCOPED_TRACE(::testing::PrintToString(withheld));
    const std::vector<Finding> fs =
        ScorecardConditions(Public(card, withheld), Thresholds());
    for (const Finding& f : fs) {
      if (f.event.type() != v1::EVENT_TYPE_TARGET_OVERSHOOT) continue;
      if (f.event.condition_key() ==
          "TARGET_OVERSHOOT/agency:DEA/FY2016/PERFORMANCE_MEASURE_ARRESTS") {
        ExpectWithheldTarget(f);
      } else {
        // Other measures do not follow arrests.
        EXPECT_TRUE(f.holds) << f.event.condition_key();
        EXPECT_EQ(f.event.facts().at("target_ratio"), 2.0);
      }
    }
  }
  // Shown arrests: it holds.
  EXPECT_TRUE(OfType(ScorecardConditions(Public(card), Thresholds()),
                     v1::EVENT_TYPE_TARGET_OVERSHOOT)
                  .holds);
}

TEST(TargetOvershoot, SuppressedRatioDoesNotHold) {
  const Finding f = OfType(
      ScorecardConditions(
          Public(TargetCard(3.0, 30, 1, "PERFORMANCE_MEASURE_CPOT_DISMANTLED"),
                 {"target_ratio:PERFORMANCE_MEASURE_CPOT_DISMANTLED"}),
          Thresholds()),
      v1::EVENT_TYPE_TARGET_OVERSHOOT);
  ExpectWithheldTarget(f);
}

TEST(TargetOvershoot, Lifecycle) {
  ExpectLifecycle(Target(1.5, 30, 1), Target(1.6, 32, 2), Target(1.2499, 25, 3),
                  Target(1.0, 20, 4));
  // Withheld by a later public view: resolved, without the figures.
  Publisher p;
  ASSERT_TRUE(p.Offer(Target(1.5, 30, 1)).has_value());
  const std::optional<OversightEvent> resolved = p.Offer(OfType(
      ScorecardConditions(Public(TargetCard(1.5, 30, 2),
                                 {"target_ratio:PERFORMANCE_MEASURE_ARRESTS"}),
                          Thresholds()),
      v1::EVENT_TYPE_TARGET_OVERSHOOT));
  ASSERT_TRUE(resolved.has_value());
  EXPECT_TRUE(resolved->resolved());
  EXPECT_EQ(resolved->facts().count("target_ratio"), 0u);
  EXPECT_EQ(resolved->facts().count("target_ratio.n"), 0u);
}

// ================= FRUITION_GAP =================

TEST(FruitionGap, HoldsAtTheThresholdNotJustBelow) {
  EXPECT_TRUE(Gap(0.25, 11).holds);
  EXPECT_FALSE(Gap(0.2499, 11).holds);
  EXPECT_TRUE(Gap(0.9, 200).holds);
  EXPECT_TRUE(RestrictedGap(0.25, 11).holds);
  EXPECT_FALSE(RestrictedGap(0.2499, 11).holds);
  EXPECT_TRUE(RestrictedGap(0.9, 200).holds);
}

TEST(FruitionGap, NeedsElevenSentenced) {
  EXPECT_TRUE(Gap(0.5, 11).holds);
  EXPECT_FALSE(Gap(0.5, 10).holds);
  EXPECT_TRUE(RestrictedGap(0.5, 11).holds);
  EXPECT_FALSE(RestrictedGap(0.5, 10).holds);
  for (bool is_public : {true, false}) {
    SCOPED_TRACE(is_public ? "public" : "restricted");
    auto view = [&](const v1::Scorecard& c) {
      return is_public ? Public(c) : c;
    };
    // Undefined gap (nobody sentenced).
    EXPECT_FALSE(OfType(ScorecardConditions(
                            view(Card({Cell("sentenced", 0, 0),
                                       Cell("fruition_gap", 0, 0, false)})),
                            Thresholds()),
                        v1::EVENT_TYPE_FRUITION_GAP)
                     .holds);
    // No sentenced indicator at all.
    EXPECT_FALSE(
        OfType(ScorecardConditions(view(Card({Cell("fruition_gap", 0.9, 40)})),
                                   Thresholds()),
               v1::EVENT_TYPE_FRUITION_GAP)
            .holds);
  }
}

TEST(FruitionGap, Event) {
  const Finding f = Gap(0.3, 20);
  const OversightEvent& e = f.event;
  EXPECT_EQ(e.condition_key(), "FRUITION_GAP/agency:DEA/FY2016");
  EXPECT_EQ(e.type(), v1::EVENT_TYPE_FRUITION_GAP);
  EXPECT_EQ(e.visibility(), v1::VISIBILITY_PUBLIC);
  EXPECT_TRUE(e.subject_pid().empty());
  EXPECT_EQ(f.key, "agency:DEA");
  EXPECT_EQ(e.unit(), "agency:DEA");
  EXPECT_EQ(e.period(), "FY2016");
  EXPECT_EQ(e.criteria_version(), kCriteria);
  EXPECT_EQ(e.score_version(), "v1");
  EXPECT_EQ(e.facts().at("fruition_gap"), 0.3);
  EXPECT_EQ(e.facts().at("fruition_gap.n"), 20);
  EXPECT_EQ(e.facts().at("claimed_priority_share"), 0.3 + 0.1);
  EXPECT_EQ(e.facts().at("high_desert_share"), 0.1);
  EXPECT_EQ(e.facts().at("sentenced"), 20);
  EXPECT_EQ(e.facts().at("threshold"), 0.25);
  EXPECT_EQ(e.facts().at("min_sentenced"), 11);
  EXPECT_EQ(e.facts().count("arrests"), 0u);  // not one of its numbers
  // The public view it was judged on.
  EXPECT_EQ(std::vector<std::string>(e.evidence_refs().begin(),
                                     e.evidence_refs().end()),
            (std::vector<std::string>{"scorecard:PSC-1"}));
}

TEST(FruitionGap, RestrictedEvent) {
  const Finding f = RestrictedGap(0.3, 20);
  const OversightEvent& e = f.event;
  EXPECT_EQ(e.condition_key(), "FRUITION_GAP/agency:DEA/FY2016/restricted");
  EXPECT_EQ(e.type(), v1::EVENT_TYPE_FRUITION_GAP);
  EXPECT_EQ(e.visibility(), v1::VISIBILITY_RESTRICTED);
  EXPECT_EQ(e.severity(), v1::SEVERITY_WARNING);
  EXPECT_TRUE(e.subject_pid().empty());
  EXPECT_EQ(f.key, "agency:DEA");
  EXPECT_EQ(e.unit(), "agency:DEA");
  EXPECT_EQ(e.period(), "FY2016");
  EXPECT_EQ(e.criteria_version(), kCriteria);
  EXPECT_EQ(e.score_version(), "v1");
  std::map<std::string, double> facts(e.facts().begin(), e.facts().end());
  EXPECT_EQ(facts, (std::map<std::string, double>{
                       {"fruition_gap", 0.3},
                       {"fruition_gap.n", 20},
                       {"claimed_priority_share", 0.3 + 0.1},
                       {"claimed_priority_share.n", 20},
                       {"high_desert_share", 0.1},
                       {"high_desert_share.n", 20},
                       {"sentenced", 20},
                       {"sentenced.n", 20},
                       {"threshold", 0.25},
                       {"min_sentenced", 11}}));
  EXPECT_EQ(std::vector<std::string>(e.evidence_refs().begin(),
                                     e.evidence_refs().end()),
            (std::vector<std::string>{"scorecard:SC-1"}));
  // Its own condition: another key than the public one's, kept apart.
  const Finding pub = Gap(0.3, 20);
  EXPECT_NE(e.condition_key(), pub.event.condition_key());
  EXPECT_NE(PublishedKey(f.key, e), PublishedKey(pub.key, pub.event));
}

TEST(FruitionGap, SuppressedInputsDoNotHoldPublicly) {
  // 20 sentenced with a gap of 0.5: the restricted condition holds. The
  // public view withholds the gap (say, to protect a neighbouring cell),
  // or the number sentenced: the public condition cannot be judged.
  const v1::Scorecard card = GapCard(0.5, 20);
  const Finding restricted = OfType(ScorecardConditions(card, Thresholds()),
                                    v1::EVENT_TYPE_FRUITION_GAP);
  EXPECT_TRUE(restricted.holds);
  EXPECT_EQ(restricted.event.visibility(), v1::VISIBILITY_RESTRICTED);
  ExpectNotJudgedWhenWithheld(
      card, v1::EVENT_TYPE_FRUITION_GAP,
      {{"fruition_gap"}, {"sentenced"}, {"sentenced", "fruition_gap"}});
}

TEST(FruitionGap, EachHalfJudgedOnItsOwnView) {
  // The public view lags the current facts (SPEC §5 D4): the public
  // condition follows the public figures, the restricted one the current.
  const Finding pub =
      OfType(ScorecardConditions(Public(GapCard(0.1, 20, 1)), Thresholds()),
             v1::EVENT_TYPE_FRUITION_GAP);
  const Finding res =
      OfType(ScorecardConditions(GapCard(0.4, 20, 2), Thresholds()),
             v1::EVENT_TYPE_FRUITION_GAP);
  EXPECT_FALSE(pub.holds);
  EXPECT_TRUE(res.holds);
  EXPECT_EQ(pub.event.facts().at("fruition_gap"), 0.1);
  EXPECT_EQ(res.event.facts().at("fruition_gap"), 0.4);
  // And the other way round.
  EXPECT_TRUE(
      OfType(ScorecardConditions(Public(GapCard(0.4, 20)), Thresholds()),
             v1::EVENT_TYPE_FRUITION_GAP)
          .holds);
  EXPECT_FALSE(OfType(ScorecardConditions(GapCard(0.1, 20), Thresholds()),
                      v1::EVENT_TYPE_FRUITION_GAP)
                   .holds);
}

TEST(FruitionGap, Lifecycle) {
  ExpectLifecycle(Gap(0.3, 20, 1), Gap(0.35, 20, 2), Gap(0.2499, 20, 3),
                  Gap(0.1, 21, 4));
  ExpectLifecycle(RestrictedGap(0.3, 20, 1), RestrictedGap(0.35, 20, 2),
                  RestrictedGap(0.2499, 20, 3), RestrictedGap(0.1, 21, 4));
  // Fewer than 11 sentenced also withdraws it.
  Publisher p;
  ASSERT_TRUE(p.Offer(Gap(0.3, 11)).has_value());
  const std::optional<OversightEvent> resolved = p.Offer(Gap(0.3, 10, 2));
  ASSERT_TRUE(resolved.has_value());
  EXPECT_TRUE(resolved->resolved());
  // So does a public view that withholds it, its resolution without the
  // withheld figures.
  Publisher q;
  ASSERT_TRUE(q.Offer(Gap(0.3, 20)).has_value());
  const std::optional<OversightEvent> withheld = q.Offer(
      OfType(ScorecardConditions(Public(GapCard(0.3, 20, 2), {"fruition_gap"}),
                                 Thresholds()),
             v1::EVENT_TYPE_FRUITION_GAP));
  ASSERT_TRUE(withheld.has_value());
  EXPECT_TRUE(withheld->resolved());
  EXPECT_EQ(withheld->facts().count("fruition_gap"), 0u);
  EXPECT_EQ(withheld->facts().count("fruition_gap.n"), 0u);
  EXPECT_EQ(withheld->facts().at("fruition_gap.suppressed"), 1);
}

// ================= LNF_SHARE_HIGH =================

TEST(LnfShareHigh, HoldsAtTheThresholdNotJustBelow) {
  EXPECT_TRUE(Lnf(0.30, 20, 6).holds);
  EXPECT_FALSE(Lnf(0.2999, 20, 6).holds);
  // lnf_share computed as scoring computes it (6 of 20).
  EXPECT_TRUE(Lnf(6.0 / 20.0, 20, 6).holds);
  EXPECT_TRUE(RestrictedLnf(0.30, 20, 6).holds);
  EXPECT_FALSE(RestrictedLnf(0.2999, 20, 6).holds);
  EXPECT_TRUE(RestrictedLnf(6.0 / 20.0, 20, 6).holds);
}

TEST(LnfShareHigh, NeedsElevenSentenced) {
  EXPECT_TRUE(Lnf(0.5, 11, 6).holds);
  EXPECT_FALSE(Lnf(0.5, 10, 5).holds);
  EXPECT_TRUE(RestrictedLnf(0.5, 11, 6).holds);
  EXPECT_FALSE(RestrictedLnf(0.5, 10, 5).holds);
}

TEST(LnfShareHigh, Event) {
  const Finding f = Lnf(0.5, 24, 12);
  const OversightEvent& e = f.event;
  EXPECT_EQ(e.condition_key(), "LNF_SHARE_HIGH/agency:DEA/FY2016");
  EXPECT_EQ(e.type(), v1::EVENT_TYPE_LNF_SHARE_HIGH);
  EXPECT_EQ(e.visibility(), v1::VISIBILITY_PUBLIC);
  EXPECT_TRUE(e.subject_pid().empty());
  EXPECT_EQ(f.key, "agency:DEA");
  EXPECT_EQ(e.facts().at("lnf_share"), 0.5);
  EXPECT_EQ(e.facts().at("sentenced"), 24);
  EXPECT_EQ(e.facts().at("lnf_prison_years"), 60);
  EXPECT_EQ(e.facts().at("lnf_prison_years.n"), 12);
  EXPECT_EQ(e.facts().at("lnf_cost_usd"), 60 * 36299);
  EXPECT_EQ(e.facts().at("threshold"), 0.30);
  EXPECT_EQ(e.facts().at("min_sentenced"), 11);
}

TEST(LnfShareHigh, RestrictedEventShowsEveryCell) {
  // 13 sentenced, 4 of them LNF: the restricted event shows the cells the
  // public view withholds.
  const Finding f = RestrictedLnf(4.0 / 13.0, 13, 4);
  const OversightEvent& e = f.event;
  EXPECT_TRUE(f.holds);
  EXPECT_EQ(e.condition_key(), "LNF_SHARE_HIGH/agency:DEA/FY2016/restricted");
  EXPECT_EQ(e.visibility(), v1::VISIBILITY_RESTRICTED);
  EXPECT_EQ(f.key, "agency:DEA");
  EXPECT_EQ(e.facts().at("lnf_share"), 4.0 / 13.0);
  EXPECT_EQ(e.facts().at("sentenced"), 13);
  EXPECT_EQ(e.facts().at("lnf_prison_years"), 20);
  EXPECT_EQ(e.facts().at("lnf_prison_years.n"), 4);
  EXPECT_EQ(e.facts().at("lnf_cost_usd"), 20 * 36299);
  EXPECT_EQ(e.facts().at("lnf_cost_usd.n"), 4);
  for (const auto& [name, value] : e.facts()) {
    EXPECT_EQ(name.find(".suppressed"), std::string::npos) << name;
  }
}

TEST(LnfShareHigh, WithheldLnfCellsAppearOnlyAsSuppressed) {
  // 13 sentenced, 4 of them LNF: the public view shows the share and
  // withholds the prison years and cost of the 4; the event shows what
  // the view shows.
  const v1::Scorecard view =
      Public(LnfCard(4.0 / 13.0, 13, 4), {"lnf_prison_years", "lnf_cost_usd"});
  const Finding f = OfType(ScorecardConditions(view, Thresholds()),
                           v1::EVENT_TYPE_LNF_SHARE_HIGH);
  EXPECT_TRUE(f.holds);
  ExpectPublicSafe(f.event, view);
  EXPECT_EQ(f.event.facts().at("lnf_share"), 4.0 / 13.0);
  EXPECT_EQ(f.event.facts().at("sentenced"), 13);
  EXPECT_EQ(f.event.facts().count("lnf_prison_years"), 0u);
  EXPECT_EQ(f.event.facts().count("lnf_cost_usd"), 0u);
  EXPECT_EQ(f.event.facts().at("lnf_prison_years.suppressed"), 1);
  EXPECT_EQ(f.event.facts().at("lnf_cost_usd.suppressed"), 1);
  // D1: not even the n of a withheld cell.
  EXPECT_EQ(f.event.facts().count("lnf_prison_years.n"), 0u);
  EXPECT_EQ(f.event.facts().count("lnf_cost_usd.n"), 0u);
}

TEST(LnfShareHigh, SuppressedInputsDoNotHoldPublicly) {
  const v1::Scorecard card = LnfCard(0.5, 20, 10);
  EXPECT_TRUE(OfType(ScorecardConditions(card, Thresholds()),
                     v1::EVENT_TYPE_LNF_SHARE_HIGH)
                  .holds);
  for (const auto& withheld :
       std::vector<std::set<std::string>>{{"lnf_share"}, {"sentenced"}}) {
    SCOPED_TRACE(::testing::PrintToString(withheld));
    const v1::Scorecard view = Public(card, withheld);
    const Finding f = OfType(ScorecardConditions(view, Thresholds()),
                             v1::EVENT_TYPE_LNF_SHARE_HIGH);
    EXPECT_FALSE(f.holds);
    ExpectPublicSafe(f.event, view);
  }
}

TEST(LnfShareHigh, Lifecycle) {
  ExpectLifecycle(Lnf(0.4, 20, 8, 1), Lnf(0.45, 20, 9, 2),
                  Lnf(0.2999, 20, 6, 3), Lnf(0.25, 20, 5, 4));
  ExpectLifecycle(RestrictedLnf(0.4, 20, 8, 1), RestrictedLnf(0.45, 20, 9, 2),
                  RestrictedLnf(0.2999, 20, 6, 3),
                  RestrictedLnf(0.25, 20, 5, 4));
}

// ================= LNF_MANDATORY_MINIMUM_HIGH =================

TEST(LnfMandatoryMinimumHigh, HoldsAtTheThresholdNotJustBelow) {
  for (bool restricted : {false, true}) {
    SCOPED_TRACE(restricted ? "restricted" : "public");
    auto holds = [&](double mm, int64_t lnf) {
      return (restricted ? RestrictedMm(mm, lnf, 40) : Mm(mm, lnf, 40)).holds;
    };
    EXPECT_TRUE(holds(0.5, 20));
    EXPECT_FALSE(holds(0.49, 20));
    EXPECT_FALSE(holds(0.4999, 20));
    // The share computed as scoring computes it (6 of 12, 5 of 11).
    EXPECT_TRUE(holds(6.0 / 12.0, 12));
    EXPECT_FALSE(holds(5.0 / 11.0, 11));
  }
}

TEST(LnfMandatoryMinimumHigh, NeedsElevenLnfSentencedNotElevenSentenced) {
  for (bool restricted : {false, true}) {
    SCOPED_TRACE(restricted ? "restricted" : "public");
    auto holds = [&](int64_t lnf, int64_t sentenced) {
      return (restricted ? RestrictedMm(0.9, lnf, sentenced)
                         : Mm(0.9, lnf, sentenced))
          .holds;
    };
    EXPECT_TRUE(holds(11, 40));
    EXPECT_FALSE(holds(10, 40));
    // 11 LNF of 11 sentenced is enough; 10 LNF is not, however many
    // were sentenced.
    EXPECT_TRUE(holds(11, 11));
    EXPECT_FALSE(holds(10, 100));
  }
  // A share without a value (undefined) holds nowhere, whatever the count.
  v1::Scorecard card = MmCard(0.9, 20, 40);
  for (auto& i : *card.mutable_indicators()) {
    if (i.name() == "lnf_mandatory_minimum_share") {
      i = Cell(i.name(), 0, 20, false);
    }
  }
  EXPECT_FALSE(MmOn(card, Thresholds()).holds);
  EXPECT_FALSE(MmOn(Public(card), Thresholds()).holds);
}

TEST(LnfMandatoryMinimumHigh, Event) {
  const Finding f = Mm(0.75, 16, 40);
  const OversightEvent& e = f.event;
  EXPECT_TRUE(f.holds);
  EXPECT_EQ(e.condition_key(), "LNF_MANDATORY_MINIMUM_HIGH/agency:DEA/FY2016");
  EXPECT_EQ(e.type(), v1::EVENT_TYPE_LNF_MANDATORY_MINIMUM_HIGH);
  EXPECT_EQ(e.severity(), v1::SEVERITY_WARNING);
  EXPECT_EQ(e.visibility(), v1::VISIBILITY_PUBLIC);
  EXPECT_EQ(e.unit(), "agency:DEA");
  EXPECT_EQ(e.period(), "FY2016");
  EXPECT_TRUE(e.subject_pid().empty());
  EXPECT_EQ(f.key, "agency:DEA");
  const std::map<std::string, double> want = {
      {"lnf_mandatory_minimum_share", 0.75},
      {"lnf_mandatory_minimum_share.n", 16},
      {"lnf_sentenced", 16},
      {"lnf_sentenced.n", 16},
      {"lnf_safety_valve_share", 0.25},
      {"lnf_safety_valve_share.n", 16},
      {"threshold", 0.5},
      {"min_lnf_sentenced", 11}};
  const std::map<std::string, double> got(e.facts().begin(), e.facts().end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(std::vector<std::string>(e.evidence_refs().begin(),
                                     e.evidence_refs().end()),
            (std::vector<std::string>{"scorecard:PSC-1"}));
}

TEST(LnfMandatoryMinimumHigh, TwoVisibilitiesTwoConditions) {
  const Finding pub = Mm(0.75, 16, 40);
  const Finding res = RestrictedMm(0.75, 16, 40);
  EXPECT_TRUE(pub.holds);
  EXPECT_TRUE(res.holds);
  EXPECT_EQ(res.event.condition_key(),
            "LNF_MANDATORY_MINIMUM_HIGH/agency:DEA/FY2016/restricted");
  EXPECT_EQ(res.event.visibility(), v1::VISIBILITY_RESTRICTED);
  EXPECT_NE(pub.event.condition_key(), res.event.condition_key());
  EXPECT_NE(PublishedKey(pub.key, pub.event), PublishedKey(res.key, res.event));
  EXPECT_NE(EventId(pub.event), EventId(res.event));
  // The restricted half cites the restricted card, the public the view.
  EXPECT_EQ(res.event.evidence_refs(0), "scorecard:SC-1");
  EXPECT_EQ(pub.event.evidence_refs(0), "scorecard:PSC-1");
  // Each half is judged on its own view: the public view lags (SPEC §5 D4).
  EXPECT_FALSE(Mm(0.3, 16, 40).holds);
  EXPECT_TRUE(RestrictedMm(0.6, 16, 40, 2).holds);
}

TEST(LnfMandatoryMinimumHigh, SuppressedInputsDoNotHoldPublicly) {
  const v1::Scorecard card = MmCard(0.9, 30, 60);
  EXPECT_TRUE(MmOn(card, Thresholds()).holds);
  ExpectNotJudgedWhenWithheld(
      card, v1::EVENT_TYPE_LNF_MANDATORY_MINIMUM_HIGH,
      {{"lnf_mandatory_minimum_share"},
       {"lnf_sentenced"},
       {"lnf_sentenced", "lnf_mandatory_minimum_share"}});
  // A withheld safety-valve share is shown as withheld, and does not stop
  // the condition (it is not one of its inputs).
  const v1::Scorecard view = Public(card, {"lnf_safety_valve_share"});
  const Finding f = MmOn(view, Thresholds());
  EXPECT_TRUE(f.holds);
  ExpectPublicSafe(f.event, view);
  EXPECT_EQ(f.event.facts().at("lnf_safety_valve_share.suppressed"), 1);
  EXPECT_EQ(f.event.facts().count("lnf_safety_valve_share"), 0u);
}

TEST(LnfMandatoryMinimumHigh, Lifecycle) {
  ExpectLifecycle(Mm(0.6, 20, 40, 1), Mm(0.65, 20, 40, 2), Mm(0.49, 20, 40, 3),
                  Mm(0.3, 20, 40, 4));
  ExpectLifecycle(RestrictedMm(0.6, 20, 40, 1), RestrictedMm(0.65, 20, 40, 2),
                  RestrictedMm(0.49, 20, 40, 3), RestrictedMm(0.3, 20, 40, 4));
  // Fewer than 11 LNF offenders also withdraws it, its resolution with the
  // facts as they are now.
  Publisher p;
  ASSERT_TRUE(p.Offer(Mm(0.6, 11, 40)).has_value());
  const std::optional<OversightEvent> resolved = p.Offer(Mm(0.6, 10, 40, 2));
  ASSERT_TRUE(resolved.has_value());
  EXPECT_TRUE(resolved->resolved());
  EXPECT_EQ(resolved->severity(), v1::SEVERITY_INFO);
  EXPECT_EQ(resolved->facts().at("lnf_sentenced"), 10);
  // So does a public view that withholds it.
  Publisher q;
  ASSERT_TRUE(q.Offer(Mm(0.6, 20, 40)).has_value());
  const std::optional<OversightEvent> withheld = q.Offer(
      MmOn(Public(MmCard(0.6, 20, 40, 2), {"lnf_sentenced"}), Thresholds()));
  ASSERT_TRUE(withheld.has_value());
  EXPECT_TRUE(withheld->resolved());
  EXPECT_EQ(withheld->facts().count("lnf_sentenced"), 0u);
  EXPECT_EQ(withheld->facts().at("lnf_sentenced.suppressed"), 1);
}

TEST(LnfMandatoryMinimumHigh, DeterministicEventId) {
  // The same facts, built twice: the same id, and Reconcile's.
  const Finding a = Mm(0.6, 20, 40);
  const Finding b = Mm(0.6, 20, 40);
  EXPECT_EQ(EventId(a.event), EventId(b.event));
  EXPECT_TRUE(IsEventId(EventId(a.event)));
  const std::optional<OversightEvent> e = Reconcile(a, std::nullopt);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->event_id(), EventId(b.event));
  // Another revision of the card (another scorecard id): another event.
  EXPECT_NE(EventId(a.event), EventId(Mm(0.6, 20, 40, 2).event));
}

// ================= The pairs =================

// A card on which every pair rule holds.
v1::Scorecard EveryPairHolds(double value = 0.6) {
  return Card({Cell("sentenced", 20, 20), Cell("fruition_gap", value, 20),
               Cell("lnf_share", value, 20), Cell("lnf_sentenced", 12, 12),
               Cell("lnf_mandatory_minimum_share", value, 12)});
}

TEST(PairRules, EveryPairRuleHasBothHalvesOnItsOwnView) {
  ASSERT_FALSE(PairRules().empty());
  const v1::Scorecard card = EveryPairHolds();
  const std::vector<Finding> restricted =
      ScorecardConditions(card, Thresholds());
  const std::vector<Finding> pub =
      ScorecardConditions(Public(card), Thresholds());
  for (const PairRule& rule : PairRules()) {
    SCOPED_TRACE(v1::EventType_Name(rule.type));
    const std::string name =
        v1::EventType_Name(rule.type).substr(sizeof("EVENT_TYPE_") - 1);
    const Finding r = OfType(restricted, rule.type);
    const Finding p = OfType(pub, rule.type);
    EXPECT_EQ(r.event.condition_key(),
              StrCat(name, "/agency:DEA/FY2016/restricted"));
    EXPECT_EQ(r.event.visibility(), v1::VISIBILITY_RESTRICTED);
    EXPECT_EQ(p.event.condition_key(), StrCat(name, "/agency:DEA/FY2016"));
    EXPECT_EQ(p.event.visibility(), v1::VISIBILITY_PUBLIC);
    EXPECT_TRUE(r.holds);
    EXPECT_TRUE(p.holds);
    EXPECT_EQ(r.key, p.key);
    EXPECT_EQ(p.event.facts().at("threshold"),
              Thresholds().Get(rule.threshold));
  }
  // One of each per view, nothing else on the restricted card.
  EXPECT_EQ(restricted.size(), PairRules().size());
}

TEST(PairRules, AWithheldInputIsNotJudgedWhateverTheCellStillHolds) {
  // `suppressed` decides, even on a cell that kept its figures: the public
  // half does not hold, and shows the cell as withheld only.
  for (const PairRule& rule : PairRules()) {
    ASSERT_TRUE(
        OfType(ScorecardConditions(Public(EveryPairHolds(0.9)), Thresholds()),
               rule.type)
            .holds);
    for (const std::string& withheld :
         {std::string(rule.indicator), std::string(rule.count)}) {
      SCOPED_TRACE(StrCat(v1::EventType_Name(rule.type), " ", withheld));
      v1::Scorecard view = Public(EveryPairHolds(0.9));
      for (auto& i : *view.mutable_indicators()) {
        if (i.name() == withheld) i.set_suppressed(true);
      }
      const Finding f =
          OfType(ScorecardConditions(view, Thresholds()), rule.type);
      EXPECT_FALSE(f.holds);
      EXPECT_EQ(f.event.facts().at(withheld + ".suppressed"), 1);
      EXPECT_EQ(f.event.facts().count(withheld), 0u);
      EXPECT_EQ(f.event.facts().count(withheld + ".n"), 0u);
    }
  }
}

// ================= DECLINED_THEN_CHARGED_ELSEWHERE =================

TEST(DeclinedThenChargedElsewhere, NothingWithoutDeclinationsOrCharges) {
  Subject s;
  s.Report(ArrestReport("DEA", "R-A1", "CASE-1", "A1", "", Utc(2016, 1, 1)));
  EXPECT_FALSE(s.Dtce().has_value());
}

TEST(DeclinedThenChargedElsewhere, HoldsForAnotherDistrictOnly) {
  Subject same;
  same.Report(DeclinationReport("D-1", "EDPA", Utc(2016, 1, 1)));
  ASSERT_TRUE(same.Dtce().has_value());
  EXPECT_FALSE(same.Dtce()->holds);  // declined only
  same.Report(ChargeReport("C-1", "EDPA", Utc(2016, 2, 1)));
  EXPECT_FALSE(same.Dtce()->holds);  // charged in the same district

  Subject other;
  other.Report(DeclinationReport("D-1", "EDPA", Utc(2016, 1, 1)));
  other.Report(ChargeReport("C-1", "SDNY", Utc(2016, 2, 1)));
  ASSERT_TRUE(other.Dtce().has_value());
  EXPECT_TRUE(other.Dtce()->holds);
}

TEST(DeclinedThenChargedElsewhere, Event) {
  Subject s;
  s.Report(DeclinationReport("D-1", "EDPA", Utc(2015, 8, 1)));
  s.Report(ChargeReport("C-1", "EDPA", Utc(2015, 9, 1)));
  s.Report(ChargeReport("C-2", "SDNY", Utc(2016, 5, 1)));
  s.Report(ChargeReport("C-3", "DNJ", Utc(2015, 12, 1)));  // earliest elsewhere
  const std::optional<Finding> f = s.Dtce();
  ASSERT_TRUE(f.has_value());
  const OversightEvent& e = f->event;
  EXPECT_TRUE(f->holds);
  EXPECT_EQ(e.condition_key(), "DECLINED_THEN_CHARGED_ELSEWHERE/subject/PID-1");
  EXPECT_EQ(e.type(), v1::EVENT_TYPE_DECLINED_THEN_CHARGED_ELSEWHERE);
  EXPECT_EQ(e.visibility(), v1::VISIBILITY_RESTRICTED);
  EXPECT_EQ(f->key, kPid);
  EXPECT_EQ(e.subject_pid(), kPid);
  EXPECT_EQ(e.unit(), "district:DNJ");
  EXPECT_EQ(e.period(), "FY2016");
  EXPECT_EQ(e.facts().at("declinations"), 1);
  EXPECT_EQ(e.facts().at("charges"), 3);
  EXPECT_EQ(e.facts().at("districts_declined"), 1);
  EXPECT_EQ(e.facts().at("districts_charged"), 3);

  // The same facts in another order: the same event.
  Subject r;
  r.Report(ChargeReport("C-3", "DNJ", Utc(2015, 12, 1)));
  r.Report(ChargeReport("C-2", "SDNY", Utc(2016, 5, 1)));
  r.Report(DeclinationReport("D-1", "EDPA", Utc(2015, 8, 1)));
  r.Report(ChargeReport("C-1", "EDPA", Utc(2015, 9, 1)));
  ASSERT_TRUE(r.Dtce().has_value());
  EXPECT_EQ(EventId(r.Dtce()->event), EventId(e));
}

TEST(DeclinedThenChargedElsewhere, Lifecycle) {
  Subject on;
  on.Report(DeclinationReport("D-1", "EDPA", Utc(2016, 1, 1)));
  on.Report(ChargeReport("C-1", "SDNY", Utc(2016, 2, 1)));
  Subject on_changed = on;
  on_changed.Report(ChargeReport("C-2", "DNJ", Utc(2016, 3, 1)));
  Subject off;
  off.Report(DeclinationReport("D-1", "EDPA", Utc(2016, 1, 1)));
  off.Report(ChargeReport("C-1", "EDPA", Utc(2016, 2, 1)));
  Subject off_changed = off;
  off_changed.Report(ChargeReport("C-2", "EDPA", Utc(2016, 3, 1)));
  ASSERT_TRUE(on.Dtce() && on_changed.Dtce() && off.Dtce() &&
              off_changed.Dtce());
  ExpectLifecycle(*on.Dtce(), *on_changed.Dtce(), *off.Dtce(),
                  *off_changed.Dtce());
}

// ================= REPORT_CONFLICT =================

const std::string kBodyA(64, 'a');
const std::string kBodyB(64, 'b');
const std::string kBodyC(64, 'c');

Finding Conflict(const std::vector<std::string>& bodies) {
  return ReportConflict("DEA", "R-1", bodies, kPid, "record-key");
}

TEST(ReportConflict, HoldsFromTwoBodies) {
  EXPECT_FALSE(Conflict({kBodyA}).holds);
  EXPECT_TRUE(Conflict({kBodyA, kBodyB}).holds);
  EXPECT_TRUE(Conflict({kBodyA, kBodyB, kBodyC}).holds);
}

TEST(ReportConflict, Event) {
  const Finding f = Conflict({kBodyA, kBodyB});
  const OversightEvent& e = f.event;
  EXPECT_EQ(e.condition_key(), "REPORT_CONFLICT/report/DEA/R-1");
  EXPECT_EQ(e.type(), v1::EVENT_TYPE_REPORT_CONFLICT);
  EXPECT_EQ(e.visibility(), v1::VISIBILITY_RESTRICTED);
  EXPECT_EQ(f.key, "record-key");
  EXPECT_EQ(e.subject_pid(), kPid);
  EXPECT_EQ(e.facts().at("bodies"), 2);
  EXPECT_EQ(std::vector<std::string>(e.evidence_refs().begin(),
                                     e.evidence_refs().end()),
            (std::vector<std::string>{
                "report:DEA/R-1", "counted-body-sha256:aaaaaaaaaaaaaaaa",
                "conflicting-body-sha256:bbbbbbbbbbbbbbbb"}));
}

TEST(ReportConflict, Lifecycle) {
  ExpectLifecycle(Conflict({kBodyA, kBodyB}),
                  Conflict({kBodyA, kBodyB, kBodyC}), Conflict({kBodyA}),
                  Conflict({kBodyC}));
}

// ================= SCORECARD_PUBLISHED =================

TEST(ScorecardPublished, OnePublicAndOneRestrictedEventThatAlwaysHold) {
  const std::vector<Finding> fs = BothPublished(GapCard(0, 0));
  ASSERT_EQ(fs.size(), 2u);
  std::set<v1::Visibility> seen;
  for (const Finding& f : fs) {
    seen.insert(f.event.visibility());
    EXPECT_TRUE(f.holds);
    EXPECT_EQ(f.key, "agency:DEA");
    EXPECT_EQ(f.event.type(), v1::EVENT_TYPE_SCORECARD_PUBLISHED);
    EXPECT_EQ(f.event.severity(), v1::SEVERITY_INFO);
    EXPECT_EQ(f.event.condition_key(), "SCORECARD_PUBLISHED/agency:DEA/FY2016");
    EXPECT_EQ(f.event.unit(), "agency:DEA");
    EXPECT_EQ(f.event.period(), "FY2016");
    EXPECT_EQ(f.event.criteria_version(), kCriteria);
    EXPECT_EQ(f.event.score_version(), "v1");
    EXPECT_TRUE(f.event.subject_pid().empty());
  }
  // The public view gives the PUBLIC event, the restricted card the
  // RESTRICTED one, each citing its own card.
  EXPECT_EQ(fs[0].event.visibility(), v1::VISIBILITY_PUBLIC);
  EXPECT_EQ(fs[0].event.evidence_refs(0), "scorecard:PSC-1");
  EXPECT_EQ(fs[1].event.visibility(), v1::VISIBILITY_RESTRICTED);
  EXPECT_EQ(fs[1].event.evidence_refs(0), "scorecard:SC-1");
  EXPECT_EQ(seen, (std::set<v1::Visibility>{v1::VISIBILITY_PUBLIC,
                                            v1::VISIBILITY_RESTRICTED}));
  // Kept apart: each visibility has its own latest event.
  EXPECT_NE(PublishedKey(fs[0].key, fs[0].event),
            PublishedKey(fs[1].key, fs[1].event));
}

TEST(ScorecardPublished, PublicShowsThePublicViewRestrictedShowsAll) {
  const v1::Scorecard card =
      Card({Cell("arrests", 11, 11), Cell("sentenced", 10, 10),
            Cell("lnf_share", 0.3, 10),
            Cell("declined_then_charged_elsewhere", 0, 0),
            Cell("link_substantiation_rate", 0, 0, false)});
  // The public view withholds the cells of 10 (as D1 would).
  const v1::Scorecard view = Public(card, {"sentenced", "lnf_share"});
  const std::vector<Finding> fs =
      BothPublished(card, {"sentenced", "lnf_share"});
  ASSERT_EQ(fs.size(), 2u);
  for (const Finding& f : fs) {
    const auto& facts = f.event.facts();
    if (f.event.visibility() == v1::VISIBILITY_PUBLIC) {
      ExpectPublicSafe(f.event, view);
      EXPECT_EQ(facts.at("arrests"), 11);  // shown by the view
      EXPECT_EQ(facts.count("sentenced"), 0u);
      EXPECT_EQ(facts.at("sentenced.suppressed"), 1);
      EXPECT_EQ(facts.count("sentenced.n"), 0u);  // D1: no n either
      EXPECT_EQ(facts.count("lnf_share"), 0u);
      EXPECT_EQ(facts.at("lnf_share.suppressed"), 1);
      EXPECT_EQ(facts.count("lnf_share.n"), 0u);
      // n = 0: nothing to hide.
      EXPECT_EQ(facts.at("declined_then_charged_elsewhere"), 0);
      EXPECT_EQ(facts.count("declined_then_charged_elsewhere.suppressed"), 0u);
    } else {
      EXPECT_EQ(facts.at("arrests"), 11);
      EXPECT_EQ(facts.at("sentenced"), 10);
      EXPECT_EQ(facts.at("lnf_share"), 0.3);
      EXPECT_EQ(facts.at("declined_then_charged_elsewhere"), 0);
      for (const auto& [name, value] : facts) {
        EXPECT_EQ(name.find(".suppressed"), std::string::npos) << name;
      }
      EXPECT_EQ(facts.at("sentenced.n"), 10);
    }
    // Undefined: no value, its n only.
    EXPECT_EQ(facts.count("link_substantiation_rate"), 0u);
    EXPECT_EQ(facts.at("link_substantiation_rate.n"), 0);
  }
}

TEST(ScorecardPublished, PublicFactsAreExactlyWhatTheViewShows) {
  // Cells of 10 the view shows (it is the view's call, not the
  // reconciler's), a cell of 40 it withholds.
  const v1::Scorecard view =
      Public(Card({Cell("arrests", 40, 40), Cell("sentenced", 10, 10),
                   Cell("lnf_share", 0.3, 10)}),
             {"arrests"});
  const Finding f = ScorecardPublished(view);
  std::map<std::string, double> facts(f.event.facts().begin(),
                                      f.event.facts().end());
  EXPECT_EQ(facts, (std::map<std::string, double>{{"arrests.suppressed", 1},
                                                  {"sentenced", 10},
                                                  {"sentenced.n", 10},
                                                  {"lnf_share", 0.3},
                                                  {"lnf_share.n", 10}}));
}

TEST(ScorecardPublished, Lifecycle) {
  for (int vis = 0; vis < 2; ++vis) {
    SCOPED_TRACE(vis);
    Publisher p;
    const Finding first = BothPublished(GapCard(0.3, 20, 1))[vis];
    const std::optional<OversightEvent> e = p.Offer(first);
    ASSERT_TRUE(e.has_value());
    ExpectEventOf(first, *e, false);
    EXPECT_FALSE(p.Offer(first).has_value());
    EXPECT_FALSE(p.Offer(BothPublished(GapCard(0.3, 20, 1))[vis]).has_value());
    const std::optional<OversightEvent> changed =
        p.Offer(BothPublished(GapCard(0.3, 21, 2))[vis]);
    ASSERT_TRUE(changed.has_value());
    EXPECT_FALSE(changed->resolved());
    EXPECT_NE(changed->event_id(), e->event_id());
  }
}

// ================= Across rules =================

// Every PUBLIC finding of a public view whose every cell is withheld: no
// value and no n of any of them (SPEC §5 D1), and nothing holds.
TEST(Rules, PublicEventsNeverCarryAWithheldCell) {
  const v1::Scorecard card =
      Card({Cell("arrests", 40, 40), Cell("sentenced", 20, 20),
            Cell("claimed_priority_share", 0.6, 20),
            Cell("high_desert_share", 0.1, 20), Cell("fruition_gap", 0.5, 20),
            Cell("lnf_share", 0.5, 20), Cell("lnf_prison_years", 50, 10),
            Cell("lnf_cost_usd", 50 * 36299, 10), Cell("lnf_sentenced", 12, 12),
            Cell("lnf_mandatory_minimum_share", 0.75, 12),
            Cell("lnf_safety_valve_share", 0.25, 12),
            Cell("target_ratio:PERFORMANCE_MEASURE_ARRESTS", 2.0, 40)});
  std::set<std::string> all;
  for (const auto& i : card.indicators()) all.insert(i.name());
  const v1::Scorecard view = Public(card, all);
  std::vector<Finding> fs = ScorecardConditions(view, Thresholds());
  fs.push_back(ScorecardPublished(view));
  ASSERT_EQ(fs.size(), 5u);
  for (const Finding& f : fs) {
    SCOPED_TRACE(f.event.condition_key());
    EXPECT_EQ(f.event.visibility(), v1::VISIBILITY_PUBLIC);
    ExpectPublicSafe(f.event, view);
    if (f.event.type() != v1::EVENT_TYPE_SCORECARD_PUBLISHED) {
      EXPECT_FALSE(f.holds);
    }
    for (const auto& [name, value] : f.event.facts()) {
      if (name == "threshold" || name == "min_sentenced" ||
          name == "min_lnf_sentenced") {
        continue;
      }
      EXPECT_NE(name.find(".suppressed"), std::string::npos) << name;
    }
  }
}

// One finding of every type (the first holding, where it can hold).
std::vector<Finding> OneOfEach() {
  std::vector<Finding> out;
  out.push_back(
      LinkUnsubstantiated(Assessment("DEA", "CL-00042", "ORG-1", v1::TIER_CPOT,
                                     v1::ASSESSMENT_RESULT_UNSUBSTANTIATED)));
  out.push_back(Only(OneCase(v1::TIER_CPOT, LnfRecord()).Tier()));
  out.push_back(PendingDismantled(
      OutcomeReport("R-1", v1::ORG_OUTCOME_DISMANTLED, true)));
  out.push_back(Target(1.5, 30));
  out.push_back(Gap(0.3, 20));
  out.push_back(RestrictedGap(0.3, 20));
  out.push_back(Lnf(0.4, 20, 8));
  out.push_back(RestrictedLnf(0.4, 20, 8));
  out.push_back(Mm(0.5, 12, 30));
  out.push_back(RestrictedMm(0.5, 12, 30));
  Subject s;
  s.Report(DeclinationReport("D-1", "EDPA", Utc(2016, 1, 1)));
  s.Report(ChargeReport("C-1", "SDNY", Utc(2016, 2, 1)));
  out.push_back(*s.Dtce());
  out.push_back(Conflict({kBodyA, kBodyB}));
  for (const Finding& f : BothPublished(GapCard(0.3, 20))) out.push_back(f);
  return out;
}

TEST(Rules, VisibilityAsSpecSection6) {
  std::map<v1::EventType, std::set<v1::Visibility>> got;
  for (const Finding& f : OneOfEach()) {
    EXPECT_TRUE(f.holds) << f.event.condition_key();
    got[f.event.type()].insert(f.event.visibility());
  }
  const auto R = v1::VISIBILITY_RESTRICTED;
  const auto P = v1::VISIBILITY_PUBLIC;
  EXPECT_EQ(got, (std::map<v1::EventType, std::set<v1::Visibility>>{
                     {v1::EVENT_TYPE_LINK_UNSUBSTANTIATED, {R}},
                     {v1::EVENT_TYPE_TIER_MISMATCH, {R}},
                     {v1::EVENT_TYPE_PENDING_COUNTED_AS_DISMANTLED, {P}},
                     {v1::EVENT_TYPE_TARGET_OVERSHOOT, {P}},
                     {v1::EVENT_TYPE_FRUITION_GAP, {P, R}},
                     {v1::EVENT_TYPE_LNF_SHARE_HIGH, {P, R}},
                     {v1::EVENT_TYPE_LNF_MANDATORY_MINIMUM_HIGH, {P, R}},
                     {v1::EVENT_TYPE_DECLINED_THEN_CHARGED_ELSEWHERE, {R}},
                     {v1::EVENT_TYPE_REPORT_CONFLICT, {R}},
                     {v1::EVENT_TYPE_SCORECARD_PUBLISHED, {P, R}}}));
}

TEST(Rules, PublicEventsNeverCarryASubject) {
  for (const Finding& f : OneOfEach()) {
    if (f.event.visibility() != v1::VISIBILITY_PUBLIC) {
      EXPECT_EQ(f.event.visibility(), v1::VISIBILITY_RESTRICTED);
      continue;
    }
    EXPECT_TRUE(f.event.subject_pid().empty()) << f.event.condition_key();
    const std::optional<OversightEvent> e = Reconcile(f, std::nullopt);
    ASSERT_TRUE(e.has_value());
    EXPECT_TRUE(e->subject_pid().empty());
  }
}

TEST(Rules, EvidenceRefsAreIdsOnly) {
  for (const Finding& f : OneOfEach()) {
    for (const auto& ref : f.event.evidence_refs()) {
      EXPECT_EQ(ref.find(' '), std::string::npos) << ref;
      EXPECT_LT(ref.size(), 80u) << ref;
    }
  }
}

TEST(Rules, ConditionKeysAsDocumented) {
  std::set<std::string> keys;
  for (const Finding& f : OneOfEach()) keys.insert(f.event.condition_key());
  EXPECT_EQ(
      keys,
      (std::set<std::string>{
          "LINK_UNSUBSTANTIATED/claim/CL-00042",
          "TIER_MISMATCH/subject/PID-1/case/CASE-1",
          "PENDING_COUNTED_AS_DISMANTLED/report/DEA/R-1",
          "TARGET_OVERSHOOT/agency:DEA/FY2016/PERFORMANCE_MEASURE_ARRESTS",
          "FRUITION_GAP/agency:DEA/FY2016",
          "FRUITION_GAP/agency:DEA/FY2016/restricted",
          "LNF_SHARE_HIGH/agency:DEA/FY2016",
          "LNF_SHARE_HIGH/agency:DEA/FY2016/restricted",
          "LNF_MANDATORY_MINIMUM_HIGH/agency:DEA/FY2016",
          "LNF_MANDATORY_MINIMUM_HIGH/agency:DEA/FY2016/restricted",
          "DECLINED_THEN_CHARGED_ELSEWHERE/subject/PID-1",
          "REPORT_CONFLICT/report/DEA/R-1",
          "SCORECARD_PUBLISHED/agency:DEA/FY2016",
      }));
  // Other unit-periods, other keys.
  const v1::Scorecard card =
      Card({Cell("sentenced", 20, 20), Cell("fruition_gap", 0.3, 20)}, 1,
           "district:EDPA", "FY2017Q2");
  EXPECT_EQ(
      OfType(ScorecardConditions(Public(card), {}), v1::EVENT_TYPE_FRUITION_GAP)
          .event.condition_key(),
      "FRUITION_GAP/district:EDPA/FY2017Q2");
  EXPECT_EQ(OfType(ScorecardConditions(card, {}), v1::EVENT_TYPE_FRUITION_GAP)
                .event.condition_key(),
            "FRUITION_GAP/district:EDPA/FY2017Q2/restricted");
}

TEST(Rules, NonDefaultThresholds) {
  Thresholds t;
  t.Set(domain::kFruitionGapThreshold, 0.10);
  t.Set(domain::kLnfShareThreshold, 0.50);
  t.Set(domain::kMinSentenced, 5);
  t.Set(domain::kTargetRatioThreshold, 2.0);
  EXPECT_TRUE(Gap(0.10, 5, 1, t).holds);
  EXPECT_FALSE(Gap(0.0999, 5, 1, t).holds);
  EXPECT_FALSE(Gap(0.5, 4, 1, t).holds);
  EXPECT_EQ(Gap(0.10, 5, 1, t).event.facts().at("threshold"), 0.10);
  EXPECT_EQ(Gap(0.10, 5, 1, t).event.facts().at("min_sentenced"), 5);
  EXPECT_TRUE(Lnf(0.50, 6, 3, 1, t).holds);
  EXPECT_FALSE(Lnf(0.4999, 6, 3, 1, t).holds);
  EXPECT_TRUE(Lnf(0.40, 20, 8).holds);  // holds by default
  EXPECT_FALSE(Lnf(0.40, 20, 8, 1, t).holds);
  EXPECT_FALSE(Lnf(0.9, 4, 3, 1, t).holds);
  EXPECT_TRUE(Target(2.0, 10, 1, t).holds);
  EXPECT_FALSE(Target(1.9999, 10, 1, t).holds);
  EXPECT_FALSE(Target(1.5, 30, 1, t).holds);  // holds by default
  EXPECT_EQ(Target(2.0, 10, 1, t).event.facts().at("threshold"), 2.0);
  // The restricted halves follow the same thresholds.
  EXPECT_TRUE(RestrictedGap(0.10, 5, 1, t).holds);
  EXPECT_FALSE(RestrictedGap(0.0999, 5, 1, t).holds);
  EXPECT_FALSE(RestrictedGap(0.5, 4, 1, t).holds);
  EXPECT_EQ(RestrictedGap(0.10, 5, 1, t).event.facts().at("min_sentenced"), 5);
  EXPECT_TRUE(RestrictedLnf(0.50, 6, 3, 1, t).holds);
  EXPECT_FALSE(RestrictedLnf(0.4999, 6, 3, 1, t).holds);
  EXPECT_FALSE(RestrictedLnf(0.40, 20, 8, 1, t).holds);
  EXPECT_EQ(RestrictedLnf(0.50, 6, 3, 1, t).event.facts().at("threshold"),
            0.50);
}

TEST(Rules, NonDefaultMandatoryMinimumThresholds) {
  Thresholds t;
  t.Set(domain::kLnfMandatoryMinimumThreshold, 0.8);
  t.Set(domain::kMinLnfSentenced, 20);
  // Each threshold is its own: min-sentenced does not apply.
  t.Set(domain::kMinSentenced, 1000);
  for (bool restricted : {false, true}) {
    SCOPED_TRACE(restricted ? "restricted" : "public");
    auto judge = [&](double mm, int64_t lnf, const Thresholds& th) {
      return restricted ? RestrictedMm(mm, lnf, 40, 1, th)
                        : Mm(mm, lnf, 40, 1, th);
    };
    EXPECT_TRUE(judge(0.8, 20, t).holds);
    EXPECT_FALSE(judge(0.7999, 20, t).holds);
    EXPECT_FALSE(judge(0.9, 19, t).holds);
    EXPECT_TRUE(judge(0.6, 12, Thresholds()).holds);  // holds by default
    EXPECT_FALSE(judge(0.6, 12, t).holds);
    EXPECT_EQ(judge(0.8, 20, t).event.facts().at("threshold"), 0.8);
    EXPECT_EQ(judge(0.8, 20, t).event.facts().at("min_lnf_sentenced"), 20);
    EXPECT_EQ(judge(0.8, 20, t).event.facts().count("min_sentenced"), 0u);
  }
}

// ================= event_id =================

TEST(EventId, Deterministic) {
  for (const Finding& f : OneOfEach()) {
    const std::string id = EventId(f.event);
    EXPECT_TRUE(IsEventId(id)) << id;
    EXPECT_EQ(EventId(f.event), id);
    // Built again from the same facts: the same id.
    OversightEvent copy;
    copy.ParseFromString(f.event.SerializeAsString());
    EXPECT_EQ(EventId(copy), id);
    // event_id and emitted_at do not enter it.
    copy.set_event_id("something");
    copy.mutable_emitted_at()->set_seconds(1700000000);
    copy.mutable_emitted_at()->set_nanos(5);
    EXPECT_EQ(EventId(copy), id);
    // Reconcile's id is that of the emitted event.
    const std::optional<OversightEvent> e = Reconcile(f, std::nullopt);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->event_id(), EventId(*e));
    EXPECT_EQ(e->event_id(), id);  // e differs from f.event only in its id
  }
}

TEST(EventId, FactsInAnyInsertionOrder) {
  OversightEvent a;
  (*a.mutable_facts())["x"] = 1;
  (*a.mutable_facts())["y"] = 2;
  (*a.mutable_facts())["z"] = 3;
  OversightEvent b;
  (*b.mutable_facts())["z"] = 3;
  (*b.mutable_facts())["x"] = 1;
  (*b.mutable_facts())["y"] = 2;
  EXPECT_EQ(EventId(a), EventId(b));
}

TEST(EventId, AnyChangeChangesIt) {
  const OversightEvent base = Gap(0.3, 20).event;
  const std::string id = EventId(base);
  std::vector<std::pair<std::string, OversightEvent>> variants;
  auto add = [&](const std::string& what, auto change) {
    OversightEvent e = base;
    change(&e);
    variants.emplace_back(what, e);
  };
  add("condition_key", [](OversightEvent* e) { e->set_condition_key("X"); });
  add("type",
      [](OversightEvent* e) { e->set_type(v1::EVENT_TYPE_LNF_SHARE_HIGH); });
  add("severity",
      [](OversightEvent* e) { e->set_severity(v1::SEVERITY_CRITICAL); });
  add("visibility",
      [](OversightEvent* e) { e->set_visibility(v1::VISIBILITY_RESTRICTED); });
  add("unit", [](OversightEvent* e) { e->set_unit("agency:FBI"); });
  add("period", [](OversightEvent* e) { e->set_period("FY2017"); });
  add("subject_pid", [](OversightEvent* e) { e->set_subject_pid("PID-2"); });
  add("org_id", [](OversightEvent* e) { e->set_org_id("ORG-2"); });
  add("criteria_version",
      [](OversightEvent* e) { e->set_criteria_version("2025.1"); });
  add("score_version", [](OversightEvent* e) { e->set_score_version("v2"); });
  add("fact value", [](OversightEvent* e) {
    (*e->mutable_facts())["fruition_gap"] = 0.30000001;
  });
  add("fact added",
      [](OversightEvent* e) { (*e->mutable_facts())["other"] = 0; });
  add("fact removed",
      [](OversightEvent* e) { e->mutable_facts()->erase("sentenced"); });
  add("evidence ref",
      [](OversightEvent* e) { e->add_evidence_refs("scorecard:SC-2"); });
  add("resolved", [](OversightEvent* e) { e->set_resolved(true); });
  std::set<std::string> ids = {id};
  for (const auto& [what, e] : variants) {
    const std::string other = EventId(e);
    EXPECT_TRUE(IsEventId(other)) << what;
    EXPECT_NE(other, id) << what;
    ids.insert(other);
  }
  EXPECT_EQ(ids.size(), variants.size() + 1) << "ids collide";
}

TEST(EventId, FactChangesInTheRulesChangeIt) {
  // Each rule: a different fact, a different id.
  EXPECT_NE(EventId(Gap(0.3, 20, 1).event), EventId(Gap(0.31, 20, 1).event));
  EXPECT_NE(EventId(Gap(0.3, 20, 1).event), EventId(Gap(0.3, 20, 2).event));
  EXPECT_NE(EventId(Lnf(0.4, 20, 8).event), EventId(Lnf(0.4, 21, 8).event));
  EXPECT_NE(EventId(Mm(0.5, 12, 30).event), EventId(Mm(0.5, 13, 30).event));
  EXPECT_NE(EventId(Mm(0.5, 12, 30).event), EventId(Mm(0.55, 12, 30).event));
  EXPECT_NE(EventId(Target(1.5, 30).event), EventId(Target(1.5, 31).event));
  EXPECT_NE(EventId(Conflict({kBodyA, kBodyB}).event),
            EventId(Conflict({kBodyA, kBodyC}).event));
  EXPECT_NE(EventId(Only(OneCase(v1::TIER_CPOT, LnfRecord(60)).Tier()).event),
            EventId(Only(OneCase(v1::TIER_CPOT, LnfRecord(61)).Tier()).event));
  EXPECT_NE(
      EventId(LinkUnsubstantiated(
                  Assessment("DEA", "CL-1", "ORG-1", v1::TIER_CPOT,
                             v1::ASSESSMENT_RESULT_UNSUBSTANTIATED, "AS-1"))
                  .event),
      EventId(LinkUnsubstantiated(
                  Assessment("DEA", "CL-1", "ORG-1", v1::TIER_CPOT,
                             v1::ASSESSMENT_RESULT_UNSUBSTANTIATED, "AS-2"))
                  .event));
}

// ================= Reconcile =================

TEST(Reconcile, ResolutionOnlyAfterAHoldingEvent) {
  const Finding on = Gap(0.3, 20);
  const Finding off = Gap(0.1, 20);
  // Nothing published: nothing to withdraw.
  EXPECT_FALSE(Reconcile(off, std::nullopt).has_value());
  // The latest was already a resolution: nothing more.
  EXPECT_FALSE(Reconcile(off, Published{"0123", true}).has_value());
  // The latest held (whatever its id): withdraw it.
  const std::optional<OversightEvent> r =
      Reconcile(off, Published{"0123", false});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->resolved());
  EXPECT_EQ(r->severity(), v1::SEVERITY_INFO);
  EXPECT_FALSE(r->has_emitted_at());  // the caller's
  // Holding, the latest a different event: emit.
  const std::optional<OversightEvent> e =
      Reconcile(on, Published{"0123", false});
  ASSERT_TRUE(e.has_value());
  EXPECT_FALSE(e->resolved());
  EXPECT_EQ(e->severity(), v1::SEVERITY_WARNING);
  // Holding, the latest this very event: nothing.
  EXPECT_FALSE(Reconcile(on, Published{e->event_id(), false}).has_value());
  // Holding, the latest this event's resolution: emit.
  EXPECT_TRUE(Reconcile(on, Published{e->event_id(), true}).has_value());
}

}  // namespace
}  // namespace fruition::reconciler
