// The crash marker's bookkeeping (inflight.h), without Kafka: each process
// is an Inflight loading the file the one before left, and dying is simply
// not taking the note back.
#include "services/common/stream/inflight.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/strings.h"

namespace fruition::stream {
namespace {

const kafka::TopicPartition kIn1{"in", 1};

}  // namespace

// For failure messages.
void PrintTo(const InflightRange& r, std::ostream* out) {
  *out << r.tp.first << ":" << r.tp.second << " [" << r.first << "," << r.last
       << "] x" << r.attempts << (r.alone ? " alone" : " batch");
}
void PrintTo(Inflight::Kind kind, std::ostream* out) {
  *out << (kind == Inflight::Kind::kBatch   ? "kBatch"
           : kind == Inflight::Kind::kAlone ? "kAlone"
                                            : "kCrashed");
}

namespace {

kafka::Record At(int64_t offset, int32_t partition = 1) {
  kafka::Record r;
  r.topic = "in";
  r.partition = partition;
  r.offset = offset;
  return r;
}

class InflightTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ =
        StrCat(::testing::TempDir(), "/inflight-",
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove(path_);
  }

  // A new process of the stage: what the one before left, loaded. Dying is
  // destroying it with a note not taken back (no Settle).
  std::unique_ptr<Inflight> Process(int limit = 2) {
    auto in = std::make_unique<Inflight>(path_, "test", limit);
    EXPECT_TRUE(in->Load().ok());
    return in;
  }

  std::vector<InflightRange> File() {
    auto ranges = Inflight::Read(path_);
    EXPECT_TRUE(ranges.ok()) << ranges.status();
    return ranges.ok() ? *ranges : std::vector<InflightRange>{};
  }

  std::string path_;
};

TEST_F(InflightTest, ACommittedTransactionLeavesNothing) {
  auto in = Process();
  in->Mark({{kIn1, {10, 14}}}, false);
  EXPECT_EQ(File(), (std::vector<InflightRange>{{kIn1, 10, 14, 1, false}}));
  in->Committed({{kIn1, {10, 14}}});
  EXPECT_TRUE(File().empty());
  // A longer note before a shorter one: its tail is never read.
  in->Mark({{kIn1, {15, 15}}, {{"in", 0}, {7, 8}}}, false);
  in->Mark({{kIn1, {15, 16}}}, false);
  EXPECT_EQ(File(), (std::vector<InflightRange>{{kIn1, 15, 16, 1, false}}));
  in->Committed({{kIn1, {15, 16}}});
  // A clean stop with nothing suspect removes the file.
  in.reset();
  EXPECT_FALSE(std::filesystem::exists(path_));
  EXPECT_FALSE(Process()->any());
}

TEST_F(InflightTest, TheSameRangeDyingLimitTimesIsAppliedAloneThenStopped) {
  // First death: records 10..14 of partition 1 (and 3..4 of partition 0,
  // applied with them).
  Process()->Mark({{{"in", 0}, {3, 4}}, {kIn1, {10, 14}}}, false);
  // The next process dies in a transaction holding 10..12: narrowed to
  // what both held, 2 in a row.
  {
    auto second = Process();
    EXPECT_EQ(second->Classify(At(12)), Inflight::Kind::kBatch);
    second->Mark({{kIn1, {10, 12}}}, false);
  }
  EXPECT_EQ(File(), (std::vector<InflightRange>{{kIn1, 10, 12, 2, false},
                                                {{"in", 0}, 3, 4, 1, false}}));
  // The limit: 10..12 go one at a time, the rest in batches.
  {
    auto third = Process();
    EXPECT_EQ(third->Classify(At(9)), Inflight::Kind::kBatch);
    EXPECT_EQ(third->Classify(At(10)), Inflight::Kind::kAlone);
    EXPECT_EQ(third->Classify(At(12)), Inflight::Kind::kAlone);
    EXPECT_EQ(third->Classify(At(13)), Inflight::Kind::kBatch);
    EXPECT_EQ(third->Classify(At(4, 0)), Inflight::Kind::kBatch);
    // 10 passes alone; 11 kills it.
    third->Mark({{kIn1, {10, 10}}}, true);
    third->Committed({{kIn1, {10, 10}}});
    EXPECT_EQ(third->Classify(At(10)), Inflight::Kind::kBatch);
    third->Mark({{kIn1, {11, 11}}}, true);
  }
  {
    auto fourth = Process();
    EXPECT_EQ(fourth->Classify(At(11)), Inflight::Kind::kAlone);
    EXPECT_EQ(fourth->Classify(At(12)), Inflight::Kind::kAlone);
    fourth->Mark({{kIn1, {11, 11}}}, true);
  }
  // Twice alone: the crash record. The rest of the range is still applied
  // one at a time.
  auto fifth = Process();
  EXPECT_EQ(fifth->Classify(At(11)), Inflight::Kind::kCrashed);
  EXPECT_EQ(fifth->AloneAttempts(At(11)), 2);
  EXPECT_EQ(fifth->Classify(At(12)), Inflight::Kind::kAlone);
  // Skipped: its offset committed, it is passed.
  fifth->Committed({{kIn1, {11, 11}}});
  EXPECT_EQ(fifth->Classify(At(11)), Inflight::Kind::kBatch);
  EXPECT_EQ(File(), (std::vector<InflightRange>{{kIn1, 12, 12, 2, false},
                                                {{"in", 0}, 3, 4, 1, false}}));
}

TEST_F(InflightTest, ProgressStartsTheCountAgain) {
  Process()->Mark({{kIn1, {10, 14}}}, false);
  {
    // Commits 10..12, then dies at 13..17: one attempt, not two.
    auto second = Process();
    second->Mark({{kIn1, {10, 12}}}, false);
    second->Committed({{kIn1, {10, 12}}});
    second->Mark({{kIn1, {13, 17}}}, false);
  }
  EXPECT_EQ(File(), (std::vector<InflightRange>{{kIn1, 13, 17, 1, false}}));
  // Limit 1: the first death is enough to go one at a time, and a commit
  // of a part of such a range leaves the rest of it one at a time.
  auto third = Process(/*limit=*/1);
  EXPECT_EQ(third->Classify(At(15)), Inflight::Kind::kAlone);
  third->Mark({{kIn1, {13, 13}}}, true);
  third->Committed({{kIn1, {13, 13}}});
  EXPECT_EQ(File(), (std::vector<InflightRange>{{kIn1, 14, 17, 1, false}}));
}

TEST_F(InflightTest, ATransactionDroppedWithoutDyingCountsNothing) {
  Process()->Mark({{kIn1, {10, 14}}}, false);
  {
    // Applied again and dropped (a rejoin, a stop): no death.
    auto second = Process();
    second->Mark({{kIn1, {10, 14}}}, false);
    EXPECT_EQ(File()[0].attempts, 2);
    second->Settle();
  }
  EXPECT_EQ(File(), (std::vector<InflightRange>{{kIn1, 10, 14, 1, false}}));
  // A clean stop keeps what is still suspect.
  EXPECT_EQ(Process()->suspects().size(), 1u);
}

TEST_F(InflightTest, OffWithoutAPath) {
  Inflight off("", "test", 3);
  EXPECT_TRUE(off.Load().ok());
  off.Mark({{kIn1, {10, 14}}}, false);
  EXPECT_FALSE(off.any());
  EXPECT_EQ(off.Classify(At(10)), Inflight::Kind::kBatch);
}

TEST_F(InflightTest, ANoteCutShortIsAnError) {
  std::ofstream(path_) << "stage test\nrange in 1 10 14 1 batch\n";
  EXPECT_EQ(Inflight::Read(path_).status().code(), absl::StatusCode::kDataLoss);
  // Created and never written: nothing noted.
  std::ofstream(path_, std::ios::trunc).flush();
  EXPECT_TRUE(File().empty());
}

TEST_F(InflightTest, AMalformedFileIsAnErrorNamingTheLine) {
  std::ofstream(path_) << "stage test\nrange in 1 10\nend\n";
  const auto ranges = Inflight::Read(path_);
  EXPECT_EQ(ranges.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(ranges.status().message().find("line 2"), std::string::npos)
      << ranges.status();
  Inflight in(path_, "test", 2);
  EXPECT_FALSE(in.Load().ok());
  EXPECT_FALSE(in.any());
}

TEST(ExtendTest, FirstAndLastOffsetPerPartition) {
  OffsetSpan span{{kIn1, {5, 6}}};
  Extend({At(7), At(8), At(2, 0), At(9), At(1, 0)}, &span);
  EXPECT_EQ(span, (OffsetSpan{{{"in", 0}, {1, 2}}, {kIn1, {5, 9}}}));
}

}  // namespace
}  // namespace fruition::stream
