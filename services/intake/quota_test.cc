#include "services/intake/quota.h"

#include <atomic>
#include <thread>

#include "gtest/gtest.h"

namespace fruition::intake {
namespace {

auth::Principal Agency(const std::string& code, int rate, int streams = 4) {
  auth::Principal p{code, auth::PrincipalKind::kAgency};
  p.quota.reports_per_second = rate;
  p.quota.max_streams = streams;
  return p;
}

constexpr int64_t kMs = 1000000;  // ns

class AdmissionTest : public ::testing::Test {
 protected:
  int64_t now_ = 0;
  Admission admission_{AdmissionLimits{}, nullptr, [this] { return now_; }};
};

TEST_F(AdmissionTest, BucketStartsFullAndHoldsOneSecondsWorth) {
  const auth::Principal dea = Agency("DEA", 100);
  int64_t retry = -1;
  EXPECT_EQ(admission_.TakeReports(dea, 100, &retry), 100);
  EXPECT_EQ(retry, -1);  // untouched when everything was admitted
  // Empty: the next report needs 1/100 s.
  EXPECT_EQ(admission_.TakeReports(dea, 1, &retry), 0);
  EXPECT_EQ(retry, 10);
  // Idle for a minute: the bucket holds one second's worth, no more.
  now_ += 60000 * kMs;
  EXPECT_EQ(admission_.TakeReports(dea, 150, &retry), 100);
  // 50 refused: the hint is the time until 50 tokens are back.
  EXPECT_EQ(retry, 500);
}

TEST_F(AdmissionTest, RefillsAtTheConfiguredRate) {
  const auth::Principal dea = Agency("DEA", 1000);
  int64_t retry = 0;
  ASSERT_EQ(admission_.TakeReports(dea, 1000, &retry), 1000);
  int admitted = 0;
  // 2 s in 1 ms steps asking for 5 each: 1 per ms gets through.
  for (int i = 0; i < 2000; ++i) {
    now_ += kMs;
    admitted += admission_.TakeReports(dea, 5, &retry);
  }
  EXPECT_EQ(admitted, 2000);
  // The hint for more than a burst is capped at a burst (one second).
  EXPECT_EQ(admission_.TakeReports(dea, 50000, &retry), 0);
  EXPECT_EQ(retry, 1000);
}

TEST_F(AdmissionTest, OnePrincipalsFloodLeavesAnothersBucketAlone) {
  const auth::Principal dea = Agency("DEA", 10);
  const auth::Principal fbi = Agency("FBI", 10);
  int64_t retry = 0;
  for (int i = 0; i < 100; ++i) admission_.TakeReports(dea, 10, &retry);
  EXPECT_EQ(admission_.TakeReports(fbi, 10, &retry), 10);
}

TEST_F(AdmissionTest, MaxStreamsCountsOpenStreams) {
  const auth::Principal dea = Agency("DEA", 10, 2);
  int64_t retry = 0;
  auto a = admission_.OpenStream(dea, &retry);
  auto b = admission_.OpenStream(dea, &retry);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(admission_.OpenStream(dea, &retry), nullptr);
  EXPECT_GT(retry, 0);
  EXPECT_EQ(admission_.open_streams("DEA"), 2);
  // Another principal has its own count.
  EXPECT_NE(admission_.OpenStream(Agency("FBI", 10, 1), &retry), nullptr);
  a.reset();  // closing one frees its place
  EXPECT_NE(admission_.OpenStream(dea, &retry), nullptr);
  // max_streams 0: no streams at all (Submit only).
  EXPECT_EQ(admission_.OpenStream(Agency("ATF", 10, 0), &retry), nullptr);
}

TEST(AdmissionBytesTest, PrincipalAndReplicaLimits) {
  Admission admission(AdmissionLimits{/*replica_bytes=*/100,
                                      /*principal_bytes=*/60});
  EXPECT_TRUE(admission.TryReserve("DEA", 60));
  EXPECT_FALSE(admission.TryReserve("DEA", 1));  // the principal's share
  EXPECT_TRUE(admission.TryReserve("FBI", 40));  // the rest of the replica
  EXPECT_FALSE(admission.TryReserve("ATF", 1));  // the replica is full
  EXPECT_EQ(admission.replica_bytes_held(), 100);
  admission.Release("DEA", 60);
  EXPECT_TRUE(admission.TryReserve("ATF", 1));
  // More than a principal may ever hold: refused even when idle.
  EXPECT_FALSE(admission.Fits(61));
  EXPECT_FALSE(admission.Reserve("HSI", 61, [] { return false; }));
}

TEST(AdmissionBytesTest, ReserveWaitsForReleaseThenProceeds) {
  Admission admission(AdmissionLimits{100, 100});
  ASSERT_TRUE(admission.TryReserve("DEA", 100));
  std::atomic<bool> got{false};
  std::thread waiter(
      [&] { got = admission.Reserve("DEA", 50, [] { return false; }); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(got);  // back-pressure: still waiting
  admission.Release("DEA", 50);
  waiter.join();
  EXPECT_TRUE(got);
  EXPECT_EQ(admission.principal_bytes_held("DEA"), 100);
  // A cancelled wait gives up.
  EXPECT_FALSE(admission.Reserve("DEA", 1, [] { return true; }));
}

}  // namespace
}  // namespace fruition::intake
