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
  int64_t dispositions = 0, pleas = 0;
  std::set<std::string> opened, referred;
  for (const auto& r : reports) {
    if (r.has_sentencing()) {
      auto& slot = latest[{r.sentencing().subject_ref(), r.case_id()}];
      if (slot == nullptr ||
          r.occurred_at().seconds() >= slot->occurred_at().seconds()) {
        slot = &r;
      }
    } else if (r.has_disposition()) {
      ++dispositions;
      pleas += r.disposition().outcome() == v1::DISPOSITION_OUTCOME_PLEA;
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
  EXPECT_NEAR(static_cast<double>(pleas) / dispositions, 0.98, 0.005);
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
