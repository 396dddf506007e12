// What tests of stream::Loop share: a mock Kafka cluster with a producer,
// keys that land in a chosen partition, and reading the loop's counters.
#ifndef FRUITION_SERVICES_COMMON_STREAM_TEST_UTIL_H_
#define FRUITION_SERVICES_COMMON_STREAM_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"
#include "services/common/kafka/admin.h"
#include "services/common/kafka/mock_cluster.h"
#include "services/common/kafka/producer.h"

namespace fruition::stream::testing {

// librdkafka's mock cluster with `topics`, and a producer to it.
struct MockKafka {
  static absl::StatusOr<MockKafka> Start(
      const std::vector<kafka::TopicSpec>& topics);

  std::unique_ptr<kafka::MockCluster> cluster;
  std::unique_ptr<kafka::KafkaProducer> producer;
};

// A key starting with `tag` that kafka::PartitionOf puts in `partition` of
// `partitions`.
std::string KeyIn(const std::string& tag, int32_t partition, int partitions);

// The value of counter `name` in `registry`, summed over its labels (0 if
// absent).
double CounterValue(prometheus::Registry& registry, const std::string& name);
// The sum of gauge `name`'s values in `registry` (0 if absent).
double GaugeValue(prometheus::Registry& registry, const std::string& name);

}  // namespace fruition::stream::testing

#endif  // FRUITION_SERVICES_COMMON_STREAM_TEST_UTIL_H_
