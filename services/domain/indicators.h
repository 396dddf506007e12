// The indicator registry (SPEC §5): every indicator a scorecard carries, in
// one table. An entry gives its name, its JSON name, the components it reads,
// its computation, a label and description for people, how the dashboard
// formats and groups it, the unit kinds it applies to and what it shows for
// disclosure control (its CellRule). Scoring computes scorecards from this
// table, disclosure control reads the CellRule from it, the reconciler
// explains facts with its descriptions, and the gateway serves it as JSON
// (GET /api/v1/catalogue/indicators) for the dashboard.
//
// Adding an indicator: one entry in Indicators() (indicators.cc) plus, if it
// needs a new additive count, a field of internal.Components and the line of
// scoring's Contributions that fills it (scoring/facts.cc). Nothing else
// names it.
//
// Pure: no I/O. Thread-safe (the table is immutable).
#ifndef FRUITION_SERVICES_DOMAIN_INDICATORS_H_
#define FRUITION_SERVICES_DOMAIN_INDICATORS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "fruition/internal/scoring.pb.h"
#include "fruition/v1/scores.pb.h"

namespace fruition::domain {

// What one indicator shows, for disclosure control (SPEC §5 D1–D4; see
// disclosure.h).
struct CellRule {
  enum class Kind {
    kOrganization,  // about organizations or areas: never suppressed
    kCount,         // value == n: shows quantity `n`
    kShare,         // shows `n` and `k` (k = value × n, or value itself)
    kMeasure,       // a mean or sum over people: shows `n`
    kDifference,    // shows the quantities of `operands`
  };
  Kind kind = Kind::kMeasure;
  std::string n;                      // quantity named by the cell's n
  std::string k;                      // kShare: the attribute count
  bool value_is_k = false;            // kShare: value is k, not k ÷ n
  std::vector<std::string> operands;  // kDifference: indicator names
};

// Facts from fruition.reference.v1 about one agency and fiscal year.
struct AgencyYearReference {
  // Whether the agency sent any org outcome, target or budget line for the
  // year: the organization-outcome counts are computed (0 included) only
  // then, not for a year that has conditions only.
  bool sent_facts = true;
  int64_t org_outcomes = 0;        // OrgOutcomeClaims of that fiscal_year
  int64_t pending_dismantled = 0;  // of those, DISMANTLED and pending
  // PerformanceMeasure name -> target, and what counts toward it (ARRESTS
  // is filled from the components): `reported` as agencies report it,
  // pending outcomes included; `reported_restated` without them (SPEC §11).
  std::map<std::string, int64_t> target;
  std::map<std::string, int64_t> reported;
  std::map<std::string, int64_t> reported_restated;
  // Budget lines (SPEC §11, services/domain/budget.h): whether any version
  // of a line ever named this agency and year (then the budget cells are
  // computed, 0 once every line has moved away), how many current lines
  // name it, and the sum of their amount_usd (whole dollars).
  bool budgeted = false;
  int64_t budget_lines = 0;
  int64_t budget_usd = 0;
  // Conditions (SPEC §11, services/domain/conditions.h) that held in the
  // year and concern the agency; of those, answered by it, accepted and
  // rejected as their latest decision stands.
  int64_t conditions_raised = 0;
  int64_t conditions_answered = 0;
  int64_t conditions_accepted = 0;
  int64_t conditions_rejected = 0;
};

// Per area and indicator kind: (first period value, latest period value,
// periods reported).
using CommunityChange =
    std::map<std::string, std::tuple<double, double, int64_t>>;

struct IndicatorOptions {
  double cost_per_prison_year = 36299;  // lnf_cost_usd
};

// What a computation sees of one unit-period.
struct IndicatorInput {
  const internal::Components& c;
  // Agency units and fiscal years only (else null).
  const AgencyYearReference* reference = nullptr;
  // Area units only (else null).
  const CommunityChange* community = nullptr;
  IndicatorOptions options;
  // The unit (`agency:DEA`); the reports behind the figures are computed
  // for agencies only.
  std::string unit;
};

struct IndicatorDef {
  // SPEC §5 name (`lnf_share`); a family (one cell per member) ends with
  // ':' (`target_ratio:`), its cells are named prefix + member.
  std::string name;
  // The name in JSON (scorecards, the catalogue): lowerCamel of `name`.
  std::string json_name;
  std::string label;        // for people: a dashboard row, an event fact
  std::string description;  // one or two sentences for people
  // Dashboard: how the value is written (count, pct, points, score, number,
  // years, months, usd, ratio, change) and the section it is listed under.
  std::string format;
  std::string group;
  // The internal.Components fields, keys of Components.tallies
  // (`function:OFFENSE_FUNCTION_COURIER`), or reference./community. facts
  // read.
  std::vector<std::string> inputs;
  // Unit kinds (`agency`, `field_office`, `district`, `national`, `area`)
  // it is computed for.
  std::vector<std::string> unit_kinds;
  // Disclosure control. A family's rule is that of every member, unless
  // `member_rules` names one. A family of shares whose members each count
  // their own k (`function_share:`) has a share rule without k and a member
  // rule per member; a member it does not list is protected as an unknown
  // indicator (RuleOf).
  CellRule rule;
  std::map<std::string, CellRule> member_rules;
  // A family: labels of known members (e.g. performance measures).
  std::map<std::string, std::string> member_labels;
  // A family over an enum: its members in the enum's order (the order the
  // Sentencing Commission's tables list them in: function from the most
  // culpable down); empty when the members have no natural order.
  std::vector<std::string> member_order;
  // Appends the indicator's cells (none when it does not apply, e.g. a
  // reference indicator without reference facts).
  std::function<void(const IndicatorInput&, std::vector<v1::Indicator>*)>
      compute;
};

// Every indicator, in scorecard order.
const std::vector<IndicatorDef>& Indicators();

// The entry of an indicator or of a family member (`target_ratio:X`), or
// null.
const IndicatorDef* FindIndicator(const std::string& name);

// Every indicator of `registry` (default: Indicators()), restricted view (no
// suppression), in registry order.
std::vector<v1::Indicator> ComputeIndicators(
    const IndicatorInput& in,
    const std::vector<IndicatorDef>& registry = Indicators());

// The disclosure rule of indicator `name` (SPEC §5 name, e.g. `lnf_share`),
// from `registry`. Quantity names are Components fields, tally keys
// (`function:OFFENSE_FUNCTION_COURIER`), or `prosecuted` (declined +
// charged, the n of `declination_rate`). An indicator the registry does not
// know is treated as a measure over its own n (suppressed when that n is 1–10):
// a new indicator is protected by default.
CellRule RuleOf(const std::string& name,
                const std::vector<IndicatorDef>& registry = Indicators());

// lowerCamel of a snake_case (or dashed) name, up to a ':' (kept with what
// follows): `target_ratio:PERFORMANCE_MEASURE_ARRESTS` ->
// `targetRatio:PERFORMANCE_MEASURE_ARRESTS`, `fruition-gap-threshold` ->
// `fruitionGapThreshold` (a setting's YAML key).
std::string JsonName(const std::string& name);

// Helpers for entries: a cell, and numerator ÷ denominator (undefined when
// the denominator is 0).
v1::Indicator Cell(const std::string& name, double value, int64_t n,
                   bool defined = true);
v1::Indicator RatioCell(const std::string& name, int64_t num, int64_t den,
                        int64_t n);

// The catalogue as JSON: {"indicators": [{name, jsonName, label, ...}]}.
std::string IndicatorCatalogueJson(
    const std::vector<IndicatorDef>& registry = Indicators());

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_INDICATORS_H_
