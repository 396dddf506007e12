// Budget lines (SPEC §11 `budget_line`) as pure code: which version of a
// line counts, and whether a criterion holds. Scoring (budget_usd,
// cost_per_high_desert_sentence) and the reconciler (BUDGET_CRITERIA_UNMET)
// both call these, so they cannot disagree on which version of a line is
// the current one.
//
// The rule: of every version of a line_id seen (each a distinct (reporter,
// report_id), the first body of one in log order), the one with the latest
// `occurred_at` (seconds, then nanos) counts. Versions at the same instant
// are ordered by (reporter, report_id), the greater counts: SPEC is silent;
// this depends on the versions themselves only (not on arrival order,
// partitions or Kafka timestamps), so every replica and every replay picks
// the same one. A line amended to another agency or fiscal year leaves the
// one it named before.
//
// Pure: no I/O. Thread-safe.
#ifndef FRUITION_SERVICES_DOMAIN_BUDGET_H_
#define FRUITION_SERVICES_DOMAIN_BUDGET_H_

#include <map>
#include <string>
#include <vector>

#include "fruition/v1/reports.pb.h"

namespace fruition::domain {

// Whether version `a` of a budget line supersedes version `b` (both
// AgencyReports with a budget_line body): a strict weak order, total on
// distinct (reporter, report_id).
bool SupersedesBudgetLine(const v1::AgencyReport& a, const v1::AgencyReport& b);

// The current version of each line_id among `versions` (budget_line bodies;
// other bodies are ignored), keyed by line_id. Pointers into `versions`.
std::map<std::string, const v1::AgencyReport*> CurrentBudgetLines(
    const std::vector<v1::AgencyReport>& versions);

// `agency:<agency>` and `FY<year>` of a budget line.
std::string BudgetLineUnit(const v1::BudgetLine& line);
std::string BudgetLinePeriod(const v1::BudgetLine& line);

// Whether `value` meets criterion `c` (AT_LEAST: value >= c.value; AT_MOST:
// value <= c.value). An unspecified op never holds.
bool CriterionHolds(const v1::BudgetCriterion& c, double value);

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_BUDGET_H_
