// The audit trail on Kafka (SPEC §1, §7): each Append becomes one
// fruition.v1.AuditRecord on `fruition.audit.v1`, hash-chained to the
// writer's previous record, and returns only once the broker acknowledged it
// (acks=all, idempotent producer).
//
// - Key = the principal; partition = PartitionFor(writer) (chain.h), so one
//   writer's chain lives in one partition, in seq order, without gaps.
// - Group commit: seq assignment, serialization and produce happen under one
//   mutex; the wait for the delivery report does not, so concurrent appends
//   share the producer's batches.
// - A failed delivery answers UNAVAILABLE and breaks the trail: the chain in
//   memory may no longer match the topic, so every later Append fails
//   UNAVAILABLE at once (no caller waits for a lost broker twice) until a
//   background resync (re-reading the writer's last record from the topic)
//   succeeds; one is tried every `resync_interval`.
// - Open (and every resync) resumes the writer's chain from its last record
//   on the topic: a restarted writer continues with the next seq.
//
// Thread-safe.
#ifndef FRUITION_SERVICES_COMMON_AUDIT_KAFKA_TRAIL_H_
#define FRUITION_SERVICES_COMMON_AUDIT_KAFKA_TRAIL_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/audit/trail.h"
#include "services/common/kafka/producer.h"

namespace fruition::audit {

inline constexpr char kDefaultTopic[] = "fruition.audit.v1";

// "<service>@<instance>": the instance is $FRUITION_INSTANCE, else
// $HOSTNAME, else gethostname(). Two running instances must not share a
// writer name (their chains would interleave); a restarted instance keeps it
// so that it continues its chain.
std::string DefaultWriter(std::string_view service);

struct KafkaTrailOptions {
  // bootstrap_servers, client_id, delivery_timeout_ms (how long an Append
  // may wait for the broker before it answers UNAVAILABLE), properties
  // (security.*, sasl.*: also used to read the topic back).
  kafka::ProducerOptions producer;
  std::string topic = kDefaultTopic;
  // Required: see DefaultWriter.
  std::string writer;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // At most one resync attempt per interval while the trail is broken.
  std::chrono::milliseconds resync_interval{5000};
  // How long Open or a resync may take to read the writer's last record.
  std::chrono::milliseconds read_timeout{15000};
};

class KafkaTrail : public Trail {
 public:
  // Connects and resumes the writer's chain. UNAVAILABLE when the topic does
  // not exist or the broker does not answer; INVALID_ARGUMENT naming a
  // missing or bad option.
  static absl::StatusOr<std::unique_ptr<KafkaTrail>> Open(
      KafkaTrailOptions options);
  ~KafkaTrail() override;

  absl::Status Append(const Entry& entry) override;

  // The seq the next record will get (for tests and metrics).
  uint64_t next_seq() const;
  // The partition holding this writer's chain.
  int32_t partition() const;

 private:
  // Where the writer's chain continues on the topic.
  struct Resume {
    int32_t partition = 0;
    uint64_t next_seq = 1;
    std::string prev_sha256;
  };

  explicit KafkaTrail(KafkaTrailOptions options);
  // Waits for every record in flight, then reads the writer's last record
  // back. Takes no lock.
  absl::StatusOr<Resume> ReadResume();
  // While broken: a resync every resync_interval.
  void ResyncLoop();
  void Break(const absl::Status& why);

  const KafkaTrailOptions options_;
  std::unique_ptr<kafka::KafkaProducer> producer_;

  mutable std::mutex mu_;  // the chain: seq order equals produce order
  int32_t partition_ = 0;
  uint64_t next_seq_ = 1;
  std::string prev_sha256_;
  uint64_t produced_ = 0;  // records produced; a resync that raced one fails

  // Set from delivery callbacks (which must not wait for mu_); taken after
  // mu_ when both are needed.
  mutable std::mutex broken_mu_;
  std::condition_variable broken_cv_;
  bool broken_ = false;
  bool stopping_ = false;
  absl::Status broken_why_;
  std::thread resyncer_;
};

}  // namespace fruition::audit

#endif  // FRUITION_SERVICES_COMMON_AUDIT_KAFKA_TRAIL_H_
