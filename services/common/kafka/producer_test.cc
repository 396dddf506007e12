#include "services/common/kafka/producer.h"

#include <librdkafka/rdkafka.h>

#include <condition_variable>
#include <mutex>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/kafka/mock_cluster.h"

namespace fruition::kafka {
namespace {

using std::chrono::milliseconds;

// Collects delivery reports and waits for a number of them.
class Reports {
 public:
  DeliveryCallback Callback() {
    return [this](const DeliveryReport& r) {
      std::lock_guard<std::mutex> lock(mu_);
      reports_.push_back(r);
      cv_.notify_all();
    };
  }
  std::vector<DeliveryReport> WaitFor(size_t n, milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return reports_.size() >= n; });
    return reports_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<DeliveryReport> reports_;
};

bool WaitUntil(const std::function<bool()>& cond, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return cond();
}

TEST(KafkaProducerTest, AnswersOnlyFromDeliveryReports) {
  auto mock = MockCluster::Start(1);
  ASSERT_TRUE(mock.ok()) << mock.status();
  ASSERT_TRUE((*mock)->CreateTopics({{"t", 4, 1}}).ok());
  ProducerOptions options;
  options.bootstrap_servers = (*mock)->bootstrap_servers();
  auto producer = KafkaProducer::Create(options);
  ASSERT_TRUE(producer.ok()) << producer.status();
  Reports reports;
  for (int i = 0; i < 100; ++i) {
    (*producer)->Produce("t", "key-" + std::to_string(i % 7), "v", {{"h", "1"}},
                         reports.Callback());
  }
  ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());
  auto got = reports.WaitFor(100, std::chrono::seconds(10));
  ASSERT_EQ(got.size(), 100u);
  std::set<std::pair<int32_t, int64_t>> positions;
  for (const auto& r : got) {
    EXPECT_TRUE(r.status.ok()) << r.status;
    EXPECT_GE(r.partition, 0);
    EXPECT_GE(r.offset, 0);
    positions.insert({r.partition, r.offset});
  }
  EXPECT_EQ(positions.size(), 100u);  // every record has its own place
  EXPECT_TRUE(WaitUntil([&] { return (*producer)->Healthy(); },
                        std::chrono::seconds(5)));
}

TEST(KafkaProducerTest, SameKeySamePartition) {
  auto mock = MockCluster::Start(1);
  ASSERT_TRUE(mock.ok());
  ASSERT_TRUE((*mock)->CreateTopics({{"t", 12, 1}}).ok());
  ProducerOptions options;
  options.bootstrap_servers = (*mock)->bootstrap_servers();
  auto producer = KafkaProducer::Create(options);
  ASSERT_TRUE(producer.ok());
  Reports reports;
  for (int i = 0; i < 10; ++i) {
    (*producer)->Produce("t", "subject-a", "v", {}, reports.Callback());
  }
  auto got = reports.WaitFor(10, std::chrono::seconds(10));
  ASSERT_EQ(got.size(), 10u);
  for (const auto& r : got) EXPECT_EQ(r.partition, got[0].partition);
}

TEST(KafkaProducerTest, UnreachableBrokerIsUnavailableNeverOk) {
  auto mock = MockCluster::Start(1);
  ASSERT_TRUE(mock.ok());
  const std::string bootstrap = (*mock)->bootstrap_servers();
  mock->reset();  // the broker is gone
  ProducerOptions options;
  options.bootstrap_servers = bootstrap;
  options.delivery_timeout_ms = 1500;
  auto producer = KafkaProducer::Create(options);
  ASSERT_TRUE(producer.ok());
  Reports reports;
  (*producer)->Produce("t", "k", "v", {}, reports.Callback());
  auto got = reports.WaitFor(1, std::chrono::seconds(10));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE((*producer)->Healthy());
}

TEST(KafkaProducerTest, FatalIdempotenceErrorRecreatesTheProducer) {
  auto mock = MockCluster::Start(1);
  ASSERT_TRUE(mock.ok());
  ASSERT_TRUE((*mock)->CreateTopics({{"t", 2, 1}}).ok());
  ProducerOptions options;
  options.bootstrap_servers = (*mock)->bootstrap_servers();
  auto producer = KafkaProducer::Create(options);
  ASSERT_TRUE(producer.ok());
  Reports before;
  (*producer)->Produce("t", "k", "v", {}, before.Callback());
  ASSERT_TRUE(before.WaitFor(1, std::chrono::seconds(10))[0].status.ok());

  (*producer)->InjectFatalErrorForTesting();
  ASSERT_TRUE(WaitUntil([&] { return (*producer)->recreations() == 1; },
                        std::chrono::seconds(10)));
  // The new producer writes again.
  Reports after;
  for (int i = 0; i < 10; ++i) {
    (*producer)->Produce("t", "k", "v", {}, after.Callback());
  }
  auto got = after.WaitFor(10, std::chrono::seconds(10));
  ASSERT_EQ(got.size(), 10u);
  for (const auto& r : got) EXPECT_TRUE(r.status.ok()) << r.status;
}

TEST(KafkaProducerTest, DeliveryStatusMapping) {
  EXPECT_TRUE(DeliveryStatus(0, "r").ok());
  EXPECT_EQ(DeliveryStatus(10 /*MSG_SIZE_TOO_LARGE*/, "r").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DeliveryStatus(-192 /*_MSG_TIMED_OUT*/, "r").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(Retriable(DeliveryStatus(-192, "r")));
  EXPECT_EQ(
      DeliveryStatus(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, "r").code(),
      absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(
      Retriable(DeliveryStatus(RD_KAFKA_RESP_ERR_INVALID_RECORD, "r")));
  // Retriable broker errors stay "maybe written".
  EXPECT_TRUE(
      Retriable(DeliveryStatus(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, "r")));
}

// Records Kafka will never take are reported as permanent failures, not as
// "maybe written": a caller that retried them would retry forever.
TEST(KafkaProducerTest, PermanentRefusalsAreNotRetriable) {
  auto mock = MockCluster::Start(1);
  ASSERT_TRUE(mock.ok());
  ASSERT_TRUE((*mock)->CreateTopics({{"t", 1, 1}}).ok());
  ProducerOptions options;
  options.bootstrap_servers = (*mock)->bootstrap_servers();
  options.properties["message.max.bytes"] = "2000";
  auto producer = KafkaProducer::Create(options);
  ASSERT_TRUE(producer.ok());
  // Larger than message.max.bytes: refused before any broker sees it.
  Reports large;
  (*producer)->Produce("t", "k", std::string(4000, 'x'), {}, large.Callback());
  auto got = large.WaitFor(1, std::chrono::seconds(10));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status.code(), absl::StatusCode::kInvalidArgument)
      << got[0].status;
  EXPECT_FALSE(Retriable(got[0].status));
  // The broker refuses the topic (no write permission): permanent too.
  ASSERT_TRUE((*mock)
                  ->PushRequestErrors(
                      1, /*Produce*/ 0,
                      {{RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, 0}})
                  .ok());
  Reports refused;
  (*producer)->Produce("t", "k", "v", {}, refused.Callback());
  got = refused.WaitFor(1, std::chrono::seconds(20));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status.code(), absl::StatusCode::kFailedPrecondition)
      << got[0].status;
  EXPECT_FALSE(Retriable(got[0].status));
}

TEST(KafkaProducerTest, ParseProperties) {
  auto p = ParseProperties("security.protocol=SSL,ssl.ca.location=/ca.pem");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->at("security.protocol"), "SSL");
  EXPECT_EQ(p->at("ssl.ca.location"), "/ca.pem");
  EXPECT_FALSE(ParseProperties("novalue").ok());
  EXPECT_TRUE(ParseProperties("")->empty());
}

TEST(KafkaProducerTest, AcksAndIdempotenceCannotBeWeakened) {
  for (const char* text : {"acks=1", "acks=all", "request.required.acks=0",
                           "linger.ms=5,enable.idempotence=false"}) {
    auto p = ParseProperties(text);
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(p.status().message()),
                ::testing::HasSubstr("kafka-properties"))
        << text;
  }
  EXPECT_THAT(std::string(ParseProperties("acks=1").status().message()),
              ::testing::HasSubstr("'acks'"));
  EXPECT_THAT(
      std::string(
          ParseProperties("enable.idempotence=false").status().message()),
      ::testing::HasSubstr("'enable.idempotence'"));
  // Set on the options directly (not through config): the producer refuses
  // to start.
  ProducerOptions options;
  options.bootstrap_servers = "127.0.0.1:1";
  options.properties = {{"acks", "1"}};
  auto producer = KafkaProducer::Create(options);
  ASSERT_FALSE(producer.ok());
  EXPECT_THAT(std::string(producer.status().message()),
              ::testing::HasSubstr("'acks'"));
}

}  // namespace
}  // namespace fruition::kafka
