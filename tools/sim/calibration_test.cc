// The calibration of docs/simulation.md, checked on 20,000 subjects: every
// figure of the table within its tolerance, every report valid for intake,
// and the gap the study describes between what agencies claim and what the
// judiciary finds.
#include <map>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "services/domain/desert.h"
#include "services/intake/validate.h"
#include "tools/sim/measure.h"
#include "tools/sim/sim.h"

namespace fruition::sim {
namespace {

constexpr int kSubjects = 20000;

const std::vector<v1::AgencyReport>& National(uint64_t seed) {
  static auto* cache = new std::map<uint64_t, std::vector<v1::AgencyReport>>;
  auto it = cache->find(seed);
  if (it == cache->end()) {
    SimOptions options;
    options.seed = seed;
    options.subjects = kSubjects;
    auto reports = Generate(options);
    EXPECT_TRUE(reports.ok()) << reports.status();
    it = cache->emplace(seed, std::move(*reports)).first;
  }
  return it->second;
}

class CalibrationTest : public testing::TestWithParam<uint64_t> {};

TEST_P(CalibrationTest, EveryFigureWithinTolerance) {
  const Measures m = Measure(National(GetParam()));
  ASSERT_GT(m.sentenced, kSubjects / 2);
  for (const CalibrationRow& row : Calibration(m)) {
    EXPECT_TRUE(row.ok()) << row.id << " (" << row.figure << ", " << row.source
                          << "): produced " << row.produced << ", used "
                          << row.low << ".." << row.high << " ± "
                          << row.tolerance;
  }
  // Every DEA PTO/CPOT row, not only the extremes.
  int dea_rows = 0;
  for (const TargetRatio& t : m.target_ratios) {
    if (t.agency != "DEA" || t.measure == v1::PERFORMANCE_MEASURE_ARRESTS) {
      continue;
    }
    ++dea_rows;
    EXPECT_GE(t.ratio(), 1 + model::kDeaOvershootMin)
        << "FY" << t.fiscal_year << " " << t.measure;
    EXPECT_LE(t.ratio(), 1 + model::kDeaOvershootMax)
        << "FY" << t.fiscal_year << " " << t.measure;
  }
  EXPECT_EQ(dea_rows, 4 * 3) << "4 measures x 3 fiscal years";
}

// Figures computed here directly from the reports, independently of
// measure.cc, for the ones the issue names.
TEST_P(CalibrationTest, FiguresFromTheReportsDirectly) {
  const auto& reports = National(GetParam());
  std::map<std::pair<std::string, std::string>, const v1::AgencyReport*> latest;
  int64_t trials = 0, pleas = 0;
  std::set<std::string> opened, referred;
  for (const auto& r : reports) {
    if (r.has_sentencing()) {
      auto& slot = latest[{r.sentencing().subject_ref(), r.case_id()}];
      if (slot == nullptr ||
          r.occurred_at().seconds() >= slot->occurred_at().seconds()) {
        slot = &r;
      }
    } else if (r.has_disposition()) {
      pleas += r.disposition().outcome() == v1::DISPOSITION_OUTCOME_PLEA;
      trials +=
          r.disposition().outcome() == v1::DISPOSITION_OUTCOME_TRIAL_CONVICTION;
    } else if (r.has_case_opened()) {
      opened.insert(r.case_id());
    } else if (r.has_charge_filed() || r.has_declination()) {
      referred.insert(r.case_id());
    }
  }
  std::map<v1::OffenseFunction, int64_t> functions;
  int64_t ch1 = 0, weapon = 0, aggravating = 0;
  for (const auto& [key, r] : latest) {
    const auto& s = r->sentencing();
    ++functions[s.function()];
    ch1 += s.criminal_history_category() == 1;
    weapon += s.weapon() != v1::WEAPON_NONE;
    aggravating += s.aggravating_role() != v1::AGGRAVATING_ROLE_NONE;
  }
  const double n = static_cast<double>(latest.size());
  EXPECT_NEAR(functions[v1::OFFENSE_FUNCTION_HIGH_LEVEL_SUPPLIER_IMPORTER] / n,
              0.11, 0.015);
  EXPECT_NEAR(functions[v1::OFFENSE_FUNCTION_COURIER] / n, 0.23, 0.015);
  EXPECT_NEAR(functions[v1::OFFENSE_FUNCTION_STREET_LEVEL_DEALER] / n, 0.17,
              0.015);
  EXPECT_NEAR(functions[v1::OFFENSE_FUNCTION_WHOLESALER] / n, 0.21, 0.015);
  EXPECT_NEAR(ch1 / n, 0.48, 0.015);
  EXPECT_NEAR(weapon / n, 0.18, 0.015);
  EXPECT_NEAR(aggravating / n, 0.08, 0.01);
  // Note 66's table counts convictions by mode: pleas of pleas and trials.
  EXPECT_NEAR(static_cast<double>(pleas) / (pleas + trials), 0.98, 0.005);
  int64_t not_referred = 0;
  for (const auto& c : opened) not_referred += referred.count(c) == 0;
  EXPECT_NEAR(static_cast<double>(not_referred) / opened.size(), 0.147, 0.015);
}

// The study's gap, nationally, with the scoring service's own desert score:
// claimed priority share − high-desert share ≥ 0.25.
TEST_P(CalibrationTest, ClaimedPriorityFarAboveHighDesert) {
  const auto& reports = National(GetParam());
  std::map<std::string, v1::Tier> tier;  // latest designation
  std::map<std::string, int64_t> tier_at;
  std::map<std::string, std::string> claim_org;
  std::set<std::pair<std::string, std::string>> claimed;  // subject, case
  std::map<std::pair<std::string, std::string>, const v1::AgencyReport*> latest;
  for (const auto& r : reports) {
    if (r.has_org_designated()) {
      const auto& d = r.org_designated();
      if (tier.count(d.org_id()) == 0 ||
          r.occurred_at().seconds() >= tier_at[d.org_id()]) {
        tier[d.org_id()] = d.tier();
        tier_at[d.org_id()] = r.occurred_at().seconds();
      }
    } else if (r.has_link_claim()) {
      claim_org[r.link_claim().claim_id()] = r.link_claim().org_id();
    } else if (r.has_sentencing()) {
      auto& slot = latest[{r.sentencing().subject_ref(), r.case_id()}];
      if (slot == nullptr ||
          r.occurred_at().seconds() >= slot->occurred_at().seconds()) {
        slot = &r;
      }
    }
  }
  for (const auto& r : reports) {
    if (!r.has_arrest() || r.arrest().claim_id().empty()) continue;
    const v1::Tier t = tier[claim_org[r.arrest().claim_id()]];
    if (t == v1::TIER_CPOT || t == v1::TIER_RPOT ||
        t == v1::TIER_PTO_NATIONAL) {
      claimed.insert({r.arrest().subject_ref(), r.case_id()});
    }
  }
  int64_t high = 0, priority = 0, lnf = 0;
  for (const auto& [key, r] : latest) {
    const domain::DesertResult d = domain::Score(r->sentencing());
    high += d.band == v1::DESERT_BAND_HIGH;
    lnf += d.lnf;
    priority += claimed.count(key);
  }
  const double n = static_cast<double>(latest.size());
  const double gap = priority / n - high / n;
  EXPECT_GE(gap, 0.25) << "claimed priority " << priority / n
                       << ", high desert " << high / n;
  EXPECT_GE(lnf / n, 0.25) << "many sentenced are LNF";
  // measure.cc agrees.
  const Measures m = Measure(reports);
  EXPECT_NEAR(m.fruition_gap(), gap, 1e-12);
  EXPECT_NEAR(m.lnf_share, lnf / n, 1e-12);
  // Weak links: a good share of claims fail the criteria.
  EXPECT_GT(m.unsubstantiated, m.claims / 4);
  EXPECT_GT(m.substantiated, m.claims / 5);
  EXPECT_GT(m.partial, 0);
  EXPECT_GT(m.declined_then_charged_elsewhere, 0);
  EXPECT_GT(m.pending_dismantled, 0);
  EXPECT_GT(m.orgs_revoked, 0);
}

using Pair = std::pair<std::string, std::string>;  // subject_ref, case_id

Pair PairOf(const v1::AgencyReport& r) {
  switch (r.body_case()) {
    case v1::AgencyReport::kSentencing:
      return {r.sentencing().subject_ref(), r.case_id()};
    case v1::AgencyReport::kChargeFiled:
      return {r.charge_filed().subject_ref(), r.case_id()};
    case v1::AgencyReport::kDeclination:
      return {r.declination().subject_ref(), r.case_id()};
    case v1::AgencyReport::kDisposition:
      return {r.disposition().subject_ref(), r.case_id()};
    default:
      return {};
  }
}

// The latest report of one body per (subject, case), as SPEC §5 counts it.
struct Latest {
  std::map<Pair, const v1::AgencyReport*> sentencing, charge, declination,
      disposition;
  std::map<Pair, std::set<uint32_t>> minimums;  // every charge's minimum

  explicit Latest(const std::vector<v1::AgencyReport>& reports) {
    for (const auto& r : reports) {
      std::map<Pair, const v1::AgencyReport*>* into =
          r.has_sentencing()     ? &sentencing
          : r.has_charge_filed() ? &charge
          : r.has_declination()  ? &declination
          : r.has_disposition()  ? &disposition
                                 : nullptr;
      if (into == nullptr) continue;
      const v1::AgencyReport*& slot = (*into)[PairOf(r)];
      if (slot == nullptr ||
          r.occurred_at().seconds() >= slot->occurred_at().seconds()) {
        slot = &r;
      }
      if (r.has_charge_filed()) {
        minimums[PairOf(r)].insert(r.charge_filed().mandatory_minimum_months());
      }
    }
  }
};

// The prosecution stage's calibration, computed here from the reports
// directly (the published figures written out, not read from sim.h).
TEST_P(CalibrationTest, ProsecutionFiguresFromTheReportsDirectly) {
  const auto& reports = National(GetParam());
  const Latest latest(reports);
  int64_t mm = 0, valve = 0, below_no_valve = 0, relieved = 0;
  int64_t unrelieved = 0;
  double unrelieved_months = 0;
  std::map<v1::Drug, int64_t> drugs;
  for (const auto& [key, r] : latest.sentencing) {
    const auto& s = r->sentencing();
    ++drugs[s.drug()];
    auto charge = latest.charge.find(key);
    ASSERT_NE(charge, latest.charge.end()) << "sentenced, never charged";
    const uint32_t minimum =
        charge->second->charge_filed().mandatory_minimum_months();
    if (minimum == 0) continue;
    const bool below = s.sentence_months() < minimum;
    ++mm;
    valve += s.safety_valve();
    below_no_valve += below && !s.safety_valve();
    relieved += below || s.safety_valve();
    if (!below && !s.safety_valve()) {
      ++unrelieved;
      unrelieved_months += s.sentence_months();
    }
  }
  const double n = static_cast<double>(latest.sentencing.size());
  const double mm_n = static_cast<double>(mm);
  // USSC, Mandatory Minimum Penalties for Drug Offenses (2017), FY2016.
  EXPECT_NEAR(mm / n, 0.447, 0.02);
  EXPECT_NEAR(valve / mm_n, 0.218 + 0.082, 0.025);
  EXPECT_NEAR(below_no_valve / mm_n, 0.215, 0.02);
  EXPECT_NEAR(relieved / mm_n, 0.516, 0.025);
  EXPECT_NEAR(unrelieved_months / unrelieved, 126, 6);
  // USSC Quick Facts, drug trafficking, FY2016.
  EXPECT_NEAR(drugs[v1::DRUG_METHAMPHETAMINE] / n, 0.336, 0.015);
  EXPECT_NEAR(drugs[v1::DRUG_COCAINE] / n, 0.198, 0.015);
  EXPECT_NEAR(drugs[v1::DRUG_HEROIN] / n, 0.144, 0.015);
  EXPECT_NEAR(drugs[v1::DRUG_CRACK] / n, 0.081, 0.01);
  // TRAC: DEA referrals declined (2001), declined for other authorities
  // (2003).
  int64_t referred = 0;
  for (const auto& [key, r] : latest.declination) {
    referred += r->declination().referred_to_state();
  }
  const double declined = static_cast<double>(latest.declination.size());
  EXPECT_NEAR(declined / (declined + latest.charge.size()), 0.175, 0.015);
  EXPECT_NEAR(referred / declined, 0.169, 0.03);
  // measure.cc agrees.
  const Measures m = Measure(reports);
  EXPECT_EQ(m.mm_sentenced, mm);
  EXPECT_EQ(m.mm_relieved, relieved);
  EXPECT_EQ(m.charged, static_cast<int64_t>(latest.charge.size()));
  EXPECT_EQ(m.declined, static_cast<int64_t>(latest.declination.size()));
  EXPECT_EQ(m.referred_to_state, referred);
}

// The drug part of a charge's minimum, from its penalty provision; -1 when
// the statutes name none.
int DrugMinimumOf(const v1::ChargeFiled& c) {
  for (const std::string& statute : c.statutes()) {
    if (statute == "21 U.S.C. § 841(b)(1)(A)") return 120;
    if (statute == "21 U.S.C. § 841(b)(1)(B)") return 60;
    if (statute == "21 U.S.C. § 841(b)(1)(C)" ||
        statute == "21 U.S.C. § 841(b)(1)(D)") {
      return 0;
    }
  }
  return -1;
}

// The minimum a sentencing record's drug and weight allow (§ 841(b)(1)).
uint32_t WeightMinimum(const v1::SentencingRecord& s) {
  const auto& thresholds = domain::DefaultDesertRules().thresholds;
  auto it = thresholds.find(s.drug());
  if (it == thresholds.end()) return 0;
  if (s.drug_weight_grams() >= it->second.second) return 120;
  return s.drug_weight_grams() >= it->second.first ? 60 : 0;
}

// What holds for every seed: charges say their minimum in their statutes
// and never charge more than the weight allows; only the convicted are
// sentenced, after their conviction; and the irregular cases the
// indicators must handle all occur.
TEST_P(CalibrationTest, ProsecutionStageIsConsistent) {
  const auto& reports = National(GetParam());
  const Latest latest(reports);
  for (const auto& r : reports) {
    if (!r.has_charge_filed()) continue;
    const auto& c = r.charge_filed();
    const int drug = DrugMinimumOf(c);
    ASSERT_GE(drug, 0) << r.report_id();
    bool section_924c = false;
    for (const std::string& statute : c.statutes()) {
      section_924c |= statute == "18 U.S.C. § 924(c)";
    }
    EXPECT_EQ(c.mandatory_minimum_months(),
              static_cast<uint32_t>(drug) + (section_924c ? 60 : 0))
        << r.report_id();
  }
  int64_t bargained = 0;
  for (const auto& [key, r] : latest.sentencing) {
    auto d = latest.disposition.find(key);
    ASSERT_NE(d, latest.disposition.end()) << "sentenced, never disposed";
    const auto outcome = d->second->disposition().outcome();
    EXPECT_TRUE(outcome == v1::DISPOSITION_OUTCOME_PLEA ||
                outcome == v1::DISPOSITION_OUTCOME_TRIAL_CONVICTION)
        << r->report_id() << " sentenced after " << outcome;
    EXPECT_LT(d->second->occurred_at().seconds(), r->occurred_at().seconds());
    const int drug = DrugMinimumOf(latest.charge.at(key)->charge_filed());
    EXPECT_LE(drug, static_cast<int>(WeightMinimum(r->sentencing())));
    bargained += drug < static_cast<int>(WeightMinimum(r->sentencing()));
  }
  EXPECT_GT(bargained, 0) << "charge bargaining below the weight's minimum";

  int64_t refiled = 0, same_district = 0, without_charge = 0;
  for (const auto& [key, minimums] : latest.minimums) {
    refiled += minimums.size() > 1;
  }
  for (const auto& [key, r] : latest.declination) {
    auto c = latest.charge.find(key);
    same_district +=
        c != latest.charge.end() &&
        c->second->charge_filed().district() == r->declination().district();
  }
  for (const auto& [key, r] : latest.disposition) {
    without_charge += latest.charge.count(key) == 0;
  }
  EXPECT_GT(refiled, 0) << "a charge re-filed with another minimum";
  EXPECT_GT(same_district, 0) << "declined, then charged in the same district";
  EXPECT_GT(without_charge, 0) << "a disposition with no charge";
  const Measures m = Measure(reports);
  EXPECT_GT(m.declined_then_charged_elsewhere, 0);
  EXPECT_GT(m.seizures_before_case_opened, 0);
  EXPECT_EQ(m.declined_then_charged_same_district, same_district);
  EXPECT_EQ(m.dispositions_without_charge, without_charge);
}

TEST_P(CalibrationTest, EveryReportValid) {
  int rejected = 0;
  for (const auto& r : National(GetParam())) {
    const auto rejection = intake::Validate(r, PrincipalOf(r.reporter()),
                                            /*now_seconds=*/4102444800);
    if (rejection.has_value() && ++rejected <= 5) {
      ADD_FAILURE() << r.report_id() << ": " << rejection->message;
    }
  }
  EXPECT_EQ(rejected, 0);
}

// Seed 1 is the table's; seed 2 shows the tolerances are not tuned to it.
INSTANTIATE_TEST_SUITE_P(Seeds, CalibrationTest, testing::Values(1, 2));

}  // namespace
}  // namespace fruition::sim
