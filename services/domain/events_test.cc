#include "services/domain/events.h"

#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fruition::domain {
namespace {

v1::Indicator Cell(const std::string& name, double value, int64_t n) {
  v1::Indicator i;
  i.set_name(name);
  i.set_value(value);
  i.set_n(n);
  i.set_defined(true);
  return i;
}

v1::Scorecard Card(double weapon_share, int64_t sentenced) {
  v1::Scorecard card;
  card.set_unit("district:SDNY");
  card.set_period("FY2016");
  card.set_scorecard_id("card-1");
  *card.add_indicators() = Cell("sentenced", sentenced, sentenced);
  *card.add_indicators() = Cell("weapon_share", weapon_share, sentenced);
  return card;
}

// A throwaway event type: not in events.proto, so named by its number.
constexpr auto kWeaponShareHigh = static_cast<v1::EventType>(99);

// A new event type is one entry: with it added to a copy of the registry it
// is judged on its input, explained, and listed in the catalogue.
TEST(EventRegistryTest, ANewEventIsOneEntry) {
  std::vector<EventRule> rules = EventRules();
  EventRule r;
  r.type = kWeaponShareHigh;
  r.label = "Many weapons";
  r.headline = [](const Thresholds&) {
    return std::string("Half or more of the people sentenced had a weapon.");
  };
  r.visibilities = {v1::VISIBILITY_RESTRICTED};
  r.key_facts = {"weapon_share"};
  r.fact_meanings = {{"weapon_share_limit", "the share that raises it"}};
  r.input = RuleInput::kScorecard;
  r.condition = [](const RuleInputs& in) {
    Finding f;
    f.key = in.card->unit();
    f.event.set_type(kWeaponShareHigh);
    f.event.set_unit(in.card->unit());
    double share = 0;
    for (const auto& i : in.card->indicators()) {
      if (i.name() == "weapon_share") share = i.value();
    }
    f.holds = share >= 0.5;
    (*f.event.mutable_facts())["weapon_share"] = share;
    (*f.event.mutable_facts())["weapon_share_limit"] = 0.5;
    return std::vector<Finding>{f};
  };
  r.explain = [](const v1::OversightEvent& e) {
    Explanation x;
    x.rule = "WEAPON_SHARE_HIGH: half or more had a weapon.";
    x.summary = "In " + e.unit() + ", many had a weapon.";
    return x;
  };
  rules.push_back(r);

  RuleInputs in;
  const v1::Scorecard card = Card(0.6, 20);
  in.card = &card;
  const std::vector<Finding> findings =
      JudgeRules(RuleInput::kScorecard, in, rules);
  // The existing scorecard rules first (two pairs; no target ratios), then
  // the new one.
  ASSERT_EQ(findings.size(), JudgeRules(RuleInput::kScorecard, in).size() + 1);
  const Finding& f = findings.back();
  EXPECT_EQ(f.event.type(), kWeaponShareHigh);
  EXPECT_TRUE(f.holds);
  const v1::Scorecard low = Card(0.4, 20);
  in.card = &low;
  EXPECT_FALSE(JudgeRules(RuleInput::kScorecard, in, rules).back().holds);

  const v1::EventExplanation x = ExplainEvent(f.event, rules);
  EXPECT_EQ(x.rule(), "WEAPON_SHARE_HIGH: half or more had a weapon.");
  EXPECT_EQ(x.summary(), "In district:SDNY, many had a weapon.");
  ASSERT_EQ(x.facts_size(), 2);
  EXPECT_EQ(x.facts(1).name(), "weapon_share_limit");
  EXPECT_EQ(x.facts(1).meaning(), "the share that raises it");
  // An indicator's fact is explained by the indicator registry.
  EXPECT_NE(x.facts(0).meaning().find("Weapon involved"), std::string::npos)
      << x.facts(0).meaning();

  const std::string json = EventCatalogueJson(rules);
  EXPECT_NE(json.find("\"type\":\"EVENT_TYPE_TYPE_99\""), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"label\":\"Many weapons\""), std::string::npos);
  EXPECT_NE(json.find("\"headline\":\"Half or more of the people sentenced "
                      "had a weapon.\""),
            std::string::npos);
  // Not in the real registry.
  EXPECT_EQ(FindEventRule(kWeaponShareHigh), nullptr);
  EXPECT_EQ(ExplainEvent(f.event).rule(), "unknown event type");
}

TEST(EventRegistryTest, EveryTypeOnceWithItsText) {
  std::set<v1::EventType> types;
  for (const EventRule& r : EventRules()) {
    EXPECT_TRUE(types.insert(r.type).second) << EventName(r.type);
    EXPECT_FALSE(r.label.empty()) << EventName(r.type);
    ASSERT_TRUE(r.headline) << EventName(r.type);
    ASSERT_TRUE(r.condition) << EventName(r.type);
    ASSERT_TRUE(r.explain) << EventName(r.type);
    EXPECT_FALSE(r.visibilities.empty()) << EventName(r.type);
    for (const std::string& t : r.thresholds) {
      bool known = false;
      for (const ThresholdDef& d : EventThresholds()) known |= d.name == t;
      EXPECT_TRUE(known) << EventName(r.type) << " reads " << t;
    }
  }
  // Every type of events.proto but UNSPECIFIED has its rule.
  const auto* e = v1::EventType_descriptor();
  for (int i = 0; i < e->value_count(); ++i) {
    const auto type = static_cast<v1::EventType>(e->value(i)->number());
    if (type == v1::EVENT_TYPE_UNSPECIFIED) continue;
    EXPECT_EQ(types.count(type), 1u) << e->value(i)->name();
  }
}

TEST(EventRegistryTest, ThresholdsAndHeadlines) {
  Thresholds t;
  EXPECT_EQ(t.Get(kFruitionGapThreshold), 0.25);
  EXPECT_EQ(t.Get(kMinSentenced), 11);
  t.Set(kFruitionGapThreshold, 0.4);
  EXPECT_EQ(t.Get(kFruitionGapThreshold), 0.4);
  const EventRule* gap = FindEventRule(v1::EVENT_TYPE_FRUITION_GAP);
  ASSERT_NE(gap, nullptr);
  EXPECT_NE(gap->headline(Thresholds()).find("gap of 25 points"),
            std::string::npos);
  EXPECT_NE(gap->headline(t).find("gap of 40 points"), std::string::npos);
  // LNF_MANDATORY_MINIMUM_HIGH reads its own two thresholds (SPEC §6
  // defaults), not min-sentenced.
  EXPECT_EQ(Thresholds().Get(kLnfMandatoryMinimumThreshold), 0.5);
  EXPECT_EQ(Thresholds().Get(kMinLnfSentenced), 11);
  const EventRule* mm =
      FindEventRule(v1::EVENT_TYPE_LNF_MANDATORY_MINIMUM_HIGH);
  ASSERT_NE(mm, nullptr);
  EXPECT_EQ(mm->thresholds,
            (std::vector<std::string>{kLnfMandatoryMinimumThreshold,
                                      kMinLnfSentenced}));
  EXPECT_EQ(mm->severity, v1::SEVERITY_WARNING);
  t.Set(kLnfMandatoryMinimumThreshold, 0.6);
  EXPECT_EQ(mm->headline(Thresholds()).rfind("50% or more", 0), 0u)
      << mm->headline(Thresholds());
  EXPECT_EQ(mm->headline(t).rfind("60% or more", 0), 0u) << mm->headline(t);
  const std::string json = EventCatalogueJson();
  EXPECT_NE(json.find("\"configKey\":\"fruitionGapThreshold\""),
            std::string::npos);
  EXPECT_NE(json.find("\"name\":\"min-sentenced\",\"configKey\":"
                      "\"minSentenced\",\"default\":11"),
            std::string::npos)
      << json;
}

}  // namespace
}  // namespace fruition::domain
