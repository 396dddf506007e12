#include "services/common/audit/chain.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fruition::audit {
namespace {

using ::testing::ElementsAre;

// `n` records of `writer`'s chain, each linked to the one before, stored in
// `partition` from `offset` on.
std::vector<Stored> Chain(const std::string& writer, int n,
                          int32_t partition = 0, int64_t offset = 0) {
  std::vector<Stored> out;
  std::string prev;
  for (int i = 1; i <= n; ++i) {
    Entry e{"OIG", "GET /api/v1/events", {"event:E" + std::to_string(i)}};
    std::string value =
        Serialize(MakeRecord(e, writer, static_cast<uint64_t>(i), prev,
                             absl::FromUnixSeconds(1700000000 + i)));
    prev = Digest(value);
    out.push_back(Stored{partition, offset++, std::move(value)});
  }
  return out;
}

// Offsets renumbered 0.. in list order, as a copy of the records into a new
// topic would have them.
std::vector<Stored> Renumber(std::vector<Stored> records) {
  int64_t offset = 0;
  for (Stored& s : records) s.offset = offset++;
  return records;
}

TEST(ChainTest, RecordCarriesEntryAndLink) {
  Entry e{"DEA", "/fruition.v1.Gateway/GetClaim", {"claim:CL-1"}, "OK"};
  auto r = MakeRecord(e, "gateway@a", 7, "abc",
                      absl::FromUnixNanos(1700000000123456789));
  EXPECT_EQ(r.seq(), 7u);
  EXPECT_EQ(r.writer(), "gateway@a");
  EXPECT_EQ(r.principal(), "DEA");
  EXPECT_EQ(r.action(), "/fruition.v1.Gateway/GetClaim");
  EXPECT_THAT(r.resources(), ElementsAre("claim:CL-1"));
  EXPECT_EQ(r.outcome(), "OK");
  EXPECT_EQ(r.prev_sha256(), "abc");
  EXPECT_EQ(r.at().seconds(), 1700000000);
  EXPECT_EQ(r.at().nanos(), 123456789);
  EXPECT_EQ(Serialize(r), Serialize(r));
  EXPECT_EQ(Digest("test"),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
}

// The partition is a pure function of the name (FNV-1a), so a restarted
// writer finds its chain where it left it, on any platform.
TEST(ChainTest, PartitionIsStableAndInRange) {
  EXPECT_EQ(PartitionFor("gateway@host-1", 12),
            PartitionFor("gateway@host-1", 12));
  // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c.
  EXPECT_EQ(PartitionFor("a", 1000),
            static_cast<int32_t>(0xaf63dc4c8601ec8cULL % 1000));
  std::set<int32_t> seen;
  for (int i = 0; i < 200; ++i) {
    const int32_t p = PartitionFor("w" + std::to_string(i), 12);
    EXPECT_GE(p, 0);
    EXPECT_LT(p, 12);
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 12u);
}

TEST(ChainTest, HeadIsAfterTheWritersHighestSeq) {
  std::vector<Stored> records = Chain("gateway@a", 5);
  for (Stored& s : Chain("intake@b", 9, 0, 5)) records.push_back(s);
  auto head = HeadOf("gateway@a", records);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->next_seq, 6u);
  EXPECT_EQ(head->prev_sha256, Digest(records[4].value));
  EXPECT_FALSE(HeadOf("scoring@c", records).has_value());
  EXPECT_FALSE(HeadOf("gateway@a", {{0, 0, "garbage"}}).has_value());
}

TEST(ChainTest, WholeChainsPass) {
  std::vector<Stored> records = Chain("gateway@a", 20, 3);
  for (Stored& s : Chain("intake@b", 7, 5)) records.push_back(s);
  Verdict v = Verify(records);
  EXPECT_EQ(v.writers, 2);
  EXPECT_EQ(v.records, 27);
  EXPECT_TRUE(v.breaks.empty()) << v.breaks[0];
  EXPECT_TRUE(Verify({}).breaks.empty());
}

TEST(ChainTest, DeletedRecordIsMissing) {
  std::vector<Stored> records = Chain("gateway@a", 10);
  records.erase(records.begin() + 4);  // seq 5
  EXPECT_THAT(Verify(Renumber(records)).breaks,
              ElementsAre("writer gateway@a: seq 5 missing"));
  records.erase(records.begin() + 4, records.begin() + 7);  // seqs 6..8
  EXPECT_THAT(Verify(Renumber(records)).breaks,
              ElementsAre("writer gateway@a: seqs 5 to 8 missing"));
}

TEST(ChainTest, DeletedHeadIsMissing) {
  std::vector<Stored> records = Chain("gateway@a", 3);
  records.erase(records.begin());
  EXPECT_THAT(Verify(Renumber(records)).breaks,
              ElementsAre("writer gateway@a: seq 1 missing"));
}

TEST(ChainTest, EditedRecordBreaksTheNextLink) {
  std::vector<Stored> records = Chain("gateway@a", 10);
  fruition::v1::AuditRecord r;
  ASSERT_TRUE(r.ParseFromString(records[3].value));  // seq 4
  r.set_principal("PUBLIC");
  records[3].value = Serialize(r);
  EXPECT_THAT(
      Verify(records).breaks,
      ElementsAre("writer gateway@a: seq 5: prev_sha256 does not match seq 4"));
}

TEST(ChainTest, ReorderedRecordIsOutOfOrder) {
  std::vector<Stored> records = Chain("gateway@a", 10);
  std::swap(records[5], records[6]);  // seq 7 before seq 6
  EXPECT_THAT(
      Verify(Renumber(records)).breaks,
      ElementsAre(
          "writer gateway@a: seq 6 out of order at partition 0 offset 6"));
}

TEST(ChainTest, DuplicatedRecordIsRepeated) {
  std::vector<Stored> records = Chain("gateway@a", 4);
  records.push_back(records[1]);
  EXPECT_THAT(
      Verify(Renumber(records)).breaks,
      ElementsAre("writer gateway@a: seq 2 repeated at partition 0 offset 4"));
}

TEST(ChainTest, ForgedFirstRecordAndGarbageAreBreaks) {
  std::vector<Stored> records = Chain("gateway@a", 2);
  fruition::v1::AuditRecord r;
  ASSERT_TRUE(r.ParseFromString(records[0].value));
  r.set_prev_sha256(Digest("x"));
  records[0].value = Serialize(r);
  records.push_back(Stored{0, 2, "\xff\xff"});
  EXPECT_THAT(
      Verify(records).breaks,
      ElementsAre("partition 0 offset 2: not an audit record",
                  "writer gateway@a: seq 1: prev_sha256 is not empty",
                  "writer gateway@a: seq 2: prev_sha256 does not match seq 1"));
}

// Each writer's chain is checked on its own: another writer's records in
// between (same partition) change nothing.
TEST(ChainTest, InterleavedWritersAreIndependent) {
  std::vector<Stored> a = Chain("gateway@a", 6);
  std::vector<Stored> b = Chain("intake@b", 6);
  std::vector<Stored> mixed;
  for (size_t i = 0; i < a.size(); ++i) {
    mixed.push_back(a[i]);
    mixed.push_back(b[i]);
  }
  mixed.erase(mixed.begin() + 5);  // b's seq 3
  Verdict v = Verify(Renumber(mixed));
  EXPECT_EQ(v.writers, 2);
  EXPECT_THAT(v.breaks, ElementsAre("writer intake@b: seq 3 missing"));
}

}  // namespace
}  // namespace fruition::audit
