// The record types shared by the consumers and the producer.
#ifndef FRUITION_SERVICES_COMMON_KAFKA_RECORD_H_
#define FRUITION_SERVICES_COMMON_KAFKA_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fruition::kafka {

// A record header (name, value).
using Header = std::pair<std::string, std::string>;

using TopicPartition = std::pair<std::string, int32_t>;

// One consumed record.
struct Record {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp_ms = -1;  // Kafka record timestamp
  std::string key;
  std::string value;
  // In the order they were produced (intake's recovery reads its own
  // headers back: reporter, report id, idempotency key).
  std::vector<Header> headers;

  // The value of the last header named `name`, if any.
  std::optional<std::string> HeaderValue(std::string_view name) const {
    for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
      if (it->first == name) return it->second;
    }
    return std::nullopt;
  }
};

}  // namespace fruition::kafka

#endif  // FRUITION_SERVICES_COMMON_KAFKA_RECORD_H_
