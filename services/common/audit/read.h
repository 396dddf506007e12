// Reading the audit topic back: the whole of it (`fruitctl audit`), or the
// tail of one partition until a writer's last record (KafkaTrail resuming its
// chain after a restart or a lost broker).
#ifndef FRUITION_SERVICES_COMMON_AUDIT_READ_H_
#define FRUITION_SERVICES_COMMON_AUDIT_READ_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/audit/chain.h"
#include "services/common/kafka/consumer.h"

namespace fruition::audit {

// The (low, high) watermarks of every partition of `topic`, retried until
// `timeout` passes: a topic just created has no partition leaders for a
// moment ("not leader for partition"), which is no reason to refuse.
absl::StatusOr<std::map<kafka::TopicPartition, std::pair<int64_t, int64_t>>>
Watermarks(const kafka::ConsumerOptions& consumer, const std::string& topic,
           std::chrono::milliseconds timeout);

// Every record of every partition of `topic` up to its high watermark at
// the call. UNAVAILABLE when the topic does not exist, the broker does not
// answer, or the read takes longer than `timeout`.
absl::StatusOr<std::vector<Stored>> ReadTopic(
    const kafka::ConsumerOptions& consumer, const std::string& topic,
    std::chrono::milliseconds timeout);

// Where `writer` continues its chain in `partition` of `topic`, whose records
// lie at offsets [low, high): read backwards in chunks of `chunk` records
// from `high` until a chunk holds one of the writer's records, so a restart
// costs one chunk, not the whole partition. {1, ""} when the writer has no
// record there.
absl::StatusOr<ChainHead> FindHead(const kafka::ConsumerOptions& consumer,
                                   const std::string& topic, int32_t partition,
                                   int64_t low, int64_t high,
                                   const std::string& writer,
                                   std::chrono::milliseconds timeout,
                                   int64_t chunk = 4096);

}  // namespace fruition::audit

#endif  // FRUITION_SERVICES_COMMON_AUDIT_READ_H_
