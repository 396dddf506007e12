// Bounded reads of Kafka partitions through the runtime's reader: every
// record of each partition from a start offset up to an end offset, headers
// included. Intake's recovery reads its own headers back this way; the
// loop's replay mode (Loop::Replay) reads whole topics into a scratch store.
#ifndef FRUITION_SERVICES_COMMON_STREAM_READ_RANGES_H_
#define FRUITION_SERVICES_COMMON_STREAM_READ_RANGES_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "services/common/kafka/consumer.h"

namespace fruition::stream {

// Per partition: [first offset to read, offset to stop before).
using Ranges = std::map<kafka::TopicPartition, std::pair<int64_t, int64_t>>;

struct ReadOptions {
  int batch_max = 1000;
  // UNAVAILABLE once passed before every range is read.
  std::chrono::steady_clock::time_point deadline =
      std::chrono::steady_clock::time_point::max();
  const std::atomic<bool>* stop = nullptr;  // CANCELLED once set
};

// Reads every non-empty range, handing each batch (in offset order per
// partition) to `apply`; its first error is returned.
absl::Status ReadRanges(
    const kafka::ConsumerOptions& consumer, const Ranges& ranges,
    const ReadOptions& options,
    const std::function<absl::Status(const std::vector<kafka::Record>&)>&
        apply);

}  // namespace fruition::stream

#endif  // FRUITION_SERVICES_COMMON_STREAM_READ_RANGES_H_
