#include "services/scoring/indicators.h"

namespace fruition::scoring {
namespace {

v1::Indicator Make(const std::string& name, double value, int64_t n,
                   bool defined = true) {
  v1::Indicator i;
  i.set_name(name);
  i.set_n(n);
  i.set_defined(defined);
  if (defined) i.set_value(value);
  return i;
}

// numerator ÷ denominator, undefined when the denominator is 0.
v1::Indicator Ratio(const std::string& name, int64_t num, int64_t den,
                    int64_t n) {
  if (den == 0) return Make(name, 0, n, false);
  return Make(name, static_cast<double>(num) / static_cast<double>(den), n);
}

}  // namespace

std::vector<v1::Indicator> ComputeIndicators(
    const internal::Components& c, const AgencyYearReference* reference,
    const CommunityChange* community, const IndicatorOptions& options) {
  std::vector<v1::Indicator> out;
  const int64_t sentenced = c.sentenced();
  out.push_back(Make("arrests", static_cast<double>(c.arrests()), c.arrests()));
  out.push_back(Make("pto_linked_arrests_claimed",
                     static_cast<double>(c.claimed()), c.claimed()));
  out.push_back(Make("pto_linked_arrests_substantiated",
                     static_cast<double>(c.substantiated()), c.claimed()));
  out.push_back(Ratio("link_substantiation_rate", c.substantiated(),
                      c.claimed(), c.claimed()));
  out.push_back(Make("sentenced", static_cast<double>(sentenced), sentenced));
  out.push_back(Ratio("mean_desert", c.desert_sum(), sentenced, sentenced));
  out.push_back(
      Ratio("high_desert_share", c.high_desert(), sentenced, sentenced));
  out.push_back(Ratio("lnf_share", c.lnf(), sentenced, sentenced));
  out.push_back(Ratio("ch1_share", c.ch1(), sentenced, sentenced));
  out.push_back(Ratio("weapon_share", c.weapon(), sentenced, sentenced));
  out.push_back(
      Ratio("aggravating_role_share", c.aggravating(), sentenced, sentenced));
  out.push_back(Ratio("claimed_priority_share", c.claimed_priority(), sentenced,
                      sentenced));
  if (sentenced > 0) {
    out.push_back(
        Make("fruition_gap",
             static_cast<double>(c.claimed_priority() - c.high_desert()) /
                 static_cast<double>(sentenced),
             sentenced));
  } else {
    out.push_back(Make("fruition_gap", 0, 0, false));
  }
  out.push_back(Make("weighted_enforcement_value",
                     static_cast<double>(c.wev_x800()) / 800.0, sentenced));
  const double lnf_years = static_cast<double>(c.lnf_months()) / 12.0;
  out.push_back(Make("lnf_prison_years", lnf_years, c.lnf()));
  out.push_back(
      Make("lnf_cost_usd", lnf_years * options.cost_per_prison_year, c.lnf()));
  out.push_back(Make("declined_then_charged_elsewhere",
                     static_cast<double>(c.declined_charged()),
                     c.declined_charged()));
  if (reference != nullptr) {
    out.push_back(Make("org_outcomes_reported",
                       static_cast<double>(reference->org_outcomes),
                       reference->org_outcomes));
    out.push_back(Make("pending_counted_as_dismantled",
                       static_cast<double>(reference->pending_dismantled),
                       reference->pending_dismantled));
    for (const auto& [measure, target] : reference->target) {
      int64_t reported = 0;
      if (measure == "PERFORMANCE_MEASURE_ARRESTS") {
        reported = c.arrests();
      } else if (auto it = reference->reported.find(measure);
                 it != reference->reported.end()) {
        reported = it->second;
      }
      out.push_back(
          Ratio("target_ratio:" + measure, reported, target, reported));
    }
  }
  if (community != nullptr) {
    for (const auto& [kind, series] : *community) {
      const auto& [first, latest, periods] = series;
      // n: the periods reported. A change needs two, and a first value.
      const bool defined = periods >= 2 && first != 0;
      out.push_back(Make("community_change:" + kind,
                         defined ? latest / first - 1.0 : 0, periods, defined));
    }
  }
  return out;
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
