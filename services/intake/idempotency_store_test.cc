#include "services/intake/idempotency_store.h"

#include <filesystem>

#include "gtest/gtest.h"

namespace fruition::intake {
namespace {

std::string TestDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/idem_" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

IndexEntry Entry(const std::string& reporter, const std::string& id,
                 int32_t partition, int64_t offset) {
  return {reporter,  id,    "digest-" + id, "fruition.reports.v1",
          partition, offset};
}

TEST(IdempotencyStoreTest, RecordedEntriesSurviveReopen) {
  const std::string dir = TestDir("reopen");
  {
    auto store = IdempotencyStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)
                    ->RecordWritten({Entry("DEA", "R1", 4, 17),
                                     Entry("DEA", "R2", 4, 18),
                                     Entry("FBI", "R1", 2, 5)})
                    .ok());
  }
  auto store = IdempotencyStore::Open(dir);
  ASSERT_TRUE(store.ok());
  auto r1 = (*store)->Get("DEA", "R1");
  ASSERT_TRUE(r1.ok() && r1->has_value());
  EXPECT_EQ((*r1)->digest, "digest-R1");
  EXPECT_EQ((*r1)->topic, "fruition.reports.v1");
  EXPECT_EQ((*r1)->partition, 4);
  EXPECT_EQ((*r1)->offset, 17);
  EXPECT_FALSE((*store)->Get("DEA", "R3")->has_value());
  // The highest offset of each partition in the batch is recorded with it.
  auto offsets = (*store)->AckedOffsets();
  ASSERT_TRUE(offsets.ok());
  EXPECT_EQ(offsets->at({"fruition.reports.v1", 4}), 18);
  EXPECT_EQ(offsets->at({"fruition.reports.v1", 2}), 5);
}

TEST(IdempotencyStoreTest, RaisedOffsetsNeverGoDown) {
  auto store = IdempotencyStore::Open(TestDir("raise"));
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->AckedOffsets()->empty());
  ASSERT_TRUE((*store)->RaiseAckedOffsets({{{"t", 0}, 5}}).ok());
  ASSERT_TRUE((*store)->RaiseAckedOffsets({{{"t", 0}, 3}, {{"t", 1}, 9}}).ok());
  auto offsets = (*store)->AckedOffsets();
  EXPECT_EQ(offsets->at({"t", 0}), 5);
  EXPECT_EQ(offsets->at({"t", 1}), 9);
}

TEST(IdempotencyStoreTest, KeysDoNotCollideAcrossReporters) {
  auto store = IdempotencyStore::Open(TestDir("collide"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(
      (*store)
          ->RecordWritten({Entry("DE", "AR1", 0, 1), Entry("DEA", "R1", 0, 2)})
          .ok());
  EXPECT_EQ((*(*store)->Get("DE", "AR1"))->offset, 1);
  EXPECT_EQ((*(*store)->Get("DEA", "R1"))->offset, 2);
  EXPECT_FALSE((*store)->Get("D", "EAR1")->has_value());
}

TEST(IdempotencyStoreTest, MultiGetAnswersEachKeyInOrder) {
  auto store = IdempotencyStore::Open(TestDir("multiget"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(
      (*store)
          ->RecordWritten({Entry("DEA", "R1", 2, 7), Entry("FBI", "R1", 5, 9)})
          .ok());
  const std::string k1 = IdempotencyStore::Key("FBI", "R1");
  const std::string k2 = IdempotencyStore::Key("DEA", "R2");
  const std::string k3 = IdempotencyStore::Key("DEA", "R1");
  std::vector<std::optional<IndexEntry>> found;
  ASSERT_TRUE((*store)->MultiGet({k1, k2, k3}, &found).ok());
  ASSERT_EQ(found.size(), 3u);
  ASSERT_TRUE(found[0].has_value());
  EXPECT_EQ(found[0]->reporter, "FBI");
  EXPECT_EQ(found[0]->report_id, "R1");
  EXPECT_EQ(found[0]->partition, 5);
  EXPECT_EQ(found[0]->offset, 9);
  EXPECT_FALSE(found[1].has_value());
  ASSERT_TRUE(found[2].has_value());
  EXPECT_EQ(found[2]->reporter, "DEA");
  EXPECT_EQ(found[2]->offset, 7);
  ASSERT_TRUE((*store)->MultiGet({}, &found).ok());
  EXPECT_TRUE(found.empty());
}

TEST(IdempotencyStoreTest, SecondOpenOfSameDirectoryIsUnavailable) {
  const std::string dir = TestDir("locked");
  auto first = IdempotencyStore::Open(dir);
  ASSERT_TRUE(first.ok());
  auto second = IdempotencyStore::Open(dir);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fruition::intake
