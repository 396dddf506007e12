// KafkaTrail on librdkafka's mock cluster: records chained and in the
// writer's partition, and a reopened writer resuming its chain. The lost
// broker and kill -9 cases need a real broker: tests/audit.
#include "services/common/audit/kafka_trail.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/audit/chain.h"
#include "services/common/audit/read.h"
#include "services/common/kafka/mock_cluster.h"

namespace fruition::audit {
namespace {

using std::chrono::seconds;

class KafkaTrailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = kafka::MockCluster::Start(1);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
    ASSERT_TRUE(cluster_->CreateTopics({{"fruition.audit.v1", 4, 1, {}}}).ok());
  }

  absl::StatusOr<std::unique_ptr<KafkaTrail>> Open(const std::string& writer) {
    KafkaTrailOptions options;
    options.producer.bootstrap_servers = cluster_->bootstrap_servers();
    options.writer = writer;
    options.read_timeout = seconds(10);
    return KafkaTrail::Open(options);
  }

  std::vector<Stored> Records() {
    kafka::ConsumerOptions consumer;
    consumer.bootstrap_servers = cluster_->bootstrap_servers();
    auto records = ReadTopic(consumer, "fruition.audit.v1", seconds(10));
    EXPECT_TRUE(records.ok()) << records.status();
    return records.ok() ? *records : std::vector<Stored>{};
  }

  std::unique_ptr<kafka::MockCluster> cluster_;
};

// Appends `n` records from 4 threads.
void AppendConcurrently(Trail* trail, int n) {
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([trail, n, t] {
      for (int i = t; i < n; i += 4) {
        Entry e{"DEA",
                "/fruition.v1.Evidence/GetClaim",
                {"claim:CL-" + std::to_string(i)}};
        EXPECT_TRUE(trail->Append(e).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
}

TEST_F(KafkaTrailTest, ChainsRecordsInTheWritersPartitionAndResumes) {
  {
    auto trail = Open("gateway@a");
    ASSERT_TRUE(trail.ok()) << trail.status();
    EXPECT_EQ((*trail)->next_seq(), 1u);
    EXPECT_EQ((*trail)->partition(), PartitionFor("gateway@a", 4));
    AppendConcurrently(trail->get(), 20);
    EXPECT_EQ((*trail)->next_seq(), 21u);
  }
  std::vector<Stored> records = Records();
  ASSERT_EQ(records.size(), 20u);
  for (const Stored& s : records) {
    EXPECT_EQ(s.partition, PartitionFor("gateway@a", 4));
  }
  Verdict v = Verify(records);
  EXPECT_TRUE(v.breaks.empty()) << v.breaks[0];

  // Reopened (a restart): continues after seq 20, linked to it.
  auto again = Open("gateway@a");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->next_seq(), 21u);
  AppendConcurrently(again->get(), 8);
  // Another writer starts its own chain.
  auto other = Open("intake@b");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ((*other)->next_seq(), 1u);
  AppendConcurrently(other->get(), 4);

  records = Records();
  EXPECT_EQ(records.size(), 32u);
  v = Verify(records);
  EXPECT_EQ(v.writers, 2);
  EXPECT_TRUE(v.breaks.empty()) << v.breaks[0];
}

TEST_F(KafkaTrailTest, BadOptionsAreRefusedNamingThem) {
  auto no_writer = Open("");
  EXPECT_EQ(no_writer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_writer.status().message().find("writer"), std::string::npos);
}

TEST(DefaultWriterTest, ServiceAtInstance) {
  setenv("FRUITION_INSTANCE", "pod-7", 1);
  EXPECT_EQ(DefaultWriter("gateway"), "gateway@pod-7");
  unsetenv("FRUITION_INSTANCE");
  setenv("HOSTNAME", "host-1", 1);
  EXPECT_EQ(DefaultWriter("intake"), "intake@host-1");
  unsetenv("HOSTNAME");
  const std::string fallback = DefaultWriter("intake");
  EXPECT_EQ(fallback.rfind("intake@", 0), 0u);
  EXPECT_GT(fallback.size(), std::string("intake@").size());
}

}  // namespace
}  // namespace fruition::audit
