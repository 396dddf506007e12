// `fruitctl topics ensure`: provisions the Kafka topics of SPEC §7 and checks
// them. Creates the topics that are missing with the partition count,
// replication factor, retention and min.insync.replicas Fruition needs, and
// compares every topic that already exists with those settings. It changes
// nothing on an existing topic: a wrong partition count cannot be fixed
// without breaking co-partitioning, and retention is the operator's call, so
// a difference is reported (MISMATCH, naming what differs) and left to a
// person. Idempotent: a second run creates nothing and reports "ok".
//
// The logic runs against the `TopicAdmin` interface (Kafka's admin API in
// production, a fake in unit tests). Thread-compatible.
#ifndef FRUITION_TOOLS_FRUITCTL_TOPICS_H_
#define FRUITION_TOOLS_FRUITCTL_TOPICS_H_

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/kafka/admin.h"

namespace fruition::fruitctl {

struct TopicsOptions {
  // Every topic gets the same count: per-subject topics are co-partitioned
  // (ARCHITECTURE principle 3) and the reconciler refuses differing counts.
  int partitions = 12;
  int replication_factor = 3;
  int min_insync_replicas = 2;  // at most replication_factor
  // Prepended to every topic name. For tests that share a broker only; a
  // deployment never sets it (the services read the unprefixed names).
  std::string topic_prefix;
};

// INVALID_ARGUMENT naming the flag when `options` is out of range.
absl::Status Validate(const TopicsOptions& options);

// The topics of the catalogue (services/common/topics.h) with the settings
// they must have: retention and cleanup policy from the catalogue (all
// unlimited, cleanup.policy=delete, because every topic is the input of some
// service's state and a state store is rebuilt by replaying it from the
// beginning); partitions, replication and min.insync.replicas as given.
std::vector<kafka::TopicSpec> WantedTopics(const TopicsOptions& options);

// The chart's copy of the catalogue, helm/fruition/templates/topics/
// _catalogue.tpl (`fruitctl topics helm` prints it): templates cannot read
// C++, so the chart's KafkaTopics range over this generated list, and
// //tools/fruitctl:helm_catalogue_test fails when the file differs from it.
std::string HelmTopicCatalogue();

// What differs between `want` and `have`, one entry per setting, e.g.
// "partitions 6, want 12" or "retention.ms 604800000, want -1"; empty when
// `have` matches. Config keys not in `want.config` are not compared.
std::vector<std::string> Differences(const kafka::TopicSpec& want,
                                     const kafka::TopicDescription& have);

// The Kafka cluster, as far as `topics ensure` needs it.
class TopicAdmin {
 public:
  virtual ~TopicAdmin() = default;
  // The topics of `names` that exist (others absent from the result).
  virtual absl::StatusOr<std::map<std::string, kafka::TopicDescription>>
  Describe(const std::vector<std::string>& names) = 0;
  // Creates `topics` (none of which existed a moment ago).
  virtual absl::Status Create(const std::vector<kafka::TopicSpec>& topics) = 0;
};

// The TopicAdmin of the cluster at `bootstrap` (librdkafka admin API),
// each request bounded by `timeout`.
std::unique_ptr<TopicAdmin> NewKafkaTopicAdmin(
    const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    std::chrono::milliseconds timeout);

enum class TopicStatus {
  kOk,        // existed with the wanted settings
  kCreated,   // created now, and described with the wanted settings
  kMismatch,  // exists with other settings (see `differences`)
  kMissing,   // created, but not visible in the cluster's metadata in time
};

struct TopicRow {
  kafka::TopicSpec want;
  std::optional<kafka::TopicDescription> have;  // as described last
  TopicStatus status = TopicStatus::kMissing;
  std::vector<std::string> differences;  // for kMismatch
};

// Describes `wanted`, creates the missing ones, describes again until every
// created topic is visible (or `settle_timeout` passes) and compares each
// topic with what it must be. One row per wanted topic, in order. Errors
// (UNAVAILABLE and others) are Kafka's: the cluster could not be described
// or refused to create a topic.
absl::StatusOr<std::vector<TopicRow>> EnsureTopics(
    TopicAdmin* admin, const std::vector<kafka::TopicSpec>& wanted,
    std::chrono::milliseconds settle_timeout);

// True when every row is kOk or kCreated.
bool AllCorrect(const std::vector<TopicRow>& rows);

// The rows as an aligned table with the columns TOPIC, PARTITIONS,
// REPLICATION, RETENTION, MIN.INSYNC.REPLICAS and STATUS ("created", "ok",
// "MISMATCH: what differs; ...", or "MISSING: ..."), one line per topic.
std::string FormatTable(const std::vector<TopicRow>& rows);

}  // namespace fruition::fruitctl

#endif  // FRUITION_TOOLS_FRUITCTL_TOPICS_H_
