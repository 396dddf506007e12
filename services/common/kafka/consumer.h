// Kafka consumers whose offsets live with the consumer's own state (in the
// same RocksDB WriteBatch, ARCHITECTURE principle 2), not in Kafka.
//
// GroupConsumer: a member of a consumer group (e.g. fruition-evidence) on the
// per-subject topics. On each assignment it asks the owner where to start in
// every partition; before a revocation it hands over the records it has
// polled but not yet returned, so the owner can finish them first.
//
// TopicReader: reads whole topics (e.g. fruition.reference.v1, a global
// table every instance needs) from owner-given offsets, outside any group.
//
// Not thread-safe: one thread polls; callbacks run on it, inside Poll().
#ifndef FRUITION_SERVICES_COMMON_KAFKA_CONSUMER_H_
#define FRUITION_SERVICES_COMMON_KAFKA_CONSUMER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/kafka/record.h"

struct rd_kafka_s;
struct rd_kafka_consumer_group_metadata_s;
struct rd_kafka_message_s;

namespace fruition::kafka {

// Where to start reading each partition: the next offset to read, or -1 for
// the beginning of the partition.
using StartOffsets = std::map<TopicPartition, int64_t>;

struct ConsumerOptions {
  std::string bootstrap_servers;
  std::string group_id;  // GroupConsumer only
  std::string client_id = "fruition";
  // Extra librdkafka properties (override the defaults).
  std::map<std::string, std::string> properties;
};

class GroupConsumer {
 public:
  // Gets the start offset of each newly assigned partition.
  using OnAssign =
      std::function<StartOffsets(const std::vector<TopicPartition>&)>;
  // Called before partitions are taken away, with the records already polled
  // from any partition that Poll() has not returned yet: the owner should
  // process and commit them (they are not returned again).
  using OnRevoke = std::function<void(const std::vector<TopicPartition>&,
                                      std::vector<Record> unreturned)>;

  static absl::StatusOr<std::unique_ptr<GroupConsumer>> Create(
      const ConsumerOptions& options, const std::vector<std::string>& topics,
      OnAssign on_assign, OnRevoke on_revoke);
  ~GroupConsumer();  // leaves the group (revocation callbacks run)

  // Up to `max` records, waiting at most `timeout` for the first.
  // UNAVAILABLE on a consumer error that is not transient.
  absl::StatusOr<std::vector<Record>> Poll(int max,
                                           std::chrono::milliseconds timeout);

  // Partitions currently assigned to this member.
  const std::set<TopicPartition>& assigned() const { return assigned_; }

  // The partitions whose end the consumer reached since the last call, with
  // the offset it stands at there: a log that ends in transaction markers
  // (which are never returned as records) ends past its last record.
  std::map<TopicPartition, int64_t> TakeEnds();

  // This member's group metadata (group, generation, member id), for a
  // transactional producer's CommitTransaction; null once closed.
  std::shared_ptr<rd_kafka_consumer_group_metadata_s> GroupMetadata() const;

  // Leaves the group now (revocation callbacks run); Poll() must not be
  // called afterwards.
  void Close();

  // librdkafka's rebalance callback (`opaque` is the GroupConsumer); not
  // for callers.
  static void Rebalance(rd_kafka_s* rk, int err, void* partitions,
                        void* opaque);

 private:
  GroupConsumer() = default;

  rd_kafka_s* rk_ = nullptr;
  OnAssign on_assign_;
  OnRevoke on_revoke_;
  std::vector<Record> unreturned_;
  std::set<TopicPartition> assigned_;
  std::map<TopicPartition, int64_t> ends_;
  bool closed_ = false;
};

class TopicReader {
 public:
  // Reads every partition of `topics`, each from `start` (absent: beginning).
  static absl::StatusOr<std::unique_ptr<TopicReader>> Create(
      const ConsumerOptions& options, const std::vector<std::string>& topics,
      const StartOffsets& start, std::chrono::milliseconds timeout);
  // Reads only partitions `only` of each of `topics` (empty: every one).
  static absl::StatusOr<std::unique_ptr<TopicReader>> Create(
      const ConsumerOptions& options, const std::vector<std::string>& topics,
      const std::set<int32_t>& only, const StartOffsets& start,
      std::chrono::milliseconds timeout);
  // Reads exactly the partitions `from` lists, each from its offset (-1:
  // the beginning).
  static absl::StatusOr<std::unique_ptr<TopicReader>> CreateFor(
      const ConsumerOptions& options, const StartOffsets& from);
  ~TopicReader();

  absl::StatusOr<std::vector<Record>> Poll(int max,
                                           std::chrono::milliseconds timeout);

  // The partitions read.
  const std::vector<TopicPartition>& partitions() const { return partitions_; }

  // Partitions (of a CreateFor reader) read to the end of their log at some
  // poll: nothing was left to read then.
  const std::set<TopicPartition>& at_end() const { return at_end_; }

 private:
  TopicReader() = default;
  rd_kafka_s* rk_ = nullptr;
  std::vector<TopicPartition> partitions_;
  std::set<TopicPartition> at_end_;
};

// The current (low, high) watermarks of every partition of `topics`: the
// first offset still in the log and the offset after the last record.
absl::StatusOr<std::map<TopicPartition, std::pair<int64_t, int64_t>>>
Watermarks(const ConsumerOptions& options,
           const std::vector<std::string>& topics,
           std::chrono::milliseconds timeout);

// The records of `topics` (only partitions `only` of each; empty: every
// one), each partition from `start` (absent, or below the low watermark:
// its first record still in the log) to where its log ended when called:
// what a stage has already published, read back on assignment. Read
// committed; DEADLINE_EXCEEDED after `limit`.
absl::StatusOr<std::vector<Record>> ReadToEnd(
    const ConsumerOptions& options, const std::vector<std::string>& topics,
    const std::set<int32_t>& only, const StartOffsets& start,
    std::chrono::milliseconds limit);

// The current end offset (high watermark) of every partition of `topics`.
absl::StatusOr<std::map<TopicPartition, int64_t>> EndOffsets(
    const ConsumerOptions& options, const std::vector<std::string>& topics,
    std::chrono::milliseconds timeout);

// A consumed message as a Record: topic, partition, offset, timestamp, key,
// value and headers (copied; `msg` stays the caller's).
Record ToRecord(const rd_kafka_message_s* msg);

}  // namespace fruition::kafka

#endif  // FRUITION_SERVICES_COMMON_KAFKA_CONSUMER_H_
