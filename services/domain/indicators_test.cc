#include "services/domain/indicators.h"

#include <set>
#include <string>
#include <vector>

#include "fruition/internal/scoring.pb.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "services/domain/disclosure.h"

namespace fruition::domain {
namespace {

using Kind = CellRule::Kind;

const v1::Indicator* Find(const std::vector<v1::Indicator>& cells,
                          const std::string& name) {
  for (const auto& i : cells) {
    if (i.name() == name) return &i;
  }
  return nullptr;
}

// A new indicator is one entry: with it added to a copy of the registry it
// is computed, has its disclosure rule, and is listed in the catalogue.
TEST(IndicatorRegistryTest, ANewIndicatorIsOneEntry) {
  std::vector<IndicatorDef> registry = Indicators();
  IndicatorDef d;
  d.name = "weapon_or_aggravating_count";
  d.json_name = JsonName(d.name);
  d.label = "Weapon or leadership";
  d.description = "People sentenced with a weapon or a leadership role.";
  d.format = "count";
  d.group = "Who was sentenced (from the courts' facts)";
  d.inputs = {"weapon", "aggravating"};
  d.unit_kinds = {"district"};
  d.rule = {Kind::kCount, "weapon_or_aggravating", "", false, {}};
  d.compute = [](const IndicatorInput& in, std::vector<v1::Indicator>* out) {
    const int64_t v = in.c.weapon() + in.c.aggravating();
    out->push_back(Cell("weapon_or_aggravating_count", v, v));
  };
  registry.push_back(d);

  internal::Components c;
  c.set_sentenced(20);
  c.set_weapon(3);
  c.set_aggravating(4);
  const auto cells = ComputeIndicators({c}, registry);
  const v1::Indicator* cell = Find(cells, "weapon_or_aggravating_count");
  ASSERT_NE(cell, nullptr);
  EXPECT_EQ(cell->value(), 7);
  EXPECT_EQ(cell->n(), 7);
  // Every indicator of the real registry still there, in order, before it.
  EXPECT_EQ(cells.size(), ComputeIndicators({c}).size() + 1);
  EXPECT_EQ(cells.back().name(), "weapon_or_aggravating_count");

  const CellRule rule = RuleOf("weapon_or_aggravating_count", registry);
  EXPECT_EQ(rule.kind, Kind::kCount);
  EXPECT_EQ(rule.n, "weapon_or_aggravating");

  const std::string json = IndicatorCatalogueJson(registry);
  EXPECT_NE(json.find("\"name\":\"weapon_or_aggravating_count\""),
            std::string::npos);
  EXPECT_NE(json.find("\"jsonName\":\"weaponOrAggravatingCount\""),
            std::string::npos);
  EXPECT_NE(json.find("\"label\":\"Weapon or leadership\""), std::string::npos);
  // Not in the real registry: unknown there, so protected by default.
  EXPECT_EQ(FindIndicator("weapon_or_aggravating_count"), nullptr);
  EXPECT_EQ(RuleOf("weapon_or_aggravating_count").n,
            "cell:weapon_or_aggravating_count");
}

// Entries name their inputs once; a misspelt Components field would read 0.
TEST(IndicatorRegistryTest, InputsAreComponentsOrReferenceFacts) {
  const auto* descriptor = internal::Components::descriptor();
  for (const IndicatorDef& d : Indicators()) {
    EXPECT_FALSE(d.label.empty()) << d.name;
    EXPECT_FALSE(d.description.empty()) << d.name;
    EXPECT_FALSE(d.format.empty()) << d.name;
    EXPECT_FALSE(d.unit_kinds.empty()) << d.name;
    EXPECT_EQ(d.json_name, JsonName(d.name));
    ASSERT_TRUE(d.compute) << d.name;
    for (const std::string& in : d.inputs) {
      if (in.rfind("reference.", 0) == 0 || in.rfind("community.", 0) == 0) {
        continue;
      }
      EXPECT_NE(descriptor->FindFieldByName(in), nullptr)
          << d.name << " reads " << in;
    }
    // The quantities a rule names are components too (disclosure control
    // counts people by them).
    for (const std::string& q : {d.rule.n, d.rule.k}) {
      if (!q.empty()) {
        EXPECT_NE(descriptor->FindFieldByName(q), nullptr) << d.name << q;
      }
    }
  }
}

TEST(IndicatorRegistryTest, NamesAreUnique) {
  std::set<std::string> names;
  for (const IndicatorDef& d : Indicators()) {
    EXPECT_TRUE(names.insert(d.name).second) << d.name;
  }
}

TEST(IndicatorRegistryTest, FamiliesAndMemberRules) {
  ASSERT_NE(FindIndicator("target_ratio:PERFORMANCE_MEASURE_PTO_DISRUPTED"),
            nullptr);
  EXPECT_EQ(FindIndicator("target_ratio:X")->name, "target_ratio:");
  EXPECT_EQ(RuleOf("target_ratio:PERFORMANCE_MEASURE_PTO_DISRUPTED").kind,
            Kind::kOrganization);
  EXPECT_EQ(RuleOf("target_ratio:PERFORMANCE_MEASURE_ARRESTS").kind,
            Kind::kMeasure);
  EXPECT_EQ(RuleOf("target_ratio:PERFORMANCE_MEASURE_ARRESTS").n, "arrests");
  EXPECT_EQ(RuleOf("community_change:COMMUNITY_INDICATOR_KIND_SHOOTINGS").kind,
            Kind::kOrganization);
  EXPECT_EQ(RuleOf("lnf_share").kind, Kind::kShare);
  EXPECT_EQ(RuleOf("lnf_share").k, "lnf");
}

TEST(IndicatorRegistryTest, JsonNames) {
  EXPECT_EQ(JsonName("lnf_cost_usd"), "lnfCostUsd");
  EXPECT_EQ(JsonName("target_ratio:PERFORMANCE_MEASURE_ARRESTS"),
            "targetRatio:PERFORMANCE_MEASURE_ARRESTS");
}

}  // namespace
}  // namespace fruition::domain
