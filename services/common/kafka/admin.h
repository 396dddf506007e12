// Topic provisioning and inspection helpers (admin API and watermarks).
// Used by start-up checks, `fruition dev`, tests, benchmarks and
// `fruitctl topics ensure`, which provisions production topics (see
// docs/deploy.md).
#ifndef FRUITION_SERVICES_COMMON_KAFKA_ADMIN_H_
#define FRUITION_SERVICES_COMMON_KAFKA_ADMIN_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/topics.h"

namespace fruition::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 12;
  int replication_factor = 1;
  std::map<std::string, std::string> config;  // e.g. retention.ms=-1
};

// How a deployment lays out the catalogue's topics; 0 keeps the catalogue's
// default (topics::Topic).
struct TopicLayout {
  int partitions = 0;
  int replication_factor = 0;
  // Capped at the replication factor, so that a single-broker dev or test
  // cluster (replication 1) gets topics it can write to.
  int min_insync_replicas = 0;
  // Prepended to every name; for tests that share a broker only.
  std::string prefix;
};

// The spec of catalogue entry `topic` under `layout`: retention, cleanup
// policy and min.insync.replicas from the catalogue (topics::TopicConfig).
TopicSpec SpecOf(const topics::Topic& topic, const TopicLayout& layout);

// SpecOf each of `topics`, in order.
std::vector<TopicSpec> SpecsOf(const std::vector<const topics::Topic*>& topics,
                               const TopicLayout& layout);

// SpecsOf every topic of the catalogue.
std::vector<TopicSpec> CatalogueSpecs(const TopicLayout& layout);

// The specs of the topics `service` (topics::kIntake, ...) reads or writes:
// what its --create-topics creates.
std::vector<TopicSpec> ServiceTopics(std::string_view service, int partitions,
                                     int replication_factor);

// The topics intake writes (for tests and benchmarks that start from intake).
std::vector<TopicSpec> IntakeTopics(int partitions, int replication_factor);

// Creates the topics that do not exist yet; existing ones are left alone.
absl::Status EnsureTopics(const std::string& bootstrap,
                          const std::map<std::string, std::string>& properties,
                          const std::vector<TopicSpec>& topics,
                          std::chrono::milliseconds timeout);

// What a broker says about an existing topic.
struct TopicDescription {
  std::string name;
  int partitions = 0;
  // The smallest replica count over the topic's partitions.
  int replication_factor = 0;
  // Every topic config the broker reports, with its effective value
  // (explicitly set on the topic or inherited from the broker's defaults),
  // e.g. retention.ms, min.insync.replicas, cleanup.policy.
  std::map<std::string, std::string> config;
};

// The topics of `names` that exist, by name, with their partitions and
// replicas from the cluster's metadata (`config` left empty). All topics are
// listed, so this never auto-creates a topic on brokers with
// auto.create.topics.enable. UNAVAILABLE when the cluster does not answer
// within `timeout`.
absl::StatusOr<std::map<std::string, TopicDescription>> TopicLayouts(
    const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    const std::vector<std::string>& names, std::chrono::milliseconds timeout);

// TopicLayouts plus every topic's configs from the DescribeConfigs admin
// API (which needs a real broker: librdkafka's mock cluster has no
// controller to answer it). UNAVAILABLE when the cluster does not answer or
// refuses a request (the message says which).
absl::StatusOr<std::map<std::string, TopicDescription>> DescribeTopics(
    const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    const std::vector<std::string>& names, std::chrono::milliseconds timeout);

// Partition count of `topic`; NOT_FOUND if it does not exist by `timeout`
// (a topic just created is waited for until the broker asked knows it).
absl::StatusOr<int> PartitionCount(
    const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    const std::string& topic, std::chrono::milliseconds timeout);

}  // namespace fruition::kafka

#endif  // FRUITION_SERVICES_COMMON_KAFKA_ADMIN_H_
