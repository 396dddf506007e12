// The dev journal on librdkafka's mock cluster: what one cluster's topics
// received is produced back into a new, empty cluster in the same order and
// partitions.
#include "tools/fruition/journal.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "services/common/kafka/mock_cluster.h"
#include "services/common/kafka/producer.h"

namespace fruition::dev {
namespace {

std::vector<kafka::Record> ReadAll(const std::string& bootstrap) {
  kafka::ConsumerOptions options;
  options.bootstrap_servers = bootstrap;
  auto ends = kafka::EndOffsets(options, {"r", "f"}, std::chrono::seconds(10));
  EXPECT_TRUE(ends.ok());
  int64_t total = 0;
  for (const auto& [tp, n] : *ends) total += n;
  auto reader = kafka::TopicReader::Create(options, {"r", "f"}, {},
                                           std::chrono::seconds(10));
  EXPECT_TRUE(reader.ok());
  std::vector<kafka::Record> out;
  for (int i = 0; i < 100 && static_cast<int64_t>(out.size()) < total; ++i) {
    auto batch = (*reader)->Poll(1000, std::chrono::milliseconds(200));
    EXPECT_TRUE(batch.ok());
    for (auto& r : *batch) out.push_back(std::move(r));
  }
  return out;
}

TEST(JournalTest, RecordsSurviveIntoANewCluster) {
  const std::string path = ::testing::TempDir() + "/journal.bin";
  std::filesystem::remove(path);
  std::vector<kafka::Record> before;
  {
    auto cluster = kafka::MockCluster::Start(1);
    ASSERT_TRUE(cluster.ok());
    ASSERT_TRUE(
        (*cluster)->CreateTopics({{"r", 4, 1, {}}, {"f", 2, 1, {}}}).ok());
    auto writer =
        JournalWriter::Start(path, (*cluster)->bootstrap_servers(), {"r", "f"});
    ASSERT_TRUE(writer.ok()) << writer.status();
    kafka::ProducerOptions options;
    options.bootstrap_servers = (*cluster)->bootstrap_servers();
    auto producer = kafka::KafkaProducer::Create(options);
    ASSERT_TRUE(producer.ok());
    for (int i = 0; i < 200; ++i) {
      (*producer)->Produce(i % 3 == 0 ? "f" : "r",
                           "key-" + std::to_string(i % 17),
                           std::string("value\0", 6) + std::to_string(i), {},
                           [](const kafka::DeliveryReport&) {});
    }
    ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());
    before = ReadAll((*cluster)->bootstrap_servers());
    ASSERT_EQ(before.size(), 200u);
    // Let the writer catch up, then stop it.
    for (int i = 0; i < 100; ++i) {
      auto got = ReadJournal(path);
      if (got.ok() && got->size() == 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  auto journal = ReadJournal(path);
  ASSERT_TRUE(journal.ok());
  ASSERT_EQ(journal->size(), 200u);
  // A torn last record is dropped, the rest kept: a length of 9 followed
  // by only two bytes.
  {
    std::string bytes("\0\0\0\x09", 4);
    bytes += "ab";
    std::ofstream(path, std::ios::binary | std::ios::app)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    auto torn = ReadJournal(path);
    ASSERT_TRUE(torn.ok());
    EXPECT_EQ(torn->size(), 200u);
  }
  auto cluster = kafka::MockCluster::Start(1);
  ASSERT_TRUE(cluster.ok());
  ASSERT_TRUE(
      (*cluster)->CreateTopics({{"r", 4, 1, {}}, {"f", 2, 1, {}}}).ok());
  ASSERT_TRUE(ReplayJournal((*cluster)->bootstrap_servers(), *journal).ok());
  auto after = ReadAll((*cluster)->bootstrap_servers());
  ASSERT_EQ(after.size(), before.size());
  auto key = [](const kafka::Record& r) {
    return std::make_tuple(r.topic, r.partition, r.offset, r.key, r.value);
  };
  std::vector<decltype(key(before[0]))> a, b;
  for (const auto& r : before) a.push_back(key(r));
  for (const auto& r : after) b.push_back(key(r));
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace fruition::dev
