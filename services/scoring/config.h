// The scoring service's configuration: flags > FRUITION_* environment > YAML
// file (services/common/config). `fruition-scoring --help` lists it.
#ifndef FRUITION_SERVICES_SCORING_CONFIG_H_
#define FRUITION_SERVICES_SCORING_CONFIG_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/config/config.h"
#include "services/common/stream/loop.h"

namespace fruition::scoring {

struct ScoringConfig {
  std::string grpc_listen = "127.0.0.1:50053";
  std::string metrics_listen = "127.0.0.1:9103";
  std::string kafka_bootstrap;  // required
  std::map<std::string, std::string> kafka_properties;
  std::string group_id = "fruition-scoring";  // stage 2: <group>-stage2
  std::string principals_file;                // required
  std::string data_dir;  // required; <data_dir>/scoring/{stage1,stage2}
  std::string criteria_version = "v1";
  double cost_per_prison_year = 36299;
  int contribution_partitions = 12;
  stream::SkipSet skip_records;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  int drain_timeout_ms = 10000;
  bool create_topics = false;
  int topic_partitions = 12;
  int topic_replication = 1;
  std::string log_level = "info";
};

const std::vector<config::Spec>& ScoringSpecs();

absl::StatusOr<ScoringConfig> ScoringConfigFrom(const config::Settings& s);

}  // namespace fruition::scoring

#endif  // FRUITION_SERVICES_SCORING_CONFIG_H_
