// What a stream of reports says, computed from the reports alone (not from
// the generator's parameters): the calibration figures of docs/simulation.md
// and the national indicators the study's gap is read from. Pure; used by
// fruition-sim's manifest and by the calibration test.
//
// Subjects are joined on subject_ref (trimmed, upper-cased, as intake
// pseudonymizes it) or, for reports that went through intake, subject_pid.
// Sentencing counts as SPEC §5 says: one record per (subject, case_id), the
// latest occurred_at (an amended judgment) replacing earlier ones.
#ifndef FRUITION_TOOLS_SIM_MEASURE_H_
#define FRUITION_TOOLS_SIM_MEASURE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fruition/v1/enums.pb.h"
#include "fruition/v1/reports.pb.h"

namespace fruition::sim {

// reported ÷ target for one agency, fiscal year and measure (SPEC §5
// `target_ratio`).
struct TargetRatio {
  std::string agency;
  int fiscal_year = 0;
  v1::PerformanceMeasure measure = v1::PERFORMANCE_MEASURE_UNSPECIFIED;
  int64_t target = 0;
  int64_t reported = 0;
  double ratio() const {
    return target > 0 ? static_cast<double>(reported) / target : 0;
  }
};

struct Measures {
  int64_t reports = 0;
  std::map<std::string, int64_t> by_body;      // "link_claim" -> count
  std::map<std::string, int64_t> by_reporter;  // "DEA" -> count

  // Sentenced: (subject, case) pairs with a SentencingRecord, latest wins.
  int64_t sentenced = 0;
  int64_t amended_judgments = 0;  // records replaced by a later one
  std::map<v1::OffenseFunction, int64_t> functions;
  double share(v1::OffenseFunction f) const;
  double category_one_share = 0;      // criminal_history_category == 1
  double weapon_share = 0;            // weapon != NONE
  double aggravating_role_share = 0;  // aggravating_role != NONE
  // Desert (services/domain/desert.h, score_version v1).
  double mean_desert = 0;
  double high_desert_share = 0;
  double lnf_share = 0;
  // Sentenced whose arrest (same subject and case) claimed a link to an org
  // whose latest designation is CPOT, RPOT or PTO_NATIONAL.
  double claimed_priority_share = 0;
  double fruition_gap() const {
    return claimed_priority_share - high_desert_share;
  }
  // Of those claimed-priority sentenced, the share sentenced LNF or with a
  // mitigating role (what TIER_MISMATCH flags).
  double tier_mismatch_share = 0;

  int64_t dispositions = 0;
  double plea_share = 0;  // PLEA ÷ dispositions (SPEC plea_rate)

  // The prosecution stage, over (subject, case_id) pairs, the latest record
  // of each body counting (SPEC §5 v1.1); "the case's charge" of a pair is
  // its latest charge_filed.
  int64_t charged = 0;            // pairs with a charge_filed
  int64_t mm_charged = 0;         // ... whose latest carries a minimum
  int64_t refiled = 0;            // ... with more than one charge_filed
  int64_t declined = 0;           // pairs with a declination
  int64_t referred_to_state = 0;  // ... the latest referred to the state
  int64_t declined_then_charged_same_district = 0;  // pairs
  int64_t pleas = 0;  // latest disposition per pair
  int64_t trial_convictions = 0;
  int64_t disposed_pairs = 0;
  int64_t dispositions_without_charge = 0;  // pairs with no charge_filed
  double mandatory_minimum_charged_share() const;
  double declination_rate() const;  // declined ÷ (declined + charged)
  double referred_to_state_share() const;
  double plea_rate() const;            // PLEA ÷ disposed pairs
  double conviction_rate() const;      // PLEA or TRIAL_CONVICTION ÷ disposed
  double convictions_by_plea() const;  // PLEA ÷ (PLEA + TRIAL_CONVICTION)

  // The sentenced joined to their case's charge and case.
  int64_t mm_sentenced = 0;  // the case's charge carries a minimum
  int64_t mm_safety_valve = 0;
  int64_t mm_below = 0;                       // sentence_months < minimum
  int64_t mm_below_without_safety_valve = 0;  // substantial assistance
  int64_t mm_relieved = 0;                    // safety valve or below
  int64_t lnf_sentenced = 0;
  int64_t lnf_mm = 0;
  int64_t lnf_safety_valve = 0;
  int64_t heavy = 0;  // weight ≥ the drug's 10-year threshold
  int64_t heavy_lnf_function = 0;
  int64_t ocdetf_sentenced = 0;
  int64_t ocdetf_lnf = 0;
  std::map<v1::Drug, int64_t> drugs;
  std::map<int64_t, int64_t> sentence_months;  // months -> sentenced
  double drug_share(v1::Drug d) const;
  double mean_sentence_months() const;
  // Median; of an even count, the mean of the two middle values.
  double median_sentence_months() const;
  // Mean sentence of those convicted of a minimum who got no relief.
  double mm_unrelieved_mean_months = 0;

  int64_t seizures = 0;
  int64_t seizures_before_case_opened = 0;  // or with no case_opened at all
  double seized_value_usd = 0;              // Σ cash_usd + assets_usd

  // Cases with a case_opened; of them, those with neither a charge_filed nor
  // a declination under their case_id.
  int64_t cases_opened = 0;
  double not_referred_share = 0;
  int64_t declined_then_charged_elsewhere = 0;  // subjects

  // Link claims assessed with the v1 rulebook (services/evidence/criteria.h)
  // on everything in the stream.
  int64_t claims = 0;
  int64_t substantiated = 0;
  int64_t partial = 0;
  int64_t unsubstantiated = 0;
  int64_t arrests = 0;
  int64_t arrests_claimed = 0;
  int64_t arrests_substantiated = 0;

  int64_t orgs_designated = 0;
  int64_t orgs_revoked = 0;
  int64_t org_outcomes = 0;
  int64_t pending_dismantled = 0;
  std::vector<TargetRatio> target_ratios;  // every PerformanceTarget
  // Over the DEA's PTO_* and CPOT_* rows: min and max of ratio − 1.
  double dea_overshoot_min = 0;
  double dea_overshoot_max = 0;

  int64_t community_indicators = 0;
};

Measures Measure(const std::vector<v1::AgencyReport>& reports);

// One row of the calibration table (docs/simulation.md). `produced` must lie
// in [low − tolerance, high + tolerance].
struct CalibrationRow {
  std::string id;      // e.g. "function_courier"
  std::string figure;  // what is measured, in words
  std::string source;  // the study's note
  double low = 0;      // the value used (a point: low == high)
  double high = 0;
  double tolerance = 0;
  double produced = 0;
  bool ok() const {
    return produced >= low - tolerance - 1e-12 &&
           produced <= high + tolerance + 1e-12;
  }
};

std::vector<CalibrationRow> Calibration(const Measures& m);

// One national figure of the prosecution stage (SPEC §5 v1.1 indicator
// names where there is one) beside the published figure it compares with,
// when there is one. What `fruition-sim` prints and writes to the manifest,
// so the sample's national figures can be read next to the published ones.
struct NationalFigure {
  std::string id;    // e.g. "lnf_mandatory_minimum_share"
  std::string what;  // in words, with its denominator
  double sample = 0;
  bool has_published = false;
  double published = 0;
  std::string source;  // of the published figure
};

std::vector<NationalFigure> NationalFigures(const Measures& m);

}  // namespace fruition::sim

#endif  // FRUITION_TOOLS_SIM_MEASURE_H_
