// Topic provisioning and inspection helpers (admin API and watermarks).
// Used by start-up checks, `fruition dev`, tests and benchmarks; production
// topics are provisioned by deploy/ (see docs/OPERATIONS.md).
#ifndef FRUITION_SERVICES_COMMON_KAFKA_ADMIN_H_
#define FRUITION_SERVICES_COMMON_KAFKA_ADMIN_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace fruition::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 12;
  int replication_factor = 1;
  std::map<std::string, std::string> config;  // e.g. retention.ms=-1
};

// The topics of SPEC §7 that intake writes, with `partitions` each (the
// reports topic is the system of record: unlimited retention).
std::vector<TopicSpec> IntakeTopics(int partitions, int replication_factor);

// Creates the topics that do not exist yet; existing ones are left alone.
absl::Status EnsureTopics(const std::string& bootstrap,
                          const std::map<std::string, std::string>& properties,
                          const std::vector<TopicSpec>& topics,
                          std::chrono::milliseconds timeout);

// Partition count of `topic`; NOT_FOUND if it does not exist.
absl::StatusOr<int> PartitionCount(
    const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    const std::string& topic, std::chrono::milliseconds timeout);

}  // namespace fruition::kafka

#endif  // FRUITION_SERVICES_COMMON_KAFKA_ADMIN_H_
