#include "services/domain/budget.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fruition::domain {
namespace {

v1::AgencyReport Line(const std::string& reporter, const std::string& report_id,
                      int64_t at, const std::string& line_id,
                      const std::string& agency, int64_t amount) {
  v1::AgencyReport r;
  r.set_reporter(reporter);
  r.set_report_id(report_id);
  r.mutable_occurred_at()->set_seconds(at);
  auto* b = r.mutable_budget_line();
  b->set_line_id(line_id);
  b->set_agency(agency);
  b->set_fiscal_year(2016);
  b->set_amount_usd(amount);
  return r;
}

TEST(BudgetTest, TheLatestVersionOfEachLineCountsWhateverTheOrder) {
  std::vector<v1::AgencyReport> versions = {
      Line("OIG", "R-2", 200, "L-1", "FBI", 20),
      Line("OIG", "R-1", 100, "L-1", "DEA", 10),
      Line("HAC", "R-9", 150, "L-2", "DEA", 5),
      Line("OIG", "R-3", 50, "L-1", "ATF", 30),  // older, arrived last
  };
  for (int round = 0; round < 4; ++round) {
    const auto current = CurrentBudgetLines(versions);
    ASSERT_EQ(current.size(), 2u);
    EXPECT_EQ(current.at("L-1")->report_id(), "R-2");
    EXPECT_EQ(current.at("L-1")->budget_line().agency(), "FBI");
    EXPECT_EQ(current.at("L-2")->report_id(), "R-9");
    std::rotate(versions.begin(), versions.begin() + 1, versions.end());
  }
}

TEST(BudgetTest, SameInstantVersionsAreOrderedByReporterThenReportId) {
  const auto a = Line("HAC", "R-9", 100, "L-1", "DEA", 1);
  const auto b = Line("OIG", "R-1", 100, "L-1", "FBI", 2);
  const auto c = Line("OIG", "R-2", 100, "L-1", "ATF", 3);
  EXPECT_TRUE(SupersedesBudgetLine(b, a));
  EXPECT_TRUE(SupersedesBudgetLine(c, b));
  EXPECT_FALSE(SupersedesBudgetLine(a, c));
  for (const auto& order : {std::vector<v1::AgencyReport>{a, b, c},
                            std::vector<v1::AgencyReport>{c, b, a},
                            std::vector<v1::AgencyReport>{b, c, a}}) {
    EXPECT_EQ(CurrentBudgetLines(order).at("L-1")->report_id(), "R-2");
  }
  // Nanoseconds count before names.
  auto later = Line("AAA", "R-0", 100, "L-1", "DEA", 4);
  later.mutable_occurred_at()->set_nanos(1);
  EXPECT_TRUE(SupersedesBudgetLine(later, c));
}

TEST(BudgetTest, CriteriaCompareInclusively) {
  v1::BudgetCriterion at_most;
  at_most.set_op(v1::CRITERION_OP_AT_MOST);
  at_most.set_value(0.30);
  EXPECT_TRUE(CriterionHolds(at_most, 0.30));
  EXPECT_TRUE(CriterionHolds(at_most, 0.1));
  EXPECT_FALSE(CriterionHolds(at_most, 0.31));
  v1::BudgetCriterion at_least = at_most;
  at_least.set_op(v1::CRITERION_OP_AT_LEAST);
  EXPECT_TRUE(CriterionHolds(at_least, 0.30));
  EXPECT_FALSE(CriterionHolds(at_least, 0.29));
  at_least.set_op(v1::CRITERION_OP_UNSPECIFIED);
  EXPECT_FALSE(CriterionHolds(at_least, 0.30));
}

TEST(BudgetTest, UnitAndPeriodOfALine) {
  const auto r = Line("OIG", "R-1", 1, "L-1", "DEA", 1);
  EXPECT_EQ(BudgetLineUnit(r.budget_line()), "agency:DEA");
  EXPECT_EQ(BudgetLinePeriod(r.budget_line()), "FY2016");
}

}  // namespace
}  // namespace fruition::domain
