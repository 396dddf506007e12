#include "services/domain/budget.h"

#include <tuple>

namespace fruition::domain {

bool SupersedesBudgetLine(const v1::AgencyReport& a,
                          const v1::AgencyReport& b) {
  return std::make_tuple(a.occurred_at().seconds(), a.occurred_at().nanos(),
                         a.reporter(), a.report_id()) >
         std::make_tuple(b.occurred_at().seconds(), b.occurred_at().nanos(),
                         b.reporter(), b.report_id());
}

std::map<std::string, const v1::AgencyReport*> CurrentBudgetLines(
    const std::vector<v1::AgencyReport>& versions) {
  std::map<std::string, const v1::AgencyReport*> out;
  for (const v1::AgencyReport& v : versions) {
    if (!v.has_budget_line()) continue;
    const v1::AgencyReport*& current = out[v.budget_line().line_id()];
    if (current == nullptr || SupersedesBudgetLine(v, *current)) current = &v;
  }
  return out;
}

std::string BudgetLineUnit(const v1::BudgetLine& line) {
  return "agency:" + line.agency();
}

std::string BudgetLinePeriod(const v1::BudgetLine& line) {
  return "FY" + std::to_string(line.fiscal_year());
}

bool CriterionHolds(const v1::BudgetCriterion& c, double value) {
  switch (c.op()) {
    case v1::CRITERION_OP_AT_LEAST:
      return value >= c.value();
    case v1::CRITERION_OP_AT_MOST:
      return value <= c.value();
    default:
      return false;
  }
}

}  // namespace fruition::domain
