// The evidence service's configuration: flags > FRUITION_* environment >
// YAML file (services/common/config). `fruition-evidence --help` lists it.
#ifndef FRUITION_SERVICES_EVIDENCE_CONFIG_H_
#define FRUITION_SERVICES_EVIDENCE_CONFIG_H_

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/config/config.h"
#include "services/common/stream/loop.h"

namespace fruition::evidence {

struct EvidenceConfig {
  std::string grpc_listen = "127.0.0.1:50052";
  std::string metrics_listen = "127.0.0.1:9102";
  std::string kafka_bootstrap;  // required
  std::map<std::string, std::string> kafka_properties;
  std::string group_id = "fruition-evidence";
  std::string principals_file;  // required
  std::string data_dir;         // required; RocksDB in <data_dir>/evidence
  std::string criteria_file;    // empty: the built-in v1 rulebook
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

const std::vector<config::Spec>& EvidenceSpecs();

absl::StatusOr<EvidenceConfig> EvidenceConfigFrom(const config::Settings& s);

}  // namespace fruition::evidence

#endif  // FRUITION_SERVICES_EVIDENCE_CONFIG_H_
