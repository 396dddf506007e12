#include "tools/fruitctl/audit.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fruition::fruitctl {
namespace {

using ::testing::ElementsAre;

// One record of `writer`'s chain (links are not checked by list).
audit::Stored Rec(const std::string& writer, uint64_t seq,
                  const std::string& principal, int64_t unix_seconds,
                  int64_t offset) {
  audit::Entry e{principal, "GET /api/v1/events", {"event:E1", "event:E2"}};
  return {
      0, offset,
      audit::Serialize(audit::MakeRecord(e, writer, seq, seq == 1 ? "" : "ab",
                                         absl::FromUnixSeconds(unix_seconds)))};
}

TEST(AuditListTest, OneJsonLinePerRecordByWriterThenSeq) {
  std::vector<audit::Stored> records = {
      Rec("intake@b", 1, "DEA", 1700000100, 0),
      Rec("gateway@a", 2, "OIG", 1700000200, 1),
      Rec("gateway@a", 1, "DEA", 1700000000, 2),
      {0, 3, "\xff\xff"},  // not a record: left out
  };
  EXPECT_THAT(
      ListLines(records, {}),
      ElementsAre(
          "{\"seq\":\"1\",\"writer\":\"gateway@a\",\"principal\":\"DEA\","
          "\"action\":\"GET /api/v1/events\",\"resources\":[\"event:E1\","
          "\"event:E2\"],\"outcome\":\"OK\",\"prev_sha256\":\"\","
          "\"at\":\"2023-11-14T22:13:20Z\"}",
          "{\"seq\":\"2\",\"writer\":\"gateway@a\",\"principal\":\"OIG\","
          "\"action\":\"GET /api/v1/events\",\"resources\":[\"event:E1\","
          "\"event:E2\"],\"outcome\":\"OK\",\"prev_sha256\":\"ab\","
          "\"at\":\"2023-11-14T22:16:40Z\"}",
          "{\"seq\":\"1\",\"writer\":\"intake@b\",\"principal\":\"DEA\","
          "\"action\":\"GET /api/v1/events\",\"resources\":[\"event:E1\","
          "\"event:E2\"],\"outcome\":\"OK\",\"prev_sha256\":\"\","
          "\"at\":\"2023-11-14T22:15:00Z\"}"));
}

TEST(AuditListTest, FiltersByPrincipalWriterAndSince) {
  std::vector<audit::Stored> records = {
      Rec("intake@b", 1, "DEA", 1700000100, 0),
      Rec("gateway@a", 2, "OIG", 1700000200, 1),
      Rec("gateway@a", 1, "DEA", 1700000000, 2),
  };
  ListFilter f;
  f.principal = "DEA";
  EXPECT_EQ(ListLines(records, f).size(), 2u);
  f.writer = "intake@b";
  ASSERT_EQ(ListLines(records, f).size(), 1u);
  EXPECT_NE(ListLines(records, f)[0].find("intake@b"), std::string::npos);
  ListFilter since;
  since.since = absl::FromUnixSeconds(1700000100);  // at or after
  auto lines = ListLines(records, since);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("\"principal\":\"OIG\""), std::string::npos);
  EXPECT_NE(lines[1].find("intake@b"), std::string::npos);
}

TEST(AuditVerifyTest, ExitCodeAndSummary) {
  std::ostringstream out, err;
  audit::Verdict whole{3, 40, {}};
  EXPECT_EQ(PrintVerdict(whole, out, err), 0);
  EXPECT_EQ(out.str(),
            "audit verify: 3 writers, 40 records, every chain whole\n");
  std::ostringstream out2, err2;
  audit::Verdict broken{
      1,
      9,
      {"writer w: seq 4 missing",
       "writer w: seq 7 out of order at partition 0 offset 5"}};
  EXPECT_EQ(PrintVerdict(broken, out2, err2), 1);
  EXPECT_EQ(out2.str(),
            "writer w: seq 4 missing\n"
            "writer w: seq 7 out of order at partition 0 offset 5\n");
  EXPECT_EQ(err2.str(), "audit verify: 1 writers, 9 records, 2 breaks\n");
}

}  // namespace
}  // namespace fruition::fruitctl
