// The budget lines of a fiscal year judged on public scorecards
// (budgets.h): met, unmet, undefined, withheld, missing, no card; the same
// verdict as the reconciler's BUDGET_CRITERIA_UNMET; which lines a query
// gets; bad queries refused naming the parameter.
#include "services/gateway/budgets.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/domain/events.h"

namespace fruition::gateway {
namespace {

v1::AgencyReport Line(const std::string& line_id, const std::string& agency,
                      int year = 2016) {
  v1::AgencyReport r;
  r.set_reporter("OIG");
  r.set_report_id("r-" + line_id);
  v1::BudgetLine& b = *r.mutable_budget_line();
  b.set_line_id(line_id);
  b.set_agency(agency);
  b.set_fiscal_year(year);
  b.set_amount_usd(2400000000);
  b.set_purpose("Domestic cartel enforcement");
  return r;
}

void Criterion(v1::AgencyReport* r, const std::string& indicator,
               v1::CriterionOp op, double value) {
  v1::BudgetCriterion& c = *r->mutable_budget_line()->add_criteria();
  c.set_indicator(indicator);
  c.set_op(op);
  c.set_value(value);
}

v1::Scorecard Card(const std::string& unit,
                   const std::string& period = "FY2016") {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period(period);
  c.set_public_view(true);
  c.set_scorecard_id("pub-" + unit);
  return c;
}

void Cell(v1::Scorecard* c, const std::string& name, double value) {
  v1::Indicator& i = *c->add_indicators();
  i.set_name(name);
  i.set_value(value);
  i.set_n(120);
  i.set_defined(true);
}

void Withheld(v1::Scorecard* c, const std::string& name) {
  v1::Indicator& i = *c->add_indicators();
  i.set_name(name);
  i.set_suppressed(true);
  // What only the restricted view may show; a withheld cell must never be
  // read as this value.
  i.set_value(0.99);
  i.set_n(5);
  i.set_defined(true);
}

void Undefined(v1::Scorecard* c, const std::string& name) {
  v1::Indicator& i = *c->add_indicators();
  i.set_name(name);
  i.set_defined(false);
}

v1::ListBudgetLinesRequest Query(const std::string& period,
                                 const std::string& agency = "") {
  v1::ListBudgetLinesRequest q;
  q.set_period(period);
  q.set_agency(agency);
  return q;
}

// DEA's card: lnf_share 0.62 (published), mean_desert undefined,
// link_substantiation_rate withheld, budget_usd shown.
v1::Scorecard DeaCard() {
  v1::Scorecard dea = Card("agency:DEA");
  Cell(&dea, "lnf_share", 0.62);
  Cell(&dea, "sentenced", 300);
  Undefined(&dea, "mean_desert");
  Withheld(&dea, "link_substantiation_rate");
  Cell(&dea, "budget_usd", 2400000000);
  Withheld(&dea, "cost_per_high_desert_sentence");
  return dea;
}

TEST(BudgetsTest, EachCriterionShowsTheValueFoundAndWhetherItIsMet) {
  v1::AgencyReport line = Line("L1", "DEA");
  Criterion(&line, "lnf_share", v1::CRITERION_OP_AT_MOST, 0.70);
  Criterion(&line, "sentenced", v1::CRITERION_OP_AT_LEAST, 301);
  Criterion(&line, "mean_desert", v1::CRITERION_OP_AT_LEAST, 10);
  Criterion(&line, "link_substantiation_rate", v1::CRITERION_OP_AT_LEAST, 0);
  Criterion(&line, "seizures", v1::CRITERION_OP_AT_LEAST, 0);
  const auto out = JudgeBudgetLines(Query("FY2016"), {line}, {DeaCard()});
  ASSERT_EQ(out.lines_size(), 1);
  const v1::BudgetLineStatus& l = out.lines(0);
  EXPECT_EQ(l.line_id(), "L1");
  EXPECT_EQ(l.agency(), "DEA");
  EXPECT_EQ(l.fiscal_year(), 2016);
  EXPECT_EQ(l.amount_usd(), 2400000000);
  EXPECT_EQ(l.purpose(), "Domestic cartel enforcement");
  ASSERT_EQ(l.criteria_size(), 5);
  // Published and within the bound.
  EXPECT_TRUE(l.criteria(0).has_found());
  EXPECT_DOUBLE_EQ(l.criteria(0).found(), 0.62);
  EXPECT_TRUE(l.criteria(0).met());
  EXPECT_EQ(l.criteria(0).op(), v1::CRITERION_OP_AT_MOST);
  EXPECT_DOUBLE_EQ(l.criteria(0).value(), 0.70);
  // Published, out of bounds.
  EXPECT_DOUBLE_EQ(l.criteria(1).found(), 300);
  EXPECT_FALSE(l.criteria(1).met());
  // Undefined, withheld, missing: no value found, not met (whatever bound).
  for (int i : {2, 3, 4}) {
    EXPECT_FALSE(l.criteria(i).has_found()) << i;
    EXPECT_FALSE(l.criteria(i).met()) << i;
  }
  EXPECT_TRUE(l.judged());
  EXPECT_FALSE(l.met());
  EXPECT_DOUBLE_EQ(l.agency_budget_usd(), 2400000000);
  EXPECT_FALSE(l.has_agency_cost_per_high_desert_sentence());
  EXPECT_TRUE(out.public_view());
}

TEST(BudgetsTest, ALineIsMetWhenEveryCriterionIs) {
  v1::AgencyReport line = Line("L1", "DEA");
  Criterion(&line, "lnf_share", v1::CRITERION_OP_AT_MOST, 0.62);
  Criterion(&line, "lnf_share", v1::CRITERION_OP_AT_LEAST, 0.62);
  v1::AgencyReport none = Line("L0", "DEA");
  const auto out = JudgeBudgetLines(Query("FY2016"), {line, none}, {DeaCard()});
  ASSERT_EQ(out.lines_size(), 2);
  EXPECT_EQ(out.lines(0).line_id(), "L0");
  EXPECT_TRUE(out.lines(0).met()) << "no criteria: nothing fails";
  EXPECT_TRUE(out.lines(1).met());
  EXPECT_TRUE(out.lines(1).criteria(0).met());
  EXPECT_TRUE(out.lines(1).criteria(1).met());
}

TEST(BudgetsTest, WithoutAPublicCardTheLineIsNotJudged) {
  v1::AgencyReport line = Line("L1", "ATF");
  Criterion(&line, "lnf_share", v1::CRITERION_OP_AT_MOST, 1);
  const auto out = JudgeBudgetLines(Query("FY2016"), {line}, {DeaCard()});
  ASSERT_EQ(out.lines_size(), 1);
  EXPECT_FALSE(out.lines(0).judged());
  EXPECT_FALSE(out.lines(0).met());
  EXPECT_FALSE(out.lines(0).criteria(0).has_found());
  EXPECT_FALSE(out.lines(0).has_agency_budget_usd());
}

// The verdict is the reconciler's: a line is met exactly when
// BUDGET_CRITERIA_UNMET does not hold on the same public card.
TEST(BudgetsTest, TheVerdictIsTheReconcilersOnEveryCase) {
  const v1::Scorecard card = DeaCard();
  int cases = 0;
  for (const char* indicator : {"lnf_share", "sentenced", "mean_desert",
                                "link_substantiation_rate", "seizures"}) {
    for (v1::CriterionOp op :
         {v1::CRITERION_OP_AT_MOST, v1::CRITERION_OP_AT_LEAST}) {
      for (double bound : {0.0, 0.62, 1.0, 300.0, 1000.0}) {
        v1::AgencyReport line = Line("L", "DEA");
        Criterion(&line, "lnf_share", v1::CRITERION_OP_AT_MOST, 0.9);
        Criterion(&line, indicator, op, bound);
        const auto out = JudgeBudgetLines(Query("FY2016"), {line}, {card});
        domain::BudgetLineFacts facts;
        facts.line = &line;
        facts.card = &card;
        const bool unmet = domain::BudgetCriteriaUnmet(facts).back().holds;
        ASSERT_EQ(out.lines_size(), 1);
        EXPECT_EQ(out.lines(0).met(), !unmet)
            << indicator << " " << op << " " << bound;
        EXPECT_EQ(out.lines(0).met(), out.lines(0).criteria(1).met())
            << indicator << " " << op << " " << bound;
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 50);
}

TEST(BudgetsTest, OnlyTheYearsAndTheAgencysLinesByAgencyThenLineId) {
  const std::vector<v1::AgencyReport> lines = {
      Line("Z-1", "DEA"), Line("A-9", "FBI"), Line("A-1", "DEA"),
      Line("A-2", "DEA", 2017)};
  v1::Scorecard other_year = Card("agency:FBI", "FY2017");
  Cell(&other_year, "budget_usd", 7);
  auto ids = [](const v1::ListBudgetLinesResponse& r) {
    std::string out;
    for (const auto& l : r.lines()) out += l.line_id() + " ";
    return out;
  };
  EXPECT_EQ(ids(JudgeBudgetLines(Query("FY2016"), lines, {other_year})),
            "A-1 Z-1 A-9 ");
  EXPECT_EQ(ids(JudgeBudgetLines(Query("FY2016", "DEA"), lines, {})),
            "A-1 Z-1 ");
  EXPECT_EQ(ids(JudgeBudgetLines(Query("FY2017"), lines, {})), "A-2 ");
  EXPECT_EQ(ids(JudgeBudgetLines(Query("FY2015"), lines, {})), "");
  // Another year's card is not this year's.
  const auto fbi =
      JudgeBudgetLines(Query("FY2016", "FBI"), lines, {other_year});
  ASSERT_EQ(fbi.lines_size(), 1);
  EXPECT_FALSE(fbi.lines(0).judged());
}

TEST(BudgetsTest, ALaggingCardIsSaid) {
  v1::Scorecard card = DeaCard();
  card.set_lags_current(true);
  EXPECT_TRUE(JudgeBudgetLines(Query("FY2016"), {Line("L", "DEA")}, {card})
                  .lags_current());
  EXPECT_FALSE(
      JudgeBudgetLines(Query("FY2016"), {Line("L", "DEA")}, {DeaCard()})
          .lags_current());
}

TEST(BudgetsTest, BadQueriesAreRefusedNamingTheParameter) {
  EXPECT_TRUE(CheckBudgetQuery(Query("FY2016")).ok());
  EXPECT_TRUE(CheckBudgetQuery(Query("FY2016", "TF-PHL")).ok());
  for (const char* period : {"", "FY2016Q1", "2016", "FY16", "fy2016"}) {
    const absl::Status s = CheckBudgetQuery(Query(period));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << period;
    EXPECT_EQ(s.message().substr(0, 8), "period: ") << s;
  }
  for (const std::string& agency :
       {std::string("agency:DEA"), std::string("DE\nA"),
        std::string(129, 'A')}) {
    const absl::Status s = CheckBudgetQuery(Query("FY2016", agency));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << agency;
    EXPECT_EQ(s.message().substr(0, 8), "agency: ") << s;
  }
}

}  // namespace
}  // namespace fruition::gateway
