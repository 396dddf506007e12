// SPEC §11 budget lines as the gateway shows them (GET /api/v1/budgets,
// OversightService.ListBudgetLines), pure (no I/O): from the current version
// of every line (Views::BudgetLines, domain::CurrentBudgetLines) and one
// fiscal year's public agency scorecards, each line of the year with its
// criteria judged on the agency's public card.
//
// One rule with the reconciler: a line is met exactly when
// domain::BudgetCriteriaUnmet, the rule behind BUDGET_CRITERIA_UNMET, does
// not hold on the same public card; a criterion is met when the card shows
// a value (not withheld, not undefined, present) and domain::CriterionHolds
// for it. Only public cards go in, so the answer is the same for every
// caller and is one anybody could check on the public dashboard.
//
// Thread-safe (no state).
#ifndef FRUITION_SERVICES_GATEWAY_BUDGETS_H_
#define FRUITION_SERVICES_GATEWAY_BUDGETS_H_

#include <vector>

#include "absl/status/status.h"
#include "fruition/v1/gateway.pb.h"
#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.pb.h"

namespace fruition::gateway {

// Checks a request: `period` a fiscal year (`FY2016`; a quarter or anything
// else is refused), `agency` empty or a principal code (no `:`, no control
// character, at most 128 characters). INVALID_ARGUMENT whose message starts
// with the parameter's name (`period: ...`).
absl::Status CheckBudgetQuery(const v1::ListBudgetLinesRequest& request);

// The lines of a checked request's fiscal year (and agency, if given) among
// `current` (current versions, AgencyReports with a budget_line body; any
// year, any order), by agency then line_id, judged on `public_cards` (the
// year's public agency scorecards, any order; a card whose unit is not an
// agency, or of another period, is not read).
v1::ListBudgetLinesResponse JudgeBudgetLines(
    const v1::ListBudgetLinesRequest& request,
    const std::vector<v1::AgencyReport>& current,
    const std::vector<v1::Scorecard>& public_cards);

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_BUDGETS_H_
