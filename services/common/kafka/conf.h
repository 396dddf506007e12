// The one place librdkafka configuration objects are built from properties.
#ifndef FRUITION_SERVICES_COMMON_KAFKA_CONF_H_
#define FRUITION_SERVICES_COMMON_KAFKA_CONF_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"

struct rd_kafka_conf_s;

namespace fruition::kafka {

// A new rd_kafka_conf_t holding `properties` (the caller owns it: pass it to
// rd_kafka_new, or rd_kafka_conf_destroy it). INVALID_ARGUMENT naming the
// property librdkafka refused.
absl::StatusOr<rd_kafka_conf_s*> NewConf(
    const std::map<std::string, std::string>& properties);

}  // namespace fruition::kafka

#endif  // FRUITION_SERVICES_COMMON_KAFKA_CONF_H_
