// A synthetic input for the scoring service: per subject an arrest (about
// half claiming a PTO link, one in twenty resent), one or two link
// assessments per claim on fruition.link-assessments.v1, a sentencing for
// three in five (one in ten of those amended), and for one in thirty a
// declination in one district and a charge in another. Unlike sim.h's
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
};

// The records of `subjects` subjects in "natural" order (each subject's in
// order). `each`, if given, sees every subject after its records are made.
std::vector<StreamRecord> ScoringStream(
    const std::string& nonce, int subjects, uint32_t seed,
    const std::function<void(const ScoringSubject&)>& each = nullptr);

}  // namespace fruition::sim

#endif  // FRUITION_TOOLS_SIM_SCORING_STREAM_H_
