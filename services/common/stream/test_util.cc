#include "services/common/stream/test_util.h"

#include "services/common/kafka/partition.h"
#include "services/common/strings.h"

namespace fruition::stream::testing {

absl::StatusOr<MockKafka> MockKafka::Start(
    const std::vector<kafka::TopicSpec>& topics) {
  MockKafka k;
  auto cluster = kafka::MockCluster::Start(1);
  if (!cluster.ok()) return cluster.status();
  k.cluster = std::move(*cluster);
  if (absl::Status s = k.cluster->CreateTopics(topics); !s.ok()) return s;
  kafka::ProducerOptions options;
  options.bootstrap_servers = k.cluster->bootstrap_servers();
  auto producer = kafka::KafkaProducer::Create(options);
  if (!producer.ok()) return producer.status();
  k.producer = std::move(*producer);
  return k;
}

std::string KeyIn(const std::string& tag, int32_t partition, int partitions) {
  for (int k = 0;; ++k) {
    std::string key = StrCat(tag, "-", k);
    if (kafka::PartitionOf(key, partitions) == partition) return key;
  }
}

double CounterValue(prometheus::Registry& registry, const std::string& name) {
  double total = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) total += m.counter.value;
  }
  return total;
}

double GaugeValue(prometheus::Registry& registry, const std::string& name) {
  double total = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) total += m.gauge.value;
  }
  return total;
}

}  // namespace fruition::stream::testing
