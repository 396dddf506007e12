// Murmur2 against values from Kafka's own test suite (UtilsTest.testMurmur2)
// and the partitioner librdkafka uses: the producer and PartitionOf agree.
#include "services/common/kafka/partition.h"

#include <string>

#include "gtest/gtest.h"
#include "services/common/kafka/mock_cluster.h"
#include "services/common/kafka/producer.h"

namespace fruition::kafka {
namespace {

TEST(PartitionTest, Murmur2MatchesKafkasTestVectors) {
  // org.apache.kafka.common.utils.UtilsTest#testMurmur2.
  EXPECT_EQ(Murmur2("21"), -973932308);
  EXPECT_EQ(Murmur2("foobar"), -790332482);
  EXPECT_EQ(Murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(Murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"),
            -58897971);
  EXPECT_EQ(Murmur2(std::string("abc")), 479470107);
}

TEST(PartitionTest, ProducerPutsEachKeyWherePartitionOfSays) {
  auto cluster = MockCluster::Start(1);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  ASSERT_TRUE((*cluster)->CreateTopics({{"t", 12, 1, {}}}).ok());
  ProducerOptions options;
  options.bootstrap_servers = (*cluster)->bootstrap_servers();
  auto producer = KafkaProducer::Create(options);
  ASSERT_TRUE(producer.ok()) << producer.status();
  for (int i = 0; i < 200; ++i) {
    const std::string key = "agency:DEA-" + std::to_string(i);
    int32_t landed = -2;
    (*producer)->Produce("t", key, "v", {}, [&](const DeliveryReport& r) {
      landed = r.partition;
    });
    ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());
    EXPECT_EQ(landed, PartitionOf(key, 12)) << key;
  }
}

}  // namespace
}  // namespace fruition::kafka
