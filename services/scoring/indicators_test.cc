// SPEC §5 indicators from summed components (services/scoring/indicators.h),
// each on a small example worked out by hand below, and the public view's
// suppression of small cells.
#include "services/scoring/indicators.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/domain/tallies.h"

namespace fruition::scoring {
namespace {

using internal::Components;

std::map<std::string, v1::Indicator> ByName(
    const std::vector<v1::Indicator>& list) {
  std::map<std::string, v1::Indicator> out;
  for (const auto& i : list) {
    EXPECT_EQ(out.count(i.name()), 0u) << "twice: " << i.name();
    out[i.name()] = i;
  }
  return out;
}

std::map<std::string, v1::Indicator> Compute(
    const Components& c, const AgencyYearReference* reference = nullptr,
    const CommunityChange* community = nullptr,
    const IndicatorOptions& options = IndicatorOptions(),
    const std::string& unit = "agency:DEA") {
  return ByName(ComputeIndicators(c, reference, community, options, unit));
}

// Checks a defined indicator's value and n.
void ExpectValue(const std::map<std::string, v1::Indicator>& got,
                 const std::string& name, double value, int64_t n) {
  auto it = got.find(name);
  ASSERT_NE(it, got.end()) << "missing " << name;
  EXPECT_TRUE(it->second.defined()) << name;
  EXPECT_FALSE(it->second.suppressed()) << name;
  EXPECT_NEAR(it->second.value(), value, 1e-9) << name;
  EXPECT_EQ(it->second.n(), n) << name;
}

void ExpectUndefined(const std::map<std::string, v1::Indicator>& got,
                     const std::string& name, int64_t n) {
  auto it = got.find(name);
  ASSERT_NE(it, got.end()) << "missing " << name;
  EXPECT_FALSE(it->second.defined()) << name;
  EXPECT_EQ(it->second.value(), 0) << name;
  EXPECT_EQ(it->second.n(), n) << name;
}

// Five sentenced subjects, worked out by hand:
//
//   subject  desert  band  LNF  CH I  weapon  aggr.  tier (claim)   verdict
//   1        10      LOW   yes  yes   no      no     —  unclaimed    —
//   2        20      LOW   yes  yes   no      no     CPOT           SUBST.
//   3        30      MID   no   yes   yes     no     RPOT           PARTIAL
//   4        55      HIGH  no   no    no      yes    PTO_REGIONAL   UNSUBST.
//   5        70      HIGH  no   no    no      no     CPOT           SUBST.
//
//   desert_sum = 10+20+30+55+70 = 185 → mean_desert = 185/5 = 37
//   high_desert = 2 (55, 70) → 0.4;  lnf = 2 → 0.4;  ch1 = 3 → 0.6
//   weapon = 1 → 0.2;  aggravating = 1 → 0.2
//   claimed_priority = 3 (CPOT, RPOT, CPOT) → 0.6
//   fruition_gap = 0.6 − 0.4 = 0.2
//   weighted_enforcement_value = Σ desert/100 × weight × factor
//     = 0.10×1×0.25 + 0.20×3×1 + 0.30×2×0.5 + 0.55×1.5×0.25 + 0.70×3×1
//     = 0.025 + 0.6 + 0.3 + 0.20625 + 2.1 = 3.23125
//     (wev_x800 = 20 + 480 + 240 + 165 + 1680 = 2585; 2585/800 = 3.23125)
//   LNF months: subject 1 24, subject 2 36 → 60 → lnf_prison_years = 5
//   lnf_cost_usd = 5 × 36299 = 181495 (default); 5 × 40000 = 200000
//
// And 4 arrests: 3 claimed, 2 of them substantiated → rate 2/3 (n = 3).
// One subject declined in EDPA and charged in SDNY → 1.
Components Population() {
  Components c;
  c.set_arrests(4);
  c.set_claimed(3);
  c.set_substantiated(2);
  c.set_sentenced(5);
  c.set_desert_sum(185);
  c.set_high_desert(2);
  c.set_lnf(2);
  c.set_ch1(3);
  c.set_weapon(1);
  c.set_aggravating(1);
  c.set_claimed_priority(3);
  c.set_wev_x800(2585);
  c.set_lnf_months(60);
  c.set_declined_charged(1);
  // The prosecution stage and the tables (origins: only INFORMANT).
  c.set_charged(4);
  c.set_mm_charged(3);
  c.set_declined(2);
  c.set_referred(1);
  c.set_dispositions(4);
  c.set_pleas(3);
  c.set_convictions(4);
  c.set_lnf_mm(1);
  c.set_lnf_safety_valve(1);
  c.set_mm_sentenced(3);
  c.set_below_mm(1);
  c.set_heavy(2);
  c.set_heavy_lnf_function(1);
  c.set_sentence_months(300);
  // Data quality: one arrest unmatched, every sentencing with an arrest;
  // 3 of 4 arrests name a field office, 4 of 5 sentencings a weight.
  c.set_arrests_unsentenced(1);
  c.set_arrests_with_field_office(3);
  c.set_sentenced_with_drug_weight(4);
  // 9 reports behind them (4 arrests, 5 sentencings), one of whose ids
  // was sent again with another body; the latest received 2016-07-01.
  c.set_reports_received(9);
  c.set_reports_conflicting(1);
  c.set_last_received_at(1467331200);
  domain::AddSentence(&c, 60, 5);
  c.set_ocdetf_sentenced(2);
  c.set_ocdetf_lnf(1);
  c.set_seizures(2);
  c.set_seized_cents(150000);
  domain::AddTally(&c, "origin:CASE_ORIGIN_INFORMANT", 3);
  domain::AddTally(&c, "origin_lnf:CASE_ORIGIN_INFORMANT", 1);
  return c;
}

TEST(IndicatorsTest, ArrestIndicators) {
  const auto got = Compute(Population());
  ExpectValue(got, "arrests", 4, 4);
  ExpectValue(got, "pto_linked_arrests_claimed", 3, 3);
  ExpectValue(got, "pto_linked_arrests_substantiated", 2, 3);
  ExpectValue(got, "link_substantiation_rate", 2.0 / 3.0, 3);
}

TEST(IndicatorsTest, SentencingIndicators) {
  const auto got = Compute(Population());
  ExpectValue(got, "sentenced", 5, 5);
  ExpectValue(got, "mean_desert", 37, 5);
  ExpectValue(got, "high_desert_share", 0.4, 5);
  ExpectValue(got, "lnf_share", 0.4, 5);
  ExpectValue(got, "ch1_share", 0.6, 5);
  ExpectValue(got, "weapon_share", 0.2, 5);
  ExpectValue(got, "aggravating_role_share", 0.2, 5);
  ExpectValue(got, "claimed_priority_share", 0.6, 5);
  ExpectValue(got, "fruition_gap", 0.6 - 0.4, 5);
  ExpectValue(got, "weighted_enforcement_value", 3.23125, 5);
  ExpectValue(got, "declined_then_charged_elsewhere", 1, 1);
}

TEST(IndicatorsTest, DataQualityIndicators) {
  const auto got = Compute(Population());
  ExpectValue(got, "arrests_unsentenced", 1, 1);
  ExpectValue(got, "sentenced_without_arrest", 0, 0);
  ExpectValue(got, "coverage:arrest.field_office", 0.75, 4);
  ExpectValue(got, "coverage:sentencing.drug_weight_grams", 0.8, 5);
  ExpectValue(got, "reports_received", 9, 9);
  ExpectValue(got, "reports_conflicting", 1, 1);
  // A time, shown with the reports it is the latest of.
  ExpectValue(got, "last_received_at", 1467331200, 9);
  // The reports behind the figures are an agency's: a field office,
  // district or national:US carries none of the three cells.
  for (const char* unit :
       {"field_office:DEA-NY", "district:SDNY", "national:US", "area:NYC"}) {
    const auto elsewhere =
        Compute(Population(), nullptr, nullptr, IndicatorOptions(), unit);
    for (const char* name :
         {"reports_received", "reports_conflicting", "last_received_at"}) {
      EXPECT_EQ(elsewhere.count(name), 0u) << unit << " " << name;
    }
    EXPECT_EQ(elsewhere.count("arrests_unsentenced"), 1u) << unit;
  }
  // Nobody counted: no coverage to speak of.
  const auto none = Compute(Components());
  EXPECT_FALSE(none.at("coverage:arrest.field_office").defined());
  EXPECT_FALSE(none.at("coverage:sentencing.drug_weight_grams").defined());
  EXPECT_FALSE(none.at("last_received_at").defined());
}

TEST(IndicatorsTest, FruitionGapCanBeNegative) {
  // 4 sentenced, 1 claimed priority, 3 high desert: 0.25 − 0.75 = −0.5.
  Components c;
  c.set_sentenced(4);
  c.set_claimed_priority(1);
  c.set_high_desert(3);
  ExpectValue(Compute(c), "fruition_gap", -0.5, 4);
}

TEST(IndicatorsTest, LnfPrisonYearsAndCost) {
  const auto got = Compute(Population());
  ExpectValue(got, "lnf_prison_years", 5, 2);
  ExpectValue(got, "lnf_cost_usd", 5 * 36299.0, 2);
  EXPECT_EQ(IndicatorOptions().cost_per_prison_year, 36299);

  IndicatorOptions custom;
  custom.cost_per_prison_year = 40000;
  const auto priced = Compute(Population(), nullptr, nullptr, custom);
  ExpectValue(priced, "lnf_prison_years", 5, 2);
  ExpectValue(priced, "lnf_cost_usd", 200000, 2);

  // 7 months: 7/12 of a year, × 36299 = 21174.41666…
  Components c;
  c.set_sentenced(1);
  c.set_lnf(1);
  c.set_lnf_months(7);
  const auto part = Compute(c);
  ExpectValue(part, "lnf_prison_years", 7.0 / 12.0, 1);
  ExpectValue(part, "lnf_cost_usd", 7.0 / 12.0 * 36299, 1);
}

TEST(IndicatorsTest, UndefinedWhenTheDenominatorIsZero) {
  const auto got = Compute(Components());
  ExpectValue(got, "arrests", 0, 0);
  ExpectValue(got, "pto_linked_arrests_claimed", 0, 0);
  ExpectValue(got, "sentenced", 0, 0);
  ExpectUndefined(got, "link_substantiation_rate", 0);
  for (const char* name :
       {"mean_desert", "high_desert_share", "lnf_share", "ch1_share",
        "weapon_share", "aggravating_role_share", "claimed_priority_share",
        "fruition_gap"}) {
    ExpectUndefined(got, name, 0);
  }
  ExpectValue(got, "weighted_enforcement_value", 0, 0);
  ExpectValue(got, "lnf_prison_years", 0, 0);
  // No reference, no community: those indicators are absent.
  EXPECT_EQ(got.count("org_outcomes_reported"), 0u);
  EXPECT_EQ(got.count("pending_counted_as_dismantled"), 0u);
  for (const auto& [name, i] : got) {
    EXPECT_NE(name.rfind("target_ratio:", 0), 0u) << name;
    EXPECT_NE(name.rfind("community_change:", 0), 0u) << name;
  }

  // Arrests without claims: the rate is still undefined.
  Components arrests_only;
  arrests_only.set_arrests(3);
  ExpectUndefined(Compute(arrests_only), "link_substantiation_rate", 0);
}

TEST(IndicatorsTest, EveryIndicatorOnce) {
  AgencyYearReference ref;
  ref.target["PERFORMANCE_MEASURE_ARRESTS"] = 2;
  ref.budgeted = true;
  ref.budget_lines = 1;
  ref.budget_usd = 1000;
  const CommunityChange community = {
      {"COMMUNITY_INDICATOR_KIND_SHOOTINGS", {40, 30, 2}}};
  const auto list = ComputeIndicators(Population(), &ref, &community,
                                      IndicatorOptions(), "agency:DEA");
  std::vector<std::string> names;
  names.reserve(list.size());
  for (const auto& i : list) names.push_back(i.name());
  const std::vector<std::string> want = {
      "arrests",
      "pto_linked_arrests_claimed",
      "pto_linked_arrests_substantiated",
      "link_substantiation_rate",
      "sentenced",
      "mean_desert",
      "high_desert_share",
      "lnf_share",
      "ch1_share",
      "weapon_share",
      "aggravating_role_share",
      "claimed_priority_share",
      "fruition_gap",
      "weighted_enforcement_value",
      "lnf_prison_years",
      "lnf_cost_usd",
      "declined_then_charged_elsewhere",
      "charged",
      "mandatory_minimum_charged_share",
      "declined",
      "declination_rate",
      "referred_to_state_share",
      "dispositions",
      "plea_rate",
      "conviction_rate",
      "lnf_sentenced",
      "lnf_mandatory_minimum_share",
      "lnf_safety_valve_share",
      "below_mandatory_minimum_share",
      "weight_role_mismatch_share",
      "mean_sentence_months",
      "median_sentence_months",
      "function_share:OFFENSE_FUNCTION_HIGH_LEVEL_SUPPLIER_IMPORTER",
      "function_share:OFFENSE_FUNCTION_ORGANIZER_LEADER",
      "function_share:OFFENSE_FUNCTION_GROWER_MANUFACTURER",
      "function_share:OFFENSE_FUNCTION_FINANCIER_LAUNDERER",
      "function_share:OFFENSE_FUNCTION_PILOT_CAPTAIN",
      "function_share:OFFENSE_FUNCTION_WHOLESALER",
      "function_share:OFFENSE_FUNCTION_MANAGER",
      "function_share:OFFENSE_FUNCTION_SUPERVISOR",
      "function_share:OFFENSE_FUNCTION_ENFORCER",
      "function_share:OFFENSE_FUNCTION_CHEMIST_COOK",
      "function_share:OFFENSE_FUNCTION_BROKER_STEERER",
      "function_share:OFFENSE_FUNCTION_COURIER",
      "function_share:OFFENSE_FUNCTION_MULE",
      "function_share:OFFENSE_FUNCTION_RENTER_STORER",
      "function_share:OFFENSE_FUNCTION_STREET_LEVEL_DEALER",
      "function_share:OFFENSE_FUNCTION_EMPLOYEE_LOOKOUT",
      "function_share:OFFENSE_FUNCTION_ENABLER",
      "function_share:OFFENSE_FUNCTION_USER",
      "criminal_history_share:1",
      "criminal_history_share:2",
      "criminal_history_share:3",
      "criminal_history_share:4",
      "criminal_history_share:5",
      "criminal_history_share:6",
      "drug_share:DRUG_COCAINE",
      "drug_share:DRUG_CRACK",
      "drug_share:DRUG_HEROIN",
      "drug_share:DRUG_FENTANYL",
      "drug_share:DRUG_METHAMPHETAMINE",
      "drug_share:DRUG_MARIJUANA",
      "drug_share:DRUG_OTHER",
      "ocdetf_lnf_share",
      "origin_lnf_share:CASE_ORIGIN_INTERDICTION",
      "origin_lnf_share:CASE_ORIGIN_INFORMANT",
      "origin_lnf_share:CASE_ORIGIN_COOPERATOR",
      "origin_lnf_share:CASE_ORIGIN_WIRETAP",
      "origin_lnf_share:CASE_ORIGIN_LOCAL_REFERRAL",
      "origin_lnf_share:CASE_ORIGIN_OTHER",
      "seizures",
      "seized_value_usd",
      "arrests_unsentenced",
      "sentenced_without_arrest",
      "coverage:arrest.field_office",
      "coverage:sentencing.drug_weight_grams",
      "reports_received",
      "reports_conflicting",
      "last_received_at",
      "org_outcomes_reported",
      "pending_counted_as_dismantled",
      "target_ratio:PERFORMANCE_MEASURE_ARRESTS",
      "target_ratio_restated:PERFORMANCE_MEASURE_ARRESTS",
      "budget_usd",
      "cost_per_high_desert_sentence",
      "conditions_raised",
      "conditions_answered",
      "conditions_accepted",
      "conditions_rejected",
      "community_change:COMMUNITY_INDICATOR_KIND_SHOOTINGS",
  };
  EXPECT_EQ(names, want);
}

// An agency-year: 5 OrgOutcomeClaims, 2 of them DISMANTLED and pending.
// Targets: PTO_DISMANTLED 4 with 3 reported → 0.75 (n = 3);
// ARRESTS 2, with the 4 arrests of the components (not `reported`) → 2.0
// (n = 4); CPOT_DISMANTLED 2 with nothing reported → 0 (n = 0);
// PTO_DISRUPTED 1 with 2 reported → 2.0 (n = 2).
TEST(IndicatorsTest, ReferenceIndicators) {
  AgencyYearReference ref;
  ref.org_outcomes = 5;
  ref.pending_dismantled = 2;
  ref.target["PERFORMANCE_MEASURE_PTO_DISMANTLED"] = 4;
  ref.target["PERFORMANCE_MEASURE_ARRESTS"] = 2;
  ref.target["PERFORMANCE_MEASURE_CPOT_DISMANTLED"] = 2;
  ref.target["PERFORMANCE_MEASURE_PTO_DISRUPTED"] = 1;
  ref.reported["PERFORMANCE_MEASURE_PTO_DISMANTLED"] = 3;
  ref.reported["PERFORMANCE_MEASURE_PTO_DISRUPTED"] = 2;
  ref.reported["PERFORMANCE_MEASURE_ARRESTS"] = 99;  // ignored: components
  const auto got = Compute(Population(), &ref);
  ExpectValue(got, "org_outcomes_reported", 5, 5);
  ExpectValue(got, "pending_counted_as_dismantled", 2, 2);
  ExpectValue(got, "target_ratio:PERFORMANCE_MEASURE_PTO_DISMANTLED", 0.75, 3);
  ExpectValue(got, "target_ratio:PERFORMANCE_MEASURE_ARRESTS", 2.0, 4);
  ExpectValue(got, "target_ratio:PERFORMANCE_MEASURE_CPOT_DISMANTLED", 0, 0);
  ExpectValue(got, "target_ratio:PERFORMANCE_MEASURE_PTO_DISRUPTED", 2.0, 2);
  // Only measures with a target have a ratio.
  EXPECT_EQ(got.count("target_ratio:PERFORMANCE_MEASURE_CPOT_DISRUPTED"), 0u);
}

TEST(IndicatorsTest, ReferenceWithoutTargets) {
  AgencyYearReference ref;
  ref.org_outcomes = 1;
  ref.reported["PERFORMANCE_MEASURE_PTO_DISRUPTED"] = 1;
  const auto got = Compute(Components(), &ref);
  ExpectValue(got, "org_outcomes_reported", 1, 1);
  ExpectValue(got, "pending_counted_as_dismantled", 0, 0);
  for (const auto& [name, i] : got) {
    EXPECT_NE(name.rfind("target_ratio:", 0), 0u) << name;
  }
}

TEST(IndicatorsTest, TargetRatioWithZeroTargetIsUndefined) {
  AgencyYearReference ref;
  ref.target["PERFORMANCE_MEASURE_PTO_DISMANTLED"] = 0;
  ref.reported["PERFORMANCE_MEASURE_PTO_DISMANTLED"] = 3;
  ExpectUndefined(Compute(Components(), &ref),
                  "target_ratio:PERFORMANCE_MEASURE_PTO_DISMANTLED", 3);
}

// Shootings 40 in the first period, 30 in the latest (4 periods):
// 30/40 − 1 = −0.25, n 4. Park use 10 → 15 (2 periods): +0.5, n 2.
// Graduation rate 0 → 5: undefined (÷ 0). Open-air markets reported once:
// no change yet, undefined, n 1.
TEST(IndicatorsTest, CommunityChange) {
  const CommunityChange community = {
      {"COMMUNITY_INDICATOR_KIND_SHOOTINGS", {40, 30, 4}},
      {"COMMUNITY_INDICATOR_KIND_PARK_USE", {10, 15, 2}},
      {"COMMUNITY_INDICATOR_KIND_GRADUATION_RATE", {0, 5, 3}},
      {"COMMUNITY_INDICATOR_KIND_OPEN_AIR_DRUG_MARKETS", {7, 7, 1}},
  };
  const auto got = Compute(Components(), nullptr, &community);
  ExpectValue(got, "community_change:COMMUNITY_INDICATOR_KIND_SHOOTINGS", -0.25,
              4);
  ExpectValue(got, "community_change:COMMUNITY_INDICATOR_KIND_PARK_USE", 0.5,
              2);
  ExpectUndefined(
      got, "community_change:COMMUNITY_INDICATOR_KIND_GRADUATION_RATE", 3);
  ExpectUndefined(
      got, "community_change:COMMUNITY_INDICATOR_KIND_OPEN_AIR_DRUG_MARKETS",
      1);
  EXPECT_EQ(got.count("org_outcomes_reported"), 0u);
}

// ---------------------------------------------------------------------------
// Suppress.

v1::Indicator Ind(const std::string& name, double value, int64_t n,
                  bool defined = true) {
  v1::Indicator i;
  i.set_name(name);
  i.set_value(value);
  i.set_n(n);
  i.set_defined(defined);
  return i;
}

TEST(SuppressTest, CellsWithOneToTenAreSuppressed) {
  v1::Scorecard card;
  card.set_unit("agency:DEA");
  card.set_period("FY2016");
  *card.add_indicators() = Ind("n0", 0, 0);
  *card.add_indicators() = Ind("n1", 1, 1);
  *card.add_indicators() = Ind("n10", 0.7, 10);
  *card.add_indicators() = Ind("n11", 0.3, 11);
  *card.add_indicators() = Ind("n12", 12, 12);
  *card.add_indicators() = Ind("undefined0", 0, 0, false);
  Suppress(&card);
  const auto& i = card.indicators();
  ASSERT_EQ(i.size(), 6);
  // n = 0: nothing to protect.
  EXPECT_FALSE(i[0].suppressed());
  EXPECT_EQ(i[0].n(), 0);
  // n = 1 and 10: value cleared, suppressed, n kept.
  EXPECT_TRUE(i[1].suppressed());
  EXPECT_EQ(i[1].value(), 0);
  EXPECT_EQ(i[1].n(), 1);
  EXPECT_TRUE(i[2].suppressed());
  EXPECT_EQ(i[2].value(), 0);
  EXPECT_EQ(i[2].n(), 10);
  // n = 11 and more: shown.
  EXPECT_FALSE(i[3].suppressed());
  EXPECT_DOUBLE_EQ(i[3].value(), 0.3);
  EXPECT_FALSE(i[4].suppressed());
  EXPECT_DOUBLE_EQ(i[4].value(), 12);
  EXPECT_FALSE(i[5].suppressed());
  EXPECT_FALSE(i[5].defined());
  EXPECT_EQ(card.unit(), "agency:DEA");
}

TEST(SuppressTest, CustomMinimum) {
  v1::Scorecard card;
  *card.add_indicators() = Ind("n4", 4, 4);
  *card.add_indicators() = Ind("n5", 5, 5);
  Suppress(&card, 5);
  EXPECT_TRUE(card.indicators(0).suppressed());
  EXPECT_FALSE(card.indicators(1).suppressed());
  EXPECT_EQ(card.indicators(1).value(), 5);
}

TEST(SuppressTest, ComputedPopulationPublicView) {
  // Every cell of the 5-subject population has 0 < n < 11: all suppressed,
  // except those with n = 0 (origins no one sentenced came from), which
  // have nothing to hide.
  v1::Scorecard card;
  for (auto& i : ComputeIndicators(Population(), nullptr, nullptr,
                                   IndicatorOptions(), "agency:DEA")) {
    *card.add_indicators() = std::move(i);
  }
  Suppress(&card);
  int empty = 0;
  for (const auto& i : card.indicators()) {
    EXPECT_EQ(i.value(), 0) << i.name();
    if (i.n() == 0) {
      EXPECT_FALSE(i.suppressed()) << i.name();
      EXPECT_TRUE(i.name().rfind("origin_lnf_share:", 0) == 0 ||
                  i.name() == "sentenced_without_arrest")
          << i.name();
      ++empty;
    } else {
      EXPECT_TRUE(i.suppressed()) << i.name();
    }
  }
  // Six origins, one with people; no sentencing without an arrest.
  EXPECT_EQ(empty, 6);
}

}  // namespace
}  // namespace fruition::scoring
