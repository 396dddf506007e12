#include "services/common/kafka/mock_cluster.h"

// rdkafka_mock.h needs rdkafka.h first.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "services/common/strings.h"

namespace fruition::kafka {

absl::StatusOr<std::unique_ptr<MockCluster>> MockCluster::Start(int brokers) {
  std::unique_ptr<MockCluster> mock(new MockCluster());
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  // A handle is needed to own the cluster; it never connects anywhere.
  rd_kafka_conf_set(conf, "bootstrap.servers", "", err, sizeof(err));
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
  mock->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (mock->rk_ == nullptr) {
    return absl::InternalError(StrCat("mock cluster handle: ", err));
  }
  mock->cluster_ = rd_kafka_mock_cluster_new(mock->rk_, brokers);
  if (mock->cluster_ == nullptr) {
    return absl::InternalError("librdkafka mock cluster could not start");
  }
  mock->bootstrap_ = rd_kafka_mock_cluster_bootstraps(mock->cluster_);
  return mock;
}

MockCluster::~MockCluster() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

absl::Status MockCluster::CreateTopics(const std::vector<TopicSpec>& topics) {
  for (const TopicSpec& spec : topics) {
    const rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
        cluster_, spec.name.c_str(), spec.partitions, spec.replication_factor);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR &&
        err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      return absl::InternalError(
          StrCat("mock topic ", spec.name, ": ", rd_kafka_err2str(err)));
    }
  }
  return absl::OkStatus();
}

absl::Status MockCluster::PushRequestErrors(
    int32_t broker, int16_t api_key,
    const std::vector<std::pair<int, int>>& errors_and_delays) {
  for (const auto& [error, delay_ms] : errors_and_delays) {
    const rd_kafka_resp_err_t err =
        rd_kafka_mock_broker_push_request_error_rtts(
            cluster_, broker, api_key, 1,
            static_cast<rd_kafka_resp_err_t>(error), delay_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InvalidArgumentError(
          StrCat("mock broker ", broker, ": ", rd_kafka_err2str(err)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> MockCluster::RequestErrorsLeft(int32_t broker,
                                                      int16_t api_key) {
  size_t n = 0;
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_broker_error_stack_cnt(cluster_, broker, api_key, &n);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InvalidArgumentError(
        StrCat("mock broker ", broker, ": ", rd_kafka_err2str(err)));
  }
  return n;
}

}  // namespace fruition::kafka
