// The attacker (tests/harness/attacker.h) on tiny hand-made public views:
// each derivation is found when present, and nothing on clean input.
#include "tests/harness/attacker.h"

#include <string>
#include <vector>

#include "fruition/v1/events.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace fruition::testing {
namespace {

PublicCell Count(double n) { return {false, n, n}; }
PublicCell Share(double k, double n) {
  PublicCell c;
  c.n = n;
  if (n > 0) c.value = k / n;
  return c;
}
PublicCell Measure(double value, double n) { return {false, value, n}; }
PublicCell Suppressed() { return {true, std::nullopt, std::nullopt}; }

// A card about `sentenced` people of whom `lnf` are LNF, `arrests` arrests.
PublicVersion Card(const std::string& unit, const std::string& period,
                   int64_t revision, double sentenced, double lnf,
                   double arrests = 100) {
  PublicVersion v;
  v.unit = unit;
  v.period = period;
  v.revision = revision;
  v.id = unit + "/" + period + "/r" + std::to_string(revision);
  v.source = "test";
  v.cells["arrests"] = Count(arrests);
  v.cells["sentenced"] = Count(sentenced);
  v.cells["lnf_share"] = Share(lnf, sentenced);
  v.cells["mean_desert"] = Measure(31.5, sentenced);
  v.cells["lnf_prison_years"] = Measure(40.25, lnf);
  v.cells["org_outcomes_reported"] = Count(3);  // about organizations
  v.cells["target_ratio:PERFORMANCE_MEASURE_PTO_DISRUPTED"] = Measure(1.5, 3);
  return v;
}

// Every cell showing `sentenced` (or the LNF count) withheld.
void HideSentenced(PublicVersion* v) {
  for (const char* c :
       {"sentenced", "lnf_share", "mean_desert", "lnf_prison_years"}) {
    v->cells[c] = Suppressed();
  }
}

bool AnyContains(const std::vector<std::string>& lines,
                 const std::string& needle) {
  for (const auto& l : lines) {
    if (l.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string Lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST(AttackerTest, NothingOnACleanView) {
  Attacker a;
  // An agency of 60 sentenced (11 LNF) and 100 arrests; two field offices
  // published (30 with 11 LNF, 18 with none: 12 people, none LNF, in no
  // published field office), two suppressed; its first quarter holding the
  // whole year; later versions 11 apart or equal.
  PublicVersion hidden = Card("field_office:DEA-MIAMI", "FY2016", 1, 6, 0);
  HideSentenced(&hidden);
  hidden.cells["arrests"] = Suppressed();
  PublicVersion hidden2 = Card("field_office:DEA-DETROIT", "FY2016", 1, 6, 0);
  HideSentenced(&hidden2);
  hidden2.cells["arrests"] = Suppressed();
  a.AddSnapshot({
      Card("agency:DEA", "FY2016", 1, 60, 11, 100),
      Card("field_office:DEA-PHILADELPHIA", "FY2016", 1, 30, 11, 50),
      Card("field_office:DEA-CHICAGO", "FY2016", 1, 18, 0, 50),
      hidden,
      hidden2,
      Card("agency:DEA", "FY2016Q1", 1, 60, 11, 100),
  });
  a.AddVersion(Card("agency:DEA", "FY2016", 2, 71, 22, 111));
  a.AddVersion(Card("agency:DEA", "FY2016", 3, 71, 22, 111));  // same
  EXPECT_EQ(a.versions(), 8u);
  EXPECT_EQ(a.snapshots(), 1u);
  const auto findings = a.Findings();
  EXPECT_TRUE(findings.empty()) << Lines(findings);
}

TEST(AttackerTest, FindsASmallPublishedCount) {
  Attacker a;
  a.AddVersion(Card("district:EDPA", "FY2016", 1, 7, 0));
  const auto f = a.Findings();
  EXPECT_TRUE(AnyContains(f, "small: district:EDPA FY2016 r1")) << Lines(f);
  EXPECT_TRUE(AnyContains(f, "sentenced = 7")) << Lines(f);
}

TEST(AttackerTest, FindsAShareOfThreeInForty) {
  Attacker a;
  PublicVersion v = Card("district:EDPA", "FY2016", 1, 40, 20);
  v.cells["weapon_share"] = Share(3, 40);
  a.AddVersion(v);
  const auto f = a.Findings();
  EXPECT_TRUE(AnyContains(f, "weapon = 3 (weapon_share k)")) << Lines(f);
  EXPECT_EQ(f.size(), 1u) << Lines(f);
}

TEST(AttackerTest, FindsTheComplementOfAShare) {
  Attacker a;
  PublicVersion v = Card("district:EDPA", "FY2016", 1, 40, 20);
  v.cells["ch1_share"] = Share(36, 40);  // 4 not in category I
  a.AddVersion(v);
  const auto f = a.Findings();
  EXPECT_TRUE(AnyContains(f, "sentenced-ch1 = 4")) << Lines(f);
}

TEST(AttackerTest, FindsAMeasureOverFewPeopleAndWhatSharesItsPeople) {
  Attacker a;
  // lnf_share withheld, but lnf_prison_years still says its n of 3.
  PublicVersion v = Card("district:EDPA", "FY2016", 1, 40, 3);
  v.cells["lnf_share"] = Suppressed();
  a.AddVersion(v);
  const auto f = a.Findings();
  EXPECT_TRUE(AnyContains(f, "lnf = 3 (lnf_prison_years n)")) << Lines(f);
}

TEST(AttackerTest, FindsSubstantiatedArrestsAndTheArrestsTargetRatio) {
  Attacker a;
  PublicVersion v = Card("agency:HSI", "FY2015", 1, 40, 20, 50);
  v.cells["pto_linked_arrests_claimed"] = Count(30);
  v.cells["pto_linked_arrests_substantiated"] = {false, 25, 30};  // 5 not
  v.cells["arrests"] = Suppressed();
  v.cells["target_ratio:PERFORMANCE_MEASURE_ARRESTS"] = Measure(0.9, 9);
  a.AddVersion(v);
  const auto f = a.Findings();
  EXPECT_TRUE(AnyContains(f, "claimed-substantiated = 5")) << Lines(f);
  EXPECT_TRUE(AnyContains(f, "arrests = 9")) << Lines(f);
}

// SPEC §11: the cost per high-desert sentence shows the high-desert count
// as its n; restated target ratios and budgets are about organizations.
TEST(AttackerTest, FindsTheHighDesertCountInTheCostPerSentence) {
  Attacker a;
  PublicVersion v = Card("agency:DEA", "FY2016", 1, 40, 20);
  v.cells["high_desert_share"] = Suppressed();  // 4 of 40
  v.cells["budget_usd"] = Measure(2'000'000, 1);
  v.cells["cost_per_high_desert_sentence"] = Measure(500'000, 4);
  v.cells["target_ratio_restated:PERFORMANCE_MEASURE_PTO_DISRUPTED"] =
      Measure(0.5, 2);
  a.AddVersion(v);
  const auto f = a.Findings();
  EXPECT_TRUE(AnyContains(f, "high_desert = 4")) << Lines(f);
  EXPECT_FALSE(AnyContains(f, "budget_usd")) << Lines(f);
  EXPECT_FALSE(AnyContains(f, "target_ratio_restated")) << Lines(f);
}

TEST(AttackerTest, DerivesAShareFromTheFruitionGap) {
  Attacker a;
  PublicVersion v = Card("district:EDPA", "FY2016", 1, 40, 20);
  v.cells["high_desert_share"] = Share(15, 40);
  v.cells["claimed_priority_share"] = Suppressed();  // 5 of 40
  v.cells["fruition_gap"] = Measure((5.0 - 15.0) / 40.0, 40);
  a.AddVersion(v);
  const auto f = a.Findings();
  EXPECT_TRUE(AnyContains(f, "claimed_priority = 5")) << Lines(f);
}

TEST(AttackerTest, FindsAFieldOfficeByItsAgencyAndPartners) {
  Attacker a;
  PublicVersion small =
      Card("field_office:TF-PHL-PHILADELPHIA", "FY2016", 1, 4, 1);
  HideSentenced(&small);
  a.AddSnapshot({
      Card("agency:TF-PHL", "FY2016", 1, 40, 20),
      Card("field_office:TF-PHL-CAMDEN", "FY2016", 1, 36, 19),
      small,
      // Not TF-PHL's: its code does not start with "TF-PHL-".
      Card("field_office:TF-PHLX-CAMDEN", "FY2016", 1, 36, 19),
  });
  const auto f = a.Findings();
  EXPECT_TRUE(AnyContains(f,
                          "linked (agency and its field offices): "
                          "agency:TF-PHL FY2016 r1"))
      << Lines(f);
  EXPECT_TRUE(AnyContains(f,
                          "sentenced = 40 minus published members "
                          "[field_office:TF-PHL-CAMDEN FY2016=36] = 4; "
                          "hidden: [field_office:TF-PHL-PHILADELPHIA "
                          "FY2016]"))
      << Lines(f);
  EXPECT_TRUE(AnyContains(f,
                          "lnf = 20 minus published members "
                          "[field_office:TF-PHL-CAMDEN FY2016=19] = 1"))
      << Lines(f);
  EXPECT_FALSE(AnyContains(f, "TF-PHLX")) << Lines(f);
}

TEST(AttackerTest, FindsAQuarterByItsFiscalYear) {
  Attacker a;
  PublicVersion q2 = Card("district:SDNY", "FY2016Q2", 1, 9, 3);
  HideSentenced(&q2);
  a.AddSnapshot({
      Card("district:SDNY", "FY2016", 1, 120, 40),
      Card("district:SDNY", "FY2016Q1", 1, 111, 37),
      q2,
  });
  const auto f = a.Findings();
  EXPECT_TRUE(AnyContains(f,
                          "linked (fiscal year and its quarters): "
                          "district:SDNY FY2016"))
      << Lines(f);
  EXPECT_TRUE(AnyContains(f,
                          "sentenced = 120 minus published members "
                          "[district:SDNY FY2016Q1=111] = 9"))
      << Lines(f);
  // Two quarters hidden, together 22: nothing.
  Attacker b;
  PublicVersion q3 = Card("district:SDNY", "FY2016Q3", 1, 13, 0);
  HideSentenced(&q3);
  b.AddSnapshot({
      Card("district:SDNY", "FY2016", 1, 133, 37),
      Card("district:SDNY", "FY2016Q1", 1, 111, 37),
      q2,
      q3,
  });
  EXPECT_TRUE(b.Findings().empty()) << Lines(b.Findings());
}

TEST(AttackerTest, FindsADistrictByTheNation) {
  Attacker a;
  PublicVersion small = Card("district:EDMI", "FY2016", 1, 2, 0);
  HideSentenced(&small);
  a.AddSnapshot({
      Card("national:US", "FY2016", 1, 102, 40, 0),
      Card("district:EDPA", "FY2016", 1, 100, 40, 0),
      small,
  });
  const auto f = a.Findings();
  EXPECT_TRUE(AnyContains(f,
                          "linked (national and its districts): "
                          "national:US FY2016"))
      << Lines(f);
  // Only within a snapshot: the same cards as separate versions are not
  // linked.
  Attacker b;
  b.AddVersion(Card("national:US", "FY2016", 1, 102, 40, 0));
  b.AddVersion(Card("district:EDPA", "FY2016", 1, 100, 40, 0));
  b.AddVersion(small);
  EXPECT_TRUE(b.Findings().empty()) << Lines(b.Findings());
}

TEST(AttackerTest, FindsTwoVersionsThatDifferByFour) {
  Attacker a;
  a.AddVersion(Card("agency:DEA", "FY2016", 1, 60, 22));
  a.AddVersion(Card("agency:DEA", "FY2016", 2, 64, 22));
  const auto f = a.Findings();
  EXPECT_TRUE(AnyContains(f, "versions: agency:DEA FY2016 r1"));
  EXPECT_TRUE(AnyContains(f, "sentenced 60 then 64 (differ by 4)")) << Lines(f);
  // n − k of lnf_share too: 38 then 42.
  EXPECT_TRUE(AnyContains(f, "sentenced-lnf 38 then 42")) << Lines(f);
}

TEST(AttackerTest, ComparesVersionsThatAreNotSuccessive) {
  Attacker a;
  a.AddVersion(Card("agency:DEA", "FY2016", 1, 50, 0));
  a.AddVersion(Card("agency:DEA", "FY2016", 2, 61, 0));
  a.AddVersion(Card("agency:DEA", "FY2016", 3, 45, 0));  // 5 from r1
  const auto f = a.Findings();
  EXPECT_TRUE(AnyContains(f, "sentenced 50 then 45 (differ by 5)")) << Lines(f);
  EXPECT_FALSE(AnyContains(f, "50 then 61")) << Lines(f);
}

TEST(AttackerTest, MergesOutputsOfOneVersionAndFindsDisagreement) {
  Attacker a;
  PublicVersion poll = Card("agency:DEA", "FY2016", 1, 60, 22);
  PublicVersion sse;
  sse.unit = poll.unit;
  sse.period = poll.period;
  sse.id = poll.id;
  sse.source = "sse";
  sse.cells["weapon_share"] = Share(11, 60);
  a.AddVersion(poll);
  a.AddVersion(sse);
  EXPECT_TRUE(a.Findings().empty()) << Lines(a.Findings());
  EXPECT_EQ(a.versions(), 1u);
  sse.cells["ch1_share"] = Share(11, 59);  // another n for `sentenced`
  a.AddVersion(sse);
  const auto f = a.Findings();
  EXPECT_TRUE(AnyContains(f, "inconsistent: agency:DEA FY2016")) << Lines(f);
}

TEST(AttackerTest, ReadsHttpCards) {
  google::protobuf::Struct card;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"unit":"agency:DEA","period":"FY2016","publicView":true,
                      "lagsCurrent":false,"revision":"3","scorecardId":"abc",
                      "indicators":{
                        "sentenced":{"value":386,"n":386},
                        "lnfShare":{"value":0.0077720207253886009,"n":386},
                        "meanDesert":{"suppressed":true},
                        "linkSubstantiationRate":{"n":0,"defined":false},
                        "targetRatio:PERFORMANCE_MEASURE_ARRESTS":
                            {"value":1.2,"n":7}}})",
                  &card)
                  .ok());
  auto v = VersionFromCardJson(card);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->revision, 3);
  EXPECT_EQ(v->id, "abc");
  EXPECT_TRUE(v->cells.at("mean_desert").suppressed);
  EXPECT_FALSE(v->cells.at("link_substantiation_rate").value.has_value());
  ASSERT_TRUE(v->cells.count("target_ratio:PERFORMANCE_MEASURE_ARRESTS") > 0);
  Attacker a;
  a.AddVersion(*v);
  const auto f = a.Findings();
  EXPECT_TRUE(AnyContains(f, "lnf = 3 (lnf_share k)")) << Lines(f);
  EXPECT_TRUE(AnyContains(f, "arrests = 7")) << Lines(f);
  EXPECT_EQ(f.size(), 2u) << Lines(f);
}

// A public event of `type` about a unit-period, citing a scorecard.
v1::OversightEvent PublicEvent(v1::EventType type, const std::string& unit,
                               const std::string& period,
                               const std::string& scorecard_id) {
  v1::OversightEvent e;
  e.set_type(type);
  e.set_visibility(v1::VISIBILITY_PUBLIC);
  e.set_unit(unit);
  e.set_period(period);
  e.add_evidence_refs("scorecard:" + scorecard_id);
  return e;
}

TEST(AttackerTest, ReadsPublicEventFacts) {
  v1::OversightEvent e = PublicEvent(v1::EVENT_TYPE_SCORECARD_PUBLISHED,
                                     "district:EDPA", "FY2016Q3", "0123abcd");
  auto& facts = *e.mutable_facts();
  facts["sentenced"] = 40;
  facts["sentenced.n"] = 40;
  facts["lnf_share"] = 0.075;  // 3 of 40
  facts["lnf_share.n"] = 40;
  facts["mean_desert.suppressed"] = 1;
  auto v = VersionFromEvent(e);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->id, "0123abcd");
  EXPECT_TRUE(v->cells.at("mean_desert").suppressed);
  Attacker a;
  a.AddVersion(*v);
  EXPECT_TRUE(AnyContains(a.Findings(), "lnf = 3")) << Lines(a.Findings());

  // TARGET_OVERSHOOT says the arrests count as `reported`.
  v1::OversightEvent t = PublicEvent(v1::EVENT_TYPE_TARGET_OVERSHOOT,
                                     "agency:DEA", "FY2016", "feed");
  t.set_condition_key(
      "TARGET_OVERSHOOT/agency:DEA/FY2016/PERFORMANCE_MEASURE_ARRESTS");
  (*t.mutable_facts())["target_ratio"] = 2;
  (*t.mutable_facts())["reported"] = 8;
  (*t.mutable_facts())["target"] = 4;
  auto tv = VersionFromEvent(t);
  ASSERT_TRUE(tv.has_value());
  Attacker b;
  b.AddVersion(*tv);
  EXPECT_TRUE(AnyContains(b.Findings(), "arrests = 8")) << Lines(b.Findings());

  // A pair rule's thresholds are not cells of the card.
  v1::OversightEvent m = PublicEvent(v1::EVENT_TYPE_LNF_MANDATORY_MINIMUM_HIGH,
                                     "agency:DEA", "FY2016", "feed");
  (*m.mutable_facts())["lnf_sentenced"] = 16;
  (*m.mutable_facts())["lnf_sentenced.n"] = 16;
  (*m.mutable_facts())["threshold"] = 0.5;
  (*m.mutable_facts())["min_lnf_sentenced"] = 11;
  (*m.mutable_facts())["min_sentenced"] = 11;
  auto mv = VersionFromEvent(m);
  ASSERT_TRUE(mv.has_value());
  EXPECT_EQ(mv->cells.size(), 1u);
  EXPECT_EQ(mv->cells.count("lnf_sentenced"), 1u);

  // Restricted events and events naming no scorecard are not public views.
  e.set_visibility(v1::VISIBILITY_RESTRICTED);
  EXPECT_FALSE(VersionFromEvent(e).has_value());
  e.set_visibility(v1::VISIBILITY_PUBLIC);
  e.clear_evidence_refs();
  EXPECT_FALSE(VersionFromEvent(e).has_value());
}

TEST(AttackerTest, SnakeNames) {
  EXPECT_EQ(SnakeName("lnfShare"), "lnf_share");
  EXPECT_EQ(SnakeName("ptoLinkedArrestsClaimed"), "pto_linked_arrests_claimed");
  EXPECT_EQ(SnakeName("targetRatio:PERFORMANCE_MEASURE_ARRESTS"),
            "target_ratio:PERFORMANCE_MEASURE_ARRESTS");
}

}  // namespace
}  // namespace fruition::testing
