#include "services/scoring/indicators.h"

namespace fruition::scoring {

std::vector<v1::Indicator> ComputeIndicators(
    const internal::Components& c, const AgencyYearReference* reference,
    const CommunityChange* community, const IndicatorOptions& options,
    const std::string& unit) {
  return domain::ComputeIndicators({c, reference, community, options, unit});
}

void Suppress(v1::Scorecard* card, int64_t min_n) {
  for (v1::Indicator& i : *card->mutable_indicators()) {
    if (i.n() > 0 && i.n() < min_n) {
      i.set_suppressed(true);
      i.clear_value();
    }
  }
}

}  // namespace fruition::scoring
