#include "services/common/audit/read.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "services/common/stream/read_ranges.h"

namespace fruition::audit {
namespace {

// Appends the records of `ranges` to `out`.
absl::Status Collect(const kafka::ConsumerOptions& consumer,
                     const stream::Ranges& ranges,
                     std::chrono::steady_clock::time_point deadline,
                     std::vector<Stored>* out) {
  stream::ReadOptions options;
  options.deadline = deadline;
  return stream::ReadRanges(
      consumer, ranges, options,
      [out](const std::vector<kafka::Record>& batch) {
        for (const kafka::Record& r : batch) {
          out->push_back(Stored{r.partition, r.offset, r.value});
        }
        return absl::OkStatus();
      });
}

}  // namespace

absl::StatusOr<std::map<kafka::TopicPartition, std::pair<int64_t, int64_t>>>
Watermarks(const kafka::ConsumerOptions& consumer, const std::string& topic,
           std::chrono::milliseconds timeout) {
  using std::chrono::milliseconds;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto marks =
        kafka::Watermarks(consumer, {topic}, std::max(left, milliseconds(1)));
    if (marks.ok() ||
        std::chrono::steady_clock::now() + milliseconds(200) >= deadline) {
      return marks;
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
}

absl::StatusOr<std::vector<Stored>> ReadTopic(
    const kafka::ConsumerOptions& consumer, const std::string& topic,
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto marks = Watermarks(consumer, topic, timeout);
  if (!marks.ok()) return marks.status();
  stream::Ranges ranges(marks->begin(), marks->end());
  std::vector<Stored> out;
  if (absl::Status s = Collect(consumer, ranges, deadline, &out); !s.ok()) {
    return s;
  }
  return out;
}

absl::StatusOr<ChainHead> FindHead(const kafka::ConsumerOptions& consumer,
                                   const std::string& topic, int32_t partition,
                                   int64_t low, int64_t high,
                                   const std::string& writer,
                                   std::chrono::milliseconds timeout,
                                   int64_t chunk) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int64_t end = high; end > low;) {
    const int64_t from = std::max(low, end - chunk);
    std::vector<Stored> records;
    if (absl::Status s = Collect(consumer, {{{topic, partition}, {from, end}}},
                                 deadline, &records);
        !s.ok()) {
      return s;
    }
    if (auto head = HeadOf(writer, records)) return *head;
    end = from;
  }
  return ChainHead{};
}

}  // namespace fruition::audit
