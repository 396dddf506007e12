#include "services/domain/indicators.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fruition/internal/scoring.pb.h"
#include "fruition/v1/enums.pb.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "services/domain/disclosure.h"
#include "services/domain/tallies.h"

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

// A tally key (tallies.h): `function:`, `drug:`, `origin:` or
// `origin_lnf:` and a value of its enum (not the unspecified one), or
// `criminal_history:` and a category 1–6.
bool IsTallyKey(const std::string& key) {
  const size_t colon = key.find(':');
  if (colon == std::string::npos) return false;
  const std::string prefix = key.substr(0, colon);
  const std::string member = key.substr(colon + 1);
  const google::protobuf::EnumDescriptor* e = nullptr;
  if (prefix == "function") e = v1::OffenseFunction_descriptor();
  if (prefix == "drug") e = v1::Drug_descriptor();
  if (prefix == "origin" || prefix == "origin_lnf") {
    e = v1::CaseOrigin_descriptor();
  }
  if (e != nullptr) {
    const auto* v = e->FindValueByName(member);
    return v != nullptr && v->number() != 0;
  }
  return prefix == "criminal_history" && member.size() == 1 &&
         member[0] >= '1' && member[0] <= '6';
}

bool IsComponent(const std::string& name) {
  return internal::Components::descriptor()->FindFieldByName(name) != nullptr ||
         IsTallyKey(name);
}

// Entries name their inputs once; a misspelt Components field or tally key
// would read 0.
TEST(IndicatorRegistryTest, InputsAreComponentsOrReferenceFacts) {
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
      EXPECT_TRUE(IsComponent(in)) << d.name << " reads " << in;
    }
    // The quantities a rule names are components too (disclosure control
    // counts people by them), but for `prosecuted` (declined + charged).
    std::vector<CellRule> rules = {d.rule};
    for (const auto& [member, rule] : d.member_rules) rules.push_back(rule);
    for (const CellRule& r : rules) {
      for (const std::string& q : {r.n, r.k}) {
        if (!q.empty() && q != "prosecuted") {
          EXPECT_TRUE(IsComponent(q)) << d.name << " " << q;
        }
      }
    }
  }
  EXPECT_FALSE(IsComponent("function:OFFENSE_FUNCTION_COURRIER"));
  EXPECT_FALSE(IsComponent("drug:DRUG_UNSPECIFIED"));
  EXPECT_FALSE(IsComponent("criminal_history:7"));
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

// Checks a defined cell's value and n.
void ExpectCell(const std::vector<v1::Indicator>& cells,
                const std::string& name, double value, int64_t n) {
  const v1::Indicator* c = Find(cells, name);
  ASSERT_NE(c, nullptr) << "missing " << name;
  EXPECT_TRUE(c->defined()) << name;
  EXPECT_DOUBLE_EQ(c->value(), value) << name;
  EXPECT_EQ(c->n(), n) << name;
}

void ExpectUndefined(const std::vector<v1::Indicator>& cells,
                     const std::string& name, int64_t n) {
  const v1::Indicator* c = Find(cells, name);
  ASSERT_NE(c, nullptr) << "missing " << name;
  EXPECT_FALSE(c->defined()) << name;
  EXPECT_EQ(c->value(), 0) << name;
  EXPECT_EQ(c->n(), n) << name;
}

// A unit-period worked out by hand:
//   40 charged, 30 of them with a mandatory minimum -> 0.75 of 40
//   10 declined, 4 referred to the state -> rate 10 / (10 + 40) = 0.2 of
//     50; referred 4 / 10 = 0.4
//   36 dispositions: 33 pleas, 35 convictions (pleas + 2 at trial)
//   30 sentenced, 12 LNF: 9 of them charged with a minimum (0.75), 3 given
//     the safety valve (0.25); 20 sentenced on a charge with a minimum, 5
//     below it (0.25); 8 at or over the 10-year weight, 6 of them in an
//     LNF function (0.75); 1,800 months in all -> mean 60
//   OCDETF cases: 10 sentenced, 7 LNF -> 0.7
//   3 seizures worth 1,234,567.89 USD in all
internal::Components ProsecutionStage() {
  internal::Components c;
  c.set_charged(40);
  c.set_mm_charged(30);
  c.set_declined(10);
  c.set_referred(4);
  c.set_dispositions(36);
  c.set_pleas(33);
  c.set_convictions(35);
  c.set_sentenced(30);
  c.set_lnf(12);
  c.set_lnf_mm(9);
  c.set_lnf_safety_valve(3);
  c.set_mm_sentenced(20);
  c.set_below_mm(5);
  c.set_heavy(8);
  c.set_heavy_lnf_function(6);
  c.set_sentence_months(1800);
  c.set_ocdetf_sentenced(10);
  c.set_ocdetf_lnf(7);
  c.set_seizures(3);
  c.set_seized_cents(123456789);
  return c;
}

TEST(ProsecutionIndicatorsTest, WorkedExample) {
  const auto cells = ComputeIndicators({ProsecutionStage()});
  ExpectCell(cells, "charged", 40, 40);
  ExpectCell(cells, "mandatory_minimum_charged_share", 0.75, 40);
  ExpectCell(cells, "declined", 10, 10);
  ExpectCell(cells, "declination_rate", 0.2, 50);
  ExpectCell(cells, "referred_to_state_share", 0.4, 10);
  ExpectCell(cells, "dispositions", 36, 36);
  ExpectCell(cells, "plea_rate", 33.0 / 36, 36);
  ExpectCell(cells, "conviction_rate", 35.0 / 36, 36);
  ExpectCell(cells, "lnf_sentenced", 12, 12);
  ExpectCell(cells, "lnf_mandatory_minimum_share", 0.75, 12);
  ExpectCell(cells, "lnf_safety_valve_share", 0.25, 12);
  ExpectCell(cells, "below_mandatory_minimum_share", 0.25, 20);
  ExpectCell(cells, "weight_role_mismatch_share", 0.75, 8);
  ExpectCell(cells, "mean_sentence_months", 60, 30);
  ExpectCell(cells, "ocdetf_lnf_share", 0.7, 10);
  ExpectCell(cells, "seizures", 3, 3);
  ExpectCell(cells, "seized_value_usd", 1234567.89, 3);
}

// Nothing counted: counts are 0, shares and the mean and median undefined
// with n = 0, the value seized 0.
TEST(ProsecutionIndicatorsTest, EmptyUnitPeriod) {
  const auto cells = ComputeIndicators({internal::Components()});
  for (const char* count :
       {"charged", "declined", "dispositions", "lnf_sentenced", "seizures"}) {
    ExpectCell(cells, count, 0, 0);
  }
  for (const char* share :
       {"mandatory_minimum_charged_share", "declination_rate",
        "referred_to_state_share", "plea_rate", "conviction_rate",
        "lnf_mandatory_minimum_share", "lnf_safety_valve_share",
        "below_mandatory_minimum_share", "weight_role_mismatch_share",
        "mean_sentence_months", "median_sentence_months", "ocdetf_lnf_share",
        "function_share:OFFENSE_FUNCTION_COURIER", "criminal_history_share:1",
        "drug_share:DRUG_FENTANYL", "origin_lnf_share:CASE_ORIGIN_WIRETAP"}) {
    ExpectUndefined(cells, share, 0);
  }
  ExpectCell(cells, "seized_value_usd", 0, 0);
}

// declination_rate's n is everyone prosecutors decided about: declined +
// charged, not either alone.
TEST(ProsecutionIndicatorsTest, DeclinationRateRestsOnDeclinedAndCharged) {
  internal::Components c;
  c.set_declined(12);
  ExpectCell(ComputeIndicators({c}), "declination_rate", 1, 12);
  c.set_charged(36);
  ExpectCell(ComputeIndicators({c}), "declination_rate", 0.25, 48);
  c.set_declined(0);
  ExpectCell(ComputeIndicators({c}), "declination_rate", 0, 36);
}

double Median(const std::map<int64_t, int64_t>& histogram, int64_t n) {
  internal::Components c;
  c.set_sentenced(n);
  for (const auto& [months, people] : histogram) {
    AddSentence(&c, months, people);
  }
  const auto cells = ComputeIndicators({c});
  const v1::Indicator* cell = Find(cells, "median_sentence_months");
  EXPECT_TRUE(cell != nullptr && cell->defined());
  EXPECT_EQ(cell->n(), n);
  return cell->value();
}

TEST(ProsecutionIndicatorsTest, MedianSentence) {
  // Odd: 24 60 60 120 120 -> 60 (whatever order the map holds them in).
  EXPECT_EQ(Median({{120, 2}, {24, 1}, {60, 2}}, 5), 60);
  // Even: 24 30 | 60 121 -> (30 + 60) / 2.
  EXPECT_EQ(Median({{24, 1}, {30, 1}, {60, 1}, {121, 1}}, 4), 45);
  // Even, both middle values in one bucket: 10 50 | 50 90.
  EXPECT_EQ(Median({{10, 1}, {50, 2}, {90, 1}}, 4), 50);
  // Even, a half month: 37 | 40.
  EXPECT_EQ(Median({{37, 1}, {40, 1}}, 2), 38.5);
  // One person.
  EXPECT_EQ(Median({{0, 1}}, 1), 0);
  // Large counts: 2,000,001 people, the middle one of the 13s... (1,000,000
  // at 12, 1,000,001 at 13: position 1,000,000 from 0 is the first 13).
  EXPECT_EQ(Median({{12, 1000000}, {13, 1000001}}, 2000001), 13);
  // 1,000,000 and 1,000,000: the middle values 12 and 13.
  EXPECT_EQ(Median({{12, 1000000}, {13, 1000000}}, 2000000), 12.5);
}

// Every member of a family is listed, in enum order, with a share of the
// family's n (origin: of the people in cases of that origin).
TEST(ProsecutionIndicatorsTest, SentencingCommissionTables) {
  internal::Components c = ProsecutionStage();
  AddTally(&c, "function:OFFENSE_FUNCTION_COURIER", 9);
  AddTally(&c, "function:OFFENSE_FUNCTION_STREET_LEVEL_DEALER", 6);
  AddTally(&c, "function:OFFENSE_FUNCTION_WHOLESALER", 15);
  AddTally(&c, "criminal_history:1", 18);
  AddTally(&c, "criminal_history:6", 12);
  AddTally(&c, "drug:DRUG_FENTANYL", 12);
  AddTally(&c, "drug:DRUG_METHAMPHETAMINE", 18);
  AddTally(&c, "origin:CASE_ORIGIN_INTERDICTION", 20);
  AddTally(&c, "origin_lnf:CASE_ORIGIN_INTERDICTION", 8);
  AddTally(&c, "origin:CASE_ORIGIN_WIRETAP", 10);
  AddTally(&c, "origin_lnf:CASE_ORIGIN_WIRETAP", 0);
  const auto cells = ComputeIndicators({c});
  ExpectCell(cells, "function_share:OFFENSE_FUNCTION_COURIER", 0.3, 30);
  ExpectCell(cells, "function_share:OFFENSE_FUNCTION_STREET_LEVEL_DEALER", 0.2,
             30);
  ExpectCell(cells, "function_share:OFFENSE_FUNCTION_WHOLESALER", 0.5, 30);
  ExpectCell(cells, "function_share:OFFENSE_FUNCTION_USER", 0, 30);
  ExpectCell(cells, "criminal_history_share:1", 0.6, 30);
  ExpectCell(cells, "criminal_history_share:3", 0, 30);
  ExpectCell(cells, "criminal_history_share:6", 0.4, 30);
  ExpectCell(cells, "drug_share:DRUG_FENTANYL", 0.4, 30);
  ExpectCell(cells, "drug_share:DRUG_METHAMPHETAMINE", 0.6, 30);
  ExpectCell(cells, "drug_share:DRUG_OTHER", 0, 30);
  ExpectCell(cells, "origin_lnf_share:CASE_ORIGIN_INTERDICTION", 0.4, 20);
  ExpectCell(cells, "origin_lnf_share:CASE_ORIGIN_WIRETAP", 0, 10);
  // No one sentenced in informant cases: listed, undefined, n = 0.
  ExpectUndefined(cells, "origin_lnf_share:CASE_ORIGIN_INFORMANT", 0);
  ExpectUndefined(cells, "origin_lnf_share:CASE_ORIGIN_OTHER", 0);

  // Members in enum order, all of them, no unspecified one.
  auto members = [&cells](const std::string& family) {
    std::vector<std::string> out;
    for (const auto& i : cells) {
      if (i.name().rfind(family, 0) == 0) {
        out.push_back(i.name().substr(family.size()));
      }
    }
    return out;
  };
  auto enum_members = [](const google::protobuf::EnumDescriptor* e) {
    std::vector<std::string> out;
    for (int i = 1; i < e->value_count(); ++i) {
      out.push_back(e->value(i)->name());
    }
    return out;
  };
  EXPECT_EQ(members("function_share:"),
            enum_members(v1::OffenseFunction_descriptor()));
  EXPECT_EQ(members("function_share:").size(), 18u);
  EXPECT_EQ(members("criminal_history_share:"),
            (std::vector<std::string>{"1", "2", "3", "4", "5", "6"}));
  EXPECT_EQ(members("drug_share:"), enum_members(v1::Drug_descriptor()));
  EXPECT_EQ(members("drug_share:").front(), "DRUG_COCAINE");
  EXPECT_EQ(members("drug_share:").back(), "DRUG_OTHER");
  EXPECT_EQ(members("origin_lnf_share:"),
            enum_members(v1::CaseOrigin_descriptor()));
  EXPECT_EQ(members("origin_lnf_share:").size(), 6u);
}

// Each family member's disclosure rule names its own k (and, per origin,
// its own n), so that one small member is suppressed without its
// neighbours.
TEST(ProsecutionIndicatorsTest, EachMemberHasItsOwnRule) {
  CellRule r = RuleOf("function_share:OFFENSE_FUNCTION_COURIER");
  EXPECT_EQ(r.kind, Kind::kShare);
  EXPECT_EQ(r.n, "sentenced");
  EXPECT_EQ(r.k, "function:OFFENSE_FUNCTION_COURIER");
  EXPECT_EQ(RuleOf("function_share:OFFENSE_FUNCTION_MULE").k,
            "function:OFFENSE_FUNCTION_MULE");
  EXPECT_EQ(RuleOf("criminal_history_share:4").k, "criminal_history:4");
  EXPECT_EQ(RuleOf("drug_share:DRUG_CRACK").k, "drug:DRUG_CRACK");
  r = RuleOf("origin_lnf_share:CASE_ORIGIN_WIRETAP");
  EXPECT_EQ(r.kind, Kind::kShare);
  EXPECT_EQ(r.n, "origin:CASE_ORIGIN_WIRETAP");
  EXPECT_EQ(r.k, "origin_lnf:CASE_ORIGIN_WIRETAP");
  r = RuleOf("declination_rate");
  EXPECT_EQ(r.n, "prosecuted");
  EXPECT_EQ(r.k, "declined");
  EXPECT_EQ(RuleOf("median_sentence_months").kind, Kind::kMeasure);
  EXPECT_EQ(RuleOf("median_sentence_months").n, "sentenced");
  EXPECT_EQ(RuleOf("seized_value_usd").n, "seizures");
  EXPECT_EQ(RuleOf("lnf_sentenced").kind, Kind::kCount);
  EXPECT_EQ(RuleOf("lnf_sentenced").n, "lnf");
  // A member the registry does not list is protected by default.
  EXPECT_EQ(RuleOf("function_share:OFFENSE_FUNCTION_KINGPIN").n,
            "cell:function_share:OFFENSE_FUNCTION_KINGPIN");
}

// The new entries: in scorecard order after the cost entries, in their
// dashboard groups, labelled, for every unit kind with national:US.
TEST(ProsecutionIndicatorsTest, RegistryEntries) {
  const std::vector<std::string> expected = {
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
      "function_share:",
      "criminal_history_share:",
      "drug_share:",
      "ocdetf_lnf_share",
      "origin_lnf_share:",
      "seizures",
      "seized_value_usd",
  };
  const auto& registry = Indicators();
  size_t at = 0;
  while (at < registry.size() &&
         registry[at].name != "declined_then_charged_elsewhere") {
    ++at;
  }
  ASSERT_LT(at + expected.size(), registry.size());
  const std::vector<std::string> all_units = {"district", "agency",
                                              "field_office", "national"};
  for (size_t i = 0; i < expected.size(); ++i) {
    const IndicatorDef& d = registry[at + 1 + i];
    EXPECT_EQ(d.name, expected[i]);
    EXPECT_EQ(d.unit_kinds, all_units) << d.name;
    const std::string group = i < 15   ? "From arrest to sentence"
                              : i < 20 ? "Sentencing Commission tables"
                                       : "Seizures";
    EXPECT_EQ(d.group, group) << d.name;
    if (d.name.back() == ':') {
      EXPECT_FALSE(d.member_labels.empty()) << d.name;
      for (const auto& [member, label] : d.member_labels) {
        EXPECT_NE(label, member) << d.name << " has no label for " << member;
        EXPECT_EQ(d.member_rules.count(member), 1u) << d.name << member;
      }
    }
  }
  EXPECT_EQ(registry[at + 1 + expected.size()].name, "arrests_unsentenced");
  EXPECT_EQ(FindIndicator("median_sentence_months")->format, "months");
  EXPECT_EQ(FindIndicator("seized_value_usd")->format, "usd");
  EXPECT_EQ(FindIndicator("function_share:X")
                ->member_labels.at("OFFENSE_FUNCTION_COURIER"),
            "Courier");
  EXPECT_EQ(FindIndicator("criminal_history_share:1")->member_labels.at("1"),
            "Category I");
  EXPECT_EQ(FindIndicator("drug_share:X")->member_labels.at("DRUG_FENTANYL"),
            "Fentanyl");
  EXPECT_EQ(FindIndicator("origin_lnf_share:X")
                ->member_labels.at("CASE_ORIGIN_WIRETAP"),
            "Wiretap");
  // The existing indicators about arrests and people count nationally too.
  for (const char* name :
       {"arrests", "link_substantiation_rate", "sentenced", "fruition_gap",
        "lnf_cost_usd", "declined_then_charged_elsewhere"}) {
    const auto& kinds = FindIndicator(name)->unit_kinds;
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "national"), kinds.end())
        << name;
  }
  const std::string json = IndicatorCatalogueJson();
  EXPECT_NE(json.find("\"jsonName\":\"functionShare:\""), std::string::npos);
  EXPECT_NE(json.find("\"OFFENSE_FUNCTION_COURIER\":\"Courier\""),
            std::string::npos);
  EXPECT_NE(json.find("\"group\":\"Sentencing Commission tables\""),
            std::string::npos);
}

TEST(IndicatorRegistryTest, JsonNames) {
  EXPECT_EQ(JsonName("lnf_cost_usd"), "lnfCostUsd");
  EXPECT_EQ(JsonName("target_ratio:PERFORMANCE_MEASURE_ARRESTS"),
            "targetRatio:PERFORMANCE_MEASURE_ARRESTS");
}

}  // namespace
}  // namespace fruition::domain
