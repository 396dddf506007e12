// The Kafka producer adapter every Fruition service uses to write records.
//
// Guarantees (SPEC §8, ARCHITECTURE principle 2):
//  - idempotent producer, acks=all, murmur2 partitioner (the same partition
//    for the same key as Java clients, so topics written by different
//    services stay co-partitioned);
//  - a record counts as written only when its delivery report says so;
//  - a delivery that fails or times out is reported as UNAVAILABLE, "maybe
//    written": the caller answers its client with UNAVAILABLE and the client
//    retries with the same id, which downstream de-duplicates;
//  - a fatal idempotence error (e.g. the broker fenced the producer id)
//    recreates the underlying producer; records in flight are reported
//    UNAVAILABLE;
//  - Flush() on drain waits for every outstanding delivery report.
//
// Thread-safe. Delivery callbacks run on the adapter's polling thread, one at
// a time, in per-partition order; they must not block for long.
#ifndef FRUITION_SERVICES_COMMON_KAFKA_PRODUCER_H_
#define FRUITION_SERVICES_COMMON_KAFKA_PRODUCER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/kafka/record.h"

struct rd_kafka_s;
struct rd_kafka_consumer_group_metadata_s;

namespace fruition::kafka {

// Where a record landed, or why it may not have.
struct DeliveryReport {
  // OK: written (acks=all). UNAVAILABLE: maybe written, retry with the same
  // id. Anything else is permanent (Retriable() is false): not written, and
  // no retry will write it. INVALID_ARGUMENT: the record itself (too large,
  // invalid); FAILED_PRECONDITION: the topic or cluster refuses it until an
  // operator changes their configuration (authorization, policy).
  absl::Status status;
  int32_t partition = -1;
  int64_t offset = -1;
};

using DeliveryCallback = std::function<void(const DeliveryReport&)>;

// The interface services code against; unit tests use a fake.
class Producer {
 public:
  virtual ~Producer() = default;

  // Enqueues one record. `done` is called exactly once: on the polling thread
  // with the delivery report, or before Produce returns if the record cannot
  // be enqueued (UNAVAILABLE, e.g. local queue full or producer shut down).
  virtual void Produce(std::string_view topic, std::string_view key,
                       std::string_view value,
                       const std::vector<Header>& headers,
                       DeliveryCallback done) = 0;

  // As Produce, but into `partition` instead of the key's murmur2 partition
  // (a record packing several keys of one partition). A producer that cannot
  // choose partitions answers INVALID_ARGUMENT (permanent): nothing lands
  // where its reader would not look for it.
  virtual void ProduceTo(std::string_view topic, int32_t partition,
                         std::string_view key, std::string_view value,
                         const std::vector<Header>& headers,
                         // NOLINTNEXTLINE(performance-unnecessary-value-param)
                         DeliveryCallback done) {  // overriders move it
    (void)topic;
    (void)partition;
    (void)key;
    (void)value;
    (void)headers;
    done(DeliveryReport{
        absl::InvalidArgumentError("this producer cannot choose partitions"),
        -1, -1});
  }

  // Waits until every enqueued record has its delivery report, or until
  // `timeout`; DEADLINE_EXCEEDED if records remain.
  virtual absl::Status Flush(std::chrono::milliseconds timeout) = 0;

  // False while no broker is reachable (last probe failed or all brokers
  // down); services turn their gRPC health NOT_SERVING on it.
  virtual bool Healthy() const = 0;

  // Kafka transactions, for a producer made with a transactional id (the
  // stream loop's fencing, docs/DESIGN.md "Fencing"). Records produced
  // between Begin and Commit are visible to read_committed readers only
  // once committed, and not at all if aborted.
  virtual bool transactional() const { return false; }
  // Opens a transaction (initialising the producer's transactions first).
  virtual absl::Status BeginTransaction() {
    return absl::UnimplementedError("not a transactional producer");
  }
  // Adds `offsets` (next offsets of input partitions) for the consumer
  // group `group` to the transaction and commits it. The broker checks that
  // `group`'s member still has its generation: a member the group has
  // dropped (paused past its session) fails here, and nothing it produced
  // in the transaction is ever read. OK: committed. Otherwise the
  // transaction is aborted: ABORTED, the message naming Kafka's error
  // (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, PRODUCER_FENCED, ...).
  virtual absl::Status CommitTransaction(
      const std::map<TopicPartition, int64_t>& offsets,
      const rd_kafka_consumer_group_metadata_s* group) {
    (void)offsets;
    (void)group;
    return absl::UnimplementedError("not a transactional producer");
  }
  // Aborts the open transaction, if any.
  virtual void AbortTransaction() {}
};

struct ProducerOptions {
  // host:port[,host:port...]. Required.
  std::string bootstrap_servers;
  std::string client_id = "fruition";
  // How long a record may wait for acknowledgement before it is reported
  // UNAVAILABLE (librdkafka message.timeout.ms). Default 15 s.
  int delivery_timeout_ms = 15000;
  // Batching delay (linger.ms). Default 5 ms.
  int linger_ms = 5;
  // How often the broker is probed for health. Default 1 s.
  int health_probe_interval_ms = 1000;
  // Extra librdkafka properties (security.protocol, sasl.*, ssl.*, ...).
  std::map<std::string, std::string> properties;
  // Non-empty: a transactional producer (transactional.id). Unique per
  // producing instance and stable across its restarts, so that a restart
  // aborts what the crashed incarnation left open.
  std::string transactional_id;
  // How long a transaction may stay open before the broker aborts it
  // (transaction.timeout.ms): what a paused instance's open transaction
  // can hold back read_committed readers at most.
  int transaction_timeout_ms = 20000;
};

class KafkaProducer : public Producer {
 public:
  // INVALID_ARGUMENT naming the property for a bad option.
  static absl::StatusOr<std::unique_ptr<KafkaProducer>> Create(
      ProducerOptions options);
  // Flushes for up to 10 s, then reports what is left UNAVAILABLE.
  ~KafkaProducer() override;

  void Produce(std::string_view topic, std::string_view key,
               std::string_view value, const std::vector<Header>& headers,
               DeliveryCallback done) override;
  absl::Status Flush(std::chrono::milliseconds timeout) override;
  bool Healthy() const override { return healthy_.load(); }

  // The audit trail keeps each writer's hash chain in one partition whatever
  // the record keys (audit/kafka_trail.h).
  void ProduceTo(std::string_view topic, int32_t partition,
                 std::string_view key, std::string_view value,
                 const std::vector<Header>& headers,
                 DeliveryCallback done) override;

  bool transactional() const override {
    return !options_.transactional_id.empty();
  }
  absl::Status BeginTransaction() override;
  absl::Status CommitTransaction(
      const std::map<TopicPartition, int64_t>& offsets,
      const rd_kafka_consumer_group_metadata_s* group) override;
  void AbortTransaction() override;

  // Times the producer was recreated after a fatal error.
  int64_t recreations() const { return recreations_.load(); }

  // Raises a fatal error in the underlying producer as the broker would
  // (librdkafka's rd_kafka_test_fatal_error), to test recreation.
  void InjectFatalErrorForTesting();

 private:
  explicit KafkaProducer(ProducerOptions options);
  absl::StatusOr<rd_kafka_s*> NewHandle();
  void PollLoop();
  void ProbeLoop();
  void RecreateAfterFatalError();

  static void OnDelivery(rd_kafka_s* rk, const void* message, void* opaque);
  static void OnError(rd_kafka_s* rk, int err, const char* reason,
                      void* opaque);

  const ProducerOptions options_;
  mutable std::shared_mutex handle_mu_;  // guards rk_ replacement
  rd_kafka_s* rk_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> fatal_{false};
  std::atomic<bool> healthy_{false};
  std::atomic<int64_t> recreations_{0};
  // The handle whose transactions are initialised (rk_ after
  // init_transactions; a recreated handle needs it again).
  std::atomic<rd_kafka_s*> txn_ready_{nullptr};
  std::thread poller_;
  std::thread prober_;
};

// Maps a librdkafka error code (rd_kafka_resp_err_t) for a delivery to a
// status: OK; INVALID_ARGUMENT for a record Kafka will never accept (too
// large, invalid); FAILED_PRECONDITION for a topic or cluster that refuses
// it (authorization, policy, message format); UNAVAILABLE ("maybe written;
// retry with the same id") for everything else, timeouts included.
absl::Status DeliveryStatus(int err, std::string_view what);

// Whether a failed DeliveryReport status may succeed when the record is
// produced again (UNAVAILABLE); false for a permanent refusal.
bool Retriable(const absl::Status& status);

// OK unless `properties` set acks, request.required.acks or
// enable.idempotence (whatever the value): INVALID_ARGUMENT naming it. Every
// producer writes with acks=all and idempotence (SPEC §8).
absl::Status CheckNotWeakened(
    const std::map<std::string, std::string>& properties);

// Parses "k=v,k=v" (extra librdkafka properties from config); refuses what
// CheckNotWeakened refuses.
absl::StatusOr<std::map<std::string, std::string>> ParseProperties(
    std::string_view text);

}  // namespace fruition::kafka

#endif  // FRUITION_SERVICES_COMMON_KAFKA_PRODUCER_H_
