// The desert score, band and LNF classification of SPEC §4 as pure code, with
// the weights and thresholds as versioned data (score_version "v1").
//
// The desert score says how much punishment a sentenced person's own conduct
// warrants on the judiciary's facts (role in the offense, record, weapon,
// violence, quantity) — the study's measure of whether enforcement reached
// culpable people (Part II.B.3).
#ifndef FRUITION_SERVICES_DOMAIN_DESERT_H_
#define FRUITION_SERVICES_DOMAIN_DESERT_H_

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fruition/v1/enums.pb.h"
#include "fruition/v1/reports.pb.h"

namespace fruition::domain {

// One version of the desert weights (SPEC §4).
struct DesertRules {
  std::string version = "v1";
  std::map<v1::OffenseFunction, int> function_points;     // absent: 0
  std::map<v1::AggravatingRole, int> aggravating_points;  // absent: 0
  std::map<v1::MitigatingRole, int> mitigating_points;    // absent: 0
  int points_per_history_category = 4;                    // × (category − 1)
  std::map<v1::Weapon, int> weapon_points;                // absent: 0
  int violence_points = 12;
  // Per drug, the 5-year and 10-year thresholds in grams (21 U.S.C.
  // § 841(b)(1)); absent drugs (OTHER) score 0 for quantity.
  std::map<v1::Drug, std::pair<double, double>> thresholds;
  int quantity_5yr_points = 4;
  int quantity_10yr_points = 8;
  int quantity_10x10yr_points = 12;  // ≥ 10 × the 10-year threshold
  int high_band_min = 50;            // HIGH ≥ this
  int mid_band_min = 25;             // MID ≥ this, below high_band_min
  // LNF: criminal_history_points ≤ this, weapon NONE, no violence,
  // aggravating_role NONE, function in lnf_functions.
  unsigned lnf_max_history_points = 1;
  std::set<v1::OffenseFunction> lnf_functions;
};

// The built-in v1 weights of SPEC §4.
const DesertRules& DefaultDesertRules();

struct DesertResult {
  int score = 0;  // 0–100, clamped
  v1::DesertBand band = v1::DESERT_BAND_UNSPECIFIED;
  bool lnf = false;
  // When lnf is false, which conditions failed, each one of:
  // "criminal_history_points", "weapon", "violence", "aggravating_role",
  // "function" (in that order).
  std::vector<std::string> not_lnf_because;
};

DesertResult Score(const v1::SentencingRecord& s,
                   const DesertRules& rules = DefaultDesertRules());

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_DESERT_H_
