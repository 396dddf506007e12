#include "services/common/stream/read_ranges.h"

namespace fruition::stream {

absl::Status ReadRanges(
    const kafka::ConsumerOptions& consumer, const Ranges& ranges,
    const ReadOptions& options,
    const std::function<absl::Status(const std::vector<kafka::Record>&)>&
        apply) {
  kafka::StartOffsets from;
  std::map<kafka::TopicPartition, int64_t> until;
  for (const auto& [tp, range] : ranges) {
    if (range.first >= range.second) continue;
    from[tp] = range.first;
    until[tp] = range.second;
  }
  if (from.empty()) return absl::OkStatus();
  auto reader = kafka::TopicReader::CreateFor(consumer, from);
  if (!reader.ok()) return reader.status();
  while (!until.empty()) {
    if (options.stop != nullptr && options.stop->load()) {
      return absl::CancelledError("read interrupted");
    }
    if (std::chrono::steady_clock::now() >= options.deadline) {
      return absl::UnavailableError("timed out reading Kafka");
    }
    auto batch =
        (*reader)->Poll(options.batch_max, std::chrono::milliseconds(200));
    if (!batch.ok()) return batch.status();
    std::vector<kafka::Record> in_range;
    in_range.reserve(batch->size());
    for (auto& r : *batch) {
      auto it = until.find({r.topic, r.partition});
      if (it == until.end() || r.offset >= it->second) continue;
      // The last record of a range (offsets may skip: transaction markers,
      // compaction), so the partition is done.
      if (r.offset + 1 >= it->second) until.erase(it);
      in_range.push_back(std::move(r));
    }
    // Read to the end of the log: whatever the range still expects (a
    // transaction marker, a compacted record) never comes as a record.
    for (const auto& tp : (*reader)->at_end()) until.erase(tp);
    if (in_range.empty()) continue;
    if (absl::Status s = apply(in_range); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace fruition::stream
