// The scoring service's configuration: the common settings
// (services/common/service) and its own, from flags > FRUITION_* environment
// > YAML file. `fruition-scoring --help` lists them.
#ifndef FRUITION_SERVICES_SCORING_CONFIG_H_
#define FRUITION_SERVICES_SCORING_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/config/config.h"
#include "services/common/service/service.h"

namespace fruition::scoring {

// group_id is stage 1's group; stage 2 uses <group_id>-stage2.
inline constexpr service::ServiceDefaults kScoringDefaults = {
    "127.0.0.1:50053", "127.0.0.1:9103", "fruition-scoring"};

struct ScoringConfig : service::CommonConfig {
  ScoringConfig() : service::CommonConfig(kScoringDefaults) {}
  std::string criteria_version = "v1";
  double cost_per_prison_year = 36299;
  int contribution_partitions = 12;
  // Tests that share one broker: every topic scoring reads or writes, but
  // the audit trail, is PREFIX + its catalogue name, so each test's scoring
  // reads only its own records. Empty in production.
  std::string topic_prefix;
};

const std::vector<config::Spec>& ScoringSpecs();

absl::StatusOr<ScoringConfig> ScoringConfigFrom(const config::Settings& s);

}  // namespace fruition::scoring

#endif  // FRUITION_SERVICES_SCORING_CONFIG_H_
