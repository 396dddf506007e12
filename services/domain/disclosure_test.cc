#include "services/domain/disclosure.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "fruition/internal/scoring.pb.h"
#include "services/domain/indicators.h"
#include "services/domain/tallies.h"

namespace fruition::domain {
namespace {

// A restricted card with `sentenced` people of whom `lnf` are LNF and
// `weapon` had a weapon, plus `arrests` arrests.
v1::Scorecard Card(const std::string& unit, const std::string& period,
                   int64_t sentenced, int64_t lnf = 0, int64_t weapon = 0,
                   int64_t arrests = 0) {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period(period);
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  auto add = [&](const std::string& name, double value, int64_t n,
                 bool defined) {
    v1::Indicator* i = c.add_indicators();
    i->set_name(name);
    i->set_n(n);
    i->set_defined(defined);
    if (defined) i->set_value(value);
  };
  const double s = static_cast<double>(sentenced);
  add("arrests", static_cast<double>(arrests), arrests, true);
  add("sentenced", s, sentenced, true);
  add("lnf_share", sentenced ? lnf / s : 0, sentenced, sentenced > 0);
  add("weapon_share", sentenced ? weapon / s : 0, sentenced, sentenced > 0);
  add("high_desert_share", 0, sentenced, sentenced > 0);
  add("claimed_priority_share", 0, sentenced, sentenced > 0);
  add("fruition_gap", 0, sentenced, sentenced > 0);
  add("mean_desert", 20, sentenced, sentenced > 0);
  add("lnf_prison_years", 3.5 * static_cast<double>(lnf), lnf, true);
  return c;
}

PublicInput In(v1::Scorecard base, std::set<std::string> parents = {}) {
  PublicInput in;
  in.base = std::move(base);
  in.has_base = true;
  in.parents = std::move(parents);
  return in;
}

const v1::Indicator& Cell(const PublicOutput& o, const std::string& name) {
  for (const auto& i : o.card.indicators()) {
    if (i.name() == name) return i;
  }
  static const v1::Indicator* none = new v1::Indicator();
  ADD_FAILURE() << "no cell " << name;
  return *none;
}

bool Hidden(const std::map<UnitPeriod, PublicOutput>& out,
            const std::string& unit, const std::string& period,
            const std::string& name) {
  return Cell(out.at({unit, period}), name).suppressed();
}

TEST(DisclosureTest, SuppressedCellCarriesNothingElse) {  // D1
  auto out = ComputePublicViews(
      {{{"district:EDPA", "FY2016"}, In(Card("district:EDPA", "FY2016", 5))}});
  const v1::Indicator& c =
      Cell(out.at({"district:EDPA", "FY2016"}), "sentenced");
  EXPECT_TRUE(c.suppressed());
  EXPECT_EQ(c.n(), 0);
  EXPECT_EQ(c.value(), 0);
  EXPECT_FALSE(c.defined());
  v1::Indicator only;
  only.set_name("sentenced");
  only.set_suppressed(true);
  EXPECT_EQ(c.SerializeAsString(), only.SerializeAsString());
  EXPECT_TRUE(out.at({"district:EDPA", "FY2016"}).card.public_view());
}

TEST(DisclosureTest, SmallCountsAndSharesAreSuppressed) {  // D2
  auto out = ComputePublicViews(
      {{{"district:EDPA", "FY2016"},
        In(Card("district:EDPA", "FY2016", 40, /*lnf=*/3, /*weapon=*/0,
                /*arrests=*/10))}});
  EXPECT_FALSE(Hidden(out, "district:EDPA", "FY2016", "sentenced"));
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016", "arrests"));
  // 3 of 40 with the attribute: the share is a count of 3.
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016", "lnf_share"));
  // lnf_prison_years rests on the same 3 people.
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016", "lnf_prison_years"));
  // 0 of 40: nothing to protect.
  EXPECT_FALSE(Hidden(out, "district:EDPA", "FY2016", "weapon_share"));

  // n − k of 1–10: 37 of 40 leaves 3 without.
  out = ComputePublicViews({{{"district:EDPA", "FY2016"},
                             In(Card("district:EDPA", "FY2016", 40, 37))}});
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016", "lnf_share"));
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016", "lnf_prison_years"));
  EXPECT_FALSE(Hidden(out, "district:EDPA", "FY2016", "sentenced"));
  // 11 and 29: both sides at least 11.
  out = ComputePublicViews({{{"district:EDPA", "FY2016"},
                             In(Card("district:EDPA", "FY2016", 40, 11))}});
  EXPECT_FALSE(Hidden(out, "district:EDPA", "FY2016", "lnf_share"));
  EXPECT_DOUBLE_EQ(
      Cell(out.at({"district:EDPA", "FY2016"}), "lnf_share").value(),
      11.0 / 40);
  EXPECT_EQ(Cell(out.at({"district:EDPA", "FY2016"}), "lnf_share").n(), 40);
}

TEST(DisclosureTest, DifferenceFollowsItsOperands) {  // D2
  auto out = ComputePublicViews(
      {{{"district:EDPA", "FY2016"}, In(Card("district:EDPA", "FY2016", 7))}});
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016", "fruition_gap"));
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016", "mean_desert"));
}

TEST(DisclosureTest, LoneSuppressedFieldOfficeGetsAPartner) {  // D3
  const std::set<std::string> dea = {"agency:DEA"};
  auto out = ComputePublicViews({
      {{"agency:DEA", "FY2016"}, In(Card("agency:DEA", "FY2016", 60))},
      {{"field_office:DEA-A", "FY2016"},
       In(Card("field_office:DEA-A", "FY2016", 5), dea)},
      {{"field_office:DEA-B", "FY2016"},
       In(Card("field_office:DEA-B", "FY2016", 25), dea)},
      {{"field_office:DEA-C", "FY2016"},
       In(Card("field_office:DEA-C", "FY2016", 30), dea)},
  });
  EXPECT_FALSE(Hidden(out, "agency:DEA", "FY2016", "sentenced"));
  EXPECT_TRUE(Hidden(out, "field_office:DEA-A", "FY2016", "sentenced"));
  // 60 − 25 − 30 = 5 would give A back: B (the smaller) goes too.
  EXPECT_TRUE(Hidden(out, "field_office:DEA-B", "FY2016", "sentenced"));
  EXPECT_FALSE(Hidden(out, "field_office:DEA-C", "FY2016", "sentenced"));
  // Everything resting on the same people goes with them.
  EXPECT_TRUE(Hidden(out, "field_office:DEA-B", "FY2016", "mean_desert"));
}

TEST(DisclosureTest, FieldOfficesOfAnotherAgencyAreNotLinked) {  // D3
  auto out = ComputePublicViews({
      {{"agency:DEA", "FY2016"}, In(Card("agency:DEA", "FY2016", 60))},
      {{"field_office:DEA-A", "FY2016"},
       In(Card("field_office:DEA-A", "FY2016", 5), {"agency:DEA"})},
      {{"field_office:FBI-B", "FY2016"},
       In(Card("field_office:FBI-B", "FY2016", 20), {"agency:FBI"})},
  });
  // DEA − A = 55: nothing small derivable; FBI-B stands alone.
  EXPECT_FALSE(Hidden(out, "field_office:FBI-B", "FY2016", "sentenced"));
}

TEST(DisclosureTest, FiscalYearWithOneSuppressedQuarter) {  // D3
  auto out = ComputePublicViews({
      {{"district:EDPA", "FY2016"}, In(Card("district:EDPA", "FY2016", 50))},
      {{"district:EDPA", "FY2016Q1"}, In(Card("district:EDPA", "FY2016Q1", 4))},
      {{"district:EDPA", "FY2016Q2"},
       In(Card("district:EDPA", "FY2016Q2", 15))},
      {{"district:EDPA", "FY2016Q3"},
       In(Card("district:EDPA", "FY2016Q3", 15))},
      {{"district:EDPA", "FY2016Q4"},
       In(Card("district:EDPA", "FY2016Q4", 16))},
  });
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016Q1", "sentenced"));
  // Ties by period name: Q2 before Q3.
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016Q2", "sentenced"));
  EXPECT_FALSE(Hidden(out, "district:EDPA", "FY2016Q3", "sentenced"));
  EXPECT_FALSE(Hidden(out, "district:EDPA", "FY2016Q4", "sentenced"));
  EXPECT_FALSE(Hidden(out, "district:EDPA", "FY2016", "sentenced"));
}

TEST(DisclosureTest, SharesAttributeCountsAreLinkedToo) {  // D3 on k
  // Quarters publish lnf_share except Q1 (k = 2): FY's k − published
  // quarters' k = 2 unless another quarter's share goes.
  auto out = ComputePublicViews({
      {{"district:EDPA", "FY2016"},
       In(Card("district:EDPA", "FY2016", 80, 40))},
      {{"district:EDPA", "FY2016Q1"},
       In(Card("district:EDPA", "FY2016Q1", 20, 2))},
      {{"district:EDPA", "FY2016Q2"},
       In(Card("district:EDPA", "FY2016Q2", 30, 19))},
      {{"district:EDPA", "FY2016Q3"},
       In(Card("district:EDPA", "FY2016Q3", 30, 19))},
  });
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016Q1", "lnf_share"));
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016Q2", "lnf_share"));
  EXPECT_FALSE(Hidden(out, "district:EDPA", "FY2016Q3", "lnf_share"));
  EXPECT_FALSE(Hidden(out, "district:EDPA", "FY2016Q1", "sentenced"));
}

TEST(DisclosureTest, NationalLinksDistrictsAndAgencies) {  // D3
  auto out = ComputePublicViews({
      {{"national:US", "FY2016"}, In(Card("national:US", "FY2016", 100))},
      {{"district:EDPA", "FY2016"}, In(Card("district:EDPA", "FY2016", 3))},
      {{"district:SDNY", "FY2016"}, In(Card("district:SDNY", "FY2016", 40))},
      {{"district:NDIL", "FY2016"}, In(Card("district:NDIL", "FY2016", 57))},
  });
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016", "sentenced"));
  EXPECT_TRUE(Hidden(out, "district:SDNY", "FY2016", "sentenced"));
  EXPECT_FALSE(Hidden(out, "district:NDIL", "FY2016", "sentenced"));
}

TEST(DisclosureTest, NothingAboutPeopleBeforeTheFirstVersion) {  // D4
  PublicInput in = In(Card("agency:DEA", "FY2016", 400, 100, 50, 500));
  v1::Indicator* org = in.base.add_indicators();
  org->set_name("pending_counted_as_dismantled");
  org->set_value(3);
  org->set_n(3);
  org->set_defined(true);
  in.has_base = false;
  in.lags_current = true;
  auto out = ComputePublicViews({{{"agency:DEA", "FY2016"}, in}});
  for (const auto& c : out.at({"agency:DEA", "FY2016"}).card.indicators()) {
    EXPECT_EQ(c.suppressed(), c.name() != "pending_counted_as_dismantled")
        << c.name();
  }
  EXPECT_TRUE(out.at({"agency:DEA", "FY2016"}).card.lags_current());
  EXPECT_TRUE(out.at({"agency:DEA", "FY2016"}).shown.empty());
}

TEST(DisclosureTest, OrganizationsAreNotSuppressedButArrestRatioFollows) {
  PublicInput in = In(Card("agency:DEA", "FY2016", 40, 20, 20, 4));
  for (const char* name :
       {"pending_counted_as_dismantled", "org_outcomes_reported",
        "target_ratio:PERFORMANCE_MEASURE_PTO_DISMANTLED",
        "target_ratio:PERFORMANCE_MEASURE_ARRESTS"}) {
    v1::Indicator* i = in.base.add_indicators();
    i->set_name(name);
    i->set_value(2);
    i->set_n(std::string(name).find("ARRESTS") != std::string::npos ? 4 : 2);
    i->set_defined(true);
  }
  auto out = ComputePublicViews({{{"agency:DEA", "FY2016"}, in}});
  EXPECT_FALSE(
      Hidden(out, "agency:DEA", "FY2016", "pending_counted_as_dismantled"));
  EXPECT_FALSE(Hidden(out, "agency:DEA", "FY2016", "org_outcomes_reported"));
  EXPECT_FALSE(Hidden(out, "agency:DEA", "FY2016",
                      "target_ratio:PERFORMANCE_MEASURE_PTO_DISMANTLED"));
  EXPECT_TRUE(Hidden(out, "agency:DEA", "FY2016", "arrests"));
  EXPECT_TRUE(Hidden(out, "agency:DEA", "FY2016",
                     "target_ratio:PERFORMANCE_MEASURE_ARRESTS"));
}

TEST(DisclosureTest, AVersionNeverMovesACountByOneToTen) {
  auto first =
      ComputePublicViews({{{"district:EDPA", "FY2016"},
                           In(Card("district:EDPA", "FY2016", 100, 30))}});
  const Shown shown = first.at({"district:EDPA", "FY2016"}).shown;
  EXPECT_EQ(shown.at("sentenced"), std::set<int64_t>{100});
  EXPECT_EQ(shown.at("lnf"), std::set<int64_t>{30});

  auto next = [&](int64_t sentenced, int64_t lnf) {
    PublicInput in = In(Card("district:EDPA", "FY2016", sentenced, lnf));
    in.shown = shown;
    return ComputePublicViews({{{"district:EDPA", "FY2016"}, in}});
  };
  // 5 more people, 2 more LNF: both differences are counts of 1–10.
  auto v = next(105, 32);
  EXPECT_TRUE(Hidden(v, "district:EDPA", "FY2016", "sentenced"));
  EXPECT_TRUE(Hidden(v, "district:EDPA", "FY2016", "lnf_share"));
  // 11 more, none LNF: sentenced and lnf publish; n − k moved by 11 too.
  v = next(111, 30);
  EXPECT_FALSE(Hidden(v, "district:EDPA", "FY2016", "sentenced"));
  EXPECT_FALSE(Hidden(v, "district:EDPA", "FY2016", "lnf_share"));
  // 11 more, 3 of them LNF: k moved by 3.
  v = next(111, 33);
  EXPECT_FALSE(Hidden(v, "district:EDPA", "FY2016", "sentenced"));
  EXPECT_TRUE(Hidden(v, "district:EDPA", "FY2016", "lnf_share"));
  // Back where it was shown: nothing new is learned.
  v = next(100, 30);
  EXPECT_FALSE(Hidden(v, "district:EDPA", "FY2016", "lnf_share"));
}

TEST(DisclosureTest, AFewMorePeopleHoldThePreviousView) {
  auto first = ComputePublicViews(
      {{{"district:EDPA", "FY2016"},
        In(Card("district:EDPA", "FY2016", 100, 30, 20, 50))}});
  const PublicOutput& v1 = first.at({"district:EDPA", "FY2016"});
  // 5 more people: sentenced may not move by 5, so the whole view stays as
  // it was (numbers still shown, marked as lagging).
  PublicInput in = In(Card("district:EDPA", "FY2016", 105, 33, 21, 50));
  in.shown = v1.shown;
  in.previous = v1.card;
  v1::Indicator* org = in.base.add_indicators();
  org->set_name("org_outcomes_reported");
  org->set_value(4);
  org->set_n(4);
  org->set_defined(true);
  auto held = ComputePublicViews({{{"district:EDPA", "FY2016"}, in}});
  const PublicOutput& v2 = held.at({"district:EDPA", "FY2016"});
  EXPECT_TRUE(v2.card.lags_current());
  EXPECT_EQ(Cell(v2, "sentenced").n(), 100);
  EXPECT_DOUBLE_EQ(Cell(v2, "lnf_share").value(), 0.3);
  EXPECT_EQ(Cell(v2, "arrests").n(), 50);
  // Organizations are current all the same.
  EXPECT_EQ(Cell(v2, "org_outcomes_reported").n(), 4);
  // 11 more: the view moves.
  in.base = Card("district:EDPA", "FY2016", 111, 41, 20, 50);
  auto moved = ComputePublicViews({{{"district:EDPA", "FY2016"}, in}});
  EXPECT_EQ(Cell(moved.at({"district:EDPA", "FY2016"}), "sentenced").n(), 111);
  EXPECT_FALSE(moved.at({"district:EDPA", "FY2016"}).card.lags_current());
}

TEST(DisclosureTest, ALargeMoveIsNeverHeldBehindASmallOne) {
  // Arrests were published at 176 with nobody sentenced yet; now 177
  // arrests and 135 sentenced: sentenced is shown, only arrests withheld.
  auto first =
      ComputePublicViews({{{"agency:FBI", "FY2016"},
                           In(Card("agency:FBI", "FY2016", 0, 0, 0, 176))}});
  PublicInput in = In(Card("agency:FBI", "FY2016", 135, 40, 20, 177));
  in.shown = first.at({"agency:FBI", "FY2016"}).shown;
  in.previous = first.at({"agency:FBI", "FY2016"}).card;
  auto out = ComputePublicViews({{{"agency:FBI", "FY2016"}, in}});
  EXPECT_EQ(Cell(out.at({"agency:FBI", "FY2016"}), "sentenced").n(), 135);
  EXPECT_TRUE(Hidden(out, "agency:FBI", "FY2016", "arrests"));
}

TEST(DisclosureTest, AHeldViewStillTakesPartInLinkedSets) {
  // Q1 held at what it showed (sentenced 20); the FY moved to 56 and the
  // other quarters show 15 + 15: FY − quarters = 6 gives a small count, so
  // D3 suppresses more.
  PublicInput q1 = In(Card("district:EDPA", "FY2016Q1", 20));
  auto first = ComputePublicViews({{{"district:EDPA", "FY2016Q1"}, q1}});
  q1.shown = first.at({"district:EDPA", "FY2016Q1"}).shown;
  q1.previous = first.at({"district:EDPA", "FY2016Q1"}).card;
  q1.base = Card("district:EDPA", "FY2016Q1", 24);  // held at 20
  auto out = ComputePublicViews({
      {{"district:EDPA", "FY2016"}, In(Card("district:EDPA", "FY2016", 56))},
      {{"district:EDPA", "FY2016Q1"}, q1},
      {{"district:EDPA", "FY2016Q2"},
       In(Card("district:EDPA", "FY2016Q2", 15))},
      {{"district:EDPA", "FY2016Q3"},
       In(Card("district:EDPA", "FY2016Q3", 17))},
  });
  EXPECT_EQ(Cell(out.at({"district:EDPA", "FY2016Q1"}), "sentenced").n(), 20);
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016Q2", "sentenced"));
}

TEST(DisclosureTest, VersionRuleComparesWithEveryShownValue) {
  PublicInput in = In(Card("district:EDPA", "FY2016", 104, 30));
  in.shown["sentenced"] = {100, 115};  // 100 → 115 → 104 would give 4
  auto out = ComputePublicViews({{{"district:EDPA", "FY2016"}, in}});
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016", "sentenced"));
}

TEST(DisclosureTest, UnknownIndicatorIsProtectedByItsN) {
  PublicInput in = In(Card("district:EDPA", "FY2016", 100, 30));
  v1::Indicator* i = in.base.add_indicators();
  i->set_name("some_new_indicator");
  i->set_value(0.5);
  i->set_n(4);
  i->set_defined(true);
  auto out = ComputePublicViews({{{"district:EDPA", "FY2016"}, in}});
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016", "some_new_indicator"));
}

// A restricted card of every registry indicator, from components.
v1::Scorecard CardOf(const std::string& unit, const std::string& period,
                     const internal::Components& c) {
  v1::Scorecard card;
  card.set_unit(unit);
  card.set_period(period);
  for (v1::Indicator& i : ComputeIndicators({c})) {
    *card.add_indicators() = std::move(i);
  }
  return card;
}

// A family's members are separate shares: 3 couriers of 40 sentenced is a
// count of 3 and is suppressed; the other functions (15, 22 and none of
// 40) are not, nor is the family's n.
TEST(DisclosureTest, OneSmallFamilyMemberIsSuppressedAlone) {  // D2
  internal::Components c;
  c.set_sentenced(40);
  const std::map<std::string, int64_t> tallies = {
      {"function:OFFENSE_FUNCTION_COURIER", 3},
      {"function:OFFENSE_FUNCTION_STREET_LEVEL_DEALER", 15},
      {"function:OFFENSE_FUNCTION_WHOLESALER", 22},
      {"origin:CASE_ORIGIN_WIRETAP", 40},
      {"origin_lnf:CASE_ORIGIN_WIRETAP", 3}};
  for (const auto& [key, n] : tallies) AddTally(&c, key, n);
  auto out = ComputePublicViews({{{"district:EDPA", "FY2016"},
                                  In(CardOf("district:EDPA", "FY2016", c))}});
  const std::string d = "district:EDPA";
  EXPECT_TRUE(
      Hidden(out, d, "FY2016", "function_share:OFFENSE_FUNCTION_COURIER"));
  EXPECT_FALSE(Hidden(out, d, "FY2016",
                      "function_share:OFFENSE_FUNCTION_STREET_LEVEL_DEALER"));
  EXPECT_FALSE(
      Hidden(out, d, "FY2016", "function_share:OFFENSE_FUNCTION_WHOLESALER"));
  EXPECT_FALSE(
      Hidden(out, d, "FY2016", "function_share:OFFENSE_FUNCTION_MULE"));
  EXPECT_FALSE(Hidden(out, d, "FY2016", "sentenced"));
  // Per origin, n is that origin's own count: 3 LNF of 40 in wiretap cases.
  EXPECT_TRUE(Hidden(out, d, "FY2016", "origin_lnf_share:CASE_ORIGIN_WIRETAP"));
  EXPECT_FALSE(
      Hidden(out, d, "FY2016", "origin_lnf_share:CASE_ORIGIN_INFORMANT"));
  EXPECT_DOUBLE_EQ(Cell(out.at({d, "FY2016"}),
                        "function_share:OFFENSE_FUNCTION_STREET_LEVEL_DEALER")
                       .value(),
                   15.0 / 40);
}

// declination_rate's n is declined + charged, so its n − k is the charged
// count: 30 declined and 5 charged would give the 5 away through the rate
// and the declined count.
TEST(DisclosureTest, DeclinationRateProtectsTheChargedCount) {  // D2
  internal::Components c;
  c.set_sentenced(40);
  c.set_declined(30);
  c.set_charged(5);
  auto out = ComputePublicViews({{{"district:EDPA", "FY2016"},
                                  In(CardOf("district:EDPA", "FY2016", c))}});
  const std::string d = "district:EDPA";
  EXPECT_TRUE(Hidden(out, d, "FY2016", "charged"));
  EXPECT_TRUE(Hidden(out, d, "FY2016", "declination_rate"));
  EXPECT_TRUE(Hidden(out, d, "FY2016", "declined"));
  EXPECT_FALSE(Hidden(out, d, "FY2016", "sentenced"));

  c.set_charged(20);
  out = ComputePublicViews({{{"district:EDPA", "FY2016"},
                             In(CardOf("district:EDPA", "FY2016", c))}});
  EXPECT_FALSE(Hidden(out, d, "FY2016", "charged"));
  EXPECT_FALSE(Hidden(out, d, "FY2016", "declined"));
  EXPECT_FALSE(Hidden(out, d, "FY2016", "declination_rate"));
  EXPECT_DOUBLE_EQ(Cell(out.at({d, "FY2016"}), "declination_rate").value(),
                   0.6);
  EXPECT_EQ(Cell(out.at({d, "FY2016"}), "declination_rate").n(), 50);
}

// A restricted card of the registry's indicators over `c`.
v1::Scorecard Computed(const std::string& unit, const std::string& period,
                       const internal::Components& c) {
  v1::Scorecard card;
  card.set_unit(unit);
  card.set_period(period);
  for (auto& i : ComputeIndicators(IndicatorInput{c})) {
    *card.add_indicators() = std::move(i);
  }
  return card;
}

// `arrests` arrests, `unsentenced` of them never matched to a sentencing,
// `with_office` naming a field office; `sentenced` people, `no_arrest` of
// them with no arrest, `with_weight` giving a drug weight.
internal::Components Quality(int64_t arrests, int64_t unsentenced,
                             int64_t with_office, int64_t sentenced = 0,
                             int64_t no_arrest = 0, int64_t with_weight = 0) {
  internal::Components c;
  c.set_arrests(arrests);
  c.set_arrests_unsentenced(unsentenced);
  c.set_arrests_with_field_office(with_office);
  c.set_sentenced(sentenced);
  c.set_sentenced_without_arrest(no_arrest);
  c.set_sentenced_with_drug_weight(with_weight);
  return c;
}

TEST(DisclosureTest, DataQualityCountsAreProtectedLikePeople) {  // D2
  auto out = ComputePublicViews(
      {{{"district:EDPA", "FY2016"},
        In(Computed("district:EDPA", "FY2016",
                    Quality(0, 0, 0, /*sentenced=*/40, /*no_arrest=*/4,
                            /*with_weight=*/35)))}});
  EXPECT_FALSE(Hidden(out, "district:EDPA", "FY2016", "sentenced"));
  EXPECT_TRUE(
      Hidden(out, "district:EDPA", "FY2016", "sentenced_without_arrest"));
  // 35 of 40 give a weight: 5 do not.
  EXPECT_TRUE(Hidden(out, "district:EDPA", "FY2016",
                     "coverage:sentencing.drug_weight_grams"));
  out = ComputePublicViews({{{"district:EDPA", "FY2016"},
                             In(Computed("district:EDPA", "FY2016",
                                         Quality(0, 0, 0, 40, /*no_arrest=*/11,
                                                 /*with_weight=*/29)))}});
  EXPECT_FALSE(
      Hidden(out, "district:EDPA", "FY2016", "sentenced_without_arrest"));
  EXPECT_FALSE(Hidden(out, "district:EDPA", "FY2016",
                      "coverage:sentencing.drug_weight_grams"));
  EXPECT_EQ(
      Cell(out.at({"district:EDPA", "FY2016"}), "sentenced_without_arrest").n(),
      11);
}

TEST(DisclosureTest, DataQualityCountsAreLinkedAcrossFieldOffices) {  // D3
  const std::set<std::string> dea = {"agency:DEA"};
  // 30 arrests per office, each naming it; unsentenced 5 + 25 + 30 = 60.
  auto out = ComputePublicViews({
      {{"agency:DEA", "FY2016"},
       In(Computed("agency:DEA", "FY2016", Quality(90, 60, 90)))},
      {{"field_office:DEA-A", "FY2016"},
       In(Computed("field_office:DEA-A", "FY2016", Quality(30, 5, 30)), dea)},
      {{"field_office:DEA-B", "FY2016"},
       In(Computed("field_office:DEA-B", "FY2016", Quality(30, 25, 30)), dea)},
      {{"field_office:DEA-C", "FY2016"},
       In(Computed("field_office:DEA-C", "FY2016", Quality(30, 30, 30)), dea)},
  });
  EXPECT_FALSE(Hidden(out, "agency:DEA", "FY2016", "arrests_unsentenced"));
  EXPECT_TRUE(
      Hidden(out, "field_office:DEA-A", "FY2016", "arrests_unsentenced"));
  // 60 − 25 − 30 = 5 would give A back: B (the smaller) goes too.
  EXPECT_TRUE(
      Hidden(out, "field_office:DEA-B", "FY2016", "arrests_unsentenced"));
  EXPECT_FALSE(
      Hidden(out, "field_office:DEA-C", "FY2016", "arrests_unsentenced"));
  // Every arrest names its office: nothing small, all shown.
  EXPECT_FALSE(Hidden(out, "field_office:DEA-A", "FY2016",
                      "coverage:arrest.field_office"));
  EXPECT_FALSE(Hidden(out, "field_office:DEA-A", "FY2016", "arrests"));
}

// What a published card shows is what its maker recorded as shown (never
// more), in a fiscal year with D2, D3 and a held view at work; and read off
// another instance's card it protects the next version as the maker's own
// record does.
TEST(DisclosureTest, ShownByReadsWhatACardPublished) {
  std::map<UnitPeriod, PublicInput> in = {
      {{"agency:DEA", "FY2016"}, In(Card("agency:DEA", "FY2016", 60, 12, 4))},
      {{"field_office:DEA-A", "FY2016"},
       In(Card("field_office:DEA-A", "FY2016", 5, 1), {"agency:DEA"})},
      {{"field_office:DEA-B", "FY2016"},
       In(Card("field_office:DEA-B", "FY2016", 55, 11), {"agency:DEA"})},
      {{"district:EDPA", "FY2016"},
       In(Card("district:EDPA", "FY2016", 100, 30, 20, 40))},
  };
  // A held view: 4 more people than the 200 shown before.
  PublicInput held = In(Card("district:CDCA", "FY2016", 204, 52));
  held.previous =
      ComputePublicViews({{{"district:CDCA", "FY2016"},
                           In(Card("district:CDCA", "FY2016", 200, 50))}})
          .at({"district:CDCA", "FY2016"})
          .card;
  held.shown = {{"sentenced", {200}}, {"lnf", {50}}};
  in[{"district:CDCA", "FY2016"}] = held;
  const auto out = ComputePublicViews(in);
  ASSERT_TRUE(out.at({"district:CDCA", "FY2016"}).card.lags_current());
  int quantities = 0;
  for (const auto& [up, o] : out) {
    for (const auto& [q, values] : ShownBy(o.card)) {
      ASSERT_EQ(values.size(), 1u) << up.first << " " << q;
      ASSERT_TRUE(o.shown.count(q) > 0) << up.first << " " << q;
      EXPECT_TRUE(o.shown.at(q).count(*values.begin()) > 0)
          << up.first << " " << q << " = " << *values.begin();
      ++quantities;
    }
  }
  EXPECT_GT(quantities, 10);
  // Suppressed cells show nothing: DEA-A's 5 people.
  EXPECT_EQ(
      ShownBy(out.at({"field_office:DEA-A", "FY2016"}).card).count("sentenced"),
      0u);
  EXPECT_EQ(ShownBy(out.at({"district:EDPA", "FY2016"}).card).at("lnf"),
            std::set<int64_t>{30});
  // Another instance that only read EDPA's card: 3 more LNF stays withheld.
  PublicInput next = In(Card("district:EDPA", "FY2016", 111, 33, 20, 40));
  next.shown = ShownBy(out.at({"district:EDPA", "FY2016"}).card);
  EXPECT_TRUE(Hidden(ComputePublicViews({{{"district:EDPA", "FY2016"}, next}}),
                     "district:EDPA", "FY2016", "lnf_share"));
}

TEST(DisclosureTest, SameInputsSameBytes) {
  std::map<UnitPeriod, PublicInput> in = {
      {{"agency:DEA", "FY2016"}, In(Card("agency:DEA", "FY2016", 60, 12))},
      {{"field_office:DEA-A", "FY2016"},
       In(Card("field_office:DEA-A", "FY2016", 5, 1), {"agency:DEA"})},
      {{"field_office:DEA-B", "FY2016"},
       In(Card("field_office:DEA-B", "FY2016", 55, 11), {"agency:DEA"})},
  };
  auto a = ComputePublicViews(in);
  auto b = ComputePublicViews(in);
  for (const auto& [up, o] : a) {
    EXPECT_EQ(o.card.SerializeAsString(), b.at(up).card.SerializeAsString());
  }
}

}  // namespace
}  // namespace fruition::domain
