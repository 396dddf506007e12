// librdkafka's in-process mock cluster (real Kafka protocol on loopback TCP,
// data in memory), used by `fruition dev` and by unit tests of Kafka
// adapters. Never used for durability claims: integration tests run against
// a real broker (tools/kafka-local).
//
// Thread-safe for the calls below; the cluster lives until destruction.
#ifndef FRUITION_SERVICES_COMMON_KAFKA_MOCK_CLUSTER_H_
#define FRUITION_SERVICES_COMMON_KAFKA_MOCK_CLUSTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/kafka/admin.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace fruition::kafka {

class MockCluster {
 public:
  // Starts `brokers` mock brokers.
  static absl::StatusOr<std::unique_ptr<MockCluster>> Start(int brokers);
  ~MockCluster();

  // Creates topics (the mock has no CreateTopics admin API).
  absl::Status CreateTopics(const std::vector<TopicSpec>& topics);
  // Broker `broker` (ids start at 1) answers its next requests of type
  // `api_key` (the Kafka protocol's request type, e.g. 0 for Produce) with
  // these (error code, delay in ms), in order; a request answered with an
  // error is not handled. How tests make the broker refuse produce requests
  // for a while.
  absl::Status PushRequestErrors(
      int32_t broker, int16_t api_key,
      const std::vector<std::pair<int, int>>& errors_and_delays);
  // How many of the pushed errors are still to be returned.
  absl::StatusOr<size_t> RequestErrorsLeft(int32_t broker, int16_t api_key);
  // "127.0.0.1:port,..." for clients (and kcat).
  const std::string& bootstrap_servers() const { return bootstrap_; }

 private:
  MockCluster() = default;
  rd_kafka_s* rk_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string bootstrap_;
};

}  // namespace fruition::kafka

#endif  // FRUITION_SERVICES_COMMON_KAFKA_MOCK_CLUSTER_H_
