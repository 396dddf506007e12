#include "services/domain/events.h"

#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/json.h"
#include "services/domain/event_explanations.h"
#include "services/domain/indicators.h"

namespace fruition::domain {

using json::AppendJsonList;
using json::JsonString;
using json::Number;
namespace {

using v1::VISIBILITY_PUBLIC;
using v1::VISIBILITY_RESTRICTED;

// 0.25 -> "25": a threshold share as a percentage, for people.
std::string Percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", share * 100);
  return buf;
}

// A rule with its people-facing text and what it is judged on.
EventRule Rule(v1::EventType type, const char* label,
               std::vector<v1::Visibility> visibilities, RuleInput input,
               std::vector<std::string> key_facts) {
  EventRule r;
  r.type = type;
  r.label = label;
  r.visibilities = std::move(visibilities);
  r.input = input;
  r.key_facts = std::move(key_facts);
  return r;
}

// Text that does not depend on the thresholds.
std::function<std::string(const Thresholds&)> Fixed(const char* text) {
  return [text](const Thresholds&) { return std::string(text); };
}

const PairRule& PairOf(v1::EventType type) {
  for (const PairRule& p : PairRules()) {
    if (p.type == type) return p;
  }
  return PairRules().front();  // unreachable: every pair type is listed
}

// A pair rule (FRUITION_GAP, LNF_SHARE_HIGH, LNF_MANDATORY_MINIMUM_HIGH):
// judged on each view of a card.
EventRule Pair(v1::EventType type, const char* label,
               std::vector<std::string> key_facts) {
  EventRule r = Rule(type, label, {VISIBILITY_PUBLIC, VISIBILITY_RESTRICTED},
                     RuleInput::kScorecard, std::move(key_facts));
  r.thresholds = {PairOf(type).threshold, PairOf(type).min_count};
  r.condition = [type](const RuleInputs& in) {
    return std::vector<Finding>{
        JudgePair(PairOf(type), *in.card, in.thresholds)};
  };
  return r;
}

// The rules judged on a subject's facts and its claims.
void AddSubjectRules(std::vector<EventRule>* rules) {
  EventRule link = Rule(v1::EVENT_TYPE_LINK_UNSUBSTANTIATED,
                        "Priority link not backed by evidence",
                        {VISIBILITY_RESTRICTED}, RuleInput::kAssessment,
                        {"result", "tier", "failed", "evidence_items"});
  link.headline = Fixed(
      "A claimed link to a priority organization fails the uniform evidence "
      "criteria.");
  link.condition = [](const RuleInputs& in) {
    return std::vector<Finding>{LinkUnsubstantiated(*in.assessment)};
  };
  link.explain = ExplainLinkUnsubstantiated;
  rules->push_back(std::move(link));

  EventRule tier =
      Rule(v1::EVENT_TYPE_TIER_MISMATCH,
           "\"Priority\" person sentenced as low-level",
           {VISIBILITY_RESTRICTED}, RuleInput::kSubject,
           {"tier", "claim_result", "desert_score", "lnf", "mitigating_role",
            "sentence_months", "criminal_history_category"});
  tier.headline = Fixed(
      "Someone counted under a top-tier organization was sentenced as "
      "low-level or with a minor role.");
  tier.condition = [](const RuleInputs& in) {
    const SubjectFacts& s = *in.subject;
    return TierMismatches(s.pid, *s.state, *s.claims, *s.desert);
  };
  tier.explain = ExplainTierMismatch;
  rules->push_back(std::move(tier));

  EventRule declined = Rule(
      v1::EVENT_TYPE_DECLINED_THEN_CHARGED_ELSEWHERE,
      "Declined in one district, charged in another", {VISIBILITY_RESTRICTED},
      RuleInput::kSubject,
      {"districts_declined", "districts_charged", "declinations", "charges"});
  declined.headline = Fixed(
      "A person whose prosecution was declined in one district was charged "
      "in another.");
  declined.condition = [](const RuleInputs& in) {
    std::vector<Finding> out;
    if (auto f =
            DeclinedThenChargedElsewhere(in.subject->pid, *in.subject->state)) {
      out.push_back(*std::move(f));
    }
    return out;
  };
  declined.explain = ExplainDeclinedThenChargedElsewhere;
  rules->push_back(std::move(declined));
}

// The rules judged on single reports.
void AddReportRules(std::vector<EventRule>* rules) {
  EventRule pending =
      Rule(v1::EVENT_TYPE_PENDING_COUNTED_AS_DISMANTLED,
           "Pending case counted as \"dismantled\"", {VISIBILITY_PUBLIC},
           RuleInput::kOutcome, {"outcome", "pending", "fiscal_year"});
  pending.headline = Fixed(
      "An organization was reported dismantled while the work was still "
      "pending.");
  pending.condition = [](const RuleInputs& in) {
    return std::vector<Finding>{PendingDismantled(*in.outcome)};
  };
  pending.explain = ExplainPendingCountedAsDismantled;
  rules->push_back(std::move(pending));

  EventRule conflict =
      Rule(v1::EVENT_TYPE_REPORT_CONFLICT, "Conflicting report",
           {VISIBILITY_RESTRICTED}, RuleInput::kReportBodies, {"bodies"});
  conflict.headline = Fixed(
      "An agency resent a report under the same id with different content.");
  conflict.condition = [](const RuleInputs& in) {
    const ReportBodies& b = *in.bodies;
    return std::vector<Finding>{ReportConflict(
        b.reporter, b.report_id, b.bodies, b.subject_pid, b.record_key)};
  };
  conflict.explain = ExplainReportConflict;
  rules->push_back(std::move(conflict));
}

// LNF_MANDATORY_MINIMUM_HIGH: a pair rule about the LNF people sentenced.
EventRule MandatoryMinimumRule() {
  EventRule mm = Pair(v1::EVENT_TYPE_LNF_MANDATORY_MINIMUM_HIGH,
                      "Mandatory minimums against low-level offenders",
                      {"lnf_mandatory_minimum_share", "lnf_sentenced",
                       "lnf_safety_valve_share", "threshold"});
  mm.headline = [](const Thresholds& t) {
    return absl::StrCat(Percent(t.Get(kLnfMandatoryMinimumThreshold)),
                        "% or more of the low-level, nonviolent, first-time "
                        "offenders sentenced had been charged under a "
                        "mandatory minimum.");
  };
  // Its own facts, in the rule's words (the indicator registry describes
  // the same cells for scorecards).
  mm.fact_meanings = {
      {"threshold",
       "the rulebook's threshold: the least share of LNF offenders charged "
       "under a mandatory minimum that raises this event"},
      {"min_lnf_sentenced",
       "least number of LNF offenders sentenced in the unit-period for the "
       "rule to apply"},
      {"lnf_sentenced",
       "people sentenced in the unit-period who were low-level, nonviolent, "
       "first-time offenders (LNF)"},
      {"lnf_mandatory_minimum_share",
       "share of the LNF offenders sentenced whose case's charge carried a "
       "mandatory minimum sentence"},
      {"lnf_safety_valve_share",
       "share of the LNF offenders sentenced whom the court gave the safety "
       "valve (a sentence below the mandatory minimum)"}};
  mm.explain = ExplainLnfMandatoryMinimumHigh;
  return mm;
}

// The rules judged on scorecards, in the order ScorecardConditions lists
// their findings.
void AddScorecardRules(std::vector<EventRule>* rules) {
  EventRule gap =
      Pair(v1::EVENT_TYPE_FRUITION_GAP, "Large ambition–fruition gap",
           {"fruition_gap", "claimed_priority_share", "high_desert_share",
            "sentenced", "threshold"});
  gap.headline = [](const Thresholds& t) {
    return absl::StrCat(
        "Far more people were claimed as priority targets than the courts "
        "found highly culpable (gap of ",
        Percent(t.Get(kFruitionGapThreshold)), " points or more).");
  };
  gap.explain = ExplainFruitionGap;
  rules->push_back(std::move(gap));

  EventRule lnf = Pair(v1::EVENT_TYPE_LNF_SHARE_HIGH,
                       "Many low-level, first-time offenders",
                       {"lnf_share", "sentenced", "lnf_prison_years",
                        "lnf_cost_usd", "threshold"});
  lnf.headline = [](const Thresholds& t) {
    return absl::StrCat(Percent(t.Get(kLnfShareThreshold)),
                        "% or more of the people sentenced were low-level, "
                        "nonviolent, first-time offenders.");
  };
  lnf.explain = ExplainLnfShareHigh;
  rules->push_back(std::move(lnf));

  rules->push_back(MandatoryMinimumRule());

  EventRule target = Rule(v1::EVENT_TYPE_TARGET_OVERSHOOT,
                          "Performance target overshot", {VISIBILITY_PUBLIC},
                          RuleInput::kScorecard, {"target_ratio", "threshold"});
  target.thresholds = {kTargetRatioThreshold};
  target.headline = [](const Thresholds& t) {
    return absl::StrCat("The agency reported ",
                        Percent(t.Get(kTargetRatioThreshold)),
                        "% or more of its own target: a target that low "
                        "measures little.");
  };
  target.condition = [](const RuleInputs& in) {
    return TargetOvershoots(*in.card, in.thresholds);
  };
  target.explain = ExplainTargetOvershoot;
  rules->push_back(std::move(target));

  EventRule published = Rule(
      v1::EVENT_TYPE_SCORECARD_PUBLISHED, "Figures updated",
      {VISIBILITY_PUBLIC, VISIBILITY_RESTRICTED}, RuleInput::kPublishedCard,
      {"sentenced", "claimed_priority_share", "high_desert_share",
       "fruition_gap", "lnf_share"});
  published.severity = v1::SEVERITY_INFO;
  published.thresholds = {kPublishIntervalSeconds};
  published.headline = Fixed("The figures for this unit and period changed.");
  published.condition = [](const RuleInputs& in) {
    return std::vector<Finding>{ScorecardPublished(*in.card)};
  };
  published.explain = ExplainScorecardPublished;
  rules->push_back(std::move(published));
}

// SPEC §11: budget lines pegged to outcomes, judged on what the public
// sees of the agency's scorecard.
void AddBudgetRules(std::vector<EventRule>* rules) {
  EventRule budget = Rule(v1::EVENT_TYPE_BUDGET_CRITERIA_UNMET,
                          "Budget line's outcome criteria not met",
                          {VISIBILITY_PUBLIC}, RuleInput::kBudgetLine,
                          {"amount_usd", "criteria", "criteria_failed"});
  budget.headline = Fixed(
      "An agency's scorecard for the year fails an outcome criterion its "
      "budget line is pegged to.");
  budget.fact_meanings = {
      {"amount_usd", "the budget line's amount, in whole US dollars"},
      {"fiscal_year", "the fiscal year the budget line funds"},
      {"criteria", "criteria the budget line is pegged to"},
      {"criteria_failed",
       "of those, the criteria the agency's public scorecard fails (a "
       "figure that is missing, has no value or is withheld fails)"},
      {"moved",
       "1 when the line was amended to fund another agency: the condition "
       "no longer concerns this one"},
      {"no_scorecard",
       "1 while the agency has no public scorecard for the year yet: the "
       "criteria are not judged until it has one"}};
  budget.condition = [](const RuleInputs& in) {
    return BudgetCriteriaUnmet(*in.budget);
  };
  budget.explain = ExplainBudgetCriteriaUnmet;
  rules->push_back(std::move(budget));
}

const char* InputName(RuleInput input) {
  switch (input) {
    case RuleInput::kAssessment:
      return "assessment";
    case RuleInput::kSubject:
      return "subject";
    case RuleInput::kOutcome:
      return "outcome";
    case RuleInput::kReportBodies:
      return "report_bodies";
    case RuleInput::kScorecard:
      return "scorecard";
    case RuleInput::kPublishedCard:
      return "published_scorecard";
    case RuleInput::kBudgetLine:
      return "budget_line";
  }
  return "";
}

}  // namespace

namespace {

void AppendRuleJson(const EventRule& r, const Thresholds& t, std::string* out) {
  *out += "{\"type\":" + JsonString("EVENT_TYPE_" + EventName(r.type));
  *out += ",\"name\":" + JsonString(EventName(r.type));
  *out += ",\"label\":" + JsonString(r.label);
  *out += ",\"headline\":" + JsonString(r.headline ? r.headline(t) : "");
  *out += ",\"severity\":" + JsonString(v1::Severity_Name(r.severity));
  std::vector<std::string> visibilities;
  for (v1::Visibility v : r.visibilities) {
    visibilities.push_back(v1::Visibility_Name(v));
  }
  *out += ",\"visibilities\":";
  AppendJsonList(visibilities, out);
  *out += ",\"input\":" + JsonString(InputName(r.input));
  *out += ",\"thresholds\":";
  AppendJsonList(r.thresholds, out);
  *out += ",\"keyFacts\":";
  AppendJsonList(r.key_facts, out);
  *out += "}";
}

void AppendThresholdJson(const ThresholdDef& d, double value,
                         std::string* out) {
  *out += "{\"name\":" + JsonString(d.name);
  *out += ",\"configKey\":" + JsonString(JsonName(d.name));
  *out += ",\"default\":" + Number(d.default_value);
  *out += ",\"value\":" + Number(value);
  *out += ",\"min\":" + Number(d.min);
  *out += ",\"max\":" + Number(d.max);
  *out += std::string(",\"integer\":") + (d.integer ? "true" : "false");
  *out += ",\"help\":" + JsonString(d.help) + "}";
}

}  // namespace

const std::vector<ThresholdDef>& EventThresholds() {
  static const auto* t = new std::vector<ThresholdDef>{
      {kFruitionGapThreshold, 0.25, -1, 1, false,
       "FRUITION_GAP when fruition_gap >= this"},
      {kLnfShareThreshold, 0.30, 0, 1, false,
       "LNF_SHARE_HIGH when lnf_share >= this"},
      {kMinSentenced, 11, 0, 1000000, true,
       "FRUITION_GAP and LNF_SHARE_HIGH only in unit-periods with at least "
       "this many sentenced"},
      {kLnfMandatoryMinimumThreshold, 0.5, 0, 1, false,
       "LNF_MANDATORY_MINIMUM_HIGH when lnf_mandatory_minimum_share >= this"},
      {kMinLnfSentenced, 11, 0, 1000000, true,
       "LNF_MANDATORY_MINIMUM_HIGH only in unit-periods with at least this "
       "many LNF offenders sentenced"},
      {kTargetRatioThreshold, 1.25, 0, 1e6, false,
       "TARGET_OVERSHOOT when target_ratio >= this"},
      {kPublishIntervalSeconds, 60, 0, 86400, true,
       "SCORECARD_PUBLISHED at most once per unit-period per this many "
       "seconds"},
  };
  return *t;
}

Thresholds::Thresholds() {
  for (const ThresholdDef& d : EventThresholds()) {
    values_[d.name] = d.default_value;
  }
}

double Thresholds::Get(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? 0 : it->second;
}

void Thresholds::Set(const std::string& name, double value) {
  values_[name] = value;
}

const std::vector<EventRule>& EventRules() {
  static const auto* rules = [] {
    auto* r = new std::vector<EventRule>;
    AddSubjectRules(r);
    AddReportRules(r);
    AddScorecardRules(r);
    AddBudgetRules(r);
    return r;
  }();
  return *rules;
}

const EventRule* FindEventRule(v1::EventType type,
                               const std::vector<EventRule>& rules) {
  for (const EventRule& r : rules) {
    if (r.type == type) return &r;
  }
  return nullptr;
}

std::vector<Finding> JudgeRules(RuleInput input, const RuleInputs& in,
                                const std::vector<EventRule>& rules) {
  std::vector<Finding> out;
  for (const EventRule& r : rules) {
    if (r.input != input) continue;
    for (Finding& f : r.condition(in)) out.push_back(std::move(f));
  }
  return out;
}

std::string EventName(v1::EventType type) {
  const std::string& name = v1::EventType_Name(type);
  // A value this build's enum does not name (a newer producer's type).
  if (name.size() < sizeof("EVENT_TYPE_")) {
    return absl::StrCat("TYPE_", static_cast<int>(type));
  }
  return name.substr(sizeof("EVENT_TYPE_") - 1);
}

std::string FactMeaning(v1::EventType type, const std::string& name,
                        const std::vector<EventRule>& rules) {
  if (const EventRule* r = FindEventRule(type, rules)) {
    auto it = r->fact_meanings.find(name);
    if (it != r->fact_meanings.end()) return it->second;
  }
  return SharedFactMeaning(name);
}

v1::EventExplanation ExplainEvent(const v1::OversightEvent& e,
                                  const std::vector<EventRule>& rules) {
  v1::EventExplanation x;
  *x.mutable_event() = e;
  x.set_criteria_version(e.criteria_version());
  x.set_score_version(e.score_version());
  const EventRule* rule = FindEventRule(e.type(), rules);
  Explanation text;
  if (rule != nullptr && rule->explain) {
    text = rule->explain(e);
  } else {
    text.rule = "unknown event type";
  }
  x.set_rule(text.rule);
  for (const std::string& s : text.see_also) x.add_see_also(s);
  if (e.resolved()) {
    text.summary = absl::StrCat(
        "RESOLVED: the condition no longer holds. As of now: ", text.summary);
  }
  x.set_summary(text.summary);
  std::map<std::string, double> sorted(e.facts().begin(), e.facts().end());
  for (const auto& [name, value] : sorted) {
    v1::ExplainedFact* fact = x.add_facts();
    fact->set_name(name);
    fact->set_value(value);
    fact->set_meaning(FactMeaning(e.type(), name, rules));
  }
  return x;
}

std::string EventCatalogueJson(const std::vector<EventRule>& rules,
                               const Thresholds& thresholds) {
  std::string out = "{\"events\":[";
  for (size_t i = 0; i < rules.size(); ++i) {
    if (i > 0) out += ",";
    AppendRuleJson(rules[i], thresholds, &out);
  }
  out += "],\"thresholds\":[";
  const auto& defs = EventThresholds();
  for (size_t i = 0; i < defs.size(); ++i) {
    if (i > 0) out += ",";
    AppendThresholdJson(defs[i], thresholds.Get(defs[i].name), &out);
  }
  return out + "]}";
}

}  // namespace fruition::domain
