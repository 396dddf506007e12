#include "services/domain/desert.h"

#include <algorithm>
#include <cstdint>

namespace fruition::domain {
namespace {

template <typename K>
int PointsOr0(const std::map<K, int>& points, K key) {
  auto it = points.find(key);
  return it == points.end() ? 0 : it->second;
}

int QuantityPoints(const v1::SentencingRecord& s, const DesertRules& rules) {
  auto it = rules.thresholds.find(s.drug());
  if (it == rules.thresholds.end()) return 0;
  const auto [five_year, ten_year] = it->second;
  const double grams = s.drug_weight_grams();
  if (grams >= 10 * ten_year) return rules.quantity_10x10yr_points;
  if (grams >= ten_year) return rules.quantity_10yr_points;
  if (grams >= five_year) return rules.quantity_5yr_points;
  return 0;
}

DesertRules MakeDefaultDesertRules() {
  DesertRules r;
  r.version = "v1";
  r.function_points = {
      {v1::OFFENSE_FUNCTION_HIGH_LEVEL_SUPPLIER_IMPORTER, 40},
      {v1::OFFENSE_FUNCTION_ORGANIZER_LEADER, 40},
      {v1::OFFENSE_FUNCTION_GROWER_MANUFACTURER, 30},
      {v1::OFFENSE_FUNCTION_FINANCIER_LAUNDERER, 30},
      {v1::OFFENSE_FUNCTION_PILOT_CAPTAIN, 25},
      {v1::OFFENSE_FUNCTION_WHOLESALER, 25},
      {v1::OFFENSE_FUNCTION_MANAGER, 25},
      {v1::OFFENSE_FUNCTION_ENFORCER, 25},
      {v1::OFFENSE_FUNCTION_SUPERVISOR, 20},
      {v1::OFFENSE_FUNCTION_CHEMIST_COOK, 20},
      {v1::OFFENSE_FUNCTION_BROKER_STEERER, 12},
      {v1::OFFENSE_FUNCTION_STREET_LEVEL_DEALER, 8},
      {v1::OFFENSE_FUNCTION_COURIER, 6},
      {v1::OFFENSE_FUNCTION_RENTER_STORER, 6},
      {v1::OFFENSE_FUNCTION_MULE, 4},
      {v1::OFFENSE_FUNCTION_EMPLOYEE_LOOKOUT, 4},
      {v1::OFFENSE_FUNCTION_ENABLER, 3},
      {v1::OFFENSE_FUNCTION_USER, 0},
  };
  r.aggravating_points = {
      {v1::AGGRAVATING_ROLE_ORGANIZER_LEADER, 15},
      {v1::AGGRAVATING_ROLE_MANAGER, 10},
      {v1::AGGRAVATING_ROLE_SUPERVISOR, 6},
  };
  r.mitigating_points = {
      {v1::MITIGATING_ROLE_MINOR, -5},
      {v1::MITIGATING_ROLE_MINIMAL, -10},
  };
  r.points_per_history_category = 4;
  r.weapon_points = {
      {v1::WEAPON_POSSESSED, 8},
      {v1::WEAPON_SECTION_924C, 12},
  };
  r.violence_points = 12;
  r.thresholds = {
      {v1::DRUG_COCAINE, {500, 5000}},
      {v1::DRUG_CRACK, {28, 280}},
      {v1::DRUG_HEROIN, {100, 1000}},
      {v1::DRUG_FENTANYL, {40, 400}},
      {v1::DRUG_METHAMPHETAMINE, {50, 500}},
      {v1::DRUG_MARIJUANA, {100000, 1000000}},
  };
  r.quantity_5yr_points = 4;
  r.quantity_10yr_points = 8;
  r.quantity_10x10yr_points = 12;
  r.high_band_min = 50;
  r.mid_band_min = 25;
  r.lnf_max_history_points = 1;
  r.lnf_functions = {
      v1::OFFENSE_FUNCTION_COURIER,
      v1::OFFENSE_FUNCTION_MULE,
      v1::OFFENSE_FUNCTION_STREET_LEVEL_DEALER,
      v1::OFFENSE_FUNCTION_EMPLOYEE_LOOKOUT,
      v1::OFFENSE_FUNCTION_ENABLER,
      v1::OFFENSE_FUNCTION_RENTER_STORER,
      v1::OFFENSE_FUNCTION_USER,
      v1::OFFENSE_FUNCTION_BROKER_STEERER,
  };
  return r;
}

}  // namespace

const DesertRules& DefaultDesertRules() {
  // Never destroyed, so it is safe to use during static destruction.
  static const DesertRules* const rules =
      new DesertRules(MakeDefaultDesertRules());
  return *rules;
}

DesertResult Score(const v1::SentencingRecord& s, const DesertRules& rules) {
  // Intake guarantees category 1..6; a record that skipped intake (0, or above
  // VI) is scored as the nearest valid category rather than going negative.
  const int category = static_cast<int>(
      std::clamp<uint32_t>(s.criminal_history_category(), 1u, 6u));

  const int sum = PointsOr0(rules.function_points, s.function()) +
                  PointsOr0(rules.aggravating_points, s.aggravating_role()) +
                  PointsOr0(rules.mitigating_points, s.mitigating_role()) +
                  rules.points_per_history_category * (category - 1) +
                  PointsOr0(rules.weapon_points, s.weapon()) +
                  (s.violence() ? rules.violence_points : 0) +
                  QuantityPoints(s, rules);

  DesertResult result;
  result.score = std::clamp(sum, 0, 100);
  if (result.score >= rules.high_band_min) {
    result.band = v1::DESERT_BAND_HIGH;
  } else if (result.score >= rules.mid_band_min) {
    result.band = v1::DESERT_BAND_MID;
  } else {
    result.band = v1::DESERT_BAND_LOW;
  }

  if (s.criminal_history_points() > rules.lnf_max_history_points) {
    result.not_lnf_because.push_back("criminal_history_points");
  }
  if (s.weapon() != v1::WEAPON_NONE) {
    result.not_lnf_because.push_back("weapon");
  }
  if (s.violence()) result.not_lnf_because.push_back("violence");
  if (s.aggravating_role() != v1::AGGRAVATING_ROLE_NONE) {
    result.not_lnf_because.push_back("aggravating_role");
  }
  if (rules.lnf_functions.count(s.function()) == 0) {
    result.not_lnf_because.push_back("function");
  }
  result.lnf = result.not_lnf_because.empty();
  return result;
}

}  // namespace fruition::domain
