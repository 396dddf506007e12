#include "services/domain/periods.h"

#include <ctime>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fruition::domain {
namespace {

int64_t Utc(int year, int month, int day, int h = 0, int m = 0, int s = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm));
}

TEST(Periods, FiscalYearAndQuarterAtTheirBoundaries) {
  struct Case {
    int64_t at;
    const char* year;
    const char* quarter;
  };
  const std::vector<Case> cases = {
      {Utc(2015, 9, 30, 23, 59, 59), "FY2015", "FY2015Q4"},
      {Utc(2015, 10, 1), "FY2016", "FY2016Q1"},
      {Utc(2015, 12, 31, 23, 59, 59), "FY2016", "FY2016Q1"},
      {Utc(2016, 1, 1), "FY2016", "FY2016Q2"},
      {Utc(2016, 4, 1), "FY2016", "FY2016Q3"},
      {Utc(2016, 7, 1), "FY2016", "FY2016Q4"},
      {Utc(2016, 9, 30, 23, 59, 59), "FY2016", "FY2016Q4"},
      {Utc(2016, 10, 1), "FY2017", "FY2017Q1"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FiscalYear(c.at), c.year) << c.at;
    EXPECT_EQ(FiscalQuarter(c.at), c.quarter) << c.at;
    EXPECT_EQ(FiscalYearOfPeriod(c.quarter), c.year) << c.quarter;
    EXPECT_EQ(FiscalYearOfPeriod(c.year), c.year) << c.year;
  }
}

TEST(Periods, FiscalYearBoundsAgreeWithFiscalYear) {
  const auto [start, end] = FiscalYearBounds(2016);
  EXPECT_EQ(start, Utc(2015, 10, 1));
  EXPECT_EQ(end, Utc(2016, 10, 1));
  EXPECT_EQ(FiscalYear(start), "FY2016");
  EXPECT_EQ(FiscalYear(end - 1), "FY2016");
  EXPECT_EQ(FiscalYear(end), "FY2017");
}

TEST(Periods, NamesAndNumbers) {
  EXPECT_EQ(FiscalYearName(2016), "FY2016");
  EXPECT_EQ(YearOf("FY2016"), 2016);
  EXPECT_EQ(YearOf("FY2016Q3"), 2016);
  EXPECT_TRUE(IsFiscalYear("FY2016"));
  EXPECT_FALSE(IsFiscalYear("FY2016Q3"));
}

TEST(Periods, ValidPeriodIsFyYearOrQuarter) {
  for (const char* ok : {"FY2016", "FY1990", "FY2016Q1", "FY2016Q4"}) {
    EXPECT_TRUE(ValidPeriod(ok)) << ok;
  }
  for (const char* bad : {"", "FY16", "2016", "fy2016", "FY2016Q0", "FY2016Q5",
                          "FY2016Q", "FY201A", "FY2016Q12", "CY2016"}) {
    EXPECT_FALSE(ValidPeriod(bad)) << bad;
  }
}

TEST(Units, KindColonCode) {
  for (const char* ok :
       {"agency:DEA", "field_office:DEA-PHILADELPHIA", "district:EDPA",
        "area:PHL-KENSINGTON", "national:US"}) {
    EXPECT_TRUE(ValidUnit(ok)) << ok;
  }
  for (const char* bad :
       {"", "agency", "agency:", "DEA", "county:X", ":DEA", "Agency:DEA"}) {
    EXPECT_FALSE(ValidUnit(bad)) << bad;
  }
  EXPECT_TRUE(ValidUnitKind("field_office"));
  EXPECT_TRUE(ValidUnitKind("national"));
}

}  // namespace
}  // namespace fruition::domain
