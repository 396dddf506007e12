// The reconciler's configuration: the common settings
// (services/common/service) and its own (the SPEC §6 thresholds), from flags
// > FRUITION_* environment > YAML file. `fruition-reconciler --help` lists
// them.
#ifndef FRUITION_SERVICES_RECONCILER_CONFIG_H_
#define FRUITION_SERVICES_RECONCILER_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/config/config.h"
#include "services/common/service/service.h"
#include "services/reconciler/rules.h"

namespace fruition::reconciler {

inline constexpr service::ServiceDefaults kReconcilerDefaults = {
    "127.0.0.1:50054", "127.0.0.1:9104", "fruition-reconciler"};

struct ReconcilerConfig : service::CommonConfig {
  ReconcilerConfig() : service::CommonConfig(kReconcilerDefaults) {}
  std::string criteria_version = "v1";
  Thresholds thresholds;
};

const std::vector<config::Spec>& ReconcilerSpecs();

absl::StatusOr<ReconcilerConfig> ReconcilerConfigFrom(
    const config::Settings& s);

}  // namespace fruition::reconciler

#endif  // FRUITION_SERVICES_RECONCILER_CONFIG_H_
