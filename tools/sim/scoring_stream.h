// A synthetic input for the scoring service: per subject an arrest (about
// half claiming a PTO link, one in twenty resent), one or two link
// assessments per claim on fruition.link-assessments.v1, a sentencing for
// three in five (one in ten of those amended), and for one in thirty a
// declination in one district and a charge in another. The prosecution
// stage: the arrest's case is opened (nine in ten; one in eight of those
// re-opened later with another origin and designations, and one in three
// sent after the subject's other records), seized from (two in five, some
// seizures sent before the case is opened), charged (seven in ten, one in
// six re-filed with another minimum), declined (one in ten) and disposed
// (most charged, a few never charged). Unlike sim.h's
// calibrated stream it includes link assessments (the evidence service's
// output), so scoring can be driven without evidence; units and ids carry a
// nonce so runs do not collide.
//
// The scoring integration test computes its expectations from the
// ScoringSubject of each subject; bench/scoring_bench measures the service
// on the records. The same (nonce, subjects, seed) always give the same
// records.
#ifndef FRUITION_TOOLS_SIM_SCORING_STREAM_H_
#define FRUITION_TOOLS_SIM_SCORING_STREAM_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fruition/v1/enums.pb.h"
#include "fruition/v1/reports.pb.h"

namespace fruition::sim {

// One record as a producer sends it; the key is the subject's pid.
struct StreamRecord {
  std::string topic;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A prosecution-stage record as it finally counts (the latest of its body
// in its case).
struct CaseEvent {
  std::string case_id;
  std::string district;  // a disposition: its case's latest charge's, or ""
  int64_t at = 0;
  uint32_t minimum = 0;   // charge: mandatory_minimum_months
  bool referred = false;  // declination: referred_to_state
  v1::DispositionOutcome outcome = v1::DISPOSITION_OUTCOME_UNSPECIFIED;
};

// A seizure of the subject's case.
struct SeizureFact {
  int64_t at = 0;
  int64_t cents = 0;  // cash + assets, in cents
};

// What one subject's records say.
struct ScoringSubject {
  std::string pid;
  std::string agency;
  std::string field_office;
  int64_t arrested = 0;  // Unix seconds
  bool claimed = false;
  // The latest assessment of the claim (unspecified without one).
  v1::AssessmentResult result = v1::ASSESSMENT_RESULT_UNSPECIFIED;
  v1::Tier tier = v1::TIER_UNSPECIFIED;
  // The final version of the sentencing report, if sentenced.
  std::optional<v1::AgencyReport> sentencing;
  // The district that charged after another declined, and when ("" if
  // none).
  std::string charged_district;
  int64_t charged_at = 0;
  // The arrest's case: its latest case_opened (none if never opened) and
  // its seizures (counted in the case's units once it is opened).
  std::string case_id;
  std::optional<v1::CaseOpened> case_opened;
  std::vector<SeizureFact> seizures;
  // The latest charge, declination and disposition of each of the
  // subject's cases.
  std::vector<CaseEvent> charges, declinations, dispositions;
  // Every charge record, also those a re-filed charge replaced (a charge
  // filed is a charge, for declined_then_charged_elsewhere).
  std::vector<CaseEvent> charge_history;
};

// The records of `subjects` subjects in "natural" order (each subject's in
// order). `each`, if given, sees every subject after its records are made.
std::vector<StreamRecord> ScoringStream(
    const std::string& nonce, int subjects, uint32_t seed,
    const std::function<void(const ScoringSubject&)>& each = nullptr);

}  // namespace fruition::sim

#endif  // FRUITION_TOOLS_SIM_SCORING_STREAM_H_
