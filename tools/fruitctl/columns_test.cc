// --columns of fruitctl's scorecard commands (tools/fruitctl/columns.h):
// SPEC and JSON names, family prefixes, names only a scorecard carries, and
// unknown names refused by name.
#include "tools/fruitctl/columns.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "fruition/v1/scores.pb.h"
#include "gtest/gtest.h"
#include "services/domain/indicators.h"

namespace fruition::fruitctl {
namespace {

using Names = std::vector<std::string>;

// A card carrying `names` (values do not matter here).
v1::Scorecard CardWith(const Names& names) {
  v1::Scorecard c;
  for (const auto& n : names) c.add_indicators()->set_name(n);
  return c;
}

// A registry of a few entries, so that what a family prefix selects does not
// change with the real registry's member labels.
domain::IndicatorDef Def(const std::string& name,
                         std::map<std::string, std::string> members = {}) {
  domain::IndicatorDef d;
  d.name = name;
  d.json_name = domain::JsonName(name);
  d.member_labels = std::move(members);
  return d;
}
const std::vector<domain::IndicatorDef> kRegistry = {
    Def("sentenced"), Def("lnf_share"), Def("fruition_gap"),
    Def("function_share:"),
    Def("drug_share:",
        {{"DRUG_COCAINE", "Powder cocaine"}, {"DRUG_CRACK", "Crack cocaine"}})};

const std::vector<v1::Scorecard> kCards = {
    CardWith({"sentenced", "function_share:OFFENSE_FUNCTION_COURIER",
              "function_share:OFFENSE_FUNCTION_MULE",
              "criminal_history_share:1", "lnf_mandatory_minimum_share"}),
    CardWith({"function_share:OFFENSE_FUNCTION_USER", "sentenced"})};

TEST(ResolveColumnsTest, SpecAndJsonNamesGiveSpecNamesInTheOrderGiven) {
  auto got =
      ResolveColumns(" lnf_share,fruitionGap , sentenced", kCards, kRegistry);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, (Names{"lnf_share", "fruition_gap", "sentenced"}));
  // The same indicator twice (SPEC and JSON name) is one column.
  got = ResolveColumns("lnf_share,lnfShare", kCards, kRegistry);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, Names{"lnf_share"});
}

TEST(ResolveColumnsTest, FamilyPrefixSelectsEveryMemberInTheCardsOrder) {
  const Names members = {"function_share:OFFENSE_FUNCTION_COURIER",
                         "function_share:OFFENSE_FUNCTION_MULE",
                         "function_share:OFFENSE_FUNCTION_USER"};
  for (const std::string spec : {"function_share:", "functionShare:"}) {
    auto got = ResolveColumns(spec, kCards, kRegistry);
    ASSERT_TRUE(got.ok()) << spec << ": " << got.status();
    EXPECT_EQ(*got, members) << spec;
  }
  // One member, by its JSON name; a name only the cards carry.
  auto got = ResolveColumns(
      "functionShare:OFFENSE_FUNCTION_MULE,lnfMandatoryMinimumShare,"
      "criminalHistoryShare:",
      kCards, kRegistry);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got,
            (Names{"function_share:OFFENSE_FUNCTION_MULE",
                   "lnf_mandatory_minimum_share", "criminal_history_share:1"}));
}

TEST(ResolveColumnsTest, RegistryFamilyMembersWithoutCards) {
  // A family's members the registry labels are selected after those the
  // cards carry, even when no card carries them.
  auto got = ResolveColumns("drugShare:", {CardWith({"drug_share:DRUG_CRACK"})},
                            kRegistry);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, (Names{"drug_share:DRUG_CRACK", "drug_share:DRUG_COCAINE"}));
  // The real registry: target_ratio: labels its members.
  got = ResolveColumns("targetRatio:", {});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_NE(std::find(got->begin(), got->end(),
                      "target_ratio:PERFORMANCE_MEASURE_ARRESTS"),
            got->end());
  got = ResolveColumns("target_ratio:PERFORMANCE_MEASURE_ARRESTS,arrests", {});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got,
            (Names{"target_ratio:PERFORMANCE_MEASURE_ARRESTS", "arrests"}));
}

TEST(ResolveColumnsTest, UnknownNamesAreRefusedByName) {
  for (const std::string bad :
       {"no_such_thing", "noSuchThing:", "drug_share:DRUG_TEA",
        "drugShare:DRUG_TEA", "arrests"}) {
    auto got = ResolveColumns("lnf_share," + bad, kCards, kRegistry);
    ASSERT_FALSE(got.ok()) << bad;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(got.status().message()).find("'" + bad + "'"),
              std::string::npos)
        << got.status();
  }
  EXPECT_FALSE(ResolveColumns(" , ,", kCards, kRegistry).ok());
  // The real registry knows a target_ratio: member by its label only.
  auto got = ResolveColumns("target_ratio:NOT_A_MEASURE", {});
  ASSERT_FALSE(got.ok());
  EXPECT_NE(std::string(got.status().message()).find("NOT_A_MEASURE"),
            std::string::npos);
}

TEST(ResolveColumnsTest, DefaultsHoldTheProsecutionHeadlines) {
  const Names& d = DefaultColumns();
  for (const std::string name :
       {"fruition_gap", "declination_rate", "lnf_mandatory_minimum_share",
        "lnf_safety_valve_share", "median_sentence_months"}) {
    EXPECT_NE(std::find(d.begin(), d.end(), name), d.end()) << name;
  }
}

}  // namespace
}  // namespace fruition::fruitctl
