// The partition Kafka's default partitioner (Java's murmur2, librdkafka's
// "murmur2_random" for non-empty keys) gives a key, so a consumer can tell
// which keys its assigned partitions hold.
#ifndef FRUITION_SERVICES_COMMON_KAFKA_PARTITION_H_
#define FRUITION_SERVICES_COMMON_KAFKA_PARTITION_H_

#include <cstdint>
#include <string_view>

namespace fruition::kafka {

// Kafka's murmur2 hash of `key` (org.apache.kafka.common.utils.Utils).
int32_t Murmur2(std::string_view key);

// The partition (0 .. partitions-1) of a non-empty `key`.
int32_t PartitionOf(std::string_view key, int32_t partitions);

}  // namespace fruition::kafka

#endif  // FRUITION_SERVICES_COMMON_KAFKA_PARTITION_H_
