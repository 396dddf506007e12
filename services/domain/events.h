// The event-rule registry (SPEC §6): every oversight event type in one
// table. An entry gives the type, its label and one-line headline for people,
// its severity and visibilities, the thresholds it reads (with defaults),
// what it is judged on (RuleInput), its condition (facts -> Findings), the
// meaning of the facts its events carry and its explanation (rule text,
// summary, see-also). The reconciler judges every entry of an input kind
// whenever that input changes, ExplainEvent explains from the entry, the
// reconciler's configuration and the Helm schema's thresholds come from
// EventThresholds(), and the gateway serves the table as JSON
// (GET /api/v1/catalogue/events) for the dashboard.
//
// Adding an event type: its enum value in protos/fruition/v1/enums.proto,
// one entry in EventRules() (events.cc) with its condition, and its test.
// A new threshold: one entry in EventThresholds() (and the Helm values and
// schema, which a test compares with it).
//
// Conditions (event_conditions.cc) and explanations
// (event_explanations.cc) are pure. Emission (which finding becomes an
// event, event ids) is the reconciler's (services/reconciler/rules.h).
//
// Condition keys (one per condition and visibility):
//   LINK_UNSUBSTANTIATED/claim/<claim_id>
//   TIER_MISMATCH/subject/<pid>/case/<case_id>
//   DECLINED_THEN_CHARGED_ELSEWHERE/subject/<pid>
//   REPORT_CONFLICT/report/<reporter>/<report_id>
//   PENDING_COUNTED_AS_DISMANTLED/report/<reporter>/<report_id>
//   TARGET_OVERSHOOT/<unit>/<period>/<measure> (PUBLIC, on the public view)
//   FRUITION_GAP/<unit>/<period>, LNF_SHARE_HIGH/<unit>/<period>,
//     LNF_MANDATORY_MINIMUM_HIGH/<unit>/<period> (PUBLIC, judged on the
//     public view) and the same keys with /restricted appended (RESTRICTED,
//     judged on the restricted card): the pairs of SPEC §6
//   SCORECARD_PUBLISHED/<unit>/<period> (a PUBLIC event from the public
//     view, a RESTRICTED one from the restricted card)
//   BUDGET_CRITERIA_UNMET/<line_id> (PUBLIC, judged on the public view of
//     the line's agency and fiscal year)
//
// Disclosure control (SPEC §5 D1–D4) is scoring's: PUBLIC scorecard events
// show exactly what the public view shows. A suppressed cell appears only as
// the fact `<name>.suppressed` = 1 (no value, no `<name>.n`); a condition
// whose inputs are suppressed does not hold publicly. PUBLIC events never
// carry subject_pid or sealed text (no rule ever sees any).
#ifndef FRUITION_SERVICES_DOMAIN_EVENTS_H_
#define FRUITION_SERVICES_DOMAIN_EVENTS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fruition/internal/scoring.pb.h"
#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/events.pb.h"
#include "fruition/v1/reconciler.pb.h"
#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.pb.h"
#include "services/domain/desert.h"

namespace fruition::domain {

// A threshold of the event rules: a reconciler setting (flag --<name>,
// environment FRUITION_<NAME>, YAML and Helm `reconciler.config` key
// JsonName(name), e.g. fruitionGapThreshold).
struct ThresholdDef {
  std::string name;  // e.g. fruition-gap-threshold
  double default_value = 0;
  double min = 0;
  double max = 0;
  bool integer = false;
  std::string help;
};

// Every threshold, in configuration order.
const std::vector<ThresholdDef>& EventThresholds();

// Threshold values by name: the defaults unless set.
class Thresholds {
 public:
  Thresholds();
  // The value of a threshold of EventThresholds() (0 for another name).
  double Get(const std::string& name) const;
  void Set(const std::string& name, double value);

 private:
  std::map<std::string, double> values_;
};

// Names of the thresholds (EventThresholds()).
inline constexpr char kFruitionGapThreshold[] = "fruition-gap-threshold";
inline constexpr char kLnfShareThreshold[] = "lnf-share-threshold";
inline constexpr char kMinSentenced[] = "min-sentenced";
inline constexpr char kLnfMandatoryMinimumThreshold[] =
    "lnf-mandatory-minimum-threshold";
inline constexpr char kMinLnfSentenced[] = "min-lnf-sentenced";
inline constexpr char kTargetRatioThreshold[] = "target-ratio-threshold";
inline constexpr char kPublishIntervalSeconds[] = "publish-interval-seconds";

// A condition's state now, and the event that states it (everything but
// `event_id`, `emitted_at` and `resolved`).
struct Finding {
  bool holds = false;
  v1::OversightEvent event;
  // The Kafka key of the event: subject_pid, unit, or the key of the
  // record it is about (ARCHITECTURE: keyed like its input, so that the
  // instance owning that partition alone emits it).
  std::string key;
};

// What a rule is judged on; the reconciler judges every rule of a kind
// when an input of that kind changes.
enum class RuleInput {
  kAssessment,     // a claim's latest assessment
  kSubject,        // a subject's facts and its claims' assessments
  kOutcome,        // an OrgOutcomeClaim report
  kReportBodies,   // the bodies seen under one (reporter, report_id)
  kScorecard,      // a scorecard (restricted card or public view)
  kPublishedCard,  // a scorecard, at most once per publish interval
  kBudgetLine,     // a budget line and its agency's public view
};

struct SubjectFacts {
  std::string pid;
  const internal::SubjectState* state = nullptr;
  // The subject's latest assessments, keyed reporter \0 claim_id.
  const std::map<std::string, v1::LinkAssessment>* claims = nullptr;
  const DesertRules* desert = &DefaultDesertRules();
};

struct ReportBodies {
  std::string reporter;
  std::string report_id;
  std::vector<std::string> bodies;  // SHA-256 hex of each, in log order
  std::string subject_pid;
  std::string record_key;
};

// A budget line (SPEC §11) and what it is judged on.
struct BudgetLineFacts {
  // The line's current version (services/domain/budget.h).
  const v1::AgencyReport* line = nullptr;
  // The public view of agency:<agency> for FY<year>; null while scoring has
  // published none.
  const v1::Scorecard* card = nullptr;
  // Each agency unit an earlier version named and the current one does not
  // -> the period of the latest such version.
  std::map<std::string, std::string> left;
};

// One input; the field of the rule's kind is set.
struct RuleInputs {
  const v1::LinkAssessment* assessment = nullptr;
  const SubjectFacts* subject = nullptr;
  const v1::AgencyReport* outcome = nullptr;
  const ReportBodies* bodies = nullptr;
  const v1::Scorecard* card = nullptr;
  const BudgetLineFacts* budget = nullptr;
  Thresholds thresholds;
};

// ExplainEvent's text of one event.
struct Explanation {
  std::string rule;
  std::string summary;
  std::vector<std::string> see_also;
};

struct EventRule {
  v1::EventType type = v1::EVENT_TYPE_UNSPECIFIED;
  std::string label;  // for people: a dashboard alert's title
  // For people: one line, with the thresholds' values.
  std::function<std::string(const Thresholds&)> headline;
  v1::Severity severity = v1::SEVERITY_WARNING;
  std::vector<v1::Visibility> visibilities;
  std::vector<std::string> thresholds;  // names, of EventThresholds()
  // The facts a dashboard shows first, in order.
  std::vector<std::string> key_facts;
  // What the facts its events carry mean (an indicator's fact falls back
  // to the indicator registry's description).
  std::map<std::string, std::string> fact_meanings;
  RuleInput input = RuleInput::kScorecard;
  std::function<std::vector<Finding>(const RuleInputs&)> condition;
  std::function<Explanation(const v1::OversightEvent&)> explain;
};

// Every event rule.
const std::vector<EventRule>& EventRules();

// The rule of an event type, or null.
const EventRule* FindEventRule(
    v1::EventType type, const std::vector<EventRule>& rules = EventRules());

// The findings of every rule of kind `input` of `rules`, in registry order.
std::vector<Finding> JudgeRules(
    RuleInput input, const RuleInputs& in,
    const std::vector<EventRule>& rules = EventRules());

// EVENT_TYPE_FRUITION_GAP -> FRUITION_GAP.
std::string EventName(v1::EventType type);

// What fact `name` of an event of `type` means, for people.
std::string FactMeaning(v1::EventType type, const std::string& name,
                        const std::vector<EventRule>& rules = EventRules());

// ExplainEvent (SPEC §6): the rule, a summary for people and every fact
// with its meaning.
v1::EventExplanation ExplainEvent(
    const v1::OversightEvent& e,
    const std::vector<EventRule>& rules = EventRules());

// The catalogue as JSON: {"events": [{type, name, label, headline, ...}],
// "thresholds": [{name, configKey, default, min, max, integer, help}]}
// (headlines with `thresholds`).
std::string EventCatalogueJson(
    const std::vector<EventRule>& rules = EventRules(),
    const Thresholds& thresholds = Thresholds());

// --- The conditions (event_conditions.cc), also callable one by one. ---

// LINK_UNSUBSTANTIATED of one claim, from its latest assessment (of the
// configured criteria version). Holds when the result is UNSUBSTANTIATED.
// Unit agency:<reporter>, period the fiscal year of the claim.
Finding LinkUnsubstantiated(const v1::LinkAssessment& latest);

// TIER_MISMATCH of each case of the subject with a sentencing record:
// holds when an arrest of that case claimed a link to a CPOT, RPOT or
// PTO_NATIONAL org (the tier of its latest assessment, whatever the
// result: what the agency claimed) and the sentencing (the one that counts)
// is LNF or has a mitigating role. `claims`: the subject's latest
// assessments, keyed reporter \0 claim_id. Unit agency:<arresting agency>,
// period the fiscal year of the sentencing.
std::vector<Finding> TierMismatches(
    const std::string& subject_pid, const internal::SubjectState& s,
    const std::map<std::string, v1::LinkAssessment>& claims,
    const DesertRules& rules);

// DECLINED_THEN_CHARGED_ELSEWHERE of the subject: holds when it was charged
// in a district other than one that declined it; unit and period those of
// the earliest such charge (as the indicator counts it). nullopt when the
// subject has neither declinations nor charges.
std::optional<Finding> DeclinedThenChargedElsewhere(
    const std::string& subject_pid, const internal::SubjectState& s);

// PENDING_COUNTED_AS_DISMANTLED of an OrgOutcomeClaim report: holds when
// it is DISMANTLED and pending. Unit agency:<reporter>, period FY<year>.
Finding PendingDismantled(const v1::AgencyReport& outcome);

// REPORT_CONFLICT of one (reporter, report_id): holds when more than one
// distinct body arrived (`bodies`: SHA-256 hex of each, in log order).
Finding ReportConflict(const std::string& reporter,
                       const std::string& report_id,
                       const std::vector<std::string>& bodies,
                       const std::string& subject_pid,
                       const std::string& record_key);

// A condition of SPEC §6 that comes in a pair: a PUBLIC condition judged on
// the public view (condition key <TYPE>/<unit>/<period>) and a RESTRICTED
// one judged on the restricted card (<TYPE>/<unit>/<period>/restricted).
// Both hold when the n of cell `count` >= the `min_count` threshold and
// `indicator` >= the `threshold`; on the public view, not when either cell
// is suppressed.
struct PairRule {
  v1::EventType type;
  std::string_view indicator;
  std::string threshold;  // of EventThresholds()
  // The cells its events show (besides `threshold` and `min_fact`).
  std::vector<std::string_view> cells;
  // The people the indicator is about: a count cell (its n) and the least
  // number of them for the rule to apply (of EventThresholds()), shown as
  // fact `min_fact`.
  std::string_view count = "sentenced";
  std::string min_count = kMinSentenced;
  std::string min_fact = "min_sentenced";
};

// FRUITION_GAP, LNF_SHARE_HIGH and LNF_MANDATORY_MINIMUM_HIGH.
const std::vector<PairRule>& PairRules();

// One pair rule judged on one card: the PUBLIC half on a public view, the
// RESTRICTED half on a restricted card.
Finding JudgePair(const PairRule& rule, const v1::Scorecard& card,
                  const Thresholds& t);

// TARGET_OVERSHOOT: on a public view, one per target_ratio indicator (not
// holding when the ratio is suppressed, or for PERFORMANCE_MEASURE_ARRESTS
// when `arrests` is); nothing on a restricted card.
std::vector<Finding> TargetOvershoots(const v1::Scorecard& card,
                                      const Thresholds& t);

// The conditions judged on one scorecard: every rule of kind kScorecard
// (the pairs, TARGET_OVERSHOOT).
std::vector<Finding> ScorecardConditions(const v1::Scorecard& card,
                                         const Thresholds& t);

// BUDGET_CRITERIA_UNMET of one budget line (PUBLIC; condition key
// BUDGET_CRITERIA_UNMET/<line_id>; Kafka key and unit agency:<agency>,
// period FY<year>). Judged on `card`, the public view: it holds when a
// criterion fails there, and a criterion whose indicator is missing,
// undefined or suppressed fails. Facts: amount_usd, fiscal_year, criteria,
// criteria_failed and, per failed criterion, its bound as
// `at_most.<indicator>` or `at_least.<indicator>` (as `failed.<criterion>`
// names a claim's) with the cell as the view shows it (`<indicator>` and
// `<indicator>.n`, or `<indicator>.suppressed`), and `undefined.<indicator>`
// when the cell has no value or is missing. Without a card
// (scoring has not published that year's public view yet) it does not hold
// (fact `no_scorecard` = 1): not judged yet. First, one finding per agency
// in `left`, not holding (fact `moved` = 1), that resolves an event raised
// there before the line moved.
std::vector<Finding> BudgetCriteriaUnmet(const BudgetLineFacts& facts);

// SCORECARD_PUBLISHED of one scorecard: PUBLIC with the cells of a public
// view (as it shows them), RESTRICTED with every cell of a restricted card.
// Always holds.
Finding ScorecardPublished(const v1::Scorecard& card);

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_EVENTS_H_
