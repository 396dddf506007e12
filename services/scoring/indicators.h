// SPEC §5 indicators from a unit-period's summed components, and the public
// view with small cells suppressed.
#ifndef FRUITION_SERVICES_SCORING_INDICATORS_H_
#define FRUITION_SERVICES_SCORING_INDICATORS_H_

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "fruition/internal/scoring.pb.h"
#include "fruition/v1/scores.pb.h"

namespace fruition::scoring {

// Facts from fruition.reference.v1 about one agency and fiscal year.
struct AgencyYearReference {
  int64_t org_outcomes = 0;        // OrgOutcomeClaims of that fiscal_year
  int64_t pending_dismantled = 0;  // of those, DISMANTLED and pending
  // PerformanceMeasure name -> target, and what counts toward it (ARRESTS
  // is filled from the components).
  std::map<std::string, int64_t> target;
  std::map<std::string, int64_t> reported;
};

// Per area and indicator kind: (first period value, latest period value,
// periods reported).
using CommunityChange =
    std::map<std::string, std::tuple<double, double, int64_t>>;

struct IndicatorOptions {
  double cost_per_prison_year = 36299;  // lnf_cost_usd
};

// Every indicator, restricted view (no suppression), in a fixed order.
// `reference` only for agency units and fiscal years; `community` only for
// area units.
std::vector<v1::Indicator> ComputeIndicators(
    const internal::Components& c, const AgencyYearReference* reference,
    const CommunityChange* community, const IndicatorOptions& options);

// The public view: every indicator with 0 < n < `min_n` loses its value and
// is marked suppressed (SPEC §5: min_n = 11).
void Suppress(v1::Scorecard* card, int64_t min_n = 11);

}  // namespace fruition::scoring

#endif  // FRUITION_SERVICES_SCORING_INDICATORS_H_
