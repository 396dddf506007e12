// SPEC §5 indicators from a unit-period's summed components (computed by
// the indicator registry, services/domain/indicators.h), and the public
// view with small cells suppressed.
#ifndef FRUITION_SERVICES_SCORING_INDICATORS_H_
#define FRUITION_SERVICES_SCORING_INDICATORS_H_

#include <cstdint>
#include <vector>

#include "fruition/internal/scoring.pb.h"
#include "fruition/v1/scores.pb.h"
#include "services/domain/indicators.h"

namespace fruition::scoring {

using domain::AgencyYearReference;
using domain::CommunityChange;
using domain::IndicatorOptions;

// Every indicator of the registry, restricted view (no suppression), in a
// fixed order, for `unit` (`agency:DEA`). `reference` only for agency units
// and fiscal years; `community` only for area units.
std::vector<v1::Indicator> ComputeIndicators(
    const internal::Components& c, const AgencyYearReference* reference,
    const CommunityChange* community, const IndicatorOptions& options,
    const std::string& unit);

// The public view: every indicator with 0 < n < `min_n` loses its value and
// is marked suppressed (SPEC §5: min_n = 11).
void Suppress(v1::Scorecard* card, int64_t min_n = 11);

}  // namespace fruition::scoring

#endif  // FRUITION_SERVICES_SCORING_INDICATORS_H_
