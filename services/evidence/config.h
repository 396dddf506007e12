// The evidence service's configuration: the common settings
// (services/common/service) and its own, from flags > FRUITION_* environment
// > YAML file. `fruition-evidence --help` lists them.
#ifndef FRUITION_SERVICES_EVIDENCE_CONFIG_H_
#define FRUITION_SERVICES_EVIDENCE_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/config/config.h"
#include "services/common/privacy/sealed_box.h"
#include "services/common/service/service.h"

namespace fruition::evidence {

inline constexpr service::ServiceDefaults kEvidenceDefaults = {
    "127.0.0.1:50052", "127.0.0.1:9102", "fruition-evidence"};

struct EvidenceConfig : service::CommonConfig {
  EvidenceConfig() : service::CommonConfig(kEvidenceDefaults) {}
  std::string criteria_file;  // empty: the built-in v1 rulebook
  // Sealed-text key ring (privacy::SealedBox): this, or sealed_key, required.
  std::string sealed_key_file;
  std::string sealed_key;  // secret: never logged
};

// The key ring the config names (file or value).
absl::StatusOr<privacy::SealedBox> SealedBoxFrom(const EvidenceConfig& c);

const std::vector<config::Spec>& EvidenceSpecs();

absl::StatusOr<EvidenceConfig> EvidenceConfigFrom(const config::Settings& s);

}  // namespace fruition::evidence

#endif  // FRUITION_SERVICES_EVIDENCE_CONFIG_H_
