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

TEST(IdempotencyStoreTest, PendingThenWrittenSurvivesReopen) {
  const std::string dir = TestDir("reopen");
  {
    auto store = IdempotencyStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->PutPending("DEA", "R1", "d1").ok());
    ASSERT_TRUE((*store)->PutPending("DEA", "R2", "d2").ok());
    ASSERT_TRUE(
        (*store)
            ->MarkWritten("DEA", "R1", "d1", "fruition.reports.v1", 4, 17)
            .ok());
  }
  auto store = IdempotencyStore::Open(dir);
  ASSERT_TRUE(store.ok());
  auto r1 = (*store)->Get("DEA", "R1");
  ASSERT_TRUE(r1.ok() && r1->has_value());
  EXPECT_TRUE((*r1)->written);
  EXPECT_EQ((*r1)->digest, "d1");
  EXPECT_EQ((*r1)->partition, 4);
  EXPECT_EQ((*r1)->offset, 17);
  auto pending = (*store)->Pending();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].report_id, "R2");
  auto offsets = (*store)->AckedOffsets();
  ASSERT_TRUE(offsets.ok());
  EXPECT_EQ(offsets->at({"fruition.reports.v1", 4}), 17);
}

TEST(IdempotencyStoreTest, ForgetAndRaiseOffsets) {
  auto store = IdempotencyStore::Open(TestDir("forget"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->PutPending("DEA", "R1", "d1").ok());
  ASSERT_TRUE((*store)->Forget("DEA", "R1").ok());
  EXPECT_FALSE((*store)->Get("DEA", "R1")->has_value());
  EXPECT_TRUE((*store)->Pending()->empty());
  ASSERT_TRUE((*store)->RaiseAckedOffsets({{{"t", 0}, 5}}).ok());
  ASSERT_TRUE((*store)->RaiseAckedOffsets({{{"t", 0}, 3}, {{"t", 1}, 9}}).ok());
  auto offsets = (*store)->AckedOffsets();
  EXPECT_EQ(offsets->at({"t", 0}), 5);  // never lowered
  EXPECT_EQ(offsets->at({"t", 1}), 9);
}

TEST(IdempotencyStoreTest, KeysDoNotCollideAcrossReporters) {
  auto store = IdempotencyStore::Open(TestDir("collide"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->PutPending("DE", "AR1", "a").ok());
  ASSERT_TRUE((*store)->PutPending("DEA", "R1", "b").ok());
  EXPECT_EQ((*(*store)->Get("DE", "AR1"))->digest, "a");
  EXPECT_EQ((*(*store)->Get("DEA", "R1"))->digest, "b");
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
