#include "services/domain/desert.h"

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fruition::domain {
namespace {

using Edit = std::function<void(v1::SentencingRecord&)>;

// A record that scores 0 and is LNF: USER, no roles, category I, no history
// points, no weapon, no violence, no scored drug. Each case changes only what
// it is about.
v1::SentencingRecord Base() {
  v1::SentencingRecord s;
  s.set_subject_pid("pid-1");
  s.set_district("EDPA");
  s.set_criminal_history_points(0);
  s.set_criminal_history_category(1);
  s.set_aggravating_role(v1::AGGRAVATING_ROLE_NONE);
  s.set_mitigating_role(v1::MITIGATING_ROLE_NONE);
  s.set_weapon(v1::WEAPON_NONE);
  s.set_violence(false);
  s.set_drug(v1::DRUG_OTHER);
  s.set_drug_weight_grams(0);
  s.set_function(v1::OFFENSE_FUNCTION_USER);
  return s;
}

v1::SentencingRecord Make(const Edit& edit) {
  v1::SentencingRecord s = Base();
  edit(s);
  return s;
}

// ---------------------------------------------------------------------------
// Score: one row per SPEC §4 weight.

struct ScoreCase {
  std::string name;
  Edit edit;
  int want_score;
};

// Failures name the case instead of dumping its bytes.
void PrintTo(const ScoreCase& c, std::ostream* os) { *os << c.name; }

Edit Function(v1::OffenseFunction f) {
  return [f](v1::SentencingRecord& s) { s.set_function(f); };
}

std::vector<ScoreCase> FunctionCases() {
  using F = v1::OffenseFunction;
  const std::vector<std::pair<F, int>> want = {
      {v1::OFFENSE_FUNCTION_HIGH_LEVEL_SUPPLIER_IMPORTER, 40},
      {v1::OFFENSE_FUNCTION_ORGANIZER_LEADER, 40},
      {v1::OFFENSE_FUNCTION_GROWER_MANUFACTURER, 30},
      {v1::OFFENSE_FUNCTION_FINANCIER_LAUNDERER, 30},
      {v1::OFFENSE_FUNCTION_PILOT_CAPTAIN, 25},
      {v1::OFFENSE_FUNCTION_WHOLESALER, 25},
      {v1::OFFENSE_FUNCTION_MANAGER, 25},
      {v1::OFFENSE_FUNCTION_ENFORCER, 25},
      {v1::OFFENSE_FUNCTION_SUPERVISOR, 20},
      {v1::OFFENSE_FUNCTION_CHEMIST_COOK, 20},
      {v1::OFFENSE_FUNCTION_BROKER_STEERER, 12},
      {v1::OFFENSE_FUNCTION_STREET_LEVEL_DEALER, 8},
      {v1::OFFENSE_FUNCTION_COURIER, 6},
      {v1::OFFENSE_FUNCTION_RENTER_STORER, 6},
      {v1::OFFENSE_FUNCTION_MULE, 4},
      {v1::OFFENSE_FUNCTION_EMPLOYEE_LOOKOUT, 4},
      {v1::OFFENSE_FUNCTION_ENABLER, 3},
      {v1::OFFENSE_FUNCTION_USER, 0},
  };
  std::vector<ScoreCase> cases;
  cases.reserve(want.size());
  for (const auto& [f, points] : want) {
    cases.push_back(
        {"Function_" + v1::OffenseFunction_Name(f), Function(f), points});
  }
  return cases;
}

std::vector<ScoreCase> RoleCases() {
  auto agg = [](v1::AggravatingRole r) {
    return [r](v1::SentencingRecord& s) { s.set_aggravating_role(r); };
  };
  // Mitigating roles on an ORGANIZER_LEADER function (40) so the negative
  // points are visible, not clamped away.
  auto mit = [](v1::MitigatingRole r) {
    return [r](v1::SentencingRecord& s) {
      s.set_function(v1::OFFENSE_FUNCTION_ORGANIZER_LEADER);
      s.set_mitigating_role(r);
    };
  };
  return {
      {"Aggravating_NONE", agg(v1::AGGRAVATING_ROLE_NONE), 0},
      {"Aggravating_SUPERVISOR", agg(v1::AGGRAVATING_ROLE_SUPERVISOR), 6},
      {"Aggravating_MANAGER", agg(v1::AGGRAVATING_ROLE_MANAGER), 10},
      {"Aggravating_ORGANIZER_LEADER",
       agg(v1::AGGRAVATING_ROLE_ORGANIZER_LEADER), 15},
      {"Mitigating_NONE", mit(v1::MITIGATING_ROLE_NONE), 40},
      {"Mitigating_MINOR", mit(v1::MITIGATING_ROLE_MINOR), 35},
      {"Mitigating_MINIMAL", mit(v1::MITIGATING_ROLE_MINIMAL), 30},
  };
}

std::vector<ScoreCase> HistoryCases() {
  std::vector<ScoreCase> cases;
  for (unsigned category = 1; category <= 6; ++category) {
    cases.push_back({"HistoryCategory_" + std::to_string(category),
                     [category](v1::SentencingRecord& s) {
                       s.set_criminal_history_category(category);
                     },
                     4 * static_cast<int>(category - 1)});
  }
  // Unset (0) scores as category I, never negative.
  cases.push_back(
      {"HistoryCategory_0_TreatedAs1",
       [](v1::SentencingRecord& s) { s.set_criminal_history_category(0); }, 0});
  // History points alone do not score; only the category does.
  cases.push_back(
      {"HistoryPointsAloneScoreNothing",
       [](v1::SentencingRecord& s) { s.set_criminal_history_points(13); }, 0});
  return cases;
}

std::vector<ScoreCase> WeaponAndViolenceCases() {
  auto weapon = [](v1::Weapon w) {
    return [w](v1::SentencingRecord& s) { s.set_weapon(w); };
  };
  return {
      {"Weapon_NONE", weapon(v1::WEAPON_NONE), 0},
      {"Weapon_POSSESSED", weapon(v1::WEAPON_POSSESSED), 8},
      {"Weapon_SECTION_924C", weapon(v1::WEAPON_SECTION_924C), 12},
      {"Violence", [](v1::SentencingRecord& s) { s.set_violence(true); }, 12},
  };
}

std::vector<ScoreCase> QuantityCases() {
  struct Thresholds {
    v1::Drug drug;
    double five_year;
    double ten_year;
  };
  // SPEC §4 (21 U.S.C. § 841(b)(1)), grams; written out here rather than read
  // from the rules so the test checks the values themselves.
  const std::vector<Thresholds> table = {
      {v1::DRUG_COCAINE, 500, 5000},
      {v1::DRUG_CRACK, 28, 280},
      {v1::DRUG_HEROIN, 100, 1000},
      {v1::DRUG_FENTANYL, 40, 400},
      {v1::DRUG_METHAMPHETAMINE, 50, 500},
      {v1::DRUG_MARIJUANA, 100000, 1000000},
  };
  std::vector<ScoreCase> cases;
  auto add = [&cases](v1::Drug drug, const std::string& label, double grams,
                      int want) {
    cases.push_back({v1::Drug_Name(drug) + "_" + label,
                     [drug, grams](v1::SentencingRecord& s) {
                       s.set_drug(drug);
                       s.set_drug_weight_grams(grams);
                     },
                     want});
  };
  for (const auto& t : table) {
    add(t.drug, "Zero", 0, 0);
    add(t.drug, "Below5Year", t.five_year - 1, 0);
    add(t.drug, "At5Year", t.five_year, 4);
    add(t.drug, "Below10Year", t.ten_year - 1, 4);
    add(t.drug, "At10Year", t.ten_year, 8);
    add(t.drug, "Below10x10Year", 10 * t.ten_year - 1, 8);
    add(t.drug, "At10x10Year", 10 * t.ten_year, 12);
  }
  add(v1::DRUG_OTHER, "Huge", 1e9, 0);
  add(v1::DRUG_UNSPECIFIED, "Huge", 1e9, 0);
  return cases;
}

std::vector<ScoreCase> ClampCases() {
  return {
      {"Clamp0_UserMinimal",
       [](v1::SentencingRecord& s) {
         s.set_mitigating_role(v1::MITIGATING_ROLE_MINIMAL);  // 0 − 10
       },
       0},
      {"Clamp0_EnablerMinor",
       [](v1::SentencingRecord& s) {
         s.set_function(v1::OFFENSE_FUNCTION_ENABLER);  // 3 − 5
         s.set_mitigating_role(v1::MITIGATING_ROLE_MINOR);
       },
       0},
      {"Exactly0_CourierMinor_IsNot0",
       [](v1::SentencingRecord& s) {
         s.set_function(v1::OFFENSE_FUNCTION_COURIER);  // 6 − 5
         s.set_mitigating_role(v1::MITIGATING_ROLE_MINOR);
       },
       1},
      {"Clamp100_MaxEverything",
       [](v1::SentencingRecord& s) {
         // 40 + 15 + 20 + 12 + 12 + 12 = 111.
         s.set_function(v1::OFFENSE_FUNCTION_ORGANIZER_LEADER);
         s.set_aggravating_role(v1::AGGRAVATING_ROLE_ORGANIZER_LEADER);
         s.set_criminal_history_category(6);
         s.set_criminal_history_points(30);
         s.set_weapon(v1::WEAPON_SECTION_924C);
         s.set_violence(true);
         s.set_drug(v1::DRUG_FENTANYL);
         s.set_drug_weight_grams(4000);
       },
       100},
      {"Score99_NotClamped",
       [](v1::SentencingRecord& s) {
         // 40 + 15 + 20 + 12 + 12 = 99 (100 itself is unreachable unclamped).
         s.set_function(v1::OFFENSE_FUNCTION_ORGANIZER_LEADER);
         s.set_aggravating_role(v1::AGGRAVATING_ROLE_ORGANIZER_LEADER);
         s.set_criminal_history_category(6);
         s.set_weapon(v1::WEAPON_SECTION_924C);
         s.set_violence(true);
       },
       99},
  };
}

class DesertScoreTest : public testing::TestWithParam<ScoreCase> {};

TEST_P(DesertScoreTest, Score) {
  const ScoreCase& c = GetParam();
  EXPECT_EQ(Score(Make(c.edit)).score, c.want_score);
}

std::string ParamName(const testing::TestParamInfo<ScoreCase>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Function, DesertScoreTest,
                         testing::ValuesIn(FunctionCases()), ParamName);
INSTANTIATE_TEST_SUITE_P(Role, DesertScoreTest, testing::ValuesIn(RoleCases()),
                         ParamName);
INSTANTIATE_TEST_SUITE_P(History, DesertScoreTest,
                         testing::ValuesIn(HistoryCases()), ParamName);
INSTANTIATE_TEST_SUITE_P(WeaponViolence, DesertScoreTest,
                         testing::ValuesIn(WeaponAndViolenceCases()),
                         ParamName);
INSTANTIATE_TEST_SUITE_P(Quantity, DesertScoreTest,
                         testing::ValuesIn(QuantityCases()), ParamName);
INSTANTIATE_TEST_SUITE_P(Clamp, DesertScoreTest,
                         testing::ValuesIn(ClampCases()), ParamName);

// ---------------------------------------------------------------------------
// Band.

struct BandCase {
  std::string name;
  Edit edit;
  int want_score;
  v1::DesertBand want_band;
};

// Failures name the case instead of dumping its bytes.
void PrintTo(const BandCase& c, std::ostream* os) { *os << c.name; }

class DesertBandTest : public testing::TestWithParam<BandCase> {};

TEST_P(DesertBandTest, Band) {
  const BandCase& c = GetParam();
  const DesertResult r = Score(Make(c.edit));
  ASSERT_EQ(r.score, c.want_score);  // the case really sits on the boundary
  EXPECT_EQ(r.band, c.want_band) << v1::DesertBand_Name(r.band);
}

INSTANTIATE_TEST_SUITE_P(
    Boundaries, DesertBandTest,
    testing::Values(
        BandCase{"Score0_Low", [](v1::SentencingRecord&) {}, 0,
                 v1::DESERT_BAND_LOW},
        BandCase{"Score24_Low",
                 [](v1::SentencingRecord& s) {
                   s.set_function(v1::OFFENSE_FUNCTION_SUPERVISOR);  // 20
                   s.set_criminal_history_category(2);               // +4
                 },
                 24, v1::DESERT_BAND_LOW},
        BandCase{"Score25_Mid",
                 [](v1::SentencingRecord& s) {
                   s.set_function(v1::OFFENSE_FUNCTION_WHOLESALER);  // 25
                 },
                 25, v1::DESERT_BAND_MID},
        BandCase{"Score49_Mid",
                 [](v1::SentencingRecord& s) {
                   s.set_function(v1::OFFENSE_FUNCTION_WHOLESALER);  // 25
                   s.set_criminal_history_category(6);               // +20
                   s.set_drug(v1::DRUG_COCAINE);                     // +4
                   s.set_drug_weight_grams(500);
                 },
                 49, v1::DESERT_BAND_MID},
        BandCase{"Score50_High",
                 [](v1::SentencingRecord& s) {
                   s.set_function(v1::OFFENSE_FUNCTION_ORGANIZER_LEADER);  // 40
                   s.set_aggravating_role(v1::AGGRAVATING_ROLE_MANAGER);  // +10
                 },
                 50, v1::DESERT_BAND_HIGH},
        BandCase{"Score100_High",
                 [](v1::SentencingRecord& s) {
                   s.set_function(v1::OFFENSE_FUNCTION_ORGANIZER_LEADER);
                   s.set_aggravating_role(
                       v1::AGGRAVATING_ROLE_ORGANIZER_LEADER);
                   s.set_criminal_history_category(6);
                   s.set_weapon(v1::WEAPON_SECTION_924C);
                   s.set_violence(true);
                   s.set_drug(v1::DRUG_CRACK);  // 99 + 4, clamped
                   s.set_drug_weight_grams(28);
                 },
                 100, v1::DESERT_BAND_HIGH}),
    [](const testing::TestParamInfo<BandCase>& info) {
      return info.param.name;
    });

// ---------------------------------------------------------------------------
// LNF.

struct LnfCase {
  std::string name;
  Edit edit;
  std::vector<std::string> want_reasons;  // empty: LNF
};

// Failures name the case instead of dumping its bytes.
void PrintTo(const LnfCase& c, std::ostream* os) { *os << c.name; }

class DesertLnfTest : public testing::TestWithParam<LnfCase> {};

TEST_P(DesertLnfTest, Lnf) {
  const LnfCase& c = GetParam();
  const DesertResult r = Score(Make(c.edit));
  EXPECT_EQ(r.lnf, c.want_reasons.empty());
  EXPECT_EQ(r.not_lnf_because, c.want_reasons);
}

std::vector<LnfCase> LnfTrueCases() {
  std::vector<LnfCase> cases;
  for (v1::OffenseFunction f : {
           v1::OFFENSE_FUNCTION_COURIER,
           v1::OFFENSE_FUNCTION_MULE,
           v1::OFFENSE_FUNCTION_STREET_LEVEL_DEALER,
           v1::OFFENSE_FUNCTION_EMPLOYEE_LOOKOUT,
           v1::OFFENSE_FUNCTION_ENABLER,
           v1::OFFENSE_FUNCTION_RENTER_STORER,
           v1::OFFENSE_FUNCTION_USER,
           v1::OFFENSE_FUNCTION_BROKER_STEERER,
       }) {
    cases.push_back({"Lnf_" + v1::OffenseFunction_Name(f), Function(f), {}});
  }
  cases.push_back(
      {"Lnf_HistoryPoints1",
       [](v1::SentencingRecord& s) { s.set_criminal_history_points(1); },
       {}});
  // None of these is an LNF condition: category (career-offender rules may
  // raise it without points), mitigating role, quantity, safety valve.
  cases.push_back({"Lnf_IgnoresCategoryRoleQuantity",
                   [](v1::SentencingRecord& s) {
                     s.set_function(v1::OFFENSE_FUNCTION_COURIER);
                     s.set_criminal_history_category(4);
                     s.set_mitigating_role(v1::MITIGATING_ROLE_MINOR);
                     s.set_drug(v1::DRUG_FENTANYL);
                     s.set_drug_weight_grams(4000);
                     s.set_safety_valve(true);
                   },
                   {}});
  return cases;
}

std::vector<LnfCase> LnfFalseCases() {
  std::vector<LnfCase> cases = {
      {"NotLnf_HistoryPoints2",
       [](v1::SentencingRecord& s) { s.set_criminal_history_points(2); },
       {"criminal_history_points"}},
      {"NotLnf_WeaponPossessed",
       [](v1::SentencingRecord& s) { s.set_weapon(v1::WEAPON_POSSESSED); },
       {"weapon"}},
      {"NotLnf_Weapon924c",
       [](v1::SentencingRecord& s) { s.set_weapon(v1::WEAPON_SECTION_924C); },
       {"weapon"}},
      {"NotLnf_Violence",
       [](v1::SentencingRecord& s) { s.set_violence(true); },
       {"violence"}},
      {"NotLnf_AggravatingSupervisor",
       [](v1::SentencingRecord& s) {
         s.set_aggravating_role(v1::AGGRAVATING_ROLE_SUPERVISOR);
       },
       {"aggravating_role"}},
      {"NotLnf_AggravatingManager",
       [](v1::SentencingRecord& s) {
         s.set_aggravating_role(v1::AGGRAVATING_ROLE_MANAGER);
       },
       {"aggravating_role"}},
      {"NotLnf_AggravatingOrganizerLeader",
       [](v1::SentencingRecord& s) {
         s.set_aggravating_role(v1::AGGRAVATING_ROLE_ORGANIZER_LEADER);
       },
       {"aggravating_role"}},
      {"NotLnf_AllFiveInOrder",
       [](v1::SentencingRecord& s) {
         s.set_function(v1::OFFENSE_FUNCTION_MANAGER);
         s.set_aggravating_role(v1::AGGRAVATING_ROLE_MANAGER);
         s.set_violence(true);
         s.set_weapon(v1::WEAPON_POSSESSED);
         s.set_criminal_history_points(7);
       },
       {"criminal_history_points", "weapon", "violence", "aggravating_role",
        "function"}},
      {"NotLnf_WeaponAndFunctionInOrder",
       [](v1::SentencingRecord& s) {
         s.set_function(v1::OFFENSE_FUNCTION_WHOLESALER);
         s.set_weapon(v1::WEAPON_SECTION_924C);
       },
       {"weapon", "function"}},
      {"NotLnf_HistoryViolenceAggravatingInOrder",
       [](v1::SentencingRecord& s) {
         s.set_aggravating_role(v1::AGGRAVATING_ROLE_SUPERVISOR);
         s.set_violence(true);
         s.set_criminal_history_points(2);
       },
       {"criminal_history_points", "violence", "aggravating_role"}},
  };
  for (v1::OffenseFunction f : {
           v1::OFFENSE_FUNCTION_HIGH_LEVEL_SUPPLIER_IMPORTER,
           v1::OFFENSE_FUNCTION_ORGANIZER_LEADER,
           v1::OFFENSE_FUNCTION_GROWER_MANUFACTURER,
           v1::OFFENSE_FUNCTION_FINANCIER_LAUNDERER,
           v1::OFFENSE_FUNCTION_PILOT_CAPTAIN,
           v1::OFFENSE_FUNCTION_WHOLESALER,
           v1::OFFENSE_FUNCTION_MANAGER,
           v1::OFFENSE_FUNCTION_SUPERVISOR,
           v1::OFFENSE_FUNCTION_ENFORCER,
           v1::OFFENSE_FUNCTION_CHEMIST_COOK,
       }) {
    cases.push_back(
        {"NotLnf_" + v1::OffenseFunction_Name(f), Function(f), {"function"}});
  }
  return cases;
}

std::string LnfName(const testing::TestParamInfo<LnfCase>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(True, DesertLnfTest, testing::ValuesIn(LnfTrueCases()),
                         LnfName);
INSTANTIATE_TEST_SUITE_P(False, DesertLnfTest,
                         testing::ValuesIn(LnfFalseCases()), LnfName);

// ---------------------------------------------------------------------------
// Rules as data.

TEST(DesertRulesTest, DefaultIsVersionV1) {
  EXPECT_EQ(DefaultDesertRules().version, "v1");
  EXPECT_EQ(&DefaultDesertRules(), &DefaultDesertRules());
}

TEST(DesertRulesTest, ScoreUsesTheRulesPassedIn) {
  DesertRules rules = DefaultDesertRules();
  rules.version = "test";
  rules.violence_points = 30;
  rules.function_points.erase(v1::OFFENSE_FUNCTION_WHOLESALER);  // absent: 0
  rules.thresholds.erase(v1::DRUG_COCAINE);                      // absent: 0
  rules.mid_band_min = 30;
  rules.lnf_max_history_points = 3;

  v1::SentencingRecord s = Base();
  s.set_function(v1::OFFENSE_FUNCTION_WHOLESALER);
  s.set_violence(true);
  s.set_drug(v1::DRUG_COCAINE);
  s.set_drug_weight_grams(50000);
  s.set_criminal_history_points(3);

  const DesertResult r = Score(s, rules);
  EXPECT_EQ(r.score, 30);
  EXPECT_EQ(r.band, v1::DESERT_BAND_MID);
  EXPECT_EQ(r.not_lnf_because,
            (std::vector<std::string>{"violence", "function"}));

  // The same record under the defaults: 25 + 12 + 12 and history counts.
  const DesertResult d = Score(s);
  EXPECT_EQ(d.score, 49);
  EXPECT_EQ(d.not_lnf_because,
            (std::vector<std::string>{"criminal_history_points", "violence",
                                      "function"}));
}

}  // namespace
}  // namespace fruition::domain
