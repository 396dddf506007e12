#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "services/domain/budget.h"
#include "services/domain/events.h"
#include "services/domain/orgs.h"
#include "services/domain/periods.h"
#include "services/domain/subject_facts.h"

namespace fruition::domain {
namespace {

using v1::OversightEvent;

OversightEvent Skeleton(v1::EventType type, v1::Severity severity,
                        v1::Visibility visibility, const std::string& scope) {
  OversightEvent e;
  e.set_type(type);
  e.set_severity(severity);
  e.set_visibility(visibility);
  e.set_condition_key(absl::StrCat(EventName(type), "/", scope));
  return e;
}

const v1::Indicator* Find(const v1::Scorecard& card, const std::string& name) {
  for (const auto& i : card.indicators()) {
    if (i.name() == name) return &i;
  }
  return nullptr;
}

// Adds indicator `name` of `card` as the card shows it: fact `name` (its
// value, when defined) and `name`.n; a suppressed cell (public view) as
// `name`.suppressed = 1 only (SPEC §5 D1: no value, no n).
void AddCell(const v1::Scorecard& card, std::string_view name,
             OversightEvent* e) {
  const v1::Indicator* i = Find(card, std::string(name));
  if (i == nullptr) return;
  auto& facts = *e->mutable_facts();
  const std::string key(name);
  if (i->suppressed()) {
    facts[key + ".suppressed"] = 1;
    return;
  }
  if (i->defined()) facts[key] = i->value();
  facts[key + ".n"] = static_cast<double>(i->n());
}

// The cell, unless it is missing or withheld.
const v1::Indicator* Shown(const v1::Scorecard& card, const std::string& name) {
  const v1::Indicator* i = Find(card, name);
  return i == nullptr || i->suppressed() ? nullptr : i;
}

bool Defined(const v1::Indicator* i) { return i != nullptr && i->defined(); }

std::string FiscalYearOf(const google::protobuf::Timestamp& t) {
  return FiscalYear(t.seconds());
}

}  // namespace

Finding LinkUnsubstantiated(const v1::LinkAssessment& a) {
  Finding f;
  f.holds = a.result() == v1::ASSESSMENT_RESULT_UNSUBSTANTIATED;
  f.key = a.subject_pid();
  OversightEvent& e = f.event;
  e = Skeleton(v1::EVENT_TYPE_LINK_UNSUBSTANTIATED, v1::SEVERITY_WARNING,
               v1::VISIBILITY_RESTRICTED, absl::StrCat("claim/", a.claim_id()));
  e.set_unit(absl::StrCat("agency:", a.reporter()));
  if (a.has_claim_occurred_at()) {
    e.set_period(FiscalYearOf(a.claim_occurred_at()));
  }
  e.set_subject_pid(a.subject_pid());
  e.set_org_id(a.org_id());
  e.set_criteria_version(a.criteria_version());
  auto& facts = *e.mutable_facts();
  facts["result"] = a.result();
  facts["tier"] = a.tier();
  facts["failed_criteria"] = a.failed_criteria_size();
  facts["evidence_items"] = a.evidence_ids_size();
  for (const auto& c : a.failed_criteria()) facts["failed." + c] = 1;
  e.add_evidence_refs(absl::StrCat("claim:", a.claim_id()));
  e.add_evidence_refs(absl::StrCat("assessment:", a.assessment_id()));
  std::vector<std::string> ids(a.evidence_ids().begin(),
                               a.evidence_ids().end());
  std::sort(ids.begin(), ids.end());
  for (const auto& id : ids) e.add_evidence_refs(absl::StrCat("evidence:", id));
  return f;
}

namespace {

// The claim a sentenced case is counted under: the highest tier claimed by
// one of its arrests (ties: first arrest in `arrests`' order), the arrest
// that made it (the first arrest when none claims), and every arrest's ref.
struct CaseClaim {
  const internal::SubjectState::Arrest* by = nullptr;
  const v1::LinkAssessment* claim = nullptr;
  std::vector<std::string> arrest_refs;
};

CaseClaim StrongestClaimOf(
    const std::string& case_id,
    const std::vector<const internal::SubjectState::Arrest*>& arrests,
    const std::map<std::string, v1::LinkAssessment>& claims) {
  auto rank = [](int tier) {
    return tier == v1::TIER_CPOT
               ? 2
               : (IsPriority(static_cast<v1::Tier>(tier)) ? 1 : 0);
  };
  CaseClaim out;
  for (const auto* a : arrests) {
    if (a->case_id() != case_id) continue;
    out.arrest_refs.push_back(absl::StrCat("arrest:", a->arrest_id()));
    if (out.by == nullptr) out.by = a;
    if (a->claim_id().empty()) continue;
    auto it = claims.find(PairKey(a->reporter(), a->claim_id()));
    if (it == claims.end()) continue;
    if (out.claim == nullptr ||
        rank(it->second.tier()) > rank(out.claim->tier())) {
      out.claim = &it->second;
      out.by = a;
    }
  }
  return out;
}

}  // namespace

std::vector<Finding> TierMismatches(
    const std::string& pid, const internal::SubjectState& s,
    const std::map<std::string, v1::LinkAssessment>& claims,
    const DesertRules& rules) {
  std::vector<Finding> out;
  // Arrests in a fixed order.
  std::vector<const internal::SubjectState::Arrest*> arrests;
  for (const auto& [k, a] : s.arrests()) arrests.push_back(&a);
  std::sort(arrests.begin(), arrests.end(), [](const auto* a, const auto* b) {
    return std::tie(a->reporter(), a->arrest_id()) <
           std::tie(b->reporter(), b->arrest_id());
  });
  for (const auto& [case_id, sen] : s.sentencings()) {
    const v1::SentencingRecord& r = sen.record();
    const DesertResult d = Score(r, rules);
    const bool mitigating =
        r.mitigating_role() != v1::MITIGATING_ROLE_NONE &&
        r.mitigating_role() != v1::MITIGATING_ROLE_UNSPECIFIED;
    // A case not counted under a priority claim (no claim, or a lower
    // tier) has its finding too, not holding: an event raised while it was
    // counted under one (the claim since reassessed at a lower tier, the
    // arrest replaced) must be resolved.
    const CaseClaim cc = StrongestClaimOf(case_id, arrests, claims);
    const internal::SubjectState::Arrest* by = cc.by;
    const v1::LinkAssessment* claim = cc.claim;
    const std::vector<std::string>& arrest_refs = cc.arrest_refs;
    const bool priority =
        claim != nullptr && IsPriority(static_cast<v1::Tier>(claim->tier()));
    Finding f;
    f.holds = priority && (d.lnf || mitigating);
    f.key = pid;
    OversightEvent& e = f.event;
    e = Skeleton(v1::EVENT_TYPE_TIER_MISMATCH, v1::SEVERITY_WARNING,
                 v1::VISIBILITY_RESTRICTED,
                 absl::StrCat("subject/", pid, "/case/", case_id));
    if (by != nullptr) e.set_unit(absl::StrCat("agency:", by->agency()));
    e.set_period(FiscalYear(sen.occurred_at()));
    e.set_subject_pid(pid);
    if (claim != nullptr) {
      e.set_org_id(claim->org_id());
      e.set_criteria_version(claim->criteria_version());
    }
    e.set_score_version(rules.version);
    auto& facts = *e.mutable_facts();
    facts["tier"] = claim != nullptr ? claim->tier() : v1::TIER_UNSPECIFIED;
    facts["claim_result"] =
        claim != nullptr ? claim->result() : v1::ASSESSMENT_RESULT_UNSPECIFIED;
    facts["desert_score"] = d.score;
    facts["desert_band"] = d.band;
    facts["lnf"] = d.lnf ? 1 : 0;
    facts["mitigating_role"] = r.mitigating_role();
    facts["sentence_months"] = r.sentence_months();
    facts["criminal_history_category"] = r.criminal_history_category();
    if (claim != nullptr) {
      e.add_evidence_refs(absl::StrCat("claim:", claim->claim_id()));
      e.add_evidence_refs(absl::StrCat("assessment:", claim->assessment_id()));
    }
    e.add_evidence_refs(absl::StrCat("case:", case_id));
    e.add_evidence_refs(
        absl::StrCat("report:", sen.reporter(), "/", sen.report_id()));
    for (const auto& ref : arrest_refs) e.add_evidence_refs(ref);
    out.push_back(std::move(f));
  }
  return out;
}

std::optional<Finding> DeclinedThenChargedElsewhere(
    const std::string& pid, const internal::SubjectState& s) {
  if (s.declinations_size() == 0 && s.charges_size() == 0) return std::nullopt;
  const internal::SubjectState::Event* first = nullptr;
  for (const auto& charge : s.charges()) {
    bool elsewhere = false;
    for (const auto& d : s.declinations()) {
      if (d.district() != charge.district()) elsewhere = true;
    }
    if (!elsewhere) continue;
    if (first == nullptr ||
        std::make_tuple(charge.occurred_at(), charge.district()) <
            std::make_tuple(first->occurred_at(), first->district())) {
      first = &charge;
    }
  }
  Finding f;
  f.holds = first != nullptr;
  f.key = pid;
  OversightEvent& e = f.event;
  e = Skeleton(v1::EVENT_TYPE_DECLINED_THEN_CHARGED_ELSEWHERE,
               v1::SEVERITY_WARNING, v1::VISIBILITY_RESTRICTED,
               absl::StrCat("subject/", pid));
  e.set_subject_pid(pid);
  if (first != nullptr) {
    e.set_unit(absl::StrCat("district:", first->district()));
    e.set_period(FiscalYear(first->occurred_at()));
  }
  auto& facts = *e.mutable_facts();
  facts["declinations"] = s.declinations_size();
  facts["charges"] = s.charges_size();
  std::set<std::string> declined, charged;
  for (const auto& d : s.declinations()) declined.insert(d.district());
  for (const auto& c : s.charges()) charged.insert(c.district());
  facts["districts_declined"] = static_cast<double>(declined.size());
  facts["districts_charged"] = static_cast<double>(charged.size());
  std::set<std::string> refs;
  for (const auto& d : s.declinations()) {
    refs.insert(absl::StrCat("declined:", d.district(), "/case:", d.case_id()));
  }
  for (const auto& c : s.charges()) {
    refs.insert(absl::StrCat("charged:", c.district(), "/case:", c.case_id()));
  }
  for (const auto& r : refs) e.add_evidence_refs(r);
  return f;
}

Finding PendingDismantled(const v1::AgencyReport& r) {
  const v1::OrgOutcomeClaim& o = r.org_outcome();
  Finding f;
  f.holds = o.outcome() == v1::ORG_OUTCOME_DISMANTLED && o.pending();
  f.key = absl::StrCat("agency:", r.reporter());
  OversightEvent& e = f.event;
  e = Skeleton(v1::EVENT_TYPE_PENDING_COUNTED_AS_DISMANTLED,
               v1::SEVERITY_WARNING, v1::VISIBILITY_PUBLIC,
               absl::StrCat("report/", r.reporter(), "/", r.report_id()));
  e.set_unit(f.key);
  e.set_period(absl::StrCat("FY", o.fiscal_year()));
  e.set_org_id(o.org_id());
  auto& facts = *e.mutable_facts();
  facts["fiscal_year"] = o.fiscal_year();
  facts["outcome"] = o.outcome();
  facts["pending"] = o.pending() ? 1 : 0;
  e.add_evidence_refs(
      absl::StrCat("report:", r.reporter(), "/", r.report_id()));
  e.add_evidence_refs(absl::StrCat("org:", o.org_id()));
  return f;
}

Finding ReportConflict(const std::string& reporter,
                       const std::string& report_id,
                       const std::vector<std::string>& bodies,
                       const std::string& subject_pid,
                       const std::string& record_key) {
  Finding f;
  f.holds = bodies.size() > 1;
  f.key = record_key;
  OversightEvent& e = f.event;
  e = Skeleton(v1::EVENT_TYPE_REPORT_CONFLICT, v1::SEVERITY_WARNING,
               v1::VISIBILITY_RESTRICTED,
               absl::StrCat("report/", reporter, "/", report_id));
  e.set_subject_pid(subject_pid);
  (*e.mutable_facts())["bodies"] = static_cast<double>(bodies.size());
  e.add_evidence_refs(absl::StrCat("report:", reporter, "/", report_id));
  for (size_t i = 0; i < bodies.size(); ++i) {
    e.add_evidence_refs(absl::StrCat(i == 0 ? "counted" : "conflicting",
                                     "-body-sha256:", bodies[i].substr(0, 16)));
  }
  return f;
}

const std::vector<PairRule>& PairRules() {
  static const auto* rules = new std::vector<PairRule>{
      {v1::EVENT_TYPE_FRUITION_GAP,
       "fruition_gap",
       kFruitionGapThreshold,
       {"fruition_gap", "claimed_priority_share", "high_desert_share",
        "sentenced"}},
      {v1::EVENT_TYPE_LNF_SHARE_HIGH,
       "lnf_share",
       kLnfShareThreshold,
       {"lnf_share", "sentenced", "lnf_prison_years", "lnf_cost_usd"}},
      // About the LNF people only: it needs enough of them, whatever the
      // number sentenced.
      {v1::EVENT_TYPE_LNF_MANDATORY_MINIMUM_HIGH,
       "lnf_mandatory_minimum_share",
       kLnfMandatoryMinimumThreshold,
       {"lnf_mandatory_minimum_share", "lnf_sentenced",
        "lnf_safety_valve_share"},
       "lnf_sentenced",
       kMinLnfSentenced,
       "min_lnf_sentenced"},
  };
  return *rules;
}

namespace {

// A condition about one scorecard's unit-period, on the card's view.
Finding UnitEvent(const v1::Scorecard& card, v1::EventType type,
                  const std::string& scope) {
  Finding f;
  f.key = card.unit();
  f.event = Skeleton(
      type, v1::SEVERITY_WARNING,
      card.public_view() ? v1::VISIBILITY_PUBLIC : v1::VISIBILITY_RESTRICTED,
      scope);
  f.event.set_unit(card.unit());
  f.event.set_period(card.period());
  f.event.set_criteria_version(card.criteria_version());
  f.event.set_score_version(card.score_version());
  f.event.add_evidence_refs(absl::StrCat("scorecard:", card.scorecard_id()));
  return f;
}

}  // namespace

Finding JudgePair(const PairRule& rule, const v1::Scorecard& card,
                  const Thresholds& t) {
  const std::string scope = absl::StrCat(card.unit(), "/", card.period());
  Finding f = UnitEvent(
      card, rule.type,
      card.public_view() ? scope : absl::StrCat(scope, "/restricted"));
  // A withheld cell cannot be judged: on a public view Shown() is null for
  // it, as for a missing one.
  const v1::Indicator* count = Shown(card, std::string(rule.count));
  const int64_t n = count == nullptr ? 0 : count->n();
  const double threshold = t.Get(rule.threshold);
  const double min_count = t.Get(rule.min_count);
  const v1::Indicator* i = Shown(card, std::string(rule.indicator));
  f.holds = static_cast<double>(n) >= min_count && Defined(i) &&
            i->value() >= threshold;
  auto& facts = *f.event.mutable_facts();
  facts["threshold"] = threshold;
  facts[rule.min_fact] = min_count;
  for (std::string_view name : rule.cells) AddCell(card, name, &f.event);
  return f;
}

std::vector<Finding> TargetOvershoots(const v1::Scorecard& card,
                                      const Thresholds& t) {
  std::vector<Finding> out;
  if (!card.public_view()) return out;
  // Public only. Target ratios are about organizations and shown, but for
  // arrests, which follow the `arrests` cell.
  const std::string scope = absl::StrCat(card.unit(), "/", card.period());
  const double threshold = t.Get(kTargetRatioThreshold);
  const v1::Indicator* arrests = Find(card, "arrests");
  const bool arrests_withheld = arrests != nullptr && arrests->suppressed();
  for (const auto& i : card.indicators()) {
    static constexpr std::string_view kPrefix = "target_ratio:";
    if (i.name().rfind(kPrefix, 0) != 0) continue;
    const std::string measure = i.name().substr(kPrefix.size());
    Finding f = UnitEvent(card, v1::EVENT_TYPE_TARGET_OVERSHOOT,
                          absl::StrCat(scope, "/", measure));
    const bool withheld =
        i.suppressed() ||
        (measure == "PERFORMANCE_MEASURE_ARRESTS" && arrests_withheld);
    f.holds = !withheld && i.defined() && i.value() >= threshold;
    auto& facts = *f.event.mutable_facts();
    facts["threshold"] = threshold;
    if (withheld) {
      facts["target_ratio.suppressed"] = 1;
    } else {
      if (i.defined()) {
        facts["target_ratio"] = i.value();
        facts["target"] = std::round(static_cast<double>(i.n()) / i.value());
      }
      facts["reported"] = static_cast<double>(i.n());
      facts["target_ratio.n"] = static_cast<double>(i.n());
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<Finding> ScorecardConditions(const v1::Scorecard& card,
                                         const Thresholds& t) {
  RuleInputs in;
  in.card = &card;
  in.thresholds = t;
  return JudgeRules(RuleInput::kScorecard, in);
}

namespace {

// A BUDGET_CRITERIA_UNMET event of line `r` at `unit` and `period`, with the
// facts every one carries.
Finding BudgetEvent(const v1::AgencyReport& r, const std::string& unit,
                    const std::string& period) {
  const v1::BudgetLine& b = r.budget_line();
  Finding f;
  f.key = unit;
  OversightEvent& e = f.event;
  e = Skeleton(v1::EVENT_TYPE_BUDGET_CRITERIA_UNMET, v1::SEVERITY_WARNING,
               v1::VISIBILITY_PUBLIC, b.line_id());
  e.set_unit(unit);
  e.set_period(period);
  auto& facts = *e.mutable_facts();
  facts["amount_usd"] = static_cast<double>(b.amount_usd());
  facts["fiscal_year"] = b.fiscal_year();
  facts["criteria"] = b.criteria_size();
  e.add_evidence_refs(absl::StrCat("budget_line:", b.line_id()));
  e.add_evidence_refs(
      absl::StrCat("report:", r.reporter(), "/", r.report_id()));
  return f;
}

// Adds a failed criterion's bound and the cell as `card` shows it.
void AddFailedCriterion(const v1::BudgetCriterion& c, const v1::Scorecard& card,
                        OversightEvent* e) {
  const std::string& name = c.indicator();
  auto& facts = *e->mutable_facts();
  facts[(c.op() == v1::CRITERION_OP_AT_MOST ? "at_most." : "at_least.") +
        name] = c.value();
  const v1::Indicator* i = Find(card, name);
  if (i == nullptr || (!i->suppressed() && !i->defined())) {
    facts["undefined." + name] = 1;
  }
  AddCell(card, name, e);
}

}  // namespace

std::vector<Finding> BudgetCriteriaUnmet(const BudgetLineFacts& in) {
  std::vector<Finding> out;
  if (in.line == nullptr) return out;
  const v1::BudgetLine& b = in.line->budget_line();
  for (const auto& [unit, period] : in.left) {
    Finding f = BudgetEvent(*in.line, unit, period);
    (*f.event.mutable_facts())["moved"] = 1;
    out.push_back(std::move(f));
  }
  Finding f = BudgetEvent(*in.line, BudgetLineUnit(b), BudgetLinePeriod(b));
  if (in.card == nullptr) {
    // Not judged yet; an event raised for the year the line left (same
    // agency) ends.
    (*f.event.mutable_facts())["no_scorecard"] = 1;
    out.push_back(std::move(f));
    return out;
  }
  const v1::Scorecard& card = *in.card;
  f.event.set_criteria_version(card.criteria_version());
  f.event.set_score_version(card.score_version());
  int failed = 0;
  for (const v1::BudgetCriterion& c : b.criteria()) {
    // Missing, undefined or withheld: no value to meet the criterion.
    const v1::Indicator* i = Shown(card, c.indicator());
    if (Defined(i) && CriterionHolds(c, i->value())) continue;
    ++failed;
    AddFailedCriterion(c, card, &f.event);
  }
  (*f.event.mutable_facts())["criteria_failed"] = failed;
  f.holds = failed > 0;
  f.event.add_evidence_refs(absl::StrCat("scorecard:", card.scorecard_id()));
  out.push_back(std::move(f));
  return out;
}

Finding ScorecardPublished(const v1::Scorecard& card) {
  Finding f;
  f.holds = true;
  f.key = card.unit();
  f.event = Skeleton(
      v1::EVENT_TYPE_SCORECARD_PUBLISHED, v1::SEVERITY_INFO,
      card.public_view() ? v1::VISIBILITY_PUBLIC : v1::VISIBILITY_RESTRICTED,
      absl::StrCat(card.unit(), "/", card.period()));
  f.event.set_unit(card.unit());
  f.event.set_period(card.period());
  f.event.set_criteria_version(card.criteria_version());
  f.event.set_score_version(card.score_version());
  for (const auto& i : card.indicators()) AddCell(card, i.name(), &f.event);
  f.event.add_evidence_refs(absl::StrCat("scorecard:", card.scorecard_id()));
  return f;
}

}  // namespace fruition::domain
