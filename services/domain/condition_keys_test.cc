#include "services/domain/condition_keys.h"

#include "gtest/gtest.h"

namespace fruition::domain {
namespace {

using Scope = ConditionRef::Scope;

// Every format event_conditions.cc writes parses to what it names.
TEST(ConditionKeysTest, ParsesEveryFormat) {
  std::string why;
  auto ref =
      ParseConditionKey("FRUITION_GAP/agency:DEA/FY2016/restricted", &why);
  ASSERT_TRUE(ref) << why;
  EXPECT_EQ(ref->type, "FRUITION_GAP");
  EXPECT_EQ(ref->scope, Scope::kUnit);
  EXPECT_EQ(ref->unit, "agency:DEA");

  ref = ParseConditionKey(
      "TARGET_OVERSHOOT/agency:DEA/FY2016/PERFORMANCE_MEASURE_ARRESTS", &why);
  ASSERT_TRUE(ref) << why;
  EXPECT_EQ(ref->unit, "agency:DEA");

  ref = ParseConditionKey("REPORT_CONFLICT/report/DEA/R/1", &why);
  ASSERT_TRUE(ref) << why;
  EXPECT_EQ(ref->scope, Scope::kReport);
  EXPECT_EQ(ref->reporter, "DEA");
  EXPECT_EQ(ref->id, "R/1");

  ref = ParseConditionKey("LINK_UNSUBSTANTIATED/claim/CL-00042", &why);
  ASSERT_TRUE(ref) << why;
  EXPECT_EQ(ref->scope, Scope::kClaim);
  EXPECT_EQ(ref->id, "CL-00042");

  ref = ParseConditionKey("TIER_MISMATCH/subject/ab12/case/C-1", &why);
  ASSERT_TRUE(ref) << why;
  EXPECT_EQ(ref->scope, Scope::kSubject);
  EXPECT_EQ(ref->id, "ab12/case/C-1");

  ref = ParseConditionKey("BUDGET_CRITERIA_UNMET/HAC-FY2016-DEA-1", &why);
  ASSERT_TRUE(ref) << why;
  EXPECT_EQ(ref->scope, Scope::kBudgetLine);
  EXPECT_EQ(ref->id, "HAC-FY2016-DEA-1");
}

TEST(ConditionKeysTest, RefusesWhatIsNotAConditionKeyWithAReason) {
  for (const char* bad :
       {"", "FRUITION_GAP", "FRUITION_GAP/", "/agency:DEA",
        "EVENT_TYPE_FRUITION_GAP/agency:DEA/FY2016", "NOPE/agency:DEA/FY2016",
        "FRUITION_GAP/unit:DEA/FY2016", "FRUITION_GAP/agency:/FY2016",
        "REPORT_CONFLICT/report/DEA", "REPORT_CONFLICT/report/DEA/",
        "LINK_UNSUBSTANTIATED/claim/", "TIER_MISMATCH/subject/"}) {
    SCOPED_TRACE(bad);
    std::string why;
    EXPECT_FALSE(ParseConditionKey(bad, &why));
    EXPECT_FALSE(why.empty());
  }
}

TEST(ConditionKeysTest, UnitsConcernTheirAgency) {
  EXPECT_TRUE(UnitConcerns("agency:DEA", "DEA"));
  EXPECT_FALSE(UnitConcerns("agency:DEA", "FBI"));
  EXPECT_FALSE(UnitConcerns("agency:DEA", ""));
  EXPECT_TRUE(UnitConcerns("field_office:DEA-PHILADELPHIA", "DEA"));
  EXPECT_FALSE(UnitConcerns("field_office:DEA-PHILADELPHIA", "DE"));
  EXPECT_FALSE(UnitConcerns("field_office:DEA", "DEA"));
  EXPECT_FALSE(UnitConcerns("field_office:DEA-", "DEA"));
  EXPECT_TRUE(UnitConcerns("field_office:USAO-SDNY-WHITE-PLAINS", "USAO-SDNY"));
  EXPECT_TRUE(UnitConcerns("district:SDNY", "USAO-SDNY"));
  EXPECT_FALSE(UnitConcerns("district:SDNY", "SDNY"));
  EXPECT_FALSE(UnitConcerns("district:SDNY", "USAO-EDPA"));
  EXPECT_FALSE(UnitConcerns("national:US", "US"));
  EXPECT_FALSE(UnitConcerns("area:PHL-KENSINGTON", "PHL"));
}

TEST(ConditionKeysTest, AnswerableFromKeyOnlyWhereTheKeyNamesTheAgency) {
  auto answerable = [](const char* key, const char* agency) {
    std::string why;
    auto ref = ParseConditionKey(key, &why);
    EXPECT_TRUE(ref) << why;
    return AnswerableFromKey(*ref, agency);
  };
  EXPECT_EQ(answerable("FRUITION_GAP/agency:DEA/FY2016", "DEA"),
            Answerable::kYes);
  EXPECT_EQ(answerable("FRUITION_GAP/agency:DEA/FY2016", "FBI"),
            Answerable::kNo);
  EXPECT_EQ(answerable("REPORT_CONFLICT/report/DEA/R-1", "DEA"),
            Answerable::kYes);
  EXPECT_EQ(answerable("REPORT_CONFLICT/report/DEA/R-1", "FBI"),
            Answerable::kNo);
  EXPECT_EQ(answerable("LINK_UNSUBSTANTIATED/claim/CL-1", "FBI"),
            Answerable::kNotInKey);
  EXPECT_EQ(answerable("TIER_MISMATCH/subject/ab/case/C", "FBI"),
            Answerable::kNotInKey);
  EXPECT_EQ(answerable("BUDGET_CRITERIA_UNMET/L-1", "FBI"),
            Answerable::kNotInKey);
}

}  // namespace
}  // namespace fruition::domain
