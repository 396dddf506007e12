#include "services/gateway/budgets.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "services/common/strings.h"
#include "services/domain/budget.h"
#include "services/domain/events.h"
#include "services/domain/periods.h"

namespace fruition::gateway {
namespace {

constexpr size_t kMaxAgencyChars = 128;

absl::Status Invalid(const std::string& field, const std::string& message) {
  return absl::InvalidArgumentError(StrCat(field, ": ", message));
}

absl::Status CheckAgency(const std::string& agency) {
  if (agency.empty()) return absl::OkStatus();
  const bool control =
      std::any_of(agency.begin(), agency.end(),
                  [](unsigned char c) { return c < 0x20 || c == 0x7F; });
  if (agency.size() > kMaxAgencyChars || control ||
      agency.find(':') != std::string::npos) {
    return Invalid("agency",
                   "an agency's code such as DEA (not a unit like "
                   "agency:DEA), at most 128 characters");
  }
  return absl::OkStatus();
}

// The value `card` shows for `name`: none when the cell is missing,
// withheld by disclosure control or undefined.
std::optional<double> Shown(const v1::Scorecard* card,
                            const std::string& name) {
  if (card == nullptr) return std::nullopt;
  for (const v1::Indicator& i : card->indicators()) {
    if (i.name() != name) continue;
    if (i.suppressed() || !i.defined()) return std::nullopt;
    return i.value();
  }
  return std::nullopt;
}

// Whether the reconciler's BUDGET_CRITERIA_UNMET of `line` holds on `card`
// (never while there is no card: not judged).
bool Unmet(const v1::AgencyReport& line, const v1::Scorecard* card) {
  domain::BudgetLineFacts facts;
  facts.line = &line;
  facts.card = card;
  const auto findings = domain::BudgetCriteriaUnmet(facts);
  return !findings.empty() && findings.back().holds;
}

v1::BudgetLineStatus LineStatus(const v1::AgencyReport& report,
                                const v1::Scorecard* card) {
  const v1::BudgetLine& b = report.budget_line();
  v1::BudgetLineStatus out;
  out.set_line_id(b.line_id());
  out.set_agency(b.agency());
  out.set_fiscal_year(b.fiscal_year());
  out.set_amount_usd(b.amount_usd());
  out.set_purpose(b.purpose());
  for (const v1::BudgetCriterion& c : b.criteria()) {
    v1::BudgetCriterionStatus& s = *out.add_criteria();
    s.set_indicator(c.indicator());
    s.set_op(c.op());
    s.set_value(c.value());
    const std::optional<double> found = Shown(card, c.indicator());
    if (found) s.set_found(*found);
    s.set_met(found.has_value() && domain::CriterionHolds(c, *found));
  }
  out.set_judged(card != nullptr);
  out.set_met(card != nullptr && !Unmet(report, card));
  if (auto v = Shown(card, "budget_usd")) out.set_agency_budget_usd(*v);
  if (auto v = Shown(card, "cost_per_high_desert_sentence")) {
    out.set_agency_cost_per_high_desert_sentence(*v);
  }
  return out;
}

}  // namespace

absl::Status CheckBudgetQuery(const v1::ListBudgetLinesRequest& request) {
  const std::string& period = request.period();
  if (period.empty()) {
    return Invalid("period", "required: a fiscal year such as FY2016");
  }
  if (!domain::ValidPeriod(period) || !domain::IsFiscalYear(period)) {
    return Invalid("period", StrCat("'", period,
                                    "' is not a fiscal year such as FY2016 "
                                    "(budget lines are yearly)"));
  }
  return CheckAgency(request.agency());
}

v1::ListBudgetLinesResponse JudgeBudgetLines(
    const v1::ListBudgetLinesRequest& request,
    const std::vector<v1::AgencyReport>& current,
    const std::vector<v1::Scorecard>& public_cards) {
  std::map<std::string, const v1::Scorecard*> cards;
  for (const v1::Scorecard& card : public_cards) {
    if (card.period() == request.period()) cards[card.unit()] = &card;
  }
  std::vector<const v1::AgencyReport*> lines;
  for (const v1::AgencyReport& r : current) {
    if (!r.has_budget_line()) continue;
    const v1::BudgetLine& b = r.budget_line();
    if (domain::BudgetLinePeriod(b) != request.period()) continue;
    if (!request.agency().empty() && b.agency() != request.agency()) continue;
    lines.push_back(&r);
  }
  std::sort(lines.begin(), lines.end(), [](const auto* a, const auto* b) {
    return std::tie(a->budget_line().agency(), a->budget_line().line_id()) <
           std::tie(b->budget_line().agency(), b->budget_line().line_id());
  });
  v1::ListBudgetLinesResponse out;
  out.set_period(request.period());
  out.set_public_view(true);
  for (const v1::AgencyReport* r : lines) {
    const auto it = cards.find(domain::BudgetLineUnit(r->budget_line()));
    const v1::Scorecard* card = it == cards.end() ? nullptr : it->second;
    if (card != nullptr && card->lags_current()) out.set_lags_current(true);
    *out.add_lines() = LineStatus(*r, card);
  }
  return out;
}

}  // namespace fruition::gateway
