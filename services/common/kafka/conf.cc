#include "services/common/kafka/conf.h"

#include <librdkafka/rdkafka.h>

#include "services/common/strings.h"

namespace fruition::kafka {

absl::StatusOr<rd_kafka_conf_t*> NewConf(
    const std::map<std::string, std::string>& properties) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err,
                          sizeof(err)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(
          StrCat("kafka property ", name, ": ", err));
    }
  }
  return conf;
}

}  // namespace fruition::kafka
